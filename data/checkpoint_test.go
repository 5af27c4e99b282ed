package data

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The writer's commits do not checkpoint (wal_autocheckpoint is 0 on its
// connection); the checkpointer does, on its own connection, every
// checkpointEvery commits: every write stays readable while it copies the
// WAL, and all are there after the database is closed and opened again.
// Close stops the checkpointer's goroutine and returns only once it has.
func TestCheckpointerNeverLosesAWriteAndStopsWithTheDB(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "shiji.db")
	db, err := Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	var auto int
	if err := db.w.QueryRowContext(ctx, `PRAGMA wal_autocheckpoint`).Scan(&auto); err != nil || auto != 0 {
		t.Fatalf("writer's wal_autocheckpoint = %d, %v; want 0 (checkpoints off the commit path)", auto, err)
	}
	if err := db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`CREATE TABLE c (n INTEGER PRIMARY KEY, body TEXT NOT NULL)`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	body := strings.Repeat("a page of text ", 300) // ~4.5 KB a row: more than a page
	const writes = 20 * checkpointEvery
	for i := 0; i < writes; i++ {
		if err := db.Write(ctx, func(tx *sql.Tx) error {
			_, err := tx.Exec(`INSERT INTO c(n, body) VALUES (?, ?)`, i, body)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		var n int // each write is read at once, checkpoint or not
		if err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM c WHERE n = ?`, i).Scan(&n); err != nil || n != 1 {
			t.Fatalf("write %d read back %d times, %v", i, n, err)
		}
	}
	// The checkpointer was woken writes/checkpointEvery times; it runs
	// at least once (a bound on the wait, not a timing: it fails the test
	// only if the goroutine never runs).
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := db.ckpt.waitRuns(wctx, 1); err != nil {
		t.Fatalf("no checkpoint after %d commits: %v", writes, err)
	}
	// One more, woken now, copies what the writes left in the WAL.
	runs := db.Checkpoints().Runs
	db.ckpt.soon()
	if err := db.ckpt.waitRuns(wctx, runs+1); err != nil {
		t.Fatal(err)
	}
	if st := db.Checkpoints(); st.LastErr != nil || st.WALFrames == 0 || st.CopiedFrames != st.WALFrames {
		t.Fatalf("checkpointer: %+v; want the whole WAL copied", st)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-db.ckpt.done:
	default:
		t.Fatal("Close returned with the checkpointer's goroutine still running")
	}
	if _, err := os.Stat(path + "-wal"); !os.IsNotExist(err) {
		t.Fatalf("WAL file after Close: %v; want it checkpointed and removed", err)
	}

	db, err = Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n, sum int
	if err := db.r.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(length(body) = ?), 0) FROM c`, len(body)).Scan(&n, &sum); err != nil {
		t.Fatal(err)
	}
	if n != writes || sum != writes {
		t.Fatalf("after reopening: %d rows (%d whole), want %d", n, sum, writes)
	}
}
