package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/data/demo"
)

// BenchmarkMarketPages loads a node with a big demo market and drives its
// pages over HTTP with 64 concurrent keep-alive connections for a few seconds
// each, reporting requests/s and latency percentiles.
//
//	go test -run XXX -bench MarketPages -benchtime 1x -timeout 30m ./cmd/shiji
//
// SHIJI_BENCH_STALLS (1000), SHIJI_BENCH_ITEMS (100000), SHIJI_BENCH_SECONDS
// (5), SHIJI_BENCH_CONNS (64); SHIJI_BENCH_DATA=DIR keeps the generated
// market there and reuses it on the next run.
func BenchmarkMarketPages(b *testing.B) {
	stalls, items := envInt("SHIJI_BENCH_STALLS", 1000), envInt("SHIJI_BENCH_ITEMS", 100_000)
	seconds, conns := envInt("SHIJI_BENCH_SECONDS", 5), envInt("SHIJI_BENCH_CONNS", 64)
	dir := os.Getenv("SHIJI_BENCH_DATA")
	if dir == "" {
		dir = b.TempDir()
	}
	if _, err := os.Stat(filepath.Join(dir, "shiji.db")); err != nil {
		db, err := data.Open(context.Background(), filepath.Join(dir, "shiji.db"), time.Now)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if _, err := demo.Load(context.Background(), db, demo.Options{Stalls: stalls, Items: items, Seed: 1,
			MediaDir: filepath.Join(dir, "media"), OrganiserHash: "x"}); err != nil {
			b.Fatal(err)
		}
		b.Logf("generated %d stalls / %d items in %s", stalls, items, time.Since(start).Round(time.Millisecond))
		db.Close()
	}
	n := startNode(b, dir)
	searches := []string{"自行车", "旧书", "花", "bicycle", "teapot", "老", "vintage", "搪瓷杯"}
	cases := []struct {
		name string
		path func(r *rand.Rand) string
	}{
		{"item", func(r *rand.Rand) string { return fmt.Sprintf("/items/%d", 1+r.IntN(items)) }},
		{"stall", func(r *rand.Rand) string { return fmt.Sprintf("/stalls/%d", 1+r.IntN(stalls)) }},
		{"wander", func(r *rand.Rand) string { return fmt.Sprintf("/wander?seed=%d&page=%d", r.IntN(1000), r.IntN(20)) }},
		{"api-wander", func(r *rand.Rand) string {
			return fmt.Sprintf("/api/v1/wander?seed=%d&page=%d", r.IntN(1000), r.IntN(20))
		}},
		{"search", func(r *rand.Rand) string { return "/api/v1/search?q=" + searches[r.IntN(len(searches))] }},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			rps, p50, p99, errs := load(n.URL, conns, time.Duration(seconds)*time.Second, tc.path)
			b.ReportMetric(rps, "req/s")
			b.ReportMetric(p50, "p50-ms")
			b.ReportMetric(p99, "p99-ms")
			b.ReportMetric(float64(errs), "errors")
		})
	}
}

// load sends GETs from conns goroutines for d and returns requests/s, the
// 50th and 99th percentile latency in ms, and the number of non-200 answers.
func load(base string, conns int, d time.Duration, path func(*rand.Rand) string) (float64, float64, float64, int64) {
	tr := &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	defer tr.CloseIdleConnections()
	var mu sync.Mutex
	var lat []time.Duration
	var errs atomic.Int64
	stop := time.Now().Add(d)
	var wg sync.WaitGroup
	for i := 0; i < conns; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(i), 7))
			var mine []time.Duration
			for time.Now().Before(stop) {
				t0 := time.Now()
				resp, err := hc.Get(base + path(r))
				if err != nil {
					errs.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					errs.Add(1)
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}(i)
	}
	wg.Wait()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	if len(lat) == 0 {
		return 0, 0, 0, errs.Load()
	}
	ms := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	return float64(len(lat)) / d.Seconds(), ms(0.5), ms(0.99), errs.Load()
}
