package data

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/shiji-market/shiji/node"
)

// The world market's tables (migration 0060) are written by package
// federation; these are the reads the use cases need.

// WorldVersion returns a number that changes whenever the catalogue does.
func (db *DB) WorldVersion(ctx context.Context) (int64, error) {
	var v int64
	err := db.r.QueryRowContext(ctx, `SELECT value FROM versions WHERE name = 'world'`).Scan(&v)
	return v, err
}

// WorldRow is what the world stroll needs to know of a catalogue item.
type WorldRow struct {
	ID        int64
	Link      node.LinkID
	Stall     int64  // its world_stalls row
	Alley     string // its alley's IRI, "" when unknown
	Published time.Time
	StoryLen  int
	Amount    string
	Currency  string
}

// WorldRows streams the catalogue items of linked markets to fn, in id order.
func (db *DB) WorldRows(ctx context.Context, fn func(WorldRow)) error {
	rows, err := db.r.QueryContext(ctx, `SELECT i.id, i.link_id, i.stall_id, i.alley, i.published, i.story_len, i.amount, i.currency
		FROM world_items i JOIN world_links l ON l.id = i.link_id WHERE l.state = 'linked' ORDER BY i.id`)
	if err != nil {
		return fmt.Errorf("data: world rows: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r WorldRow
		var pub int64
		if err := rows.Scan(&r.ID, &r.Link, &r.Stall, &r.Alley, &pub, &r.StoryLen, &r.Amount, &r.Currency); err != nil {
			return err
		}
		r.Published = time.Unix(pub, 0).UTC()
		fn(r)
	}
	return rows.Err()
}

// WorldItems returns the catalogue items with the given ids, in that order;
// ids no longer in the catalogue are left out.
func (db *DB) WorldItems(ctx context.Context, ids []int64) ([]*node.WorldItem, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := db.r.QueryContext(ctx, `SELECT i.id, i.ap_id, i.url, i.title, i.excerpt, i.amount, i.currency, i.available, i.tags,
			i.thumb, i.thumb_w, i.thumb_h, i.thumb_state, i.photo_alt, i.day_start, i.day_end, i.published,
			s.actor, s.name, s.url, l.id, l.acct, l.name, l.city, l.timezone, l.url, l.stale_since IS NOT NULL
		FROM world_items i JOIN world_stalls s ON s.id = i.stall_id JOIN world_links l ON l.id = i.link_id
		WHERE i.id IN (?`+strings.Repeat(",?", len(ids)-1)+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("data: world items: %w", err)
	}
	defer rows.Close()
	byID := make(map[int64]*node.WorldItem, len(ids))
	for rows.Next() {
		var it node.WorldItem
		var amount, currency, tags, thumb, thumbState string
		var dayStart, dayEnd sql.NullInt64
		var pub int64
		m := &it.Market
		if err := rows.Scan(&it.ID, &it.APID, &it.URL, &it.Title, &it.Excerpt, &amount, &currency, &it.Available, &tags,
			&thumb, &it.ThumbW, &it.ThumbH, &thumbState, &it.Alt, &dayStart, &dayEnd, &pub,
			&it.StallID, &it.StallName, &it.StallURL, &m.Link, &m.Acct, &m.Name, &m.City, &m.Timezone, &m.URL, &m.Stale); err != nil {
			return nil, err
		}
		if amount != "" {
			it.Price = &node.RemotePrice{Amount: amount, Currency: currency}
		}
		json.Unmarshal([]byte(tags), &it.Tags)
		if thumbState == "kept" && thumb != "" {
			it.Thumb = node.WorldThumbPath(thumb)
		}
		if dayStart.Valid {
			it.DayStart = time.Unix(dayStart.Int64, 0).UTC()
			it.DayEnd = time.Unix(dayEnd.Int64, 0).UTC()
		}
		it.Published = time.Unix(pub, 0).UTC()
		if it.StallURL == "" {
			it.StallURL = it.StallID
		}
		byID[it.ID] = &it
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]*node.WorldItem, 0, len(ids))
	for _, id := range ids {
		if it := byID[id]; it != nil {
			out = append(out, it)
		}
	}
	return out, nil
}

const linkCols = `l.id, l.actor, l.acct, l.name, l.city, l.timezone, l.url, l.state, l.stalls, l.open_stalls, l.created_at,
	coalesce(l.linked_at, 0), l.stale_since, l.last_error, l.sync_next != '',
	EXISTS (SELECT 1 FROM ap_followers f WHERE f.actor = 'market' AND f.follower = l.actor),
	l.items, (SELECT count(*) FROM world_stalls s WHERE s.link_id = l.id AND s.items > 0)`

func scanLink(row interface{ Scan(...any) error }, extra ...any) (*node.MarketLink, error) {
	var l node.MarketLink
	var created, linked int64
	var stale sql.NullInt64
	dst := append([]any{&l.ID, &l.Actor, &l.Acct, &l.Name, &l.City, &l.Timezone, &l.URL, &l.State, &l.Stalls, &l.OpenStalls, &created,
		&linked, &stale, &l.LastError, &l.Syncing, &l.LinksBack, &l.Items, &l.ItemStalls}, extra...)
	if err := row.Scan(dst...); err != nil {
		return nil, err
	}
	l.CreatedAt = time.Unix(created, 0).UTC()
	if linked > 0 {
		l.LinkedAt = time.Unix(linked, 0).UTC()
	}
	if stale.Valid {
		l.Stale, l.StaleSince = true, time.Unix(stale.Int64, 0).UTC()
	}
	if l.URL == "" {
		l.URL = l.Actor
	}
	return &l, nil
}

// MarketLinks lists the market's links, oldest first, each with its next
// market day (after now) and, for acc (0: nobody), whether acc hides it.
func (db *DB) MarketLinks(ctx context.Context, acc node.AccountID, now time.Time) ([]*node.MarketLink, error) {
	rows, err := db.query(ctx, `SELECT `+linkCols+`,
		EXISTS (SELECT 1 FROM world_hidden h WHERE h.link_id = l.id AND h.account_id = ?)
		FROM world_links l ORDER BY l.id LIMIT 1000`, acc)
	if err != nil {
		return nil, fmt.Errorf("data: market links: %w", err)
	}
	var out []*node.MarketLink
	for rows.Next() {
		var hidden bool
		l, err := scanLink(rows, &hidden)
		if err != nil {
			rows.Close()
			return nil, err
		}
		l.Hidden = hidden
		out = append(out, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, l := range out {
		days, err := db.linkDays(ctx, `e.actor = ?`, []any{l.Actor}, now, 1)
		if err != nil {
			return nil, err
		}
		if len(days) > 0 {
			l.NextDay = days[0]
		}
	}
	return out, nil
}

// MarketLink returns one link with its next market day (after the store's
// now); ENOTFOUND when there is none.
func (db *DB) MarketLink(ctx context.Context, id node.LinkID) (*node.MarketLink, error) {
	l, err := scanLink(db.r.QueryRowContext(ctx, `SELECT `+linkCols+` FROM world_links l WHERE l.id = ?`, id))
	if err != nil {
		return nil, notFound(err, "There is no market link %d.", id)
	}
	days, err := db.linkDays(ctx, `e.actor = ?`, []any{l.Actor}, db.now(), 1)
	if err != nil {
		return nil, err
	}
	if len(days) > 0 {
		l.NextDay = days[0]
	}
	return l, nil
}

// HiddenLinks returns the links acc keeps out of their strolls.
func (db *DB) HiddenLinks(ctx context.Context, acc node.AccountID) (map[node.LinkID]bool, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT link_id FROM world_hidden WHERE account_id = ?`, acc)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[node.LinkID]bool{}
	for rows.Next() {
		var id node.LinkID
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}

// SetLinkHidden keeps link out of acc's strolls (hidden) or lets it back in.
// ENOTFOUND for an unknown link.
func (db *DB) SetLinkHidden(ctx context.Context, acc node.AccountID, link node.LinkID, hidden bool) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM world_links WHERE id = ?`, link).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return node.Errorf(node.ENOTFOUND, "There is no market link %d.", link)
		}
		q := `INSERT OR IGNORE INTO world_hidden(account_id, link_id) VALUES (?, ?)`
		if !hidden {
			q = `DELETE FROM world_hidden WHERE account_id = ? AND link_id = ?`
		}
		_, err := tx.ExecContext(ctx, q, acc, link)
		return err
	})
}

// WorldDays returns the market days of the linked markets that have not
// ended by now, soonest first, at most limit.
func (db *DB) WorldDays(ctx context.Context, now time.Time, limit int) ([]*node.RemoteEvent, error) {
	return db.linkDays(ctx, `e.actor IN (SELECT actor FROM world_links WHERE state = 'linked')`, nil, now, limit)
}

// linkDays lists the Events (ap_events) matching where, with their market.
func (db *DB) linkDays(ctx context.Context, where string, args []any, now time.Time, limit int) ([]*node.RemoteEvent, error) {
	rows, err := db.query(ctx, `SELECT e.id, e.url, e.name, e.start_at, e.end_at, e.timezone, e.place, e.cancelled,
			e.actor, coalesce(l.acct, ''), coalesce(nullif(l.name, ''), a.name, ''), coalesce(nullif(l.url, ''), a.url, ''),
			coalesce(a.icon, ''), coalesce(a.type, '')
		FROM ap_events e LEFT JOIN world_links l ON l.actor = e.actor LEFT JOIN ap_actors a ON a.id = e.actor
		WHERE `+where+` AND e.end_at > ? ORDER BY e.start_at, e.id LIMIT ?`, append(args, now.Unix(), limit)...)
	if err != nil {
		return nil, fmt.Errorf("data: world days: %w", err)
	}
	defer rows.Close()
	var out []*node.RemoteEvent
	for rows.Next() {
		var e node.RemoteEvent
		var start, end int64
		var tz string
		a := &e.Market
		if err := rows.Scan(&e.ID, &e.URL, &e.Name, &start, &end, &tz, &e.Place, &e.Cancelled,
			&a.ID, &a.Acct, &a.Name, &a.URL, &a.Icon, &a.Type); err != nil {
			return nil, err
		}
		loc := time.UTC
		if l, err := time.LoadLocation(tz); err == nil && tz != "" {
			loc = l
		}
		e.Start, e.End = time.Unix(start, 0).In(loc), time.Unix(end, 0).In(loc)
		if a.URL == "" {
			a.URL = a.ID
		}
		out = append(out, &e)
	}
	return out, rows.Err()
}

// MarketsFollowingUs lists the markets (Group actors) that follow this
// market and are not linked with it: the organiser may link back.
func (db *DB) MarketsFollowingUs(ctx context.Context) ([]*node.RemoteActor, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT a.id, a.preferred_username, a.name, a.url FROM ap_followers f
		JOIN ap_actors a ON a.id = f.follower WHERE f.actor = 'market' AND a.type = 'Group'
		AND f.follower NOT IN (SELECT actor FROM world_links) ORDER BY f.created_at LIMIT 100`)
	if err != nil {
		return nil, fmt.Errorf("data: markets following us: %w", err)
	}
	defer rows.Close()
	var out []*node.RemoteActor
	for rows.Next() {
		var a node.RemoteActor
		var user string
		if err := rows.Scan(&a.ID, &user, &a.Name, &a.URL); err != nil {
			return nil, err
		}
		a.Type, a.Acct = "Group", a.ID
		if u, err := url.Parse(a.ID); err == nil && user != "" {
			a.Acct = user + "@" + u.Host
		}
		if a.URL == "" {
			a.URL = a.ID
		}
		out = append(out, &a)
	}
	return out, rows.Err()
}
