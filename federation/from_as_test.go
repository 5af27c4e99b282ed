package federation

import (
	"context"
	"testing"
	"time"

	"github.com/go-fed/activity/streams"
	"github.com/go-fed/activity/streams/vocab"
)

// Item Notes of other markets are read in both shapes: the Proposal in its
// own property (now) and in attachment (shiji before issue 11); a Note
// without a name takes the Proposal's.
func TestItemNotesOfBothShapesAreRead(t *testing.T) {
	n := newTestNode(t, "https://market.test", time.Now(), nil)
	prop := map[string]any{"type": "Proposal", "name": "Brass clock", "purpose": "offer",
		"reciprocal": map[string]any{"type": "Intent", "resourceConformsTo": "https://www.wikidata.org/wiki/Q39099",
			"resourceQuantity": map[string]any{"hasUnit": "one", "hasNumericalValue": "12.50"}}}
	photo := map[string]any{"type": "Image", "url": "https://other.test/media/a.jpg", "mediaType": "image/jpeg"}
	for name, m := range map[string]map[string]any{
		"new": {"proposal": prop, "attachment": []any{photo}},
		"old": {"name": "Brass clock", "attachment": []any{photo, prop}},
	} {
		m["@context"], m["id"], m["type"], m["content"] = asContextIRI, "https://other.test/items/1", "Note", "<p>clock</p>"
		m["attributedTo"] = "https://other.test/stalls/1"
		typ, err := streams.ToType(context.Background(), m)
		if err != nil {
			t.Fatal(err)
		}
		rn, err := n.f.parseNote(context.Background(), typ.(vocab.ActivityStreamsNote), m)
		if err != nil {
			t.Fatal(err)
		}
		if rn.Name != "Brass clock" || rn.Price == nil || rn.Price.Amount != "12.50" || rn.Price.Currency != "CNY" || len(rn.Attachments) != 1 {
			t.Errorf("%s shape: %+v price %+v", name, rn, rn.Price)
		}
	}
}
