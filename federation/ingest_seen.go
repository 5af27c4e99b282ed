package federation

import (
	"context"
	"fmt"
	"hash/maphash"
	"sync"
	"sync/atomic"
)

// seenFilter answers "never taken in" for most new activities from memory,
// so that the repeat check costs no reader (issue 14: the check on a reader
// was a tenth of an activity's CPU time in BenchmarkIngestVsVerify). It is a
// Bloom filter of the ids in ap_inbox_seen: built from the table in the
// background when the inbox starts and after each pruning, and given every
// id the inbox marks. "Maybe" sends the question to the database as
// before, so a repeat is still found before any work. The filter is never what keeps an activity
// from being stored twice: the mark riding with the activity's first write
// does that (seenRider); an id the filter missed (marked by another process,
// or while the filter was rebuilt) only costs that activity's work before
// its write fails on the mark.
type seenFilter struct {
	mu   sync.Mutex // held while the filter is replaced
	cur  atomic.Pointer[bloom]
	next atomic.Pointer[bloom] // being built by rebuild, given new ids too

	built chan struct{} // closed once the first build (at start-up) has ended
}

// bloom is a Bloom filter of seenHashes probes per id; its words are set
// with atomic operations, so adds and tests need no lock.
type bloom struct {
	words []atomic.Uint64
	mask  uint64 // bits - 1 (a power of two)
}

const (
	seenHashes      = 7
	seenBitsPerID   = 10
	seenMinCapacity = 1 << 16
)

var seenSeed = maphash.MakeSeed()

// newBloom is a filter for capacity ids at about 1 % false "maybe".
func newBloom(capacity int64) *bloom {
	capacity = max(capacity, seenMinCapacity)
	bits := uint64(64)
	for bits < uint64(capacity)*seenBitsPerID {
		bits <<= 1
	}
	return &bloom{words: make([]atomic.Uint64, bits/64), mask: bits - 1}
}

// probes returns the two hashes the probes are made of (double hashing).
func probes(id string) (uint64, uint64) {
	h := maphash.String(seenSeed, id)
	return h, (h>>32 | h<<32) | 1
}

func (b *bloom) add(id string) {
	h1, h2 := probes(id)
	for i := uint64(0); i < seenHashes; i++ {
		bit := (h1 + i*h2) & b.mask
		w := &b.words[bit/64]
		m := uint64(1) << (bit % 64)
		for {
			old := w.Load()
			if old&m != 0 || w.CompareAndSwap(old, old|m) {
				break
			}
		}
	}
}

func (b *bloom) has(id string) bool {
	h1, h2 := probes(id)
	for i := uint64(0); i < seenHashes; i++ {
		bit := (h1 + i*h2) & b.mask
		if b.words[bit/64].Load()&(uint64(1)<<(bit%64)) == 0 {
			return false
		}
	}
	return true
}

// never reports whether id was certainly never marked (false: ask the
// database). Without a filter yet, everything is "ask".
func (s *seenFilter) never(id string) bool {
	b := s.cur.Load()
	return b != nil && !b.has(id)
}

// add records an id marked, once its mark has committed. A rebuild that
// began before has it through next; one that begins after reads the mark
// from the table.
func (s *seenFilter) add(id string) {
	if b := s.cur.Load(); b != nil {
		b.add(id)
	}
	if b := s.next.Load(); b != nil {
		b.add(id)
	}
}

// rebuild reads every id of ap_inbox_seen into a new filter (sized for
// twice as many) and puts it in place of the old one; ids marked while it
// reads go into both.
func (f *Federation) rebuildSeen(ctx context.Context) error {
	s := &f.seen
	s.mu.Lock()
	defer s.mu.Unlock()
	var rows int64
	if err := f.db.QueryRow(ctx, `SELECT count(*) FROM ap_inbox_seen`).Scan(&rows); err != nil {
		return fmt.Errorf("federation: seen ids: %w", err)
	}
	b := newBloom(2 * rows)
	s.next.Store(b)
	defer s.next.Store(nil)
	rs, err := f.db.Query(ctx, `SELECT id FROM ap_inbox_seen`)
	if err != nil {
		return fmt.Errorf("federation: seen ids: %w", err)
	}
	defer rs.Close()
	var id string
	for rs.Next() {
		if err := rs.Scan(&id); err != nil {
			return fmt.Errorf("federation: seen ids: %w", err)
		}
		b.add(id)
	}
	if err := rs.Err(); err != nil {
		return fmt.Errorf("federation: seen ids: %w", err)
	}
	s.cur.Store(b)
	return nil
}
