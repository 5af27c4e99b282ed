package federation

import (
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-fed/activity/streams"
	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/node"
)

// collectionPage is how many entries a collection page holds.
const collectionPage = 50

// refOfRequest names the actor of a request routed to /market, /actor,
// /users/:name or /stalls/:id (with or without a box).
func refOfRequest(c echo.Context) (actorRef, error) {
	ref, ok := parseActorPath(c.Request().URL.Path)
	if !ok {
		return ref, node.Errorf(node.ENOTFOUND, "No such actor.")
	}
	ref.boxPath = ""
	return ref, nil
}

// getActor serves /market, /actor and /users/NAME (ActivityStreams always:
// these are not pages).
func (f *Federation) getActor(c echo.Context) error {
	ref, err := refOfRequest(c)
	if err != nil {
		return f.answer(c, err)
	}
	return f.answer(c, f.serveActor(c, ref))
}

// serveActor writes the actor document of ref.
func (f *Federation) serveActor(c echo.Context, ref actorRef) error {
	ctx := c.Request().Context()
	a, err := f.loadActor(ctx, ref)
	if err != nil {
		return err
	}
	m, err := f.actorDocument(ctx, a)
	if err != nil {
		return err
	}
	return writeAS(c.Response(), http.StatusOK, m)
}

// serveNote writes an item's Note, or a Tombstone with 410 once withdrawn.
func (f *Federation) serveNote(c echo.Context, id node.ItemID) error {
	ctx := c.Request().Context()
	it, err := f.db.Item(ctx, id)
	if err != nil {
		return err
	}
	if it.Status == node.ItemWithdrawn {
		ts := streams.NewActivityStreamsTombstone()
		ts.SetJSONLDId(idProp(f.u.item(id)))
		ft := streams.NewActivityStreamsFormerTypeProperty()
		ft.AppendXMLSchemaString("Note")
		ts.SetActivityStreamsFormerType(ft)
		m, err := serialize(ts)
		if err != nil {
			return err
		}
		return writeAS(c.Response(), http.StatusGone, m)
	}
	st, err := f.db.Stall(ctx, it.Stall)
	if err != nil {
		return err
	}
	m, err := f.noteMap(it, st)
	if err != nil {
		return err
	}
	m["@context"] = jsonLDContext()
	return writeAS(c.Response(), http.StatusOK, m)
}

// getActivity serves one of our activities by its IRI.
func (f *Federation) getActivity(c echo.Context) error {
	var body []byte
	// Public activities, and the follow bookkeeping (which says nothing
	// private); a private message's activities only reach their recipients.
	err := f.db.Read().QueryRowContext(c.Request().Context(), `SELECT body FROM ap_outbox WHERE activity = ? AND body IS NOT NULL
		AND (public = 1 OR kind IN ('follow', 'accept', 'reject', 'undo'))`,
		f.u.activity(c.Param("token"))).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return f.answer(c, node.Errorf(node.ENOTFOUND, "No such activity."))
	} else if err != nil {
		return f.answer(c, err)
	}
	c.Response().Header().Set("Content-Type", contentTypeAS+"; charset=utf-8")
	return c.Blob(http.StatusOK, contentTypeAS+"; charset=utf-8", body)
}

// page reads ?page=N (0 = the collection itself).
func page(c echo.Context) (int, error) {
	s := c.QueryParam("page")
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 100000 {
		return 0, node.Errorf(node.EINVALID, "page must be a positive number.")
	}
	return n, nil
}

// writeCollection serves an OrderedCollection of total entries, paged: the
// collection links its first page; page n lists items (IRIs).
func (f *Federation) writeCollection(c echo.Context, id string, total, n int, items []string) error {
	if n == 0 {
		col := streams.NewActivityStreamsOrderedCollection()
		col.SetJSONLDId(idProp(id))
		ti := streams.NewActivityStreamsTotalItemsProperty()
		ti.Set(total)
		col.SetActivityStreamsTotalItems(ti)
		first := streams.NewActivityStreamsFirstProperty()
		first.SetIRI(iri(id + "?page=1"))
		col.SetActivityStreamsFirst(first)
		m, err := serialize(col)
		if err != nil {
			return err
		}
		return writeAS(c.Response(), http.StatusOK, m)
	}
	pg := streams.NewActivityStreamsOrderedCollectionPage()
	pg.SetJSONLDId(idProp(id + "?page=" + strconv.Itoa(n)))
	part := streams.NewActivityStreamsPartOfProperty()
	part.SetIRI(iri(id))
	pg.SetActivityStreamsPartOf(part)
	ti := streams.NewActivityStreamsTotalItemsProperty()
	ti.Set(total)
	pg.SetActivityStreamsTotalItems(ti)
	oi := streams.NewActivityStreamsOrderedItemsProperty()
	for _, it := range items {
		oi.AppendIRI(iri(it))
	}
	pg.SetActivityStreamsOrderedItems(oi)
	if n*collectionPage < total {
		next := streams.NewActivityStreamsNextProperty()
		next.SetIRI(iri(id + "?page=" + strconv.Itoa(n+1)))
		pg.SetActivityStreamsNext(next)
	}
	m, err := serialize(pg)
	if err != nil {
		return err
	}
	switch v := m["orderedItems"].(type) { // go-fed writes a one-item list as a bare value
	case nil:
		m["orderedItems"] = []any{}
	case []any:
	default:
		m["orderedItems"] = []any{v}
	}
	return writeAS(c.Response(), http.StatusOK, m)
}

// listBox serves a collection from a count query and a page query (both
// take args; the page query also LIMIT and OFFSET).
func (f *Federation) listBox(c echo.Context, box string, countQ, pageQ string, args ...any) error {
	ctx := c.Request().Context()
	ref, err := refOfRequest(c)
	if err != nil {
		return f.answer(c, err)
	}
	a, err := f.loadActor(ctx, ref)
	if err != nil {
		return f.answer(c, err)
	}
	n, err := page(c)
	if err != nil {
		return f.answer(c, err)
	}
	args = append([]any{a.key}, args...)
	var total int
	if err := f.db.Read().QueryRowContext(ctx, countQ, args...).Scan(&total); err != nil {
		return f.answer(c, err)
	}
	var items []string
	if n > 0 {
		rows, err := f.db.Read().QueryContext(ctx, pageQ, append(args, collectionPage, (n-1)*collectionPage)...)
		if err != nil {
			return f.answer(c, err)
		}
		defer rows.Close()
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				return f.answer(c, err)
			}
			items = append(items, s)
		}
		if err := rows.Err(); err != nil {
			return f.answer(c, err)
		}
	}
	return f.answer(c, f.writeCollection(c, a.id+box, total, n, items))
}

// getFollowers serves an actor's followers (their IRIs), newest first.
func (f *Federation) getFollowers(c echo.Context) error {
	return f.listBox(c, "/followers", `SELECT count(*) FROM ap_followers WHERE actor = ?`,
		`SELECT follower FROM ap_followers WHERE actor = ? ORDER BY created_at DESC, follower LIMIT ? OFFSET ?`)
}

// getOutbox serves an actor's public activities (their IRIs), newest first;
// a stall's and the market's list their items (getItemsOutbox).
func (f *Federation) getOutbox(c echo.Context) error {
	if ref, err := refOfRequest(c); err == nil && (ref.kind == "stall" || ref.kind == keyMarket) {
		a, err := f.loadActor(c.Request().Context(), ref)
		if err != nil {
			return f.answer(c, err)
		}
		return f.answer(c, f.getItemsOutbox(c, a))
	}
	return f.listBox(c, "/outbox", `SELECT count(*) FROM ap_outbox WHERE actor = ? AND public = 1 AND fanned = 1`,
		`SELECT activity FROM ap_outbox WHERE actor = ? AND public = 1 AND fanned = 1 ORDER BY id DESC LIMIT ? OFFSET ?`)
}

// getFollowing serves whom a person follows (accepted) and the markets the
// market links with (world_links); stalls follow nobody.
func (f *Federation) getFollowing(c echo.Context) error {
	return f.listBox(c, "/following",
		`SELECT (SELECT count(*) FROM ap_following WHERE 'account:' || account_id = ?1 AND state = 'accepted')
			+ (SELECT count(*) FROM world_links WHERE ?1 = 'market' AND state = 'linked')`,
		`SELECT actor FROM (SELECT actor, id FROM ap_following WHERE 'account:' || account_id = ?1 AND state = 'accepted'
			UNION ALL SELECT actor, id FROM world_links WHERE ?1 = 'market' AND state = 'linked') ORDER BY id DESC LIMIT ? OFFSET ?`)
}

// writeJSON writes v as JSON with a content type.
func writeJSON(c echo.Context, status int, contentType string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if !strings.Contains(contentType, "charset") {
		contentType += "; charset=utf-8"
	}
	return c.Blob(status, contentType, b)
}
