package federation

import (
	"net/url"

	"github.com/go-fed/activity/streams/vocab"
)

// Small readers for go-fed property values (v1.0.0's iterators are verbose).

// idOf returns t's id, or "".
func idOf(t interface{ GetJSONLDId() vocab.JSONLDIdProperty }) string {
	if t == nil {
		return ""
	}
	if p := t.GetJSONLDId(); p != nil && p.Get() != nil {
		return p.Get().String()
	}
	return ""
}

// stringIter is a natural-language value: a plain string or a language map.
type stringIter interface {
	IsXMLSchemaString() bool
	GetXMLSchemaString() string
	IsRDFLangString() bool
	GetRDFLangString() map[string]string
}

// text returns a plain or language-mapped string (the first language, in a
// stable order, when only a map is given).
func text(it stringIter) string {
	switch {
	case it == nil:
		return ""
	case it.IsXMLSchemaString():
		return it.GetXMLSchemaString()
	case it.IsRDFLangString():
		m := it.GetRDFLangString()
		best := ""
		for k := range m {
			if best == "" || k < best {
				best = k
			}
		}
		return m[best]
	}
	return ""
}

// iriIter is a property value that may be an IRI or an embedded object.
type iriIter interface {
	IsIRI() bool
	GetIRI() *url.URL
	GetType() vocab.Type
}

// iriOf returns the IRI of a value: the IRI itself, or the id of an
// embedded object.
func iriOf(it iriIter) string {
	if it == nil {
		return ""
	}
	if it.IsIRI() && it.GetIRI() != nil {
		return it.GetIRI().String()
	}
	if t := it.GetType(); t != nil && t.GetJSONLDId() != nil && t.GetJSONLDId().Get() != nil {
		return t.GetJSONLDId().Get().String()
	}
	return ""
}

// urlIter is a url value: an xsd:anyURI, an IRI or a Link.
type urlIter interface {
	IsXMLSchemaAnyURI() bool
	GetXMLSchemaAnyURI() *url.URL
	IsIRI() bool
	GetIRI() *url.URL
	IsActivityStreamsLink() bool
	GetActivityStreamsLink() vocab.ActivityStreamsLink
}

func urlOf(it urlIter) string {
	switch {
	case it == nil:
		return ""
	case it.IsXMLSchemaAnyURI() && it.GetXMLSchemaAnyURI() != nil:
		return it.GetXMLSchemaAnyURI().String()
	case it.IsIRI() && it.GetIRI() != nil:
		return it.GetIRI().String()
	case it.IsActivityStreamsLink():
		if h := it.GetActivityStreamsLink().GetActivityStreamsHref(); h != nil && h.Get() != nil {
			return h.Get().String()
		}
	}
	return ""
}

// firstURL returns the first url of a url property.
func firstURL(p vocab.ActivityStreamsUrlProperty) string {
	if p == nil {
		return ""
	}
	for it := p.Begin(); it != p.End(); it = it.Next() {
		if u := urlOf(it); u != "" {
			return u
		}
	}
	return ""
}

// str reads a string out of a raw JSON map (for what v1.0.0 does not type).
func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

// sameHost reports whether two absolute URLs have the same scheme and host.
func sameHost(a, b string) bool {
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	return err1 == nil && err2 == nil && ua.Host != "" && ua.Scheme == ub.Scheme && ua.Host == ub.Host
}

// hostOf returns the host[:port] of an absolute URL, or "".
func hostOf(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	return u.Host
}
