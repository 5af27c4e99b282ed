package federation

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shiji-market/shiji/node"
)

const aliceID = "https://gts9.test/users/alice"

// gtsNode is a node at https://sink.test (where the fixtures were sent),
// with a person "sink", on a clock set to the fixtures' capture time, and
// GoToSocial's alice served by the fake network: her actor, and at her keyId
// the key document GoToSocial really serves (a minimal Person without an
// inbox, whose publicKey names her as owner).
func gtsNode(t *testing.T) *testNode {
	t.Helper()
	n := newTestNode(t, "https://sink.test", fixtureDate(t, "07-inbox-follow.http").Add(time.Minute), nil)
	n.account("sink", node.RoleStallholder)
	person := fixtureBody(t, "05-actor-person.json")
	n.net.serve(aliceID, person)
	pk := decode(t, person)["publicKey"].(map[string]any)
	n.net.serve(pk["id"].(string), fixtureBody(t, "19-key-document.json"))
	return n
}

func fixtureBody(t *testing.T, name string) []byte {
	t.Helper()
	b, err := io.ReadAll(fixtureFile(t, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func quote(s string) string {
	return `"` + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "\n", `\n`) + `"`
}

func TestFixtureDigestsMatchTheirBodies(t *testing.T) {
	for _, name := range []string{"06-inbox-accept-of-follow.http", "07-inbox-follow.http", "08-inbox-create-note-public-hashtag.http",
		"14-inbox-create-note-with-photo.http", "18-inbox-undo-follow.http"} {
		r := fixture(t, name)
		body, _ := io.ReadAll(r.Body)
		sum := sha256.Sum256(body)
		if want := "SHA-256=" + base64.StdEncoding.EncodeToString(sum[:]); r.Header.Get("Digest") != want {
			t.Errorf("%s: Digest %s, body hashes to %s", name, r.Header.Get("Digest"), want)
		}
	}
}

func TestGoToSocialSignaturesVerify(t *testing.T) {
	n := gtsNode(t)
	for _, name := range []string{"07-inbox-follow.http", "08-inbox-create-note-public-hashtag.http", "11-inbox-like.http",
		"12-inbox-announce.http", "13-inbox-create-note-direct.http"} {
		n.clock.Set(fixtureDate(t, name).Add(30 * time.Second))
		if w := n.do(fixture(t, name)); w.Code != http.StatusAccepted {
			t.Errorf("%s = %d %s", name, w.Code, w.Body)
		}
	}
	// GETs signed by GoToSocial verify too (with the query string).
	for _, name := range []string{"01-get-actor-signed.http", "04-get-webfinger.http", "03-get-nodeinfo-probe.http"} {
		r := fixture(t, name)
		sr, err := n.f.checkRequest(r, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if a, err := n.f.verifySigned(r.Context(), sr); err != nil || a.ID != aliceID {
			t.Errorf("%s: signer %v, %v", name, a, err)
		}
	}
}

// Every bad request is 401 and changes nothing.
func TestForgedAndBrokenSignaturesAreRefused(t *testing.T) {
	n := gtsNode(t)
	mallory := newRemote(t, n.net, "https://evil.test/users/mallory", "")
	follow := func() *http.Request { return fixture(t, "07-inbox-follow.http") }
	body := func(r *http.Request) []byte { b, _ := io.ReadAll(r.Body); return b }
	withBody := func(r *http.Request, b []byte) *http.Request {
		r.Body = io.NopCloser(bytes.NewReader(b))
		r.ContentLength = int64(len(b))
		return r
	}
	digest := func(b []byte) string {
		s := sha256.Sum256(b)
		return "SHA-256=" + base64.StdEncoding.EncodeToString(s[:])
	}
	date := fixtureDate(t, "07-inbox-follow.http")
	cases := []struct {
		name  string
		req   func() *http.Request
		clock time.Time
	}{
		{"unsigned", func() *http.Request { r := follow(); r.Header.Del("Signature"); return r }, date},
		{"tampered body, old digest", func() *http.Request {
			r := follow()
			return withBody(r, bytes.Replace(body(r), []byte("Follow"), []byte("FolloW"), 1))
		}, date},
		{"tampered body, new digest", func() *http.Request {
			r := follow()
			b := bytes.Replace(body(r), []byte(`"to":"https://sink.test/users/sink"`), []byte(`"to":"https://sink.test/users/sank"`), 1)
			r.Header.Set("Digest", digest(b))
			return withBody(r, b)
		}, date},
		{"forged signature", func() *http.Request {
			r := follow()
			r.Header.Set("Signature", strings.Replace(r.Header.Get("Signature"), `signature="hRE8`, `signature="hRE9`, 1))
			return r
		}, date},
		{"stale date", follow, date.Add(13 * time.Hour)},
		{"date from the future", follow, date.Add(-13 * time.Hour)},
		{"date not signed", func() *http.Request {
			r := follow()
			r.Header.Set("Signature", strings.Replace(r.Header.Get("Signature"), `(request-target) host date digest`, `(request-target) host digest`, 1))
			return r
		}, date},
		{"digest not signed", func() *http.Request {
			r := follow()
			r.Header.Set("Signature", strings.Replace(r.Header.Get("Signature"), `host date digest`, `host date`, 1))
			return r
		}, date},
		{"no date header", func() *http.Request { r := follow(); r.Header.Del("Date"); return r }, date},
		{"no digest header", func() *http.Request { r := follow(); r.Header.Del("Digest"); return r }, date},
		{"another host", func() *http.Request { r := follow(); r.Host = "elsewhere.test"; return r }, date},
		{"unknown algorithm", func() *http.Request {
			r := follow()
			r.Header.Set("Signature", strings.Replace(r.Header.Get("Signature"), `algorithm="hs2019"`, `algorithm="hmac-sha256"`, 1))
			return r
		}, date},
		{"signer is not the actor", func() *http.Request {
			return mallory.signedPost(t, "https://sink.test/inbox", map[string]any{
				"@context": asContextIRI, "id": "https://evil.test/f/1", "type": "Follow", "actor": aliceID,
				"object": "https://sink.test/users/sink"}, date)
		}, date},
		{"unknown key", func() *http.Request {
			k := &remoteKey{id: "https://evil.test/users/nobody", keyID: "https://evil.test/users/nobody#main-key", priv: mallory.priv}
			return k.signedPost(t, "https://sink.test/inbox", map[string]any{
				"@context": asContextIRI, "id": "https://evil.test/f/2", "type": "Follow", "actor": "https://evil.test/users/nobody",
				"object": "https://sink.test/users/sink"}, date)
		}, date},
	}
	before := n.snapshot()
	for _, c := range cases {
		n.clock.Set(c.clock)
		if w := n.do(c.req()); w.Code != http.StatusUnauthorized {
			t.Errorf("%s = %d %s, want 401", c.name, w.Code, w.Body)
		}
		if after := n.snapshot(); after != before {
			t.Fatalf("%s changed the store: %s → %s", c.name, before, after)
		}
	}
	// The untouched request still goes through.
	n.clock.Set(date)
	if w := n.do(follow()); w.Code != http.StatusAccepted {
		t.Fatalf("the real Follow = %d %s", w.Code, w.Body)
	}
}

// A key that changed (rotation) is fetched again once.
func TestRotatedKeyIsFetchedAgain(t *testing.T) {
	n := newTestNode(t, "https://market.test", time.Now(), nil)
	acc := n.account("mei", node.RoleOrganiser)
	n.stall(acc, "Flowers")
	old := newRemote(t, n.net, "https://remote.test/users/bo", "")
	act := func(id string) map[string]any {
		return map[string]any{"@context": asContextIRI, "id": "https://remote.test/a/" + id, "type": "Like",
			"actor": old.id, "object": "https://market.test/items/1"}
	}
	if w := n.do(old.signedPost(t, "https://market.test/inbox", act("1"), n.clock.Now())); w.Code != http.StatusAccepted {
		t.Fatalf("first = %d %s", w.Code, w.Body)
	}
	rotated := newRemote(t, n.net, "https://remote.test/users/bo#rotated", "") // a fresh key …
	rotated.id, rotated.keyID = old.id, old.keyID
	newRemoteDoc(t, n.net, old.id, rotated) // … now served as bo's
	if w := n.do(rotated.signedPost(t, "https://market.test/inbox", act("2"), n.clock.Now())); w.Code != http.StatusAccepted {
		t.Fatalf("after rotation = %d %s", w.Code, w.Body)
	}
}

// Signing: what Mastodon needs, and it verifies with our own check.
func TestSignedRequestsAreWhatMastodonExpects(t *testing.T) {
	n := newTestNode(t, "https://market.test", time.Now(), nil)
	body := []byte(`{"type":"Follow"}`)
	r, _ := http.NewRequest(http.MethodPost, "https://remote.test/inbox", bytes.NewReader(body))
	if err := n.f.sign(r.Context(), r, keyMarket, body); err != nil {
		t.Fatal(err)
	}
	sig := r.Header.Get("Signature")
	for _, want := range []string{`keyId="https://market.test/market#main-key"`, `algorithm="rsa-sha256"`, `headers="(request-target) host date digest"`} {
		if !strings.Contains(sig, want) {
			t.Errorf("Signature %s lacks %s", sig, want)
		}
	}
	if r.Header.Get("Host") != "remote.test" || !digestMatches(r.Header.Values("Digest"), body) {
		t.Errorf("Host %q Digest %q", r.Header.Get("Host"), r.Header.Get("Digest"))
	}
	g, _ := http.NewRequest(http.MethodGet, "https://remote.test/users/x?page=1", nil)
	if err := n.f.sign(g.Context(), g, keyInstance, nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(g.Header.Get("Signature"), `headers="(request-target) host date"`) || g.Header.Get("Digest") != "" {
		t.Errorf("GET signature %s digest %q", g.Header.Get("Signature"), g.Header.Get("Digest"))
	}
	// Our own verifier takes our signature (the market's key is ours, so
	// check with the public key directly).
	sr, err := n.f.checkRequest(r, body)
	if err != nil {
		t.Fatal(err)
	}
	k, _ := n.f.keys.get(r.Context(), keyMarket)
	if err := sr.v.Verify(&k.priv.PublicKey, "rsa-sha256"); err != nil {
		t.Fatalf("verify: %v", err)
	}
}
