package data

import (
	"context"
	"fmt"
	"time"

	"github.com/shiji-market/shiji/node"
)

// FloorVersion returns a number that changes whenever a stall or an item does.
func (db *DB) FloorVersion(ctx context.Context) (int64, error) {
	var v int64
	err := db.queryRow(ctx, `SELECT value FROM versions WHERE name = 'floor'`).Scan(&v)
	return v, err
}

// WanderRow is what the wander engine needs to know of an available item.
type WanderRow struct {
	Item     node.ItemID
	Stall    node.StallID
	Alley    node.AlleyID
	Listed   time.Time
	StoryLen int
	Price    node.Price
}

// WanderRows streams every available item to fn, in id order.
func (db *DB) WanderRows(ctx context.Context, fn func(WanderRow)) error {
	rows, err := db.query(ctx, `SELECT i.id, i.stall_id, s.alley_id, i.created_at, length(i.story), i.price_kind, i.price_minor, i.currency
		FROM items i JOIN stalls s ON s.id = i.stall_id WHERE i.status = 'available' ORDER BY i.id`)
	if err != nil {
		return fmt.Errorf("data: wander rows: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r WanderRow
		var listed int64
		if err := rows.Scan(&r.Item, &r.Stall, &r.Alley, &listed, &r.StoryLen, &r.Price.Kind, &r.Price.Minor, &r.Price.Currency); err != nil {
			return err
		}
		r.Listed = time.Unix(listed, 0).UTC()
		fn(r)
	}
	return rows.Err()
}

// StallSpot is a stall's place on the floor plan (X, Y = -1 when unplaced).
type StallSpot struct {
	Stall node.StallID
	Alley node.AlleyID
	Name  string
	X, Y  int
	Open  bool
}

// StallSpots returns every stall's place, in id order.
func (db *DB) StallSpots(ctx context.Context) ([]StallSpot, error) {
	rows, err := db.query(ctx, `SELECT id, alley_id, name, coalesce(x, -1), coalesce(y, -1), open_today FROM stalls ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []StallSpot
	for rows.Next() {
		var s StallSpot
		if err := rows.Scan(&s.Stall, &s.Alley, &s.Name, &s.X, &s.Y, &s.Open); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
