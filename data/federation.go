package data

import (
	"context"
	"database/sql"
	"time"
)

// Write runs fn in one write transaction on the single writer connection
// (BEGIN IMMEDIATE) and commits it when fn returns nil. It is for packages
// that keep their own tables (federation); errors from fn are returned as is.
func (db *DB) Write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return db.write(ctx, fn)
}

// WritePure is Write for an fn that does nothing but run statements on tx:
// it changes no other state and sends nothing (setting its own results is
// fine). The group writer may then run it twice, undoing the first run,
// and saves a savepoint for it in a batch (writer.go).
func (db *DB) WritePure(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return db.writeReq(ctx, fn, true)
}

// Read returns the read-only connection pool, for packages that keep their
// own tables (federation). Writes through it fail.
func (db *DB) Read() *sql.DB { return db.r }

// Now is the store's clock.
func (db *DB) Now() time.Time { return db.now() }
