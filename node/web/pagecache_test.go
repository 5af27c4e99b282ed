package web

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shiji-market/shiji/node"
)

// The page cache keeps to its budget, drops the least recently used page
// first, and a page is valid only at the version, wanderer count and time
// it was rendered for.
func TestPageCacheBudgetAndValidity(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	pc := newPageCache(64 << 10)
	body := []byte(strings.Repeat("x", 3000))
	for i := 0; i < 40; i++ {
		pc.put(&cachedPage{key: fmt.Sprint("/p", i), status: 200, body: body, version: 7, until: now.Add(time.Hour)})
		pc.get("/p0", 7, 0, now) // read all along: kept
	}
	used, n, _, _ := pc.stats()
	if used > 64<<10 || n >= 40 {
		t.Fatalf("cache holds %d pages, %d bytes, over its budget", n, used)
	}
	if pc.get("/p0", 7, 0, now) == nil || pc.get("/p1", 7, 0, now) != nil {
		t.Errorf("the least recently used page was not the one dropped")
	}
	if pc.get("/p39", 8, 0, now) != nil {
		t.Errorf("a page of an older version was served")
	}
	if pc.get("/p38", 7, 1, now) != nil {
		t.Errorf("a page showing another number of wanderers was served")
	}
	if pc.get("/p37", 7, 0, now.Add(time.Hour)) != nil {
		t.Errorf("a page past its market day's edge was served")
	}
	pc.put(&cachedPage{key: "/huge", body: make([]byte, 32<<10), version: 7, until: now.Add(time.Hour)})
	if pc.get("/huge", 7, 0, now) != nil {
		t.Errorf("a page of half the budget was kept")
	}
}

// The item cache never takes data read before a newer write, and starts
// again empty past its budget.
func TestItemCacheGenerations(t *testing.T) {
	ic := newItemCache(4 << 10)
	it := func(id int64, title string) *node.Item { return &node.Item{ID: node.ItemID(id), Title: title} }
	ic.add(5, []*node.Item{it(1, "old")})
	ic.add(6, []*node.Item{it(1, "new")})
	ic.add(5, []*node.Item{it(2, "read before the write")})
	got, missing := ic.lookup(6, []node.ItemID{1, 2})
	if got[0] == nil || got[0].Title != "new" || got[1] != nil || len(missing) != 1 {
		t.Fatalf("lookup = %v missing %v", got, missing)
	}
	if _, missing := ic.lookup(7, []node.ItemID{1}); len(missing) != 1 {
		t.Fatalf("an item of version 6 was served at 7")
	}
	for i := int64(10); i < 100; i++ {
		ic.add(6, []*node.Item{it(i, strings.Repeat("t", 40))})
	}
	if ic.used > ic.budget {
		t.Fatalf("item cache uses %d of %d bytes", ic.used, ic.budget)
	}
}
