package web

import (
	"fmt"
	"sync"

	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/node"
)

// searchCache keeps the results of searches (the items' ids and the
// stalls found) for one Pages version, by query, so that a search asked
// again before anything public changes costs no full-text lookup. Readers
// who have signed in get their pages rendered for them, but what a search
// finds is the same for everyone: on market day many people look for the
// same few words. When the version moves it starts again empty; past its
// budget it drops results at random (map order) until an eighth is free.
//
// A CPU profile of signed-in search pages on the 100,000-item market
// (BenchmarkZZ-style in-process requests over the 12 queries of
// BenchmarkMarketPages) put 68 % of a request in DB.SearchIDs (the FTS5
// lookups, the stall search and its photos) and 29 % in rendering.
type searchCache struct {
	budget int64

	mu   sync.Mutex
	gen  int64
	used int64
	m    map[string]*searchHit
}

// searchHit is what a search found. Its slices and stalls are shared by
// every reader: never change them.
type searchHit struct {
	ids    []node.ItemID
	stalls []*node.Stall
	size   int64
}

func newSearchCache(budget int64) *searchCache {
	return &searchCache{budget: budget, m: map[string]*searchHit{}}
}

// searchKey names everything a search's results depend on.
func searchKey(q data.SearchQuery) string {
	return fmt.Sprintf("%q %d %d %d %q %q %d", q.Text, q.Alley, q.MinMinor, q.MaxMinor, q.Currency, q.Status, q.Limit)
}

// get returns the results of the search named key, if found at version gen
// (never on a nil cache: caches off).
func (sc *searchCache) get(gen int64, key string) (*searchHit, bool) {
	if sc == nil {
		return nil, false
	}
	sc.mu.Lock()
	defer sc.mu.Unlock()
	h, ok := sc.m[key]
	return h, ok && sc.gen == gen
}

// put keeps the results of the search named key, read at version gen (or
// later: the version is taken before the search reads anything).
func (sc *searchCache) put(gen int64, key string, ids []node.ItemID, stalls []*node.Stall) {
	if sc == nil {
		return
	}
	h := &searchHit{ids: ids, stalls: stalls, size: int64(len(key) + 8*len(ids) + 128)}
	for _, st := range stalls {
		h.size += int64(256 + len(st.Name) + len(st.Story))
	}
	sc.mu.Lock()
	defer sc.mu.Unlock()
	switch {
	case gen < sc.gen || h.size > sc.budget/16:
		return
	case gen > sc.gen:
		sc.gen, sc.used, sc.m = gen, 0, make(map[string]*searchHit, len(sc.m))
	case sc.used+h.size > sc.budget:
		for k, old := range sc.m {
			delete(sc.m, k)
			sc.used -= old.size
			if sc.used+h.size <= sc.budget-sc.budget/8 {
				break
			}
		}
	}
	if old, ok := sc.m[key]; ok {
		sc.used -= old.size
	}
	sc.m[key] = h
	sc.used += h.size
}
