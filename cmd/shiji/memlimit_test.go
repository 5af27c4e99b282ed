package main

import "testing"

// A small market keeps the fixed limit; a large one gets room for its heap
// to double beside the caches, so the collector does not run without pause.
func TestMemoryLimitGrowsWithTheMarket(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct{ live, cache, want int64 }{
		{5 * mib, 10 * mib, 54 * mib},   // 10,000 items: the fixed limit
		{14 * mib, 10 * mib, 54 * mib},  // the fixed limit still holds twice the heap
		{60 * mib, 10 * mib, 146 * mib}, // 1,000,000 items
		{60 * mib, -1, 136 * mib},       // caches off
		{0, -1, 44 * mib},
	} {
		if got := memoryLimit(c.live, c.cache); got != c.want {
			t.Errorf("memoryLimit(%d MiB, %d) = %d MiB, want %d MiB", c.live/mib, c.cache, got/mib, c.want/mib)
		}
	}
}
