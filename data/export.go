package data

import (
	"context"
	"fmt"

	"github.com/shiji-market/shiji/node"
)

// AuthoredMessages returns up to limit of account's messages (not deleted)
// with id > after, oldest first, with their photos: a person's export pages
// through them.
func (db *DB) AuthoredMessages(ctx context.Context, account node.AccountID, after node.MessageID, limit int) ([]*node.Message, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+msgCols+` FROM messages x WHERE x.author_id = ? AND x.id > ? AND x.deleted_at IS NULL
		ORDER BY x.id LIMIT ?`, account, after, limit)
	if err != nil {
		return nil, fmt.Errorf("data: authored messages: %w", err)
	}
	var out []*node.Message
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, db.messagePhotos(ctx, out)
}

// TradeIDsOf returns the ids of every trade account made or that is at a
// stall it holds, oldest first.
func (db *DB) TradeIDsOf(ctx context.Context, account node.AccountID) ([]node.TradeID, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id FROM trades WHERE buyer_id = ?1
		OR stall_id IN (SELECT stall_id FROM stall_holders WHERE account_id = ?1) ORDER BY id`, account)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []node.TradeID
	for rows.Next() {
		var id node.TradeID
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// StallItemIDs returns the ids of every item of a stall, withdrawn ones too,
// oldest first.
func (db *DB) StallItemIDs(ctx context.Context, stall node.StallID) ([]node.ItemID, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id FROM items WHERE stall_id = ? ORDER BY id`, stall)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []node.ItemID
	for rows.Next() {
		var id node.ItemID
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
