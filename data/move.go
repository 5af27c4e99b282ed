package data

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/shiji-market/shiji/node"
)

// MaxAliases is how many other actors a stall may name as itself.
const MaxAliases = 5

// SetStallAliases stores the actors elsewhere that are this stall
// (alsoKnownAs): a stall moving here from another market names its old
// actor first, so that the old market may send the Move.
func (db *DB) SetStallAliases(ctx context.Context, id node.StallID, aliases []string) error {
	if len(aliases) > MaxAliases {
		return node.Errorf(node.EINVALID, "A stall may have at most %d other addresses.", MaxAliases)
	}
	b, err := json.Marshal(append([]string{}, aliases...))
	if err != nil {
		return err
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE stalls SET also_known_as = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL`,
			string(b), db.now().Unix(), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return node.Errorf(node.ENOTFOUND, "There is no stall %d.", id)
		}
		return nil
	})
}

// MoveStallTx records, in tx, that the stall moved to the actor target on
// another market: it leaves the floor plan, the listings and the search,
// its available items are withdrawn here (trades already agreed go on), and
// its local followers are returned (and forgotten here: the caller makes
// them follow target). ECONFLICT when it moved already.
func MoveStallTx(ctx context.Context, tx *sql.Tx, id node.StallID, target string, now int64) ([]node.AccountID, error) {
	var moved string
	if err := tx.QueryRowContext(ctx, `SELECT moved_to FROM stalls WHERE id = ? AND deleted_at IS NULL`, id).Scan(&moved); err != nil {
		return nil, notFound(err, "There is no stall %d.", id)
	}
	if moved != "" {
		return nil, node.Errorf(node.ECONFLICT, "This stall has moved already, to %s.", moved)
	}
	rows, err := tx.QueryContext(ctx, `SELECT account_id FROM stall_follows WHERE stall_id = ? ORDER BY account_id`, id)
	if err != nil {
		return nil, err
	}
	var followers []node.AccountID
	for rows.Next() {
		var a node.AccountID
		if err := rows.Scan(&a); err != nil {
			rows.Close()
			return nil, err
		}
		followers = append(followers, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, q := range []string{
		`UPDATE stalls SET moved_to = ?2, moved_at = ?3, x = NULL, y = NULL, open_today = 0, updated_at = ?3 WHERE id = ?1`,
		`UPDATE items SET status = 'withdrawn', updated_at = ?3 WHERE stall_id = ?1 AND status = 'available'`,
		`DELETE FROM stalls_fts WHERE rowid = ?1`,
		`DELETE FROM stall_days WHERE stall_id = ?1`,
		`DELETE FROM stall_follows WHERE stall_id = ?1`,
	} {
		if _, err := tx.ExecContext(ctx, q, id, target, now); err != nil {
			return nil, fmt.Errorf("data: move stall %d: %w", id, err)
		}
	}
	return followers, nil
}
