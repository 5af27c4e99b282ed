package data

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/shiji-market/shiji/node"
)

// DeletedAuthor is what a deleted account's messages say instead of its name.
const DeletedAuthor = "[deleted]"

// AccountDeletion is what deleting an account did, for the caller to finish
// after the commit.
type AccountDeletion struct {
	Closed []node.StallID // the stalls it held alone, now gone
	Photos []node.Photo   // photo files nothing refers to any more
	Trades int            // open trades it cancelled
}

// SoleStallsTx returns the stalls account holds with nobody else (they close
// with the account).
func SoleStallsTx(ctx context.Context, tx *sql.Tx, account node.AccountID) ([]node.StallID, error) {
	rows, err := tx.QueryContext(ctx, `SELECT h.stall_id FROM stall_holders h WHERE h.account_id = ?
		AND NOT EXISTS (SELECT 1 FROM stall_holders o WHERE o.stall_id = h.stall_id AND o.account_id != h.account_id) ORDER BY h.stall_id`, account)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []node.StallID
	for rows.Next() {
		var id node.StallID
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// DeleteAccountTx removes or anonymises, in tx, everything of account:
//
//   - its messages become tombstones (no body, no photos, author "[deleted]");
//   - its open reservations, and those at the stalls it held alone, are
//     cancelled (the hold is released); past trades keep what the other side
//     needs (item, quantity, day, steps) but lose the reservation's message
//     and both thank-you notes;
//   - the stalls it held alone (closed) lose their story, photos and place
//     and their items are withdrawn with their stories and photos; from
//     stalls held with others it is only removed as a holder;
//   - its memberships, notifications, follows, blocks, reports, invitations,
//     sessions and tokens are removed;
//   - the account keeps only its name, so that nobody can take the name (and
//     with it, on the fediverse, the account's followers) later.
//
// ENOTFOUND when there is no such active account.
func (db *DB) DeleteAccountTx(ctx context.Context, tx *sql.Tx, account node.AccountID, closed []node.StallID) (*AccountDeletion, error) {
	now := db.now()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM accounts WHERE id = ? AND disabled = 0 AND deleted_at IS NULL`, account).Scan(&n); err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, node.Errorf(node.ENOTFOUND, "No such account.")
	}
	del := &AccountDeletion{Closed: closed}
	var photos []node.Photo

	// Open trades: its own reservations, and any at the stalls that close.
	cancelled, err := cancelOpenTradesTx(ctx, tx, account, closed, now)
	if err != nil {
		return nil, err
	}
	del.Trades = cancelled

	// Stalls it held alone close; it leaves the others.
	for _, st := range closed {
		ps, err := closeStallTx(ctx, tx, st, now)
		if err != nil {
			return nil, err
		}
		photos = append(photos, ps...)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM stall_holders WHERE account_id = ?`, account); err != nil {
		return nil, err
	}

	// Messages become tombstones.
	ps, err := collectPhotosTx(ctx, tx, `SELECT p.hash, p.ext, p.width, p.height FROM message_photos p JOIN messages m ON m.id = p.message_id WHERE m.author_id = ?`, account)
	if err != nil {
		return nil, err
	}
	photos = append(photos, ps...)
	for _, q := range []string{
		`DELETE FROM message_photos WHERE message_id IN (SELECT id FROM messages WHERE author_id = ?1)`,
		`UPDATE notifications SET excerpt = '' WHERE message_id IN (SELECT id FROM messages WHERE author_id = ?1)`,
		`UPDATE messages SET body = '', author_name = '` + DeletedAuthor + `', author_shown = '', author_url = '', edited_at = NULL,
			deleted_at = coalesce(deleted_at, ?2) WHERE author_id = ?1`,
		// Trades keep what the other side needs.
		`UPDATE trades SET message = '' WHERE buyer_id = ?1`,
		`DELETE FROM trade_notes WHERE author_id = ?1 OR trade_id IN (SELECT id FROM trades WHERE buyer_id = ?1)`,
		// Everything else of theirs.
		`DELETE FROM members WHERE account_id = ?1`,
		`UPDATE conversations SET created_by = NULL WHERE created_by = ?1`,
		`DELETE FROM notifications WHERE account_id = ?1`,
		`UPDATE notifications SET actor = '` + DeletedAuthor + `' WHERE actor = (SELECT name FROM accounts WHERE id = ?1)`,
		`DELETE FROM stall_follows WHERE account_id = ?1`,
		`DELETE FROM blocks WHERE blocker_id = ?1 OR blocked_id = ?1`,
		`DELETE FROM reports WHERE reporter_id = ?1`,
		`DELETE FROM invitations WHERE created_by = ?1 AND used_by IS NULL`,
		`DELETE FROM sessions WHERE account_id = ?1`,
		`DELETE FROM push_subscriptions WHERE account_id = ?1`,
		`DELETE FROM push_reminders WHERE account_id = ?1`,
		`DELETE FROM calendar_tokens WHERE account_id = ?1`,
		`DELETE FROM ap_following WHERE account_id = ?1`,
		`UPDATE accounts SET display_name = '', password_hash = '', lang = '', signup_answer = '', disabled = 1, deleted_at = ?2 WHERE id = ?1`,
	} {
		if _, err := tx.ExecContext(ctx, q, account, now.Unix()); err != nil {
			return nil, fmt.Errorf("data: delete account %d: %w", account, err)
		}
	}
	del.Photos, err = unusedPhotosTx(ctx, tx, photos)
	return del, err
}

// cancelOpenTradesTx cancels the requested and accepted trades of buyer and
// those at the closing stalls, as the buyer or the stall would. Trades it
// cannot cancel (handed over, or their day is over) are left to expire.
func cancelOpenTradesTx(ctx context.Context, tx *sql.Tx, account node.AccountID, closed []node.StallID, now time.Time) (int, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id FROM trades WHERE status IN ('requested', 'accepted') AND (buyer_id = ?1
		OR stall_id IN (SELECT stall_id FROM stall_holders WHERE account_id = ?1 AND NOT EXISTS
			(SELECT 1 FROM stall_holders o WHERE o.stall_id = stall_holders.stall_id AND o.account_id != ?1))) ORDER BY id`, account)
	if err != nil {
		return 0, err
	}
	var ids []node.TradeID
	for rows.Next() {
		var id node.TradeID
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		t, err := loadTrade(ctx, tx, id)
		if err != nil {
			return 0, err
		}
		reason := "The stall has closed: its stallholder deleted their account."
		if t.Buyer == account {
			reason = "The person who reserved it deleted their account."
		}
		err = applyTradeStep(ctx, tx, t, func(t *node.Trade) error {
			if err := t.Cancel(account, t.Buyer != account, reason, now); node.ErrorCode(err) == node.ECONFLICT {
				return nil // handed over or past its day: expiry ends it
			} else if err != nil {
				return err
			}
			n++
			return nil
		})
		if err != nil {
			return 0, fmt.Errorf("data: cancel trade %d: %w", id, err)
		}
	}
	return n, nil
}

// closeStallTx takes a stall off the market for good: no story, photos,
// place, days or followers here; its items are withdrawn and lose their
// stories and photos (titles stay for the trades that name them). It
// returns the photos it dropped.
func closeStallTx(ctx context.Context, tx *sql.Tx, id node.StallID, now time.Time) ([]node.Photo, error) {
	photos, err := collectPhotosTx(ctx, tx, `SELECT hash, ext, width, height FROM photos WHERE (owner_kind = 'stall' AND owner_id = ?1)
		OR (owner_kind = 'item' AND owner_id IN (SELECT id FROM items WHERE stall_id = ?1))`, id)
	if err != nil {
		return nil, err
	}
	for _, q := range []string{
		`DELETE FROM photos WHERE (owner_kind = 'stall' AND owner_id = ?1) OR (owner_kind = 'item' AND owner_id IN (SELECT id FROM items WHERE stall_id = ?1))`,
		`UPDATE items SET status = CASE WHEN status IN ('available', 'reserved') THEN 'withdrawn' ELSE status END, story = '', tags = '', updated_at = ?2 WHERE stall_id = ?1`,
		`UPDATE stalls SET story = '', x = NULL, y = NULL, open_today = 0, approve_followers = 0, also_known_as = '[]', deleted_at = ?2, updated_at = ?2 WHERE id = ?1`,
		`DELETE FROM stalls_fts WHERE rowid = ?1`,
		`DELETE FROM items_fts WHERE rowid IN (SELECT id FROM items WHERE stall_id = ?1)`,
		`DELETE FROM stall_days WHERE stall_id = ?1`,
		`DELETE FROM stall_follows WHERE stall_id = ?1`,
	} {
		if _, err := tx.ExecContext(ctx, q, id, now.Unix()); err != nil {
			return nil, fmt.Errorf("data: close stall %d: %w", id, err)
		}
	}
	return photos, nil
}

func collectPhotosTx(ctx context.Context, tx *sql.Tx, q string, arg any) ([]node.Photo, error) {
	rows, err := tx.QueryContext(ctx, q, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []node.Photo
	for rows.Next() {
		var p node.Photo
		if err := rows.Scan(&p.Hash, &p.Ext, &p.Width, &p.Height); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// unusedPhotosTx keeps the photos (by file) that no stall, item or message
// refers to any more.
func unusedPhotosTx(ctx context.Context, tx *sql.Tx, photos []node.Photo) ([]node.Photo, error) {
	seen := map[string]bool{}
	var out []node.Photo
	for _, p := range photos {
		if seen[p.Hash+"."+p.Ext] {
			continue
		}
		seen[p.Hash+"."+p.Ext] = true
		var n int
		err := tx.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM photos WHERE hash = ?1) + (SELECT count(*) FROM message_photos WHERE hash = ?1)`, p.Hash).Scan(&n)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		if n == 0 {
			out = append(out, p)
		}
	}
	return out, nil
}

// AccountName returns the name of account id, also of a deleted or pending
// one (a deleted account still signs the Delete that tells others).
func (db *DB) AccountName(ctx context.Context, id node.AccountID) (string, error) {
	var name string
	err := db.r.QueryRowContext(ctx, `SELECT name FROM accounts WHERE id = ?`, id).Scan(&name)
	return name, notFound(err, "No such account.")
}

// AccountGone reports whether name is a deleted account's.
func (db *DB) AccountGone(ctx context.Context, name string) (bool, error) {
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM accounts WHERE name = ? AND deleted_at IS NOT NULL`, name).Scan(&n)
	return n > 0, err
}

// CountRole returns how many active accounts have role.
func (db *DB) CountRole(ctx context.Context, role node.Role) (int, error) {
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM accounts WHERE role = ? AND disabled = 0`, role).Scan(&n)
	return n, err
}
