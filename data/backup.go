package data

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/shiji-market/shiji/node"
)

// Contents is what a shiji database holds, as counted by Inspect.
type Contents struct {
	Accounts, Stalls, Items, Photos int
	Schema                          int // the highest migration applied
}

// Backup writes a consistent snapshot of the database at dbPath to dest with
// VACUUM INTO, while a running node may go on reading and writing it: the copy
// is what one read transaction sees, with everything committed before it
// (also what still sits in the WAL) and nothing after. The copy is a single
// self-contained file in rollback-journal mode; Open turns it back to WAL.
//
// Backup never creates dbPath and runs no migrations on it, so a newer binary
// can back up the database of an older node that is still running. dest must
// not exist, or be an empty file (such as one made by os.CreateTemp).
//
// Errors: ENOTFOUND if there is no file at dbPath; ECONFLICT if dest exists
// and is not empty; an internal error naming the path otherwise.
func Backup(ctx context.Context, dbPath, dest string) error {
	if _, err := os.Stat(dbPath); errors.Is(err, fs.ErrNotExist) {
		return node.Errorf(node.ENOTFOUND, "There is no database at %s.", dbPath)
	} else if err != nil {
		return fmt.Errorf("data: backup %s: %w", dbPath, err)
	}
	if st, err := os.Stat(dest); err == nil && st.Size() > 0 {
		return node.Errorf(node.ECONFLICT, "%s already exists.", dest)
	}
	// Read-write rather than mode=ro on purpose: a read-only connection leaves
	// shiji.db-wal and -shm behind when the node is not running, and when the
	// backup runs as root those files would then belong to root and keep the
	// node's own user from opening the database. A read-write connection that
	// is the last to close removes them. Nothing here writes to the database.
	db, err := sql.Open("sqlite", dsn(dbPath, "mode=rw", "_pragma=busy_timeout(5000)"))
	if err != nil {
		return fmt.Errorf("data: backup %s: %w", dbPath, err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, dest); err != nil {
		if strings.Contains(err.Error(), "output file already exists") {
			return node.Errorf(node.ECONFLICT, "%s already exists.", dest)
		}
		return fmt.Errorf("data: backup %s into %s: %w", dbPath, dest, err)
	}
	return db.Close()
}

// Inspect opens the database file at path read-only, runs PRAGMA
// integrity_check and counts what it holds. It is meant for a file no node
// has open, such as a snapshot written by Backup.
//
// Errors: ENOTFOUND if there is no file at path; EINVALID if the file is not
// an SQLite database, fails the integrity check or is not a shiji database;
// an internal error otherwise.
func Inspect(ctx context.Context, path string) (Contents, error) {
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return Contents{}, node.Errorf(node.ENOTFOUND, "There is no database at %s.", path)
		}
		return Contents{}, fmt.Errorf("data: inspect %s: %w", path, err)
	}
	db, err := sql.Open("sqlite", dsn(path, "mode=ro", "_pragma=busy_timeout(5000)"))
	if err != nil {
		return Contents{}, fmt.Errorf("data: inspect %s: %w", path, err)
	}
	defer db.Close()
	var problems []string
	rows, err := db.QueryContext(ctx, `PRAGMA integrity_check(20)`)
	if err != nil {
		if strings.Contains(err.Error(), "not a database") {
			return Contents{}, node.Errorf(node.EINVALID, "%s is not an SQLite database.", path)
		}
		return Contents{}, fmt.Errorf("data: inspect %s: %w", path, err)
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return Contents{}, fmt.Errorf("data: inspect %s: %w", path, err)
		}
		if s != "ok" {
			problems = append(problems, s)
		}
	}
	if err := rows.Err(); err != nil {
		if strings.Contains(err.Error(), "malformed") || strings.Contains(err.Error(), "not a database") {
			return Contents{}, node.Errorf(node.EINVALID, "%s is damaged: %v", path, err)
		}
		return Contents{}, fmt.Errorf("data: inspect %s: %w", path, err)
	}
	if len(problems) > 0 {
		return Contents{}, node.Errorf(node.EINVALID, "%s fails the integrity check: %s", path, strings.Join(problems, "; "))
	}
	var c Contents
	err = db.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM accounts), (SELECT count(*) FROM stalls),
		(SELECT count(*) FROM items), (SELECT count(*) FROM photos),
		(SELECT coalesce(max(version), 0) FROM schema_migrations)`).
		Scan(&c.Accounts, &c.Stalls, &c.Items, &c.Photos, &c.Schema)
	if err != nil {
		if strings.Contains(err.Error(), "no such table") {
			return Contents{}, node.Errorf(node.EINVALID, "%s is an SQLite database but not a shiji one (%v).", path, err)
		}
		return Contents{}, fmt.Errorf("data: inspect %s: %w", path, err)
	}
	return c, nil
}

// SchemaVersion returns the number of the newest migration this build knows:
// Open brings any database up to it, and a database with a higher Schema was
// written by a newer shiji.
func SchemaVersion() int {
	names, _ := fs.Glob(migrationsFS, "migrations/*.sql")
	v := 0
	for _, name := range names {
		num, _, _ := strings.Cut(filepath.Base(name), "_")
		if n, err := strconv.Atoi(num); err == nil && n > v {
			v = n
		}
	}
	return v
}

// CheckUnused returns nil when no connection, in this process or another, has
// the database at path open, and ECONFLICT when one has (a running node
// does). It takes an exclusive lock for a moment: a plain BEGIN EXCLUSIVE
// would not do, since in WAL mode it succeeds beside idle readers and an idle
// writer; in EXCLUSIVE locking mode it needs the whole file to itself.
//
// The answer holds only for that moment. ENOTFOUND if there is no file at
// path; EINVALID if it is not an SQLite database; an internal error when the
// file cannot be opened.
func CheckUnused(ctx context.Context, path string) error {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return node.Errorf(node.ENOTFOUND, "There is no database at %s.", path)
	}
	db, err := sql.Open("sqlite", dsn(path, "mode=rw", "_pragma=busy_timeout(0)", "_pragma=locking_mode(EXCLUSIVE)"))
	if err != nil {
		return fmt.Errorf("data: open %s: %w", path, err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return lockErr(path, err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `BEGIN EXCLUSIVE`); err != nil {
		return lockErr(path, err)
	}
	if _, err := conn.ExecContext(ctx, `ROLLBACK`); err != nil {
		return fmt.Errorf("data: %s: %w", path, err)
	}
	return nil
}

func lockErr(path string, err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return node.Errorf(node.ECONFLICT, "The database %s is in use by another process (is shiji serve running on it?).", path)
		case sqlite3.SQLITE_NOTADB:
			return node.Errorf(node.EINVALID, "%s is not an SQLite database.", path)
		}
	}
	return fmt.Errorf("data: lock %s: %w", path, err)
}

// dsn is the connection string for the file at path with the given query
// parameters, which must already be escaped.
func dsn(path string, params ...string) string {
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + strings.Join(params, "&")
}
