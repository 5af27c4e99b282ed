package data

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/shiji-market/shiji/node"
)

// A database that cannot grow (SQLite's max_page_count, as a full disk would
// do): writes are refused with EFULL and change nothing, reads go on, the
// file stays whole, and writes work again once there is room.
func TestFullDatabaseRefusesWritesAndRecovers(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	acc := &node.Account{Name: "wang", Role: node.RoleStallholder}
	if err := db.CreateAccount(ctx, acc, "x", ""); err != nil {
		t.Fatal(err)
	}
	al := &node.Alley{Slug: "vintage", Name: node.Text{"en": "Vintage"}}
	if err := db.CreateAlley(ctx, al); err != nil {
		t.Fatal(err)
	}
	st := &node.Stall{Name: "Old Wang's", Alley: al.ID}
	if err := db.CreateStall(ctx, st, acc.ID); err != nil {
		t.Fatal(err)
	}
	var pages int
	if err := db.w.QueryRow(`PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	// The one writer connection keeps the pragma.
	if _, err := db.w.Exec(`PRAGMA max_page_count = ` + strconv.Itoa(pages+8)); err != nil {
		t.Fatal(err)
	}
	story := strings.Repeat("A long story about a bicycle bell. ", 500)
	var stored []node.ItemID
	var full error
	for i := 0; i < 200 && full == nil; i++ {
		it := &node.Item{Stall: st.ID, Title: "Bell " + strconv.Itoa(i), Story: story, Price: node.Price{Kind: node.PriceFree}, Quantity: 1,
			Status: node.ItemAvailable}
		if err := db.CreateItem(ctx, it); err != nil {
			full = err
			break
		}
		stored = append(stored, it.ID)
	}
	if full == nil {
		t.Fatal("200 items of 17 KB fit in 8 pages")
	}
	if node.ErrorCode(full) != node.EFULL || !IsFull(full) || !strings.HasPrefix(node.ErrorMessage(full), "The market's storage is full") {
		t.Fatalf("a write to a full database: %v (code %s)", full, node.ErrorCode(full))
	}
	// Reads go on and see every write that was acknowledged, and only those.
	items, err := db.Items(ctx, ItemFilter{Stall: st.ID, Limit: 200})
	if err != nil {
		t.Fatalf("reading a full database: %v", err)
	}
	if len(items) != len(stored) {
		t.Fatalf("%d items readable, %d were stored", len(items), len(stored))
	}
	var check string
	if err := db.r.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check: %q %v", check, err)
	}
	// Room again: writes work.
	if _, err := db.w.Exec(`PRAGMA max_page_count = 1073741823`); err != nil {
		t.Fatal(err)
	}
	it := &node.Item{Stall: st.ID, Title: "After", Story: story, Price: node.Price{Kind: node.PriceFree}, Quantity: 1, Status: node.ItemAvailable}
	if err := db.CreateItem(ctx, it); err != nil {
		t.Fatalf("a write once there is room again: %v", err)
	}
}
