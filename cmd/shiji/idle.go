package main

import (
	"context"
	"log/slog"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// idleAllocBytes is how little the Go heap may allocate in one look of
// trimWhenIdle for the node to count as idle: its background work (the
// wanderer count, the delivery queue) allocates far less, one page for a
// visitor about 100 KB.
const idleAllocBytes = 4 << 20

// trimWhenIdle gives memory back to the system while nobody uses the node:
// every period it reads how much the Go heap allocated since the last look,
// and after two quiet looks in a row (once per quiet spell) it returns the
// heap's free pages (debug.FreeOSMemory) and the binary's resident pages
// (pageOutStartupCode). A visitor after that costs a few page faults. It
// returns when ctx ends.
func trimWhenIdle(ctx context.Context, period time.Duration, logger *slog.Logger) {
	sample := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	read := func() uint64 {
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return sample[0].Value.Uint64()
	}
	t := time.NewTicker(period)
	defer t.Stop()
	last, quiet, trimmed := read(), 0, false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := read()
		if now-last < idleAllocBytes {
			quiet++
		} else {
			quiet, trimmed = 0, false
		}
		last = now
		if quiet >= 2 && !trimmed {
			debug.FreeOSMemory()
			n := pageOutStartupCode()
			logger.Debug("idle: memory given back", "binary_mib", n>>20)
			trimmed = true
			last = read() // FreeOSMemory's collection allocates nothing, but be exact
		}
	}
}
