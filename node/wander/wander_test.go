package wander

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"
)

var now = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// market is the ~200-stall market the measurements run on: 200 stalls, 6
// alleys, 1,600 items, heavily skewed.
var (
	marketEntries = sync.OnceValue(func() []Entry { return Synthetic(200, 1600, 42, now) })
	market        = sync.OnceValue(func() *Index { return NewIndex(marketEntries(), now) })
)

// stroll returns the first pages·limit positions of one stroll.
func stroll(ix *Index, seed uint64, pages, limit int) []Entry {
	var out []Entry
	for p := range pages {
		out = append(out, ix.Page(seed, p, limit)...)
	}
	return out
}

// repeats counts positions whose item's stall (or alley) equals the
// previous one's.
func repeats(es []Entry) (stalls, alleys int) {
	for i := 1; i < len(es); i++ {
		if es[i].Source == es[i-1].Source && es[i].Stall == es[i-1].Stall {
			stalls++
		}
		if es[i].Source == es[i-1].Source && es[i].Alley == es[i-1].Alley {
			alleys++
		}
	}
	return stalls, alleys
}

// gini is the Gini coefficient of xs (0: all equal, →1: one takes all).
func gini(xs []int) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	var sum, weighted float64
	for i, x := range s {
		sum += float64(x)
		weighted += float64(i+1) * float64(x)
	}
	if sum == 0 {
		return 0
	}
	n := float64(len(s))
	return 2*weighted/(n*sum) - (n+1)/n
}

func TestSyntheticShape(t *testing.T) {
	es := Synthetic(200, 1600, 42, now)
	if len(es) != 1600 {
		t.Fatalf("len = %d", len(es))
	}
	per := map[int64]int{}
	alleys := map[int64]bool{}
	newN, story := 0, 0
	for _, e := range es {
		per[e.Stall]++
		alleys[e.Alley] = true
		if now.Sub(e.Listed) < NewArrival {
			newN++
		}
		if e.Story {
			story++
		}
		if e.PriceBand < 0 || e.PriceBand > 3 || e.Listed.After(now) || now.Sub(e.Listed) > 366*24*time.Hour {
			t.Fatalf("bad entry %+v", e)
		}
	}
	big, small := 0, 0
	for _, n := range per {
		if n >= 100 {
			big++
		}
		if n <= 5 {
			small++
		}
	}
	t.Logf("stalls %d, alleys %d, stalls ≥100 items %d, stalls ≤5 items %d, new %d, storied %d",
		len(per), len(alleys), big, small, newN, story)
	if len(per) != 200 || len(alleys) != 6 || big < 2 || big > 5 || small < 100 {
		t.Errorf("not the market we meant")
	}
	if !slices.Equal(es, Synthetic(200, 1600, 42, now)) {
		t.Errorf("Synthetic is not deterministic")
	}
}

// 1. Twenty pages of one stroll cover nearly every stall.
func TestCoverage(t *testing.T) {
	ix := market()
	for _, seed := range []uint64{1, 2, 42} {
		got := map[int64]bool{}
		for _, e := range stroll(ix, seed, 20, 24) {
			got[e.Stall] = true
		}
		cov := float64(len(got)) / float64(ix.Stalls())
		t.Logf("seed %d: 20 pages × 24 cover %d of %d stalls (%.1f %%)", seed, len(got), ix.Stalls(), 100*cov)
		if cov < 0.9 {
			t.Errorf("coverage %.3f < 0.9", cov)
		}
	}
	// The first page alone shows 24 different stalls.
	first := map[int64]bool{}
	for _, e := range ix.Page(7, 0, 24) {
		first[e.Stall] = true
	}
	if len(first) != 24 {
		t.Errorf("first page shows %d stalls, want 24", len(first))
	}
}

// 2. Exposure on the first page across visitors is fair.
func TestFairnessGini(t *testing.T) {
	ix := market()
	const visitors, limit = 100, 24
	entries := marketEntries()
	stallIdx := map[int64]int{}
	counts := map[int64]int{}
	for _, e := range entries {
		if _, ok := stallIdx[e.Stall]; !ok {
			stallIdx[e.Stall] = len(stallIdx)
		}
		counts[e.Stall]++
	}
	exposure := func(page func(seed uint64) []Entry) float64 {
		x := make([]int, len(stallIdx))
		for v := range visitors {
			for _, e := range page(uint64(v) + 1000) {
				x[stallIdx[e.Stall]]++
			}
		}
		return gini(x)
	}

	gStroll := exposure(func(seed uint64) []Entry { return ix.Page(seed, 0, limit) })

	// Baseline 1: newest first (the seed only breaks ties).
	gNewest := exposure(func(seed uint64) []Entry {
		es := slices.Clone(entries)
		rng := rand.New(rand.NewPCG(seed, 0))
		rng.Shuffle(len(es), func(i, j int) { es[i], es[j] = es[j], es[i] })
		slices.SortStableFunc(es, func(a, b Entry) int { return b.Listed.Compare(a.Listed) })
		return es[:limit]
	})
	// Baseline 2: stalls with most items first, a random item order within.
	gCount := exposure(func(seed uint64) []Entry {
		es := slices.Clone(entries)
		rng := rand.New(rand.NewPCG(seed, 1))
		rng.Shuffle(len(es), func(i, j int) { es[i], es[j] = es[j], es[i] })
		slices.SortStableFunc(es, func(a, b Entry) int { return cmp.Compare(counts[b.Stall], counts[a.Stall]) })
		return es[:limit]
	})
	// Baseline 3 (for reference): items drawn uniformly at random.
	gRandom := exposure(func(seed uint64) []Entry {
		es := slices.Clone(entries)
		rng := rand.New(rand.NewPCG(seed, 2))
		rng.Shuffle(len(es), func(i, j int) { es[i], es[j] = es[j], es[i] })
		return es[:limit]
	})
	t.Logf("Gini of first-page stall exposure over %d visitors: stroll %.3f, newest %.3f, by item count %.3f, uniform random items %.3f",
		visitors, gStroll, gNewest, gCount, gRandom)
	if gStroll > 0.2 {
		t.Errorf("stroll Gini %.3f > 0.2", gStroll)
	}
	if gNewest <= gStroll || gCount <= gStroll || gRandom <= gStroll {
		t.Errorf("baselines should be less fair than the stroll")
	}
	if gNewest < 0.5 || gCount < 0.5 {
		t.Errorf("baselines unexpectedly fair: %.3f %.3f", gNewest, gCount)
	}
}

// 3. The invariants of a stroll.
func TestStrollInvariants(t *testing.T) {
	ix := market()
	seeds := []uint64{0, 1, 2, 3, 42, 1 << 63, ^uint64(0)}
	firsts := map[int64]uint64{}
	for _, seed := range seeds {
		walk := stroll(ix, seed, 20, 24)
		if len(walk) != 480 {
			t.Fatalf("seed %d: %d entries", seed, len(walk))
		}
		st, al := repeats(walk)
		if st != 0 {
			t.Errorf("seed %d: %d same-stall neighbours in 20 pages", seed, st)
		}
		t.Logf("seed %d: same-alley neighbours %d of %d", seed, al, len(walk)-1)
		if al > len(walk)/50 {
			t.Errorf("seed %d: %d same-alley neighbours", seed, al)
		}
		seen := map[int64]bool{}
		for _, e := range walk {
			if seen[e.Item] {
				t.Fatalf("seed %d: item %d repeats", seed, e.Item)
			}
			seen[e.Item] = true
		}
		// Same seed, same walk; any page alone equals the page in sequence;
		// the walk does not depend on the page size.
		for p := 19; p >= 0; p -= 3 {
			if !slices.Equal(ix.Page(seed, p, 24), walk[p*24:(p+1)*24]) {
				t.Fatalf("seed %d: page %d alone differs", seed, p)
			}
		}
		for _, limit := range []int{1, 7, 60} {
			w := stroll(ix, seed, 480/limit+1, limit)[:480]
			if !slices.Equal(w, walk) {
				t.Fatalf("seed %d: walk with limit %d differs", seed, limit)
			}
		}
		// Different seeds, different first pages.
		k := ix.Page(seed, 0, 24)[0].Item
		if other, dup := firsts[k]; dup {
			t.Logf("seeds %d and %d share a first item", other, seed)
		}
		firsts[k] = seed
		for _, s2 := range seeds {
			if s2 != seed && slices.Equal(ix.Page(seed, 0, 24), ix.Page(s2, 0, 24)) {
				t.Fatalf("seeds %d and %d give the same first page", seed, s2)
			}
		}
	}
}

// A whole lap shows every item once and, for this market, never the same
// stall twice in a row; the next lap is shuffled differently.
func TestFullLap(t *testing.T) {
	ix := market()
	n := ix.Len()
	for _, seed := range []uint64{5, 6, 7} {
		walk := stroll(ix, seed, 2*n/40+1, 40)[:2*n]
		for lap := range 2 {
			got := map[int64]int{}
			for _, e := range walk[lap*n : (lap+1)*n] {
				got[e.Item]++
			}
			if len(got) != n {
				t.Fatalf("seed %d lap %d: %d distinct items of %d", seed, lap, len(got), n)
			}
		}
		st, al := repeats(walk)
		t.Logf("seed %d: two laps (%d positions): same-stall neighbours %d, same-alley %d", seed, 2*n, st, al)
		if st != 0 {
			t.Errorf("seed %d: %d same-stall neighbours over two laps", seed, st)
		}
		if slices.Equal(walk[:24], walk[n:n+24]) {
			t.Errorf("seed %d: second lap starts like the first", seed)
		}
	}
}

// A stall's first turn shows one of its highlights: a new arrival or an
// older item with a story; both kinds come up on first pages.
func TestHighlightsFirst(t *testing.T) {
	ix := market()
	hasHighlight := map[int64]bool{}
	for _, e := range marketEntries() {
		if cat(e) < 2 {
			hasHighlight[e.Stall] = true
		}
	}
	newN, storyN, plain := 0, 0, 0
	for seed := range uint64(50) {
		shown := map[int64]bool{}
		for _, e := range stroll(ix, seed, 8, 24) { // round 0 spans the first 200 positions
			if shown[e.Stall] {
				continue
			}
			shown[e.Stall] = true
			switch cat(e) {
			case 0:
				newN++
			case 1:
				storyN++
			default:
				plain++
				if hasHighlight[e.Stall] {
					t.Fatalf("seed %d: stall %d shows a plain item first although it has highlights", seed, e.Stall)
				}
			}
		}
	}
	t.Logf("first turns over 50 strolls: %d new arrivals, %d storied older items, %d plain (stalls without highlights)", newN, storyN, plain)
	if newN == 0 || storyN == 0 {
		t.Errorf("first turns should mix new arrivals and storied items")
	}
}

// cat is the category of an entry: 0 new arrival, 1 storied older item, 2
// the rest.
func cat(e Entry) int {
	switch {
	case now.Sub(e.Listed) < NewArrival:
		return 0
	case e.Story:
		return 1
	}
	return 2
}

// The order of the entries given to NewIndex does not matter.
func TestInputOrder(t *testing.T) {
	es := Synthetic(30, 300, 3, now)
	a := NewIndex(es, now)
	rng := rand.New(rand.NewPCG(1, 2))
	rng.Shuffle(len(es), func(i, j int) { es[i], es[j] = es[j], es[i] })
	b := NewIndex(es, now)
	for p := range 15 {
		if !slices.Equal(a.Page(9, p, 24), b.Page(9, p, 24)) {
			t.Fatalf("page %d depends on input order", p)
		}
	}
}

// A stall holding up to half of all items is folded in: no two in a row
// over whole laps. Beyond half, the end of the lap repeats it, and nothing
// hangs.
func TestDominantStall(t *testing.T) {
	build := func(big, others, each int) *Index {
		var es []Entry
		id := int64(0)
		add := func(stall int64, n int) {
			for range n {
				id++
				es = append(es, Entry{Item: id, Stall: stall, Alley: stall % 3, Listed: now.Add(-time.Duration(id) * time.Hour)})
			}
		}
		add(1, big)
		for s := range others {
			add(int64(s+2), each)
		}
		return NewIndex(es, now)
	}
	for _, tc := range []struct {
		big, others, each int
		wantRepeats       bool
	}{
		{100, 10, 10, false}, // exactly half
		{60, 30, 2, false},
		{30, 1, 30, false},
		{50, 1, 2, true}, // impossible
	} {
		ix := build(tc.big, tc.others, tc.each)
		n := ix.Len()
		for _, seed := range []uint64{1, 2, 3} {
			walk := stroll(ix, seed, 3*n/24+1, 24)[:3*n]
			for lap := range 3 {
				got := map[int64]bool{}
				for _, e := range walk[lap*n : (lap+1)*n] {
					got[e.Item] = true
				}
				if len(got) != n {
					t.Fatalf("%+v: lap %d shows %d of %d items", tc, lap, len(got), n)
				}
			}
			st, _ := repeats(walk)
			if (st > 0) != tc.wantRepeats {
				t.Errorf("%+v seed %d: %d same-stall neighbours over three laps", tc, seed, st)
			}
			if tc.wantRepeats && st > 3*(tc.big-tc.others*tc.each+1) {
				t.Errorf("%+v seed %d: %d same-stall neighbours, more than forced", tc, seed, st)
			}
		}
	}
}

// 4. Edge cases.
func TestEdgeCases(t *testing.T) {
	t.Run("empty", func(t *testing.T) {
		for _, ix := range []*Index{nil, NewIndex(nil, now), NewIndex([]Entry{}, now)} {
			if ix.Len() != 0 || ix.Stalls() != 0 {
				t.Fatalf("empty index has items")
			}
			if got := ix.Page(1, 0, 24); len(got) != 0 {
				t.Fatalf("Page on empty index = %v", got)
			}
			if _, ok := ix.Surprise(1, nil, nil); ok {
				t.Fatalf("Surprise on empty index ok")
			}
			if got := Mix(1, 0, 24, Source{Index: ix, Share: 1}); got != nil {
				t.Fatalf("Mix of empty index = %v", got)
			}
		}
	})
	t.Run("one stall", func(t *testing.T) {
		// One stall: the same stall in a row is unavoidable; the stroll still
		// shows every item once per lap and pages are full.
		es := Synthetic(1, 5, 1, now)
		ix := NewIndex(es, now)
		walk := stroll(ix, 3, 4, 24)
		if len(walk) != 96 {
			t.Fatalf("got %d entries", len(walk))
		}
		for lap := 0; lap+5 <= len(walk); lap += 5 {
			got := map[int64]bool{}
			for _, e := range walk[lap : lap+5] {
				got[e.Item] = true
			}
			if len(got) != 5 {
				t.Fatalf("lap at %d shows %d items", lap, len(got))
			}
		}
		if e, ok := ix.Surprise(1, &walk[0], []int64{walk[0].Stall}); !ok || e.Item == walk[0].Item {
			t.Errorf("Surprise in a one-stall market = %+v, %v", e, ok)
		}
		one := NewIndex(es[:1], now)
		if got := one.Page(1, 1000, 60); len(got) != 60 || got[59].Item != es[0].Item {
			t.Errorf("one-item market page = %v", got)
		}
		if e, ok := one.Surprise(1, &es[0], nil); !ok || e.Item != es[0].Item {
			t.Errorf("Surprise in a one-item market = %+v, %v", e, ok)
		}
	})
	t.Run("limit and page clamps", func(t *testing.T) {
		ix := market()
		if got := len(ix.Page(1, 0, 0)); got != 1 {
			t.Errorf("limit 0 gives %d entries, want 1", got)
		}
		if got := len(ix.Page(1, 0, -5)); got != 1 {
			t.Errorf("limit -5 gives %d entries, want 1", got)
		}
		if got := len(ix.Page(1, 0, 1000)); got != MaxLimit {
			t.Errorf("limit 1000 gives %d entries, want %d", got, MaxLimit)
		}
		if !slices.Equal(ix.Page(1, -3, 24), ix.Page(1, 0, 24)) {
			t.Errorf("negative page is not page 0")
		}
		for _, p := range []int{1 << 40, 1<<62 + 12345, int(^uint(0) >> 1)} {
			if got := ix.Page(1, p, 60); len(got) != 60 {
				t.Errorf("page %d gives %d entries", p, len(got))
			}
		}
	})
	t.Run("crossing laps", func(t *testing.T) {
		ix := NewIndex(Synthetic(7, 23, 9, now), now) // 23 items: pages straddle laps
		walk := stroll(ix, 4, 10, 24)
		for lap := 0; lap+23 <= len(walk); lap += 23 {
			got := map[int64]bool{}
			for _, e := range walk[lap : lap+23] {
				got[e.Item] = true
			}
			if len(got) != 23 {
				t.Fatalf("lap at %d shows %d items", lap, len(got))
			}
		}
		if st, _ := repeats(walk); st != 0 {
			t.Errorf("%d same-stall neighbours across laps", st)
		}
	})
}

// A page does not touch the rest of the index: Page allocates only its
// result.
func TestPageAllocs(t *testing.T) {
	ix := market()
	if n := testing.AllocsPerRun(100, func() { ix.Page(3, 17, 24) }); n != 1 {
		t.Errorf("Page allocates %.0f times, want 1", n)
	}
}

// Entries come back exactly as given: the compact storage keeps the time
// (and its location) and the source.
func TestEntriesRoundTrip(t *testing.T) {
	taipei := time.FixedZone("Asia/Taipei", 8*3600)
	es := []Entry{
		{Item: 1, Stall: 1, Alley: 1, Listed: now.Add(-time.Hour).In(taipei), Story: true, PriceBand: 2, Source: "Tainan"},
		{Item: 2, Stall: 2, Alley: 2, Listed: time.Time{}, PriceBand: -1},
		{Item: 3, Stall: 3, Alley: 1, Listed: time.Date(1901, 2, 3, 4, 5, 6, 789, time.UTC), PriceBand: 3},
		{Item: 4, Stall: 1, Alley: 1, Listed: now.Add(time.Hour).In(time.Local), Source: "Tainan"},
		{Item: 5, Stall: 4, Alley: 3, Listed: time.Date(2400, 1, 1, 0, 0, 0, 1, time.UTC)},
	}
	ix := NewIndex(es, now)
	want := map[int64]Entry{}
	for _, e := range es {
		want[e.Item] = e
	}
	got := ix.Page(1, 0, len(es))
	if len(got) != len(es) {
		t.Fatalf("got %d entries", len(got))
	}
	for _, e := range got {
		if e != want[e.Item] {
			t.Errorf("item %d: got %+v, want %+v", e.Item, e, want[e.Item])
		}
		delete(want, e.Item)
	}
	if len(want) != 0 {
		t.Errorf("missing %v", want)
	}
}

// An Index is read-only: many visitors stroll at once.
func TestConcurrent(t *testing.T) {
	ix := market()
	want := ix.Page(11, 3, 24)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				ix.Page(uint64(g*100+i), i, 24)
				ix.Surprise(uint64(i), &want[0], nil)
				Mix(uint64(i), i, 24, Source{Index: ix, Share: 1}, Source{Name: "x", Index: ix, Share: 0.25})
			}
			if !slices.Equal(ix.Page(11, 3, 24), want) {
				t.Error("page changed")
			}
		})
	}
	wg.Wait()
}
