package data

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/shiji-market/shiji/node"
)

// InstanceInfo returns the node's rules and contact.
func (db *DB) InstanceInfo(ctx context.Context) (*node.InstanceInfo, error) {
	var in node.InstanceInfo
	var rules string
	err := db.r.QueryRowContext(ctx, `SELECT rules, contact_email, contact_account FROM market WHERE id = 1`).
		Scan(&rules, &in.ContactEmail, &in.ContactAccount)
	if err != nil {
		return nil, fmt.Errorf("data: instance: %w", err)
	}
	if err := json.Unmarshal([]byte(rules), &in.Rules); err != nil {
		return nil, fmt.Errorf("data: instance rules: %w", err)
	}
	return &in, nil
}

// SetInstanceInfo validates and stores the rules and contact; a contact
// account that does not exist is EINVALID.
func (db *DB) SetInstanceInfo(ctx context.Context, in *node.InstanceInfo) error {
	if err := in.Validate(); err != nil {
		return err
	}
	rules, _ := json.Marshal(append([]string{}, in.Rules...))
	return db.write(ctx, func(tx *sql.Tx) error {
		if in.ContactAccount != "" {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM accounts WHERE name = ?`, in.ContactAccount).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return node.Errorf(node.EINVALID, "There is no account %q here to name as the contact.", in.ContactAccount)
			}
		}
		_, err := tx.ExecContext(ctx, `UPDATE market SET rules = ?, contact_email = ?, contact_account = ?, updated_at = ? WHERE id = 1`,
			string(rules), in.ContactEmail, in.ContactAccount, db.now().Unix())
		return err
	})
}
