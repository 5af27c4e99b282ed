//go:build unix

package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"testing"
)

// BenchmarkFlatCost serves the pages of BenchmarkMarketPages straight
// through the handler, caches on as in production, at each market size, for
// an anonymous visitor and a signed-in one, and reports the server's CPU
// time per page: how a page's cost grows with the market, without the
// network or the load of other processes in the figure.
//
//	SHIJI_BENCH_DATA=DIR SHIJI_BENCH_SIZES=10000,1000000 \
//	  go test -run '^$' -bench FlatCost -benchtime 3000x -count 3 ./node/web
//
// DIR holds the markets of BenchmarkMarketPages (DIR/ITEMS/shiji.db, 1,000
// stalls; a copy: opening it migrates it). Each page's paths are read once
// before the timing starts (the caches warm, as they are on a node that has
// been up for a while). SHIJI_BENCH_CACHE_MB sizes the caches (default:
// web.DefaultCacheBytes, as SHIJI_CACHE_MB does for a node).
func BenchmarkFlatCost(b *testing.B) {
	sizes := benchSizes()
	cacheMB, _ := strconv.Atoi(os.Getenv("SHIJI_BENCH_CACHE_MB")) // 0: the default
	words := []string{"自行车", "旧书", "花", "bicycle", "teapot", "老", "vintage", "搪瓷杯", "书", "灯", "lamp", "old", "the", "书旧", "zqxjv", "的", "e"}
	for _, items := range sizes {
		s, a := marketBenchServer(b, items, int64(cacheMB)<<20)
		snap, err := a.Snapshot(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		stalls := len(snap.Stalls)
		tok := benchReader(b, a)
		pages := []struct {
			name string
			n    int
			path func(i int) string
		}{
			{"item", 997, func(i int) string { return fmt.Sprintf("/items/%d", 1+(i*7919)%items) }},
			{"stroll", 500, func(i int) string { return fmt.Sprintf("/wander?seed=%d&page=%d", i*13%1000, i%20) }},
			{"stroll-api", 500, func(i int) string { return fmt.Sprintf("/api/v1/wander?seed=%d&page=%d", i*13%1000, i%20) }},
			{"stall", 499, func(i int) string { return fmt.Sprintf("/stalls/%d", 1+(i*2+1)%stalls) }},
			{"home", 1, func(int) string { return "/" }},
			{"search", len(words), func(i int) string { return "/search?q=" + url.QueryEscape(words[i]) }},
		}
		for _, pg := range pages {
			for _, who := range []string{"anonymous", "signed-in"} {
				get := func(i int) {
					req := httptest.NewRequest("GET", pg.path(i%pg.n), nil)
					req.Header.Set("Accept-Encoding", "gzip, br")
					req.Header.Set("Accept-Language", "zh-CN,zh;q=0.9,en;q=0.8")
					if who == "signed-in" {
						req.AddCookie(&http.Cookie{Name: sessionCookie, Value: tok})
					}
					rec := httptest.NewRecorder()
					s.ServeHTTP(rec, req)
					if rec.Code != 200 {
						b.Fatalf("GET %s = %d %.300s", req.URL, rec.Code, rec.Body)
					}
				}
				b.Run(fmt.Sprintf("items=%d/%s/%s", items, pg.name, who), func(b *testing.B) {
					for i := 0; i < pg.n; i++ {
						get(i)
					}
					b.ResetTimer()
					cpu0 := processCPU()
					for i := 0; i < b.N; i++ {
						get(i)
					}
					b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
				})
			}
		}
	}
}
