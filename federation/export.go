package federation

import (
	"context"
	"encoding/json"

	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
)

var _ app.Exporter = (*Federation)(nil)

// ExportActivityPub renders acc's ActivityPub documents for their export,
// as Mastodon's archive has them: actor.json (their Person) and outbox.json
// (an OrderedCollection of Create activities: their public messages, and the
// items of the stalls they hold, by the stalls) (app.Exporter).
func (f *Federation) ExportActivityPub(ctx context.Context, acc *node.Account) (actor, outbox []byte, err error) {
	pa, err := f.personActor(ctx, acc)
	if err != nil {
		return nil, nil, err
	}
	doc, err := f.actorDocument(ctx, pa)
	if err != nil {
		return nil, nil, err
	}
	if actor, err = json.MarshalIndent(doc, "", "  "); err != nil {
		return nil, nil, err
	}
	items := []any{}
	var after node.MessageID
	for {
		ms, err := f.db.AuthoredMessages(ctx, acc.ID, after, 200)
		if err != nil {
			return nil, nil, err
		}
		for _, m := range ms {
			after = m.ID
			c, err := f.db.Conversation(ctx, m.Conversation, acc.ID)
			if err != nil {
				return nil, nil, err
			}
			aud, err := f.messageAudience(ctx, c, m)
			if err != nil {
				return nil, nil, err
			}
			if aud == nil || !aud.public {
				continue // private: in messages.json only
			}
			note, err := f.messageNote(ctx, c, m, aud)
			if err != nil {
				return nil, nil, err
			}
			items = append(items, createOf(note, aud.actor, aud.to, aud.cc))
		}
		if len(ms) < 200 {
			break
		}
	}
	held, err := f.db.StallIDsHeldBy(ctx, acc.ID) // moved ones too
	if err != nil {
		return nil, nil, err
	}
	for _, sid := range held {
		ids, err := f.db.StallItemIDs(ctx, sid)
		if err != nil {
			return nil, nil, err
		}
		full, err := f.db.Stall(ctx, sid)
		if err != nil {
			return nil, nil, err
		}
		for _, id := range ids {
			it, err := f.db.Item(ctx, id)
			if err != nil {
				return nil, nil, err
			}
			if it.Status == node.ItemWithdrawn {
				continue
			}
			note, err := f.noteMap(it, full)
			if err != nil {
				return nil, nil, err
			}
			stallID := f.u.stall(sid)
			items = append(items, createOf(note, stallID, []string{publicIRI}, []string{f.u.followers(stallID)}))
		}
	}
	outbox, err = json.MarshalIndent(map[string]any{
		"@context": asContextIRI, "id": "outbox.json", "type": "OrderedCollection",
		"totalItems": len(items), "orderedItems": items,
	}, "", "  ")
	return actor, outbox, err
}

// createOf wraps a Note in the Create an archive lists it in.
func createOf(note map[string]any, actor string, to, cc []string) map[string]any {
	id, _ := note["id"].(string)
	delete(note, "@context")
	c := map[string]any{"id": id + "#create", "type": "Create", "actor": actor, "published": note["published"],
		"to": to, "object": note}
	if len(cc) > 0 {
		c["cc"] = cc
	}
	return c
}
