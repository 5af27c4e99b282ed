package data

import (
	"context"
	"database/sql"
	"sync"
)

// A Rider is a write that goes into the first write transaction made with a
// context (issue 14): the inbox's de-duplication mark of an activity rides
// with the activity's own write, so that the two commit together or not at
// all, and an activity costs the writer one transaction instead of two.
//
// The first write made with a context carrying an open Rider runs the
// rider's fn first, in the same transaction (and savepoint) as its own fn;
// if fn fails, the write fails with fn's error and nothing of it is kept.
// Once a write carrying it has committed, the Rider is done and later
// writes go without it; a write that failed leaves it waiting for the next.
// Close stops it riding. fn must do nothing but run statements on tx: like
// a pure write's (WritePure), it may run more than once.
type Rider struct {
	fn func(tx *sql.Tx) error

	mu      sync.Mutex
	state   riderState
	lastErr error // what fn (or its write) failed with last
}

type riderState int

const (
	riderWaiting riderState = iota // rides with the next write
	riderRiding                    // in a write that has not returned yet
	riderDone                      // committed
	riderClosed                    // closed before it committed
)

type riderKey struct{}

// WithRider returns a context whose first write transaction also runs fn
// (before the write's own work), and the Rider to Close afterwards.
func WithRider(ctx context.Context, fn func(tx *sql.Tx) error) (context.Context, *Rider) {
	r := &Rider{fn: fn}
	return context.WithValue(ctx, riderKey{}, r), r
}

// Close stops the rider from riding with later writes and reports whether
// it committed (with some write made before). It waits for nothing: call it
// once the writes made for the context have returned.
func (r *Rider) Close() (committed bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.state != riderDone {
		r.state = riderClosed
	}
	return r.state == riderDone
}

// Err is what the rider's fn failed with in the last write that carried it,
// or nil.
func (r *Rider) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lastErr
}

// board returns the rider of ctx if it is waiting, marking it riding.
func board(ctx context.Context) *Rider {
	r, _ := ctx.Value(riderKey{}).(*Rider)
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.state != riderWaiting {
		return nil
	}
	r.state = riderRiding
	return r
}

// wrap returns fn preceded by the rider's fn.
func (r *Rider) wrap(fn func(tx *sql.Tx) error) func(tx *sql.Tx) error {
	return func(tx *sql.Tx) error {
		if err := r.fn(tx); err != nil {
			r.mu.Lock()
			r.lastErr = err
			r.mu.Unlock()
			return err
		}
		return fn(tx)
	}
}

// alight records how the write that carried the rider ended.
func (r *Rider) alight(committed bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case committed:
		r.state = riderDone
	case r.state == riderRiding:
		r.state = riderWaiting
	}
}
