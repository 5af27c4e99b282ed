package wander

import (
	"slices"
	"testing"
)

// 5. Something unplanned.
func TestSurpriseSmall(t *testing.T) {
	e := func(item, stall, alley int64, band int8) Entry {
		return Entry{Item: item, Stall: stall, Alley: alley, PriceBand: band, Listed: now}
	}
	es := []Entry{
		e(1, 10, 1, 1), e(2, 10, 1, 1), e(3, 10, 2, 1), // the stall the visitor is at
		e(4, 11, 1, 3), // same alley, other band
		e(5, 12, 2, 1), // other alley, same band
		e(6, 13, 3, 2), // other alley, other band, but seen
		e(7, 14, 3, 0), // other alley, other band, not seen: the one
		e(8, 15, 1, 1), // same alley, same band
	}
	ix := NewIndex(es, now)
	from := es[0]
	for seed := range uint64(50) {
		got, ok := ix.Surprise(seed, &from, []int64{10, 13})
		if !ok || got.Item != 7 {
			t.Fatalf("seed %d: Surprise = %+v, %v; want item 7", seed, got, ok)
		}
	}
	// With stall 14 seen too, the score decides: other alley + unseen stall
	// (4+3) beats other alley + other band in a seen stall (4+2).
	for seed := range uint64(50) {
		got, _ := ix.Surprise(seed, &from, []int64{10, 13, 14})
		if got.Item != 5 {
			t.Fatalf("seed %d: Surprise = %+v, want item 5", seed, got)
		}
	}
	// Every stall seen: other alley and other band win.
	for seed := range uint64(50) {
		got, _ := ix.Surprise(seed, &from, []int64{10, 11, 12, 13, 14, 15})
		if got.Alley == from.Alley || got.PriceBand == from.PriceBand || got.Stall == from.Stall {
			t.Fatalf("seed %d: Surprise = %+v", seed, got)
		}
	}
	// Only the visitor's alley and band elsewhere: still never its stall.
	same := NewIndex([]Entry{e(1, 10, 1, 1), e(2, 10, 1, 1), e(3, 11, 1, 1)}, now)
	for seed := range uint64(20) {
		if got, _ := same.Surprise(seed, &from, nil); got.Stall != 11 {
			t.Fatalf("seed %d: Surprise = %+v, want stall 11", seed, got)
		}
	}
	// Equally good candidates: the seed chooses.
	picks := map[int64]bool{}
	for seed := range uint64(50) {
		got, _ := ix.Surprise(seed, nil, nil)
		picks[got.Item] = true
	}
	if len(picks) < 4 {
		t.Errorf("50 seeds picked only %d different items", len(picks))
	}
	// No from: any unseen stall.
	for seed := range uint64(20) {
		got, ok := ix.Surprise(seed, nil, []int64{10, 11, 12, 13, 15})
		if !ok || got.Stall != 14 {
			t.Fatalf("seed %d: Surprise(nil from) = %+v", seed, got)
		}
	}
}

func TestSurpriseMarket(t *testing.T) {
	ix := market()
	walk := stroll(ix, 3, 4, 24)
	picked := map[int64]bool{}
	for seed := range uint64(300) {
		from := walk[seed%uint64(len(walk))]
		var seen []int64
		for _, e := range walk[:seed%40] { // a seen list of up to 40 stalls
			seen = append(seen, e.Stall)
		}
		got, ok := ix.Surprise(seed, &from, seen)
		if !ok {
			t.Fatal("not ok")
		}
		if got.Alley == from.Alley || got.PriceBand == from.PriceBand || got.Stall == from.Stall || slices.Contains(seen, got.Stall) {
			t.Fatalf("seed %d: from %+v, seen %v: Surprise = %+v", seed, from, seen, got)
		}
		again, _ := ix.Surprise(seed, &from, seen)
		if again != got {
			t.Fatalf("seed %d: not deterministic", seed)
		}
		picked[got.Item] = true
	}
	t.Logf("300 surprises picked %d different items", len(picked))
	if len(picked) < 200 {
		t.Errorf("surprises are not varied: %d different items in 300", len(picked))
	}
}
