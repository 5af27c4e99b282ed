package data

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/shiji-market/shiji/node"
)

// CalendarToken returns the account's private calendar token, making one
// with newToken when it has none (or reset is true: the old link stops
// working).
func (db *DB) CalendarToken(ctx context.Context, account node.AccountID, reset bool, newToken func() string) (string, error) {
	var tok string
	if !reset {
		err := db.r.QueryRowContext(ctx, `SELECT token FROM calendar_tokens WHERE account_id = ?`, account).Scan(&tok)
		if err == nil {
			return tok, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return "", fmt.Errorf("data: calendar token: %w", err)
		}
	}
	tok = newToken()
	err := db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO calendar_tokens(account_id, token, created_at) VALUES (?, ?, ?)
			ON CONFLICT(account_id) DO UPDATE SET token = excluded.token, created_at = excluded.created_at`,
			account, tok, db.now().Unix())
		return err
	})
	if err != nil {
		return "", fmt.Errorf("data: calendar token: %w", err)
	}
	return tok, nil
}

// CalendarAccount returns the account whose calendar token tok is
// (ENOTFOUND for an unknown or reset one).
func (db *DB) CalendarAccount(ctx context.Context, tok string) (*node.Account, error) {
	var id node.AccountID
	err := db.r.QueryRowContext(ctx, `SELECT c.account_id FROM calendar_tokens c JOIN accounts a ON a.id = c.account_id
		WHERE c.token = ? AND a.disabled = 0`, tok).Scan(&id)
	if err != nil {
		return nil, notFound(err, "This calendar link is not known; it may have been reset.")
	}
	return db.Account(ctx, id)
}
