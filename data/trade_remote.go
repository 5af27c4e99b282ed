package data

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/shiji-market/shiji/node"
)

// Trades across markets (FEP-0837): the same trades table, steps and notes
// as at home, with one side elsewhere (node.TradeRemote).

// CreateRemoteTrade stores a requested trade across markets made by
// node.NewTrade, with t.Remote set (its Side, Actor and Offer at least), in
// conversation conv (the private chat with the other side, already open),
// in one transaction with its first step, its message and the notifications.
// The checks are CreateTrade's (checkNewTradeTx): when maxOpen > 0 and the
// buyer (the remote actor on the stall's node, the resident on the buyer's)
// has that many trades open, it is ECONFLICT. On the stall's node (Side
// node.RemoteBuyer) the item's state and the stall's attendance on t.Day
// are checked again inside the transaction (ECONFLICT, EINVALID); the
// message is the remote buyer's. On the buyer's node (node.RemoteStall)
// nothing is held here; the message is the buyer's own. An Offer taken in
// before is ECONFLICT.
func (db *DB) CreateRemoteTrade(ctx context.Context, t *node.Trade, conv node.ConversationID, maxOpen int) error {
	r := t.Remote
	if r == nil || r.Offer == "" || r.Actor == "" || (r.Side != node.RemoteBuyer && r.Side != node.RemoteStall) {
		return fmt.Errorf("data: a trade across markets needs its remote side and its offer")
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		now := t.CreatedAt
		holders, err := checkNewTradeTx(ctx, tx, t, maxOpen)
		if err != nil {
			return err
		}
		var item, stall, buyer any
		author, authorName, authorShown := t.Buyer, t.BuyerName, t.BuyerShown
		if r.Side == node.RemoteBuyer {
			item, stall = t.Item, t.Stall
			t.BuyerName, t.BuyerShown = r.Name, r.Shown
			author, authorName, authorShown = 0, r.Name, r.Shown
		} else {
			if err := tx.QueryRowContext(ctx, `SELECT name, display_name FROM accounts WHERE id = ?`, t.Buyer).Scan(&t.BuyerName, &t.BuyerShown); err != nil {
				return notFound(err, "There is no account %d.", t.Buyer)
			}
			buyer = t.Buyer
			authorName, authorShown = t.BuyerName, t.BuyerShown
		}
		var agreement any
		if r.Agreement != "" {
			agreement = r.Agreement
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO trades(item_id, stall_id, buyer_id, quantity, day, starts_at, closes_at, message, status,
			conversation_id, created_at, updated_at, remote_side, remote_actor, remote_name, remote_shown, remote_item, remote_title, remote_url,
			offer_id, agreement_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, nullif(?, 0), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			item, stall, buyer, t.Quantity, t.Day, t.StartsAt.Unix(), t.ClosesAt.Unix(), t.Message, t.Status, conv, now.Unix(), now.Unix(),
			r.Side, r.Actor, r.Name, r.Shown, r.ItemIRI, t.ItemTitle, r.ItemURL, r.Offer, agreement)
		if isUnique(err) {
			return node.Errorf(node.ECONFLICT, "This offer has already been received.")
		} else if err != nil {
			return fmt.Errorf("data: create remote trade: %w", err)
		}
		id, _ := res.LastInsertId()
		t.ID, t.Conversation = node.TradeID(id), conv
		if r.Side == node.RemoteStall {
			t.StallName = r.Shown
			if t.StallName == "" {
				t.StallName = r.Name
			}
		}
		for _, ev := range t.Events {
			if err := insertTradeEvent(ctx, tx, t.ID, ev); err != nil {
				return err
			}
		}
		var msg any
		if t.Message != "" && conv != 0 {
			res, err := tx.ExecContext(ctx, `INSERT INTO messages(conversation_id, author_id, author_name, author_shown, body, created_at, written_at)
				VALUES (?, nullif(?, 0), ?, ?, ?, ?, ?)`, conv, author, authorName, authorShown, t.Message, now.Unix(), now.UnixMilli())
			if err != nil {
				return fmt.Errorf("data: trade message: %w", err)
			}
			mid, _ := res.LastInsertId()
			msg = mid
			if _, err := tx.ExecContext(ctx, `UPDATE conversations SET last_message_at = ? WHERE id = ?`, now.Unix(), conv); err != nil {
				return err
			}
			if author != 0 {
				if _, err := tx.ExecContext(ctx, `UPDATE members SET last_read = ? WHERE conversation_id = ? AND account_id = ?`, mid, conv, author); err != nil {
					return err
				}
			}
		}
		t.CreatedAt, t.UpdatedAt = now.Truncate(time.Second).UTC(), now.Truncate(time.Second).UTC()
		return notifyTrade(ctx, tx, t, t.LastEvent(), holders, msg)
	})
}

// TradeByRemote returns the id of the trade across markets whose Offer or
// Agreement has the id iri, with its remote side's actor, or ENOTFOUND.
func (db *DB) TradeByRemote(ctx context.Context, iri string) (node.TradeID, error) {
	var id node.TradeID
	err := db.r.QueryRowContext(ctx, `SELECT id FROM trades WHERE offer_id = ?1 OR agreement_id = ?1`, iri).Scan(&id)
	return id, notFound(err, "There is no trade with the offer or agreement %s.", iri)
}

// UnmetRequests returns the requested trades of an item that ask for more
// than is left to hold now (after another reservation took it), oldest first.
func (db *DB) UnmetRequests(ctx context.Context, item node.ItemID) ([]node.TradeID, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT t.id FROM trades t JOIN items i ON i.id = t.item_id
		WHERE t.item_id = ?1 AND t.status = 'requested' AND t.quantity > max(0, i.quantity -
			(SELECT coalesce(sum(h.quantity), 0) FROM trades h WHERE h.item_id = ?1 AND h.status IN ('accepted', 'handed_over')))
		ORDER BY t.id LIMIT 1000`, item)
	if err != nil {
		return nil, fmt.Errorf("data: unmet requests: %w", err)
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
