package federation

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"database/sql"
	"encoding/json"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shiji-market/shiji/internal/htmlcheck"
	"github.com/shiji-market/shiji/node"
	"golang.org/x/net/html"
)

// fixtureBodies returns every ActivityStreams document of the shared corpus:
// the .json files and the bodies of the captured .http requests.
func fixtureBodies(t testing.TB) map[string][]byte {
	t.Helper()
	root := sharedFixtures(t)
	out := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		switch filepath.Ext(p) {
		case ".json":
			out[p] = b
		case ".http":
			if _, body, ok := bytes.Cut(b, []byte("\n\n")); ok && len(bytes.TrimSpace(body)) > 0 {
				out[p] = body
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < 100 {
		t.Fatalf("only %d documents in %s", len(out), root)
	}
	return out
}

// fixtureHeaders returns the headers of the captured .http requests.
func fixtureHeaders(t testing.TB) []http.Header {
	var out []http.Header
	root := sharedFixtures(t)
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(p) != ".http" {
			return err
		}
		b, _ := os.ReadFile(p)
		head, _, _ := bytes.Cut(b, []byte("\n\n"))
		sc := bufio.NewScanner(bytes.NewReader(head))
		sc.Scan()
		h := http.Header{}
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ": "); ok {
				h.Add(k, v)
			}
		}
		out = append(out, h)
		return nil
	})
	return out
}

// rowCounts is the number of rows of every table of the database.
func rowCounts(t testing.TB, n *testNode) string {
	t.Helper()
	rows, err := n.db.Read().Query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var s string
		rows.Scan(&s)
		names = append(names, s)
	}
	rows.Close()
	var b strings.Builder
	for _, name := range names {
		var c int
		if err := n.db.Read().QueryRow(`SELECT count(*) FROM "` + name + `"`).Scan(&c); err != nil {
			t.Fatal(err)
		}
		b.WriteString(name + "=" + strconv.Itoa(c) + " ")
	}
	return b.String()
}

// FuzzInbox: any document POSTed to the shared inbox, signed by an actor we
// know, is taken in (202) or refused with a 4xx, never a 500 or a panic; a
// refused one leaves no row behind in any table. Seeded with every
// document of the shared corpus of real servers, the actor made ours.
func FuzzInbox(f *testing.F) {
	const base = "https://market.example"
	n := newTestNode(f, base, time.Now(), func(c *Config) { c.InboxRate, c.InboxBurst = 1e9, 1e9 })
	ctx := context.Background()
	wang := n.account("wang", node.RoleStallholder)
	st := n.stall(wang, "Old Wang's Bicycles")
	it := &node.Item{Stall: st.ID, Title: "Phoenix bell", Price: node.Price{Kind: node.PriceFree}, Quantity: 1}
	if err := n.app.CreateItem(ctx, wang, it); err != nil {
		f.Fatal(err)
	}
	const actor = "https://remote.example/users/alice"
	// A 1024-bit key (the least Go takes) signs four times as fast as the
	// usual 2048 bits: more inputs a second.
	priv, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		f.Fatal(err)
	}
	rk := &remoteKey{id: actor, keyID: actor + "#main-key", priv: priv}
	newRemoteDoc(f, n.net, actor, rk, "https://remote.example/inbox")
	if _, err := n.f.remoteActor(ctx, actor, true); err != nil { // known: refusals must not even cache it
		f.Fatal(err)
	}
	bodies := fixtureBodies(f)
	names := make([]string, 0, len(bodies))
	for p := range bodies {
		names = append(names, p)
	}
	sort.Strings(names)
	for _, p := range names {
		f.Add(asOurs(bodies[p], actor, base, st.ID, it.ID))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if len(body) > maxBodyBytes {
			return
		}
		// Every input is new: forget the ids seen so far.
		if err := n.db.Write(ctx, func(tx *sql.Tx) error { _, err := tx.Exec(`DELETE FROM ap_inbox_seen`); return err }); err != nil {
			t.Fatal(err)
		}
		before := rowCounts(t, n)
		w := n.do(rk.signedPostBytes(t, base+"/inbox", body, n.clock.Now()))
		switch w.Code {
		case http.StatusAccepted:
			return
		case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusConflict,
			http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusUnprocessableEntity, http.StatusGone:
		default:
			t.Fatalf("POST /inbox %s: %d %s", body, w.Code, w.Body)
		}
		if after := rowCounts(t, n); after != before {
			t.Fatalf("the refused (%d %s) %s changed the database:\n%s\n%s", w.Code, w.Body, body, before, after)
		}
	})
}

// asOurs makes a corpus document come from our test actor: its actor and
// the ids on its actor's server move to remote.example, and the objects it
// names on its target server point at our stall and item, so the fuzzer
// starts from documents that get past the signature check.
func asOurs(doc []byte, actor, base string, stall node.StallID, item node.ItemID) []byte {
	var m map[string]any
	if json.Unmarshal(doc, &m) != nil {
		return doc
	}
	old := refOf(m["actor"])
	if old == "" {
		return doc
	}
	s := strings.ReplaceAll(string(doc), old, actor)
	if u, err := url.Parse(old); err == nil && u.Host != "" {
		s = strings.ReplaceAll(s, u.Scheme+"://"+u.Host+"/", "https://remote.example/")
	}
	return []byte(s)
}

// FuzzSignatureHeaders: any Signature, Digest and Date on a POST is refused
// with 401 unless it is complete, covers what it must, is fresh and its
// Digest matches the body; and no such forged signature ever verifies.
func FuzzSignatureHeaders(f *testing.F) {
	for _, h := range fixtureHeaders(f) {
		if h.Get("Signature") != "" {
			f.Add(h.Get("Signature"), h.Get("Digest"), h.Get("Date"), []byte("{}"))
		}
	}
	now := time.Now().UTC()
	for _, s := range [][3]string{
		{`keyId="https://remote.example/users/alice#main-key",algorithm="rsa-sha256",headers="(request-target) host date digest",signature="AAAA"`,
			"SHA-256=RBNvo1WzZ4oRRq0W9+hknpT7T8If536DEMBg9hyq/4o=", now.Format(http.TimeFormat)},
		{`keyId="x",headers="date"`, "", now.Format(http.TimeFormat)},
		{`keyId=,algorithm=hs2019,headers=`, "sha-256=", "yesterday"},
		{`keyId="a",,,=,"`, "SHA-256=x,SHA-512=y", ""},
		{`Signature keyId="a"`, "", "Mon, 02 Jan 2006 15:04:05 GMT"},
	} {
		f.Add(s[0], s[1], s[2], []byte("{}"))
	}
	n := newTestNode(f, "https://market.example", time.Now(), nil)
	f.Fuzz(func(t *testing.T, sig, digest, date string, body []byte) {
		p, perr := parseSignature(sig)
		if perr == nil && p.keyID == "" {
			t.Fatalf("parseSignature(%q) has no keyId but no error", sig)
		}
		r := httptest.NewRequest(http.MethodPost, "https://market.example/inbox", bytes.NewReader(body))
		for k, v := range map[string]string{"Signature": sig, "Digest": digest, "Date": date} {
			if v != "" && !strings.ContainsAny(v, "\r\n") {
				r.Header.Set(k, v)
			}
		}
		sr, err := n.f.checkRequest(r, body)
		if err != nil {
			if node.ErrorCode(err) != node.EUNAUTHORIZED {
				t.Fatalf("checkRequest(%q, %q, %q): %v, want EUNAUTHORIZED", sig, digest, date, err)
			}
			return
		}
		if !digestMatches(r.Header.Values("Digest"), body) {
			t.Fatalf("checkRequest took a Digest %q that does not match the body", digest)
		}
		for _, h := range []string{"(request-target)", "host", "date", "digest"} {
			if !contains(p.headers, h) {
				t.Fatalf("checkRequest took a signature of %v, without %s", p.headers, h)
			}
		}
		if _, err := n.f.verifySigned(context.Background(), sr); err == nil {
			t.Fatalf("a made-up signature verified: %q", sig)
		} else if node.ErrorCode(err) != node.EUNAUTHORIZED {
			t.Fatalf("verifySigned: %v, want EUNAUTHORIZED", err)
		}
	})
}

// FuzzWebFinger: any resource is answered with 200 (one of our actors,
// with its self link) or a clear 400/404/410; and any acct to look up
// elsewhere is a clear refusal when nothing answers it.
func FuzzWebFinger(f *testing.F) {
	for _, s := range []string{
		"acct:wang@market.example", "acct:stall-1@market.example", "acct:market@market.example", "acct:market.example@market.example",
		"wang@market.example", "@wang@market.example", "acct:WANG@MARKET.EXAMPLE", "https://market.example/users/wang",
		"https://market.example/@wang", "https://market.example/stalls/1", "https://market.example/", "acct:wang@other.example",
		"acct:@market.example", "acct:a@b@market.example", "acct:stall-0@market.example", "acct:stall-99999999999999999999@market.example",
		"https://market.example/stalls/1/inbox", "https://market.example/users/wang?x=1", "acct:wang@market.example:443", "",
		"acct:wang%00@market.example", "acct:ünï@market.example",
	} {
		f.Add(s)
	}
	n := newTestNode(f, "https://market.example", time.Now(), nil)
	wang := n.account("wang", node.RoleStallholder)
	n.stall(wang, "Old Wang's Bicycles")
	f.Fuzz(func(t *testing.T, res string) {
		w := n.get("/.well-known/webfinger?resource=" + url.QueryEscape(res))
		switch w.Code {
		case http.StatusOK:
			var jrd struct {
				Subject string
				Links   []struct{ Rel, Type, Href string }
			}
			if err := json.Unmarshal(w.Body.Bytes(), &jrd); err != nil || !strings.HasPrefix(jrd.Subject, "acct:") ||
				!strings.HasSuffix(jrd.Subject, "@market.example") {
				t.Fatalf("webfinger %q: %s", res, w.Body)
			}
			self := false
			for _, l := range jrd.Links {
				self = self || (l.Rel == "self" && strings.HasPrefix(l.Href, "https://market.example/"))
			}
			if !self {
				t.Fatalf("webfinger %q: no self link of ours: %s", res, w.Body)
			}
		case http.StatusBadRequest, http.StatusNotFound, http.StatusGone:
		default:
			t.Fatalf("webfinger %q: %d %s", res, w.Code, w.Body)
		}
		// Looking it up elsewhere: nothing answers (the fake network has no
		// WebFinger documents), so it is always a clear refusal.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := n.f.lookupAcct(ctx, res); err == nil {
			t.Fatalf("lookupAcct(%q) found an actor on an empty network", res)
		} else if c := node.ErrorCode(err); c != node.EINVALID && c != node.ENOTFOUND && c != node.EFORBIDDEN {
			t.Fatalf("lookupAcct(%q): %v", res, err)
		}
	})
}

var nodeInfoSoftware = regexp.MustCompile(`^[a-z0-9-]+$`)

// FuzzNodeInfo: whatever the market is called and says about itself, its
// NodeInfo 2.1 document is valid JSON that keeps to the schema's rules.
func FuzzNodeInfo(f *testing.F) {
	for _, s := range [][3]string{
		{"Wutong Lane Weekend Market", "Every Saturday.", "Shanghai"}, {"梧桐里周末市集", "每周六 **早上**", "上海"},
		{`"quoted" \ back`, "</script><script>alert(1)</script>", "\u2028\u2029"}, {"\x00", "\xff\xfe", "\xed\xa0\x80"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	n := newTestNode(f, "https://market.example", time.Now(), nil)
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, name, desc, city string) {
		m, err := n.db.Market(ctx)
		if err != nil {
			t.Fatal(err)
		}
		m.Name, m.Description, m.City = node.Text{"en": name}, node.Text{"en": desc}, node.Text{"en": city}
		if err := n.db.UpdateMarket(ctx, m); err != nil && node.ErrorCode(err) != node.EINVALID {
			t.Fatalf("UpdateMarket: %v", err)
		}
		w := n.get("/nodeinfo/2.1")
		var doc struct {
			Version   string
			Software  struct{ Name, Version string }
			Protocols []string
			Usage     struct {
				Users struct{ Total, ActiveMonth, ActiveHalfyear int }
			}
			OpenRegistrations *bool
			Metadata          map[string]any
		}
		if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &doc) != nil {
			t.Fatalf("nodeinfo: %d %s", w.Code, w.Body)
		}
		if doc.Version != "2.1" || !nodeInfoSoftware.MatchString(doc.Software.Name) || doc.Software.Version == "" ||
			len(doc.Protocols) != 1 || doc.Protocols[0] != "activitypub" || doc.OpenRegistrations == nil || doc.Usage.Users.Total < 0 ||
			doc.Metadata == nil {
			t.Fatalf("nodeinfo breaks the schema: %s", w.Body)
		}
	})
}

// FuzzRemoteHTML: a remote note's HTML, sanitised as we show it, and turned
// into a message's text and rendered as ours, is safe both ways; the text
// is only text (its Markdown syntax escaped): paragraphs, line breaks and
// links at most.
func FuzzRemoteHTML(f *testing.F) {
	for _, s := range []string{
		`<p><span class="h-card"><a href="https://m.example/@wang" class="u-url mention">@<span>wang</span></a></span> Is the bell still there?</p>`,
		`<p>line one<br>line two</p><p>*not bold* _nor this_ # nor a heading</p>`, `<script>alert(1)</script>hello`,
		`<a href="javascript:alert(1)">x</a>`, `<img src=x onerror=alert(1)>`, `<b>unclosed <i>`, `1. not a list`, `> not a quote`,
		"```not code```", `<pre>  indented   code</pre>`, `[link](https://x.example)`, `&lt;b&gt;escaped&lt;/b&gt;`,
		`<p>https://x.example/a?b=c&amp;d=e</p>`, `- item`, `<h1>Title</h1>`, `<table><tr><td>cell</td></tr></table>`,
	} {
		f.Add(s)
	}
	n := newTestNode(f, "https://market.example", time.Now(), nil)
	allowed := map[string]bool{"p": true, "br": true, "a": true}
	f.Fuzz(func(t *testing.T, in string) {
		if len(in) > 64<<10 {
			return
		}
		shown := string(n.f.md.Sanitize(in))
		if err := htmlcheck.Check(shown); err != nil {
			t.Fatalf("Sanitize(%q) = %q: %v", in, shown, err)
		}
		text := htmlText(in)
		out := string(n.f.md.HTML(text))
		if err := htmlcheck.Check(out); err != nil {
			t.Fatalf("HTML(htmlText(%q)) = %q: %v", in, out, err)
		}
		z := html.NewTokenizer(strings.NewReader(out))
		for tt := z.Next(); tt != html.ErrorToken; tt = z.Next() {
			if tt == html.StartTagToken || tt == html.SelfClosingTagToken {
				if name, _ := z.TagName(); !allowed[string(name)] {
					t.Fatalf("htmlText(%q) = %q renders a <%s>: its Markdown was not escaped (%q)", in, text, name, out)
				}
			}
		}
	})
}
