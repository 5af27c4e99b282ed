package data

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/shiji-market/shiji/node"
)

const accountCols = `id, name, display_name, role, lang, created_at`

func scanAccount(row interface{ Scan(...any) error }) (*node.Account, error) {
	var a node.Account
	var created int64
	if err := row.Scan(&a.ID, &a.Name, &a.DisplayName, &a.Role, &a.Lang, &created); err != nil {
		return nil, err
	}
	a.CreatedAt = time.Unix(created, 0).UTC()
	return &a, nil
}

// CreateAccount inserts a new account with an already hashed password. A taken
// name is ECONFLICT. When invite is not "", the invitation is used up in the
// same transaction (ECONFLICT if used, EINVALID if expired, ENOTFOUND if unknown)
// and its role wins over a.Role.
func (db *DB) CreateAccount(ctx context.Context, a *node.Account, passwordHash, invite string) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		now := db.now()
		if invite != "" {
			inv, err := invitation(ctx, tx, invite)
			if err != nil {
				return err
			}
			if err := inv.Usable(now); err != nil {
				return err
			}
			a.Role = inv.Role
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO accounts(name, display_name, role, password_hash, lang, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, a.Name, a.DisplayName, a.Role, passwordHash, a.Lang, now.Unix())
		if isUnique(err) {
			return node.Errorf(node.ECONFLICT, "The name %q is already taken.", a.Name)
		} else if err != nil {
			return fmt.Errorf("data: create account: %w", err)
		}
		id, _ := res.LastInsertId()
		a.ID, a.CreatedAt = node.AccountID(id), now.Truncate(time.Second).UTC()
		if invite != "" {
			if _, err := tx.ExecContext(ctx, `UPDATE invitations SET used_by = ?, used_at = ? WHERE code = ?`,
				id, now.Unix(), invite); err != nil {
				return fmt.Errorf("data: use invitation: %w", err)
			}
		}
		return nil
	})
}

// Account returns the account with id, or ENOTFOUND.
func (db *DB) Account(ctx context.Context, id node.AccountID) (*node.Account, error) {
	a, err := scanAccount(db.queryRow(ctx, `SELECT `+accountCols+` FROM accounts WHERE id = ? AND disabled = 0`, id))
	if err != nil {
		return nil, notFound(err, "No such account.")
	}
	return a, nil
}

// AccountByName returns the account named name (case-insensitive) and its
// password hash, or ENOTFOUND.
func (db *DB) AccountByName(ctx context.Context, name string) (*node.Account, string, error) {
	row := db.queryRow(ctx, `SELECT `+accountCols+`, password_hash FROM accounts WHERE name = ? AND disabled = 0`, name)
	var a node.Account
	var created int64
	var hash string
	if err := row.Scan(&a.ID, &a.Name, &a.DisplayName, &a.Role, &a.Lang, &created, &hash); err != nil {
		return nil, "", notFound(err, "No account named %q.", name)
	}
	a.CreatedAt = time.Unix(created, 0).UTC()
	return &a, hash, nil
}

// UpdateAccountProfile sets an account's display name and language.
func (db *DB) UpdateAccountProfile(ctx context.Context, id node.AccountID, displayName, lang string) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE accounts SET display_name = ?, lang = ? WHERE id = ?`, displayName, lang, id)
		if err != nil {
			return fmt.Errorf("data: update account %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return node.Errorf(node.ENOTFOUND, "No such account.")
		}
		return nil
	})
}

// CountAccounts returns the number of active accounts.
func (db *DB) CountAccounts(ctx context.Context) (int, error) {
	var n int
	err := db.queryRow(ctx, `SELECT count(*) FROM accounts WHERE disabled = 0`).Scan(&n)
	return n, err
}
