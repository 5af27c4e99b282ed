package main

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-fed/httpsig"
)

// gtsLike is a small fake server that behaves as GoToSocial does toward
// shiji (its keyIds are key documents of their own, …/main-key, served as a
// minimal Person without an inbox; it signs hs2019) and hosts one account
// whose only key is an FEP-521a Ed25519 Multikey (as Mitra and newer
// servers publish), which signs with Ed25519. shiji is the real thing under
// test; this server only serves documents, signs, and keeps what it is sent.
type gtsLike struct {
	t     *testing.T
	srv   *httptest.Server
	rsa   *rsa.PrivateKey
	ed    ed25519.PrivateKey
	mu    sync.Mutex
	inbox []map[string]any // activities POSTed to it
	bad   []string         // POSTs whose signature did not verify
	notes map[string][]byte
}

func newGTSLike(t *testing.T) *gtsLike {
	g := &gtsLike{t: t, notes: map[string][]byte{}}
	var err error
	if g.rsa, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		t.Fatal(err)
	}
	_, g.ed, _ = ed25519.GenerateKey(rand.Reader)
	g.srv = httptest.NewServer(http.HandlerFunc(g.serve))
	t.Cleanup(g.srv.Close)
	return g
}

func (g *gtsLike) url(p string) string { return g.srv.URL + p }
func (g *gtsLike) alice() string       { return g.url("/users/alice") }
func (g *gtsLike) mika() string        { return g.url("/users/mika") }

func (g *gtsLike) serve(w http.ResponseWriter, r *http.Request) {
	pemOf := func(pub crypto.PublicKey) string {
		der, _ := x509.MarshalPKIXPublicKey(pub)
		return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	}
	aliceKey := map[string]any{"id": g.alice() + "/main-key", "owner": g.alice(), "publicKeyPem": pemOf(&g.rsa.PublicKey)}
	write := func(v any) {
		w.Header().Set("Content-Type", "application/activity+json")
		json.NewEncoder(w).Encode(v)
	}
	switch {
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/inbox"):
		body, _ := io.ReadAll(r.Body)
		var m map[string]any
		json.Unmarshal(body, &m)
		err := verifyFromShiji(r)
		g.mu.Lock()
		if err != nil {
			g.bad = append(g.bad, fmt.Sprint(m["type"], ": ", err))
		}
		g.inbox = append(g.inbox, m)
		g.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	case r.URL.Path == "/.well-known/webfinger":
		w.Header().Set("Content-Type", "application/jrd+json")
		json.NewEncoder(w).Encode(map[string]any{"subject": r.URL.Query().Get("resource"),
			"links": []any{map[string]any{"rel": "self", "type": "application/activity+json", "href": g.alice()}}})
	case r.URL.Path == "/users/alice":
		write(map[string]any{"@context": []any{"https://w3id.org/security/v1", "https://www.w3.org/ns/activitystreams"},
			"id": g.alice(), "type": "Person", "preferredUsername": "alice", "name": "Alice", "inbox": g.alice() + "/inbox",
			"outbox": g.alice() + "/outbox", "endpoints": map[string]any{"sharedInbox": g.url("/inbox")}, "publicKey": aliceKey})
	case r.URL.Path == "/users/alice/main-key": // GoToSocial's key document: a minimal Person, no inbox
		write(map[string]any{"@context": []any{"https://w3id.org/security/v1", "https://www.w3.org/ns/activitystreams"},
			"id": g.alice(), "type": "Person", "preferredUsername": "alice", "publicKey": aliceKey})
	case r.URL.Path == "/users/mika":
		pub := g.ed.Public().(ed25519.PublicKey)
		write(map[string]any{"@context": []any{"https://www.w3.org/ns/activitystreams", "https://www.w3.org/ns/cid/v1"},
			"id": g.mika(), "type": "Person", "preferredUsername": "mika", "inbox": g.mika() + "/inbox",
			"assertionMethod": []any{map[string]any{"id": g.mika() + "#ed25519-key", "type": "Multikey", "controller": g.mika(),
				"publicKeyMultibase": "z" + base58(append([]byte{0xed, 0x01}, pub...))}}})
	case r.URL.Path == "/users/alice/outbox":
		write(map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": g.alice() + "/outbox", "type": "OrderedCollection",
			"totalItems": 0, "orderedItems": []any{}})
	default:
		g.mu.Lock()
		b, ok := g.notes[r.URL.Path]
		g.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/activity+json")
		w.Write(b)
	}
}

// verifyFromShiji checks a delivery's signature as a receiving server does:
// the keyId's document fetched, its publicKeyPem, RSA-SHA256.
func verifyFromShiji(r *http.Request) error {
	r.Header.Set("Host", r.Host)
	v, err := httpsig.NewVerifier(r)
	if err != nil {
		return err
	}
	req, _ := http.NewRequest(http.MethodGet, strings.Split(v.KeyId(), "#")[0], nil)
	req.Header.Set("Accept", "application/activity+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var doc struct {
		PublicKey struct{ PublicKeyPem string } `json:"publicKey"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		return err
	}
	b, _ := pem.Decode([]byte(doc.PublicKey.PublicKeyPem))
	if b == nil {
		return fmt.Errorf("no key at %s", v.KeyId())
	}
	pub, err := x509.ParsePKIXPublicKey(b.Bytes)
	if err != nil {
		return err
	}
	return v.Verify(pub, httpsig.RSA_SHA256)
}

// send POSTs an activity to inbox, signed as GoToSocial signs (hs2019 over
// (request-target) host date digest): alice with RSA and her key document,
// mika with Ed25519 and her Multikey.
func (g *gtsLike) send(inbox, as string, activity map[string]any) int {
	g.t.Helper()
	body, _ := json.Marshal(activity)
	r, _ := http.NewRequest(http.MethodPost, inbox, bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/activity+json")
	r.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	r.Header.Set("Host", r.URL.Host)
	algo, key, keyID := httpsig.RSA_SHA256, crypto.PrivateKey(g.rsa), g.alice()+"/main-key"
	if as == "mika" {
		algo, key, keyID = httpsig.ED25519, g.ed, g.mika()+"#ed25519-key"
	}
	if as == "forger" { // mika's keyId, someone else's Ed25519 key
		_, forged, _ := ed25519.GenerateKey(rand.Reader)
		algo, key, keyID = httpsig.ED25519, forged, g.mika()+"#ed25519-key"
	}
	s, _, err := httpsig.NewSigner([]httpsig.Algorithm{algo}, httpsig.DigestSha256, []string{httpsig.RequestTarget, "host", "date", "digest"}, httpsig.Signature, 0)
	if err != nil {
		g.t.Fatal(err)
	}
	if err := s.SignRequest(key, keyID, r, body); err != nil {
		g.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		g.t.Fatal(err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// received returns the activities of type typ the fake server was sent.
func (g *gtsLike) received(typ string) []map[string]any {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []map[string]any
	for _, m := range g.inbox {
		if m["type"] == typ {
			out = append(out, m)
		}
	}
	return out
}

func base58(b []byte) string {
	const alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
	n := new(big.Int).SetBytes(b)
	var out []byte
	mod, radix := new(big.Int), big.NewInt(58)
	for n.Sign() > 0 {
		n.DivMod(n, radix, mod)
		out = append([]byte{alphabet[mod.Int64()]}, out...)
	}
	for _, c := range b {
		if c != 0 {
			break
		}
		out = append([]byte{'1'}, out...)
	}
	return string(out)
}

// A shiji node federates with a server whose keys are GoToSocial-style key
// documents and Ed25519 Multikeys: its people follow a stall, get the item,
// ask about it, like it and write privately; a resident follows one of
// them back and reads her posts.
func TestFederatesWithGoToSocialStyleAndEd25519Keys(t *testing.T) {
	g := newGTSLike(t)
	a := newFedNode(t, "mei:organiser", "wang:stallholder", "ajie:resident")
	if r := a.call("POST", "/api/v1/alleys", "mei", `{"slug":"vintage","name":{"en":"Vintage"}}`); r.Status != 201 {
		t.Fatalf("alley: %d %s", r.Status, r.Body)
	}
	r := a.call("POST", "/api/v1/stalls", "wang", `{"name":"Old Wang's Bicycles","story":"Since 1988.","alley":"vintage"}`)
	if r.Status != 201 {
		t.Fatalf("stall: %d %s", r.Status, r.Body)
	}
	stall := fmt.Sprintf("%s/stalls/%d", a.n.URL, int(r.JSON(t)["id"].(float64)))
	inbox := a.n.URL + "/inbox"

	// alice (key document, RSA) follows the stall: accepted.
	if s := g.send(inbox, "alice", map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": g.url("/follows/1"),
		"type": "Follow", "actor": g.alice(), "object": stall}); s != http.StatusAccepted {
		t.Fatalf("alice's Follow = %d", s)
	}
	waitForIn(t, 15*time.Second, "the Accept at the fake server", func() bool { return len(g.received("Accept")) == 1 })

	// wang lists an item: alice's server gets it as Mastodon and GoToSocial
	// read it (no name, the Proposal out of attachment).
	r = a.call("POST", "/api/v1"+strings.TrimPrefix(stall, a.n.URL)+"/items", "wang",
		`{"title":"Phoenix bell","story":"From my father's bicycle.","price":{"amount":"12.50","currency":"CNY"},"quantity":1,"tags":["vintage"]}`)
	if r.Status != 201 {
		t.Fatalf("item = %d %s", r.Status, r.Body)
	}
	item := fmt.Sprintf("%s/items/%d", a.n.URL, int(r.JSON(t)["id"].(float64)))
	waitForIn(t, 20*time.Second, "the Create at the fake server", func() bool { return len(g.received("Create")) == 1 })
	note := g.received("Create")[0]["object"].(map[string]any)
	if note["id"] != item || note["name"] != nil || note["proposal"] == nil || !strings.Contains(note["content"].(string), "Phoenix bell") {
		t.Fatalf("the item's Note = %v", note)
	}
	for _, a := range note["attachment"].([]any) {
		if typ := a.(map[string]any)["type"]; typ != "Image" && typ != "Document" {
			t.Fatalf("attachment %v", a)
		}
	}

	// alice asks about it (RSA, key document); mika likes it and writes to
	// the stall privately (Ed25519 only).
	if s := g.send(inbox, "alice", map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": g.url("/statuses/1/activity"),
		"type": "Create", "actor": g.alice(), "to": []any{"https://www.w3.org/ns/activitystreams#Public"}, "cc": []any{stall},
		"object": map[string]any{"id": g.url("/statuses/1"), "type": "Note", "attributedTo": g.alice(), "inReplyTo": item,
			"to": []any{"https://www.w3.org/ns/activitystreams#Public"}, "cc": []any{stall}, "content": "<p>Does it still ring?</p>"}}); s != 202 {
		t.Fatalf("alice's question = %d", s)
	}
	if s := g.send(inbox, "mika", map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": g.url("/likes/1"),
		"type": "Like", "actor": g.mika(), "object": item}); s != 202 {
		t.Fatalf("mika's Like (Ed25519) = %d", s)
	}
	if s := g.send(inbox, "mika", map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": g.url("/statuses/2/activity"),
		"type": "Create", "actor": g.mika(), "to": []any{stall}, "object": map[string]any{"id": g.url("/statuses/2"), "type": "Note",
			"attributedTo": g.mika(), "to": []any{stall}, "content": "<p>Would you hold it until Saturday?</p>"}}); s != 202 {
		t.Fatalf("mika's private message (Ed25519) = %d", s)
	}
	// A forged Ed25519 signature is refused.
	if s := g.send(inbox, "forger", map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": g.url("/likes/2"),
		"type": "Like", "actor": g.mika(), "object": item}); s != http.StatusUnauthorized {
		t.Fatalf("a forged Ed25519 signature = %d", s)
	}
	itemPath := strings.TrimPrefix(item, a.n.URL)
	thread := a.call("GET", "/api/v1"+itemPath+"/thread", "", "").JSON(t)["messages"].([]any)
	if len(thread) != 1 || !strings.Contains(fmt.Sprint(thread[0]), "Does it still ring?") {
		t.Fatalf("thread = %v", thread)
	}
	if fv := a.call("GET", "/api/v1"+itemPath, "", "").JSON(t)["fediverse"].(map[string]any); fv["likes"] != 1.0 {
		t.Fatalf("likes = %v", fv)
	}
	convs := a.call("GET", "/api/v1/conversations", "wang", "").JSON(t)["conversations"].([]any)
	if len(convs) != 1 || convs[0].(map[string]any)["kind"] != "private" {
		t.Fatalf("wang's conversations = %v", convs)
	}
	msgs := a.call("GET", fmt.Sprintf("/api/v1/conversations/%d/messages", int(convs[0].(map[string]any)["id"].(float64))), "wang", "")
	if !strings.Contains(msgs.Body, "hold it until Saturday") || !strings.Contains(msgs.Body, "mika@") {
		t.Fatalf("the private chat = %s", msgs.Body)
	}

	// alice's server reports the item (a Flag from its instance actor is the
	// usual; alice's own is as good here): it waits for the moderators, with
	// the server's name.
	if s := g.send(inbox, "alice", map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": g.url("/reports/1"),
		"type": "Flag", "actor": g.alice(), "object": []any{stall, item}, "content": "Looks stolen."}); s != 202 {
		t.Fatalf("the Flag = %d", s)
	}
	reports := a.call("GET", "/api/v1/reports/remote", "mei", "").JSON(t)["reports"].([]any)
	if len(reports) != 1 || reports[0].(map[string]any)["server"] != strings.TrimPrefix(g.srv.URL, "http://") ||
		reports[0].(map[string]any)["reason"] != "Looks stolen." {
		t.Fatalf("reports from other servers = %v", reports)
	}
	if r := a.call("GET", "/api/v1/reports/remote", "ajie", ""); r.Status != http.StatusForbidden {
		t.Fatalf("a resident reads reports: %d", r.Status)
	}

	// ajie follows alice back: the Follow reaches the fake server, alice's
	// Accept (RSA, key document) and her public post reach ajie.
	acct := "alice@" + strings.TrimPrefix(g.srv.URL, "http://")
	if r := a.call("POST", "/api/v1/follows", "ajie", fmt.Sprintf(`{"acct":%q}`, acct)); r.Status != 201 {
		t.Fatalf("follow alice = %d %s", r.Status, r.Body)
	}
	waitForIn(t, 15*time.Second, "ajie's Follow at the fake server", func() bool { return len(g.received("Follow")) == 1 })
	fl := g.received("Follow")[0]
	if s := g.send(inbox, "alice", map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": g.url("/accepts/1"),
		"type": "Accept", "actor": g.alice(), "object": fl}); s != 202 {
		t.Fatalf("alice's Accept = %d", s)
	}
	if s := g.send(inbox, "alice", map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": g.url("/statuses/3/activity"),
		"type": "Create", "actor": g.alice(), "to": []any{"https://www.w3.org/ns/activitystreams#Public"},
		"object": map[string]any{"id": g.url("/statuses/3"), "type": "Note", "attributedTo": g.alice(),
			"to": []any{"https://www.w3.org/ns/activitystreams#Public"}, "content": "<p>Tea set for swap.</p>"}}); s != 202 {
		t.Fatalf("alice's post = %d", s)
	}
	waitForIn(t, 10*time.Second, "alice's post in ajie's timeline", func() bool {
		_, items := a.timeline("ajie")
		return len(items) == 1 && strings.Contains(items[0].(map[string]any)["content"].(string), "Tea set")
	})
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.bad) > 0 || len(g.inbox) < 3 {
		t.Fatalf("%d deliveries, signatures that did not verify: %v", len(g.inbox), g.bad)
	}
}
