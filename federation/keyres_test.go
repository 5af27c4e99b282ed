package federation

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-fed/httpsig"
	"github.com/shiji-market/shiji/node"
)

// signWith builds a POST of body to url signed with priv under keyID; algo
// is what signs, label what the algorithm parameter says ("" leaves it out).
func signWith(t testing.TB, url string, body []byte, now time.Time, keyID string, priv crypto.PrivateKey, algo httpsig.Algorithm, label string) *http.Request {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	r.Header.Set("Content-Type", contentTypeAS)
	r.Header.Set("Date", now.UTC().Format(http.TimeFormat))
	r.Header.Set("Host", r.Host)
	s, _, err := httpsig.NewSigner([]httpsig.Algorithm{algo}, httpsig.DigestSha256,
		[]string{httpsig.RequestTarget, "host", "date", "digest"}, httpsig.Signature, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SignRequest(priv, keyID, r, body); err != nil {
		t.Fatal(err)
	}
	sig := r.Header.Get("Signature")
	if label == "" {
		sig = strings.Replace(sig, `algorithm="hs2019",`, "", 1)
	} else {
		sig = strings.Replace(sig, `algorithm="hs2019"`, `algorithm="`+label+`"`, 1)
	}
	r.Header.Set("Signature", sig)
	r.Header.Del("Host")
	return r
}

func pemOf(t testing.TB, pub crypto.PublicKey) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// multikeyOf writes an Ed25519 public key as an FEP-521a publicKeyMultibase.
func multikeyOf(pub ed25519.PublicKey) string {
	return "z" + base58Encode(append([]byte{0xed, 0x01}, pub...))
}

func base58Encode(b []byte) string {
	var out []byte
	n := append([]byte(nil), b...)
	for len(n) > 0 {
		rem := 0
		var q []byte
		for _, d := range n {
			acc := rem*256 + int(d)
			if len(q) > 0 || acc/58 > 0 {
				q = append(q, byte(acc/58))
			}
			rem = acc % 58
		}
		out = append([]byte{base58Alphabet[rem]}, out...)
		n = q
	}
	for _, d := range b {
		if d != 0 {
			break
		}
		out = append([]byte{'1'}, out...)
	}
	return string(out)
}

// The FEP-521a test vectors decode to the keys they name.
func TestMultikeyTestVectors(t *testing.T) {
	var v struct{ PublicKeyMultibase string }
	b, err := os.ReadFile(filepath.Join(sharedFixtures(t), "fep", "16-multikey-ed25519-testvector.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	pub, kind, err := decodeMultikey(v.PublicKeyMultibase)
	if err != nil || kind != kindEd25519 {
		t.Fatalf("ed25519 vector: %v %s", err, kind)
	}
	if got := hex.EncodeToString(pub.(ed25519.PublicKey)); got != "2e6fcce36701dc791488e0d0b1745cc1e33a4c1c9fcc41c63bd343dbbe0970e6" {
		t.Errorf("ed25519 vector = %s", got)
	}
	b, _ = os.ReadFile(filepath.Join(sharedFixtures(t), "fep", "17-multikey-rsa-testvector.json"))
	json.Unmarshal(b, &v)
	if _, kind, err := decodeMultikey(v.PublicKeyMultibase); err != nil || kind != kindRSA {
		t.Errorf("rsa vector: %v %s", err, kind)
	}
	for _, bad := range []string{"", "m6Mk", "z0OIl", "z" + base58Encode([]byte{0xed, 0x01, 1, 2})} {
		if _, _, err := decodeMultikey(bad); err == nil {
			t.Errorf("%q decoded", bad)
		}
	}
	pk, _, _ := ed25519.GenerateKey(rand.Reader)
	if got, _, err := decodeMultikey(multikeyOf(pk)); err != nil || !pk.Equal(got) {
		t.Errorf("round trip: %v", err)
	}
}

// Every key shape in the wild verifies, and the owner must be the actor on
// the key's host; a key that stops verifying is fetched again at most once a
// minute.
func TestKeyShapes(t *testing.T) {
	n := newTestNode(t, "https://market.test", time.Now(), nil)
	acc := n.account("mei", node.RoleOrganiser)
	n.stall(acc, "Flowers")
	rsaKey, rsaKey2 := testKey(t), testKey(t)
	edPub, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	actor := func(id string, extra map[string]any) []byte {
		m := map[string]any{"@context": []any{asContextIRI, securityV1IRI}, "id": id, "type": "Person",
			"preferredUsername": id[strings.LastIndex(id, "/")+1:], "inbox": id + "/inbox"}
		for k, v := range extra {
			m[k] = v
		}
		return mustJSON(m)
	}
	pk := func(id, owner string, pub crypto.PublicKey) map[string]any {
		return map[string]any{"id": id, "owner": owner, "publicKeyPem": pemOf(t, pub)}
	}
	seq := 0
	like := func(actorID string) []byte {
		seq++
		return mustJSON(map[string]any{"@context": asContextIRI, "id": actorID + "/likes/" + itoa(int64(seq)), "type": "Like",
			"actor": actorID, "object": "https://market.test/items/1"})
	}
	now := n.clock.Now()
	post := func(actorID, keyID string, priv crypto.PrivateKey, algo httpsig.Algorithm, label string) int {
		return n.do(signWith(t, "https://market.test/inbox", like(actorID), now, keyID, priv, algo, label)).Code
	}

	// Mastodon: a fragment of the actor.
	a1 := "https://masto.test/users/a1"
	n.net.serve(a1, actor(a1, map[string]any{"publicKey": pk(a1+"#main-key", a1, &rsaKey.PublicKey)}))
	// GoToSocial: a key document that is a minimal Person without an inbox.
	a2 := "https://gts.test/users/a2"
	n.net.serve(a2, actor(a2, map[string]any{"publicKey": pk(a2+"/main-key", a2, &rsaKey.PublicKey)}))
	n.net.serve(a2+"/main-key", mustJSON(map[string]any{"@context": []any{securityV1IRI, asContextIRI}, "id": a2, "type": "Person",
		"preferredUsername": "a2", "publicKey": pk(a2+"/main-key", a2, &rsaKey.PublicKey)}))
	// An older server: a bare Key with owner.
	a3 := "https://old.test/users/a3"
	n.net.serve(a3, actor(a3, map[string]any{"publicKey": pk(a3+"/key", a3, &rsaKey.PublicKey)}))
	n.net.serve(a3+"/key", mustJSON(map[string]any{"@context": securityV1IRI, "id": a3 + "/key", "type": "Key", "owner": a3,
		"publicKeyPem": pemOf(t, &rsaKey.PublicKey)}))
	// Several keys: publicKey as an array, and FEP-521a assertionMethod.
	a4 := "https://multi.test/users/a4"
	n.net.serve(a4, actor(a4, map[string]any{
		"publicKey": []any{pk(a4+"#main-key", a4, &rsaKey.PublicKey), pk(a4+"#second", a4, &rsaKey2.PublicKey),
			pk(a4+"#stolen", "https://multi.test/users/other", &rsaKey2.PublicKey)},
		"assertionMethod": []any{map[string]any{"id": a4 + "#ed25519-key", "type": "Multikey", "controller": a4,
			"publicKeyMultibase": multikeyOf(edPub)}},
	}))
	// An Ed25519 key as a bare Multikey document of its own.
	a5 := "https://mitra.test/users/a5"
	n.net.serve(a5, actor(a5, map[string]any{"assertionMethod": map[string]any{"id": a5 + "/ed25519-key", "type": "Multikey",
		"controller": a5, "publicKeyMultibase": multikeyOf(edPub)}}))
	n.net.serve(a5+"/ed25519-key", mustJSON(map[string]any{"id": a5 + "/ed25519-key", "type": "Multikey", "controller": a5,
		"publicKeyMultibase": multikeyOf(edPub)}))
	// A key document naming an owner on another host.
	a6 := "https://liar.test/users/a6"
	n.net.serve(a6+"/main-key", mustJSON(map[string]any{"id": a6 + "/main-key", "type": "Key", "owner": a1,
		"publicKeyPem": pemOf(t, &rsaKey.PublicKey)}))

	for _, c := range []struct {
		name, actor, key string
		priv             crypto.PrivateKey
		algo             httpsig.Algorithm
		label            string
		want             int
	}{
		{"fragment, rsa-sha256", a1, a1 + "#main-key", rsaKey, httpsig.RSA_SHA256, "rsa-sha256", 202},
		{"fragment, rsa-sha512", a1, a1 + "#main-key", rsaKey, httpsig.RSA_SHA512, "rsa-sha512", 202},
		{"fragment, hs2019 over SHA-512", a1, a1 + "#main-key", rsaKey, httpsig.RSA_SHA512, "hs2019", 202},
		{"fragment, no algorithm", a1, a1 + "#main-key", rsaKey, httpsig.RSA_SHA256, "", 202},
		{"GoToSocial key document", a2, a2 + "/main-key", rsaKey, httpsig.RSA_SHA256, "hs2019", 202},
		{"bare Key with owner", a3, a3 + "/key", rsaKey, httpsig.RSA_SHA256, "rsa-sha256", 202},
		{"publicKey array, second key", a4, a4 + "#second", rsaKey2, httpsig.RSA_SHA256, "rsa-sha256", 202},
		{"assertionMethod Ed25519, ed25519", a4, a4 + "#ed25519-key", edPriv, httpsig.ED25519, "ed25519", 202},
		{"assertionMethod Ed25519, hs2019", a4, a4 + "#ed25519-key", edPriv, httpsig.ED25519, "hs2019", 202},
		{"Multikey document", a5, a5 + "/ed25519-key", edPriv, httpsig.ED25519, "hs2019", 202},
		{"Ed25519 key labelled rsa-sha256", a4, a4 + "#ed25519-key", edPriv, httpsig.ED25519, "rsa-sha256", 401},
		{"a key another actor claims", a4, a4 + "#stolen", rsaKey2, httpsig.RSA_SHA256, "rsa-sha256", 401},
		{"the wrong key", a4, a4 + "#second", rsaKey, httpsig.RSA_SHA256, "rsa-sha256", 401},
		{"owner on another host", a6, a6 + "/main-key", rsaKey, httpsig.RSA_SHA256, "rsa-sha256", 401},
		{"signer is not the actor", a1, a2 + "/main-key", rsaKey, httpsig.RSA_SHA256, "hs2019", 401},
	} {
		if got := post(c.actor, c.key, c.priv, c.algo, c.label); got != c.want {
			t.Errorf("%s = %d, want %d", c.name, got, c.want)
		}
	}
	if got := n.count(`SELECT count(*) FROM ap_actor_keys WHERE actor = ?`, a4); got != 3 {
		t.Errorf("a4 holds %d keys, want 3 (the stolen one is not hers)", got)
	}

	// Rotation: a1's key changes; the first failure refetches, and within a
	// minute a forged signature does not make us fetch again.
	rotated := testKey(t)
	n.net.serve(a1, actor(a1, map[string]any{"publicKey": pk(a1+"#main-key", a1, &rotated.PublicKey)}))
	gets := func() int { return n.net.getCount(a1) }
	before := gets()
	if got := post(a1, a1+"#main-key", rotated, httpsig.RSA_SHA256, "rsa-sha256"); got != 202 {
		t.Fatalf("after rotation = %d", got)
	}
	if gets() != before+1 {
		t.Fatalf("rotation fetched %d times", gets()-before)
	}
	for i := 0; i < 3; i++ {
		if got := post(a1, a1+"#main-key", rsaKey, httpsig.RSA_SHA256, "rsa-sha256"); got != 401 {
			t.Fatalf("old key after rotation = %d", got)
		}
	}
	if gets() != before+1 {
		t.Errorf("forged signatures fetched the key %d more times within a minute", gets()-before-1)
	}
}
