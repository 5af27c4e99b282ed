// Package data is shiji's SQLite data layer: connection setup, embedded numbered
// migrations and the store. It uses modernc.org/sqlite (pure Go).
package data

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shiji-market/shiji/node"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/*.sql
var migrationsFS embed.FS

// DB is the store: one writer connection (BEGIN IMMEDIATE) and a read-only pool.
// Every exported method is one transaction.
type DB struct {
	w    *sql.DB
	r    *sql.DB
	path string
	now  func() time.Time

	// vFloor, vMarket, vPages, vInbox and vVisitors are the published Versions.
	vFloor, vMarket, vPages, vInbox, vVisitors atomic.Int64
	// stmts holds the reader pool's prepared statements by query text.
	stmts  sync.Map // string → *sql.Stmt
	nstmts atomic.Int32
	// wstmts holds the writer's prepared statements (Exec).
	wstmts  sync.Map // string → *sql.Stmt
	nwstmts atomic.Int32
	closing atomic.Bool
	// group commits the writes waiting for the writer together.
	group groupWriter
	// ckpt checkpoints the WAL off the writer's path (checkpoint.go).
	ckpt *checkpointer
	// watch is the connection NoticeOtherWriters asks for data_version.
	watchMu     sync.Mutex
	watch       *sql.Conn
	dataVersion int64
	// unpublished counts the writes whose change to the 'visitors' counter
	// this process may not have published: a commit that failed (it may
	// have taken), a bulk load, another process's writes (seen by
	// NoticeOtherWriters). visitors holds the page readers' sessions read
	// at some (unpublished, Versions().Visitors), valid while neither has
	// moved.
	unpublished atomic.Int64
	// batch holds the statements of the group writer's running batch
	// (stmt.go).
	batch    atomic.Pointer[batchStmts]
	visitors visitorCache
}

// The page caches of the writer and of each reader connection, in KiB. The
// readers' caches hold the top of the B-trees every query walks; the rest
// of the file comes from the operating system's cache, which all processes
// share, instead of being held again in each connection's (a pool of five
// with 16 MiB each made a quarter of the node's memory).
const (
	writerCacheKiB = 4 << 10
	readerCacheKiB = 2 << 10
)

// Open opens (creating if needed) the database file at path, applies the
// pragmas on every connection and runs pending migrations. The error names
// the path when the file cannot be opened or written.
func Open(ctx context.Context, path string, now func() time.Time) (*DB, error) {
	if now == nil {
		now = time.Now
	}
	if err := registerFunctions(); err != nil {
		return nil, fmt.Errorf("data: SQL functions: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("data: cannot create the data directory for %s: %w", path, err)
	}
	if err := keepPrivate(path); err != nil {
		return nil, err
	}
	q := url.Values{}
	// journal_size_limit: once a checkpoint has gone through, the WAL file is
	// cut back to 16 MB, so that a burst (a long backup under writes) does
	// not keep its size on the disk for good.
	for _, p := range []string{"busy_timeout(5000)", "journal_mode(WAL)", "synchronous(NORMAL)",
		"foreign_keys(ON)", "temp_store(MEMORY)", "journal_size_limit(16777216)"} {
		q.Add("_pragma", p)
	}
	base := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
	// Page caches in KiB: the writer keeps the indexes a write walks; each
	// reader a little (the operating system caches the file for all of
	// them, and RSS stays small: see readerCacheKiB).
	// wal_autocheckpoint(0): the writer's commits never checkpoint; the
	// checkpointer does, on a connection of its own (checkpoint.go).
	w, err := sql.Open("sqlite", base+fmt.Sprintf("&_pragma=cache_size(-%d)&_txlock=immediate&_pragma=wal_autocheckpoint(0)", writerCacheKiB))
	if err != nil {
		return nil, fmt.Errorf("data: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	r, err := sql.Open("sqlite", base+fmt.Sprintf("&_pragma=cache_size(-%d)&_pragma=query_only(1)", readerCacheKiB))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("data: open %s: %w", path, err)
	}
	// Readers stay open (no idle limit below the pool size), so that each
	// keeps its prepared statements and page cache between requests.
	// One reader more than cores (a long read, such as building the wander
	// floor, does not hold up pages), and one for NoticeOtherWriters. Each
	// has its page cache and SQLite's per-connection memory.
	readers := max(3, runtime.NumCPU()+1) + 1
	r.SetMaxOpenConns(readers)
	r.SetMaxIdleConns(readers)
	db := &DB{w: w, r: r, path: path, now: now}
	if db.ckpt, err = startCheckpointer(base); err != nil {
		db.Close()
		return nil, fmt.Errorf("data: open %s: %w", path, err)
	}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("data: cannot open the database %s: %w", path, err)
	}
	db.ckpt.soon() // migrations may have written much
	if err := db.PrepareWrites(ctx, versionsQuery, sqlSavepoint, sqlRollbackTo, sqlRelease); err != nil {
		db.Close()
		return nil, fmt.Errorf("data: cannot open the database %s: %w", path, err)
	}
	if err := db.refreshVersions(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("data: cannot open the database %s: %w", path, err)
	}
	return db, nil
}

// Close stops the checkpointer and closes both pools; WAL is checkpointed
// by SQLite when the last connection closes.
func (db *DB) Close() error {
	db.closing.Store(true)
	cerr := db.ckpt.close()
	db.watchMu.Lock()
	if db.watch != nil {
		db.watch.Close()
		db.watch = nil
	}
	db.watchMu.Unlock()
	db.stmts.Range(func(_, v any) bool { v.(*sql.Stmt).Close(); return true })
	db.wstmts.Range(func(_, v any) bool { v.(*sql.Stmt).Close(); return true })
	return errors.Join(cerr, db.r.Close(), db.w.Close())
}

// Path is the database file's path.
func (db *DB) Path() string { return db.path }

func (db *DB) migrate(ctx context.Context) error {
	if _, err := db.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`); err != nil {
		return err
	}
	names, err := fs.Glob(migrationsFS, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		base := filepath.Base(name)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return fmt.Errorf("migration %s: name must start with a number", base)
		}
		if err := db.apply(ctx, v, base, name); err != nil {
			return fmt.Errorf("migration %s: %w", base, err)
		}
	}
	return nil
}

func (db *DB) apply(ctx context.Context, v int, base, name string) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, v).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	body, err := migrationsFS.ReadFile(name)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)`,
		v, base, db.now().Unix()); err != nil {
		return err
	}
	return tx.Commit()
}

// Migrations returns the applied migration versions in order.
func (db *DB) Migrations(ctx context.Context) ([]int, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var vs []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		vs = append(vs, v)
	}
	return vs, rows.Err()
}

// notFound turns sql.ErrNoRows into a node ENOTFOUND error with msg.
func notFound(err error, format string, args ...any) error {
	if errors.Is(err, sql.ErrNoRows) {
		return node.Errorf(node.ENOTFOUND, format, args...)
	}
	return err
}

// isUnique reports whether err is a UNIQUE constraint violation.
func isUnique(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// keepPrivate creates the database file readable by the node's user only
// (it holds password hashes, session tokens and the stalls' private keys;
// SQLite gives its WAL and shared-memory files the database file's mode),
// and takes away what others may do with an existing one and its WAL files,
// leaving the group's permissions as the organiser set them.
func keepPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("data: cannot open %s: %w", path, err)
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		} else if err != nil {
			return fmt.Errorf("data: %w", err)
		}
		if mode := fi.Mode().Perm(); mode&0o007 != 0 {
			if err := os.Chmod(p, mode&^0o007); err != nil {
				return fmt.Errorf("data: cannot make %s private: %w", p, err)
			}
		}
	}
	return nil
}
