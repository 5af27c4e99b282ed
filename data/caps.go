package data

import (
	"context"
	"database/sql"

	"github.com/shiji-market/shiji/node"
)

// CreateOwnedGroup creates the group chat c owned by owner (its only
// member), in one transaction with a count of the groups owner created: when
// max > 0 and owner has max or more, it is ECONFLICT and nothing changes.
func (db *DB) CreateOwnedGroup(ctx context.Context, c *node.Conversation, owner node.AccountID, max int) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		if max > 0 {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM conversations WHERE kind = 'group' AND created_by = ?`, owner).Scan(&n); err != nil {
				return err
			}
			if n >= max {
				return node.Errorf(node.ECONFLICT, "You already run %d group chats, as many as one person may run here; close one or ask a moderator.", n)
			}
		}
		return createConversation(ctx, tx, c, []Member{{Account: owner, Role: "owner"}}, db.now())
	})
}
