package federation

import (
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/go-fed/activity/streams"
	"github.com/go-fed/activity/streams/vocab"
)

// Media types of ActivityPub documents.
const (
	contentTypeAS  = "application/activity+json"
	contentTypeLD  = `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`
	publicIRI      = "https://www.w3.org/ns/activitystreams#Public"
	maxBodyBytes   = 1 << 20 // inbox bodies and fetched documents
	asContextIRI   = "https://www.w3.org/ns/activitystreams"
	securityV1IRI  = "https://w3id.org/security/v1"
	nodeinfoSchema = "http://nodeinfo.diaspora.software/ns/schema/2.1"
)

// jsonLDContext is the @context of every document we serve or send.
// go-fed v1.0.0's own context names http://joinmastodon.org/ns as a context
// document (it serves none) and comes in a random order (STACK.md §1.2.2), so
// it is replaced by this fixed one: the AS and security contexts, the
// Mastodon extensions we use, FEP-0837's ValueFlows terms, and the event
// terms of Mobilizon and FEP-8a8e.
func jsonLDContext() []any {
	return []any{asContextIRI, securityV1IRI, map[string]any{
		"toot":                      "http://joinmastodon.org/ns#",
		"discoverable":              "toot:discoverable",
		"indexable":                 "toot:indexable",
		"sensitive":                 "as:sensitive",
		"Hashtag":                   "as:Hashtag",
		"manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
		"alsoKnownAs":               map[string]any{"@id": "as:alsoKnownAs", "@type": "@id"},
		"movedTo":                   map[string]any{"@id": "as:movedTo", "@type": "@id"},
		"vf":                        "https://w3id.org/valueflows/ont/vf#",
		"shiji":                     "https://github.com/shiji-market/shiji/blob/main/docs/federation.md#",
		"proposal":                  map[string]any{"@id": "shiji:proposal", "@type": "@id"},
		"blurhash":                  "toot:blurhash",
		"PropertyValue":             "schema:PropertyValue",
		"schema":                    "http://schema.org#",
		"value":                     "schema:value",
		"featured":                  map[string]any{"@id": "toot:featured", "@type": "@id"},
		"om2":                       "http://www.ontology-of-units-of-measure.org/resource/om-2/",
		"Proposal":                  "vf:Proposal",
		"Intent":                    "vf:Intent",
		"purpose":                   "vf:purpose",
		"unitBased":                 "vf:unitBased",
		"publishes":                 "vf:publishes",
		"reciprocal":                "vf:reciprocal",
		"action":                    "vf:action",
		"resourceConformsTo":        map[string]any{"@id": "vf:resourceConformsTo", "@type": "@id"},
		"resourceQuantity":          "vf:resourceQuantity",
		"availableQuantity":         "vf:availableQuantity",
		"hasUnit":                   "om2:hasUnit",
		"hasNumericalValue":         "om2:hasNumericalValue",
		"resourceClassifiedAs":      map[string]any{"@id": "vf:resourceClassifiedAs", "@type": "@id"},
		"hasBeginning":              "vf:hasBeginning",
		"hasEnd":                    "vf:hasEnd",
		// Market days as Events (events.go): Mobilizon's terms, which
		// FEP-8a8e follows, and FEP-8a8e's eventStatus.
		"sc":                       "http://schema.org#",
		"mz":                       "https://joinmobilizon.org/ns#",
		"pt":                       "https://joinpeertube.org/ns#",
		"ical":                     "http://www.w3.org/2002/12/cal/ical#",
		"timezone":                 "mz:timezone",
		"status":                   "ical:status",
		"eventStatus":              map[string]any{"@id": "https://w3id.org/fep/8a8e/eventStatus", "@type": "@vocab"},
		"EventScheduled":           "https://w3id.org/fep/8a8e/EventScheduled",
		"EventCancelled":           "https://w3id.org/fep/8a8e/EventCancelled",
		"joinMode":                 "mz:joinMode",
		"externalParticipationUrl": map[string]any{"@id": "mz:externalParticipationUrl", "@type": "@id"},
		"commentsEnabled":          "pt:commentsEnabled",
		"repliesModerationOption":  "mz:repliesModerationOption",
		"category":                 "sc:category",
		"address":                  "sc:address",
		"PostalAddress":            "sc:PostalAddress",
		"addressLocality":          "sc:addressLocality",
	}}
}

// serialize turns a go-fed value into JSON-ready map with the fixed @context.
func serialize(t vocab.Type) (map[string]any, error) {
	m, err := streams.Serialize(t)
	if err != nil {
		return nil, err
	}
	m["@context"] = jsonLDContext()
	return m, nil
}

// writeAS writes an ActivityStreams document with the right media type.
func writeAS(w http.ResponseWriter, status int, m map[string]any) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", contentTypeAS+"; charset=utf-8")
	w.WriteHeader(status)
	_, err = w.Write(b)
	return err
}

// iri parses an absolute URL, panicking on our own malformed ones would hide
// bugs, so it returns nil for bad input and callers check.
func iri(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() {
		return nil
	}
	return u
}

func idProp(s string) vocab.JSONLDIdProperty {
	p := streams.NewJSONLDIdProperty()
	p.Set(iri(s))
	return p
}

// isPublicIRI reports whether an addressee is the public collection, in
// any of the forms servers write it.
func isPublicIRI(s string) bool { return s == publicIRI || s == "as:Public" || s == "Public" }
