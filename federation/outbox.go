package federation

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/go-fed/activity/streams"
	"github.com/shiji-market/shiji/node"
)

// ItemChanged implements app.Federator: it records that the item changed;
// the activity is rendered from the item as it is once Config.Settle has
// passed (so photos added right after ride along), then queued for the
// stall's followers and, through the market's Announce, the market's. It
// never fails the caller: errors are logged.
func (f *Federation) ItemChanged(ctx context.Context, it *node.Item, kind string) {
	now := f.now()
	err := f.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO ap_outbox(activity, actor, kind, item_id, public, body, ready_at_ms, fanned, created_at)
			VALUES (?, ?, ?, ?, 1, NULL, ?, 0, ?)`, f.u.activity(newToken()), stallKey(it.Stall), kind, it.ID,
			now.Add(f.cfg.Settle).UnixMilli(), now.Unix())
		return err
	})
	if err != nil {
		f.log.Error("cannot queue an item activity", "item", it.ID, "kind", kind, "err", err)
		return
	}
	f.kick()
}

// pendingItem is an item change waiting to be rendered.
type pendingItem struct {
	id       int64
	activity string
	actor    string
	item     node.ItemID
}

// renderDue renders the item changes whose time has come, oldest first, and
// reports how many it handled.
func (f *Federation) renderDue(ctx context.Context) (int, error) {
	rows, err := f.db.Read().QueryContext(ctx, `SELECT id, activity, actor, item_id FROM ap_outbox
		WHERE fanned = 0 AND ready_at_ms <= ? ORDER BY id LIMIT 50`, f.now().UnixMilli())
	if err != nil {
		return 0, err
	}
	var due []pendingItem
	for rows.Next() {
		var p pendingItem
		if err := rows.Scan(&p.id, &p.activity, &p.actor, &p.item); err != nil {
			rows.Close()
			return 0, err
		}
		due = append(due, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	var errs []error
	for _, p := range due {
		if err := f.renderItem(ctx, p); err != nil {
			errs = append(errs, fmt.Errorf("federation: item %d: %w", p.item, err)) // the others still go
		}
	}
	return len(due), errors.Join(errs...)
}

// renderItem turns one item change into Create, Update or Delete from what
// followers were last told and the item's state now: a withdrawn (or
// vanished) item is deleted, an item never sent (or deleted before and put
// back) is created, else updated. A change followed by another pending one
// is dropped: the later one says it all.
func (f *Federation) renderItem(ctx context.Context, p pendingItem) error {
	var later int
	if err := f.db.Read().QueryRowContext(ctx, `SELECT count(*) FROM ap_outbox WHERE item_id = ? AND actor = ? AND fanned = 0 AND id > ?`,
		p.item, p.actor, p.id).Scan(&later); err != nil {
		return err
	}
	var told string
	err := f.db.Read().QueryRowContext(ctx, `SELECT kind FROM ap_outbox WHERE item_id = ? AND actor = ? AND fanned = 1
		AND kind IN ('create', 'delete') ORDER BY id DESC LIMIT 1`, p.item, p.actor).Scan(&told)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	it, err := f.db.Item(ctx, p.item)
	if err != nil && node.ErrorCode(err) != node.ENOTFOUND {
		return err
	}
	gone := it == nil || it.Status == node.ItemWithdrawn || stallKey(it.Stall) != p.actor
	var kind string
	switch {
	case later > 0, gone && told != "create":
		return f.dropPending(ctx, p.id)
	case gone:
		kind = "delete"
	case told != "create":
		kind = "create"
	default:
		kind = "update"
	}
	var st *node.Stall
	if it != nil {
		if st, err = f.db.Stall(ctx, it.Stall); err != nil && node.ErrorCode(err) != node.ENOTFOUND {
			return err
		}
	}
	if st == nil && kind != "delete" {
		return f.dropPending(ctx, p.id)
	}
	stallID := f.stallIRIOfKey(p.actor)
	body, note, err := f.itemActivity(kind, p.activity, stallID, p.item, it, st)
	if err != nil {
		return err
	}
	var announceID string
	var announce []byte
	if kind == "create" {
		announceID = f.u.activity(newToken())
		if announce, err = f.announce(announceID, note, it); err != nil {
			return err
		}
	}
	err = f.db.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE ap_outbox SET kind = ?, body = ?, fanned = 1 WHERE id = ? AND fanned = 0`, kind, body, p.id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // rendered meanwhile
		}
		audience := []string{p.actor}
		if kind != "create" {
			audience = append(audience, keyMarket) // who saw the Announce sees the change
		}
		inboxes, err := followerInboxesTx(ctx, tx, audience...)
		if err != nil {
			return err
		}
		if err := f.addDeliveriesTx(ctx, tx, p.id, inboxes); err != nil {
			return err
		}
		if announce == nil {
			return nil
		}
		if inboxes, err = followerInboxesTx(ctx, tx, keyMarket); err != nil {
			return err
		}
		return f.enqueueTx(ctx, tx, outgoing{actor: keyMarket, kind: "announce", activity: announceID, item: p.item, public: true,
			body: announce, inboxes: inboxes})
	})
	if err == nil {
		f.log.Debug("item activity queued", "item", p.item, "kind", kind, "activity", p.activity)
	}
	return err
}

func (f *Federation) dropPending(ctx context.Context, id int64) error {
	return f.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM ap_outbox WHERE id = ? AND fanned = 0`, id)
		return err
	})
}

// stallIRIOfKey is the actor id of a "stall:ID" key.
func (f *Federation) stallIRIOfKey(key string) string {
	var id node.StallID
	fmt.Sscanf(key, "stall:%d", &id)
	return f.u.stall(id)
}

// itemActivity renders Create{Note}, Update{Note} or Delete{Tombstone} by the
// stall, to the public and the stall's followers.
func (f *Federation) itemActivity(kind, id, stall string, item node.ItemID, it *node.Item, st *node.Stall) (body []byte, note map[string]any, err error) {
	var m map[string]any
	switch kind {
	case "delete":
		a := streams.NewActivityStreamsDelete()
		a.SetJSONLDId(idProp(id))
		a.SetActivityStreamsActor(actorProp(stall))
		a.SetActivityStreamsTo(toProp(publicIRI))
		a.SetActivityStreamsCc(ccProp(f.u.followers(stall)))
		ts := streams.NewActivityStreamsTombstone()
		ts.SetJSONLDId(idProp(f.u.item(item)))
		ft := streams.NewActivityStreamsFormerTypeProperty()
		ft.AppendXMLSchemaString("Note")
		ts.SetActivityStreamsFormerType(ft)
		o := streams.NewActivityStreamsObjectProperty()
		o.AppendActivityStreamsTombstone(ts)
		a.SetActivityStreamsObject(o)
		if m, err = serialize(a); err != nil {
			return nil, nil, err
		}
	default:
		if note, err = f.noteMap(it, st); err != nil {
			return nil, nil, err
		}
		if kind == "create" {
			a := streams.NewActivityStreamsCreate()
			a.SetJSONLDId(idProp(id))
			a.SetActivityStreamsActor(actorProp(stall))
			a.SetActivityStreamsTo(toProp(publicIRI))
			a.SetActivityStreamsCc(ccProp(f.u.followers(stall)))
			a.SetActivityStreamsPublished(publishedProp(it.CreatedAt))
			m, err = serialize(a)
		} else {
			a := streams.NewActivityStreamsUpdate()
			a.SetJSONLDId(idProp(id))
			a.SetActivityStreamsActor(actorProp(stall))
			a.SetActivityStreamsTo(toProp(publicIRI))
			a.SetActivityStreamsCc(ccProp(f.u.followers(stall)))
			a.SetActivityStreamsPublished(publishedProp(f.now()))
			m, err = serialize(a)
		}
		if err != nil {
			return nil, nil, err
		}
		m["object"] = note
	}
	body, err = json.Marshal(m)
	return body, note, err
}

// announce is the market's Announce of a new item's Note (embedded: FEP-1b12).
func (f *Federation) announce(id string, note map[string]any, it *node.Item) ([]byte, error) {
	a := streams.NewActivityStreamsAnnounce()
	a.SetJSONLDId(idProp(id))
	a.SetActivityStreamsActor(actorProp(f.u.market()))
	a.SetActivityStreamsTo(toProp(publicIRI))
	a.SetActivityStreamsCc(ccProp(f.u.followers(f.u.market())))
	a.SetActivityStreamsPublished(publishedProp(it.CreatedAt))
	m, err := serialize(a)
	if err != nil {
		return nil, err
	}
	m["object"] = note
	return json.Marshal(m)
}
