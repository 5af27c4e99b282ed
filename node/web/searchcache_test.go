package web

import (
	"fmt"
	"testing"

	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/node"
)

// The search cache answers only for the version its results were found
// at, names every part of a query in its key, and stays within its budget.
func TestSearchCacheVersionsAndBudget(t *testing.T) {
	sc := newSearchCache(16 << 10)
	q := data.SearchQuery{Text: "bell", Status: node.ItemAvailable, Limit: 48}
	ids := []node.ItemID{9, 4, 1}
	sc.put(5, searchKey(q), ids, []*node.Stall{{ID: 2, Name: "Bells"}})
	if h, ok := sc.get(5, searchKey(q)); !ok || len(h.ids) != 3 || len(h.stalls) != 1 {
		t.Fatalf("get = %v %v", h, ok)
	}
	if _, ok := sc.get(6, searchKey(q)); ok {
		t.Error("results of version 5 answered for version 6")
	}
	for _, other := range []data.SearchQuery{{Text: "bells", Status: q.Status, Limit: 48}, {Text: "bell", Alley: 3, Status: q.Status, Limit: 48},
		{Text: "bell", MinMinor: 1, Currency: "CNY", Status: q.Status, Limit: 48}, {Text: "bell", Status: node.ItemGone, Limit: 48}, {Text: "bell", Status: q.Status, Limit: 20}} {
		if _, ok := sc.get(5, searchKey(other)); ok {
			t.Errorf("%+v answered with the results of %+v", other, q)
		}
	}
	sc.put(4, "old", ids, nil) // read before the version moved: dropped
	if _, ok := sc.get(4, "old"); ok {
		t.Error("results of an older version were kept")
	}
	sc.put(7, searchKey(q), nil, nil) // a newer version empties the cache
	if _, ok := sc.get(7, searchKey(q)); !ok || sc.used > 1024 {
		t.Fatalf("after a new version: used %d", sc.used)
	}
	for i := 0; i < 500; i++ {
		sc.put(7, fmt.Sprint("q", i), make([]node.ItemID, 48), nil)
		if sc.used > sc.budget {
			t.Fatalf("uses %d of %d bytes", sc.used, sc.budget)
		}
	}
	var nilCache *searchCache // caches off
	nilCache.put(1, "x", ids, nil)
	if _, ok := nilCache.get(1, "x"); ok {
		t.Error("a nil cache answered")
	}
}
