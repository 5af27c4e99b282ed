package federation

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-fed/activity/streams"
	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
	"github.com/shiji-market/shiji/node/i18n"
)

// Market days as ActivityStreams Events, the shape Mobilizon sends and reads
// (converter/event.ex, converter/address.ex) with FEP-8a8e's eventStatus
// beside Mobilizon's status. The market (Group) tells its followers about
// every market day within eventWindow: a Create when the day enters the
// window, an Update when its facts change or it is cancelled (Mobilizon
// shows a cancelled event by its status; a Delete would make it vanish from
// calendars), a Delete when it leaves the schedule. What to send is decided
// from what followers were last told (ap_days), so sweeps may run any number
// of times. The Event is also served at the day's page, BASE/days/DATE, to
// an ActivityPub Accept.

// eventWindow is how far ahead market days are announced; daySweepEvery how
// often Run looks again (days enter the window, the market's name or city
// may have changed).
const (
	eventWindow   = 30 * 24 * time.Hour
	daySweepEvery = time.Hour
)

var dayPathRE = regexp.MustCompile(`^/days/([0-9]{4}-[0-9]{2}-[0-9]{2})$`)

var _ app.DayFederator = (*Federation)(nil)

// day is a market day's Event id: its page (node.DayPath).

// MarketDaysChanged implements app.DayFederator: it sends what the changed
// schedule means for the days followers know of or should (queued, so it
// returns quickly). It never fails the caller: errors are logged.
func (f *Federation) MarketDaysChanged(ctx context.Context) {
	if _, err := f.sweepDays(ctx); err != nil {
		f.log.Error("cannot send the market days", "err", err)
	}
}

// runDays sweeps the market days now and every daySweepEvery until ctx ends.
func (f *Federation) runDays(ctx context.Context) {
	tick := time.NewTicker(daySweepEvery)
	defer tick.Stop()
	for {
		if _, err := f.sweepDays(ctx); err != nil && ctx.Err() == nil {
			f.log.Error("market days sweep", "err", err)
		}
		if err := f.sweepEvents(ctx); err != nil && ctx.Err() == nil {
			f.log.Error("other markets' days sweep", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// toldDay is a row of ap_days: what followers were last told about a day.
type toldDay struct {
	state              string // scheduled, cancelled, deleted
	digest             string
	endAt              int64
	published, updated int64
}

// active reports whether followers have the day's Event (not deleted).
func (t *toldDay) active() bool { return t != nil && t.state != "deleted" }

// sweepDays compares the market days that are open or within eventWindow,
// and those followers were told of that have not closed, with what they were
// told, and queues a Create, Update or Delete by the market for each that
// differs. It reports how many activities it queued.
func (f *Federation) sweepDays(ctx context.Context) (int, error) {
	now := f.now()
	cat, err := f.catalog() // loaded once, not while holding the writer
	if err != nil {
		return 0, err
	}
	queued := 0
	err = f.db.Write(ctx, func(tx *sql.Tx) error {
		queued = 0
		// The schedule and the market are read while this transaction holds
		// the only writer, so no change can come in between: two sweeps never
		// send the same thing, nor a stale one after a newer.
		cal, err := f.calendar(ctx, cat)
		if err != nil {
			return err
		}
		told, err := toldDaysTx(ctx, tx, now.Unix())
		if err != nil {
			return err
		}
		days := map[string]node.MarketDay{}
		for _, d := range cal.sched.Days(cal.loc, now, now.Add(eventWindow)) {
			days[d.Date] = d
		}
		for date := range told {
			if _, ok := days[date]; !ok {
				if d, ok := cal.sched.Day(cal.loc, date); ok {
					days[date] = d
				}
			}
		}
		dates := make([]string, 0, len(days)+len(told))
		for d := range days {
			dates = append(dates, d)
		}
		for d := range told {
			if _, ok := days[d]; !ok {
				dates = append(dates, d)
			}
		}
		sort.Strings(dates)
		var inboxes []string
		loaded := false
		for _, date := range dates {
			day, exists := days[date]
			t := told[date]
			var ev *dayEvent
			if exists {
				ev = f.dayEvent(cal, day)
			}
			kind := ""
			switch {
			case !exists:
				if t.active() {
					kind = "delete"
				}
			case t.active():
				if t.digest != ev.digest() {
					kind = "update"
				}
			case !day.Cancelled && !day.Over(now) && day.Start.Before(now.Add(eventWindow)):
				kind = "create"
			}
			if kind == "" {
				continue
			}
			if !loaded {
				if inboxes, err = followerInboxesTx(ctx, tx, keyMarket); err != nil {
					return err
				}
				loaded = true
			}
			n, err := f.tellDayTx(ctx, tx, cal, kind, date, ev, t, inboxes, now)
			if err != nil {
				return fmt.Errorf("federation: market day %s: %w", date, err)
			}
			queued += n
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if queued > 0 {
		f.kick()
	}
	return queued, nil
}

// toldDaysTx returns what followers were told of the days that close after now.
func toldDaysTx(ctx context.Context, tx *sql.Tx, now int64) (map[string]*toldDay, error) {
	rows, err := tx.QueryContext(ctx, `SELECT date, state, digest, end_at, published, updated FROM ap_days WHERE end_at > ?`, now)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]*toldDay{}
	for rows.Next() {
		var date string
		t := &toldDay{}
		if err := rows.Scan(&date, &t.state, &t.digest, &t.endAt, &t.published, &t.updated); err != nil {
			return nil, err
		}
		out[date] = t
	}
	return out, rows.Err()
}

// tellDayTx queues one activity about the day date (ev is nil for a
// Delete) to inboxes and records it in ap_days. An Update goes, instead, as
// a fresh Create to inboxes still waiting for the day's Create (see
// supersedeDayTx). It reports how many activities it queued.
func (f *Federation) tellDayTx(ctx context.Context, tx *sql.Tx, cal *calendar, kind, date string, ev *dayEvent, t *toldDay,
	inboxes []string, now time.Time) (int, error) {
	at := now.UTC().Truncate(time.Second)
	published := at
	if kind != "create" && t.active() {
		published = time.Unix(t.published, 0).UTC()
	}
	id := f.u.day(date)
	var obj map[string]any
	if kind == "delete" {
		var err error
		if obj, err = dayTombstone(id); err != nil {
			return 0, err
		}
	} else {
		stalls, err := f.app.DayStalls(ctx, date)
		if err != nil {
			return 0, err
		}
		if obj, err = f.eventMap(cal, ev, len(stalls), published, at); err != nil {
			return 0, err
		}
	}
	o := outgoing{actor: keyMarket, kind: kind, activity: f.u.activity(newToken()), public: true, inboxes: inboxes}
	var err error
	if o.body, err = f.dayActivity(kind, o.activity, obj, at); err != nil {
		return 0, err
	}
	fresh := outgoing{actor: keyMarket, kind: "create", activity: f.u.activity(newToken()), public: true}
	if kind == "update" {
		if fresh.body, err = f.dayActivity("create", fresh.activity, obj, at); err != nil {
			return 0, err
		}
	}
	n, err := f.supersedeDayTx(ctx, tx, id, o, fresh)
	if err != nil {
		return 0, err
	}
	state, digest, endAt := "deleted", "", int64(0)
	if t != nil { // a Delete: always of a day followers were told of
		digest, endAt = t.digest, t.endAt
	}
	if ev != nil {
		state, digest, endAt = "scheduled", ev.digest(), ev.end.Unix()
		if ev.cancelled {
			state = "cancelled"
		}
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO ap_days(date, state, digest, end_at, published, updated) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT(date) DO UPDATE SET state = excluded.state, digest = excluded.digest, end_at = excluded.end_at,
		published = excluded.published, updated = excluded.updated`, date, state, digest, endAt, published.Unix(), at.Unix())
	if err == nil {
		f.log.Debug("market day activity queued", "date", date, "kind", kind, "activity", o.activity)
	}
	return n, err
}

// supersedeDayTx queues o, an activity about the day's Event dayID, after
// what is still waiting to go about it (the queue itself keeps no order), and
// reports how many activities it queued:
//
//   - waiting (not being sent) deliveries of the day's earlier Create and
//     Updates are dropped: each carries the whole Event, the newest says it
//     all. An inbox whose Create is dropped gets, for an Update, fresh (a
//     Create of the same Event) instead;
//   - to an inbox where an earlier one is being sent right now, o waits
//     until that lease ends.
func (f *Federation) supersedeDayTx(ctx context.Context, tx *sql.Tx, dayID string, o, fresh outgoing) (int, error) {
	rows, err := tx.QueryContext(ctx, `SELECT d.id, d.inbox, d.lease_ms, o.kind FROM ap_deliveries d JOIN ap_outbox o ON o.id = d.outbox_id
		WHERE o.actor = ? AND o.item_id IS NULL AND o.kind IN ('create', 'update') AND d.failed_at IS NULL
		AND json_extract(CAST(o.body AS TEXT), '$.object.id') = ?`, keyMarket, dayID)
	if err != nil {
		return 0, fmt.Errorf("earlier activities: %w", err)
	}
	now := f.now().UnixMilli()
	var drop []any
	hold := map[string]int64{} // inbox → when the earlier activity being sent there is done
	owed := map[string]bool{}  // inboxes that have not had the Create yet
	for rows.Next() {
		var id, lease int64
		var inbox, kind string
		if err := rows.Scan(&id, &inbox, &lease, &kind); err != nil {
			rows.Close()
			return 0, err
		}
		if lease > now {
			hold[inbox] = max(hold[inbox], lease)
			continue
		}
		drop = append(drop, id)
		owed[inbox] = owed[inbox] || kind == "create"
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if len(drop) > 0 {
		if _, err := tx.ExecContext(ctx, `DELETE FROM ap_deliveries WHERE id IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(drop)), ", ")+`)`,
			drop...); err != nil {
			return 0, err
		}
	}
	n := 1
	if o.kind == "update" && len(owed) > 0 {
		var rest []string
		for _, inbox := range o.inboxes {
			if owed[inbox] && hold[inbox] == 0 {
				fresh.inboxes = append(fresh.inboxes, inbox)
			} else {
				rest = append(rest, inbox)
			}
		}
		o.inboxes = rest
		if len(fresh.inboxes) > 0 {
			if err := f.enqueueTx(ctx, tx, fresh); err != nil {
				return 0, err
			}
			n++
		}
	}
	if err := f.enqueueTx(ctx, tx, o); err != nil {
		return 0, err
	}
	for inbox, until := range hold {
		if _, err := tx.ExecContext(ctx, `UPDATE ap_deliveries SET next_at_ms = max(next_at_ms, ?) WHERE inbox = ?
			AND outbox_id IN (SELECT id FROM ap_outbox WHERE activity IN (?, ?))`, until, inbox, o.activity, fresh.activity); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// dayActivity renders the market's Create, Update or Delete of obj (an
// Event, or a Tombstone for a Delete), to the public and its followers.
func (f *Federation) dayActivity(kind, id string, obj map[string]any, at time.Time) ([]byte, error) {
	a := changeActivity(kind)
	a.SetJSONLDId(idProp(id))
	a.SetActivityStreamsActor(actorProp(f.u.market()))
	a.SetActivityStreamsPublished(publishedProp(at))
	m, err := serialize(a)
	if err != nil {
		return nil, err
	}
	f.addressDay(m)
	m["object"] = obj
	return json.Marshal(m)
}

// dayTombstone is what is left of a day's Event (without @context).
func dayTombstone(id string) (map[string]any, error) {
	ts := streams.NewActivityStreamsTombstone()
	ts.SetJSONLDId(idProp(id))
	ft := streams.NewActivityStreamsFormerTypeProperty()
	ft.AppendXMLSchemaString("Event")
	ts.SetActivityStreamsFormerType(ft)
	m, err := streams.Serialize(ts)
	if err != nil {
		return nil, err
	}
	delete(m, "@context")
	return m, nil
}

// addressDay sets to (Public) and cc (the market's followers) as arrays:
// go-fed writes a one-item list as a bare value, and Mobilizon looks for
// Public with `in object["to"]`, which needs a list.
func (f *Federation) addressDay(m map[string]any) {
	m["to"] = []any{publicIRI}
	m["cc"] = []any{f.u.followers(f.u.market())}
}

// calendar is what a market day's Event is made from.
type calendar struct {
	m     *node.Market
	sched *node.Schedule
	loc   *time.Location
	lang  string // the market's first language
	tr    *i18n.Localizer
}

// calendar loads the market and its schedule, with cat's messages in the
// market's first language (English when cat does not have it).
func (f *Federation) calendar(ctx context.Context, cat *i18n.Catalog) (*calendar, error) {
	m, err := f.db.Market(ctx)
	if err != nil {
		return nil, err
	}
	sched, err := f.db.Schedule(ctx)
	if err != nil {
		return nil, err
	}
	lang := firstLang(m)
	return &calendar{m: m, sched: sched, loc: m.Location(), lang: lang, tr: cat.Localizer(cat.Match("en", lang))}, nil
}

// dayEvent is the facts of a market day's Event. Its digest covers what
// calendars keep (name, times, zone, place, status): a change of these is
// sent as an Update. The number of stalls coming is not among them: it is
// rendered afresh whenever the Event is sent or served.
type dayEvent struct {
	id        string
	name      string // market name · date (· label)
	when      string // date · hours, in the market's first language
	start     time.Time
	end       time.Time
	tz        string
	place     string // the market's name
	city      string
	cancelled bool
}

func (f *Federation) dayEvent(cal *calendar, d node.MarketDay) *dayEvent {
	lang := cal.lang
	market := cal.m.Name.In(lang, cal.m.Languages...)
	s := d.Start.In(cal.loc)
	date := cal.tr.T("day.date", "W", cal.tr.T(fmt.Sprintf("weekday.%d", int(s.Weekday()))), "D", s.Day(), "M", int(s.Month()),
		"Month", cal.tr.T(fmt.Sprintf("month.%d", int(s.Month()))))
	e := &dayEvent{id: f.u.day(d.Date), name: market + " · " + date,
		when:  date + " · " + s.Format("15:04") + "–" + d.End.In(cal.loc).Format("15:04"),
		start: s, end: d.End.In(cal.loc), tz: cal.loc.String(), place: market, city: cal.m.City.In(lang, cal.m.Languages...),
		cancelled: d.Cancelled}
	if d.Label != "" {
		e.name += " · " + d.Label
	}
	return e
}

func (e *dayEvent) digest() string {
	h := sha256.New()
	for _, s := range []string{e.name, e.start.Format(time.RFC3339), e.end.Format(time.RFC3339), e.tz, e.place, e.city,
		strconv.FormatBool(e.cancelled)} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// eventMap renders a market day as an Event (without @context): name,
// summary (a plain line: what Mastodon shows with the name and url), HTML
// content (hours, place, how many stalls come, link), startTime and endTime
// with the market's UTC offset, its IANA zone as timezone, the market as a
// Place, the page as url, the market as attributedTo and actor, Public and
// the market's followers, published (none for a day never announced) and,
// after a change, updated.
// Mobilizon's status (and, for its older versions, ical:status) and
// FEP-8a8e's eventStatus say whether it is cancelled; joinMode "external"
// with the page as externalParticipationUrl says there is nothing to join
// here (anyone may come); comments are closed (replies to a day are not
// taken in).
func (f *Federation) eventMap(cal *calendar, e *dayEvent, stalls int, published, updated time.Time) (map[string]any, error) {
	market := f.u.market()
	ev := streams.NewActivityStreamsEvent()
	ev.SetJSONLDId(idProp(e.id))
	name := streams.NewActivityStreamsNameProperty()
	name.AppendXMLSchemaString(e.name)
	ev.SetActivityStreamsName(name)
	summary := streams.NewActivityStreamsSummaryProperty()
	summary.AppendXMLSchemaString(html.EscapeString(e.summary(cal)))
	ev.SetActivityStreamsSummary(summary)
	content := streams.NewActivityStreamsContentProperty()
	content.AppendXMLSchemaString(e.content(cal, stalls))
	ev.SetActivityStreamsContent(content)
	mt := streams.NewActivityStreamsMediaTypeProperty()
	mt.Set("text/html")
	ev.SetActivityStreamsMediaType(mt)
	start := streams.NewActivityStreamsStartTimeProperty()
	start.Set(e.start)
	ev.SetActivityStreamsStartTime(start)
	end := streams.NewActivityStreamsEndTimeProperty()
	end.Set(e.end)
	ev.SetActivityStreamsEndTime(end)
	place := streams.NewActivityStreamsPlace()
	pn := streams.NewActivityStreamsNameProperty()
	pn.AppendXMLSchemaString(e.place)
	place.SetActivityStreamsName(pn)
	if e.city != "" {
		// A schema.org PostalAddress: Mobilizon reads address.addressLocality
		// and fails on a plain-text address. The market has no street address
		// or coordinates, so there are none.
		place.GetUnknownProperties()["address"] = map[string]any{"type": "PostalAddress", "addressLocality": e.city}
	}
	loc := streams.NewActivityStreamsLocationProperty()
	loc.AppendActivityStreamsPlace(place)
	ev.SetActivityStreamsLocation(loc)
	u := streams.NewActivityStreamsUrlProperty()
	u.AppendIRI(iri(e.id))
	ev.SetActivityStreamsUrl(u)
	at := streams.NewActivityStreamsAttributedToProperty()
	at.AppendIRI(iri(market))
	ev.SetActivityStreamsAttributedTo(at)
	if !published.IsZero() {
		ev.SetActivityStreamsPublished(publishedProp(published))
	}
	if !published.IsZero() && updated.After(published) {
		up := streams.NewActivityStreamsUpdatedProperty()
		up.Set(updated.UTC().Truncate(time.Second))
		ev.SetActivityStreamsUpdated(up)
	}
	status, fep := "CONFIRMED", "EventScheduled"
	if e.cancelled {
		status, fep = "CANCELLED", "EventCancelled"
	}
	x := ev.GetUnknownProperties()
	x["actor"] = market
	x["timezone"] = e.tz
	x["status"] = status
	x["ical:status"] = status
	x["eventStatus"] = fep
	x["joinMode"] = "external"
	x["externalParticipationUrl"] = e.id
	x["commentsEnabled"] = false
	x["repliesModerationOption"] = "closed"
	x["category"] = "COMMUNITY"
	m, err := streams.Serialize(ev)
	if err != nil {
		return nil, err
	}
	delete(m, "@context")
	f.addressDay(m)
	return m, nil
}

// summary is one plain line: (cancelled ·) date · hours · city.
func (e *dayEvent) summary(cal *calendar) string {
	s := e.when
	if e.city != "" {
		s += " · " + e.city
	}
	if e.cancelled {
		s = cal.tr.T("day.cancelled") + " · " + s
	}
	return s
}

// content is the HTML Mastodon-like readers show.
func (e *dayEvent) content(cal *calendar, stalls int) string {
	var b strings.Builder
	if e.cancelled {
		fmt.Fprintf(&b, "<p><strong>%s</strong></p>", html.EscapeString(cal.tr.T("day.cancelled")))
	}
	fmt.Fprintf(&b, "<p>%s (%s)</p>", html.EscapeString(e.when), html.EscapeString(e.tz))
	where := e.place
	if e.city != "" {
		where += " · " + e.city
	}
	fmt.Fprintf(&b, "<p>%s</p>", html.EscapeString(where))
	link := html.EscapeString(e.id)
	if stalls > 0 {
		fmt.Fprintf(&b, `<p><a href="%s">%s</a></p>`, link, html.EscapeString(cal.tr.T("day.all", "N", stalls)))
	} else {
		fmt.Fprintf(&b, `<p>%s <a href="%s">%s</a></p>`, html.EscapeString(cal.tr.T("day.nobody")), link, link)
	}
	return b.String()
}

// serveDay writes a market day's Event (cancelled ones too, marked), with
// the published and updated times followers were told; a day that has left
// the schedule after followers were told of it is 410 with a Tombstone.
func (f *Federation) serveDay(c echo.Context, date string) error {
	ctx := c.Request().Context()
	cat, err := f.catalog()
	if err != nil {
		return err
	}
	cal, err := f.calendar(ctx, cat)
	if err != nil {
		return err
	}
	var t toldDay
	err = f.db.Read().QueryRowContext(ctx, `SELECT state, digest, end_at, published, updated FROM ap_days WHERE date = ?`, date).
		Scan(&t.state, &t.digest, &t.endAt, &t.published, &t.updated)
	told := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	day, ok := cal.sched.Day(cal.loc, date)
	if !ok {
		if !told {
			return node.Errorf(node.ENOTFOUND, "There is no market day on %s.", date)
		}
		m, err := dayTombstone(f.u.day(date))
		if err != nil {
			return err
		}
		m["@context"] = jsonLDContext()
		return writeAS(c.Response(), http.StatusGone, m)
	}
	stalls, err := f.app.DayStalls(ctx, date)
	if err != nil {
		return err
	}
	var published, updated time.Time // none for a day not announced (yet)
	if told && t.active() {
		published, updated = time.Unix(t.published, 0), time.Unix(t.updated, 0)
	}
	m, err := f.eventMap(cal, f.dayEvent(cal, day), len(stalls), published, updated)
	if err != nil {
		return err
	}
	m["@context"] = jsonLDContext()
	return writeAS(c.Response(), http.StatusOK, m)
}

// catalog is the message catalogue market days are written with, loaded on
// first use (it is embedded: it cannot change while the node runs).
func (f *Federation) catalog() (*i18n.Catalog, error) {
	f.catOnce.Do(func() { f.cat, f.catErr = i18n.Load() })
	return f.cat, f.catErr
}
