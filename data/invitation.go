package data

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/shiji-market/shiji/node"
)

// CreateInvitation stores an invitation.
func (db *DB) CreateInvitation(ctx context.Context, inv *node.Invitation) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO invitations(code, role, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
			inv.Code, inv.Role, inv.CreatedBy, inv.CreatedAt.Unix(), inv.ExpiresAt.Unix())
		if err != nil {
			return fmt.Errorf("data: create invitation: %w", err)
		}
		return nil
	})
}

// Invitation returns the invitation with code, or ENOTFOUND.
func (db *DB) Invitation(ctx context.Context, code string) (*node.Invitation, error) {
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return invitation(ctx, tx, code)
}

func invitation(ctx context.Context, tx *sql.Tx, code string) (*node.Invitation, error) {
	var inv node.Invitation
	var created, expires int64
	var used sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT code, role, created_by, created_at, expires_at, used_by FROM invitations WHERE code = ?`, code).
		Scan(&inv.Code, &inv.Role, &inv.CreatedBy, &created, &expires, &used)
	if err != nil {
		return nil, notFound(err, "This invitation code is not known.")
	}
	inv.CreatedAt, inv.ExpiresAt = time.Unix(created, 0).UTC(), time.Unix(expires, 0).UTC()
	inv.UsedBy = node.AccountID(used.Int64)
	return &inv, nil
}

// Invitations lists the invitations created by anyone, newest first (at most 100).
func (db *DB) Invitations(ctx context.Context) ([]*node.Invitation, error) {
	rows, err := db.query(ctx, `SELECT code, role, created_by, created_at, expires_at, coalesce(used_by, 0)
		FROM invitations ORDER BY created_at DESC LIMIT 100`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*node.Invitation
	for rows.Next() {
		var inv node.Invitation
		var created, expires int64
		if err := rows.Scan(&inv.Code, &inv.Role, &inv.CreatedBy, &created, &expires, &inv.UsedBy); err != nil {
			return nil, err
		}
		inv.CreatedAt, inv.ExpiresAt = time.Unix(created, 0).UTC(), time.Unix(expires, 0).UTC()
		out = append(out, &inv)
	}
	return out, rows.Err()
}
