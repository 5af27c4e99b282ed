package federation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/shiji-market/shiji/node"
)

// Reading a linked market's outbox into the catalogue: when the link is
// accepted (so the catalogue is complete before the first stroll) and then
// every WorldLimits.Refresh (so items nobody told us about again are not
// kept for ever). A read goes page by page, at most BackfillPages pages;
// the next page to read is kept in world_links.sync_next after every page,
// so a read cut by a restart goes on where it stopped. A read that reached
// the end of the outbox drops the market's items it did not see again.

// syncStart is sync_next before the first page: the outbox is looked up
// from the market's actor.
const syncStart = "start"

// errGarbage is a document that is not what it should be.
var errGarbage = errors.New("not an ActivityStreams collection")

// outboxPageTimeout bounds reading one page of a linked market's outbox,
// body included. It is longer than a fetch's: the read is in the background
// (it slows no page of ours) and a page of items is long. The wait for the
// answer's headers stays bounded by the client's (Timeouts.Header, 20 s); a
// read cut by either is tried again (syncBackoff).
const outboxPageTimeout = 90 * time.Second

// pageRead is a page of an outbox being fetched in the background while the
// page before it is stored, so a read waits for the market's server and for
// our database at once rather than by turns.
type pageRead struct {
	url  string
	done chan struct{}
	page map[string]any
	err  error
}

// readPage starts fetching the outbox page at u.
func (f *Federation) readPage(ctx context.Context, u string) *pageRead {
	r := &pageRead{url: u, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		r.page, r.err = f.client.getJSONWithin(ctx, u, "", keyInstance, outboxPageTimeout)
	}()
	return r
}

// syncLink reads pages of a linked market's outbox until the read is done,
// fails, or ctx ends. The market is marked stale when it does not answer
// (its catalogue stays). pages is how many pages it stored: a read that
// failed after some did progress.
func (f *Federation) syncLink(ctx context.Context, lk *linkRef) (pages int, err error) {
	ctx, cancel := context.WithCancel(ctx)
	var ahead *pageRead
	defer func() {
		cancel()
		if ahead != nil {
			<-ahead.done // the fetch ends with ctx
		}
	}()
	for ctx.Err() == nil {
		var more bool
		more, ahead, err = f.syncPage(ctx, lk, ahead)
		if err != nil {
			if ctx.Err() == nil {
				f.unreachable(ctx, lk, err)
			}
			return pages, err
		}
		pages++
		f.heard(ctx, lk)
		if !more {
			return pages, nil
		}
	}
	return pages, ctx.Err()
}

// syncPage reads the next page of lk's outbox (taking it from ahead when
// that is the page being fetched already); more is false when the read is
// over. It starts fetching the page after it before storing this one, and
// returns that fetch as next.
func (f *Federation) syncPage(ctx context.Context, lk *linkRef, ahead *pageRead) (more bool, next *pageRead, err error) {
	var at string
	var pages int
	var started sql.NullInt64
	err = f.db.Read().QueryRowContext(ctx, `SELECT sync_next, sync_pages, sync_started FROM world_links WHERE id = ? AND state = 'linked'`,
		lk.id).Scan(&at, &pages, &started)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && at == "") {
		return false, nil, nil
	} else if err != nil {
		return false, nil, err
	}
	var page map[string]any
	switch {
	case at == syncStart:
		if page, err = f.firstOutboxPage(ctx, lk); err != nil {
			return false, nil, err
		}
		pages, started = 0, sql.NullInt64{Int64: f.now().Unix(), Valid: true}
	case hostOf(at) != lk.host:
		return false, nil, fmt.Errorf("federation: outbox page %s is not on %s", at, lk.host)
	case ahead != nil && ahead.url == at:
		<-ahead.done
		if page, err = ahead.page, ahead.err; err != nil {
			return false, nil, err
		}
	default:
		if page, err = f.client.getJSONWithin(ctx, at, "", keyInstance, outboxPageTimeout); err != nil {
			return false, nil, err
		}
	}
	list, ok := page["orderedItems"].([]any)
	if !ok {
		list, ok = page["items"].([]any)
	}
	if !ok && page != nil && page["orderedItems"] != nil {
		return false, nil, fmt.Errorf("federation: outbox page of %s: %w", lk.actor, errGarbage)
	}
	pages++
	following := refOf(page["next"])
	if following != "" && hostOf(following) != lk.host {
		following = ""
	}
	complete := following == ""
	if pages >= f.world.limits.BackfillPages {
		following = "" // enough for one read: the rest comes with the market's Announces
	}
	if following != "" {
		next = f.readPage(ctx, following)
	}
	for _, v := range list {
		if ctx.Err() != nil {
			return false, next, ctx.Err()
		}
		if err := f.syncEntry(ctx, lk, v); err != nil {
			return false, next, err
		}
	}
	err = f.db.Write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE world_links SET sync_next = ?, sync_pages = ?, sync_started = ? WHERE id = ?`,
			following, pages, started, lk.id); err != nil {
			return err
		}
		if following != "" {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE world_links SET synced_at = ? WHERE id = ?`, f.now().Unix(), lk.id); err != nil {
			return err
		}
		if complete && started.Valid { // what the outbox no longer lists is gone
			_, err := tx.ExecContext(ctx, `DELETE FROM world_items WHERE link_id = ? AND refreshed_at < ?`, lk.id, started.Int64)
			return err
		}
		return nil
	})
	if err == nil && following == "" {
		f.log.Info("world catalogue: read the outbox of a linked market", "market", lk.actor, "pages", pages, "complete", complete)
	}
	return following != "", next, err
}

// firstOutboxPage finds the outbox of lk's market and returns its first page
// (nil for an empty outbox).
func (f *Federation) firstOutboxPage(ctx context.Context, lk *linkRef) (map[string]any, error) {
	doc, err := f.client.getJSON(ctx, lk.actor, "", keyInstance)
	if err != nil {
		return nil, err
	}
	outbox := refOf(doc["outbox"])
	if outbox == "" || hostOf(outbox) != lk.host {
		return nil, fmt.Errorf("federation: %s has no outbox on its server", lk.actor)
	}
	col, err := f.client.getJSON(ctx, outbox, "", keyInstance)
	if err != nil {
		return nil, err
	}
	if _, ok := col["orderedItems"]; ok {
		return col, nil
	}
	switch first := col["first"].(type) {
	case map[string]any:
		return first, nil
	case string:
		if hostOf(first) != lk.host {
			return nil, fmt.Errorf("federation: the outbox of %s starts on another server", lk.actor)
		}
		return f.client.getJSON(ctx, first, "", keyInstance)
	case nil:
		if str(col, "type") == "OrderedCollection" || str(col, "type") == "Collection" {
			return nil, nil // empty
		}
	}
	return nil, fmt.Errorf("federation: the outbox of %s: %w", lk.actor, errGarbage)
}

// syncEntry takes one entry of the outbox: the market's Announce of an item
// or its Create of a market day. Entries given by id are fetched from the
// market's own server only.
func (f *Federation) syncEntry(ctx context.Context, lk *linkRef, v any) error {
	act, _ := v.(map[string]any)
	if act == nil {
		u, _ := v.(string)
		if u == "" || hostOf(u) != lk.host {
			return nil
		}
		var err error
		if act, err = f.client.getJSON(ctx, u, "", keyInstance); err != nil || str(act, "id") != u {
			return nil
		}
	}
	if refOf(act["actor"]) != lk.actor {
		return nil
	}
	switch str(act, "type") {
	case "Announce":
		return f.catalogueObject(ctx, lk, act["object"], lk.actor)
	case "Create":
		if ev, _ := act["object"].(map[string]any); str(ev, "type") == "Event" {
			return f.takeEvent(ctx, lk.actor, ev)
		}
	}
	return nil
}

// dueSyncs asks for a new read of every linked market whose last one is
// older than WorldLimits.Refresh.
func (f *Federation) dueSyncs(ctx context.Context) error {
	cut := f.now().Add(-f.world.limits.Refresh).Unix()
	return f.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE world_links SET sync_next = ? WHERE state = 'linked' AND sync_next = ''
			AND (synced_at IS NULL OR synced_at < ?)`, syncStart, cut)
		return err
	})
}

// sweepCatalogue drops the items nobody showed again for WorldLimits.ItemTTL,
// of markets that answer (a market that is down keeps its catalogue).
func (f *Federation) sweepCatalogue(ctx context.Context) error {
	cut := f.now().Add(-f.world.limits.ItemTTL).Unix()
	return f.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM world_items WHERE refreshed_at < ? AND link_id IN
			(SELECT id FROM world_links WHERE stale_since IS NULL)`, cut)
		return err
	})
}

// pendingSyncs lists the links whose outbox is being read.
func (f *Federation) pendingSyncs(ctx context.Context) ([]node.LinkID, error) {
	rows, err := f.db.Read().QueryContext(ctx, `SELECT id FROM world_links WHERE state = 'linked' AND sync_next != ''`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []node.LinkID
	for rows.Next() {
		var id node.LinkID
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// syncBackoff is how long a failed read waits before it is tried again
// after failures failed tries in a row: 5 s, 10 s, 20 s … up to an hour. A
// try that stored a page resets the count, so a market whose pages time out
// now and then under load is read on at once, not after minutes.
func syncBackoff(failures int) time.Duration {
	return min(5*time.Second<<min(max(failures-1, 0), 10), time.Hour)
}
