package data

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shiji-market/shiji/node"
)

// Trades and their quantities: items.quantity is what the stall has; the
// accepted and handed-over trades of an item hold part of it; what is left
// is available. Every transition — and the quantity and item status it
// changes — happens in one write transaction, so nothing is ever oversold.

const tradeCols = `t.id, coalesce(t.item_id, 0), coalesce(t.stall_id, 0), coalesce(t.buyer_id, 0), t.quantity, t.day, t.starts_at, t.closes_at,
	t.message, t.status, t.reason, t.reason_code, coalesce(t.conversation_id, 0), t.created_at, t.updated_at,
	coalesce(i.title, t.remote_title), coalesce(s.name, nullif(t.remote_shown, ''), t.remote_name),
	coalesce(a.name, t.remote_name), coalesce(a.display_name, t.remote_shown),
	t.remote_side, t.remote_actor, t.remote_name, t.remote_shown, t.remote_item, t.remote_url, coalesce(t.offer_id, ''), coalesce(t.agreement_id, '')`

// The item, stall and buyer are joined when they are here (a trade across
// markets has one side elsewhere: node.TradeRemote).
const tradeFrom = ` FROM trades t LEFT JOIN items i ON i.id = t.item_id LEFT JOIN stalls s ON s.id = t.stall_id LEFT JOIN accounts a ON a.id = t.buyer_id`

// queryer is a *sql.DB or a *sql.Tx.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func scanTrade(row scanner) (*node.Trade, error) {
	var t node.Trade
	var starts, closes, created, updated int64
	var r node.TradeRemote
	if err := row.Scan(&t.ID, &t.Item, &t.Stall, &t.Buyer, &t.Quantity, &t.Day, &starts, &closes, &t.Message, &t.Status,
		&t.Reason, &t.ReasonCode, &t.Conversation, &created, &updated, &t.ItemTitle, &t.StallName, &t.BuyerName, &t.BuyerShown,
		&r.Side, &r.Actor, &r.Name, &r.Shown, &r.ItemIRI, &r.ItemURL, &r.Offer, &r.Agreement); err != nil {
		return nil, err
	}
	if r.Side != "" {
		t.Remote = &r
	}
	t.StartsAt, t.ClosesAt = time.Unix(starts, 0).UTC(), time.Unix(closes, 0).UTC()
	t.CreatedAt, t.UpdatedAt = time.Unix(created, 0).UTC(), time.Unix(updated, 0).UTC()
	return &t, nil
}

func loadTrade(ctx context.Context, q queryer, id node.TradeID) (*node.Trade, error) {
	t, err := scanTrade(q.QueryRowContext(ctx, `SELECT `+tradeCols+tradeFrom+` WHERE t.id = ?`, id))
	if err != nil {
		return nil, notFound(err, "There is no trade %d.", id)
	}
	return t, nil
}

// itemForTrade loads the item with what its trades hold, inside tx.
func itemForTrade(ctx context.Context, tx *sql.Tx, id node.ItemID) (*node.Item, error) {
	var it node.Item
	err := tx.QueryRowContext(ctx, `SELECT i.id, i.stall_id, i.title, i.quantity, i.status, s.name,
		(SELECT coalesce(sum(t.quantity), 0) FROM trades t WHERE t.item_id = i.id AND t.status IN ('accepted', 'handed_over'))
		FROM items i JOIN stalls s ON s.id = i.stall_id WHERE i.id = ?`, id).
		Scan(&it.ID, &it.Stall, &it.Title, &it.Quantity, &it.Status, &it.StallName, &it.Held)
	if err != nil {
		return nil, notFound(err, "There is no item %d.", id)
	}
	return &it, nil
}

// syncItemStatus makes an available or reserved item's status say whether any
// of it is left: reserved when everything is held, gone when none is left.
func syncItemStatus(ctx context.Context, tx *sql.Tx, id node.ItemID, now time.Time) error {
	it, err := itemForTrade(ctx, tx, id)
	if err != nil {
		return err
	}
	next := it.Status
	switch {
	case it.Status == node.ItemWithdrawn:
	case it.Quantity == 0:
		next = node.ItemGone
	case it.Status == node.ItemGone:
	case it.Available() == 0:
		next = node.ItemReserved
	default:
		next = node.ItemAvailable
	}
	if next == it.Status {
		return nil
	}
	_, err = tx.ExecContext(ctx, `UPDATE items SET status = ?, updated_at = ? WHERE id = ?`, next, now.Unix(), id)
	return err
}

func stallHolders(ctx context.Context, tx *sql.Tx, stall node.StallID) ([]node.AccountID, error) {
	rows, err := tx.QueryContext(ctx, `SELECT account_id FROM stall_holders WHERE stall_id = ? ORDER BY account_id`, stall)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []node.AccountID
	for rows.Next() {
		var id node.AccountID
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// CreateTrade stores a requested trade made by node.NewTrade, in one
// transaction with its private conversation (the resident and the stall's
// stallholders, about the item; the trade's message is its first message),
// its first step and the stall's notifications. The item's state and the
// stall's attendance are checked again inside the transaction: ECONFLICT
// (withdrawn, gone, not enough left), EINVALID (the stall does not come on
// the trade's day).
// When maxOpen > 0 and the resident already has that many trades open
// (requested, accepted or handed over, here or on other markets), it is
// ECONFLICT and nothing changes. The checks are CreateRemoteTrade's too
// (checkNewTradeTx).
func (db *DB) CreateTrade(ctx context.Context, t *node.Trade, maxOpen int) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		now := t.CreatedAt
		holders, err := checkNewTradeTx(ctx, tx, t, maxOpen)
		if err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT name, display_name FROM accounts WHERE id = ?`, t.Buyer).Scan(&t.BuyerName, &t.BuyerShown); err != nil {
			return notFound(err, "There is no account %d.", t.Buyer)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO conversations(kind, item_id, stall_id, created_by, created_at, last_message_at)
			VALUES ('private', ?, ?, ?, ?, ?)`, t.Item, t.Stall, t.Buyer, now.Unix(), now.Unix())
		if err != nil {
			return fmt.Errorf("data: trade conversation: %w", err)
		}
		conv, _ := res.LastInsertId()
		t.Conversation = node.ConversationID(conv)
		members := map[node.AccountID]string{t.Buyer: "owner"}
		for _, h := range holders {
			if _, ok := members[h]; !ok {
				members[h] = "stall"
			}
		}
		for id, role := range members {
			if _, err := tx.ExecContext(ctx, `INSERT INTO members(conversation_id, account_id, role, joined_at) VALUES (?, ?, ?, ?)`,
				conv, id, role, now.Unix()); err != nil {
				return fmt.Errorf("data: trade conversation member: %w", err)
			}
		}
		res, err = tx.ExecContext(ctx, `INSERT INTO trades(item_id, stall_id, buyer_id, quantity, day, starts_at, closes_at, message, status,
			conversation_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			t.Item, t.Stall, t.Buyer, t.Quantity, t.Day, t.StartsAt.Unix(), t.ClosesAt.Unix(), t.Message, t.Status, conv, now.Unix(), now.Unix())
		if err != nil {
			return fmt.Errorf("data: create trade: %w", err)
		}
		id, _ := res.LastInsertId()
		t.ID = node.TradeID(id)
		for _, ev := range t.Events {
			if err := insertTradeEvent(ctx, tx, t.ID, ev); err != nil {
				return err
			}
		}
		var msg any
		if t.Message != "" {
			res, err := tx.ExecContext(ctx, `INSERT INTO messages(conversation_id, author_id, author_name, author_shown, body, created_at, written_at)
				VALUES (?, ?, ?, ?, ?, ?, ?)`, conv, t.Buyer, t.BuyerName, t.BuyerShown, t.Message, now.Unix(), now.UnixMilli())
			if err != nil {
				return fmt.Errorf("data: trade message: %w", err)
			}
			mid, _ := res.LastInsertId()
			msg = mid
			if _, err := tx.ExecContext(ctx, `UPDATE members SET last_read = ? WHERE conversation_id = ? AND account_id = ?`, mid, conv, t.Buyer); err != nil {
				return err
			}
		}
		t.CreatedAt, t.UpdatedAt = now.Truncate(time.Second).UTC(), now.Truncate(time.Second).UTC()
		return notifyTrade(ctx, tx, t, t.LastEvent(), holders, msg)
	})
}

func insertTradeEvent(ctx context.Context, tx *sql.Tx, id node.TradeID, ev node.TradeEvent) error {
	name := ""
	if ev.Actor == 0 {
		name = ev.ActorName // a step taken elsewhere
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO trade_events(trade_id, status, actor_id, reason, reason_code, at, actor_name)
		VALUES (?, ?, nullif(?, 0), ?, ?, ?, ?)`, id, ev.Status, ev.Actor, ev.Reason, ev.ReasonCode, ev.At.Unix(), name)
	if err != nil {
		return fmt.Errorf("data: trade event: %w", err)
	}
	return nil
}

// notifyTrade tells both sides of t, except whoever took the step, about it.
func notifyTrade(ctx context.Context, tx *sql.Tx, t *node.Trade, ev node.TradeEvent, holders []node.AccountID, msg any) error {
	actor := ev.ActorName
	if ev.Actor != 0 {
		if err := tx.QueryRowContext(ctx, `SELECT name FROM accounts WHERE id = ?`, ev.Actor).Scan(&actor); err != nil {
			return err
		}
	}
	excerpt := fmt.Sprintf("%s ×%d · %s", t.ItemTitle, t.Quantity, t.Day)
	if ev.Reason != "" && ev.ReasonCode == "" { // a reason the market gave is shown on the trade's page, in the reader's language
		excerpt += " · " + ev.Reason
	}
	if utf8.RuneCountInString(excerpt) > 120 {
		excerpt = string([]rune(excerpt)[:120]) + "…"
	}
	told := map[node.AccountID]bool{ev.Actor: true, 0: true} // 0: a buyer elsewhere
	for _, id := range append([]node.AccountID{t.Buyer}, holders...) {
		if told[id] {
			continue
		}
		told[id] = true
		if _, err := tx.ExecContext(ctx, `INSERT INTO notifications(account_id, kind, conversation_id, message_id, actor, excerpt, created_at)
			VALUES (?, ?, nullif(?, 0), ?, ?, ?, ?)`, id, "trade_"+string(ev.Status), t.Conversation, msg, actor, excerpt, ev.At.Unix()); err != nil {
			return fmt.Errorf("data: trade notification: %w", err)
		}
	}
	return nil
}

// StepTrade applies one step to trade id in one write transaction: step is
// a node.Trade method (Accept, Decline, HandOver, Confirm, Cancel, Expire)
// run on the trade as stored now; its error is returned and nothing changes.
// A step that moves the trade is recorded (trade_events), changes what the
// item holds and its quantity and status (ECONFLICT when accepting more than
// is left, or an item taken off the table), and notifies the other side.
// A step that records nothing (Expire before it is due) changes nothing.
func (db *DB) StepTrade(ctx context.Context, id node.TradeID, step func(t *node.Trade) error) (*node.Trade, error) {
	var t *node.Trade
	err := db.write(ctx, func(tx *sql.Tx) error {
		var err error
		t, err = stepTradeTx(ctx, tx, id, step)
		return err
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// stepTradeTx is StepTrade in tx.
func stepTradeTx(ctx context.Context, tx *sql.Tx, id node.TradeID, step func(t *node.Trade) error) (*node.Trade, error) {
	t, err := loadTrade(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if err := applyTradeStep(ctx, tx, t, step); err != nil {
		return nil, err
	}
	return t, nil
}

// applyTradeStep runs step on t (as loaded in tx) and stores what it moved.
func applyTradeStep(ctx context.Context, tx *sql.Tx, t *node.Trade, step func(t *node.Trade) error) error {
	id := t.ID
	old := t.Status
	if err := step(t); err != nil {
		return err
	}
	if len(t.Events) == 0 {
		return nil
	}
	ev := t.LastEvent()
	local := t.Item != 0 // on the buyer's node, a trade across markets holds nothing here
	switch {
	case !local:
	case !old.Holds() && t.Status.Holds(): // accepted: hold the quantity, if it is there
		it, err := itemForTrade(ctx, tx, t.Item)
		if err != nil {
			return err
		}
		switch {
		case it.Status == node.ItemWithdrawn:
			return node.Errorf(node.ECONFLICT, "The item has been taken off the table; this reservation cannot be accepted.")
		case it.Status == node.ItemGone:
			return node.Errorf(node.ECONFLICT, "The item is gone; this reservation cannot be accepted.")
		case it.Available() < t.Quantity:
			return node.Errorf(node.ECONFLICT, "Not enough left: %d of %d can still be held, and this reservation asks for %d.",
				it.Available(), it.Quantity, t.Quantity)
		}
	case old.Holds() && t.Status == node.TradeCompleted: // handed over for good
		if _, err := tx.ExecContext(ctx, `UPDATE items SET quantity = max(0, quantity - ?), updated_at = ? WHERE id = ?`,
			t.Quantity, ev.At.Unix(), t.Item); err != nil {
			return fmt.Errorf("data: trade quantity: %w", err)
		}
	}
	var agreement any
	if t.Remote != nil && t.Remote.Agreement != "" {
		agreement = t.Remote.Agreement
	}
	if _, err := tx.ExecContext(ctx, `UPDATE trades SET status = ?, reason = ?, reason_code = ?, updated_at = ?, day = ?, starts_at = ?, closes_at = ?,
		agreement_id = coalesce(?, agreement_id) WHERE id = ?`,
		t.Status, t.Reason, t.ReasonCode, ev.At.Unix(), t.Day, t.StartsAt.Unix(), t.ClosesAt.Unix(), agreement, id); err != nil {
		return fmt.Errorf("data: trade step: %w", err)
	}
	if local && (old.Holds() != t.Status.Holds() || t.Status == node.TradeCompleted) {
		if err := syncItemStatus(ctx, tx, t.Item, ev.At); err != nil {
			return err
		}
	}
	if err := insertTradeEvent(ctx, tx, id, ev); err != nil {
		return err
	}
	holders, err := stallHolders(ctx, tx, t.Stall)
	if err != nil {
		return err
	}
	t.UpdatedAt = ev.At.Truncate(time.Second).UTC()
	return notifyTrade(ctx, tx, t, ev, holders, nil)
}

// Trade returns a trade with its steps and notes, or ENOTFOUND.
func (db *DB) Trade(ctx context.Context, id node.TradeID) (*node.Trade, error) {
	t, err := loadTrade(ctx, db.r, id)
	if err != nil {
		return nil, err
	}
	rows, err := db.query(ctx, `SELECT e.status, coalesce(e.actor_id, 0), coalesce(a.name, e.actor_name), e.reason, e.reason_code, e.at
		FROM trade_events e LEFT JOIN accounts a ON a.id = e.actor_id WHERE e.trade_id = ? ORDER BY e.id`, id)
	if err != nil {
		return nil, fmt.Errorf("data: trade events: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var ev node.TradeEvent
		var at int64
		if err := rows.Scan(&ev.Status, &ev.Actor, &ev.ActorName, &ev.Reason, &ev.ReasonCode, &at); err != nil {
			return nil, err
		}
		ev.At = time.Unix(at, 0).UTC()
		t.Events = append(t.Events, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if t.Notes, err = db.Notes(ctx, NoteFilter{Trade: id}); err != nil {
		return nil, err
	}
	return t, nil
}

// TradeByConversation returns the id of the trade a conversation belongs to, or 0.
func (db *DB) TradeByConversation(ctx context.Context, conv node.ConversationID) (node.TradeID, error) {
	var id node.TradeID
	err := db.queryRow(ctx, `SELECT id FROM trades WHERE conversation_id = ?`, conv).Scan(&id)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	return id, err
}

// TradeFilter selects trades, most recently changed first.
type TradeFilter struct {
	Party  node.AccountID // trades this account made, or at stalls it holds
	Buyer  node.AccountID
	Stall  node.StallID
	Item   node.ItemID
	Day    string
	Status []node.TradeStatus
	Limit  int // 0 = 100, at most 500
}

// Trades lists trades (without their steps and notes).
func (db *DB) Trades(ctx context.Context, f TradeFilter) ([]*node.Trade, error) {
	var where []string
	var args []any
	if f.Party != 0 {
		where = append(where, "(t.buyer_id = ? OR t.stall_id IN (SELECT stall_id FROM stall_holders WHERE account_id = ?))")
		args = append(args, f.Party, f.Party)
	}
	for _, c := range []struct {
		cond string
		v    any
		set  bool
	}{{"t.buyer_id = ?", f.Buyer, f.Buyer != 0}, {"t.stall_id = ?", f.Stall, f.Stall != 0},
		{"t.item_id = ?", f.Item, f.Item != 0}, {"t.day = ?", f.Day, f.Day != ""}} {
		if c.set {
			where, args = append(where, c.cond), append(args, c.v)
		}
	}
	if len(f.Status) > 0 {
		where = append(where, "t.status IN (SELECT value FROM json_each(?))")
		st, _ := json.Marshal(f.Status)
		args = append(args, string(st))
	}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	q := `SELECT ` + tradeCols + tradeFrom
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := db.query(ctx, q+` ORDER BY t.updated_at DESC, t.id DESC LIMIT ?`, append(args, min(f.Limit, 500))...)
	if err != nil {
		return nil, fmt.Errorf("data: trades: %w", err)
	}
	defer rows.Close()
	var out []*node.Trade
	for rows.Next() {
		t, err := scanTrade(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// DueTrades returns the ids of open trades whose market day closed at or
// before closedBy (now minus the grace), oldest first, at most limit.
func (db *DB) DueTrades(ctx context.Context, closedBy time.Time, limit int) ([]node.TradeID, error) {
	rows, err := db.query(ctx, `SELECT id FROM trades WHERE status IN ('requested', 'accepted', 'handed_over') AND closes_at <= ?
		ORDER BY closes_at, id LIMIT ?`, closedBy.Unix(), limit)
	if err != nil {
		return nil, fmt.Errorf("data: due trades: %w", err)
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

// AddNote stores a thank-you note made by node.Trade.NewNote; a second note
// from the same side of a trade is ECONFLICT.
func (db *DB) AddNote(ctx context.Context, n *node.Note) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		var apID any
		if n.APID != "" {
			apID = n.APID
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO trade_notes(trade_id, side, author_id, body, created_at, author_name, ap_id)
			VALUES (?, ?, nullif(?, 0), ?, ?, ?, ?)`, n.Trade, n.Side, n.Author, n.Body, n.CreatedAt.Unix(), n.AuthorName, apID)
		if isUnique(err) {
			return node.Errorf(node.ECONFLICT, "There is already a thank-you note from your side of this trade.")
		} else if err != nil {
			return fmt.Errorf("data: add note: %w", err)
		}
		id, _ := res.LastInsertId()
		n.ID = id
		n.CreatedAt = n.CreatedAt.Truncate(time.Second).UTC()
		t, err := loadTrade(ctx, tx, n.Trade)
		if err != nil {
			return err
		}
		holders, err := stallHolders(ctx, tx, t.Stall)
		if err != nil {
			return err
		}
		return notifyTrade(ctx, tx, t, node.TradeEvent{Status: "note", Actor: n.Author, ActorName: n.AuthorName, Reason: n.Body, At: n.CreatedAt}, holders, nil)
	})
}

// NoteFilter selects thank-you notes, newest first.
type NoteFilter struct {
	Trade node.TradeID
	Stall node.StallID   // notes residents left for this stall
	About node.AccountID // notes stalls left for this person
	By    node.AccountID // notes this person wrote
	Limit int            // 0 = 50
}

// Notes lists thank-you notes with their authors, stalls and items.
func (db *DB) Notes(ctx context.Context, f NoteFilter) ([]node.Note, error) {
	var where []string
	var args []any
	if f.Trade != 0 {
		where, args = append(where, "n.trade_id = ?"), append(args, f.Trade)
	}
	if f.Stall != 0 {
		where, args = append(where, "n.side = 'buyer' AND t.stall_id = ?"), append(args, f.Stall)
	}
	if f.About != 0 {
		where, args = append(where, "n.side = 'stall' AND t.buyer_id = ?"), append(args, f.About)
	}
	if f.By != 0 {
		where, args = append(where, "n.author_id = ?"), append(args, f.By)
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	q := `SELECT n.id, n.trade_id, n.side, coalesce(n.author_id, 0), coalesce(au.name, n.author_name), coalesce(au.display_name, ''), n.body, n.created_at,
		coalesce(t.stall_id, 0), coalesce(s.name, nullif(t.remote_shown, ''), t.remote_name), coalesce(t.buyer_id, 0), coalesce(b.name, t.remote_name),
		coalesce(t.item_id, 0), coalesce(i.title, t.remote_title), coalesce(n.ap_id, '')
		FROM trade_notes n JOIN trades t ON t.id = n.trade_id LEFT JOIN stalls s ON s.id = t.stall_id LEFT JOIN accounts b ON b.id = t.buyer_id
		LEFT JOIN items i ON i.id = t.item_id LEFT JOIN accounts au ON au.id = n.author_id`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := db.query(ctx, q+` ORDER BY n.created_at DESC, n.id DESC LIMIT ?`, append(args, f.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("data: notes: %w", err)
	}
	defer rows.Close()
	var out []node.Note
	for rows.Next() {
		var n node.Note
		var created int64
		if err := rows.Scan(&n.ID, &n.Trade, &n.Side, &n.Author, &n.AuthorName, &n.AuthorShown, &n.Body, &created,
			&n.Stall, &n.StallName, &n.Buyer, &n.BuyerName, &n.Item, &n.ItemTitle, &n.APID); err != nil {
			return nil, err
		}
		n.CreatedAt = time.Unix(created, 0).UTC()
		out = append(out, n)
	}
	return out, rows.Err()
}

// TradedStalls returns the stalls account has been handed something by.
func (db *DB) TradedStalls(ctx context.Context, account node.AccountID) (map[node.StallID]bool, error) {
	rows, err := db.query(ctx, `SELECT DISTINCT stall_id FROM trades WHERE buyer_id = ? AND status IN ('handed_over', 'completed')`, account)
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
