package data_test

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/data/demo"
)

// BenchmarkSearch runs one search at a time on a demo market: Chinese words
// of one, two and three characters and common English words.
//
//	SHIJI_BENCH_DB=DIR/shiji.db go test -run '^$' -bench Search -benchtime 200x ./data
//
// Without SHIJI_BENCH_DB it builds a market of 200 stalls and 10,000 items.
func BenchmarkSearch(b *testing.B) {
	ctx := context.Background()
	path := os.Getenv("SHIJI_BENCH_DB")
	if path == "" {
		path = filepath.Join(b.TempDir(), "shiji.db")
	}
	_, statErr := os.Stat(path)
	start := time.Now()
	db, err := data.Open(ctx, path, time.Now)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	b.Logf("opened %s in %s", path, time.Since(start).Round(time.Millisecond))
	if statErr != nil {
		if _, err := demo.Load(ctx, db, demo.Options{Stalls: 200, Items: 10_000, Seed: 7, MediaDir: filepath.Join(filepath.Dir(path), "media"),
			OrganiserHash: "x"}); err != nil {
			b.Fatal(err)
		}
	}
	for _, q := range []string{"花", "书", "旧书", "茶壶", "自行车", "搪瓷杯", "bicycle", "teapot", "vintage", "old", "lamp", "旧 old", "TV"} {
		b.Run(url.QueryEscape(q), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, _, err := db.Search(ctx, data.SearchQuery{Text: q}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
