package wander

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
)

// worldOf joins markets into one list of entries: market m's stall, alley
// and item ids are shifted so that they are unique across markets.
func worldOf(markets ...[]Entry) []Entry {
	var out []Entry
	for m, es := range markets {
		off := int64(m) << 40
		for _, e := range es {
			e.Item += off
			e.Stall += off
			e.Alley += off
			e.Market = int64(m)
			out = append(out, e)
		}
	}
	return out
}

// world3 is the world of the measures: three markets of 200 stalls.
var world3 = sync.OnceValue(func() *Index {
	return NewIndex(worldOf(Synthetic(200, 1600, 1, now), Synthetic(200, 400, 2, now), Synthetic(200, 1000, 3, now)), now)
})

// marketRepeats counts positions whose market equals the previous one's.
func marketRepeats(es []Entry) int {
	n := 0
	for i := 1; i < len(es); i++ {
		if es[i].Market == es[i-1].Market {
			n++
		}
	}
	return n
}

// The measures on three markets of 200 stalls each, with pages of 48: 20
// pages of one stroll show ≥ 90 % of the stalls of every market; the first
// pages of 100 strolls show the stalls near-evenly (Gini ≤ 0.2) and each
// market within 10 % of its share of stalls; no two items of one market
// follow each other on those pages.
func TestWorldMeasures(t *testing.T) {
	ix, limit := world3(), 48
	walk := stroll(ix, 2026, 20, limit)
	seen := map[int64]bool{}
	perMarket := map[int64]map[int64]bool{}
	for _, e := range walk {
		seen[e.Stall] = true
		if perMarket[e.Market] == nil {
			perMarket[e.Market] = map[int64]bool{}
		}
		perMarket[e.Market][e.Stall] = true
	}
	if st, _ := repeats(walk); st != 0 {
		t.Errorf("%d same-stall neighbours in 20 pages", st)
	}
	if r := marketRepeats(walk); r != 0 {
		t.Errorf("%d same-market neighbours in 20 pages", r)
	}
	for m := range int64(3) {
		if c := float64(len(perMarket[m])) / 200; c < 0.9 {
			t.Errorf("market %d: 20 pages show %.1f %% of its stalls", m, c*100)
		}
	}
	t.Logf("20 pages of %d show %d of 600 stalls", limit, len(seen))

	exposure := map[int64]int{}
	markets := map[int64]int{}
	for s := range uint64(100) {
		page := ix.Page(s*7919+1, 0, limit)
		if r := marketRepeats(page); r != 0 {
			t.Errorf("seed %d: first page has %d same-market neighbours", s, r)
		}
		for _, e := range page {
			exposure[e.Stall]++
			markets[e.Market]++
		}
	}
	var xs []int
	for i := range ix.stalls {
		xs = append(xs, exposure[ix.stalls[i].id])
	}
	g := gini(xs)
	t.Logf("first-page exposure over 100 strolls: Gini %.3f; markets %v of %d", g, markets, 100*limit)
	if g > 0.2 {
		t.Errorf("Gini %.3f > 0.2", g)
	}
	for m, n := range markets {
		share := float64(n) / float64(100*limit)
		if share < 0.9/3 || share > 1.1/3 {
			t.Errorf("market %d: %.3f of the first pages, its share of stalls is 1/3", m, share)
		}
	}
}

// Markets of very different sizes: each shows in proportion to its stalls,
// and none twice in a row while the biggest holds at most half the stalls.
func TestWorldUnevenMarkets(t *testing.T) {
	sizes := []int{240, 120, 60, 40, 20, 12, 5, 3}
	var ms [][]Entry
	total := 0
	for i, n := range sizes {
		ms = append(ms, Synthetic(n, n*4, uint64(i+10), now))
		total += n
	}
	ix := NewIndex(worldOf(ms...), now)
	limit := 60
	counts := map[int64]int{}
	reps := 0
	for s := range uint64(200) {
		page := ix.Page(s, 0, limit)
		reps += marketRepeats(page)
		for _, e := range page {
			counts[e.Market]++
		}
	}
	if reps != 0 {
		t.Errorf("%d same-market neighbours on first pages", reps)
	}
	for m, n := range sizes {
		want := float64(n) / float64(total)
		got := float64(counts[int64(m)]) / float64(200*limit)
		if got < want*0.9-0.002 || got > want*1.1+0.002 {
			t.Errorf("market %d (%d stalls): %.4f of first pages, share %.4f", m, n, got, want)
		}
	}
}

// The market order of a round never puts a market twice in a row, nor
// last when it came first (the round is rotated), whenever no market has
// more than half the slots; and every market gets exactly its slots.
func TestMarketOrderLayout(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 3000 {
		m := 2 + rng.IntN(7)
		alleyMarket := make([]int32, m)
		var keys []slot
		counts := make([]int, m)
		for a := range m {
			alleyMarket[a] = int32(a)
			n := 1 + rng.IntN(1+rng.IntN(30))
			counts[a] = n
			for i := range n {
				keys = append(keys, slot{alley: int32(a), rank: int32(i), n: int32(n)})
			}
		}
		rng.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
		dst := make([]slot, len(keys))
		newMarketOrder(m).layout(keys, alleyMarket, dst)
		got := make([]int, m)
		maxCount := 0
		for _, c := range counts {
			maxCount = max(maxCount, c)
		}
		adj := 0
		for i, s := range dst {
			got[s.alley]++
			if s.alley == dst[(i+1)%len(dst)].alley && len(dst) > 1 {
				adj++
			}
		}
		for a := range counts {
			if got[a] != counts[a] {
				t.Fatalf("trial %d: market %d got %d slots, has %d", trial, a, got[a], counts[a])
			}
		}
		if 2*maxCount <= len(dst) && adj != 0 {
			t.Fatalf("trial %d: counts %v: %d neighbours of one market in %v", trial, counts, adj, dst)
		}
	}
}

// An index of one market (any Market id) strolls exactly as before the
// market level existed: the market never changes the walk.
func TestOneMarketUnchanged(t *testing.T) {
	es := Synthetic(200, 1600, 42, now)
	moved := make([]Entry, len(es))
	for i, e := range es {
		e.Market = 7
		moved[i] = e
	}
	a, b := NewIndex(es, now), NewIndex(moved, now)
	for p := range 30 {
		pa, pb := a.Page(99, p, 60), b.Page(99, p, 60)
		for i := range pa {
			if pa[i].Item != pb[i].Item || pb[i].Market != 7 {
				t.Fatalf("page %d position %d: %+v vs %+v", p, i, pa[i], pb[i])
			}
		}
	}
}

// benchWorld is a world of about 1M catalogue items: a local market of 200
// stalls and `linked` markets sharing the catalogue.
func benchWorld(linked int) *Index {
	benchMu.Lock()
	defer benchMu.Unlock()
	k := [2]int{-1, linked}
	if ix, ok := benchIndex[k]; ok {
		return ix
	}
	ms := [][]Entry{Synthetic(200, 2000, 1, now)}
	for i := range linked {
		ms = append(ms, Synthetic(10_000/linked, 1_000_000/linked, uint64(i+2), now))
	}
	ix := NewIndex(worldOf(ms...), now)
	benchIndex[k] = ix
	return ix
}

// BenchmarkWorldPage is one page of 48 of the world stroll over the local
// market and 1 or 20 linked markets holding 1M catalogue items between
// them: the cost of a page does not depend on the number of markets.
func BenchmarkWorldPage(b *testing.B) {
	for _, linked := range []int{1, 20} {
		b.Run(fmt.Sprintf("linked=%d", linked), func(b *testing.B) {
			ix := benchWorld(linked)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if len(ix.Page(uint64(i), i%50, 48)) != 48 {
					b.Fatal("short page")
				}
			}
		})
	}
}

// Random small worlds (2–6 markets of 1–40 stalls): the first round of a
// lap (one item of every stall) never shows one market twice in a row when
// no market holds more than half the stalls, and no stall ever shows twice
// in a row when no stall holds more than half the items.
func TestRandomWorlds(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	checked := 0
	for range 600 {
		var ms [][]Entry
		stalls, biggest := 0, 0
		for range 2 + rng.IntN(5) {
			n := 1 + rng.IntN(40)
			ms = append(ms, Synthetic(n, n+rng.IntN(4*n), rng.Uint64(), now))
			stalls += n
			biggest = max(biggest, n)
		}
		ix := NewIndex(worldOf(ms...), now)
		seed := rng.Uint64()
		first := stroll(ix, seed, stalls/60+1, 60)[:stalls]
		if 2*biggest <= stalls {
			checked++
			if r := marketRepeats(first); r != 0 {
				t.Errorf("seed %d, markets of %d stalls (biggest %d): %d same-market neighbours in the first round", seed, stalls, biggest, r)
			}
		}
		if st, _ := repeats(first); st != 0 && 2*ix.stalls[0].n <= ix.Len() {
			t.Errorf("seed %d: %d same-stall neighbours", seed, st)
		}
	}
	t.Logf("%d worlds checked", checked)
}

// A small market beside a dominant one (2 % of the stalls) is spread over
// the whole round, not bunched at its start: every page of 48 has about
// one of its items.
func TestSmallMarketBesideABigOne(t *testing.T) {
	ix := NewIndex(worldOf(Synthetic(200, 400, 1, now), Synthetic(10_000, 20_000, 2, now)), now)
	pages, with := 0, 0
	for s := range uint64(60) {
		for p := range 4 {
			small := 0
			for _, e := range ix.Page(s, p, 48) {
				if e.Market == 0 {
					small++
				}
			}
			pages++
			if small > 0 {
				with++
			}
			if small > 3 {
				t.Fatalf("seed %d page %d: %d items of the small market", s, p, small)
			}
		}
	}
	if with < pages*3/4 {
		t.Fatalf("only %d of %d pages show the small market (2 %% of stalls: about one item a page)", with, pages)
	}
}
