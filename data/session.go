package data

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"time"

	"github.com/shiji-market/shiji/node"
)

// CreateSession stores a session for the token (only its SHA-256 is kept).
func (db *DB) CreateSession(ctx context.Context, token string, id node.AccountID, kind string, ttl time.Duration, userAgent string) error {
	sum := sha256.Sum256([]byte(token))
	now := db.now()
	if len(userAgent) > 200 {
		userAgent = userAgent[:200]
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO sessions(token_hash, account_id, kind, created_at, expires_at, user_agent)
			VALUES (?, ?, ?, ?, ?, ?)`, sum[:], id, kind, now.Unix(), now.Add(ttl).Unix(), userAgent); err != nil {
			return fmt.Errorf("data: create session: %w", err)
		}
		return nil
	})
}

// SessionAccount returns the account of a live session of the given kind, or
// EUNAUTHORIZED when the token is unknown or expired.
func (db *DB) SessionAccount(ctx context.Context, token, kind string) (*node.Account, error) {
	sum := sha256.Sum256([]byte(token))
	a, err := scanAccount(db.queryRow(ctx, `SELECT a.id, a.name, a.display_name, a.role, a.lang, a.created_at
		FROM sessions s JOIN accounts a ON a.id = s.account_id
		WHERE s.token_hash = ? AND s.kind = ? AND s.expires_at > ? AND a.disabled = 0`, sum[:], kind, db.now().Unix()))
	if err == sql.ErrNoRows {
		return nil, node.Errorf(node.EUNAUTHORIZED, "Your session has ended; please log in again.")
	} else if err != nil {
		return nil, fmt.Errorf("data: session: %w", err)
	}
	return a, nil
}

// DeleteSession ends the session for token (no error if there is none).
func (db *DB) DeleteSession(ctx context.Context, token string) error {
	sum := sha256.Sum256([]byte(token))
	return db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = ?`, sum[:])
		return err
	})
}

// DeleteExpiredSessions removes sessions that expired before now and returns how many.
func (db *DB) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	var n int64
	err := db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= ?`, db.now().Unix())
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}
