package limits

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Buckets is a token bucket per key (an account, an address, a host), all
// with one Rate; a key idle for ten minutes is forgotten, so memory stays
// bounded by the keys active in that time. Safe for concurrent use.
type Buckets struct {
	rate  Rate
	mu    sync.Mutex
	m     map[string]*bucket
	swept time.Time
}

type bucket struct {
	l    *rate.Limiter
	seen time.Time
}

// NewBuckets returns the buckets of r. A Rate with Every 0 never limits.
func NewBuckets(r Rate) *Buckets { return &Buckets{rate: r, m: map[string]*bucket{}} }

// idle is how long an unused bucket is kept (a full one is the same as a new one after that).
const idle = 10 * time.Minute

// Reserve takes one token of key's bucket at now. It returns 0 and a
// function that gives the token back (for a write refused by another
// bucket), or, when the bucket is empty, takes nothing and returns how long
// until a token is there (at least a second, for Retry-After).
func (b *Buckets) Reserve(key string, now time.Time) (wait time.Duration, undo func()) {
	if b == nil || b.rate.Every == 0 {
		return 0, func() {}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if now.Sub(b.swept) > time.Minute {
		for k, x := range b.m {
			if now.Sub(x.seen) > idle {
				delete(b.m, k)
			}
		}
		b.swept = now
	}
	x := b.m[key]
	if x == nil {
		x = &bucket{l: rate.NewLimiter(rate.Every(b.rate.Every), b.rate.Burst)}
		b.m[key] = x
	}
	x.seen = now
	r := x.l.ReserveN(now, 1)
	if !r.OK() {
		return time.Minute, nil
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return max(d, time.Second), nil
	}
	return 0, func() {
		b.mu.Lock()
		r.CancelAt(now)
		b.mu.Unlock()
	}
}

// Len is how many keys have a bucket now.
func (b *Buckets) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.m)
}

// Set is the buckets of every rate of a Config, by name.
type Set map[string]*Buckets

// NewSet makes the buckets of every rate in c.
func NewSet(c Config) Set {
	s := Set{}
	for k, r := range c.Rates {
		s[k] = NewBuckets(r)
	}
	return s
}

// Take takes one token for each (bucket name, key) pair, all or none: it
// returns 0 when every bucket had one, else the longest wait and takes
// nothing. Unknown names and empty keys are skipped.
func (s Set) Take(now time.Time, pairs ...[2]string) time.Duration {
	var undo []func()
	var wait time.Duration
	for _, p := range pairs {
		b := s[p[0]]
		if b == nil || p[1] == "" {
			continue
		}
		w, u := b.Reserve(p[1], now)
		if w > 0 {
			wait = max(wait, w)
			continue
		}
		undo = append(undo, u)
	}
	if wait > 0 {
		for _, u := range undo {
			u()
		}
	}
	return wait
}
