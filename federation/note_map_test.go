package federation

import (
	"context"
	"encoding/json"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-fed/activity/streams"
	"github.com/go-fed/activity/streams/vocab"
)

// fixtureNotes returns the Notes of the shared fixtures: every document of
// type Note, and the Note a Create or Update carries, each with the
// @context of the document it came in (as dispatch gives it).
func fixtureNotes(t testing.TB) map[string]map[string]any {
	out := map[string]map[string]any{}
	bodies := fixtureBodies(t)
	for _, dir := range []string{"testdata/golden", "testdata/conformance"} { // ours: what shiji sends
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && filepath.Ext(p) == ".json" {
				if b, err := os.ReadFile(p); err == nil {
					bodies[p] = b
				}
			}
			return nil
		})
	}
	for name, body := range bodies {
		var m map[string]any
		if json.Unmarshal(body, &m) != nil {
			continue
		}
		if _, ok := m["@context"]; !ok {
			m["@context"] = asContextIRI // as dispatch gives every activity one
		}
		if str(m, "type") == "Note" {
			out[name] = m
		}
		if obj, ok := m["object"].(map[string]any); ok && str(obj, "type") == "Note" {
			if _, ok := obj["@context"]; !ok {
				obj["@context"] = m["@context"]
			}
			out[name+"#object"] = obj
		}
	}
	return out
}

// noteVariants are shapes a Note may come in beside the fixtures' own: each
// changes a copy of m.
var noteVariants = map[string]func(m map[string]any){
	"as is": func(m map[string]any) {},
	"contentMap alone": func(m map[string]any) {
		delete(m, "content")
		m["contentMap"] = map[string]any{"zh": "<p>台灯</p>", "en": "<p>lamp</p>"}
	},
	"content null":          func(m map[string]any) { m["content"] = nil },
	"content a list":        func(m map[string]any) { m["content"] = []any{"<p>one</p>", "<p>two</p>"} },
	"content a number":      func(m map[string]any) { m["content"] = 7.0 },
	"name":                  func(m map[string]any) { m["name"] = "A lamp" },
	"name null":             func(m map[string]any) { m["name"] = nil },
	"nameMap":               func(m map[string]any) { m["nameMap"] = map[string]any{"en": "Lamp"} },
	"no published":          func(m map[string]any) { delete(m, "published") },
	"published, no seconds": func(m map[string]any) { m["published"] = "2026-11-25T02:46+08:00" },
	"published nonsense":    func(m map[string]any) { m["published"] = "yesterday" },
	"published a number":    func(m map[string]any) { m["published"] = 1.7e9 },
	"updated":               func(m map[string]any) { m["updated"] = "2026-11-26T10:00:00.123Z" },
	"inReplyTo null":        func(m map[string]any) { m["inReplyTo"] = nil },
	"inReplyTo":             func(m map[string]any) { m["inReplyTo"] = "https://remote.test/notes/1" },
	"inReplyTo no scheme":   func(m map[string]any) { m["inReplyTo"] = "remote.test/notes/1" },
	"inReplyTo an object": func(m map[string]any) {
		m["inReplyTo"] = map[string]any{"type": "Note", "id": "https://remote.test/notes/1"}
	},
	"inReplyTo a list":    func(m map[string]any) { m["inReplyTo"] = []any{"https://remote.test/notes/2"} },
	"attributedTo a list": func(m map[string]any) { m["attributedTo"] = []any{"https://remote.test/users/bo", "https://x.test/y"} },
	"attributedTo empty":  func(m map[string]any) { m["attributedTo"] = []any{} },
	"attributedTo an object": func(m map[string]any) {
		m["attributedTo"] = map[string]any{"type": "Person", "id": "https://remote.test/users/bo"}
	},
	"no attributedTo":    func(m map[string]any) { delete(m, "attributedTo") },
	"to a string":        func(m map[string]any) { m["to"] = "https://www.w3.org/ns/activitystreams#Public" },
	"to as:Public":       func(m map[string]any) { m["to"] = []any{"as:Public"} },
	"to Public":          func(m map[string]any) { m["cc"] = []any{"Public"} },
	"to null":            func(m map[string]any) { m["to"] = nil },
	"to empty":           func(m map[string]any) { m["to"] = []any{} },
	"to an object":       func(m map[string]any) { m["to"] = []any{map[string]any{"type": "Person", "id": "https://a.test/u"}} },
	"cc unicode":         func(m map[string]any) { m["cc"] = []any{"https://例子.test/用户/甲"} },
	"cc escaped":         func(m map[string]any) { m["cc"] = []any{"https://a.test/a%20b", "https://a.test/%zz"} },
	"cc upper scheme":    func(m map[string]any) { m["cc"] = []any{"HTTPS://A.test/x"} },
	"url a list":         func(m map[string]any) { m["url"] = []any{"not a url", "https://remote.test/@bo/1"} },
	"url a Link":         func(m map[string]any) { m["url"] = map[string]any{"type": "Link", "href": "https://remote.test/@bo/1"} },
	"url no scheme":      func(m map[string]any) { m["url"] = "/@bo/1" },
	"url null":           func(m map[string]any) { m["url"] = nil },
	"url ftp":            func(m map[string]any) { m["url"] = "ftp://remote.test/x" },
	"id unicode":         func(m map[string]any) { m["id"] = "https://remote.test/notes/台灯" },
	"id escaped":         func(m map[string]any) { m["id"] = "https://remote.test/notes/a%2Fb" },
	"id bad escape":      func(m map[string]any) { m["id"] = "https://remote.test/notes/%zz" },
	"id with a fragment": func(m map[string]any) { m["id"] = "https://remote.test/notes/1#frag'ment" },
	"id with a port":     func(m map[string]any) { m["id"] = "http://remote.test:8080/notes/1?x=1&y=(2)" },
	"aliased context": func(m map[string]any) {
		m["@context"] = []any{map[string]any{"https://www.w3.org/ns/activitystreams": "as"}}
	},
	"context with a map": func(m map[string]any) {
		m["@context"] = []any{asContextIRI, map[string]any{"toot": "http://joinmastodon.org/ns#"}}
	},
	"an Image":   func(m map[string]any) { m["attachment"] = []any{picture("Image")} },
	"a Document": func(m map[string]any) { m["attachment"] = picture("Document") },
	"an Image with an id": func(m map[string]any) {
		m["attachment"] = []any{withKey(picture("Image"), "id", "https://remote.test/media/1")}
	},
	"an Image typed twice": func(m map[string]any) {
		m["attachment"] = []any{withKey(picture("Image"), "type", []any{"Image", "Object"})}
	},
	"an :Image": func(m map[string]any) { m["attachment"] = []any{withKey(picture("Image"), "type", ":Image")} },
	"an Image, url a Link": func(m map[string]any) {
		m["attachment"] = []any{withKey(picture("Image"), "url", map[string]any{"type": "Link", "href": "https://a.test/p.jpg"})}
	},
	"an Image, url a list": func(m map[string]any) {
		m["attachment"] = []any{withKey(picture("Image"), "url", []any{"x", "https://a.test/p.jpg"})}
	},
	"an Image, no mediaType": func(m map[string]any) { o := picture("Image"); delete(o, "mediaType"); m["attachment"] = o },
	"an Image, a video":      func(m map[string]any) { m["attachment"] = []any{withKey(picture("Image"), "mediaType", "video/mp4")} },
	"an Image, sizes": func(m map[string]any) {
		m["attachment"] = []any{withKey(withKey(picture("Image"), "width", 12.7), "height", -3.0)}
	},
	"an Image, sizes as text": func(m map[string]any) { m["attachment"] = []any{withKey(picture("Image"), "width", "640")} },
	"an Image, nameMap": func(m map[string]any) {
		o := picture("Image")
		delete(o, "name")
		o["nameMap"] = map[string]any{"en": "x"}
		m["attachment"] = o
	},
	"an Image, name null": func(m map[string]any) { m["attachment"] = []any{withKey(picture("Image"), "name", nil)} },
	"an Image, long name": func(m map[string]any) {
		m["attachment"] = []any{withKey(picture("Image"), "name", strings.Repeat("长", 2000))}
	},
	"nine Images": func(m map[string]any) {
		l := []any{}
		for range 9 {
			l = append(l, picture("Image"))
		}
		m["attachment"] = l
	},
	"a Proposal and a Link": func(m map[string]any) {
		m["attachment"] = []any{map[string]any{"type": "Proposal", "name": "x"}, map[string]any{"type": "Link", "href": "https://a.test"}, "https://a.test/p.jpg", picture("Image")}
	},
	"a PropertyValue": func(m map[string]any) {
		m["attachment"] = []any{map[string]any{"type": "PropertyValue", "name": "a", "value": "b"}}
	},
	"an untyped attachment": func(m map[string]any) { m["attachment"] = []any{map[string]any{"url": "https://a.test/p.jpg"}} },
	"content with a scheme": func(m map[string]any) { m["content"] = "Note: the lamp works" },
	"name with a scheme":    func(m map[string]any) { m["name"] = "Re: lamp" },
	"alt with a scheme":     func(m map[string]any) { m["attachment"] = []any{withKey(picture("Image"), "name", "Photo: a lamp")} },
	"tags":                  func(m map[string]any) { m["tag"] = []any{map[string]any{"type": "Hashtag", "name": "#Lamp"}} },
}

func firstKey(m map[string]map[string]any) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys[0]
}

func picture(typ string) map[string]any {
	return map[string]any{"type": typ, "url": "https://remote.test/media/p.jpg", "mediaType": "image/jpeg", "name": "a lamp", "width": 640.0, "height": 480.0}
}

func withKey(m map[string]any, k string, v any) map[string]any { m[k] = v; return m }

// copyJSON is a deep copy of a JSON value.
func copyJSON(v any) any {
	switch x := v.(type) {
	case map[string]any:
		c := make(map[string]any, len(x))
		for k, e := range x {
			c[k] = copyJSON(e)
		}
		return c
	case []any:
		c := make([]any, len(x))
		for i, e := range x {
			c[i] = copyJSON(e)
		}
		return c
	}
	return v
}

// readBothWays reads the Note m through go-fed (as dispatch did before
// noteFromMap) and through noteFromMap, and fails t if noteFromMap read it
// and the two differ. It reports whether noteFromMap read it.
func readBothWays(t testing.TB, n *testNode, what string, m map[string]any) bool {
	t.Helper()
	fast, ok, fastErr := n.f.noteFromMap(copyJSON(m).(map[string]any))
	var slow *remoteNote
	var slowErr error
	typ, err := streams.ToType(context.Background(), withoutTag(copyJSON(m).(map[string]any)))
	if note, isNote := typ.(vocab.ActivityStreamsNote); err == nil && isNote {
		slow, slowErr = n.f.parseNote(context.Background(), note, copyJSON(m).(map[string]any))
	} else {
		slowErr = err // go-fed cannot read it: noteFromMap must not either
		if err == nil {
			t.Fatalf("%s: go-fed read %T", what, typ)
		}
	}
	if !ok {
		return false
	}
	if slow == nil && slowErr == nil {
		t.Fatalf("%s: go-fed read nothing", what)
	}
	if (fastErr == nil) != (slowErr == nil) {
		t.Errorf("%s: noteFromMap: %v, go-fed: %v", what, fastErr, slowErr)
		return true
	}
	if fastErr == nil && !reflect.DeepEqual(fast, slow) {
		t.Errorf("%s: noteFromMap read\n%+v\ngo-fed and parseNote\n%+v", what, fast, slow)
	}
	return true
}

// The Note of a Create or Update is read from its JSON as parseNote reads
// go-fed's Note, for every Note of the shared fixtures in every variant:
// same fields, same errors; and the plain ones are read that way at all.
func TestNoteFromMapReadsAsGoFed(t *testing.T) {
	n := newTestNode(t, "https://market.test", time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC), nil)
	n.clock.Freeze(time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)) // a Note without published gets now, both ways
	notes := fixtureNotes(t)
	if len(notes) < 20 {
		t.Fatalf("only %d Notes in the fixtures", len(notes))
	}
	read, tried := 0, 0
	for name, note := range notes {
		for variant, change := range noteVariants {
			m := copyJSON(note).(map[string]any)
			change(m)
			tried++
			if readBothWays(t, n, name+" ("+variant+")", m) {
				read++
			}
		}
		if m := copyJSON(note).(map[string]any); !readBothWays(t, n, name, m) && !aliasedContext(m["@context"]) {
			if _, ok := m["contentMap"]; !ok || m["content"] != nil {
				t.Logf("%s: read through go-fed", name)
			}
		}
	}
	t.Logf("%d of %d Notes and variants read without go-fed", read, tried)
	// go-fed v1.0.0 reads a string with a scheme as an IRI: its text is
	// read from the JSON, both ways.
	m := copyJSON(notes[firstKey(notes)]).(map[string]any)
	noteVariants["content with a scheme"](m)
	noteVariants["name with a scheme"](m)
	noteVariants["alt with a scheme"](m)
	typ, err := streams.ToType(context.Background(), withoutTag(copyJSON(m).(map[string]any)))
	if err != nil {
		t.Fatal(err)
	}
	slow, err := n.f.parseNote(context.Background(), typ.(vocab.ActivityStreamsNote), m)
	if err != nil || slow.html != "Note: the lamp works" || slow.Name != "Re: lamp" || len(slow.Attachments) != 1 || slow.Attachments[0].Alt != "Photo: a lamp" {
		t.Errorf("read through go-fed: %v %+v", err, slow)
	}
	if read < tried/2 {
		t.Errorf("only %d of %d read without go-fed", read, tried)
	}
	// Mastodon's and GoToSocial's plain posts and the Notes of shiji's
	// items and messages take the short way.
	for _, name := range []string{"mastodon", "gotosocial", "golden/create-note-item", "golden/update-note-item", "golden/create-note-private"} {
		found := false
		for file, note := range notes {
			if strings.Contains(file, name) && readBothWays(t, n, file, copyJSON(note).(map[string]any)) {
				found = true
			}
		}
		if !found {
			t.Errorf("no %s Note read without go-fed", name)
		}
	}
}

// FuzzNoteFromMap: for any Note, noteFromMap reads it as go-fed and
// parseNote do, or leaves it to them (noteOf).
func FuzzNoteFromMap(f *testing.F) {
	for _, note := range fixtureNotes(f) {
		b, _ := json.Marshal(note)
		f.Add(b)
	}
	f.Add([]byte(`{"id":"https://a.test/1","to":["https://www.w3.org/ns/activitystreams#Public"],"content":"<p>x</p>","attachment":{"type":"Image","url":"https://a.test/p.jpg"}}`))
	n := newTestNode(f, "https://market.test", time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC), nil)
	n.clock.Freeze(time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC))
	f.Fuzz(func(t *testing.T, b []byte) {
		var m map[string]any
		if json.Unmarshal(b, &m) != nil || m == nil || len(b) > 1<<14 {
			return
		}
		m["type"] = "Note"
		if _, ok := m["@context"]; !ok {
			m["@context"] = asContextIRI
		}
		readBothWays(t, n, string(b), m)
	})
}

// FuzzSimpleIRI: what simpleIRI takes, net/url parses, with a scheme, and
// writes back as it was.
func FuzzSimpleIRI(f *testing.F) {
	for _, s := range []string{"https://remote.test/users/bo/notes/1", "http://a.test:8080/x?y=1#z", "https://a.test/(x)'!*;,=+$&@:~",
		"https://A.TEST", "https://a.test?#", "https://a.test//x", "https://a.test:/x", "https://a..b/x", "http://a.test#a#b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !simpleIRI(s) {
			return
		}
		u, err := url.Parse(s)
		if err != nil || u.Scheme == "" || u.String() != s {
			t.Fatalf("simpleIRI(%q), but url.Parse: %v %q", s, err, u)
		}
	})
}

// The plain IRIs of ids and audiences take no parse.
func TestSimpleIRI(t *testing.T) {
	for s, want := range map[string]bool{
		"https://remote.test/users/bo/notes/1":           true,
		"https://mastodon.social/users/Gargron#main-key": true,
		"http://a.test:8080/x?y=1&z=(2)#f":               true,
		"https://a.test/a%20b":                           false, // escapes are parsed
		"https://user@a.test/":                           false,
		"https://a.test:x/":                              false,
		"https://a.test:/":                               false,
		"https:///x":                                     false,
		"https://例子.test/":                               false,
		"HTTPS://a.test/":                                false,
		"https://a.test/#a#b":                            false,
		"ftp://a.test/":                                  false,
	} {
		if simpleIRI(s) != want {
			t.Errorf("simpleIRI(%q) = %v", s, !want)
		}
		if simpleIRI(s) {
			if u, err := url.Parse(s); err != nil || u.String() != s {
				t.Errorf("%q: %v %v", s, err, u)
			}
		}
	}
}
