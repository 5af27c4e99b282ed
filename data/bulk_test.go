package data

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/shiji-market/shiji/node"
)

func TestBulkLoadsAndIndexes(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	var before int
	if err := db.w.QueryRowContext(ctx, `PRAGMA cache_size`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	b, err := db.BeginBulk(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Rollback()
	if err := b.RequireEmpty(); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 5, 16, 9, 0, 0, 0, time.UTC)
	if err := b.SetMarket(&node.Market{Name: node.Text{"en": "Test"}, Timezone: "UTC", Signup: node.SignupOpen}, now); err != nil {
		t.Fatal(err)
	}
	if err := b.SetFloorPlan(40, 40); err != nil {
		t.Fatal(err)
	}
	alley := &node.Alley{Slug: "vintage", Name: node.Text{"en": "Vintage"}}
	if err := b.CreateAlley(alley); err != nil {
		t.Fatal(err)
	}
	acc := &node.Account{Name: "stall_0001", Role: node.RoleStallholder, CreatedAt: now.Add(-48 * time.Hour)}
	if err := b.CreateAccount(acc, "hash"); err != nil {
		t.Fatal(err)
	}
	if err := b.CreateAccount(&node.Account{Name: "stall_0001", Role: node.RoleResident}, "hash"); node.ErrorCode(err) != node.ECONFLICT {
		t.Errorf("a taken name = %v, want ECONFLICT", err)
	}
	s := &node.Stall{Name: "旧书摊", Story: "一箱旧书", Alley: alley.ID, Spot: &node.Spot{X: 1, Y: 2}, CreatedAt: now.Add(-24 * time.Hour)}
	if err := b.CreateStall(s, acc.ID); err != nil {
		t.Fatal(err)
	}
	if err := b.CreateStall(&node.Stall{Name: "Two", Alley: alley.ID, Spot: &node.Spot{X: 1, Y: 2}}, acc.ID); node.ErrorCode(err) != node.ECONFLICT {
		t.Errorf("a taken spot = %v, want ECONFLICT", err)
	}
	if err := b.CreateStall(&node.Stall{Name: "Nowhere", Alley: 99}, acc.ID); node.ErrorCode(err) != node.EINVALID {
		t.Errorf("an unknown alley = %v, want EINVALID", err)
	}
	// Items listed an hour apart (the demo's tests load more than one
	// index batch).
	n := 40
	for i := range n {
		it := &node.Item{Stall: s.ID, Title: fmt.Sprintf("Bicycle bell %d", i), Quantity: 1,
			Price: node.Price{Kind: node.PriceFree}, Tags: []string{"自行车", "bicycle"}, CreatedAt: now.Add(-time.Duration(n-i) * time.Hour)}
		if err := b.CreateItem(it); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			if err := b.AddPhotos("item", int64(it.ID), []node.Photo{{Hash: "a", Ext: "jpg", Width: 640, Height: 480, Alt: "a bell"}}); err != nil {
				t.Fatal(err)
			}
			if err := b.AddPhoto("item", int64(it.ID), node.Photo{Hash: "b", Ext: "jpg", Width: 640, Height: 480}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := b.CreateItem(&node.Item{Stall: 999, Title: "Lost", Quantity: 1, Price: node.Price{Kind: node.PriceFree}}); node.ErrorCode(err) != node.ENOTFOUND {
		t.Errorf("an item of no stall = %v, want ENOTFOUND", err)
	}
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}

	var after int
	if err := db.w.QueryRowContext(ctx, `PRAGMA cache_size`).Scan(&after); err != nil || after != before {
		t.Errorf("cache_size after the bulk load = %d (%v), want %d", after, err, before)
	}
	for _, q := range []string{"bicycle", "自行车", "旧书", "Bicycle bell 33"} {
		items, _, err := db.Search(ctx, SearchQuery{Text: q, Limit: 200})
		if err != nil || len(items) == 0 {
			t.Errorf("search %q = %d items, %v", q, len(items), err)
		}
	}
	_, stalls, err := db.Search(ctx, SearchQuery{Text: "一箱旧书"})
	if err != nil || len(stalls) != 1 {
		t.Errorf("stall search = %v, %v", stalls, err)
	}
	items, err := db.Items(ctx, ItemFilter{Stall: s.ID, Limit: 1})
	if err != nil || len(items) != 1 || !items[0].CreatedAt.Equal(now.Add(-time.Hour)) {
		t.Fatalf("newest item = %+v, %v", items, err)
	}
	first, err := db.Item(ctx, 1)
	if err != nil || len(first.Photos) != 2 || first.Photos[0].Alt != "a bell" || !first.CreatedAt.Equal(now.Add(-time.Duration(n)*time.Hour)) {
		t.Fatalf("first item = %+v, %v", first, err)
	}
	if st, err := db.Stall(ctx, s.ID); err != nil || !st.CreatedAt.Equal(s.CreatedAt) || st.Spot == nil || *st.Spot != (node.Spot{X: 1, Y: 2}) {
		t.Fatalf("stall = %+v, %v", st, err)
	}

	// The market is no longer empty.
	b, err = db.BeginBulk(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Rollback()
	if err := b.RequireEmpty(); node.ErrorCode(err) != node.ECONFLICT {
		t.Errorf("RequireEmpty on a market = %v, want ECONFLICT", err)
	}
}

func TestBulkRollbackLeavesNothing(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	b, err := db.BeginBulk(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.CreateAccount(&node.Account{Name: "stall_0001", Role: node.RoleStallholder}, "hash"); err != nil {
		t.Fatal(err)
	}
	if err := b.Rollback(); err != nil {
		t.Fatal(err)
	}
	if n, err := db.CountAccounts(ctx); err != nil || n != 0 {
		t.Fatalf("%d accounts after a rollback (%v)", n, err)
	}
	// The writer is free again.
	if err := db.CreateAccount(ctx, &node.Account{Name: "mei", Role: node.RoleOrganiser}, "hash", ""); err != nil {
		t.Fatal(err)
	}
}
