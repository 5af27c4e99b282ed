// Package wander is shiji's serendipity engine: the stroll (逛) through the
// market's available items, the "something unplanned" surprise, and the walk
// along an alley. It imports only the standard library and is pure: every
// answer is a function of an immutable Index snapshot and the arguments.
//
// # The stroll
//
// A stroll is an endless walk, seeded per visitor session. It is cut into
// laps: one lap shows every item of the Index exactly once, the next lap is a
// fresh shuffle, and so on. A lap is a sequence of rounds, and a round gives
// one turn to every stall that still has items in that round: round r holds
// the stalls with more than r items. The first round therefore shows every
// stall once before any stall shows a second item (but see below for a stall
// that holds nearly half the market), and a stall with 200 items cannot drown
// a stall with 2.
//
// Stalls are kept sorted by item count, so the stalls of round r are a prefix
// of that order and need no search. When the Index is built, every round of
// more than 8 stalls also gets an alley pattern: the alleys' slots spread evenly over the round
// (the i-th of an alley's n slots at (2i+1)/2n of the round), so that two
// neighbouring slots belong to different alleys wherever the mix of alleys
// allows it. A stroll rotates each round's pattern by a seeded offset and
// fills each alley's slots with that alley's stalls in a seeded pseudo-random
// order: a Feistel network with cycle walking, which yields the k-th element
// of a permutation in O(1) without materialising it. Each stall's items are
// ordered when the Index is built: first its highlights (new arrivals
// interleaved evenly with older items that have a story), then the rest, each
// part rotated by a seeded offset per lap. So the first turn of a stall shows
// one of its highlights whenever it has any.
//
// One stall cannot be kept apart from itself, so when the biggest stall has
// more items than the second biggest, its extra items are folded as extra
// turns into the last rounds that have room (first up to a third of a round,
// then up to half) instead of piling up at the end of the lap. Those rounds,
// and every round of at most 8 stalls, place the biggest stall's turns
// evenly, never first in the round and always last, and the other stalls in
// a seeded order in between; they follow all other rounds of a lap, and never
// put one stall twice in a row, not even where two rounds meet. Only if the
// biggest stall holds more than half of all items is this impossible; then
// the end of every lap shows it several times in a row.
//
// # The world market
//
// An Index may hold the items of several markets (Entry.Market): the local
// one and the markets it links with. Markets are then a level above alleys.
// Every plain round is first shared out between the markets in proportion to
// their stalls in that round, by a smooth weighted round robin that never
// puts one market twice in a row (around the round's end too) unless one
// market holds more than half the round's stalls; each market's share of
// slots is then spread over its alleys as above. So the first round of a lap
// shows every stall of every market once, each market as often as its share
// of stalls, interleaved; the cost of a page does not depend on how many
// markets there are.
//
// The raw order is then smoothed in aligned blocks of 16 positions: a block
// with no repeat is kept; otherwise it keeps its last item in place and
// reorders the others greedily (with a small swap repair) so that no two
// items of one stall, and where possible no two items of one alley, follow
// each other, also across the block boundary, and in an index of several
// markets no two items of one market either, where the block's mix allows
// it (a stall repeat costs more than a market repeat, which costs more than
// an alley repeat). Because a block depends only
// on its own raw items and on the raw item just before it, any page is
// computed on its own: O(limit + 16) steps plus a binary search over at most
// 64 rounds. The cost of a page does not grow with the number of items or
// stalls.
package wander

import (
	"cmp"
	"slices"
	"time"
)

// MaxLimit is the largest page size Page and Mix return.
const MaxLimit = 60

// NewArrival is how recent an item's listing must be, relative to the time
// given to NewIndex, for the item to count as a new arrival.
const NewArrival = 30 * 24 * time.Hour

// blockSize is the length of the aligned blocks in which the raw order is
// smoothed.
const blockSize = 16

// Entry is one available item as the stroll sees it.
type Entry struct {
	Item      int64     // the item's id; ids are expected to be unique within an Index
	Stall     int64     // the stall selling it
	Alley     int64     // the alley of the stall
	Listed    time.Time // when the item was listed; recent ones are new arrivals
	Story     bool      // the item has a real story worth surfacing when older
	PriceBand int8      // 0 free/swap/ask, 1 cheap, 2 mid, 3 dear; used by Surprise
	Source    string    // "" for the local market; Mix sets it to the source's Name
	// Market is the market selling it (0: this one). An Index over several
	// markets (the world market) interleaves them as it interleaves alleys:
	// see NewIndex. Stall and alley ids must then be unique across markets.
	Market int64
}

// stall is one stall of an Index, in the order of Index.stalls.
type stall struct {
	id     int64
	start  int // its items are Index.items[start : start+n]
	n      int
	h      int   // the first h of them are the highlights
	alley  int32 // dense alley number (of its first entry)
	market int32 // dense market number (of its first entry)
}

// round is one round of a lap: c stalls (the c biggest) take one turn each
// and the biggest stall takes d extra turns.
type round struct {
	off, end int // lap positions [off, end)
	c, d     int
	dpre     int // extra turns of the biggest stall in earlier rounds
}

// smallRound is the most stalls a round may have and still be laid out like
// a round with extra turns (see raw).
const smallRound = 8

// plain reports whether every stall of the round takes exactly one turn and
// the round is not small: such rounds follow an alley pattern.
func (rd *round) plain() bool { return rd.d == 0 && rd.c > smallRound }

// Index is an immutable snapshot of the market's available items, built by
// NewIndex. It is safe for concurrent use. A nil *Index behaves as an empty
// one.
type Index struct {
	items   []item // grouped by stall in the order of stalls
	locs    []*time.Location
	sources []string
	markets []int64  // market ids by dense number
	stalls  []stall  // by item count descending, then stall id ascending
	rounds  []round  // the rounds of one lap
	buckets []bucket // (alley, price band) groups for Surprise

	// The alley pattern of the plain rounds, by lap position: which alley
	// takes the slot, and the slot's rank among that alley's slots.
	pattern []slot
	// Stall indexes grouped by alley (dense alley numbers), each group in
	// the order of stalls; alleyStart[a] is where alley a's group begins.
	alleyStalls []int32
	alleyStart  []int
	// roundAt[b] is the round holding lap position b<<roundShift.
	roundAt []int32
}

// item is an Entry as the Index stores it: without pointers, so that the
// garbage collector need not scan a large index, and smaller. The location
// of Listed and the Source string are kept in small tables.
type item struct {
	id, stall, alley int64
	sec              int64  // Listed, Unix seconds
	nsec             int32  // Listed, nanoseconds within the second
	loc              uint32 // Listed's location: Index.locs[loc]
	src              uint32 // Index.sources[src]
	mkt              uint32 // Index.markets[mkt]
	band             int8
	story            bool
}

// listedAfter reports whether it was listed strictly after (sec, nsec).
func (it *item) listedAfter(sec int64, nsec int32) bool {
	return it.sec > sec || it.sec == sec && it.nsec > nsec
}

// entry returns the i-th stored item as an Entry.
func (ix *Index) entry(i int) Entry {
	it := &ix.items[i]
	return Entry{
		Item:      it.id,
		Stall:     it.stall,
		Alley:     it.alley,
		Listed:    time.Unix(it.sec, int64(it.nsec)).In(ix.locs[it.loc]),
		Story:     it.story,
		PriceBand: it.band,
		Source:    ix.sources[it.src],
		Market:    ix.markets[it.mkt],
	}
}

// slot is one position of a plain round's alley pattern: the rank-th of the
// n slots of alley alley in that round.
type slot struct {
	alley, rank, n int32
}

// NewIndex builds an Index from the available items. It copies entries; the
// order of entries does not matter (the same set of entries always gives the
// same strolls). now decides which items are new arrivals (listed less than
// NewArrival before now; items listed after now count as new too). Item ids
// should be unique: duplicates are not detected and would simply be shown
// twice per lap. A stall's alley is taken from its items; if they disagree,
// the stroll interleaves alleys by the alley of the stall's first item in
// its stroll order. Building takes O(n log n) time and O(n) memory; the
// Index holds no pointers per item (about 60 bytes per item in all).
func NewIndex(entries []Entry, now time.Time) *Index {
	ix := &Index{}
	if len(entries) == 0 {
		return ix
	}

	// Dense stall numbers, in order of first appearance.
	dense := make(map[int64]int32)
	of := make([]int32, len(entries))
	var ids []int64
	var counts []int
	for i := range entries {
		d, ok := dense[entries[i].Stall]
		if !ok {
			d = int32(len(ids))
			dense[entries[i].Stall] = d
			ids = append(ids, entries[i].Stall)
			counts = append(counts, 0)
		}
		of[i] = d
		counts[d]++
	}

	// Stalls by item count descending, then id: the stalls of round r are
	// then exactly the first c_r of them.
	order := make([]int32, len(ids))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		if c := cmp.Compare(counts[b], counts[a]); c != 0 {
			return c
		}
		return cmp.Compare(ids[a], ids[b])
	})
	rank := make([]int32, len(ids))
	ix.stalls = make([]stall, len(ids))
	next := make([]int, len(ids))
	off := 0
	for r, d := range order {
		rank[d] = int32(r)
		ix.stalls[r] = stall{id: ids[d], start: off, n: counts[d]}
		next[r] = off
		off += counts[d]
	}
	locs := make(map[*time.Location]uint32)
	sources := make(map[string]uint32)
	markets := make(map[int64]uint32)
	ix.items = make([]item, len(entries))
	for i := range entries {
		e := &entries[i]
		loc := e.Listed.Location()
		l, ok := locs[loc]
		if !ok {
			l = uint32(len(ix.locs))
			locs[loc] = l
			ix.locs = append(ix.locs, loc)
		}
		src, ok := sources[e.Source]
		if !ok {
			src = uint32(len(ix.sources))
			sources[e.Source] = src
			ix.sources = append(ix.sources, e.Source)
		}
		mk, ok := markets[e.Market]
		if !ok {
			mk = uint32(len(ix.markets))
			markets[e.Market] = mk
			ix.markets = append(ix.markets, e.Market)
		}
		r := rank[of[i]]
		ix.items[next[r]] = item{
			id: e.Item, stall: e.Stall, alley: e.Alley,
			sec: e.Listed.Unix(), nsec: int32(e.Listed.Nanosecond()), loc: l, src: src, mkt: mk,
			band: e.PriceBand, story: e.Story,
		}
		next[r]++
	}

	// Each stall's own order: highlights (new arrivals interleaved with
	// storied older items), then the rest, newest first.
	cut := now.Add(-NewArrival)
	fresh := freshness{sec: cut.Unix(), nsec: int32(cut.Nanosecond())}
	var scratch []item
	for s := range ix.stalls {
		st := &ix.stalls[s]
		st.h, scratch = fresh.order(ix.items[st.start:st.start+st.n], scratch)
	}

	ix.buildRounds()
	ix.buildBuckets()
	return ix
}

// freshness classifies items against the new-arrival cut-off.
type freshness struct {
	sec  int64
	nsec int32
}

// category: 0 new arrival, 1 older with a story, 2 the rest.
func (f freshness) category(it *item) int {
	switch {
	case it.listedAfter(f.sec, f.nsec):
		return 0
	case it.story:
		return 1
	default:
		return 2
	}
}

// order sorts one stall's items into its stroll order and returns the number
// of highlights: new arrivals and storied older items merged evenly (each
// kind newest first), then the other items newest first. scratch is reused.
func (f freshness) order(its []item, scratch []item) (int, []item) {
	slices.SortFunc(its, func(a, b item) int {
		if c := cmp.Compare(f.category(&a), f.category(&b)); c != 0 {
			return c
		}
		if c := cmp.Compare(b.sec, a.sec); c != 0 {
			return c
		}
		if c := cmp.Compare(b.nsec, a.nsec); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	nNew, nStory := 0, 0
	for i := range its {
		switch f.category(&its[i]) {
		case 0:
			nNew++
		case 1:
			nStory++
		}
	}
	if nNew == 0 || nStory == 0 {
		return nNew + nStory, scratch
	}
	// Merge by fractional position: the i-th of k items of a kind sits at
	// (2i+1)/2k.
	scratch = append(scratch[:0], its[:nNew+nStory]...)
	i, j := 0, 0
	for k := 0; k < nNew+nStory; k++ {
		if j == nStory || (i < nNew && (2*i+1)*nStory <= (2*j+1)*nNew) {
			its[k] = scratch[i]
			i++
		} else {
			its[k] = scratch[nNew+j]
			j++
		}
	}
	return nNew + nStory, scratch
}

// buildRounds lays out one lap as rounds. Round r gives a turn to every
// stall with more than r items (the first c_r stalls). The biggest stall's
// items beyond the second biggest stall's count would otherwise come one
// after another at the end of the lap; they are folded as extra turns into
// the last rounds with room, at most c_r-2 per round so that the biggest
// stall never fills more than half of a round.
func (ix *Index) buildRounds() {
	st := ix.stalls
	n1 := st[0].n
	c := make([]int, n1)
	j := len(st)
	for r := range n1 {
		for j > 0 && st[j-1].n <= r {
			j--
		}
		c[r] = j
	}
	excess, n2 := 0, 0
	if len(st) > 1 {
		n2 = st[1].n
		excess = n1 - n2
	}
	d := make([]int, n1)
	folded := 0
	for _, room := range []func(c int) int{
		func(c int) int { return (c - 3) / 2 }, // at most a third of the round
		func(c int) int { return c - 2 },       // at most half of the round
	} {
		for r := n2 - 1; r >= 0 && folded < excess; r-- {
			if x := min(room(c[r])-d[r], excess-folded); x > 0 {
				d[r] += x
				folded += x
			}
		}
	}
	// The folded turns came from the tail rounds, where only the biggest
	// stall was left: drop as many of those.
	ix.rounds = make([]round, n1-folded)
	off, dpre := 0, 0
	for r := range ix.rounds {
		ix.rounds[r] = round{off: off, end: off + c[r] + d[r], c: c[r], d: d[r], dpre: dpre}
		off += c[r] + d[r]
		dpre += d[r]
	}
	ix.roundAt = make([]int32, (off-1)>>roundShift+1)
	r := 0
	for b := range ix.roundAt {
		for ix.rounds[r].end <= b<<roundShift {
			r++
		}
		ix.roundAt[b] = int32(r)
	}
	ix.buildPattern()
}

// buildPattern groups the stalls by alley and spreads the alleys evenly over
// every plain round: the i-th of the n slots of an alley sits at
// (2i+1)/(2n) of the round, so an alley's slots are as far apart as its
// share allows. In an index over several markets the round is first shared
// out between the markets (marketOrder: in proportion to their stalls in the
// round, and never one market twice in a row, around the round's end too,
// while no market holds more than half of it), and each market's slots are
// then given to its alleys as above.
func (ix *Index) buildPattern() {
	type alleyKey struct {
		market int32
		alley  int64
	}
	dense := make(map[alleyKey]int32)
	var sizes []int
	var alleyMarket []int32
	for s := range ix.stalls {
		st := &ix.stalls[s]
		first := &ix.items[st.start]
		st.market = int32(first.mkt)
		k := alleyKey{st.market, first.alley}
		a, ok := dense[k]
		if !ok {
			a = int32(len(sizes))
			dense[k] = a
			sizes = append(sizes, 0)
			alleyMarket = append(alleyMarket, st.market)
		}
		st.alley = a
		sizes[a]++
	}
	ix.alleyStart = make([]int, len(sizes)+1)
	for a, n := range sizes {
		ix.alleyStart[a+1] = ix.alleyStart[a] + n
	}
	ix.alleyStalls = make([]int32, len(ix.stalls))
	next := slices.Clone(ix.alleyStart[:len(sizes)])
	for s := range ix.stalls {
		a := ix.stalls[s].alley
		ix.alleyStalls[next[a]] = int32(s)
		next[a]++
	}

	// active[a] is the number of alley a's stalls with more than r items:
	// a prefix of its group, which is sorted by item count descending.
	active := slices.Clone(sizes)
	alive := make([]int32, len(sizes))
	for a := range alive {
		alive[a] = int32(a)
	}
	ix.pattern = make([]slot, len(ix.items))
	var keys []slot
	mo := newMarketOrder(len(ix.markets))
	for r := range ix.rounds {
		rd := &ix.rounds[r]
		live := alive[:0]
		for _, a := range alive {
			g := ix.alleyStalls[ix.alleyStart[a]:]
			for active[a] > 0 && ix.stalls[g[active[a]-1]].n <= r {
				active[a]--
			}
			if active[a] > 0 {
				live = append(live, a)
			}
		}
		alive = live
		if !rd.plain() {
			continue
		}
		keys = keys[:0]
		for _, a := range alive {
			for i := range active[a] {
				keys = append(keys, slot{alley: a, rank: int32(i), n: int32(active[a])})
			}
		}
		// Alleys spread evenly; with several markets, within each market
		// (the sort is stable, so each market's keys keep this order).
		slices.SortFunc(keys, func(x, y slot) int {
			if c := cmp.Compare((2*int64(x.rank)+1)*int64(y.n), (2*int64(y.rank)+1)*int64(x.n)); c != 0 {
				return c
			}
			return cmp.Compare(x.alley, y.alley)
		})
		if len(ix.markets) == 1 {
			copy(ix.pattern[rd.off:rd.end], keys)
			continue
		}
		mo.layout(keys, alleyMarket, ix.pattern[rd.off:rd.end])
	}
}

// marketOrder shares the slots of a round between markets.
type marketOrder struct {
	count, credit []int64
	queue         [][]slot // each market's alley slots, in order
	taken         []int    // how many of its queue are placed
}

func newMarketOrder(markets int) *marketOrder {
	return &marketOrder{count: make([]int64, markets), credit: make([]int64, markets), queue: make([][]slot, markets),
		taken: make([]int, markets)}
}

// layout writes keys (the round's alley slots, spread evenly) to dst in an
// order that interleaves the markets: a smooth weighted round robin (every
// slot each market earns its number of stalls in the round and the richest
// goes next, paying the round's length), which never puts a market right
// after itself, nor last when it came first, unless it must: a market whose
// slots left would not fit otherwise goes now. When one market holds more
// than half of the round, the round robin alone decides, so the smaller
// markets stay spread over the whole round. Each market takes its own slots
// in the order of keys.
func (mo *marketOrder) layout(keys []slot, alleyMarket []int32, dst []slot) {
	for m := range mo.count {
		mo.count[m], mo.credit[m], mo.queue[m], mo.taken[m] = 0, 0, mo.queue[m][:0], 0
	}
	for _, k := range keys {
		m := alleyMarket[k.alley]
		mo.count[m]++
		mo.queue[m] = append(mo.queue[m], k)
	}
	c := int64(len(keys))
	// When one market holds more than half the round, it must show twice in
	// a row somewhere: then the round robin alone spreads the others evenly
	// (keeping them apart from each other would bunch them at the start).
	spread := true
	for _, n := range mo.count {
		spread = spread && 2*n <= c
	}
	first, last := int32(-1), int32(-1)
	for pos := range dst {
		left := len(dst) - pos
		best, bestKey := int32(-1), 0
		for m := range mo.credit {
			mo.credit[m] += mo.count[m]
		}
		for m := range mo.queue {
			rest := len(mo.queue[m]) - mo.taken[m]
			if rest == 0 {
				continue
			}
			m := int32(m)
			conf := 0
			if spread && (m == last || (left == 1 && m == first)) {
				conf = 1
			}
			calm := 1
			if spread && rest > room(left-1, m == first) {
				calm = 0 // it will not fit if it waits
			}
			key := conf*2 + calm
			if best < 0 || key < bestKey || (key == bestKey && mo.credit[m] > mo.credit[best]) {
				best, bestKey = m, key
			}
		}
		dst[pos] = mo.queue[best][mo.taken[best]]
		mo.taken[best]++
		mo.credit[best] -= c
		if first < 0 {
			first = best
		}
		last = best
	}
}

// Len returns the number of items in the index.
func (ix *Index) Len() int {
	if ix == nil {
		return 0
	}
	return len(ix.items)
}

// Stalls returns the number of stalls with at least one item in the index.
func (ix *Index) Stalls() int {
	if ix == nil {
		return 0
	}
	return len(ix.stalls)
}

// Page returns page page (0-based) of the stroll seeded by seed, limit
// entries long. The stroll is endless: Page returns exactly limit entries
// unless the index is empty (then nil). It is deterministic: the same index,
// seed and position give the same entries, and a page does not depend on
// which pages were asked for before, nor on limit (entry i of page p is
// position p*limit+i of one fixed walk).
//
// Within a lap of Len() positions no item repeats; then a new lap, shuffled
// differently, begins. Two items of one stall do not follow each other
// unless the market makes it unavoidable: a market with one stall, or a
// stall with more than half of all items (then towards the end of each lap).
// Alleys are interleaved; two items of one alley follow each other mostly
// where the mix of alleys leaves little choice, typically near the end of a
// lap where only a few big stalls are left. Every lap begins with a round
// that shows every stall once (up to the smoothing, which reorders within 16
// positions), so the first pages show as many different stalls as they can.
//
// A negative page is treated as 0. limit is clamped to [1, MaxLimit]. Pages
// so far out that page*limit overflows 64 bits wrap around. A page costs
// O(limit) time (at most limit+32 raw positions, one binary search over at
// most 64 rounds) and one allocation, whatever the number of items.
func (ix *Index) Page(seed uint64, page, limit int) []Entry {
	if ix.Len() == 0 {
		return nil
	}
	page, limit = clampPage(page, limit)
	return ix.walk(seed, uint64(page)*uint64(limit), limit, make([]Entry, 0, limit))
}

// Span appends n entries of the stroll seeded by seed, from absolute
// position from on, to dst: Page is Span(seed, page·limit, limit). Callers
// that filter a stroll (leaving out some markets) read spans longer than a
// page. A span costs O(n) time, whatever the number of items.
func (ix *Index) Span(seed, from uint64, n int, dst []Entry) []Entry {
	if ix.Len() == 0 || n <= 0 {
		return dst
	}
	return ix.walk(seed, from, n, dst)
}

func clampPage(page, limit int) (int, int) {
	if page < 0 {
		page = 0
	}
	return page, min(max(limit, 1), MaxLimit)
}

// cell is one position of the raw or smoothed walk.
type cell struct {
	e      int   // index into Index.items
	s      int   // index into Index.stalls
	alley  int32 // the stall's dense alley number
	market int32 // the stall's dense market number; -1 in an index of one market
}

// lapKey is the key of one lap of one stroll.
func lapKey(seed, lap uint64) uint64 { return hash2(seed, lap) }

// walk appends n entries of the stroll seeded by seed, starting at absolute
// position p, to dst.
func (ix *Index) walk(seed, p uint64, n int, dst []Entry) []Entry {
	total := len(ix.items)
	lap, q := p/uint64(total), int(p%uint64(total))
	var blk [blockSize]cell
	var one [1]cell
	var prev cell
	hasPrev, known := false, false
	for n > 0 {
		b0 := q - q%blockSize
		b1 := min(b0+blockSize, total)
		key := lapKey(seed, lap)
		if !known {
			// The item before this block is its predecessor's anchor, which is
			// that block's raw last item.
			switch {
			case b0 > 0:
				ix.raw(key, b0-1, one[:])
				prev, hasPrev = one[0], true
			case lap > 0:
				ix.raw(lapKey(seed, lap-1), total-1, one[:])
				prev, hasPrev = one[0], true
			}
		}
		cells := blk[:b1-b0]
		ix.raw(key, b0, cells)
		arrange(cells, prev, hasPrev)
		for _, c := range cells[q-b0:] {
			if n == 0 {
				break
			}
			dst = append(dst, ix.entry(c.e))
			n--
		}
		prev, hasPrev, known = cells[len(cells)-1], true, true
		if q = b1; q == total {
			q, lap = 0, lap+1
		}
	}
	return dst
}

// roundShift sets the spacing (1<<roundShift lap positions) of the samples
// in Index.roundAt.
const roundShift = 6

// roundOf returns the round holding lap position q: a binary search between
// two samples of roundAt, so over at most 64 rounds.
func (ix *Index) roundOf(q int) int {
	b := q >> roundShift
	lo, hi := int(ix.roundAt[b]), len(ix.rounds)-1
	if b+1 < len(ix.roundAt) {
		hi = int(ix.roundAt[b+1])
	}
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if ix.rounds[m].end > q {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}

// raw fills dst with the raw (unsmoothed) lap positions q0, q0+1, ... of the
// lap with key key.
//
// A plain round (every stall takes one turn, more than smallRound stalls)
// follows its alley pattern, rotated by a seeded offset; the stalls of one
// alley take that alley's slots in a seeded permutation. Any other round (the
// biggest stall takes d > 0 extra turns, or the round is small) places the
// biggest stall's 1+d turns evenly, Bresenham style, never first and always
// last, and permutes the other stalls into the remaining slots. Such rounds
// come only at the end of a lap (extra turns are folded into the last rounds
// with room, and rounds shrink), and they never put one stall twice in a row,
// not even across their boundaries, since each starts with another stall
// than the biggest and ends with the biggest.
func (ix *Index) raw(key uint64, q0 int, dst []cell) {
	r := ix.roundOf(q0)
	rd := &ix.rounds[r]
	rkey := hash2(key, uint64(r))
	for i := range dst {
		q := q0 + i
		if q >= rd.end {
			r++
			rd = &ix.rounds[r]
			rkey = hash2(key, uint64(r))
		}
		k := q - rd.off
		var s, idx int
		switch {
		case rd.c == 1:
			s, idx = 0, r+rd.dpre
		case !rd.plain():
			a, size := 1+rd.d, rd.c+rd.d
			before := k * a / size // turns of the biggest stall before slot k
			if (k+1)*a/size > before {
				s, idx = 0, r+rd.dpre+before
			} else {
				s, idx = 1+newPermutation(rkey, rd.c-1).at(k-before), r
			}
		default:
			k += int(rkey % uint64(rd.c))
			if k >= rd.c {
				k -= rd.c
			}
			sl := ix.pattern[rd.off+k]
			pm := newPermutation(hash2(rkey, uint64(sl.alley)), int(sl.n))
			s, idx = int(ix.alleyStalls[ix.alleyStart[sl.alley]+pm.at(int(sl.rank))]), r
			if s == 0 {
				idx += rd.dpre
			}
		}
		st := &ix.stalls[s]
		mk := int32(-1)
		if len(ix.markets) > 1 {
			mk = st.market
		}
		dst[i] = cell{e: st.start + ix.rotate(key, s, idx), s: s, alley: st.alley, market: mk}
	}
}

// rotate maps the idx-th turn of stall s in a lap to the offset of the item
// shown: highlights first, then the rest, each rotated by a seeded offset.
func (ix *Index) rotate(key uint64, s, idx int) int {
	st := &ix.stalls[s]
	h := mix64(key ^ (uint64(s)+1)*golden)
	if idx < st.h {
		return (idx + int(h%uint64(st.h))) % st.h
	}
	rest := st.n - st.h
	return st.h + (idx-st.h+int(mix64(h)%uint64(rest)))%rest
}

// Clash costs used when smoothing: a stall repeat is far worse than a
// market repeat (in an index of several markets), which is worse than an
// alley repeat.
const (
	stallClash  = 16
	marketClash = 4
	alleyClash  = 1
)

// clash is the cost of b right after a; markets count only with m.
func clash(a, b cell, m bool) int {
	c := 0
	if a.s == b.s {
		c += stallClash
	}
	if m && a.market == b.market {
		c += marketClash
	}
	if a.alley == b.alley {
		c += alleyClash
	}
	return c
}

// arrange smooths one block in place; a block without repeats is left as it
// is. The last cell (the anchor) stays where it is, so the next block knows
// its predecessor without looking further back. The others are placed
// greedily: at each slot, the first cell in raw order that does not repeat
// the previous stall, preferring a stall that must go now (it would not fit
// into the slots left otherwise, given that the anchor ends the block), then
// one that does not repeat the previous alley, then an alley that must go
// now. The slot before the anchor also looks at the anchor. In an index of
// several markets, markets rank between stalls and alleys in each of these
// choices. A swap pass then repairs what the greedy choice left behind, and
// if all this does not lower the clash cost, the raw order stays.
func arrange(blk []cell, prev cell, hasPrev bool) {
	n := len(blk)
	if n < 2 {
		return
	}
	// Markets count where the block has several and one of them need not
	// show twice in a row.
	m := blk[0].market >= 0 && forced(n, maxShare(blk, func(c *cell) int32 { return c.market })) == 0
	rawCost := cost(blk, prev, hasPrev, m)
	if rawCost == 0 {
		return
	}
	anchor := blk[n-1]
	var sc, mc, ac [blockSize]int // movable cells left sharing i's stall / market / alley
	for i := 0; i < n-1; i++ {
		for j := 0; j < n-1; j++ {
			if blk[j].s == blk[i].s {
				sc[i]++
			}
			if m && blk[j].market == blk[i].market {
				mc[i]++
			}
			if blk[j].alley == blk[i].alley {
				ac[i]++
			}
		}
	}
	var out [blockSize]cell
	var used [blockSize]bool
	last, has := prev, hasPrev
	for pos := 0; pos < n-1; pos++ {
		left := n - 1 - pos // movable slots left, this one included
		best, bestKey := -1, 0
		for i := 0; i < n-1; i++ {
			if used[i] {
				continue
			}
			c := &blk[i]
			sConf, mConf, aConf := 0, 0, 0
			multi := m
			if has {
				if c.s == last.s {
					sConf++
				}
				if multi && c.market == last.market {
					mConf++
				}
				if c.alley == last.alley {
					aConf++
				}
			}
			if pos == n-2 {
				if c.s == anchor.s {
					sConf++
				}
				if multi && c.market == anchor.market {
					mConf++
				}
				if c.alley == anchor.alley {
					aConf++
				}
			}
			sCalm, mCalm, aCalm := 1, 1, 1
			if sc[i] > room(left-1, c.s == anchor.s) {
				sCalm = 0
			}
			if multi && mc[i] > room(left-1, c.market == anchor.market) {
				mCalm = 0
			}
			if ac[i] > room(left-1, c.alley == anchor.alley) {
				aCalm = 0
			}
			key := ((((sConf*2+sCalm)*3+mConf)*2+mCalm)*3+aConf)*2 + aCalm
			if best < 0 || key < bestKey {
				best, bestKey = i, key
			}
		}
		c := blk[best]
		used[best] = true
		out[pos] = c
		for j := 0; j < n-1; j++ {
			if !used[j] {
				if blk[j].s == c.s {
					sc[j]--
				}
				if m && blk[j].market == c.market {
					mc[j]--
				}
				if blk[j].alley == c.alley {
					ac[j]--
				}
			}
		}
		last, has = c, true
	}
	out[n-1] = anchor
	repair(out[:n], prev, hasPrev, m)
	if cost(out[:n], prev, hasPrev, m) < rawCost {
		copy(blk, out[:n])
	}
}

// maxShare is the largest number of cells of blk that share a key.
func maxShare(blk []cell, key func(*cell) int32) int {
	k := 0
	for i := range blk {
		c := 0
		for j := range blk {
			if key(&blk[j]) == key(&blk[i]) {
				c++
			}
		}
		k = max(k, c)
	}
	return k
}

// forced is how many neighbours of one kind any order of n cells has when k
// of them are of that kind.
func forced(n, k int) int { return max(0, 2*k-n-1) }

// room is how many cells of one kind fit, none next to another, into k
// slots that follow a cell of another kind and precede the anchor; the
// anchor's own kind cannot take the last slot.
func room(k int, anchorKind bool) int {
	if k <= 0 {
		return 0
	}
	if anchorKind {
		return k / 2
	}
	return (k + 1) / 2
}

// cost is the clash cost of a block after prev.
func cost(seq []cell, prev cell, hasPrev, m bool) int {
	c := 0
	for i := range seq {
		c += edge(seq, prev, hasPrev, m, i)
	}
	return c
}

// edge is the clash cost between position i-1 (or prev) and position i.
func edge(seq []cell, prev cell, hasPrev, m bool, i int) int {
	switch {
	case i >= len(seq):
		return 0
	case i == 0:
		if !hasPrev {
			return 0
		}
		return clash(prev, seq[0], m)
	default:
		return clash(seq[i-1], seq[i], m)
	}
}

// around is the clash cost of the edges touching positions a < b.
func around(seq []cell, prev cell, hasPrev, m bool, a, b int) int {
	c := edge(seq, prev, hasPrev, m, a) + edge(seq, prev, hasPrev, m, a+1) + edge(seq, prev, hasPrev, m, b+1)
	if b != a+1 {
		c += edge(seq, prev, hasPrev, m, b)
	}
	return c
}

// repair swaps cells (never the anchor) while a swap lowers the clash cost
// around a clashing position. At most four passes, each O(n²).
func repair(seq []cell, prev cell, hasPrev, m bool) {
	n := len(seq)
	for pass := 0; pass < 4; pass++ {
		improved := false
		for i := 0; i < n-1; i++ {
			if edge(seq, prev, hasPrev, m, i) == 0 && edge(seq, prev, hasPrev, m, i+1) == 0 {
				continue
			}
			for j := 0; j < n-1; j++ {
				if j == i {
					continue
				}
				a, b := min(i, j), max(i, j)
				before := around(seq, prev, hasPrev, m, a, b)
				seq[a], seq[b] = seq[b], seq[a]
				if around(seq, prev, hasPrev, m, a, b) < before {
					improved = true
					break
				}
				seq[a], seq[b] = seq[b], seq[a]
			}
		}
		if !improved {
			return
		}
	}
}
