package data

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
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
type groupWriter struct {
	mu      sync.Mutex
	queue   []*writeReq
	leading bool

	batches, writes atomic.Int64 // batches run and the writes in them
}

// WriteBatches reports how many batches the group writer has run and how
// many writes they held: writes/batches is how many writes a commit takes
// on average.
func (db *DB) WriteBatches() (batches, writes int64) {
	return db.group.batches.Load(), db.group.writes.Load()
}

type writeReq struct {
	ctx   context.Context
	fn    func(tx *sql.Tx) error
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
	if r := board(ctx); r != nil { // a write riding along (rider.go)
		fn = r.wrap(fn)
		defer func() { r.alight(false) }() // a no-op once it has committed
		err := db.enqueue(ctx, fn)
		if err == nil {
			r.alight(true)
		}
		return err
	}
	return db.enqueue(ctx, fn)
}

// enqueue runs fn through the group writer.
func (db *DB) enqueue(ctx context.Context, fn func(tx *sql.Tx) error) error {
	req := &writeReq{ctx: ctx, fn: fn, done: make(chan struct{}), lead: make(chan struct{})}
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
func (db *DB) runBatch(batch []*writeReq) {
	defer func() {
		for _, r := range batch {
			close(r.done)
		}
	}()
	// The transaction is everyone's: a caller's context ends only its own
	// statements, not the transaction.
	tx, err := db.w.BeginTx(context.Background(), nil)
	if err != nil {
		for _, r := range batch {
			r.err = fmt.Errorf("data: begin: %w", err)
		}
		return
	}
	defer tx.Rollback()
	db.batch.Store(&batchStmts{tx: tx})
	defer db.batch.Store(nil) // before Rollback: its statements end with tx
	ok := 0
	for _, r := range batch {
		if r.err = r.ctx.Err(); r.err != nil {
			continue
		}
		if len(batch) == 1 {
			r.err = r.call(tx)
		} else {
			r.err = db.inSavepoint(tx, r)
		}
		if r.err == nil && r.panic == nil {
			ok++
		}
	}
	if ok == 0 {
		return
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
