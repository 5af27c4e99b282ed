package data

import (
	"context"
	"database/sql"

	"github.com/shiji-market/shiji/node"
)

// NotifyStallHolders notifies every stallholder of a stall of something that
// belongs to no conversation (a follow request): kind, who did it (actor)
// and an excerpt. It returns the accounts notified.
func (db *DB) NotifyStallHolders(ctx context.Context, stall node.StallID, kind, actor, excerpt string) ([]node.AccountID, error) {
	var ids []node.AccountID
	err := db.write(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `INSERT INTO notifications(account_id, kind, actor, excerpt, created_at)
			SELECT account_id, ?, ?, ?, ? FROM stall_holders WHERE stall_id = ? RETURNING account_id`,
			kind, actor, excerpt, db.now().Unix(), stall)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id node.AccountID
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return rows.Err()
	})
	return ids, err
}
