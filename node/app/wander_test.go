package app_test

import (
	"context"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/data/demo"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
)

// demoApp is an App over the default demo market (≈200 stalls, 2,000 items).
func demoApp(t *testing.T) *app.App {
	t.Helper()
	dir := t.TempDir()
	db, err := data.Open(context.Background(), filepath.Join(dir, "shiji.db"), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	_, err = demo.Load(context.Background(), db, demo.Options{Stalls: demo.DefaultStalls, Items: demo.DefaultItems, Seed: demo.DefaultSeed,
		MediaDir: filepath.Join(dir, "media"), OrganiserHash: "x", Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	return app.New(db, time.Now)
}

// gini is the Gini coefficient of non-negative values.
func gini(xs []float64) float64 {
	sort.Float64s(xs)
	var sum, weighted float64
	for i, x := range xs {
		sum += x
		weighted += float64(i+1) * x
	}
	n := float64(len(xs))
	if sum == 0 {
		return 0
	}
	return 2*weighted/(n*sum) - (n+1)/n
}

// TestStrollOnTheDemoMarket measures the wander on the real demo market: 20
// pages of one stroll cover ≥ 90 % of the stalls with available items, and
// over 100 strolls the stalls' exposure on the first page is near-even
// (Gini ≤ 0.2), where a feed of the newest items is not.
func TestStrollOnTheDemoMarket(t *testing.T) {
	a := demoApp(t)
	ctx := context.Background()
	avail, err := a.DB.CountAvailable(ctx)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[node.StallID]bool{}
	items := map[node.ItemID]bool{}
	var prev node.StallID
	for page := 0; page < 20; page++ {
		its, err := a.Stroll(ctx, 2026, page, 24)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range its {
			if it.Stall == prev {
				t.Fatalf("page %d: stall %d twice in a row", page, it.Stall)
			}
			if items[it.ID] {
				t.Fatalf("page %d: item %d repeated", page, it.ID)
			}
			if it.Status != node.ItemAvailable {
				t.Fatalf("page %d: item %d is %s", page, it.ID, it.Status)
			}
			prev, items[it.ID], seen[it.Stall] = it.Stall, true, true
		}
	}
	coverage := float64(len(seen)) / float64(len(avail))
	t.Logf("20 pages cover %d of %d stalls with available items (%.1f %%)", len(seen), len(avail), coverage*100)
	if coverage < 0.9 {
		t.Fatalf("coverage %.3f < 0.9", coverage)
	}

	exposure := map[node.StallID]float64{}
	for id := range avail {
		exposure[id] = 0
	}
	for seed := uint64(0); seed < 100; seed++ {
		its, err := a.Stroll(ctx, seed*7919+1, 0, 24)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range its {
			exposure[it.Stall]++
		}
	}
	var xs []float64
	for _, v := range exposure {
		xs = append(xs, v)
	}
	g := gini(xs)

	// For contrast: the newest items first, the same for every visitor.
	newest, err := a.DB.Items(ctx, data.ItemFilter{Status: node.ItemAvailable, Limit: 24})
	if err != nil {
		t.Fatal(err)
	}
	byNew := map[node.StallID]float64{}
	for id := range avail {
		byNew[id] = 0
	}
	for _, it := range newest {
		byNew[it.Stall] += 100
	}
	xs = xs[:0]
	for _, v := range byNew {
		xs = append(xs, v)
	}
	gNew := gini(xs)
	t.Logf("first-page exposure over 100 strolls: Gini %.3f (a newest-first feed: %.3f)", g, gNew)
	if g > 0.2 {
		t.Fatalf("Gini %.3f > 0.2", g)
	}
	if gNew <= g {
		t.Fatalf("the newest-first feed (%.3f) is not less even than the stroll (%.3f)", gNew, g)
	}
}
