package federation

import (
	"context"
	"encoding/json"
	"testing"
	"time"
)

// A new follow reads the first page of the followed actor's outbox: its own
// public notes and the notes it announced are kept; replies, private notes,
// notes by others in its Creates, and embedded notes from other hosts that do
// not check out when fetched are not.
func TestBackfillReadsTheOutbox(t *testing.T) {
	ctx := context.Background()
	n := newTestNode(t, "https://market.test", time.Now(), nil)
	mk := newRemote(t, n.net, "https://city.test/users/market", "")
	public := []any{publicIRI}
	note := func(id, by string, extra map[string]any) map[string]any {
		m := map[string]any{"id": id, "type": "Note", "attributedTo": by, "content": "<p>" + id + "</p>", "to": public,
			"published": "2026-11-20T10:00:00Z"}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	serve := func(url string, doc any) {
		b, _ := json.Marshal(doc)
		n.net.serve(url, b)
	}
	// Another market's stall, whose note the market announces; fetched by id.
	serve("https://other.test/items/9", note("https://other.test/items/9", "https://other.test/stalls/1", nil))
	page := map[string]any{"@context": asContextIRI, "id": mk.id + "/outbox?page=1", "type": "OrderedCollectionPage", "orderedItems": []any{
		map[string]any{"type": "Create", "id": mk.id + "/a/1", "actor": mk.id, "object": note("https://city.test/n/1", mk.id, nil)},
		map[string]any{"type": "Create", "id": mk.id + "/a/2", "actor": mk.id, "object": note("https://city.test/n/2", mk.id, map[string]any{"inReplyTo": "https://x.test/n"})},
		map[string]any{"type": "Create", "id": mk.id + "/a/3", "actor": mk.id, "object": note("https://city.test/n/3", mk.id, map[string]any{"to": []any{"https://x.test/u"}})},
		map[string]any{"type": "Create", "id": mk.id + "/a/4", "actor": mk.id, "object": note("https://city.test/n/4", "https://city.test/users/someone", nil)},
		map[string]any{"type": "Announce", "id": mk.id + "/a/5", "actor": mk.id, "object": "https://other.test/items/9"},
		map[string]any{"type": "Announce", "id": mk.id + "/a/6", "actor": mk.id, // forged: the real one is not served
			"object": note("https://forged.test/n/1", "https://forged.test/users/x", nil)},
		map[string]any{"type": "Create", "id": "https://elsewhere.test/a/7", "actor": "https://elsewhere.test/u", "object": note("https://elsewhere.test/n/7", "https://elsewhere.test/u", nil)},
	}}
	serve(mk.id+"/outbox", map[string]any{"@context": asContextIRI, "id": mk.id + "/outbox", "type": "OrderedCollection", "totalItems": 7, "first": mk.id + "/outbox?page=1"})
	serve(mk.id+"/outbox?page=1", page)

	kept, err := n.f.backfill(ctx, mk.id)
	if err != nil {
		t.Fatal(err)
	}
	if kept != 2 {
		t.Fatalf("kept %d notes, want 2", kept)
	}
	if c := n.count(`SELECT count(*) FROM ap_notes WHERE id = 'https://city.test/n/1' AND actor = ? AND via = ''`, mk.id); c != 1 {
		t.Fatalf("the market's own note: %d", c)
	}
	if c := n.count(`SELECT count(*) FROM ap_notes WHERE id = 'https://other.test/items/9' AND actor = 'https://other.test/stalls/1' AND via = ?`, mk.id); c != 1 {
		t.Fatalf("the announced note: %d", c)
	}
	// Again: nothing new.
	if _, err := n.f.backfill(ctx, mk.id); err != nil || n.count(`SELECT count(*) FROM ap_notes`) != 2 {
		t.Fatalf("second backfill: %v, %d notes", err, n.count(`SELECT count(*) FROM ap_notes`))
	}
}
