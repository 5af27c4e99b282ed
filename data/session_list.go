package data

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/shiji-market/shiji/node"
)

// sessionID is the public name of a session: the first 8 bytes of its
// token's SHA-256, in hex. It says nothing about the token.
func sessionID(hash []byte) string { return hex.EncodeToString(hash[:8]) }

// SessionIDOf is the public id of the session of token.
func SessionIDOf(token string) string {
	sum := sha256.Sum256([]byte(token))
	return sessionID(sum[:])
}

// Sessions lists the live sessions and API tokens of account, most recently
// used first; the one of currentToken is marked Current.
func (db *DB) Sessions(ctx context.Context, account node.AccountID, currentToken string) ([]*node.Session, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT token_hash, kind, label, user_agent, created_at, last_used_at, expires_at
		FROM sessions WHERE account_id = ? AND expires_at > ? ORDER BY max(last_used_at, created_at) DESC, created_at DESC LIMIT 500`,
		account, db.now().Unix())
	if err != nil {
		return nil, fmt.Errorf("data: sessions: %w", err)
	}
	defer rows.Close()
	current := SessionIDOf(currentToken)
	out := []*node.Session{}
	for rows.Next() {
		var s node.Session
		var hash []byte
		var created, used, expires int64
		if err := rows.Scan(&hash, &s.Kind, &s.Label, &s.UserAgent, &created, &used, &expires); err != nil {
			return nil, err
		}
		s.ID = sessionID(hash)
		s.Current = currentToken != "" && s.ID == current
		s.CreatedAt, s.ExpiresAt = time.Unix(created, 0).UTC(), time.Unix(expires, 0).UTC()
		if used > 0 {
			s.LastUsedAt = time.Unix(used, 0).UTC()
		}
		out = append(out, &s)
	}
	return out, rows.Err()
}

// EndSession ends account's session (or API token) with the public id;
// ENOTFOUND when account has none such.
func (db *DB) EndSession(ctx context.Context, account node.AccountID, id string) error {
	id = strings.ToLower(strings.TrimSpace(id))
	if len(id) != 16 {
		return node.Errorf(node.ENOTFOUND, "No such session.")
	}
	if _, err := hex.DecodeString(id); err != nil {
		return node.Errorf(node.ENOTFOUND, "No such session.")
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE account_id = ? AND lower(hex(substr(token_hash, 1, 8))) = ?`, account, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return node.Errorf(node.ENOTFOUND, "No such session.")
		}
		return nil
	})
}

// EndOtherSessions ends every session and API token of account except the
// one of keepToken ("" ends them all) and returns how many it ended.
func (db *DB) EndOtherSessions(ctx context.Context, account node.AccountID, keepToken string) (int, error) {
	var n int64
	err := db.write(ctx, func(tx *sql.Tx) error {
		var err error
		n, err = endOtherSessionsTx(ctx, tx, account, keepToken)
		return err
	})
	return int(n), err
}

func endOtherSessionsTx(ctx context.Context, tx *sql.Tx, account node.AccountID, keepToken string) (int64, error) {
	keep := []byte{}
	if keepToken != "" {
		sum := sha256.Sum256([]byte(keepToken))
		keep = sum[:]
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE account_id = ? AND token_hash != ?`, account, keep)
	if err != nil {
		return 0, fmt.Errorf("data: end sessions: %w", err)
	}
	return res.RowsAffected()
}

// TouchSession records that the session of token was used now.
func (db *DB) TouchSession(ctx context.Context, token string) error {
	sum := sha256.Sum256([]byte(token))
	return db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE sessions SET last_used_at = ? WHERE token_hash = ?`, db.now().Unix(), sum[:])
		return err
	})
}

// LabelSession names an API token (its owner's words, up to 60 characters).
func (db *DB) LabelSession(ctx context.Context, token, label string) error {
	sum := sha256.Sum256([]byte(token))
	return db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE sessions SET label = ? WHERE token_hash = ?`, label, sum[:])
		return err
	})
}

// PasswordHash returns account's password hash (ENOTFOUND for a disabled
// or unknown account).
func (db *DB) PasswordHash(ctx context.Context, account node.AccountID) (string, error) {
	var h string
	err := db.r.QueryRowContext(ctx, `SELECT password_hash FROM accounts WHERE id = ? AND disabled = 0`, account).Scan(&h)
	if err != nil {
		return "", notFound(err, "No such account.")
	}
	return h, nil
}

// SetPassword stores account's new password hash and, in the same
// transaction, ends every other session and API token of the account (all
// but keepToken's). It returns how many sessions it ended.
func (db *DB) SetPassword(ctx context.Context, account node.AccountID, hash, keepToken string) (int, error) {
	var n int64
	err := db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE accounts SET password_hash = ? WHERE id = ? AND disabled = 0`, hash, account)
		if err != nil {
			return fmt.Errorf("data: set password: %w", err)
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return node.Errorf(node.ENOTFOUND, "No such account.")
		}
		n, err = endOtherSessionsTx(ctx, tx, account, keepToken)
		return err
	})
	return int(n), err
}
