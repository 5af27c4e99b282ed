package data

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
)

// maxStmts bounds the prepared statements the reader pool keeps. Only
// queries whose text is fixed go through query and queryRow (lists of ids
// are passed as one JSON argument), so the bound is never reached in
// practice; past it, queries run unprepared.
const maxStmts = 256

// stmt returns the reader pool's prepared statement for q, preparing it the
// first time. database/sql prepares it on each connection once and keeps
// it there, so a hot query is parsed once per connection instead of once
// per call (SQLite's parser was a tenth of the page benchmark's CPU).
func (db *DB) stmt(ctx context.Context, q string) *sql.Stmt {
	if v, ok := db.stmts.Load(q); ok {
		return v.(*sql.Stmt)
	}
	if db.nstmts.Load() >= maxStmts || db.closing.Load() {
		return nil
	}
	st, err := db.r.PrepareContext(ctx, q)
	if err != nil {
		return nil // the caller runs it unprepared and reports the error
	}
	if v, loaded := db.stmts.LoadOrStore(q, st); loaded {
		st.Close()
		return v.(*sql.Stmt)
	}
	db.nstmts.Add(1)
	return st
}

// query runs a read through the prepared statement for q.
func (db *DB) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := db.stmt(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return db.r.QueryContext(ctx, q, args...)
}

// queryRow runs a one-row read through the prepared statement for q.
func (db *DB) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	if st := db.stmt(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return db.r.QueryRowContext(ctx, q, args...)
}

// idList encodes ids as a JSON array, the one argument of
// "IN (SELECT value FROM json_each(?))": one statement for any number of ids.
func idList[T ~int64](ids []T) string {
	b := make([]byte, 0, 2+8*len(ids))
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(id), 10)
	}
	return string(append(b, ']'))
}

// wstmt returns the writer's prepared statement for q, or nil when q was
// not prepared with PrepareWrites. It never prepares: inside a write
// transaction the one writer connection is taken, and preparing on the pool
// would wait for it forever.
func (db *DB) wstmt(q string) *sql.Stmt {
	if v, ok := db.wstmts.Load(q); ok {
		return v.(*sql.Stmt)
	}
	return nil
}

// PrepareWrites prepares statements of fixed text on the writer for Exec
// (call it outside write transactions, typically at start-up): a hot write
// is then parsed once instead of in every transaction.
func (db *DB) PrepareWrites(ctx context.Context, queries ...string) error {
	for _, q := range queries {
		if _, ok := db.wstmts.Load(q); ok {
			continue
		}
		if db.nwstmts.Load() >= maxStmts {
			return fmt.Errorf("data: more than %d prepared writes", maxStmts)
		}
		st, err := db.w.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("data: prepare %q: %w", q, err)
		}
		if _, loaded := db.wstmts.LoadOrStore(q, st); loaded {
			st.Close()
			continue
		}
		db.nwstmts.Add(1)
	}
	return nil
}

// Exec runs a statement in a write transaction, through the writer's
// prepared statement when PrepareWrites prepared it.
func (db *DB) Exec(ctx context.Context, tx *sql.Tx, q string, args ...any) (sql.Result, error) {
	if st := db.txStmt(ctx, tx, q); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, q, args...)
}

// batchStmts are the writer's prepared statements bound to the
// transaction of the batch the group writer is running (tx.Stmt), each
// made once a batch rather than once an Exec: a batch runs the same few
// statements (the savepoint's, the write's own) for every write in it.
// Only the batch's leader uses them, as only it holds tx.
type batchStmts struct {
	tx *sql.Tx
	m  map[string]*sql.Stmt
}

// txStmt returns the writer's prepared statement for q bound to tx, or nil
// when q was not prepared with PrepareWrites.
func (db *DB) txStmt(ctx context.Context, tx *sql.Tx, q string) *sql.Stmt {
	st := db.wstmt(q)
	if st == nil {
		return nil
	}
	bs := db.batch.Load()
	if bs == nil || bs.tx != tx {
		return tx.StmtContext(ctx, st)
	}
	if s := bs.m[q]; s != nil {
		return s
	}
	s := tx.StmtContext(ctx, st)
	if bs.m == nil {
		bs.m = make(map[string]*sql.Stmt, 8)
	}
	bs.m[q] = s
	return s
}

// QueryRow runs a one-row read of fixed text on the read-only pool through
// a prepared statement, for packages that keep their own tables.
func (db *DB) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return db.queryRow(ctx, q, args...)
}

// Query runs a read of fixed text on the read-only pool through a prepared
// statement, for packages that keep their own tables.
func (db *DB) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return db.query(ctx, q, args...)
}
