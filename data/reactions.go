package data

import (
	"context"

	"github.com/shiji-market/shiji/node"
)

// Reactions counts the likes and boosts an item got on the fediverse.
func (db *DB) Reactions(ctx context.Context, item node.ItemID) (likes, boosts int, err error) {
	err = db.queryRow(ctx, `SELECT count(*) FILTER (WHERE kind = 'like'), count(*) FILTER (WHERE kind = 'announce')
		FROM ap_reactions WHERE item_id = ?`, item).Scan(&likes, &boosts)
	return likes, boosts, err
}
