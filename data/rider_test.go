package data

import (
	"context"
	"database/sql"
	"errors"
	"testing"
)

// A rider goes into the first write made with its context and commits with
// it or not at all: a failed write leaves it waiting, the next write takes
// it, later writes and writes made after Close go without it.
func TestRiderCommitsWithItsWrite(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	exec := func(ctx context.Context, q string) error {
		return db.Write(ctx, func(tx *sql.Tx) error { _, err := tx.Exec(q); return err })
	}
	if err := exec(ctx, `CREATE TABLE marks (id TEXT PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	if err := exec(ctx, `CREATE TABLE notes (n INTEGER PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	count := func(q string) (n int) {
		t.Helper()
		if err := db.Read().QueryRow(q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	rctx, r := WithRider(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO marks(id) VALUES ('a')`)
		return err
	})
	failed := errors.New("the note's write fails")
	if err := db.Write(rctx, func(tx *sql.Tx) error {
		if _, err := tx.Exec(`INSERT INTO notes(n) VALUES (1)`); err != nil {
			return err
		}
		return failed
	}); !errors.Is(err, failed) {
		t.Fatalf("first write = %v, want its own error", err)
	}
	if count(`SELECT count(*) FROM marks`) != 0 || count(`SELECT count(*) FROM notes`) != 0 {
		t.Fatal("a failed write kept the rider's or its own rows")
	}
	if err := exec(rctx, `INSERT INTO notes(n) VALUES (2)`); err != nil {
		t.Fatal(err)
	}
	if err := exec(rctx, `INSERT INTO notes(n) VALUES (3)`); err != nil { // would fail on the mark's key if it rode again
		t.Fatal(err)
	}
	if !r.Close() {
		t.Error("Close = false after a write carrying the rider committed")
	}
	if got := count(`SELECT count(*) FROM marks`); got != 1 {
		t.Errorf("%d marks, want 1", got)
	}

	// A rider that fails fails its write; after Close it rides no more.
	rctx, r = WithRider(ctx, func(tx *sql.Tx) error { return errDup })
	if err := exec(rctx, `INSERT INTO notes(n) VALUES (4)`); !errors.Is(err, errDup) || !errors.Is(r.Err(), errDup) {
		t.Fatalf("write with a failing rider = %v (rider %v), want its error", err, r.Err())
	}
	if r.Close() {
		t.Error("Close = true although nothing committed")
	}
	if err := exec(rctx, `INSERT INTO notes(n) VALUES (5)`); err != nil {
		t.Fatalf("write after Close = %v", err)
	}
	if got := count(`SELECT count(*) FROM notes`); got != 3 {
		t.Errorf("%d notes, want 3 (2, 3 and 5)", got)
	}
}

var errDup = errors.New("seen before")
