package data

import (
	"context"
	"database/sql"
	"fmt"
	"sync/atomic"
)

// Versions are counters the database moves, by triggers in the same
// transaction as the write, whenever what they stand for changes (see
// migrations 0003 and 0030). A snapshot or a cached page built while a
// counter had some value is current as long as the counter has it.
type Versions struct {
	Floor  int64 // stalls and available items, as the wander engine sees them
	Market int64 // the market, alleys, schedule, stalls, stallholders, stall photos and days
	Pages  int64 // anything a public page shows
	Inbox  int64 // the group chats elsewhere and the actors followed from here (migration 0080)
	// Visitors: what the top of a signed-in reader's page counts, their
	// session and account (SessionVisitor; migration 0081).
	Visitors int64
}

// versionsQuery reads the counters in one statement.
const versionsQuery = `SELECT
	(SELECT value FROM versions WHERE name = 'floor'),
	(SELECT coalesce((SELECT value FROM versions WHERE name = 'market'), 0)),
	(SELECT coalesce((SELECT value FROM versions WHERE name = 'pages'), 0)),
	(SELECT coalesce((SELECT value FROM versions WHERE name = 'inbox'), 0)),
	(SELECT coalesce((SELECT value FROM versions WHERE name = 'visitors'), 0))`

func readVersions(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (Versions, error) {
	return scanVersions(q.QueryRowContext(ctx, versionsQuery))
}

// scanVersions reads the row of versionsQuery.
func scanVersions(row *sql.Row) (Versions, error) {
	var v Versions
	if err := row.Scan(&v.Floor, &v.Market, &v.Pages, &v.Inbox, &v.Visitors); err != nil {
		return v, fmt.Errorf("data: versions: %w", err)
	}
	return v, nil
}

// Versions returns the counters as of the last write transaction this
// process committed (or the opening of the database). It costs no query:
// write reads the counters inside each transaction and publishes them once
// it has committed, so a reader that sees a new value also sees the data
// that moved it. Writes from other processes (shiji user add) are not seen
// here; none of them changes what the counters stand for.
func (db *DB) Versions() Versions {
	return Versions{Floor: db.vFloor.Load(), Market: db.vMarket.Load(), Pages: db.vPages.Load(), Inbox: db.vInbox.Load(),
		Visitors: db.vVisitors.Load()}
}

// publish raises the in-memory counters to v (never lowers them: two
// commits may publish out of order).
func (db *DB) publish(v Versions) {
	raise := func(a *atomic.Int64, n int64) {
		for {
			old := a.Load()
			if n <= old || a.CompareAndSwap(old, n) {
				return
			}
		}
	}
	raise(&db.vFloor, v.Floor)
	raise(&db.vMarket, v.Market)
	raise(&db.vPages, v.Pages)
	raise(&db.vInbox, v.Inbox)
	raise(&db.vVisitors, v.Visitors)
}

// refreshVersions reads the counters from the database and publishes them.
func (db *DB) refreshVersions(ctx context.Context) error {
	v, err := readVersions(ctx, db.r)
	if err != nil {
		return err
	}
	db.publish(v)
	return nil
}

// NoticeOtherWriters reads the counters again if any connection, this
// process's or another's, has committed since the last call (SQLite's
// data_version, on a connection of its own). The node's own writes are
// published as they commit; this catches those of other processes (a
// command run beside the node, a repair by hand): call it now and then.
func (db *DB) NoticeOtherWriters(ctx context.Context) error {
	db.watchMu.Lock()
	defer db.watchMu.Unlock()
	if db.watch == nil {
		c, err := db.r.Conn(ctx)
		if err != nil {
			return err
		}
		// A connection of its own, outside the pool's reuse: data_version
		// counts commits since this connection last asked.
		db.watch = c
	}
	var dv int64
	if err := db.watch.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&dv); err != nil {
		db.watch.Close()
		db.watch = nil
		return fmt.Errorf("data: data_version: %w", err)
	}
	if dv == db.dataVersion {
		return nil
	}
	db.dataVersion = dv
	db.unpublished.Add(1) // a session may have ended elsewhere (shiji user …)
	return db.refreshVersions(ctx)
}
