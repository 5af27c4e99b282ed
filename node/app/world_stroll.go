package app

import (
	"context"
	"sync"
	"time"

	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/wander"
)

// The world stroll (逛世界): one wander index over this market's items and
// the catalogue of the linked markets (each market a level above its
// alleys, see package wander), rebuilt when either changes. "Walk this
// market" strolls one linked market alone, from an index of its catalogue
// built when asked for (a few are kept). A resident who hides markets gets
// the world stroll without them: each page reads a longer stretch of the
// stroll and leaves their items out.

// WorldPageSize is the world stroll's page size: a world of three markets
// of 200 stalls shows each stall within 20 pages (coverage) and shows the
// stalls near-evenly on first pages (docs/api.md).
const WorldPageSize = 48

// bigWorld is the number of items from which the world index is rebuilt in
// the background while the last one keeps serving, at most once every
// bigWorldRebuild (a busy catalogue changes all the time).
const (
	bigWorld        = 200_000
	bigWorldRebuild = time.Minute
)

// worldIndex is an immutable snapshot of the world stroll's index.
type worldIndex struct {
	ix      *wander.Index
	floor   int64 // the local floor's version it was built from
	world   int64 // the catalogue's version
	stalls  map[node.LinkID]int
	total   int
	markets map[node.LinkID]*wander.Index // built on demand, one market each
	mmu     sync.Mutex
}

// worldCache holds the current snapshot.
type worldCache struct {
	mu      sync.Mutex
	cur     *worldIndex
	build   sync.Mutex
	running bool      // a background rebuild is under way
	started time.Time // when the last background rebuild started
}

// linkMarket is the wander market id of a linked market (0 is this one).
func linkMarket(l node.LinkID) int64 { return int64(l) }

// worldSnapshot returns the current world index, rebuilding it when the
// floor or the catalogue moved (in the background for a big catalogue that
// has a snapshot already).
func (a *App) worldSnapshot(ctx context.Context) (*worldIndex, error) {
	fv, err := a.DB.FloorVersion(ctx)
	if err != nil {
		return nil, err
	}
	wv, err := a.DB.WorldVersion(ctx)
	if err != nil {
		return nil, err
	}
	c := &a.world
	c.mu.Lock()
	cur := c.cur
	if cur != nil && cur.floor == fv && cur.world == wv {
		c.mu.Unlock()
		return cur, nil
	}
	if cur != nil && cur.ix.Len() >= bigWorld {
		if now := time.Now(); !c.running && now.Sub(c.started) >= bigWorldRebuild {
			c.running, c.started = true, now
			go func() {
				a.rebuildWorld(context.WithoutCancel(ctx), fv, wv) // on failure the next request tries again
				c.mu.Lock()
				c.running = false
				c.mu.Unlock()
			}()
		}
		c.mu.Unlock()
		return cur, nil
	}
	c.mu.Unlock()
	return a.rebuildWorld(ctx, fv, wv)
}

// rebuildWorld builds the world index (one build at a time).
func (a *App) rebuildWorld(ctx context.Context, fv, wv int64) (*worldIndex, error) {
	c := &a.world
	c.build.Lock()
	defer c.build.Unlock()
	c.mu.Lock()
	if cur := c.cur; cur != nil && cur.floor >= fv && cur.world >= wv {
		c.mu.Unlock()
		return cur, nil
	}
	c.mu.Unlock()
	w := &worldIndex{floor: fv, world: wv, stalls: map[node.LinkID]int{}, markets: map[node.LinkID]*wander.Index{}}
	var entries []wander.Entry
	err := a.DB.WanderRows(ctx, func(r data.WanderRow) {
		entries = append(entries, wander.Entry{Item: int64(r.Item), Stall: int64(r.Stall), Alley: int64(r.Alley),
			Listed: r.Listed, Story: r.StoryLen >= storyLen, PriceBand: priceBand(r.Price)})
	})
	if err != nil {
		return nil, err
	}
	alleys := map[string]int64{}
	err = a.DB.WorldRows(ctx, func(r data.WorldRow) {
		entries = append(entries, worldEntry(r, alleys))
	})
	if err != nil {
		return nil, err
	}
	w.ix = wander.NewIndex(entries, a.Now())
	seen := map[[2]int64]bool{}
	for _, e := range entries {
		if k := [2]int64{e.Market, e.Stall}; !seen[k] {
			seen[k] = true
			w.stalls[node.LinkID(e.Market)]++
			w.total++
		}
	}
	c.mu.Lock()
	if c.cur == nil || c.cur.floor <= fv && c.cur.world <= wv {
		c.cur = w
	}
	c.mu.Unlock()
	return w, nil
}

// worldEntry is a catalogue item as the wander engine sees it: ids are
// negative, so they never meet this market's; an item whose alley is not
// known counts its stall as its alley.
func worldEntry(r data.WorldRow, alleys map[string]int64) wander.Entry {
	alley := -(1<<40 + r.Stall)
	if r.Alley != "" {
		a, ok := alleys[r.Alley]
		if !ok {
			a = -int64(len(alleys) + 1)
			alleys[r.Alley] = a
		}
		alley = a
	}
	p := node.Price{Kind: node.PriceFree}
	if r.Amount != "" {
		if pr, err := node.ParsePrice(r.Amount, r.Currency); err == nil {
			p = pr
		}
	}
	return wander.Entry{Item: -r.ID, Stall: -r.Stall, Alley: alley, Listed: r.Published, Story: r.StoryLen >= storyLen,
		PriceBand: priceBand(p), Market: linkMarket(r.Link)}
}

// marketIndex is the index of one linked market's catalogue, built on
// first use for this snapshot.
func (a *App) marketIndex(ctx context.Context, w *worldIndex, link node.LinkID) (*wander.Index, error) {
	w.mmu.Lock()
	defer w.mmu.Unlock()
	if ix, ok := w.markets[link]; ok {
		return ix, nil
	}
	var entries []wander.Entry
	alleys := map[string]int64{}
	err := a.DB.WorldRows(ctx, func(r data.WorldRow) {
		if r.Link == link {
			entries = append(entries, worldEntry(r, alleys))
		}
	})
	if err != nil {
		return nil, err
	}
	ix := wander.NewIndex(entries, a.Now())
	if len(w.markets) >= 4 { // keep a few
		for k := range w.markets {
			delete(w.markets, k)
			break
		}
	}
	w.markets[link] = ix
	return ix, nil
}

// WorldQuery says which stroll of the world to show.
type WorldQuery struct {
	Seed        uint64
	Page, Limit int
	// Market: 0 for the whole world; a link's id for that market alone
	// ("walk this market"); Here for this market alone.
	Market node.LinkID
}

// Here is WorldQuery.Market for this market alone.
const Here node.LinkID = -1

// WorldStroll returns a page of the world stroll for acc (nil: a visitor),
// leaving out the markets acc hides unless one market alone is asked for.
// ENOTFOUND for a market that is not linked.
func (a *App) WorldStroll(ctx context.Context, acc *node.Account, q WorldQuery) ([]*node.WorldItem, error) {
	if q.Limit < 1 || q.Limit > wander.MaxLimit {
		q.Limit = WorldPageSize
	}
	w, err := a.worldSnapshot(ctx)
	if err != nil {
		return nil, err
	}
	var entries []wander.Entry
	switch {
	case q.Market == Here:
		f, err := a.Floor(ctx)
		if err != nil {
			return nil, err
		}
		entries = f.Index.Page(q.Seed, q.Page, q.Limit)
	case q.Market > 0:
		l, err := a.DB.MarketLink(ctx, q.Market)
		if err != nil {
			return nil, err
		}
		if l.State != node.LinkLinked {
			return nil, node.Errorf(node.ENOTFOUND, "%s is not linked with this market.", l.Acct)
		}
		ix, err := a.marketIndex(ctx, w, q.Market)
		if err != nil {
			return nil, err
		}
		entries = ix.Page(q.Seed, q.Page, q.Limit)
	default:
		hidden := map[node.LinkID]bool{}
		if acc != nil {
			if hidden, err = a.DB.HiddenLinks(ctx, acc.ID); err != nil {
				return nil, err
			}
		}
		entries = w.page(q, hidden)
	}
	return a.worldItems(ctx, entries)
}

// maxSpan bounds how much longer than a page the stretch of a filtered
// stroll may be: a resident who hides markets holding more than 15/16 of
// the stalls gets shorter pages.
const maxSpan = 16

// page is a page of the world stroll without the hidden markets: page p
// is what is left of a stretch of the stroll as much longer than a page as
// the hidden markets' share of stalls asks.
func (w *worldIndex) page(q WorldQuery, hidden map[node.LinkID]bool) []wander.Entry {
	shown := w.total
	for l := range hidden {
		shown -= w.stalls[l]
	}
	if len(hidden) == 0 || shown == w.total {
		return w.ix.Page(q.Seed, q.Page, q.Limit)
	}
	if shown <= 0 {
		return nil
	}
	n := min((q.Limit*w.total+shown-1)/shown, maxSpan*q.Limit) // ceil(limit · total / shown)
	all := w.ix.Span(q.Seed, uint64(q.Page)*uint64(n), n, make([]wander.Entry, 0, n))
	out := all[:0]
	for _, e := range all {
		if !hidden[node.LinkID(e.Market)] {
			out = append(out, e)
		}
	}
	return out
}

// worldItems loads the items of a page, in order: this market's from the
// store, the others' from the catalogue.
func (a *App) worldItems(ctx context.Context, entries []wander.Entry) ([]*node.WorldItem, error) {
	var local []node.ItemID
	var remote []int64
	for _, e := range entries {
		if e.Item > 0 {
			local = append(local, node.ItemID(e.Item))
		} else {
			remote = append(remote, -e.Item)
		}
	}
	items, err := a.DB.ItemsByID(ctx, local)
	if err != nil {
		return nil, err
	}
	cat, err := a.DB.WorldItems(ctx, remote)
	if err != nil {
		return nil, err
	}
	here := node.WorldMarket{}
	if len(items) > 0 {
		m, err := a.DB.Market(ctx)
		if err != nil {
			return nil, err
		}
		lang := node.Languages[0]
		if len(m.Languages) > 0 {
			lang = m.Languages[0]
		}
		here = node.WorldMarket{Name: m.Name.In(lang, m.Languages...), City: m.City.In(lang, m.Languages...), Timezone: m.Timezone, URL: "/"}
	}
	byLocal := make(map[node.ItemID]*node.Item, len(items))
	for _, it := range items {
		byLocal[it.ID] = it
	}
	byRemote := make(map[int64]*node.WorldItem, len(cat))
	for _, it := range cat {
		byRemote[it.ID] = it
	}
	out := make([]*node.WorldItem, 0, len(entries))
	for _, e := range entries {
		if e.Item > 0 {
			if it := byLocal[node.ItemID(e.Item)]; it != nil {
				out = append(out, &node.WorldItem{Local: it, Title: it.Title, Published: it.CreatedAt, Market: here})
			}
		} else if it := byRemote[-e.Item]; it != nil {
			out = append(out, it)
		}
	}
	return out, nil
}
