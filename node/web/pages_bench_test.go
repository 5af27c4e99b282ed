//go:build unix

package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/data/demo"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
	"github.com/shiji-market/shiji/node/i18n"
	"github.com/shiji-market/shiji/node/media"
	"github.com/shiji-market/shiji/themes"
)

// BenchmarkPageRender serves pages straight through the handler, without
// the network: the server's own cost of a page, steadier than a load test
// on a busy machine (compare runs with benchstat).
//
//	go test -run '^$' -bench PageRender -benchtime 2000x -count 6 ./node/web
//
// The market has 200 stalls and SHIJI_BENCH_ITEMS items (10,000);
// SHIJI_BENCH_DATA=DIR keeps it in DIR/web-ITEMS between runs.
// SHIJI_BENCH_CACHE=off turns the page and card caches off (what a page
// costs the first time). SHIJI_BENCH_GZIP=1 asks for "gzip, br", as
// browsers do (kept pages and frames are then sent as kept).
func BenchmarkPageRender(b *testing.B) {
	items := 10_000
	if v, err := fmt.Sscan(os.Getenv("SHIJI_BENCH_ITEMS"), &items); v != 1 || err != nil {
		items = 10_000
	}
	s, a := benchServer(b, items)
	tok := benchReader(b, a)
	pages := []struct {
		name string
		path func(i int) string
	}{
		{"item", func(i int) string { return fmt.Sprintf("/items/%d", 1+(i*7919)%items) }},
		{"stroll", func(i int) string { return fmt.Sprintf("/wander?seed=%d&page=%d", i*13%1000, i%20) }},
		{"stroll-api", func(i int) string { return fmt.Sprintf("/api/v1/wander?seed=%d&page=%d", i*13%1000, i%20) }},
		{"stall", func(i int) string { return fmt.Sprintf("/stalls/%d", 1+(i*2+1)%200) }},
		{"home", func(int) string { return "/" }},
		{"search", func(i int) string {
			return "/search?q=" + url.QueryEscape([]string{"自行车", "旧书", "花", "bicycle", "teapot", "老"}[i%6])
		}},
	}
	gz := os.Getenv("SHIJI_BENCH_GZIP") == "1"
	for _, pg := range pages {
		for _, who := range []string{"anonymous", "signed-in"} {
			b.Run(pg.name+"/"+who, func(b *testing.B) {
				b.ReportAllocs()
				cpu0 := processCPU()
				for i := 0; i < b.N; i++ {
					req := httptest.NewRequest("GET", pg.path(i%500), nil)
					req.Header.Set("Accept-Language", "zh-CN,zh;q=0.9,en;q=0.8")
					if gz {
						req.Header.Set("Accept-Encoding", "gzip, br")
					}
					if who == "signed-in" {
						req.AddCookie(&http.Cookie{Name: sessionCookie, Value: tok})
					}
					w := httptest.NewRecorder()
					s.ServeHTTP(w, req)
					if w.Code != 200 {
						b.Fatalf("GET %s = %d %.300s", req.URL, w.Code, w.Body)
					}
				}
				b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
			})
		}
	}
}

// processCPU is the user and system CPU time this process has used: on a
// busy machine a steadier measure than the time per operation.
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchReader adds a resident with a new name and returns the token of a
// web session of theirs, for the signed-in rows.
func benchReader(b *testing.B, a *app.App) string {
	acc, err := a.AddAccount(context.Background(), fmt.Sprintf("reader%d", time.Now().UnixNano()%1e9), node.RoleResident, "a long secret phrase")
	if err != nil {
		b.Fatal(err)
	}
	tok, err := a.StartSession(context.Background(), acc, "web", "bench")
	if err != nil {
		b.Fatal(err)
	}
	return tok
}

func benchServer(b *testing.B, items int) (*Server, *app.App) {
	root := os.Getenv("SHIJI_BENCH_DATA")
	if root == "" {
		root = b.TempDir()
	}
	var budget int64
	if os.Getenv("SHIJI_BENCH_CACHE") == "off" {
		budget = -1
	}
	if v, err := strconv.ParseInt(os.Getenv("SHIJI_BENCH_CACHE"), 10, 64); err == nil && v > 0 {
		budget = v << 20
	}
	return benchServerAt(b, filepath.Join(root, fmt.Sprintf("web-%d", items)), items, os.Getenv("SHIJI_BENCH_THEME_OVERRIDE"), budget)
}

// benchServerAt serves the market in dir (a demo of 200 stalls and items
// items, seed 7, made there when dir has none) with the default theme and
// the overrides in override, and caches of budget bytes (-1: every cache
// off; 0: the default).
func benchServerAt(b *testing.B, dir string, items int, override string, budget int64) (*Server, *app.App) {
	ctx := context.Background()
	_, statErr := os.Stat(filepath.Join(dir, "shiji.db"))
	db, err := data.Open(ctx, filepath.Join(dir, "shiji.db"), time.Now)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if statErr != nil {
		if _, err := demo.Load(ctx, db, demo.Options{Stalls: 200, Items: items, Seed: 7, MediaDir: filepath.Join(dir, "media"),
			OrganiserHash: "x"}); err != nil {
			b.Fatal(err)
		}
	}
	cat, err := i18n.Load()
	if err != nil {
		b.Fatal(err)
	}
	fs, err := themes.Open("default", override)
	if err != nil {
		b.Fatal(err)
	}
	photos, err := media.NewStore(filepath.Join(dir, "media"), media.DefaultLimits())
	if err != nil {
		b.Fatal(err)
	}
	a := app.New(db, time.Now)
	if err := a.Warm(ctx); err != nil {
		b.Fatal(err)
	}
	s, err := New(Config{App: a, Catalog: cat, Theme: fs, BaseURL: "https://market.test", Media: photos,
		Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)), CacheBytes: budget})
	if err != nil {
		b.Fatal(err)
	}
	return s, a
}
