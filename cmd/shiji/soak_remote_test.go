package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// soakRemote is one server elsewhere on loopback: it serves an actor
// (alice, with a key, for signed activities sent to the node) and takes
// deliveries at /users/NAME/inbox, recording each activity's id per inbox.
type soakRemote struct {
	srv   *httptest.Server
	key   *rsa.PrivateKey
	actor string

	mu       sync.Mutex
	received map[string]map[string]int // "Type object-id" → inbox → times
}

func newSoakRemote(tb testing.TB) *soakRemote {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		tb.Fatal(err)
	}
	r := &soakRemote{key: key, received: map[string]map[string]int{}}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	tb.Cleanup(r.srv.Close)
	r.actor = r.srv.URL + "/users/alice"
	return r
}

func (r *soakRemote) serve(w http.ResponseWriter, req *http.Request) {
	switch {
	case req.Method == http.MethodGet && req.URL.Path == "/users/alice":
		der, _ := x509.MarshalPKIXPublicKey(&r.key.PublicKey)
		w.Header().Set("Content-Type", "application/activity+json")
		json.NewEncoder(w).Encode(map[string]any{
			"@context": []any{"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"},
			"id":       r.actor, "type": "Person", "preferredUsername": "alice", "name": "Alice elsewhere",
			"inbox": r.actor + "/inbox", "outbox": r.actor + "/outbox",
			"publicKey": map[string]any{"id": r.actor + "#main-key", "owner": r.actor,
				"publicKeyPem": string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))},
		})
	case req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/inbox"):
		body, _ := io.ReadAll(io.LimitReader(req.Body, 1<<20))
		var a struct {
			Type   string
			Object json.RawMessage
		}
		json.Unmarshal(body, &a)
		var obj struct{ ID string }
		if json.Unmarshal(a.Object, &obj) != nil || obj.ID == "" {
			json.Unmarshal(a.Object, &obj.ID)
		}
		key := a.Type + " " + obj.ID
		inbox := r.srv.URL + req.URL.Path
		r.mu.Lock()
		if r.received[key] == nil {
			r.received[key] = map[string]int{}
		}
		r.received[key][inbox]++
		r.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	default:
		http.NotFound(w, req)
	}
}

// got reports how many of inboxes have had key ("Create URL-of-the-note"),
// and how many times one came more than once.
func (r *soakRemote) got(id string, inboxes []string) (n, twice int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, in := range inboxes {
		if c := r.received[id][in]; c > 0 {
			n++
			twice += c - 1
		}
	}
	return n, twice
}

// post sends activity to url signed by alice as Mastodon signs
// (draft-cavage, rsa-sha256, (request-target) host date digest).
func (r *soakRemote) post(ctx context.Context, hc *http.Client, url string, activity map[string]any) (int, error) {
	body, err := json.Marshal(activity)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	sum := sha256.Sum256(body)
	digest := "SHA-256=" + base64.StdEncoding.EncodeToString(sum[:])
	date := time.Now().UTC().Format(http.TimeFormat)
	signing := fmt.Sprintf("(request-target): post %s\nhost: %s\ndate: %s\ndigest: %s", req.URL.RequestURI(), req.URL.Host, date, digest)
	h := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, r.key, crypto.SHA256, h[:])
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/activity+json")
	req.Header.Set("Date", date)
	req.Header.Set("Digest", digest)
	req.Header.Set("Signature", fmt.Sprintf(`keyId="%s#main-key",algorithm="rsa-sha256",headers="(request-target) host date digest",signature="%s"`,
		r.actor, base64.StdEncoding.EncodeToString(sig)))
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return resp.StatusCode, nil
}
