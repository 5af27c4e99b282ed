package federation

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/go-fed/activity/streams"
	anyuri "github.com/go-fed/activity/streams/values/anyURI"
	datetime "github.com/go-fed/activity/streams/values/dateTime"
	nonnegativeinteger "github.com/go-fed/activity/streams/values/nonNegativeInteger"
	"github.com/go-fed/activity/streams/vocab"
)

// noteFromMap reads a Note straight from its JSON (for noteOf), giving
// what parseNote gives for go-fed's reading of it, without
// go-fed (issue 14): go-fed v1.0.0 runs each of a Note's ~60 property
// deserialisers on every Note, ~7 µs and 5 KB an activity whatever the Note
// holds. It reads the plain shapes Notes come in (IRIs as strings, content
// and name as strings, Image and Document attachments) and reports false
// for anything else (a language map alone, an embedded object where an IRI
// usually is, an aliased @context...), which is then read through go-fed
// as before. TestNoteFromMapReadsAsGoFed holds the two to the same result
// over every Note of the shared fixtures and their variants, and
// FuzzNoteFromMap over random ones.
func (f *Federation) noteFromMap(m map[string]any) (*remoteNote, bool, error) {
	if aliasedContext(m["@context"]) {
		return nil, false, nil
	}
	rn := &remoteNote{}
	id, _ := m["id"].(string)
	rn.ID, _ = schemeIRI(id) // go-fed: an xsd:anyURI, else no id (finishNote refuses it)
	var ok bool
	if rn.Actor, ok = firstIRI(m["attributedTo"]); !ok {
		return nil, false, nil
	}
	if rn.Name, _, ok = plainText(m, "name"); !ok {
		return nil, false, nil
	}
	var content bool
	if rn.html, content, ok = plainText(m, "content"); !ok {
		return nil, false, nil
	}
	if rn.URL, ok = firstURLOf(m["url"]); !ok {
		return nil, false, nil
	}
	rn.Published, rn.Updated = dateTime(m["published"]), dateTime(m["updated"])
	if rn.InReplyTo, ok = firstIRI(m["inReplyTo"]); !ok {
		return nil, false, nil
	}
	for _, k := range [...]string{"to", "cc"} {
		v, present := m[k]
		if !present {
			continue
		}
		if v == nil { // go-fed keeps one unknown value: ""
			return nil, false, nil
		}
		for _, x := range listOf(v) {
			s, isString := x.(string)
			if !isString {
				return nil, false, nil
			}
			iri, _ := schemeIRI(s) // go-fed keeps what is no IRI as unknown: ""
			rn.Addressed = append(rn.Addressed, iri)
		}
	}
	if rn.Attachments, ok = attachmentsOf(m["attachment"]); !ok {
		return nil, false, nil
	}
	rn, err := f.finishNote(rn, content, m)
	return rn, true, err
}

// noteOf reads m, a Note's JSON (given an @context when it has none): from
// the JSON when its shape is plain (noteFromMap), else through go-fed,
// which does not read its tags (parseNote reads them from m). ok is false
// when m is no Note go-fed can read (err then says why go-fed could not);
// err is parseNote's otherwise.
func (f *Federation) noteOf(ctx context.Context, m map[string]any) (n *remoteNote, ok bool, err error) {
	if _, has := m["@context"]; !has {
		m["@context"] = asContextIRI // go-fed needs one to read the type
	}
	if str(m, "type") == "Note" {
		if n, ok, err := f.noteFromMap(m); ok {
			return n, true, err
		}
	}
	t, err := streams.ToType(ctx, withoutTag(m))
	if err != nil {
		return nil, false, err
	}
	note, isNote := t.(vocab.ActivityStreamsNote)
	if !isNote {
		return nil, false, fmt.Errorf("a %s is no Note", t.GetTypeName())
	}
	n, err = f.parseNote(ctx, note, m)
	return n, true, err
}

// aliasedContext reports whether an @context gives the ActivityStreams
// namespace an alias, which go-fed then expects before every property name.
func aliasedContext(c any) bool {
	switch v := c.(type) {
	case []any:
		for _, x := range v {
			if aliasedContext(x) {
				return true
			}
		}
	case map[string]any:
		for k := range v {
			if strings.TrimPrefix(strings.TrimPrefix(k, "https"), "http") == "://www.w3.org/ns/activitystreams" {
				return true
			}
		}
	}
	return false
}

// firstIRI reads the first value of an IRI property (attributedTo,
// inReplyTo) as go-fed does when it is a string: an IRI when it has a
// scheme, else nothing. null and an empty list are nothing; false for an
// embedded object or anything else.
func firstIRI(v any) (string, bool) {
	if l, isList := v.([]any); isList {
		if len(l) == 0 {
			return "", true
		}
		v = l[0]
	}
	switch x := v.(type) {
	case nil:
		return "", true
	case string:
		iri, _ := schemeIRI(x)
		return iri, true
	}
	return "", false
}

// plainText reads a natural-language property (content, name) when it is a
// string or absent; present reports that go-fed would have a value for it.
// null reads as go-fed reads it: present, empty. A language map alone
// (contentMap without content) is false.
func plainText(m map[string]any, k string) (s string, present, ok bool) {
	v, present := m[k]
	if l, isList := v.([]any); isList {
		if present = len(l) > 0; present {
			v = l[0]
		}
	}
	if !present {
		_, mapped := m[k+"Map"]
		return "", false, !mapped // nothing, or a language map alone
	}
	switch x := v.(type) {
	case nil:
		return "", true, true
	case string:
		return x, true, true
	}
	return "", false, false
}

// firstURLOf reads a url property as firstURL reads go-fed's: the first
// value that is an IRI with a scheme. false for a Link object.
func firstURLOf(v any) (string, bool) {
	for _, x := range listOf(v) {
		s, isString := x.(string)
		if !isString {
			if _, isMap := x.(map[string]any); isMap {
				return "", false
			}
			continue
		}
		if iri, ok := schemeIRI(s); ok {
			return iri, true
		}
	}
	return "", true
}

// attachmentsOf reads a Note's pictures as parseNote reads go-fed's Image
// and Document attachments, skipping everything else as it does; false for
// an Image or Document go-fed might read otherwise (an id, a url that is an
// object, a name that is a language map).
func attachmentsOf(v any) ([]attachment, bool) {
	var out []attachment
	for _, x := range listOf(v) {
		if len(out) == maxNoteAttachments {
			break
		}
		o, isMap := x.(map[string]any)
		if !isMap {
			continue
		}
		typ, isString := o["type"].(string)
		if !isString || strings.HasPrefix(typ, ":") { // go-fed reads ":Image" as an Image
			return nil, false
		}
		if typ != "Image" && typ != "Document" {
			continue // go-fed reads it as something else, or not at all: skipped
		}
		if _, hasID := o["id"]; hasID {
			return nil, false
		}
		if aliasedContext(o["@context"]) {
			return nil, false
		}
		var a attachment
		var ok bool
		if a.URL, ok = firstURLOf(o["url"]); !ok {
			return nil, false
		}
		a.MediaType, _ = o["mediaType"].(string)
		if a.Alt, _, ok = plainText(o, "name"); !ok {
			return nil, false
		}
		if typ == "Image" { // go-fed v1.0.0's Document has no width or height
			a.Width, a.Height = nonNegative(o["width"]), nonNegative(o["height"])
		}
		if a, ok := a.kept(); ok {
			out = append(out, a)
		}
	}
	return out, true
}

// nonNegative reads an xsd:nonNegativeInteger with go-fed's own reader (0
// when it is not one, as go-fed's property then gives).
func nonNegative(v any) int {
	n, _ := nonnegativeinteger.DeserializeNonNegativeInteger(v)
	return n
}

// dateTime reads an xsd:dateTime with go-fed's own reader, in UTC; zero
// when it is none.
func dateTime(v any) time.Time {
	t, err := datetime.DeserializeDateTime(v)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

// schemeIRI reads s as go-fed reads an IRI value: parsed, with a scheme,
// and written back as net/url writes it; false when it is no such IRI.
func schemeIRI(s string) (string, bool) {
	if simpleIRI(s) {
		return s, true
	}
	u, err := anyuri.DeserializeAnyURI(s) // go-fed's own reader: parsed, with a scheme
	if err != nil {
		return "", false
	}
	return u.String(), true
}

// simpleIRI reports whether s is an http(s) URL that net/url parses and
// writes back unchanged, without parsing it: a host of letters, digits,
// dots and dashes with an optional port, then the characters URLs are
// commonly made of, no percent escapes, one fragment at most
// (FuzzSimpleIRI checks the claim).
func simpleIRI(s string) bool {
	rest, ok := strings.CutPrefix(s, "https://")
	if !ok {
		if rest, ok = strings.CutPrefix(s, "http://"); !ok {
			return false
		}
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	host, port, hasPort := strings.Cut(rest[:end], ":")
	if host == "" || (hasPort && port == "") {
		return false
	}
	for i := 0; i < len(host); i++ {
		if c := host[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	for i := 0; i < len(port); i++ {
		if port[i] < '0' || port[i] > '9' {
			return false
		}
	}
	if strings.HasSuffix(rest, "#") {
		return false // an empty fragment is not written back
	}
	fragment := false
	for i := end; i < len(rest); i++ {
		c := rest[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("-._~/?:@!$&'()*+,;=", c) >= 0:
		case c == '#' && !fragment:
			fragment = true
		default:
			return false
		}
	}
	return true
}
