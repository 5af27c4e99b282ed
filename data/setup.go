package data

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"

	"github.com/shiji-market/shiji/node"
)

// SetupState says which parts of first-run setup are done.
func (db *DB) SetupState(ctx context.Context) (node.Setup, error) {
	var s node.Setup
	err := db.queryRow(ctx, `SELECT configured,
		EXISTS (SELECT 1 FROM alleys),
		EXISTS (SELECT 1 FROM market_schedule WHERE kind IN ('weekly', 'date')),
		EXISTS (SELECT 1 FROM accounts WHERE role = 'organiser' AND disabled = 0)
		FROM market WHERE id = 1`).Scan(&s.Named, &s.Alleys, &s.Days, &s.Organiser)
	if err != nil {
		return s, fmt.Errorf("data: setup state: %w", err)
	}
	return s, nil
}

// SetupChange is what first-run setup stores, all at once.
type SetupChange struct {
	Market   *node.Market   // stored as UpdateMarket does
	Alleys   []*node.Alley  // created; their ids are set
	Schedule *node.Schedule // replaces the schedule when not nil
}

// ApplySetup validates and stores a setup change in one transaction: on any
// error (EINVALID, ECONFLICT for a taken alley slug) nothing changes.
func (db *DB) ApplySetup(ctx context.Context, ch SetupChange) error {
	if err := node.ValidateMarket(ch.Market); err != nil {
		return err
	}
	for _, a := range ch.Alleys {
		if err := a.Validate(); err != nil {
			return err
		}
	}
	if ch.Schedule != nil {
		if err := ch.Schedule.Validate(); err != nil {
			return err
		}
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		if err := updateMarket(ctx, tx, ch.Market, db.now()); err != nil {
			return err
		}
		for _, a := range ch.Alleys {
			if err := createAlley(ctx, tx, a); err != nil {
				return err
			}
		}
		if ch.Schedule != nil {
			return setSchedule(ctx, tx, ch.Schedule)
		}
		return nil
	})
}

// EnsureAlley returns the id of the alley with a's slug, creating a when the
// market has no alley at all; otherwise (alleys exist, none with that slug)
// it returns 0.
func (db *DB) EnsureAlley(ctx context.Context, a *node.Alley) (node.AlleyID, error) {
	if err := a.Validate(); err != nil {
		return 0, err
	}
	var id node.AlleyID
	err := db.write(ctx, func(tx *sql.Tx) error {
		var n int
		err := tx.QueryRowContext(ctx, `SELECT coalesce((SELECT id FROM alleys WHERE slug = ?), 0), (SELECT count(*) FROM alleys)`, a.Slug).Scan(&id, &n)
		if err != nil || id != 0 || n > 0 {
			return err
		}
		if err := createAlley(ctx, tx, a); err != nil {
			return err
		}
		id = a.ID
		return nil
	})
	return id, err
}

// RenameAlley changes an alley's names and colour (ENOTFOUND, EINVALID); its
// short name, and so its address, stays.
func (db *DB) RenameAlley(ctx context.Context, a *node.Alley) error {
	if err := a.Validate(); err != nil {
		return err
	}
	name, _ := json.Marshal(a.Name)
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE alleys SET name = ?, colour = ? WHERE id = ?`, string(name), a.Colour, a.ID)
		if err != nil {
			return fmt.Errorf("data: rename alley: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return node.Errorf(node.ENOTFOUND, "There is no alley %d.", a.ID)
		}
		return nil
	})
}

// SetDemo marks the market as the demo market (or not).
func (db *DB) SetDemo(ctx context.Context, demo bool) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE market SET demo = ? WHERE id = 1`, demo)
		return err
	})
}

// FirstOrganiser returns the organiser account created first (ENOTFOUND when
// there is none): the command line acts as them.
func (db *DB) FirstOrganiser(ctx context.Context) (*node.Account, error) {
	var id node.AccountID
	err := db.r.QueryRowContext(ctx, `SELECT id FROM accounts WHERE role = 'organiser' AND disabled = 0 ORDER BY id LIMIT 1`).Scan(&id)
	if err != nil {
		return nil, notFound(err, "This market has no organiser yet.")
	}
	return db.Account(ctx, id)
}

// SetPasswordHash replaces an account's password hash (ENOTFOUND).
func (db *DB) SetPasswordHash(ctx context.Context, id node.AccountID, hash string) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE accounts SET password_hash = ? WHERE id = ?`, hash, id)
		if err != nil {
			return fmt.Errorf("data: set password: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return node.Errorf(node.ENOTFOUND, "There is no account %d.", id)
		}
		return nil
	})
}

// PoolStats are the statistics of the writer connection and of the reader
// pool (waits for a connection, open and idle connections), for metrics.
func (db *DB) PoolStats() (writer, reader sql.DBStats) { return db.w.Stats(), db.r.Stats() }

// SizeBytes is the size of the database on disk: the file and its WAL.
func (db *DB) SizeBytes() int64 {
	var n int64
	for _, suffix := range []string{"", "-wal"} {
		if fi, err := os.Stat(db.path + suffix); err == nil {
			n += fi.Size()
		}
	}
	return n
}

// DeliveryQueue counts the deliveries waiting to be sent (not failed for
// good).
func (db *DB) DeliveryQueue(ctx context.Context) (int64, error) {
	var n int64
	err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM ap_deliveries WHERE failed_at IS NULL`).Scan(&n)
	return n, err
}
