package federation

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/shiji-market/shiji/node"
)

// Other markets' market days: an Event created or updated by an actor
// someone here follows (a market's Group, as shiji sends them, or any
// Mobilizon-style Event) is kept in ap_events and shown on the world market
// page; its Delete removes it. Events that have ended are not shown and are
// swept with the rest.

// remoteEvent is an Event as read from its JSON.
type remoteEvent struct {
	id, url, name, tz, place string
	start, end               time.Time
	cancelled                bool
}

// parseEvent reads the Event properties shiji and Mobilizon send; ok is false
// when it lacks an id or a start time.
func parseEvent(m map[string]any) (e remoteEvent, ok bool) {
	e.id, e.tz = str(m, "id"), str(m, "timezone")
	e.name = str(m, "name")
	if e.name == "" {
		if nm, _ := m["nameMap"].(map[string]any); nm != nil {
			for _, v := range nm {
				if s, _ := v.(string); s != "" {
					e.name = s
					break
				}
			}
		}
	}
	e.url = refOf(m["url"])
	if e.url == "" || !strings.HasPrefix(e.url, "http") {
		e.url = e.id
	}
	var err error
	if e.start, err = time.Parse(time.RFC3339, str(m, "startTime")); err != nil || e.id == "" || !strings.HasPrefix(e.id, "http") {
		return e, false
	}
	if e.end, err = time.Parse(time.RFC3339, str(m, "endTime")); err != nil || e.end.Before(e.start) {
		e.end = e.start
	}
	switch loc := m["location"].(type) {
	case string:
		e.place = loc
	case map[string]any:
		e.place = str(loc, "name")
		switch addr := loc["address"].(type) {
		case string:
			e.place = strings.TrimSpace(e.place + " · " + addr)
		case map[string]any:
			if city := str(addr, "addressLocality"); city != "" && city != e.place {
				e.place = strings.TrimPrefix(e.place+" · "+city, " · ")
			}
		}
	}
	status := strings.ToUpper(str(m, "status") + str(m, "ical:status"))
	e.cancelled = strings.Contains(status, "CANCELLED") || strings.HasSuffix(str(m, "eventStatus"), "EventCancelled")
	cut := func(s string, n int) string {
		if r := []rune(s); len(r) > n {
			return string(r[:n])
		}
		return s
	}
	e.name, e.place, e.tz = cut(e.name, 300), cut(e.place, 300), cut(e.tz, 64)
	return e, true
}

// takeEvent keeps an Event by actor (the caller checked that someone here
// follows actor); only actor can change it later.
func (f *Federation) takeEvent(ctx context.Context, actor string, m map[string]any) error {
	e, ok := parseEvent(m)
	if !ok || !sameHost(e.id, actor) {
		return nil
	}
	if by := refOf(m["attributedTo"]); by != "" && by != actor {
		return nil
	}
	return f.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO ap_events(id, actor, name, url, start_at, end_at, timezone, place, cancelled, received_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name, url = excluded.url,
			start_at = excluded.start_at, end_at = excluded.end_at, timezone = excluded.timezone, place = excluded.place,
			cancelled = excluded.cancelled, received_at = excluded.received_at WHERE ap_events.actor = excluded.actor`,
			e.id, actor, e.name, e.url, e.start.Unix(), e.end.Unix(), e.tz, e.place, e.cancelled, f.now().Unix())
		return err
	})
}

// Events lists the market days still to come (or under way) of the actors
// acc follows, soonest first (app.Fediverse).
func (f *Federation) Events(ctx context.Context, acc node.AccountID, limit int) ([]*node.RemoteEvent, error) {
	rows, err := f.db.Read().QueryContext(ctx, `SELECT e.id, e.url, e.name, e.start_at, e.end_at, e.timezone, e.place, e.cancelled,
			e.actor, coalesce(a.preferred_username, ''), coalesce(a.name, ''), coalesce(a.url, ''), coalesce(a.icon, ''), coalesce(a.type, '')
		FROM ap_events e LEFT JOIN ap_actors a ON a.id = e.actor
		WHERE e.end_at > ? AND e.actor IN (SELECT actor FROM ap_following WHERE account_id = ? AND state = 'accepted')
		ORDER BY e.start_at, e.id LIMIT ?`, f.now().Unix(), acc, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*node.RemoteEvent{}
	for rows.Next() {
		var e node.RemoteEvent
		var start, end int64
		var tz, user string
		a := &e.Market
		if err := rows.Scan(&e.ID, &e.URL, &e.Name, &start, &end, &tz, &e.Place, &e.Cancelled,
			&a.ID, &user, &a.Name, &a.URL, &a.Icon, &a.Type); err != nil {
			return nil, err
		}
		loc := time.UTC
		if l, err := time.LoadLocation(tz); err == nil && tz != "" {
			loc = l
		}
		e.Start, e.End = time.Unix(start, 0).In(loc), time.Unix(end, 0).In(loc)
		a.Acct = acctOf(&remoteActor{ID: a.ID, PreferredUsername: user})
		if a.URL == "" {
			a.URL = a.ID
		}
		out = append(out, &e)
	}
	return out, rows.Err()
}

// onEvent: a followed market created or updated one of its market days.
func (f *Federation) onEvent(ctx context.Context, signer *remoteActor, raw map[string]any) error {
	if ok, err := f.followedHere(ctx, signer.ID); err != nil || !ok {
		return err
	}
	return f.takeEvent(ctx, signer.ID, raw)
}

// sweepEvents forgets other markets' days a week after they ended.
func (f *Federation) sweepEvents(ctx context.Context) error {
	return f.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM ap_events WHERE end_at < ?`, f.now().Add(-7*24*time.Hour).Unix())
		return err
	})
}
