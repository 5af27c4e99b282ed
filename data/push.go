package data

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shiji-market/shiji/node"
)

// PushSubscription is one device's Web Push subscription.
type PushSubscription struct {
	ID         int64
	Account    node.AccountID
	Endpoint   string
	P256dh     string
	Auth       string
	Kinds      []string // node.PushKinds it wants
	Device     string
	Session    string // the token of the session it was made in (only its hash is kept): ending that session ends it
	CreatedAt  time.Time
	LastSentAt time.Time
}

// Wants reports whether the subscription wants notifications of kind.
func (p *PushSubscription) Wants(kind string) bool {
	for _, k := range p.Kinds {
		if k == kind {
			return true
		}
	}
	return false
}

// PushKeys returns the node's VAPID key pair, making and storing one with
// gen on first use.
func (db *DB) PushKeys(ctx context.Context, gen func() (public, private string, err error)) (public, private string, err error) {
	err = db.r.QueryRowContext(ctx, `SELECT public_key, private_key FROM push_keys WHERE id = 1`).Scan(&public, &private)
	if err == nil || !errors.Is(err, sql.ErrNoRows) {
		return public, private, err
	}
	if public, private, err = gen(); err != nil {
		return "", "", err
	}
	err = db.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO push_keys(id, public_key, private_key, created_at) VALUES (1, ?, ?, ?)
			ON CONFLICT(id) DO NOTHING`, public, private, db.now().Unix()); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT public_key, private_key FROM push_keys WHERE id = 1`).Scan(&public, &private)
	})
	return public, private, err
}

// SavePushSubscription stores a device's subscription for account (the
// endpoint identifies the device: subscribing again replaces its keys and
// kinds, and moves it to whoever is signed in on it now). It belongs to the
// session p.Session: when that session ends, so does the subscription.
func (db *DB) SavePushSubscription(ctx context.Context, p *PushSubscription) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		var session any // NULL: no session (the subscription lasts until the device or the account ends it)
		if p.Session != "" {
			sum := sha256.Sum256([]byte(p.Session))
			session = sum[:]
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO push_subscriptions(account_id, endpoint, p256dh, auth, kinds, device, created_at, session_hash)
			VALUES (?, ?, ?, ?, ?, ?, ?, (SELECT token_hash FROM sessions WHERE token_hash = ?))
			ON CONFLICT(endpoint) DO UPDATE SET account_id = excluded.account_id, p256dh = excluded.p256dh, auth = excluded.auth,
				kinds = excluded.kinds, device = excluded.device, session_hash = excluded.session_hash
			RETURNING id, created_at`, p.Account, p.Endpoint, p.P256dh, p.Auth, strings.Join(p.Kinds, ","), p.Device, db.now().Unix(), session).
			Scan(&p.ID, new(int64))
		if err != nil {
			return fmt.Errorf("data: push subscription: %w", err)
		}
		return nil
	})
}

const pushCols = `id, account_id, endpoint, p256dh, auth, kinds, device, created_at, coalesce(last_sent_at, 0)`

func scanPush(row interface{ Scan(...any) error }) (*PushSubscription, error) {
	var p PushSubscription
	var kinds string
	var created, sent int64
	if err := row.Scan(&p.ID, &p.Account, &p.Endpoint, &p.P256dh, &p.Auth, &kinds, &p.Device, &created, &sent); err != nil {
		return nil, err
	}
	if kinds != "" {
		p.Kinds = strings.Split(kinds, ",")
	}
	p.CreatedAt = time.Unix(created, 0).UTC()
	if sent > 0 {
		p.LastSentAt = time.Unix(sent, 0).UTC()
	}
	return &p, nil
}

// PushSubscriptions lists an account's devices, newest first.
func (db *DB) PushSubscriptions(ctx context.Context, account node.AccountID) ([]*PushSubscription, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+pushCols+` FROM push_subscriptions WHERE account_id = ? ORDER BY id DESC`, account)
	if err != nil {
		return nil, fmt.Errorf("data: push subscriptions: %w", err)
	}
	defer rows.Close()
	var out []*PushSubscription
	for rows.Next() {
		p, err := scanPush(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// DeletePushSubscription removes a device's subscription: by id for its
// account (ENOTFOUND when it is not theirs), or by endpoint when account is 0
// (the push service said it is gone).
func (db *DB) DeletePushSubscription(ctx context.Context, account node.AccountID, id int64, endpoint string) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		var res sql.Result
		var err error
		if account == 0 {
			res, err = tx.ExecContext(ctx, `DELETE FROM push_subscriptions WHERE endpoint = ?`, endpoint)
		} else if endpoint != "" {
			res, err = tx.ExecContext(ctx, `DELETE FROM push_subscriptions WHERE account_id = ? AND endpoint = ?`, account, endpoint)
		} else {
			res, err = tx.ExecContext(ctx, `DELETE FROM push_subscriptions WHERE account_id = ? AND id = ?`, account, id)
		}
		if err != nil {
			return fmt.Errorf("data: delete push subscription: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 && account != 0 {
			return node.Errorf(node.ENOTFOUND, "There is no such device.")
		}
		return nil
	})
}

// PushSent records that a subscription was just used.
func (db *DB) PushSent(ctx context.Context, id int64) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE push_subscriptions SET last_sent_at = ? WHERE id = ?`, db.now().Unix(), id)
		return err
	})
}

// PushNotification is a notification waiting to be pushed, with what the
// push needs to say.
type PushNotification struct {
	ID           int64
	Account      node.AccountID
	Lang         string
	Kind         string
	Actor        string
	Excerpt      string
	Conversation node.ConversationID
}

// PendingPushes returns the notifications among the next limit after the
// push cursor whose account has at least one device, in order; the id the
// cursor moves to once they are handled; and whether that is the last
// notification there is.
func (db *DB) PendingPushes(ctx context.Context, limit int) (_ []PushNotification, next int64, done bool, _ error) {
	var cursor, top int64
	if err := db.r.QueryRowContext(ctx, `SELECT last_notification, (SELECT coalesce(max(id), 0) FROM notifications)
		FROM push_cursor WHERE id = 1`).Scan(&cursor, &top); err != nil {
		return nil, 0, false, fmt.Errorf("data: push cursor: %w", err)
	}
	if top <= cursor {
		return nil, cursor, true, nil
	}
	next = min(top, cursor+int64(limit))
	rows, err := db.r.QueryContext(ctx, `SELECT n.id, n.account_id, a.lang, n.kind, n.actor, n.excerpt, coalesce(n.conversation_id, 0)
		FROM notifications n JOIN accounts a ON a.id = n.account_id
		WHERE n.id > ? AND n.id <= ? AND EXISTS (SELECT 1 FROM push_subscriptions p WHERE p.account_id = n.account_id)
		ORDER BY n.id`, cursor, next)
	if err != nil {
		return nil, 0, false, fmt.Errorf("data: pending pushes: %w", err)
	}
	defer rows.Close()
	var out []PushNotification
	for rows.Next() {
		var n PushNotification
		if err := rows.Scan(&n.ID, &n.Account, &n.Lang, &n.Kind, &n.Actor, &n.Excerpt, &n.Conversation); err != nil {
			return nil, 0, false, err
		}
		out = append(out, n)
	}
	return out, next, next == top, rows.Err()
}

// MovePushCursor records that notifications up to id have been pushed.
func (db *DB) MovePushCursor(ctx context.Context, id int64) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE push_cursor SET last_notification = max(last_notification, ?) WHERE id = 1`, id)
		return err
	})
}

// HandOverParty is someone with a hand-over on a market day: the buyer or a
// stallholder of an accepted reservation.
type HandOverParty struct {
	Account node.AccountID
	Lang    string
	Trades  int
}

// HandOverParties lists who has accepted hand-overs on day, has a device that
// wants reminders and has not been reminded of it yet.
func (db *DB) HandOverParties(ctx context.Context, day string) ([]HandOverParty, error) {
	rows, err := db.r.QueryContext(ctx, `WITH parties(account_id) AS (
			SELECT buyer_id FROM trades WHERE day = ?1 AND status = 'accepted'
			UNION ALL
			SELECT h.account_id FROM trades t JOIN stall_holders h ON h.stall_id = t.stall_id WHERE t.day = ?1 AND t.status = 'accepted')
		SELECT p.account_id, a.lang, count(*) FROM parties p JOIN accounts a ON a.id = p.account_id
		WHERE NOT EXISTS (SELECT 1 FROM push_reminders r WHERE r.account_id = p.account_id AND r.day = ?1)
		  AND EXISTS (SELECT 1 FROM push_subscriptions s WHERE s.account_id = p.account_id AND ',' || s.kinds || ',' LIKE '%,reminder,%')
		GROUP BY p.account_id ORDER BY p.account_id`, day)
	if err != nil {
		return nil, fmt.Errorf("data: hand-over parties: %w", err)
	}
	defer rows.Close()
	var out []HandOverParty
	for rows.Next() {
		var p HandOverParty
		if err := rows.Scan(&p.Account, &p.Lang, &p.Trades); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Reminded records that account was reminded of day (false: already was).
func (db *DB) Reminded(ctx context.Context, account node.AccountID, day string) (bool, error) {
	var n int64
	err := db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO push_reminders(account_id, day, sent_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
			account, day, db.now().Unix())
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n > 0, err
}
