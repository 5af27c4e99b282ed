package web

import (
	"bytes"
	template "github.com/shiji-market/shiji/internal/template/html"
	"sync"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/node"
)

// itemCache keeps, for one Pages version, the items listings show (as
// listed: first photo only, no story), each with its card rendered by the
// theme's "itemcard" and its JSON, and the stalls' cards: a card shows only
// what its own item or stall holds, so it is read and rendered once and then
// reused by every stroll, listing and language until something public
// changes (which moves the version: everything is dropped at once). Past its
// budget it starts again empty. Cached items are shared: never modify one.
type itemCache struct {
	budget int64

	mu     sync.RWMutex
	gen    int64 // the Pages version it holds
	used   int64
	items  map[node.ItemID]*cachedItem
	stalls map[node.StallID]template.HTML
	views  map[node.ItemID]*data.ItemView // items as their own page shows them (itemview.go)
}

type cachedItem struct {
	item *node.Item
	card template.HTML // "" until rendered
	json []byte        // nil until encoded
	size int64
}

func newItemCache(budget int64) *itemCache {
	return &itemCache{budget: budget, items: map[node.ItemID]*cachedItem{}, stalls: map[node.StallID]template.HTML{},
		views: map[node.ItemID]*data.ItemView{}}
}

// lookup returns the cached items among ids (nil where missing) and the ids
// it does not hold.
func (ic *itemCache) lookup(gen int64, ids []node.ItemID) ([]*node.Item, []node.ItemID) {
	found := make([]*node.Item, len(ids))
	ic.mu.RLock()
	defer ic.mu.RUnlock()
	if ic.gen != gen {
		return found, ids
	}
	var missing []node.ItemID
	for i, id := range ids {
		if e := ic.items[id]; e != nil {
			found[i] = e.item
		} else {
			missing = append(missing, id)
		}
	}
	return found, missing
}

// fresh readies the cache for size more bytes at version gen: a newer
// version empties it, and past the budget it drops entries at random (map
// order) until an eighth is free. False when gen is older than what it holds
// (data read before a newer write never lands). The caller holds mu and
// adds size to the entry it stores.
func (ic *itemCache) fresh(gen, size int64) bool {
	switch {
	case gen < ic.gen || size > ic.budget/8:
		return false
	case gen > ic.gen:
		ic.gen, ic.used = gen, 0
		ic.items, ic.stalls = make(map[node.ItemID]*cachedItem, len(ic.items)), make(map[node.StallID]template.HTML, len(ic.stalls))
		ic.views = make(map[node.ItemID]*data.ItemView, len(ic.views))
	case ic.used+size > ic.budget:
		for id, e := range ic.items {
			delete(ic.items, id)
			ic.used -= e.size
			if ic.used+size <= ic.budget-ic.budget/8 {
				break
			}
		}
		for id, h := range ic.stalls {
			if ic.used+size <= ic.budget-ic.budget/8 {
				break
			}
			delete(ic.stalls, id)
			ic.used -= int64(len(h)) + 48
		}
		for id, v := range ic.views {
			if ic.used+size <= ic.budget-ic.budget/8 {
				break
			}
			delete(ic.views, id)
			ic.used -= viewSize(v)
		}
	}
	ic.used += size
	return true
}

// itemSize estimates the memory a cached item holds (the struct, its
// strings and slices, the entry and its map slot).
func itemSize(it *node.Item) int64 {
	n := 480 + len(it.Title) + len(it.StallName) + len(it.Price.Currency) + len(it.Story)
	for _, t := range it.Tags {
		n += 16 + len(t)
	}
	for _, p := range it.Photos {
		n += 64 + len(p.Hash) + len(p.Alt)
	}
	return int64(n)
}

func (ic *itemCache) add(gen int64, items []*node.Item) {
	ic.mu.Lock()
	defer ic.mu.Unlock()
	for _, it := range items {
		if ic.items[it.ID] != nil && ic.gen == gen {
			continue
		}
		n := itemSize(it)
		if !ic.fresh(gen, n) {
			return
		}
		ic.items[it.ID] = &cachedItem{item: it, size: n}
	}
}

func (ic *itemCache) card(gen int64, id node.ItemID) (template.HTML, bool) {
	ic.mu.RLock()
	defer ic.mu.RUnlock()
	if e := ic.items[id]; e != nil && ic.gen == gen && e.card != "" {
		return e.card, true
	}
	return "", false
}

func (ic *itemCache) setCard(gen int64, it *node.Item, h template.HTML) {
	ic.mu.Lock()
	defer ic.mu.Unlock()
	e := ic.entry(gen, it)
	if e != nil && e.card == "" && ic.fresh(gen, int64(len(h))) {
		if ic.items[it.ID] == e { // fresh may have dropped it
			e.card, e.size = h, e.size+int64(len(h))
		} else {
			ic.used -= int64(len(h))
		}
	}
}

// entry returns the entry of it at gen, made if need be (nil when gen is
// older than the cache's). The caller holds mu.
func (ic *itemCache) entry(gen int64, it *node.Item) *cachedItem {
	if e := ic.items[it.ID]; e != nil && ic.gen == gen {
		return e
	}
	n := itemSize(it)
	if !ic.fresh(gen, n) {
		return nil
	}
	e := &cachedItem{item: it, size: n}
	ic.items[it.ID] = e
	return e
}

func (ic *itemCache) json(gen int64, id node.ItemID) ([]byte, bool) {
	ic.mu.RLock()
	defer ic.mu.RUnlock()
	if e := ic.items[id]; e != nil && ic.gen == gen && e.json != nil {
		return e.json, true
	}
	return nil, false
}

func (ic *itemCache) setJSON(gen int64, it *node.Item, b []byte) {
	ic.mu.Lock()
	defer ic.mu.Unlock()
	e := ic.entry(gen, it)
	if e != nil && e.json == nil && ic.fresh(gen, int64(len(b))) {
		if ic.items[it.ID] == e { // fresh may have dropped it
			e.json, e.size = b, e.size+int64(len(b))
		} else {
			ic.used -= int64(len(b))
		}
	}
}

func (ic *itemCache) stallCard(gen int64, id node.StallID) (template.HTML, bool) {
	ic.mu.RLock()
	defer ic.mu.RUnlock()
	h, ok := ic.stalls[id]
	return h, ok && ic.gen == gen
}

func (ic *itemCache) setStallCard(gen int64, id node.StallID, h template.HTML) {
	ic.mu.Lock()
	defer ic.mu.Unlock()
	if old, ok := ic.stalls[id]; ok && ic.gen == gen {
		ic.used -= int64(len(old)) + 48
	}
	if ic.fresh(gen, int64(len(h))+48) {
		ic.stalls[id] = h
	}
}

// loadItems returns the items with the given ids, in that order (missing
// ones skipped), as listings show them: from the item cache, the others
// read in one query.
func (s *Server) loadItems(c echo.Context, ids []node.ItemID) ([]*node.Item, error) {
	gen := pagesVersion(c)
	var found []*node.Item
	missing := ids
	if s.items != nil {
		found, missing = s.items.lookup(gen, ids)
	} else {
		found = make([]*node.Item, len(ids))
	}
	if len(missing) > 0 {
		read, err := s.app.DB.ItemsByID(c.Request().Context(), missing)
		if err != nil {
			return nil, err
		}
		if s.items != nil {
			s.items.add(gen, read)
		}
		byID := make(map[node.ItemID]*node.Item, len(read))
		for _, it := range read {
			byID[it.ID] = it
		}
		for i, id := range ids {
			if found[i] == nil {
				found[i] = byID[id]
			}
		}
	}
	out := found[:0]
	for _, it := range found {
		if it != nil {
			out = append(out, it)
		}
	}
	return out, nil
}

// Cards renders item cards with the theme's "itemcard", each once per Pages
// version.
func (p *view) Cards(items []*node.Item) (template.HTML, error) {
	s := p.s
	var out bytes.Buffer
	for _, it := range items {
		if s.fastItemCard && writeItemCard(&out, it) {
			continue
		}
		if s.items != nil {
			if h, ok := s.items.card(p.version, it.ID); ok {
				out.WriteString(string(h))
				continue
			}
		}
		var b bytes.Buffer
		if err := s.partials.ExecuteTemplate(&b, "itemcard", it); err != nil {
			return "", err
		}
		if s.items != nil {
			s.items.setCard(p.version, it, template.HTML(b.String()))
		}
		out.Write(b.Bytes())
	}
	return template.HTML(out.String()), nil
}

// StallCards renders stall cards with the theme's "stallcard", each once per
// Pages version.
func (p *view) StallCards(stalls []*node.Stall) (template.HTML, error) {
	s := p.s
	var out bytes.Buffer
	for _, st := range stalls {
		if s.fastStallCard && writeStallCard(&out, st) {
			continue
		}
		if s.items != nil {
			if h, ok := s.items.stallCard(p.version, st.ID); ok {
				out.WriteString(string(h))
				continue
			}
		}
		var b bytes.Buffer
		if err := s.partials.ExecuteTemplate(&b, "stallcard", st); err != nil {
			return "", err
		}
		if s.items != nil {
			s.items.setStallCard(p.version, st.ID, template.HTML(b.String()))
		}
		out.Write(b.Bytes())
	}
	return template.HTML(out.String()), nil
}
