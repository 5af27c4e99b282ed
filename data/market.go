package data

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/shiji-market/shiji/node"
)

// Market returns the node's market.
func (db *DB) Market(ctx context.Context) (*node.Market, error) {
	var m node.Market
	var name, city, desc, opening, langs string
	var updated int64
	err := db.queryRow(ctx, `SELECT name, city, description, opening, timezone, currency, languages, signup, configured, demo, updated_at
		FROM market WHERE id = 1`).Scan(&name, &city, &desc, &opening, &m.Timezone, &m.Currency, &langs, &m.Signup, &m.Configured, &m.Demo, &updated)
	if err != nil {
		return nil, fmt.Errorf("data: market: %w", err)
	}
	for _, f := range []struct {
		s string
		t *node.Text
	}{{name, &m.Name}, {city, &m.City}, {desc, &m.Description}, {opening, &m.Opening}} {
		if err := json.Unmarshal([]byte(f.s), f.t); err != nil {
			return nil, fmt.Errorf("data: market text: %w", err)
		}
	}
	m.Languages = strings.Split(langs, ",")
	m.UpdatedAt = time.Unix(updated, 0).UTC()
	return &m, nil
}

// UpdateMarket validates and stores the market's facts and marks it configured.
func (db *DB) UpdateMarket(ctx context.Context, m *node.Market) error {
	if err := node.ValidateMarket(m); err != nil {
		return err
	}
	return db.write(ctx, func(tx *sql.Tx) error { return updateMarket(ctx, tx, m, db.now()) })
}

func updateMarket(ctx context.Context, tx *sql.Tx, m *node.Market, now time.Time) error {
	enc := func(t node.Text) string {
		if t == nil {
			t = node.Text{}
		}
		b, _ := json.Marshal(t)
		return string(b)
	}
	if m.Currency == "" {
		m.Currency = "CNY"
	}
	_, err := tx.ExecContext(ctx, `UPDATE market SET name = ?, city = ?, description = ?, opening = ?, timezone = ?,
		currency = ?, languages = ?, signup = ?, configured = 1, updated_at = ? WHERE id = 1`,
		enc(m.Name), enc(m.City), enc(m.Description), enc(m.Opening), m.Timezone,
		m.Currency, strings.Join(m.Languages, ","), m.Signup, now.Unix())
	if err != nil {
		return fmt.Errorf("data: update market: %w", err)
	}
	return nil
}

// SetSignupMode changes who may sign up.
func (db *DB) SetSignupMode(ctx context.Context, mode node.SignupMode) error {
	if _, err := node.ParseSignupMode(string(mode)); err != nil {
		return err
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE market SET signup = ?, updated_at = ? WHERE id = 1`, mode, db.now().Unix())
		return err
	})
}
