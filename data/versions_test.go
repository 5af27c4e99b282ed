package data

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/shiji-market/shiji/node"
)

// The version counters move in the transaction of every write that changes
// what they stand for, and the store publishes them as it commits; the
// bookkeeping of sessions and federation moves none.
func TestVersionsMoveWithTheWritesTheyStandFor(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	type moved struct{ floor, market, pages bool }
	step := func(what string, want moved, write func() error) {
		t.Helper()
		before := db.Versions()
		if err := write(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		after := db.Versions()
		got := moved{after.Floor != before.Floor, after.Market != before.Market, after.Pages != before.Pages}
		if got != want {
			t.Errorf("%s moved %+v, want %+v (%+v → %+v)", what, got, want, before, after)
		}
		if fromDB, err := readVersions(ctx, db.r); err != nil || fromDB != after {
			t.Errorf("%s: published %+v, the database holds %+v (%v)", what, after, fromDB, err)
		}
	}
	acc := &node.Account{Name: "wang", Role: node.RoleStallholder}
	step("an account", moved{}, func() error { return db.CreateAccount(ctx, acc, "x", "") })
	step("the organiser", moved{market: true, pages: true}, func() error {
		return db.CreateAccount(ctx, &node.Account{Name: "mei", Role: node.RoleOrganiser}, "x", "")
	})
	step("a session", moved{}, func() error { return db.CreateSession(ctx, "tok", acc.ID, "web", time.Hour, "test") })
	alley := &node.Alley{Slug: "vintage", Name: node.Text{"en": "Vintage"}, Colour: "#8a5a44"}
	step("an alley", moved{market: true, pages: true}, func() error { return db.CreateAlley(ctx, alley) })
	st := &node.Stall{Name: "Old Wang", Alley: alley.ID}
	step("a stall", moved{true, true, true}, func() error { return db.CreateStall(ctx, st, acc.ID) })
	it := &node.Item{Stall: st.ID, Title: "Bell", Price: node.Price{Kind: node.PriceFree}, Quantity: 1, Status: node.ItemAvailable}
	step("an item", moved{floor: true, pages: true}, func() error { return db.CreateItem(ctx, it) })
	it.Title = "Brass bell"
	step("a new title", moved{pages: true}, func() error { return db.UpdateItem(ctx, it) })
	it.Price = node.Price{Kind: node.PriceSwap}
	step("a new price", moved{floor: true, pages: true}, func() error { return db.UpdateItem(ctx, it) })
	step("a stall's photo", moved{market: true, pages: true}, func() error {
		return db.AddPhoto(ctx, "stall", int64(st.ID), node.Photo{Hash: "abc", Ext: "jpg", Width: 10, Height: 10})
	})
	step("an item's photo", moved{pages: true}, func() error {
		return db.AddPhoto(ctx, "item", int64(it.ID), node.Photo{Hash: "def", Ext: "jpg", Width: 10, Height: 10})
	})
	step("a like from elsewhere", moved{pages: true}, func() error {
		return db.Write(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO ap_reactions(item_id, actor, kind, activity, created_at) VALUES (?, 'https://x.test/u', 'like', 'https://x.test/a', 0)`, it.ID)
			return err
		})
	})
	step("inbox bookkeeping", moved{}, func() error {
		return db.Write(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO ap_inbox_seen(id, received_at) VALUES ('https://x.test/a/1', 0)`)
			return err
		})
	})
}

// A write by another process (another connection) is taken in when the
// store next looks for other writers.
func TestNoticeOtherWriters(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	if err := db.NoticeOtherWriters(ctx); err != nil {
		t.Fatal(err)
	}
	before := db.Versions()
	other, err := sql.Open("sqlite", "file:"+db.Path()+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.Exec(`INSERT INTO alleys(slug, name, colour) VALUES ('books', '{"en":"Books"}', '#123456')`); err != nil {
		t.Fatal(err)
	}
	if db.Versions() != before {
		t.Fatalf("versions moved before anyone looked")
	}
	if err := db.NoticeOtherWriters(ctx); err != nil {
		t.Fatal(err)
	}
	if after := db.Versions(); after.Market == before.Market || after.Pages == before.Pages {
		t.Fatalf("another process's alley did not move the versions: %+v → %+v", before, after)
	}
	// Nothing new: nothing read again.
	v := db.Versions()
	if err := db.NoticeOtherWriters(ctx); err != nil || db.Versions() != v {
		t.Fatalf("versions moved without a write: %v", err)
	}
}
