package data

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/shiji-market/shiji/node"
)

// Block makes blocker block blocked (idempotent).
func (db *DB) Block(ctx context.Context, blocker, blocked node.AccountID) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO blocks(blocker_id, blocked_id, created_at) VALUES (?, ?, ?)`, blocker, blocked, db.now().Unix())
		return err
	})
}

// Unblock removes a block (no error if there was none).
func (db *DB) Unblock(ctx context.Context, blocker, blocked node.AccountID) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM blocks WHERE blocker_id = ? AND blocked_id = ?`, blocker, blocked)
		return err
	})
}

// BlockedBy returns which of the accounts in among have blocked who.
func (db *DB) BlockedBy(ctx context.Context, who node.AccountID, among []node.AccountID) ([]node.AccountID, error) {
	var out []node.AccountID
	for _, a := range among {
		var n int
		if err := db.queryRow(ctx, `SELECT count(*) FROM blocks WHERE blocker_id = ? AND blocked_id = ?`, a, who).Scan(&n); err != nil {
			return nil, err
		}
		if n > 0 {
			out = append(out, a)
		}
	}
	return out, nil
}

// Blocks lists whom an account blocks.
func (db *DB) Blocks(ctx context.Context, blocker node.AccountID) ([]*node.Account, error) {
	rows, err := db.query(ctx, `SELECT a.id, a.name, a.display_name, a.role, a.lang, a.created_at FROM blocks b JOIN accounts a ON a.id = b.blocked_id
		WHERE b.blocker_id = ? ORDER BY b.created_at DESC`, blocker)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*node.Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// CreateReport stores a report; reporting the same message twice is ECONFLICT.
func (db *DB) CreateReport(ctx context.Context, r *node.Report) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO reports(message_id, reporter_id, reason, created_at) VALUES (?, ?, ?, ?)`,
			r.Message, r.Reporter, r.Reason, db.now().Unix())
		if isUnique(err) {
			return node.Errorf(node.ECONFLICT, "You have already reported this message.")
		} else if err != nil {
			return fmt.Errorf("data: report: %w", err)
		}
		r.ID, _ = res.LastInsertId()
		return nil
	})
}

// Reports lists open reports (resolved too when all), newest first.
func (db *DB) Reports(ctx context.Context, all bool) ([]*node.Report, error) {
	q := `SELECT r.id, r.message_id, x.conversation_id, r.reporter_id, r.reason, r.created_at, r.resolved_at IS NOT NULL, r.action,
		substr(x.body, 1, 200), x.author_name, EXISTS (SELECT 1 FROM ap_messages am WHERE am.message_id = x.id), r.forwarded_at IS NOT NULL
		FROM reports r JOIN messages x ON x.id = r.message_id`
	if !all {
		q += ` WHERE r.resolved_at IS NULL`
	}
	rows, err := db.query(ctx, q+` ORDER BY r.id DESC LIMIT 200`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*node.Report
	for rows.Next() {
		var r node.Report
		var created int64
		if err := rows.Scan(&r.ID, &r.Message, &r.Conversation, &r.Reporter, &r.Reason, &created, &r.Resolved, &r.Action, &r.Excerpt, &r.Author,
			&r.Remote, &r.Forwarded); err != nil {
			return nil, err
		}
		r.CreatedAt = time.Unix(created, 0).UTC()
		out = append(out, &r)
	}
	return out, rows.Err()
}

// Report returns one report, or ENOTFOUND.
func (db *DB) Report(ctx context.Context, id int64) (*node.Report, error) {
	var r node.Report
	var created int64
	err := db.queryRow(ctx, `SELECT r.id, r.message_id, x.conversation_id, r.reporter_id, r.reason, r.created_at, r.resolved_at IS NOT NULL, r.action,
		EXISTS (SELECT 1 FROM ap_messages am WHERE am.message_id = x.id), r.forwarded_at IS NOT NULL
		FROM reports r JOIN messages x ON x.id = r.message_id WHERE r.id = ?`, id).
		Scan(&r.ID, &r.Message, &r.Conversation, &r.Reporter, &r.Reason, &created, &r.Resolved, &r.Action, &r.Remote, &r.Forwarded)
	if err != nil {
		return nil, notFound(err, "There is no report %d.", id)
	}
	r.CreatedAt = time.Unix(created, 0).UTC()
	return &r, nil
}

// ResolveReport closes every open report of the report's message with action.
func (db *DB) ResolveReport(ctx context.Context, id int64, by node.AccountID, action string) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE reports SET resolved_by = ?, resolved_at = ?, action = ?
			WHERE message_id = (SELECT message_id FROM reports WHERE id = ?) AND resolved_at IS NULL`, by, db.now().Unix(), action, id)
		return err
	})
}

// Notifications lists an account's notifications, newest first.
func (db *DB) Notifications(ctx context.Context, account node.AccountID, limit int) ([]*node.Notification, error) {
	rows, err := db.query(ctx, `SELECT id, kind, coalesce(conversation_id, 0), coalesce(message_id, 0), actor, excerpt, created_at, read_at IS NOT NULL
		FROM notifications WHERE account_id = ? ORDER BY id DESC LIMIT ?`, account, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*node.Notification
	for rows.Next() {
		var n node.Notification
		var created int64
		if err := rows.Scan(&n.ID, &n.Kind, &n.Conversation, &n.Message, &n.Actor, &n.Excerpt, &created, &n.Read); err != nil {
			return nil, err
		}
		n.CreatedAt = time.Unix(created, 0).UTC()
		out = append(out, &n)
	}
	return out, rows.Err()
}

// ReadNotifications marks all of an account's notifications read.
func (db *DB) ReadNotifications(ctx context.Context, account node.AccountID) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE notifications SET read_at = ? WHERE account_id = ? AND read_at IS NULL`, db.now().Unix(), account)
		return err
	})
}

// AccountsByName returns the accounts with the given names (unknown names skipped).
func (db *DB) AccountsByName(ctx context.Context, names []string) ([]*node.Account, error) {
	var out []*node.Account
	for _, n := range names {
		a, _, err := db.AccountByName(ctx, n)
		if node.ErrorCode(err) == node.ENOTFOUND {
			continue
		} else if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}
