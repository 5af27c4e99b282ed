package data

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/shiji-market/shiji/node"
)

// Follow makes account follow a stall here on the node (idempotent);
// ENOTFOUND for an unknown stall. Followers elsewhere are federation's
// (ap_followers).
func (db *DB) Follow(ctx context.Context, account node.AccountID, stall node.StallID) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO stall_follows(account_id, stall_id, created_at) VALUES (?, ?, ?)`,
			account, stall, db.now().Unix())
		if err != nil && strings.Contains(err.Error(), "FOREIGN KEY") {
			return node.Errorf(node.ENOTFOUND, "There is no stall %d.", stall)
		}
		return err
	})
}

// Unfollow ends account's follow of a stall (no error when there was none).
func (db *DB) Unfollow(ctx context.Context, account node.AccountID, stall node.StallID) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM stall_follows WHERE account_id = ? AND stall_id = ?`, account, stall)
		return err
	})
}

// Follows reports whether account follows the stall, and how many local
// accounts follow it.
func (db *DB) Follows(ctx context.Context, account node.AccountID, stall node.StallID) (following bool, followers int, err error) {
	err = db.queryRow(ctx, `SELECT count(*) FILTER (WHERE account_id = ?), count(*) FROM stall_follows WHERE stall_id = ?`,
		account, stall).Scan(&following, &followers)
	return following, followers, err
}

// FollowedStalls lists the stalls account follows, most recently followed first.
func (db *DB) FollowedStalls(ctx context.Context, account node.AccountID) ([]*node.Stall, error) {
	rows, err := db.query(ctx, `SELECT `+stallCols+` FROM stalls s JOIN stall_follows f ON f.stall_id = s.id AND f.account_id = ?
		ORDER BY f.created_at DESC, s.id LIMIT 500`, account)
	if err != nil {
		return nil, fmt.Errorf("data: followed stalls: %w", err)
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

// FollowedItems lists the newest available items of the stalls account
// follows, newest first.
func (db *DB) FollowedItems(ctx context.Context, account node.AccountID, limit int) ([]*node.Item, error) {
	if limit <= 0 || limit > 200 {
		limit = 24
	}
	return db.queryItems(ctx, `SELECT `+itemListCols+itemCardFrom+`
		JOIN stall_follows f ON f.stall_id = i.stall_id AND f.account_id = ?
		WHERE i.status = 'available' ORDER BY i.created_at DESC, i.id DESC LIMIT ?`, account, limit)
}

// FollowedStallIDs returns the stalls account follows.
func (db *DB) FollowedStallIDs(ctx context.Context, account node.AccountID) (map[node.StallID]bool, error) {
	rows, err := db.query(ctx, `SELECT stall_id FROM stall_follows WHERE account_id = ?`, account)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[node.StallID]bool{}
	for rows.Next() {
		var id node.StallID
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}
