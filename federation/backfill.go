package federation

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/node"
)

// A new follower of a stall or a market sees what is on its table now, not
// only what is listed after the follow: the outboxes of stalls and of the
// market list the items that are not withdrawn, newest first (a stall's as
// Create{Note}, the market's as Announce{Note}), and a node that follows a
// stall or market elsewhere reads the first page of its outbox once the
// follow is accepted ("backfill").

// backfillItems is how many notes a new follow brings into the timeline.
const backfillItems = 20

// backfillTimeout bounds one backfill (it runs in the background).
const backfillTimeout = 30 * time.Second

// getItemsOutbox serves the outbox of a stall or the market: its items, as
// activities with the Note embedded. Other actors' outboxes list what they
// sent (getOutbox).
func (f *Federation) getItemsOutbox(c echo.Context, a *localActor) error {
	ctx := c.Request().Context()
	n, err := page(c)
	if err != nil {
		return err
	}
	where, args := `status != 'withdrawn'`, []any{}
	if stall, ok := stallOfKey(a.key); ok {
		where, args = where+` AND stall_id = ?`, append(args, stall)
	}
	var total int
	if err := f.db.Read().QueryRowContext(ctx, `SELECT count(*) FROM items WHERE `+where, args...).Scan(&total); err != nil {
		return err
	}
	id := a.id + "/outbox"
	if n == 0 {
		return f.writeCollection(c, id, total, 0, nil)
	}
	rows, err := f.db.Read().QueryContext(ctx, `SELECT id FROM items WHERE `+where+` ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`,
		append(args, collectionPage, (n-1)*collectionPage)...)
	if err != nil {
		return err
	}
	var ids []node.ItemID
	for rows.Next() {
		var i node.ItemID
		if err := rows.Scan(&i); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, i)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	stalls := map[node.StallID]*node.Stall{}
	items := make([]any, 0, len(ids)+8)
	if a.key == keyMarket && n == 1 {
		// The market's coming days first, so a new follower learns of them.
		days, err := f.comingDays(ctx)
		if err != nil {
			return err
		}
		items = append(items, days...)
	}
	for _, i := range ids {
		it, err := f.db.Item(ctx, i)
		if err != nil {
			continue // withdrawn or gone meanwhile
		}
		st := stalls[it.Stall]
		if st == nil {
			if st, err = f.db.Stall(ctx, it.Stall); err != nil {
				return err
			}
			stalls[it.Stall] = st
		}
		note, err := f.noteMap(it, st)
		if err != nil {
			return err
		}
		delete(note, "@context")
		act := map[string]any{"type": "Create", "id": f.sentActivity(ctx, i, stallKey(st.ID), "create", "#create"),
			"actor": f.u.stall(st.ID), "object": note, "published": note["published"], "to": note["to"], "cc": note["cc"]}
		if a.key == keyMarket {
			act = map[string]any{"type": "Announce", "id": f.sentActivity(ctx, i, keyMarket, "announce", "#announce"), "actor": a.id,
				"object": note, "published": note["published"], "to": []any{publicIRI}, "cc": []any{f.u.followers(a.id)}}
		}
		items = append(items, act)
	}
	m := map[string]any{"@context": jsonLDContext(), "id": id + "?page=" + strconv.Itoa(n), "type": "OrderedCollectionPage",
		"partOf": id, "totalItems": total, "orderedItems": items}
	if n*collectionPage < total {
		m["next"] = id + "?page=" + strconv.Itoa(n+1)
	}
	return writeAS(c.Response(), http.StatusOK, m)
}

// startBackfill reads the first page of a newly followed actor's outbox in
// the background (bounded in time; Run waits for it when it ends).
func (f *Federation) startBackfill(actor string) {
	f.bgWG.Add(1)
	go func() {
		defer f.bgWG.Done()
		ctx, cancel := context.WithTimeout(f.bgCtx, backfillTimeout)
		defer cancel()
		if n, err := f.backfill(ctx, actor); err != nil {
			f.log.Info("backfill failed", "actor", actor, "err", err)
		} else {
			f.log.Debug("backfilled", "actor", actor, "notes", n)
		}
	}()
}

// backfill keeps the public, non-reply notes of the first page of actor's
// outbox (at most backfillItems): its own Create{Note}s, and the notes it
// announced (kept with via = actor). Embedded notes are trusted only from
// their author's host; others are fetched by id.
func (f *Federation) backfill(ctx context.Context, actor string) (int, error) {
	ra, err := f.remoteActor(ctx, actor, false)
	if err != nil {
		return 0, err
	}
	doc, err := f.client.getJSON(ctx, ra.ID, "", keyInstance)
	if err != nil {
		return 0, err
	}
	outbox := refOf(doc["outbox"])
	if outbox == "" || !sameHost(outbox, ra.ID) {
		return 0, nil
	}
	col, err := f.client.getJSON(ctx, outbox, "", keyInstance)
	if err != nil {
		return 0, err
	}
	pg := col
	if _, ok := col["orderedItems"]; !ok {
		first := col["first"]
		if m, ok := first.(map[string]any); ok && m["orderedItems"] != nil {
			pg = m
		} else if u := refOf(first); u != "" && sameHost(u, outbox) {
			if pg, err = f.client.getJSON(ctx, u, "", keyInstance); err != nil {
				return 0, err
			}
		} else {
			return 0, nil
		}
	}
	list, _ := pg["orderedItems"].([]any)
	kept := 0
	for _, v := range list {
		if kept == backfillItems || ctx.Err() != nil {
			break
		}
		act, ok := v.(map[string]any)
		if !ok {
			u, _ := v.(string)
			if u == "" || !sameHost(u, ra.ID) {
				continue
			}
			if act, err = f.client.getJSON(ctx, u, "", keyInstance); err != nil {
				continue
			}
		}
		typ := str(act, "type")
		if (typ != "Create" && typ != "Announce") || refOf(act["actor"]) != ra.ID {
			continue
		}
		if ev, _ := act["object"].(map[string]any); typ == "Create" && str(ev, "type") == "Event" {
			if err := f.takeEvent(ctx, ra.ID, ev); err != nil { // a market day of a followed market
				return kept, err
			}
			continue
		}
		n, err := f.backfillNote(ctx, act["object"], ra.ID)
		if err != nil || n == nil || !n.Public || n.Reply || n.Actor == "" || !sameHost(n.Actor, n.ID) || f.isBlocked(ctx, n.Actor) {
			continue
		}
		if typ == "Create" && n.Actor != ra.ID {
			continue
		}
		if typ == "Announce" {
			n.Via = ra.ID
		}
		if err := f.storeNote(ctx, n, false); err != nil {
			return kept, err
		}
		f.knowAuthor(ctx, n.Actor)
		kept++
	}
	return kept, nil
}

// backfillNote reads the Note of an outbox activity: embedded (trusted only
// when it is on the outbox owner's host) or fetched by its id.
func (f *Federation) backfillNote(ctx context.Context, obj any, owner string) (*remoteNote, error) {
	m, _ := obj.(map[string]any)
	id := refOf(obj)
	if id == "" || !strings.HasPrefix(id, "http") {
		return nil, nil
	}
	if m == nil || !sameHost(id, owner) {
		var err error
		if m, err = f.client.getJSON(ctx, id, "", keyInstance); err != nil || str(m, "id") != id {
			return nil, err
		}
	}
	n, ok, err := f.noteOf(ctx, m)
	if !ok {
		return nil, nil
	}
	return n, err
}

// sentActivity is the id of the last activity of kind about item that actor
// sent, or the item's IRI with fragment when it sent none (items listed
// before anyone followed, the demo market's).
func (f *Federation) sentActivity(ctx context.Context, item node.ItemID, actor, kind, fragment string) string {
	var id string
	if f.db.Read().QueryRowContext(ctx, `SELECT activity FROM ap_outbox WHERE item_id = ? AND actor = ? AND kind = ?
		ORDER BY id DESC LIMIT 1`, item, actor, kind).Scan(&id) == nil {
		return id
	}
	return f.u.item(item) + fragment
}

// knowAuthor caches the author of a kept note (a stall of a followed market)
// so the timeline shows its name, not its IRI.
func (f *Federation) knowAuthor(ctx context.Context, actor string) {
	if _, err := f.remoteActor(ctx, actor, false); err != nil {
		f.log.Info("note author unavailable", "actor", actor, "err", err)
	}
}

// comingDays are Create{Event}s of the market days followers were told of
// that have not ended, soonest first.
func (f *Federation) comingDays(ctx context.Context) ([]any, error) {
	rows, err := f.db.Read().QueryContext(ctx, `SELECT date, published, updated FROM ap_days
		WHERE state != 'deleted' AND end_at > ? ORDER BY date LIMIT 8`, f.now().Unix())
	if err != nil {
		return nil, err
	}
	type told struct {
		date               string
		published, updated int64
	}
	var ds []told
	for rows.Next() {
		var t told
		if err := rows.Scan(&t.date, &t.published, &t.updated); err != nil {
			rows.Close()
			return nil, err
		}
		ds = append(ds, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(ds) == 0 {
		return nil, err
	}
	cat, err := f.catalog()
	if err != nil {
		return nil, err
	}
	cal, err := f.calendar(ctx, cat)
	if err != nil {
		return nil, err
	}
	var out []any
	for _, t := range ds {
		day, ok := cal.sched.Day(cal.loc, t.date)
		if !ok {
			continue
		}
		stalls, err := f.app.DayStalls(ctx, t.date)
		if err != nil {
			return nil, err
		}
		ev, err := f.eventMap(cal, f.dayEvent(cal, day), len(stalls), time.Unix(t.published, 0), time.Unix(t.updated, 0))
		if err != nil {
			return nil, err
		}
		delete(ev, "@context")
		out = append(out, map[string]any{"type": "Create", "id": f.u.day(t.date) + "#create", "actor": f.u.market(), "object": ev,
			"published": ev["published"], "to": []any{publicIRI}, "cc": []any{f.u.followers(f.u.market())}})
	}
	return out, nil
}
