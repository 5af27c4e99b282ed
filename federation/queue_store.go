package federation

import (
	"context"
	"database/sql"
	"fmt"
	"sort"

	"github.com/shiji-market/shiji/node"
)

// outgoing is one of our activities, ready to be queued.
type outgoing struct {
	actor    string // local actor key that signs it
	kind     string // create, update, delete, announce, accept, follow, undo
	activity string // its IRI
	item     node.ItemID
	public   bool // listed in the actor's outbox
	body     []byte
	inboxes  []string
}

// enqueueTx stores the activity in the outbox and one delivery per distinct
// inbox, due now, in tx. Call kick after the commit.
func (f *Federation) enqueueTx(ctx context.Context, tx *sql.Tx, o outgoing) error {
	now := f.now()
	var item any
	if o.item != 0 {
		item = o.item
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO ap_outbox(activity, actor, kind, item_id, public, body, ready_at_ms, fanned, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?)`, o.activity, o.actor, o.kind, item, o.public, o.body, now.UnixMilli(), now.Unix())
	if err != nil {
		return fmt.Errorf("federation: outbox: %w", err)
	}
	id, _ := res.LastInsertId()
	return f.addDeliveriesTx(ctx, tx, id, o.inboxes)
}

// addDeliveriesTx queues outbox row id for each distinct inbox that is not
// blocked.
func (f *Federation) addDeliveriesTx(ctx context.Context, tx *sql.Tx, outboxID int64, inboxes []string) error {
	now := f.now()
	for _, inbox := range dedupe(inboxes) {
		host := hostOf(inbox)
		if host == "" || f.isBlocked(ctx, inbox) {
			continue
		}
		// Queued already: left alone, unless it failed for good (a pending
		// Follow sent again): then it starts over.
		if _, err := tx.ExecContext(ctx, `INSERT INTO ap_deliveries(outbox_id, inbox, host, next_at_ms, created_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT(outbox_id, inbox) DO UPDATE SET failed_at = NULL, attempts = 0, lease_ms = 0,
			next_at_ms = excluded.next_at_ms, last_error = '' WHERE failed_at IS NOT NULL`, outboxID, inbox, host, now.UnixMilli(), now.Unix()); err != nil {
			return fmt.Errorf("federation: queue delivery: %w", err)
		}
	}
	return nil
}

// followerInboxesTx returns the delivery inboxes (shared ones preferred,
// de-duplicated) of the followers of the local actors.
func followerInboxesTx(ctx context.Context, tx *sql.Tx, actors ...string) ([]string, error) {
	var out []string
	for _, a := range actors {
		rows, err := tx.QueryContext(ctx, `SELECT CASE shared_inbox WHEN '' THEN inbox ELSE shared_inbox END FROM ap_followers WHERE actor = ?`, a)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				rows.Close()
				return nil, err
			}
			out = append(out, s)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return dedupe(out), nil
}

func dedupe(ss []string) []string {
	seen := make(map[string]bool, len(ss))
	out := ss[:0:0]
	for _, s := range ss {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}
