package app

import (
	"context"
	"sync"
	"time"

	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/wander"
)

// Floor is an immutable snapshot of the market floor for wandering: the
// stroll index of available items and every stall's place.
type Floor struct {
	Index   *wander.Index
	Spots   []wander.Spot
	Names   map[node.StallID]string
	Open    []node.StallID // stalls open today, in id order
	Version int64
	Built   time.Time

	nearOnce sync.Once
	near     map[int64][2]wander.Spot // each stall's neighbours on its alley's walk
}

// neighbours is wander.Neighbours(f.Spots, id), with every alley's walk
// computed once per floor instead of on every stall page.
func (f *Floor) neighbours(id int64) (prev, next wander.Spot, ok bool) {
	f.nearOnce.Do(func() {
		alley := make(map[int64]int64, len(f.Spots)) // each stall's alley: its first spot's
		var alleys []int64
		seen := map[int64]bool{}
		for _, s := range f.Spots {
			if _, ok := alley[s.Stall]; !ok {
				alley[s.Stall] = s.Alley
			}
			if !seen[s.Alley] {
				seen[s.Alley] = true
				alleys = append(alleys, s.Alley)
			}
		}
		f.near = make(map[int64][2]wander.Spot, len(alley))
		for _, a := range alleys {
			walk := wander.AlleyWalk(f.Spots, a)
			n := len(walk)
			for i, s := range walk {
				if _, done := f.near[s.Stall]; !done && alley[s.Stall] == a {
					f.near[s.Stall] = [2]wander.Spot{walk[(i+n-1)%n], walk[(i+1)%n]}
				}
			}
		}
	})
	v, ok := f.near[id]
	return v[0], v[1], ok
}

// floorCache rebuilds the Floor when the store's floor version moves (one
// single-row read per call); readers always get a complete snapshot.
type floorCache struct {
	mu    sync.Mutex
	floor *Floor
	build sync.Mutex // one rebuild at a time
}

// storyLen is how long a story must be to count as "has a story".
const storyLen = 120

// priceBand puts a price into one of the wander engine's bands.
func priceBand(p node.Price) int8 {
	if p.Kind != node.PriceAmount {
		return 0
	}
	exp, _ := node.CurrencyExponent(p.Currency)
	whole := p.Minor
	for i := 0; i < exp; i++ {
		whole /= 10
	}
	switch {
	case whole < 50:
		return 1
	case whole < 300:
		return 2
	}
	return 3
}

// Floor returns the current floor snapshot, rebuilding it if stalls or items
// changed since it was built.
func (a *App) Floor(ctx context.Context) (*Floor, error) {
	c := &a.floor
	v := a.DB.Versions().Floor
	var err error
	c.mu.Lock()
	f := c.floor
	c.mu.Unlock()
	if f != nil && f.Version == v {
		return f, nil
	}
	c.build.Lock()
	defer c.build.Unlock()
	c.mu.Lock()
	if c.floor != nil && c.floor.Version >= v {
		f = c.floor
		c.mu.Unlock()
		return f, nil
	}
	c.mu.Unlock()
	if f, err = a.buildFloor(ctx, v); err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.floor = f
	c.mu.Unlock()
	return f, nil
}

func (a *App) buildFloor(ctx context.Context, version int64) (*Floor, error) {
	var entries []wander.Entry
	err := a.DB.WanderRows(ctx, func(r data.WanderRow) {
		entries = append(entries, wander.Entry{Item: int64(r.Item), Stall: int64(r.Stall), Alley: int64(r.Alley),
			Listed: r.Listed, Story: r.StoryLen >= storyLen, PriceBand: priceBand(r.Price)})
	})
	if err != nil {
		return nil, err
	}
	spots, err := a.DB.StallSpots(ctx)
	if err != nil {
		return nil, err
	}
	now := a.Now()
	f := &Floor{Index: wander.NewIndex(entries, now), Names: make(map[node.StallID]string, len(spots)), Version: version, Built: now}
	for _, s := range spots {
		f.Spots = append(f.Spots, wander.Spot{Stall: int64(s.Stall), Alley: int64(s.Alley), X: s.X, Y: s.Y})
		f.Names[s.Stall] = s.Name
		if s.Open {
			f.Open = append(f.Open, s.Stall)
		}
	}
	return f, nil
}

// Stroll returns page of the stroll seeded by seed: the items, in order.
// limit is clamped to 1..wander.MaxLimit.
func (a *App) Stroll(ctx context.Context, seed uint64, page, limit int) ([]*node.Item, error) {
	ids, err := a.StrollIDs(ctx, seed, page, limit)
	if err != nil {
		return nil, err
	}
	return a.DB.ItemsByID(ctx, ids)
}

// StrollIDs is Stroll's items' ids, in order, without reading them (the
// floor holds them): for a caller that keeps items at hand.
func (a *App) StrollIDs(ctx context.Context, seed uint64, page, limit int) ([]node.ItemID, error) {
	f, err := a.Floor(ctx)
	if err != nil {
		return nil, err
	}
	entries := f.Index.Page(seed, page, limit)
	ids := make([]node.ItemID, len(entries))
	for i, e := range entries {
		ids[i] = node.ItemID(e.Item)
	}
	return ids, nil
}

// Surprise returns one available item far from item from (0 = none) and from
// the stalls the visitor has seen. ENOTFOUND when the market has no items.
func (a *App) Surprise(ctx context.Context, seed uint64, from node.ItemID, seen []node.StallID) (*node.Item, error) {
	f, err := a.Floor(ctx)
	if err != nil {
		return nil, err
	}
	var fromEntry *wander.Entry
	if from != 0 {
		if it, err := a.DB.Item(ctx, from); err == nil {
			fromEntry = &wander.Entry{Item: int64(it.ID), Stall: int64(it.Stall), Alley: int64(it.Alley), PriceBand: priceBand(it.Price)}
		}
	}
	seenIDs := make([]int64, len(seen))
	for i, s := range seen {
		seenIDs[i] = int64(s)
	}
	e, ok := f.Index.Surprise(seed, fromEntry, seenIDs)
	if !ok {
		return nil, node.Errorf(node.ENOTFOUND, "There is nothing on the tables yet.")
	}
	return a.DB.Item(ctx, node.ItemID(e.Item))
}

// StallRef names a stall.
type StallRef struct {
	ID   node.StallID
	Name string
}

// Neighbours returns the previous and next stall along stall id's alley, as
// one would walk the floor plan (ok=false for an unknown stall or one alone
// in its alley).
func (a *App) Neighbours(ctx context.Context, id node.StallID) (prev, next StallRef, ok bool, err error) {
	f, err := a.Floor(ctx)
	if err != nil {
		return prev, next, false, err
	}
	p, n, ok := f.neighbours(int64(id))
	if !ok || p.Stall == int64(id) {
		return prev, next, false, nil
	}
	return StallRef{node.StallID(p.Stall), f.Names[node.StallID(p.Stall)]},
		StallRef{node.StallID(n.Stall), f.Names[node.StallID(n.Stall)]}, true, nil
}
