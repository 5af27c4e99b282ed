package data

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// groupWriter commits the write transactions that wait for the single
// writer connection together (group commit): whoever finds nobody writing
// leads, takes every write queued by then and runs them in one transaction,
// each inside a savepoint of its own, so that one failing changes nothing
// of its own and nothing of the others; then it hands the lead to the first
// of those that queued meanwhile. Each write still sees the ones before it
// and returns only once its transaction has committed. A write alone runs
// as before, in a transaction of its own.
//
// Pure writes (WritePure: fn does nothing but its statements on tx) go
// first in a batch and without a savepoint each (three statements a write,
// a quarter of the inbox's time in the writer, issue 14). If one of them
// fails, the whole transaction is undone and the batch runs again the
// careful way, every write in its savepoint: the pure ones run twice, which
// they allow; the others run once, as they always do.
type groupWriter struct {
	mu      sync.Mutex
	queue   []*writeReq
	leading bool

	batches, writes atomic.Int64 // batches run and the writes in them
	reruns          atomic.Int64 // batches undone and run again with savepoints
}

// WriteBatches reports how many batches the group writer has run, how
// many writes they held (writes/batches is how many writes a commit takes
// on average) and how many were undone and run again with savepoints
// because a pure write in them failed.
func (db *DB) WriteBatches() (batches, writes, reruns int64) {
	return db.group.batches.Load(), db.group.writes.Load(), db.group.reruns.Load()
}

type writeReq struct {
	ctx   context.Context
	fn    func(tx *sql.Tx) error
	pure  bool // fn only runs statements on tx: it may run again
	err   error
	panic any           // what fn panicked with, raised again in its caller
	done  chan struct{} // closed when the write has committed or failed
	lead  chan struct{} // closed when this caller is to lead the next batch
}

// maxBatch bounds how many writes one transaction takes.
const maxBatch = 256

// write runs fn in a write transaction on the single writer (BEGIN
// IMMEDIATE), possibly shared with other writes waiting at the same time;
// fn's changes commit together or not at all, and nil means they have.
func (db *DB) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return db.writeReq(ctx, fn, false)
}

// writeReq is write, for a pure fn (see groupWriter) or not. A rider's fn
// is pure (rider.go).
func (db *DB) writeReq(ctx context.Context, fn func(tx *sql.Tx) error, pure bool) error {
	if r := board(ctx); r != nil { // a write riding along (rider.go)
		fn = r.wrap(fn)
		defer func() { r.alight(false) }() // a no-op once it has committed
		err := db.enqueue(ctx, fn, pure)
		if err == nil {
			r.alight(true)
		}
		return err
	}
	return db.enqueue(ctx, fn, pure)
}

// enqueue runs fn through the group writer.
func (db *DB) enqueue(ctx context.Context, fn func(tx *sql.Tx) error, pure bool) error {
	req := &writeReq{ctx: ctx, fn: fn, pure: pure, done: make(chan struct{}), lead: make(chan struct{})}
	g := &db.group
	g.mu.Lock()
	g.queue = append(g.queue, req)
	lead := !g.leading
	g.leading = true
	g.mu.Unlock()
	if !lead {
		select {
		case <-req.done:
		case <-req.lead:
			lead = true
		}
	}
	if lead {
		// Let writers that are about to queue do so first (no waiting:
		// only goroutines ready to run go before the batch is taken), so
		// that one commit takes more of them.
		runtime.Gosched()
		g.mu.Lock()
		n := min(len(g.queue), maxBatch)
		batch := g.queue[:n:n]
		g.queue = g.queue[n:]
		g.mu.Unlock()
		g.batches.Add(1)
		g.writes.Add(int64(n))
		db.runBatch(batch)
		g.mu.Lock()
		if len(g.queue) > 0 {
			close(g.queue[0].lead)
		} else {
			g.leading = false
		}
		g.mu.Unlock()
		<-req.done
	}
	if req.panic != nil {
		panic(req.panic)
	}
	return full(req.err) // a full disk (or database cap) is EFULL: nothing was written
}

// runBatch runs the writes in one transaction and tells each how it went.
// The pure writes go first, without savepoints; if one of them fails, the
// transaction is undone and the batch runs again with a savepoint for each.
func (db *DB) runBatch(batch []*writeReq) {
	defer func() {
		for _, r := range batch {
			close(r.done)
		}
	}()
	bare := 0 // the writes run without a savepoint of their own
	if len(batch) == 1 {
		bare = 1 // its failure is the transaction's: nothing to keep apart
	} else {
		// Concurrent writes have no order among them: any is theirs.
		slices.SortStableFunc(batch, func(a, b *writeReq) int {
			switch {
			case a.pure == b.pure:
				return 0
			case a.pure:
				return -1
			}
			return 1
		})
		for bare < len(batch) && batch[bare].pure {
			bare++
		}
	}
	if db.runTx(batch, bare) {
		return
	}
	db.group.reruns.Add(1)
	for _, r := range batch {
		r.err, r.panic = nil, nil
	}
	db.runTx(batch, 0)
}

// runTx runs the batch in one transaction, its first bare writes without
// savepoints, and commits what succeeded. It reports false, having undone
// everything and told nobody, when one of several bare writes failed: the
// batch is to run again with savepoints.
func (db *DB) runTx(batch []*writeReq, bare int) bool {
	// The transaction is everyone's: a caller's context ends only its own
	// statements, not the transaction.
	tx, err := db.w.BeginTx(context.Background(), nil)
	if err != nil {
		for _, r := range batch {
			r.err = fmt.Errorf("data: begin: %w", err)
		}
		return true
	}
	defer tx.Rollback()
	db.batch.Store(&batchStmts{tx: tx})
	defer db.batch.Store(nil) // before Rollback: its statements end with tx
	ok := 0
	for i, r := range batch {
		if r.err = r.ctx.Err(); r.err != nil {
			continue
		}
		if i < bare {
			r.err = r.call(tx)
			if (r.err != nil || r.panic != nil) && len(batch) > 1 {
				return false
			}
		} else {
			r.err = db.inSavepoint(tx, r)
		}
		if r.err == nil && r.panic == nil {
			ok++
		}
	}
	if ok == 0 {
		return true
	}
	v, err := db.txVersions(tx)
	if err == nil {
		err = tx.Commit()
		if err != nil {
			db.unpublished.Add(1) // it may have taken: the sessions kept are read again
			err = fmt.Errorf("data: commit: %w", err)
		}
	}
	for _, r := range batch {
		if r.err == nil && r.panic == nil && err != nil {
			r.err = err
		}
	}
	if err == nil {
		db.publish(v)
		db.ckpt.committed()
	}
	return true
}

// txVersions reads the counters in tx, through the writer's prepared
// statement.
func (db *DB) txVersions(tx *sql.Tx) (Versions, error) {
	st := db.txStmt(context.Background(), tx, versionsQuery)
	if st == nil {
		return readVersions(context.Background(), tx)
	}
	return scanVersions(st.QueryRow())
}

// The statements of a write's savepoint, prepared once (a batch runs them
// for every write in it).
const (
	sqlSavepoint  = `SAVEPOINT write`
	sqlRollbackTo = `ROLLBACK TO write`
	sqlRelease    = `RELEASE write`
)

// inSavepoint runs r's write inside a savepoint, undone if it fails.
func (db *DB) inSavepoint(tx *sql.Tx, r *writeReq) error {
	if _, err := db.Exec(context.Background(), tx, sqlSavepoint); err != nil {
		return fmt.Errorf("data: savepoint: %w", err)
	}
	err := r.call(tx)
	if err != nil || r.panic != nil {
		if _, rerr := db.Exec(context.Background(), tx, sqlRollbackTo); rerr != nil && err == nil {
			err = fmt.Errorf("data: rollback: %w", rerr)
		}
	}
	if _, rerr := db.Exec(context.Background(), tx, sqlRelease); rerr != nil && err == nil {
		err = fmt.Errorf("data: release: %w", rerr)
	}
	return err
}

// call runs fn, keeping a panic for the caller.
func (r *writeReq) call(tx *sql.Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			r.panic = p
		}
	}()
	return r.fn(tx)
}
