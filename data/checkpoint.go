package data

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"sync/atomic"
)

// checkpointer copies the WAL back into the database file on a connection
// of its own, off the writer's path (issue 14). SQLite's automatic
// checkpoint runs inside the COMMIT that crosses wal_autocheckpoint, with
// the writer held: in BenchmarkIngestVsVerify such a commit took up to
// 112 ms (the copy and its fsyncs) while every write waiting behind it, and
// the requests they answer, stood still. The writer connection runs with
// wal_autocheckpoint(0); every checkpointEvery commits, the writer wakes
// this goroutine, which runs a PASSIVE checkpoint: it copies what no reader
// still needs and waits for nobody, and the writer goes on appending to the
// WAL meanwhile. SQLite still checkpoints (and removes the WAL) when the
// last connection closes.
type checkpointer struct {
	db      *sql.DB // one connection, not the writer's, not query_only
	wake    chan struct{}
	stop    context.CancelFunc
	done    chan struct{} // closed when the goroutine has returned
	commits atomic.Int64  // commits since the last wake

	mu      sync.Mutex
	runs    int64         // checkpoints run
	lastErr error         // what the last checkpoint failed with, or nil
	log     int64         // frames in the WAL at the last checkpoint
	copied  int64         // frames of it copied into the database
	ran     chan struct{} // closed (and replaced) when a checkpoint has run
}

// checkpointEvery is how many commits go by between checkpoints: with the
// ingest's commits (a few pages each) about SQLite's default of 1000 pages.
const checkpointEvery = 64

// startCheckpointer opens the checkpointer's connection with dsn and
// starts its goroutine.
func startCheckpointer(dsn string) (*checkpointer, error) {
	c, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	c.SetMaxOpenConns(1)
	c.SetMaxIdleConns(1)
	c.SetConnMaxLifetime(0)
	ctx, cancel := context.WithCancel(context.Background())
	cp := &checkpointer{db: c, wake: make(chan struct{}, 1), stop: cancel, done: make(chan struct{}), ran: make(chan struct{})}
	go cp.run(ctx)
	return cp, nil
}

// committed counts a commit of the writer, waking the goroutine every
// checkpointEvery commits. It never waits.
func (cp *checkpointer) committed() {
	if cp != nil && cp.commits.Add(1) >= checkpointEvery {
		cp.soon()
	}
}

// soon wakes the goroutine now, after a large transaction (a migration,
// a bulk load).
func (cp *checkpointer) soon() {
	if cp == nil {
		return
	}
	cp.commits.Store(0)
	select {
	case cp.wake <- struct{}{}:
	default: // one is already due
	}
}

func (cp *checkpointer) run(ctx context.Context) {
	defer close(cp.done)
	for {
		select {
		case <-ctx.Done():
			return
		case <-cp.wake:
			cp.checkpoint(ctx)
		}
	}
}

// checkpoint runs one PASSIVE checkpoint and records how it went.
func (cp *checkpointer) checkpoint(ctx context.Context) error {
	var busy, log, copied int64
	err := cp.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &log, &copied)
	if err != nil {
		err = fmt.Errorf("data: checkpoint: %w", err)
	}
	cp.mu.Lock()
	defer cp.mu.Unlock()
	cp.runs++
	cp.lastErr = err
	if err == nil {
		cp.log, cp.copied = log, copied
	}
	close(cp.ran)
	cp.ran = make(chan struct{})
	return err
}

// waitRuns waits until n checkpoints have run, or ctx ends.
func (cp *checkpointer) waitRuns(ctx context.Context, n int64) error {
	for {
		cp.mu.Lock()
		runs, ran := cp.runs, cp.ran
		cp.mu.Unlock()
		if runs >= n {
			return nil
		}
		select {
		case <-ran:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// close stops the goroutine, waits for it and closes its connection.
func (cp *checkpointer) close() error {
	if cp == nil {
		return nil
	}
	cp.stop()
	<-cp.done
	return cp.db.Close()
}

// CheckpointStats is what the background checkpointer has done: how many
// checkpoints it ran, what the last one failed with (nil if it did not),
// and the WAL's frames at the last one that ran and how many of them it
// copied into the database.
type CheckpointStats struct {
	Runs         int64
	LastErr      error
	WALFrames    int64
	CopiedFrames int64
}

// Checkpoints reports the background checkpointer's work.
func (db *DB) Checkpoints() CheckpointStats {
	cp := db.ckpt
	if cp == nil {
		return CheckpointStats{}
	}
	cp.mu.Lock()
	defer cp.mu.Unlock()
	return CheckpointStats{Runs: cp.runs, LastErr: cp.lastErr, WALFrames: cp.log, CopiedFrames: cp.copied}
}
