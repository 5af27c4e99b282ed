package data

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/shiji-market/shiji/node"
)

const stallCols = `s.id, s.name, s.story, s.alley_id, s.x, s.y, s.open_today, s.approve_followers, s.created_at, s.updated_at,
	s.moved_to, s.also_known_as, s.deleted_at IS NOT NULL`

type scanner interface{ Scan(...any) error }

func scanStall(row scanner) (*node.Stall, error) {
	var s node.Stall
	var x, y sql.NullInt64
	var created, updated int64
	var aka string
	if err := row.Scan(&s.ID, &s.Name, &s.Story, &s.Alley, &x, &y, &s.OpenToday, &s.ApproveFollowers, &created, &updated,
		&s.MovedTo, &aka, &s.Gone); err != nil {
		return nil, err
	}
	if aka != "" && aka != "[]" {
		json.Unmarshal([]byte(aka), &s.AlsoKnownAs) // written by SetStallAliases only
	}
	if x.Valid {
		s.Spot = &node.Spot{X: int(x.Int64), Y: int(y.Int64)}
	}
	s.CreatedAt, s.UpdatedAt = time.Unix(created, 0).UTC(), time.Unix(updated, 0).UTC()
	return &s, nil
}

// CreateStall validates and stores a new stall held by holder.
func (db *DB) CreateStall(ctx context.Context, s *node.Stall, holder node.AccountID) error {
	if err := s.Validate(); err != nil {
		return err
	}
	return db.write(ctx, func(tx *sql.Tx) error { return createStall(ctx, tx, s, holder, db.now()) })
}

func createStall(ctx context.Context, tx *sql.Tx, s *node.Stall, holder node.AccountID, now time.Time) error {
	if err := alleyExists(ctx, tx, s.Alley); err != nil {
		return err
	}
	var x, y any
	if s.Spot != nil {
		x, y = s.Spot.X, s.Spot.Y
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO stalls(name, story, alley_id, x, y, open_today, approve_followers, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, s.Name, s.Story, s.Alley, x, y, s.OpenToday, s.ApproveFollowers, now.Unix(), now.Unix())
	if isUnique(err) {
		return node.Errorf(node.ECONFLICT, "Another stall already stands on that spot.")
	} else if err != nil {
		return fmt.Errorf("data: create stall: %w", err)
	}
	id, _ := res.LastInsertId()
	s.ID, s.CreatedAt, s.UpdatedAt = node.StallID(id), now.Truncate(time.Second).UTC(), now.Truncate(time.Second).UTC()
	if _, err := tx.ExecContext(ctx, `INSERT INTO stall_holders(stall_id, account_id) VALUES (?, ?)`, id, holder); err != nil {
		return fmt.Errorf("data: stall holder: %w", err)
	}
	s.Holders = []node.AccountID{holder}
	if err := indexStall(ctx, tx, node.StallID(id)); err != nil {
		return fmt.Errorf("data: index stall: %w", err)
	}
	return nil
}

// indexStall (re)writes the stall's rows in the search indexes.
func indexStall(ctx context.Context, tx *sql.Tx, id node.StallID) error {
	for _, q := range []string{stallsFTSFrom, stallsWordsFrom} {
		if _, err := tx.ExecContext(ctx, q+` WHERE id = ?`, id); err != nil {
			return err
		}
	}
	return nil
}

// The search indexes' rows of stalls, to be completed with a WHERE clause.
const (
	stallsFTSFrom   = `INSERT OR REPLACE INTO stalls_fts(rowid, name, story) SELECT id, name, story FROM stalls`
	stallsWordsFrom = `INSERT OR REPLACE INTO stalls_words(rowid, name, story) SELECT id, ` + wordsFunc + `(name), ` + wordsFunc + `(story) FROM stalls`
)

func alleyExists(ctx context.Context, tx *sql.Tx, id node.AlleyID) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM alleys WHERE id = ?`, id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return node.Errorf(node.EINVALID, "There is no alley %d.", id)
	}
	return nil
}

// Stall returns the stall with its stallholders and photos, or ENOTFOUND.
func (db *DB) Stall(ctx context.Context, id node.StallID) (*node.Stall, error) {
	s, err := scanStall(db.queryRow(ctx, `SELECT `+stallCols+` FROM stalls s WHERE s.id = ?`, id))
	if err != nil {
		return nil, notFound(err, "There is no stall %d.", id)
	}
	rows, err := db.query(ctx, `SELECT account_id FROM stall_holders WHERE stall_id = ? ORDER BY account_id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var a node.AccountID
		if err := rows.Scan(&a); err != nil {
			return nil, err
		}
		s.Holders = append(s.Holders, a)
	}
	if s.Photos, err = db.photos(ctx, "stall", int64(id)); err != nil {
		return nil, err
	}
	return s, rows.Err()
}

// UpdateStall stores a stall's name, story, alley, open flag and whether its
// followers are approved by hand.
func (db *DB) UpdateStall(ctx context.Context, s *node.Stall) error {
	if err := s.Validate(); err != nil {
		return err
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		if err := alleyExists(ctx, tx, s.Alley); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE stalls SET name = ?, story = ?, alley_id = ?, open_today = ?, approve_followers = ?, updated_at = ? WHERE id = ?`,
			s.Name, s.Story, s.Alley, s.OpenToday, s.ApproveFollowers, db.now().Unix(), s.ID)
		if err != nil {
			return fmt.Errorf("data: update stall: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return node.Errorf(node.ENOTFOUND, "There is no stall %d.", s.ID)
		}
		if err := indexStall(ctx, tx, s.ID); err != nil {
			return err
		}
		return reindexStallItems(ctx, tx, s.ID)
	})
}

// PlaceStall puts a stall on the floor plan (nil removes it). A spot outside
// the plan is EINVALID, a taken one ECONFLICT.
func (db *DB) PlaceStall(ctx context.Context, id node.StallID, spot *node.Spot) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		var x, y any
		if spot != nil {
			var w, h int
			if err := tx.QueryRowContext(ctx, `SELECT floor_w, floor_h FROM market WHERE id = 1`).Scan(&w, &h); err != nil {
				return err
			}
			if spot.X < 0 || spot.Y < 0 || spot.X >= w || spot.Y >= h {
				return node.Errorf(node.EINVALID, "The spot (%d, %d) is outside the %d×%d floor plan.", spot.X, spot.Y, w, h)
			}
			x, y = spot.X, spot.Y
		}
		res, err := tx.ExecContext(ctx, `UPDATE stalls SET x = ?, y = ?, updated_at = ? WHERE id = ?`, x, y, db.now().Unix(), id)
		if isUnique(err) {
			return node.Errorf(node.ECONFLICT, "Another stall already stands on (%d, %d).", spot.X, spot.Y)
		} else if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return node.Errorf(node.ENOTFOUND, "There is no stall %d.", id)
		}
		return nil
	})
}

// AddStallHolder makes account a stallholder of the stall (idempotent).
func (db *DB) AddStallHolder(ctx context.Context, id node.StallID, account node.AccountID) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO stall_holders(stall_id, account_id) VALUES (?, ?)`, id, account)
		return err
	})
}

// StallFilter selects stalls for a listing.
type StallFilter struct {
	Alley     node.AlleyID
	OpenToday bool
	Holder    node.AccountID
	IDs       []node.StallID
	Limit     int // 0 = 500
}

// Stalls lists stalls by name (or by floor-plan position when placed), each
// with its first photo and its available item count in AvailableItems.
func (db *DB) Stalls(ctx context.Context, f StallFilter) ([]*node.Stall, error) {
	var where []string
	var args []any
	if f.Alley != 0 {
		where, args = append(where, "s.alley_id = ?"), append(args, f.Alley)
	}
	if f.OpenToday {
		where = append(where, "s.open_today = 1")
	}
	if f.Holder != 0 {
		where, args = append(where, "s.id IN (SELECT stall_id FROM stall_holders WHERE account_id = ?)"), append(args, f.Holder)
	}
	if len(f.IDs) > 0 {
		where, args = append(where, "s.id IN (SELECT value FROM json_each(?))"), append(args, idList(f.IDs))
	}
	if len(f.IDs) == 0 { // listings leave out stalls that moved away or are gone
		where = append(where, "s.moved_to = '' AND s.deleted_at IS NULL")
	}
	q := `SELECT ` + stallCols + ` FROM stalls s`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	if f.Limit <= 0 {
		f.Limit = 500
	}
	q += ` ORDER BY s.y IS NULL, s.y, s.x, s.name LIMIT ?`
	args = append(args, f.Limit)
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("data: stalls: %w", err)
	}
	defer rows.Close()
	var out []*node.Stall
	for rows.Next() {
		s, err := scanStall(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, db.firstPhotos(ctx, out)
}

// CountAvailable returns the number of available items per stall.
func (db *DB) CountAvailable(ctx context.Context) (map[node.StallID]int, error) {
	rows, err := db.query(ctx, `SELECT stall_id, count(*) FROM items WHERE status = 'available' GROUP BY stall_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[node.StallID]int{}
	for rows.Next() {
		var id node.StallID
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] = n
	}
	return out, rows.Err()
}

// StallIDsHeldBy returns the ids of the stalls account holds.
func (db *DB) StallIDsHeldBy(ctx context.Context, account node.AccountID) ([]node.StallID, error) {
	rows, err := db.query(ctx, `SELECT stall_id FROM stall_holders WHERE account_id = ? ORDER BY stall_id`, account)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []node.StallID
	for rows.Next() {
		var id node.StallID
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
