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

// StallCards returns the items of st that Items would list for
// ItemFilter{Stall: st.ID, Status: status, Limit: limit, Offset: offset},
// each with its first photo, read from the items_cards index alone (a
// stall's cards lie together in it: a page of them is a few index pages).
// The items' stall name and alley are st's.
func (db *DB) StallCards(ctx context.Context, st *node.Stall, status node.ItemStatus, limit, offset int) ([]*node.Item, error) {
	f := ItemFilter{Stall: st.ID, Status: status, Limit: limit, Offset: offset}
	where, args, limit := f.sql()
	return db.queryItems(ctx, `SELECT i.id, i.stall_id, i.title, '', i.price_kind, i.price_minor, i.currency, i.quantity, i.tags, i.status,
		i.created_at, i.updated_at, ?, ?, i.photo_hash, i.photo_ext, i.photo_w, i.photo_h, i.photo_alt
		FROM items i INDEXED BY items_cards WHERE `+where+` ORDER BY i.created_at DESC, i.id DESC LIMIT ? OFFSET ?`,
		append(append([]any{st.Name, st.Alley}, args...), limit, offset)...)
}
