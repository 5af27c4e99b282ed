package data

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/shiji-market/shiji/node"
)

func (db *DB) photos(ctx context.Context, kind string, id int64) ([]node.Photo, error) {
	rows, err := db.query(ctx, `SELECT hash, ext, width, height, alt FROM photos
		WHERE owner_kind = ? AND owner_id = ? ORDER BY position`, kind, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []node.Photo
	for rows.Next() {
		var p node.Photo
		if err := rows.Scan(&p.Hash, &p.Ext, &p.Width, &p.Height, &p.Alt); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// firstPhotos loads the first photo of each stall in one query.
func (db *DB) firstPhotos(ctx context.Context, stalls []*node.Stall) error {
	if len(stalls) == 0 {
		return nil
	}
	byID := make(map[node.StallID]*node.Stall, len(stalls))
	ids := make([]node.StallID, 0, len(stalls))
	for _, s := range stalls {
		byID[s.ID] = s
		ids = append(ids, s.ID)
	}
	rows, err := db.query(ctx, `SELECT owner_id, hash, ext, width, height, alt FROM photos
		WHERE owner_kind = 'stall' AND position = 0 AND owner_id IN (SELECT value FROM json_each(?))`, idList(ids))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id node.StallID
		var p node.Photo
		if err := rows.Scan(&id, &p.Hash, &p.Ext, &p.Width, &p.Height, &p.Alt); err != nil {
			return err
		}
		if s := byID[id]; s != nil {
			s.Photos = []node.Photo{p}
		}
	}
	return rows.Err()
}

// AddPhoto appends a photo to a stall's or item's photos. More than
// node.MaxPhotos is EINVALID; an unknown owner ENOTFOUND.
func (db *DB) AddPhoto(ctx context.Context, kind string, id int64, p node.Photo) error {
	if err := node.ValidateAlt(p.Alt); err != nil {
		return err
	}
	return db.write(ctx, func(tx *sql.Tx) error { return addPhoto(ctx, tx, kind, id, p) })
}

func addPhoto(ctx context.Context, tx *sql.Tx, kind string, id int64, p node.Photo) error {
	table := map[string]string{"item": "items", "stall": "stalls"}[kind]
	if table == "" {
		return fmt.Errorf("data: photo owner kind %q", kind)
	}
	var exists, n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM `+table+` WHERE id = ?`, id).Scan(&exists); err != nil {
		return err
	}
	if exists == 0 {
		if kind == "item" {
			return node.Errorf(node.ENOTFOUND, "There is no item %d.", id)
		}
		return node.Errorf(node.ENOTFOUND, "There is no stall %d.", id)
	}
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM photos WHERE owner_kind = ? AND owner_id = ?`, kind, id).Scan(&n); err != nil {
		return err
	}
	if n >= node.MaxPhotos {
		return tooManyPhotos(kind)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO photos(owner_kind, owner_id, position, hash, ext, width, height, alt)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, kind, id, n, p.Hash, p.Ext, p.Width, p.Height, p.Alt)
	return err
}

// DeletePhoto removes the photo at position and closes the gap. It returns
// whether the same picture is still used elsewhere (then keep its files).
func (db *DB) DeletePhoto(ctx context.Context, kind string, id int64, position int) (node.Photo, bool, error) {
	var p node.Photo
	var used bool
	err := db.write(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT hash, ext, width, height, alt FROM photos WHERE owner_kind = ? AND owner_id = ? AND position = ?`,
			kind, id, position).Scan(&p.Hash, &p.Ext, &p.Width, &p.Height, &p.Alt)
		if err != nil {
			return notFound(err, "There is no photo %d.", position)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM photos WHERE owner_kind = ? AND owner_id = ? AND position = ?`, kind, id, position); err != nil {
			return err
		}
		// Close the gap (two steps: positions are part of the primary key).
		if _, err := tx.ExecContext(ctx, `UPDATE photos SET position = -position WHERE owner_kind = ? AND owner_id = ? AND position > ?`, kind, id, position); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE photos SET position = -position - 1 WHERE owner_kind = ? AND owner_id = ? AND position < 0`, kind, id); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM photos WHERE hash = ?`, p.Hash).Scan(&n); err != nil {
			return err
		}
		used = n > 0
		return nil
	})
	return p, used, err
}

// tooManyPhotos is EINVALID: a stall or an item ("stall", "item") has all the
// photos it may have.
func tooManyPhotos(kind string) error {
	if kind == "item" {
		return node.Errorf(node.EINVALID, "An item may have at most %d photos.", node.MaxPhotos)
	}
	return node.Errorf(node.EINVALID, "A stall may have at most %d photos.", node.MaxPhotos)
}
