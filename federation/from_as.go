package federation

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/go-fed/activity/streams/vocab"
	"github.com/shiji-market/shiji/node"
)

// remoteNote is a public note from elsewhere as shiji keeps it (ap_notes).
type remoteNote struct {
	ID          string       `json:"id"`
	Actor       string       `json:"-"`
	Via         string       `json:"-"`
	Name        string       `json:"name"`
	Content     string       `json:"content"` // sanitised HTML
	URL         string       `json:"url"`
	Attachments []attachment `json:"attachments"`
	Tags        []string     `json:"tags"`
	Price       *notePrice   `json:"price"`
	Published   time.Time    `json:"published"`
	Updated     time.Time    `json:"updated"`
	Reply       bool         `json:"-"`
	Public      bool         `json:"-"`
	InReplyTo   string       `json:"-"` // the IRI replied to
	Addressed   []string     `json:"-"` // to and cc
	Offer       *offerFacts  `json:"-"` // what its FEP-0837 Proposal says, if it has one
	html        string       // content as received: Text and ActorName read it when asked
}

// Text is the content as a message body (htmlText). Computed when asked:
// most notes taken in (a followed account's posts) are stored as sanitised
// HTML and never need it.
func (n *remoteNote) Text() string { return htmlText(n.html) }

// ActorName is the author's name when the content links it (a shiji item
// names its stall), or "".
func (n *remoteNote) ActorName() string { return truncate(linkText(n.html, n.Actor), 200) }

// attachment is a picture of a remote note.
type attachment struct {
	URL       string `json:"url"`
	MediaType string `json:"media_type"`
	Alt       string `json:"alt"`
	Width     int    `json:"width,omitempty"`
	Height    int    `json:"height,omitempty"`
}

// notePrice is the price of a remote item, read from its FEP-0837 Proposal.
type notePrice struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
}

// attachmentType is what Image and Document share.
type attachmentType interface {
	GetActivityStreamsUrl() vocab.ActivityStreamsUrlProperty
	GetActivityStreamsMediaType() vocab.ActivityStreamsMediaTypeProperty
	GetActivityStreamsName() vocab.ActivityStreamsNameProperty
}

// sizedType is an Image's width and height (v1.0.0's Document has none).
type sizedType interface {
	GetActivityStreamsWidth() vocab.ActivityStreamsWidthProperty
	GetActivityStreamsHeight() vocab.ActivityStreamsHeightProperty
}

// parseNote reads a Note; raw is its JSON (for what go-fed v1.0.0 does not
// type: Hashtag tags and the Proposal). HTML is sanitised here.
func (f *Federation) parseNote(_ context.Context, n vocab.ActivityStreamsNote, raw map[string]any) (*remoteNote, error) {
	rn := &remoteNote{ID: idOf(n)}
	if p := n.GetActivityStreamsAttributedTo(); p != nil && p.Len() > 0 {
		rn.Actor = iriOf(p.Begin())
	}
	// go-fed v1.0.0 reads a string that parses as a URL with a scheme
	// ("Note: the lamp works") as an IRI and gives no text for it: plain
	// strings are read from the JSON.
	if s, present, ok := plainText(raw, "name"); ok && present {
		rn.Name = s
	} else if p := n.GetActivityStreamsName(); p != nil && p.Len() > 0 {
		rn.Name = text(p.Begin())
	}
	content := false
	if s, present, ok := plainText(raw, "content"); ok && present {
		rn.html, content = s, true
	} else if p := n.GetActivityStreamsContent(); p != nil && p.Len() > 0 {
		rn.html, content = text(p.Begin()), true
	}
	rn.URL = firstURL(n.GetActivityStreamsUrl())
	if p := n.GetActivityStreamsPublished(); p != nil && p.IsXMLSchemaDateTime() {
		rn.Published = p.Get().UTC()
	}
	if p := n.GetActivityStreamsUpdated(); p != nil && p.IsXMLSchemaDateTime() {
		rn.Updated = p.Get().UTC()
	}
	if p := n.GetActivityStreamsInReplyTo(); p != nil && p.Len() > 0 {
		rn.InReplyTo = iriOf(p.Begin())
	}
	rn.Addressed = addressees(n)
	if p := n.GetActivityStreamsAttachment(); p != nil {
		raws := listOf(raw["attachment"]) // one for each of go-fed's values, in order
		i := 0
		for it := p.Begin(); it != p.End() && len(rn.Attachments) < maxNoteAttachments; it, i = it.Next(), i+1 {
			var at attachmentType
			switch {
			case it.IsActivityStreamsImage():
				at = it.GetActivityStreamsImage()
			case it.IsActivityStreamsDocument():
				at = it.GetActivityStreamsDocument()
			default:
				continue
			}
			a := attachment{URL: firstURL(at.GetActivityStreamsUrl())}
			if mt := at.GetActivityStreamsMediaType(); mt != nil {
				a.MediaType = mt.Get()
			}
			var o map[string]any
			if i < len(raws) {
				o, _ = raws[i].(map[string]any)
			}
			if s, present, ok := plainText(o, "name"); ok && present {
				a.Alt = s // as the Note's name and content
			} else if nm := at.GetActivityStreamsName(); nm != nil && nm.Len() > 0 {
				a.Alt = text(nm.Begin())
			}
			if sz, ok := at.(sizedType); ok {
				if w := sz.GetActivityStreamsWidth(); w != nil {
					a.Width = w.Get()
				}
				if h := sz.GetActivityStreamsHeight(); h != nil {
					a.Height = h.Get()
				}
			}
			if a, ok := a.kept(); ok {
				rn.Attachments = append(rn.Attachments, a)
			}
		}
	}
	return f.finishNote(rn, content, raw)
}

// maxNoteAttachments bounds the pictures kept of a note.
const maxNoteAttachments = 8

// kept returns the attachment as a note keeps it, or false for one that is
// no picture at an http(s) URL.
func (a attachment) kept() (attachment, bool) {
	if !strings.HasPrefix(a.URL, "https://") && !strings.HasPrefix(a.URL, "http://") {
		return a, false
	}
	if a.MediaType != "" && !strings.HasPrefix(a.MediaType, "image/") {
		return a, false
	}
	a.Alt = truncate(a.Alt, 1500)
	return a, true
}

// finishNote completes a note read from go-fed's Note (parseNote) or from
// its JSON (noteFromMap), the same way for both: the checks, the defaults,
// the sanitised HTML (content: the Note had a content property) and what
// raw alone carries.
func (f *Federation) finishNote(rn *remoteNote, content bool, raw map[string]any) (*remoteNote, error) {
	if rn.ID == "" || !strings.HasPrefix(rn.ID, "http") {
		return nil, fmt.Errorf("a Note needs an http(s) id")
	}
	rn.Name = truncate(rn.Name, 300)
	if content {
		rn.Content = string(f.md.Sanitize(rn.html))
	}
	if rn.URL == "" || !strings.HasPrefix(rn.URL, "http") {
		rn.URL = rn.ID
	}
	if rn.Published.IsZero() {
		rn.Published = f.now().UTC()
	}
	if rn.Updated.IsZero() {
		rn.Updated = rn.Published
	}
	// Mastodon writes "inReplyTo": null on every post that is no reply.
	rn.Reply = rn.InReplyTo != ""
	for _, to := range rn.Addressed {
		if isPublicIRI(to) {
			rn.Public = true
		}
	}
	rn.Tags = hashtags(raw["tag"])
	// The FEP-0837 Proposal: in its own property (shiji since issue 11), or
	// in attachment (shiji before, and what other markets may still send).
	prop := proposalOf(raw["proposal"])
	if prop == nil {
		prop = proposalOf(raw["attachment"])
	}
	rn.Price = proposalPrice(prop)
	if rn.Name == "" && prop != nil {
		// A market's item Note has no name (GoToSocial would show it as a
		// content warning); its Proposal names the item.
		rn.Name = truncate(str(prop, "name"), 300)
	}
	rn.Offer = proposalFacts(prop)
	return rn, nil
}

// addressees returns a Note's to and cc.
func addressees(n vocab.ActivityStreamsNote) []string {
	var out []string
	if p := n.GetActivityStreamsTo(); p != nil {
		for it := p.Begin(); it != p.End(); it = it.Next() {
			out = append(out, iriOf(it))
		}
	}
	if p := n.GetActivityStreamsCc(); p != nil {
		for it := p.Begin(); it != p.End(); it = it.Next() {
			out = append(out, iriOf(it))
		}
	}
	return out
}

// hashtags reads Hashtag names from a raw tag value (v1.0.0 keeps Hashtag
// untyped: STACK.md §1.2.9).
func hashtags(v any) []string {
	var list []any
	switch x := v.(type) {
	case []any:
		list = x
	case map[string]any:
		list = []any{x}
	}
	var out []string
	for _, t := range list {
		m, ok := t.(map[string]any)
		if !ok || str(m, "type") != "Hashtag" {
			continue
		}
		name := strings.TrimLeft(str(m, "name"), "#＃")
		if name != "" && len(out) < 20 {
			out = append(out, truncate(strings.ToLower(name), 60))
		}
	}
	return out
}

// proposalOf returns the first FEP-0837 Proposal of a value (one object or
// a list), or nil.
func proposalOf(v any) map[string]any {
	for _, a := range listOf(v) {
		if m, ok := a.(map[string]any); ok && str(m, "type") == "Proposal" {
			return m
		}
	}
	return nil
}

// proposalPrice reads the price of an FEP-0837 Proposal (nil: none).
func proposalPrice(m map[string]any) *notePrice {
	if m != nil {
		rec, _ := m["reciprocal"].(map[string]any)
		if rec == nil {
			return nil
		}
		q, _ := rec["resourceQuantity"].(map[string]any)
		cur := currencyOf(str(rec, "resourceConformsTo"))
		amount := fmt.Sprint(q["hasNumericalValue"])
		if q == nil || cur == "" || amount == "" || len(amount) > 20 {
			return nil
		}
		return &notePrice{Amount: amount, Currency: cur}
	}
	return nil
}

// offerFacts is what the world market's catalogue reads from an item's
// Proposal besides its price: its title, how many are left, its
// classification (a shiji market's alley) and the market day it comes on.
type offerFacts struct {
	Title     string
	Available int      // availableQuantity; -1 when not said
	Currency  string   // the reciprocal's currency code; "" when none is asked
	Unknown   bool     // a reciprocal in a currency we do not know
	Classes   []string // resourceClassifiedAs IRIs
	Begin     time.Time
	End       time.Time
}

// proposalFacts reads the offerFacts of an FEP-0837 Proposal (nil: none).
func proposalFacts(m map[string]any) *offerFacts {
	if m == nil {
		return nil
	}
	of := &offerFacts{Title: truncate(str(m, "name"), 300), Available: -1}
	pub, _ := m["publishes"].(map[string]any)
	if q, _ := pub["availableQuantity"].(map[string]any); q != nil {
		if n, err := strconv.ParseFloat(fmt.Sprint(q["hasNumericalValue"]), 64); err == nil && n >= 0 && n < 1e9 {
			of.Available = int(n)
		}
	}
	switch c := pub["resourceClassifiedAs"].(type) {
	case string:
		of.Classes = []string{c}
	case []any:
		for _, x := range c {
			if s, ok := x.(string); ok && len(of.Classes) < 8 {
				of.Classes = append(of.Classes, s)
			}
		}
	}
	of.Begin, _ = time.Parse(time.RFC3339, str(pub, "hasBeginning"))
	of.End, _ = time.Parse(time.RFC3339, str(pub, "hasEnd"))
	if of.End.Before(of.Begin) {
		of.End = of.Begin
	}
	if rec, _ := m["reciprocal"].(map[string]any); rec != nil {
		if of.Currency = currencyOf(str(rec, "resourceConformsTo")); of.Currency == "" {
			of.Unknown = true
		} else if _, ok := node.CurrencyExponent(of.Currency); !ok {
			of.Currency, of.Unknown = "", true
		}
	}
	return of
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
