package data

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/shiji-market/shiji/node"
)

// SignupProtection returns the market's sign-up protection.
func (db *DB) SignupProtection(ctx context.Context) (*node.SignupProtection, error) {
	var p node.SignupProtection
	var answers string
	if err := db.r.QueryRowContext(ctx, `SELECT signup_approval, signup_question, signup_answers FROM market WHERE id = 1`).
		Scan(&p.Approval, &p.Question, &answers); err != nil {
		return nil, fmt.Errorf("data: sign-up protection: %w", err)
	}
	if err := json.Unmarshal([]byte(answers), &p.Answers); err != nil {
		return nil, fmt.Errorf("data: sign-up answers: %w", err)
	}
	return &p, nil
}

// SetSignupProtection validates and stores the sign-up protection.
func (db *DB) SetSignupProtection(ctx context.Context, p *node.SignupProtection) error {
	if err := p.Validate(); err != nil {
		return err
	}
	answers, err := json.Marshal(append([]string{}, p.Answers...))
	if err != nil {
		return err
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE market SET signup_approval = ?, signup_question = ?, signup_answers = ?, updated_at = ? WHERE id = 1`,
			p.Approval, p.Question, string(answers), db.now().Unix())
		return err
	})
}

// CreatePendingAccount stores a sign-up that waits for approval: the account
// exists (its name is taken) but cannot log in until ApproveAccount. A taken
// name is ECONFLICT.
func (db *DB) CreatePendingAccount(ctx context.Context, a *node.Account, passwordHash, answer string) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		now := db.now()
		res, err := tx.ExecContext(ctx, `INSERT INTO accounts(name, display_name, role, password_hash, lang, created_at, disabled, pending, signup_answer)
			VALUES (?, ?, ?, ?, ?, ?, 1, 1, ?)`, a.Name, a.DisplayName, a.Role, passwordHash, a.Lang, now.Unix(), answer)
		if isUnique(err) {
			return node.Errorf(node.ECONFLICT, "The name %q is already taken.", a.Name)
		} else if err != nil {
			return fmt.Errorf("data: create account: %w", err)
		}
		id, _ := res.LastInsertId()
		a.ID, a.CreatedAt = node.AccountID(id), now.Truncate(time.Second).UTC()
		return nil
	})
}

// PendingAccounts lists the sign-ups waiting for approval, oldest first.
func (db *DB) PendingAccounts(ctx context.Context) ([]*node.PendingAccount, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id, name, display_name, signup_answer, created_at FROM accounts
		WHERE pending = 1 ORDER BY created_at, id LIMIT 500`)
	if err != nil {
		return nil, fmt.Errorf("data: pending accounts: %w", err)
	}
	defer rows.Close()
	out := []*node.PendingAccount{}
	for rows.Next() {
		var p node.PendingAccount
		var created int64
		if err := rows.Scan(&p.ID, &p.Name, &p.DisplayName, &p.Answer, &created); err != nil {
			return nil, err
		}
		p.CreatedAt = time.Unix(created, 0).UTC()
		out = append(out, &p)
	}
	return out, rows.Err()
}

// PendingAccountHash returns the password hash of the pending sign-up named
// name, or ENOTFOUND.
func (db *DB) PendingAccountHash(ctx context.Context, name string) (string, error) {
	var h string
	err := db.r.QueryRowContext(ctx, `SELECT password_hash FROM accounts WHERE name = ? AND pending = 1`, name).Scan(&h)
	return h, notFound(err, "No pending sign-up named %q.", name)
}

// AnswerPendingAccount approves (the account can log in) or rejects (the
// sign-up is removed and its name is free again) a pending sign-up, and
// returns it; ENOTFOUND when there is no such pending sign-up.
func (db *DB) AnswerPendingAccount(ctx context.Context, id node.AccountID, approve bool) (*node.PendingAccount, error) {
	var p node.PendingAccount
	err := db.write(ctx, func(tx *sql.Tx) error {
		var created int64
		err := tx.QueryRowContext(ctx, `SELECT id, name, display_name, signup_answer, created_at FROM accounts WHERE id = ? AND pending = 1`, id).
			Scan(&p.ID, &p.Name, &p.DisplayName, &p.Answer, &created)
		if err != nil {
			return notFound(err, "No sign-up %d is waiting.", id)
		}
		p.CreatedAt = time.Unix(created, 0).UTC()
		if approve {
			_, err = tx.ExecContext(ctx, `UPDATE accounts SET pending = 0, disabled = 0, signup_answer = '' WHERE id = ?`, id)
		} else {
			_, err = tx.ExecContext(ctx, `DELETE FROM accounts WHERE id = ? AND pending = 1`, id)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &p, nil
}
