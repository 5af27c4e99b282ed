package data

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/shiji-market/shiji/node"
)

// Alleys returns the market's alleys in their order.
func (db *DB) Alleys(ctx context.Context) ([]*node.Alley, error) {
	rows, err := db.query(ctx, `SELECT id, slug, name, colour, position FROM alleys ORDER BY position, id`)
	if err != nil {
		return nil, fmt.Errorf("data: alleys: %w", err)
	}
	defer rows.Close()
	var out []*node.Alley
	for rows.Next() {
		var a node.Alley
		var name string
		if err := rows.Scan(&a.ID, &a.Slug, &name, &a.Colour, &a.Position); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(name), &a.Name); err != nil {
			return nil, err
		}
		out = append(out, &a)
	}
	return out, rows.Err()
}

// CreateAlley validates and stores an alley; a taken slug is ECONFLICT.
func (db *DB) CreateAlley(ctx context.Context, a *node.Alley) error {
	if err := a.Validate(); err != nil {
		return err
	}
	return db.write(ctx, func(tx *sql.Tx) error { return createAlley(ctx, tx, a) })
}

func createAlley(ctx context.Context, tx *sql.Tx, a *node.Alley) error {
	name, _ := json.Marshal(a.Name)
	res, err := tx.ExecContext(ctx, `INSERT INTO alleys(slug, name, colour, position) VALUES (?, ?, ?, ?)`,
		a.Slug, string(name), a.Colour, a.Position)
	if isUnique(err) {
		return node.Errorf(node.ECONFLICT, "There is already an alley called %q.", a.Slug)
	} else if err != nil {
		return fmt.Errorf("data: create alley: %w", err)
	}
	id, _ := res.LastInsertId()
	a.ID = node.AlleyID(id)
	return nil
}

// FloorPlan returns the grid size of the market's floor plan.
func (db *DB) FloorPlan(ctx context.Context) (w, h int, err error) {
	err = db.queryRow(ctx, `SELECT floor_w, floor_h FROM market WHERE id = 1`).Scan(&w, &h)
	return w, h, err
}

// SetFloorPlan sets the grid size; stalls outside it are ECONFLICT.
func (db *DB) SetFloorPlan(ctx context.Context, w, h int) error {
	if w < 1 || h < 1 || w > 200 || h > 200 {
		return node.Errorf(node.EINVALID, "The floor plan must be between 1×1 and 200×200 cells.")
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		var outside int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM stalls WHERE x >= ? OR y >= ?`, w, h).Scan(&outside); err != nil {
			return err
		}
		if outside > 0 {
			return node.Errorf(node.ECONFLICT, "%d stalls stand outside a %d×%d plan; move them first.", outside, w, h)
		}
		_, err := tx.ExecContext(ctx, `UPDATE market SET floor_w = ?, floor_h = ? WHERE id = 1`, w, h)
		return err
	})
}
