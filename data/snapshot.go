package data

import (
	"context"
	"fmt"
	"time"

	"github.com/shiji-market/shiji/node"
)

// MarketRows is everything the Market version stands for, read at once: the
// market, its floor plan, alleys and schedule, and every stall with its
// stallholders, photos and the market days it comes to. Stall stories are
// left out (a page that shows one reads it with StallPage).
type MarketRows struct {
	Versions Versions // as published before the rows were read
	Market   *node.Market
	FloorW   int
	FloorH   int
	Alleys   []*node.Alley
	Schedule *node.Schedule
	Stalls   []*node.Stall // in floor-plan order: placed stalls by row and column, then the rest by name
	Holders  map[node.AccountID]*node.Account
	Days     map[node.StallID][]string // dates from `from` on, in order
}

// MarketRows reads the market's rows, the stall days from date from on.
// Labelled with the versions published before the first read, the result
// is at least as new as its label says.
func (db *DB) MarketRows(ctx context.Context, from string) (*MarketRows, error) {
	out := &MarketRows{Versions: db.Versions(), Holders: map[node.AccountID]*node.Account{}, Days: map[node.StallID][]string{}}
	var err error
	if out.Market, err = db.Market(ctx); err != nil {
		return nil, err
	}
	if out.FloorW, out.FloorH, err = db.FloorPlan(ctx); err != nil {
		return nil, fmt.Errorf("data: floor plan: %w", err)
	}
	if out.Alleys, err = db.Alleys(ctx); err != nil {
		return nil, err
	}
	if out.Schedule, err = db.Schedule(ctx); err != nil {
		return nil, err
	}
	byID := map[node.StallID]*node.Stall{}
	rows, err := db.query(ctx, `SELECT s.id, s.name, '', s.alley_id, s.x, s.y, s.open_today, s.approve_followers, s.created_at, s.updated_at,
		s.moved_to, s.also_known_as, s.deleted_at IS NOT NULL
		FROM stalls s ORDER BY s.y IS NULL, s.y, s.x, s.name, s.id`)
	if err != nil {
		return nil, fmt.Errorf("data: stalls: %w", err)
	}
	for rows.Next() {
		s, err := scanStall(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out.Stalls = append(out.Stalls, s)
		byID[s.ID] = s
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := db.eachRow(ctx, `SELECT h.stall_id, a.id, a.name, a.display_name, a.role, a.lang, a.created_at
		FROM stall_holders h JOIN accounts a ON a.id = h.account_id AND a.disabled = 0 ORDER BY h.stall_id, a.id`,
		func(r scanner) error {
			var id node.StallID
			var a node.Account
			var created int64
			if err := r.Scan(&id, &a.ID, &a.Name, &a.DisplayName, &a.Role, &a.Lang, &created); err != nil {
				return err
			}
			if s := byID[id]; s != nil {
				s.Holders = append(s.Holders, a.ID)
			}
			if out.Holders[a.ID] == nil {
				acc := a
				acc.CreatedAt = time.Unix(created, 0).UTC()
				out.Holders[a.ID] = &acc
			}
			return nil
		}); err != nil {
		return nil, fmt.Errorf("data: stallholders: %w", err)
	}
	if err := db.eachRow(ctx, `SELECT owner_id, hash, ext, width, height, alt FROM photos WHERE owner_kind = 'stall' ORDER BY owner_id, position`,
		func(r scanner) error {
			var id node.StallID
			var p node.Photo
			if err := r.Scan(&id, &p.Hash, &p.Ext, &p.Width, &p.Height, &p.Alt); err != nil {
				return err
			}
			if s := byID[id]; s != nil {
				s.Photos = append(s.Photos, p)
			}
			return nil
		}); err != nil {
		return nil, fmt.Errorf("data: stall photos: %w", err)
	}
	if err := db.eachRow(ctx, `SELECT stall_id, date FROM stall_days WHERE date >= ? ORDER BY stall_id, date`,
		func(r scanner) error {
			var id node.StallID
			var d string
			if err := r.Scan(&id, &d); err != nil {
				return err
			}
			out.Days[id] = append(out.Days[id], d)
			return nil
		}, from); err != nil {
		return nil, fmt.Errorf("data: stall days: %w", err)
	}
	return out, nil
}

// eachRow runs a prepared read and calls fn for every row.
func (db *DB) eachRow(ctx context.Context, q string, fn func(scanner) error, args ...any) error {
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// StallPageRows is what a stall's page shows that the market snapshot does
// not hold.
type StallPageRows struct {
	Story     string
	Thread    node.ConversationID // 0 while nobody has asked
	Followers int
	Following bool // viewer follows it
}

// StallPage reads a stall's story, thread, and followers (and whether viewer,
// 0 for nobody, is one of them) in one query; ENOTFOUND for no such stall.
func (db *DB) StallPage(ctx context.Context, id node.StallID, viewer node.AccountID) (*StallPageRows, error) {
	var r StallPageRows
	err := db.queryRow(ctx, `SELECT s.story,
		coalesce((SELECT id FROM conversations WHERE kind = 'thread' AND item_id IS NULL AND stall_id = s.id), 0),
		(SELECT count(*) FROM stall_follows WHERE stall_id = s.id),
		EXISTS (SELECT 1 FROM stall_follows WHERE stall_id = s.id AND account_id = ?)
		FROM stalls s WHERE s.id = ?`, viewer, id).Scan(&r.Story, &r.Thread, &r.Followers, &r.Following)
	if err != nil {
		return nil, notFound(err, "There is no stall %d.", id)
	}
	return &r, nil
}
