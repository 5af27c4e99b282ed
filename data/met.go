package data

import (
	"context"
	"fmt"
	"time"

	"github.com/shiji-market/shiji/node"
)

// Encounter is one time an account met a stall or a person: a trade, a
// private chat or a question at a stall.
type Encounter struct {
	Stall     node.StallID // the stall met (Person == 0), or the stall a person was met at
	StallName string
	Person    node.AccountID // the person met; 0 when a stall was met
	Name      string
	Shown     string
	Kind      string           // "trade", "chat" or "asked"
	Status    node.TradeStatus // for trades
	Item      node.ItemID
	ItemTitle string
	Trade     node.TradeID
	At        time.Time
	// Remote is the actor IRI of the other side of a trade across markets
	// (the stall elsewhere, or the buyer elsewhere at a stall here); Name
	// and Shown are then its address (user@host) and display name, and
	// RemoteURL the item's page on its market (a stall elsewhere).
	Remote    string
	RemoteURL string
}

// Encounters lists whom account met, newest first, at most limit: the
// stalls it traded with, chatted with privately or asked at in public; and,
// at the stalls it holds, the people who traded, chatted or asked there; and
// the people it chatted with privately. Private chats that belong to a
// trade are counted as the trade. Trades across markets count on both
// sides: the stall elsewhere a resident reserved from (Remote set, Stall
// and Person 0), the buyer elsewhere at a stall here (Remote set, Person 0).
func (db *DB) Encounters(ctx context.Context, account node.AccountID, limit int) ([]Encounter, error) {
	if limit <= 0 || limit > 1000 {
		limit = 300
	}
	const mine = `(SELECT stall_id FROM stall_holders WHERE account_id = ?1)`
	const tradeChats = `(SELECT conversation_id FROM trades WHERE conversation_id IS NOT NULL)`
	rows, err := db.query(ctx, `
		SELECT t.stall_id, s.name, 0, '', '', 'trade', t.status, t.item_id, i.title, t.id, t.updated_at, '', ''
		FROM trades t JOIN stalls s ON s.id = t.stall_id JOIN items i ON i.id = t.item_id
		WHERE t.buyer_id = ?1
	UNION ALL
		SELECT t.stall_id, s.name, a.id, a.name, a.display_name, 'trade', t.status, t.item_id, i.title, t.id, t.updated_at, '', ''
		FROM trades t JOIN stalls s ON s.id = t.stall_id JOIN items i ON i.id = t.item_id JOIN accounts a ON a.id = t.buyer_id
		WHERE t.stall_id IN `+mine+` AND t.buyer_id != ?1
	UNION ALL
		SELECT c.stall_id, s.name, 0, '', '', 'chat', '', coalesce(c.item_id, 0), coalesce(i.title, ''), 0, c.last_message_at, '', ''
		FROM conversations c JOIN members m ON m.conversation_id = c.id AND m.account_id = ?1
		JOIN stalls s ON s.id = c.stall_id LEFT JOIN items i ON i.id = c.item_id
		WHERE c.kind = 'private' AND c.stall_id NOT IN `+mine+` AND c.id NOT IN `+tradeChats+`
		AND EXISTS (SELECT 1 FROM messages x WHERE x.conversation_id = c.id)
	UNION ALL
		SELECT coalesce(c.stall_id, 0), coalesce(s.name, ''), a.id, a.name, a.display_name, 'chat', '', coalesce(c.item_id, 0),
			coalesce(i.title, ''), 0, c.last_message_at, '', ''
		FROM conversations c JOIN members m ON m.conversation_id = c.id AND m.account_id = ?1
		JOIN members o ON o.conversation_id = c.id AND o.account_id != ?1 JOIN accounts a ON a.id = o.account_id
		LEFT JOIN stalls s ON s.id = c.stall_id LEFT JOIN items i ON i.id = c.item_id
		WHERE c.kind = 'private' AND c.id NOT IN `+tradeChats+`
		AND EXISTS (SELECT 1 FROM messages x WHERE x.conversation_id = c.id)
		AND (c.stall_id IS NULL OR (c.stall_id IN `+mine+`
			AND o.account_id NOT IN (SELECT account_id FROM stall_holders WHERE stall_id = c.stall_id)))
	UNION ALL
		SELECT c.stall_id, s.name, 0, '', '', 'asked', '', coalesce(c.item_id, 0), coalesce(i.title, ''), 0, max(x.created_at), '', ''
		FROM messages x JOIN conversations c ON c.id = x.conversation_id AND c.kind = 'thread'
		JOIN stalls s ON s.id = c.stall_id LEFT JOIN items i ON i.id = c.item_id
		WHERE x.author_id = ?1 AND x.deleted_at IS NULL AND c.stall_id NOT IN `+mine+`
		GROUP BY c.id
	UNION ALL
		SELECT c.stall_id, s.name, a.id, a.name, a.display_name, 'asked', '', coalesce(c.item_id, 0), coalesce(i.title, ''), 0, max(x.created_at), '', ''
		FROM messages x JOIN conversations c ON c.id = x.conversation_id AND c.kind = 'thread'
		JOIN stalls s ON s.id = c.stall_id LEFT JOIN items i ON i.id = c.item_id JOIN accounts a ON a.id = x.author_id
		WHERE c.stall_id IN `+mine+` AND x.author_id != ?1 AND x.deleted_at IS NULL
		AND x.author_id NOT IN (SELECT account_id FROM stall_holders WHERE stall_id = c.stall_id)
		GROUP BY c.id, a.id
	UNION ALL
		SELECT 0, '', 0, t.remote_name, t.remote_shown, 'trade', t.status, 0, t.remote_title, t.id, t.updated_at, t.remote_actor, t.remote_url
		FROM trades t WHERE t.buyer_id = ?1 AND t.remote_side = 'stall'
	UNION ALL
		SELECT t.stall_id, s.name, 0, t.remote_name, t.remote_shown, 'trade', t.status, t.item_id, i.title, t.id, t.updated_at, t.remote_actor, ''
		FROM trades t JOIN stalls s ON s.id = t.stall_id JOIN items i ON i.id = t.item_id
		WHERE t.stall_id IN `+mine+` AND t.remote_side = 'buyer'
	ORDER BY 11 DESC LIMIT ?2`, account, limit)
	if err != nil {
		return nil, fmt.Errorf("data: encounters: %w", err)
	}
	defer rows.Close()
	var out []Encounter
	for rows.Next() {
		var e Encounter
		var at int64
		if err := rows.Scan(&e.Stall, &e.StallName, &e.Person, &e.Name, &e.Shown, &e.Kind, &e.Status, &e.Item, &e.ItemTitle, &e.Trade, &at, &e.Remote, &e.RemoteURL); err != nil {
			return nil, err
		}
		e.At = time.Unix(at, 0).UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}
