package data

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/shiji-market/shiji/node"
)

// Schedule returns the market's schedule; a market nobody has scheduled has
// an empty one (no market days).
func (db *DB) Schedule(ctx context.Context) (*node.Schedule, error) {
	rows, err := db.query(ctx, `SELECT kind, coalesce(weekday, 0), coalesce(date, ''), start_min, end_min, label
		FROM market_schedule ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("data: schedule: %w", err)
	}
	defer rows.Close()
	s := &node.Schedule{}
	for rows.Next() {
		var kind, date, label string
		var weekday int
		var h node.Hours
		if err := rows.Scan(&kind, &weekday, &date, &h.Start, &h.End, &label); err != nil {
			return nil, err
		}
		switch kind {
		case "weekly":
			s.Weekly = append(s.Weekly, node.WeeklyRule{Weekday: time.Weekday(weekday), Hours: h, Label: label})
		case "date":
			s.Dates = append(s.Dates, node.DateRule{Date: date, Hours: h, Label: label})
		case "cancelled":
			s.Cancelled = append(s.Cancelled, date)
		}
	}
	return s, rows.Err()
}

// SetSchedule validates the schedule and replaces the market's schedule with
// it (EINVALID for a bad one). Stalls keep the dates they said they come to.
func (db *DB) SetSchedule(ctx context.Context, s *node.Schedule) error {
	if err := s.Validate(); err != nil {
		return err
	}
	return db.write(ctx, func(tx *sql.Tx) error { return setSchedule(ctx, tx, s) })
}

func setSchedule(ctx context.Context, tx *sql.Tx, s *node.Schedule) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM market_schedule`); err != nil {
		return err
	}
	ins := func(kind string, weekday, date any, h node.Hours, label string) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO market_schedule(kind, weekday, date, start_min, end_min, label) VALUES (?, ?, ?, ?, ?, ?)`,
			kind, weekday, date, h.Start, h.End, label)
		return err
	}
	for _, r := range s.Weekly {
		if err := ins("weekly", int(r.Weekday), nil, r.Hours, r.Label); err != nil {
			return fmt.Errorf("data: set schedule: %w", err)
		}
	}
	for _, r := range s.Dates {
		if err := ins("date", nil, r.Date, r.Hours, r.Label); err != nil {
			return fmt.Errorf("data: set schedule: %w", err)
		}
	}
	for _, d := range s.Cancelled {
		if err := ins("cancelled", nil, d, node.Hours{}, ""); err != nil {
			return fmt.Errorf("data: set schedule: %w", err)
		}
	}
	return nil
}

// StallDays returns the dates (YYYY-MM-DD) on or after from that the stall
// says it comes to, in order.
func (db *DB) StallDays(ctx context.Context, stall node.StallID, from string) ([]string, error) {
	rows, err := db.query(ctx, `SELECT date FROM stall_days WHERE stall_id = ? AND date >= ? ORDER BY date`, stall, from)
	if err != nil {
		return nil, fmt.Errorf("data: stall days: %w", err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// SetStallDays replaces the dates on or after from that the stall comes to
// with dates (which the caller has checked are market days); earlier dates
// stay as the record of where it was. ENOTFOUND for an unknown stall.
func (db *DB) SetStallDays(ctx context.Context, stall node.StallID, from string, dates []string) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM stalls WHERE id = ?`, stall).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return node.Errorf(node.ENOTFOUND, "There is no stall %d.", stall)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM stall_days WHERE stall_id = ? AND date >= ?`, stall, from); err != nil {
			return fmt.Errorf("data: stall days: %w", err)
		}
		for _, d := range dates {
			if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO stall_days(stall_id, date) VALUES (?, ?)`, stall, d); err != nil {
				return fmt.Errorf("data: stall days: %w", err)
			}
		}
		return nil
	})
}

// StallComes reports whether the stall says it comes on date.
func (db *DB) StallComes(ctx context.Context, stall node.StallID, date string) (bool, error) {
	var n int
	err := db.queryRow(ctx, `SELECT count(*) FROM stall_days WHERE stall_id = ? AND date = ?`, stall, date).Scan(&n)
	return n > 0, err
}

// StallsOn lists the stalls that come on date (by floor position, then
// name), with their first photos.
func (db *DB) StallsOn(ctx context.Context, date string, limit int) ([]*node.Stall, error) {
	if limit <= 0 {
		limit = 500
	}
	rows, err := db.query(ctx, `SELECT `+stallCols+` FROM stalls s JOIN stall_days d ON d.stall_id = s.id AND d.date = ?
		ORDER BY s.y IS NULL, s.y, s.x, s.name LIMIT ?`, date, limit)
	if err != nil {
		return nil, fmt.Errorf("data: stalls on %s: %w", date, err)
	}
	defer rows.Close()
	var out []*node.Stall
	for rows.Next() {
		s, err := scanStall(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, db.firstPhotos(ctx, out)
}

// SetItemDay stores the market day an item will be brought on ("" = any).
func (db *DB) SetItemDay(ctx context.Context, item node.ItemID, date string) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE items SET bring_on = ?, updated_at = ? WHERE id = ?`, date, db.now().Unix(), item)
		if err != nil {
			return fmt.Errorf("data: item day: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return node.Errorf(node.ENOTFOUND, "There is no item %d.", item)
		}
		return nil
	})
}

// ItemsOn lists the items (not withdrawn or gone) their stalls will bring on date.
func (db *DB) ItemsOn(ctx context.Context, date string, limit int) ([]*node.Item, error) {
	if limit <= 0 || limit > 200 {
		limit = 48
	}
	return db.queryItems(ctx, `SELECT `+itemListCols+itemCardFrom+`
		WHERE i.bring_on = ? AND i.status IN ('available', 'reserved') ORDER BY i.created_at DESC, i.id DESC LIMIT ?`, date, limit)
}
