//go:build unix

package web

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/node/app"
)

// benchSearches are the words BenchmarkSearchOne looks for: Chinese words
// of one, two and three characters, common English words, words that match
// nothing (one whose letters are all common but never stand in that order,
// one of letters no item has) and words that match almost every item.
var benchSearches = []string{
	"书", "花", "旧书", "茶壶", "自行车", "搪瓷杯",
	"bicycle", "the", "old", "lamp", "TV",
	"书旧", "的书的", "zqxjv", "bicyclelamp",
	"的", "e", "旧 old",
}

// BenchmarkSearchOne is one search at a time, per word and per market size,
// with every cache off: the server's time for a search nobody asked before.
// "data" is the data layer's call (the ids found, the stalls, the items
// read), "page" the whole search page through the handler (the same call,
// the cards and the page rendered); each reports its time and its CPU time
// (cpu-µs/op: the process's, steadier on a busy machine).
//
//	SHIJI_BENCH_DATA=DIR SHIJI_BENCH_SIZES=10000,100000,1000000 \
//	  go test -run '^$' -bench SearchOne -benchtime 50x -count 3 ./node/web
//
// DIR holds the markets of BenchmarkMarketPages (DIR/ITEMS/shiji.db, 1,000
// stalls, seed 7; a copy: opening it migrates it). Without SHIJI_BENCH_DATA
// it builds a market of 200 stalls and 10,000 items. SHIJI_BENCH_QUERIES
// (words separated by "|") replaces the words.
func BenchmarkSearchOne(b *testing.B) {
	sizes := benchSizes()
	words := benchSearches
	if v := os.Getenv("SHIJI_BENCH_QUERIES"); v != "" {
		words = strings.Split(v, "|")
	}
	ctx := context.Background()
	for _, items := range sizes {
		s, a := marketBenchServer(b, items, -1)
		for _, w := range words {
			q := data.SearchQuery{Text: w, Currency: "CNY"}
			found, stalls, err := a.DB.Search(ctx, q)
			if err != nil {
				b.Fatal(err)
			}
			name := fmt.Sprintf("items=%d/q=%s", items, url.QueryEscape(w))
			b.Run(name+"/data", func(b *testing.B) {
				cpu0 := processCPU()
				for i := 0; i < b.N; i++ {
					if _, _, err := a.DB.Search(ctx, q); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
				b.ReportMetric(float64(len(found)), "items")
				b.ReportMetric(float64(len(stalls)), "stalls")
			})
			b.Run(name+"/page", func(b *testing.B) {
				path := "/search?q=" + url.QueryEscape(w)
				cpu0 := processCPU()
				for i := 0; i < b.N; i++ {
					req := httptest.NewRequest("GET", path, nil)
					req.Header.Set("Accept-Language", "zh-CN,zh;q=0.9,en;q=0.8")
					rec := httptest.NewRecorder()
					s.ServeHTTP(rec, req)
					if rec.Code != 200 {
						b.Fatalf("GET %s = %d %.300s", path, rec.Code, rec.Body)
					}
				}
				b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
			})
		}
	}
}

// marketBenchServer opens the market of the size (SHIJI_BENCH_DATA/ITEMS,
// or a new one of 200 stalls) and serves it with caches of budget bytes
// (-1: every cache off; 0: the default).
func marketBenchServer(b *testing.B, items int, budget int64) (*Server, *app.App) {
	dir := b.TempDir()
	if root := os.Getenv("SHIJI_BENCH_DATA"); root != "" {
		dir = filepath.Join(root, strconv.Itoa(items))
	}
	return benchServerAt(b, dir, items, "", budget)
}

// benchSizes is the market sizes of SHIJI_BENCH_SIZES (numbers separated by
// commas) when SHIJI_BENCH_DATA holds their markets, and 10,000 otherwise.
func benchSizes() []int {
	v := os.Getenv("SHIJI_BENCH_SIZES")
	if v == "" || os.Getenv("SHIJI_BENCH_DATA") == "" {
		return []int{10_000}
	}
	var sizes []int
	for _, f := range strings.Split(v, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil && n > 0 {
			sizes = append(sizes, n)
		}
	}
	return sizes
}
