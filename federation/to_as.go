package federation

import (
	"context"
	"fmt"
	"html"
	"strconv"
	"strings"

	"github.com/go-fed/activity/streams"
	"github.com/shiji-market/shiji/node"
)

// noteMap renders an item as a Note (without @context), in the shape
// Mastodon documents it reads (docs/federation.md, "Items as Notes"): no
// name (GoToSocial shows a Note's name as a content warning), HTML content
// with the title, the story, the price and a link to the stall, and the same
// in contentMap under the market's language; photos as Image attachments
// with media type, size, blurhash and alt text; Hashtag tags linking to the
// tag's page here; the item page as url; sensitive false and no summary,
// unless the stallholder set a content warning.
// The FEP-0837 Proposal rides in its own property, "proposal", where readers
// that do not know it look no further (in attachment, GoToSocial fails to
// read it). Hashtag and Proposal are not in go-fed v1.0.0's vocabulary, so
// they are added to the serialised map.
func (f *Federation) noteMap(it *node.Item, st *node.Stall) (map[string]any, error) {
	actor := f.u.stall(st.ID)
	n := streams.NewActivityStreamsNote()
	n.SetJSONLDId(idProp(f.u.item(it.ID)))
	at := streams.NewActivityStreamsAttributedToProperty()
	at.AppendIRI(iri(actor))
	n.SetActivityStreamsAttributedTo(at)
	html := f.noteContent(it, st)
	content := streams.NewActivityStreamsContentProperty()
	content.AppendXMLSchemaString(html)
	n.SetActivityStreamsContent(content)
	u := streams.NewActivityStreamsUrlProperty()
	u.AppendIRI(iri(f.u.item(it.ID)))
	n.SetActivityStreamsUrl(u)
	n.SetActivityStreamsPublished(publishedProp(it.CreatedAt))
	if it.UpdatedAt.After(it.CreatedAt) {
		up := streams.NewActivityStreamsUpdatedProperty()
		up.Set(it.UpdatedAt.UTC())
		n.SetActivityStreamsUpdated(up)
	}
	n.SetActivityStreamsTo(toProp(publicIRI))
	n.SetActivityStreamsCc(ccProp(f.u.followers(actor)))
	if len(it.Photos) > 0 {
		att := streams.NewActivityStreamsAttachmentProperty()
		for _, p := range it.Photos {
			att.AppendActivityStreamsImage(f.image(p))
		}
		n.SetActivityStreamsAttachment(att)
	}
	m, err := streams.Serialize(n)
	if err != nil {
		return nil, err
	}
	delete(m, "@context")
	m["contentMap"] = map[string]any{f.language(): html}
	m["sensitive"] = false
	if w, _ := f.db.ItemWarning(context.Background(), it.ID); w != "" {
		// The stallholder wants a content warning: Mastodon and GoToSocial
		// fold the post behind summary (and hide its photos).
		m["summary"], m["sensitive"] = w, true
	}
	tags := make([]any, 0, len(it.Tags))
	for _, t := range it.Tags {
		tags = append(tags, map[string]any{"type": "Hashtag", "href": f.u.tag(t), "name": "#" + t})
	}
	m["tag"] = tags
	atts, _ := m["attachment"].([]any)
	if one, ok := m["attachment"].(map[string]any); ok {
		atts = []any{one}
	}
	for i, a := range atts {
		if img, ok := a.(map[string]any); ok && i < len(it.Photos) {
			if h := f.blurhash(it.Photos[i]); h != "" {
				img["blurhash"] = h
			}
		}
	}
	m["attachment"] = append([]any{}, atts...) // Mastodon sends [] when there is none
	m["proposal"] = f.proposal(it, actor)
	return m, nil
}

// language is the BCP 47 tag our content is written in: the market's first
// language (zh-Hans, en …), for contentMap.
func (f *Federation) language() string {
	m, err := f.db.Market(context.Background())
	if err != nil {
		return node.Languages[0]
	}
	return firstLang(m)
}

// noteContent is the HTML Mastodon shows: title, story, price, stall, tags.
func (f *Federation) noteContent(it *node.Item, st *node.Stall) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<p><strong>%s</strong></p>", html.EscapeString(it.Title))
	b.WriteString(string(f.md.HTML(it.Story)))
	line := html.EscapeString(it.Price.String())
	if it.Status != node.ItemAvailable {
		line += " · " + html.EscapeString(string(it.Status))
	}
	fmt.Fprintf(&b, `<p>%s · <a href="%s">%s</a></p>`, line, html.EscapeString(f.u.stall(st.ID)), html.EscapeString(st.Name))
	if len(it.Tags) > 0 {
		b.WriteString("<p>")
		for i, t := range it.Tags {
			if i > 0 {
				b.WriteString(" ")
			}
			fmt.Fprintf(&b, `<a href="%s" class="mention hashtag" rel="tag">#<span>%s</span></a>`,
				html.EscapeString(f.u.tag(t)), html.EscapeString(t))
		}
		b.WriteString("</p>")
	}
	return b.String()
}

// proposal is the item as an FEP-0837 offer: the stall publishes the item
// (quantity one, so many available) and wants the price in return. Free,
// swap and "ask" items have no reciprocal.
func (f *Federation) proposal(it *node.Item, actor string) map[string]any {
	id := f.u.item(it.ID)
	avail := it.Quantity
	if it.Status != node.ItemAvailable {
		avail = 0
	}
	p := map[string]any{
		"type": "Proposal", "id": id + "#proposal", "attributedTo": actor, "name": it.Title,
		"purpose": "offer", "unitBased": true, "to": publicIRI,
		"publishes": map[string]any{
			"type": "Intent", "id": id + "#primary", "action": "transfer", "resourceConformsTo": id,
			"resourceQuantity":  map[string]any{"hasUnit": "one", "hasNumericalValue": "1"},
			"availableQuantity": map[string]any{"hasUnit": "one", "hasNumericalValue": strconv.Itoa(avail)},
		},
	}
	f.offerExtras(it, p["publishes"].(map[string]any)) // for other markets' catalogues (world_note.go)
	if it.Price.Kind == node.PriceAmount {
		p["reciprocal"] = map[string]any{
			"type": "Intent", "id": id + "#reciprocal", "action": "transfer",
			"resourceConformsTo": currencyIRI(it.Price.Currency),
			"resourceQuantity":   map[string]any{"hasUnit": "one", "hasNumericalValue": it.Price.Amount()},
		}
	}
	return p
}
