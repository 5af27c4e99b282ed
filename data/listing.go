package data

import (
	"context"
	"fmt"

	"github.com/shiji-market/shiji/node"
)

// ItemIDs returns the ids of the items Items would list, in the same order.
// With no alley it reads an index alone (no item rows), so a page can take
// the items it already holds from memory and read only the others with
// ItemsByID.
func (db *DB) ItemIDs(ctx context.Context, f ItemFilter) ([]node.ItemID, error) {
	where, args, limit := f.sql()
	from := ` FROM items i`
	if f.Alley != 0 {
		from += ` JOIN stalls s ON s.id = i.stall_id`
	}
	rows, err := db.query(ctx, `SELECT i.id`+from+` WHERE `+where+` ORDER BY i.created_at DESC, i.id DESC LIMIT ? OFFSET ?`,
		append(args, limit, f.Offset)...)
	if err != nil {
		return nil, fmt.Errorf("data: item ids: %w", err)
	}
	defer rows.Close()
	ids := make([]node.ItemID, 0, limit)
	for rows.Next() {
		var id node.ItemID
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
