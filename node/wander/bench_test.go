package wander

import (
	"fmt"
	"sync"
	"testing"
)

// benchMarkets are the synthetic markets of the benchmarks, built once per
// process: about 100 items per stall (10k items in 100 stalls, 100k in
// 1,000, 1M in 10,000), plus 1M items in only 1,000 stalls to show that
// neither count drives the cost of a page.
var benchMarkets = []struct{ items, stalls int }{
	{10_000, 100},
	{100_000, 1_000},
	{1_000_000, 10_000},
	{1_000_000, 1_000},
}

var (
	benchMu    sync.Mutex
	benchIndex = map[[2]int]*Index{}
)

func benchMarket(items, stalls int) *Index {
	benchMu.Lock()
	defer benchMu.Unlock()
	k := [2]int{items, stalls}
	if ix, ok := benchIndex[k]; ok {
		return ix
	}
	ix := NewIndex(Synthetic(stalls, items, 1, now), now)
	benchIndex[k] = ix
	return ix
}

// BenchmarkStrollPage computes one page (limit 24) per iteration, at a
// different seed and page (page = i % 50) each time. The index is built
// outside the timer.
func BenchmarkStrollPage(b *testing.B) {
	for _, m := range benchMarkets {
		b.Run(fmt.Sprintf("items=%d/stalls=%d", m.items, m.stalls), func(b *testing.B) {
			ix := benchMarket(m.items, m.stalls)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if len(ix.Page(uint64(i), i%50, 24)) != 24 {
					b.Fatal("short page")
				}
			}
		})
	}
}

// BenchmarkStrollPageDeep asks for pages deep into the lap, where the
// biggest stalls' folded turns are.
func BenchmarkStrollPageDeep(b *testing.B) {
	ix := benchMarket(100_000, 1_000)
	last := ix.Len()/24 - 1
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		ix.Page(uint64(i), last-i%500, 24)
	}
}

func BenchmarkNewIndex(b *testing.B) {
	es := Synthetic(1_000, 100_000, 1, now)
	b.ReportAllocs()
	for b.Loop() {
		NewIndex(es, now)
	}
}

func BenchmarkMix(b *testing.B) {
	local := benchMarket(100_000, 1_000)
	remote := benchMarket(10_000, 100)
	sources := []Source{{Index: local, Share: 0.8}, {Name: "remote", Index: remote, Share: 0.2}}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		Mix(uint64(i), i%50, 24, sources...)
	}
}

func BenchmarkSurprise(b *testing.B) {
	ix := benchMarket(1_000_000, 10_000)
	page := ix.Page(1, 0, 24)
	seen := make([]int64, 0, len(page))
	for _, e := range page {
		seen = append(seen, e.Stall)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		ix.Surprise(uint64(i), &page[i%len(page)], seen)
	}
}
