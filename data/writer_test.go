package data

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
)

// Writes waiting for the writer commit together, each all or nothing: a
// failing one changes nothing, the others land, every caller hears only
// when its own write has committed, and a panic reaches its own caller.
func TestGroupCommit(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	if err := db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`CREATE TABLE g (n INTEGER PRIMARY KEY, who TEXT)`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	const writers = 64
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for i := 0; i < writers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs[i] = db.Write(ctx, func(tx *sql.Tx) error {
				if _, err := tx.Exec(`INSERT INTO g(n, who) VALUES (?, 'first')`, 1000+i); err != nil {
					return err
				}
				if i%5 == 0 { // half done, then fails: none of it may stay
					return fmt.Errorf("writer %d gives up", i)
				}
				_, err := tx.Exec(`INSERT INTO g(n, who) VALUES (?, 'second')`, 2000+i)
				return err
			})
			if errs[i] == nil { // committed: a reader sees it now
				var n int
				db.r.QueryRow(`SELECT count(*) FROM g WHERE n IN (?, ?)`, 1000+i, 2000+i).Scan(&n)
				if n != 2 {
					errs[i] = fmt.Errorf("writer %d returned before its rows were visible (%d)", i, n)
				}
			}
		}(i)
	}
	wg.Wait()
	for i, err := range errs {
		if (i%5 == 0) != (err != nil) || (err != nil && i%5 != 0) {
			t.Errorf("writer %d: %v", i, err)
		}
	}
	var rows, failed int
	db.r.QueryRow(`SELECT count(*), count(*) FILTER (WHERE (n % 1000) % 5 = 0) FROM g`).Scan(&rows, &failed)
	if want := 2 * (writers - (writers+4)/5); rows != want || failed != 0 {
		t.Fatalf("%d rows (%d of failed writers), want %d", rows, failed, want)
	}
	// A unique violation in one write leaves the others.
	var wg2 sync.WaitGroup
	var dup, fresh error
	wg2.Add(2)
	go func() {
		defer wg2.Done()
		dup = db.Write(ctx, func(tx *sql.Tx) error { _, err := tx.Exec(`INSERT INTO g(n) VALUES (1001)`); return err })
	}()
	go func() {
		defer wg2.Done()
		fresh = db.Write(ctx, func(tx *sql.Tx) error { _, err := tx.Exec(`INSERT INTO g(n) VALUES (9999)`); return err })
	}()
	wg2.Wait()
	if dup == nil || fresh != nil {
		t.Fatalf("duplicate: %v, fresh: %v", dup, fresh)
	}
	// A panic comes back to its own caller, and the writer goes on.
	func() {
		defer func() {
			if p := recover(); p != "boom" {
				t.Errorf("recovered %v", p)
			}
		}()
		db.Write(ctx, func(tx *sql.Tx) error { panic("boom") })
	}()
	if err := db.Write(ctx, func(tx *sql.Tx) error { return errors.New("nothing") }); err == nil || err.Error() != "nothing" {
		t.Fatalf("after a panic: %v", err)
	}
	// A caller whose context has ended writes nothing.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := db.Write(cctx, func(tx *sql.Tx) error { _, err := tx.Exec(`INSERT INTO g(n) VALUES (7)`); return err }); err == nil {
		t.Fatal("a cancelled write went through")
	}
}

// One batch, run as the leader runs it: the failing write's savepoint is
// undone, the others commit in the same transaction.
func TestRunBatchSavepoints(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	db.Write(ctx, func(tx *sql.Tx) error { _, err := tx.Exec(`CREATE TABLE g (n INTEGER PRIMARY KEY)`); return err })
	req := func(fn func(tx *sql.Tx) error) *writeReq {
		return &writeReq{ctx: ctx, fn: fn, done: make(chan struct{}), lead: make(chan struct{})}
	}
	ins := func(ns ...int) func(tx *sql.Tx) error {
		return func(tx *sql.Tx) error {
			for _, n := range ns {
				if _, err := tx.Exec(`INSERT INTO g(n) VALUES (?)`, n); err != nil {
					return err
				}
			}
			return nil
		}
	}
	batch := []*writeReq{req(ins(1, 2)), req(ins(3, 1)), req(func(tx *sql.Tx) error { panic("x") }), req(ins(4))}
	before := db.Versions()
	db.runBatch(batch)
	if batch[0].err != nil || batch[1].err == nil || batch[2].panic != "x" || batch[3].err != nil {
		t.Fatalf("results: %v %v %v %v", batch[0].err, batch[1].err, batch[2].panic, batch[3].err)
	}
	if got := gRows(db); got != "[1 2 4]" {
		t.Fatalf("rows %v, want [1 2 4] (the second write's 3 undone)", got)
	}
	if db.Versions() != before { // g is no versioned table: read and published all the same
		t.Fatalf("versions moved")
	}
}

// Pure writes run first and without savepoints; when one of them fails,
// the batch is undone and run again with a savepoint each: the failing
// write changes nothing, the others land, and a write that is not pure
// runs exactly once.
func TestRunBatchPureWrites(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	db.Write(ctx, func(tx *sql.Tx) error { _, err := tx.Exec(`CREATE TABLE g (n INTEGER PRIMARY KEY)`); return err })
	runs := map[int]int{}
	req := func(pure bool, k int, ns ...int) *writeReq {
		return &writeReq{ctx: ctx, pure: pure, done: make(chan struct{}), lead: make(chan struct{}),
			fn: func(tx *sql.Tx) error {
				runs[k]++
				for _, n := range ns {
					if _, err := tx.Exec(`INSERT INTO g(n) VALUES (?)`, n); err != nil {
						return err
					}
				}
				return nil
			}}
	}
	rows := func() string { return gRows(db) }

	// All succeed: one run each, no second pass.
	batch := []*writeReq{req(false, 0, 1), req(true, 1, 2), req(true, 2, 3)}
	db.runBatch(slices.Clone(batch)) // it puts the pure writes first
	for i, r := range batch {
		if r.err != nil || runs[i] != 1 {
			t.Fatalf("write %d: %v, ran %d times", i, r.err, runs[i])
		}
	}
	if db.group.reruns.Load() != 0 || rows() != "[1 2 3]" {
		t.Fatalf("reruns %d, rows %s", db.group.reruns.Load(), rows())
	}

	// A pure write fails half done (its 11 stays only until it fails).
	clear(runs)
	batch = []*writeReq{req(false, 0, 10), req(true, 1, 11, 1), req(true, 2, 12), req(false, 3, 13)}
	db.runBatch(slices.Clone(batch)) // it puts the pure writes first
	if batch[0].err != nil || batch[1].err == nil || batch[2].err != nil || batch[3].err != nil {
		t.Fatalf("results: %v %v %v %v", batch[0].err, batch[1].err, batch[2].err, batch[3].err)
	}
	if db.group.reruns.Load() != 1 {
		t.Fatalf("reruns %d, want 1", db.group.reruns.Load())
	}
	if runs[0] != 1 || runs[3] != 1 {
		t.Fatalf("writes that are not pure ran %d and %d times", runs[0], runs[3])
	}
	if got := rows(); got != "[1 2 3 10 12 13]" {
		t.Fatalf("rows %s, want [1 2 3 10 12 13] (the failing write's 11 undone)", got)
	}

	// A pure write that panics: its caller gets the panic, the others land.
	batch = []*writeReq{req(true, 0, 20), {ctx: ctx, pure: true, done: make(chan struct{}), lead: make(chan struct{}),
		fn: func(tx *sql.Tx) error {
			tx.Exec(`INSERT INTO g(n) VALUES (21)`)
			panic("pure panic")
		}}, req(true, 2, 22)}
	db.runBatch(slices.Clone(batch)) // it puts the pure writes first
	if batch[0].err != nil || batch[1].panic != "pure panic" || batch[2].err != nil {
		t.Fatalf("results: %v %v %v", batch[0].err, batch[1].panic, batch[2].err)
	}
	if got := rows(); got != "[1 2 3 10 12 13 20 22]" {
		t.Fatalf("rows %s (the panicking write's 21 undone)", got)
	}

	// Alone, a pure write's failure is its transaction's: no second run.
	clear(runs)
	batch = []*writeReq{req(true, 0, 30, 1)}
	db.runBatch(slices.Clone(batch)) // it puts the pure writes first
	if batch[0].err == nil || runs[0] != 1 || db.group.reruns.Load() != 2 || rows() != "[1 2 3 10 12 13 20 22]" {
		t.Fatalf("alone: %v, ran %d, reruns %d, rows %s", batch[0].err, runs[0], db.group.reruns.Load(), rows())
	}
}

// gRows lists the batch tests' table g, as "[1 2 3]".
func gRows(db *DB) string {
	var got []int
	rs, _ := db.r.Query(`SELECT n FROM g ORDER BY n`)
	for rs.Next() {
		var n int
		rs.Scan(&n)
		got = append(got, n)
	}
	rs.Close()
	return fmt.Sprint(got)
}
