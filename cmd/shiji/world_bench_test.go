package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/shiji-market/shiji/data"
)

// worldBenchItems is the size of the benchmark's catalogue:
// SHIJI_WORLD_BENCH_ITEMS, default 1,000,000.
func worldBenchItems(b *testing.B) int {
	if v := os.Getenv("SHIJI_WORLD_BENCH_ITEMS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1000 {
			b.Fatalf("SHIJI_WORLD_BENCH_ITEMS=%q: use a number of at least 1000", v)
		}
		return n
	}
	return 1_000_000
}

// fillCatalogue writes a catalogue of items items, 10,000 stalls, shared out
// over links linked markets, straight into the database in dir.
func fillCatalogue(b *testing.B, dir string, links, items int) {
	b.Helper()
	ctx := context.Background()
	db, err := data.Open(ctx, filepath.Join(dir, "shiji.db"), time.Now)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	now := time.Now().Unix()
	const stalls = 10_000
	err = db.Write(ctx, func(tx *sql.Tx) error {
		for l := 1; l <= links; l++ {
			host := fmt.Sprintf("market-%d.example", l)
			if _, err := tx.Exec(`INSERT INTO world_links(id, actor, host, acct, name, city, timezone, url, follow_id, state, created_at, linked_at, synced_at)
				VALUES (?, ?, ?, ?, ?, ?, 'Asia/Shanghai', ?, ?, 'linked', ?, ?, ?)`, l, "https://"+host+"/market", host, "market@"+host,
				fmt.Sprintf("Market %d", l), fmt.Sprintf("City %d", l), "https://"+host+"/", "https://here.example/activities/f"+strconv.Itoa(l),
				now, now, now); err != nil {
				return err
			}
		}
		st, err := tx.Prepare(`INSERT INTO world_stalls(id, link_id, actor, name, url, named_at) VALUES (?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		for s := 1; s <= stalls; s++ {
			l := 1 + s%links
			actor := fmt.Sprintf("https://market-%d.example/stalls/%d", l, s)
			if _, err := st.Exec(s, l, actor, fmt.Sprintf("Stall %d", s), actor, now); err != nil {
				return err
			}
		}
		it, err := tx.Prepare(`INSERT INTO world_items(link_id, stall_id, ap_id, url, title, excerpt, story_len, amount, currency, alley,
			thumb_state, published, updated, refreshed_at) VALUES (?, ?, ?, ?, ?, 'A thing with a story.', 150, ?, 'CNY', ?, 'none', ?, ?, ?)`)
		if err != nil {
			return err
		}
		for i := 1; i <= items; i++ {
			s := 1 + (i*7919)%stalls // stalls of different sizes would not change the cost of a page
			l := 1 + s%links
			id := fmt.Sprintf("https://market-%d.example/items/%d", l, i)
			if _, err := it.Exec(l, s, id, id, fmt.Sprintf("Thing %d", i), strconv.Itoa(5+i%300)+".00",
				fmt.Sprintf("https://market-%d.example/alleys/a%d", l, s%12), now-int64(i%31_536_000), now, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// worldBenchDir returns a data directory with the demo market and the
// catalogue: made in SHIJI_WORLD_BENCH_DATA (kept between runs) when it is
// set, else in a temporary directory.
func worldBenchDir(b *testing.B, links, items int) string {
	b.Helper()
	dir := b.TempDir()
	if keep := os.Getenv("SHIJI_WORLD_BENCH_DATA"); keep != "" {
		dir = filepath.Join(keep, fmt.Sprintf("items-%d-linked-%d", items, links))
		if _, err := os.Stat(filepath.Join(dir, "ready")); err == nil {
			return dir
		}
		if err := os.RemoveAll(dir); err != nil {
			b.Fatal(err)
		}
	}
	if _, errOut, err := runCmd(b, "", "demo", "--data", dir); err != nil {
		b.Fatalf("demo: %v %s", err, errOut)
	}
	fillCatalogue(b, dir, links, items)
	if err := os.WriteFile(filepath.Join(dir, "ready"), nil, 0o644); err != nil {
		b.Fatal(err)
	}
	return dir
}

// BenchmarkWorldStrollPage is one page (48 items) of the world stroll over
// HTTP, GET /api/v1/world/wander, on a node with the default demo market
// (200 stalls) whose catalogue holds SHIJI_WORLD_BENCH_ITEMS items (default
// 1M) of 10,000 stalls of 1 or of 20 linked markets: the cost of a page does
// not grow with the number of markets. The index is built before the timer
// starts (the first page builds it). SHIJI_WORLD_BENCH_DATA=DIR keeps the
// generated data between runs.
func BenchmarkWorldStrollPage(b *testing.B) {
	items := worldBenchItems(b)
	for _, links := range []int{1, 20} {
		b.Run(fmt.Sprintf("linked=%d", links), func(b *testing.B) {
			dir := worldBenchDir(b, links, items)
			n := startNode(b, dir)
			c := newClient(b, n.URL)
			start := time.Now()
			if r := c.get("/api/v1/world/wander?seed=1"); r.Status != 200 {
				b.Fatalf("first page: %d %s", r.Status, r.Body)
			}
			b.Logf("the world index of %d catalogue items built within %s", items, time.Since(start).Round(time.Millisecond))
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if r := c.get(fmt.Sprintf("/api/v1/world/wander?seed=%d&page=%d", i, i%50)); r.Status != 200 {
					b.Fatalf("page: %d %s", r.Status, r.Body)
				}
			}
		})
	}
}
