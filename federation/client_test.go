package federation

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-fed/httpsig"
	"github.com/shiji-market/shiji/node"
)

func TestClientRefusesPrivateAddressesUnlessAllowed(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentTypeAS)
		w.Write([]byte(`{"id":"x"}`))
	}))
	defer srv.Close()
	guarded := newTestNode(t, "https://market.test", time.Now(), func(c *Config) { c.Transport = nil })
	ctx := context.Background()
	for _, u := range []string{srv.URL + "/a", "http://localhost:" + strings.Split(srv.URL, ":")[2] + "/a", "http://169.254.169.254/latest/meta-data",
		"http://10.0.0.1/inbox", "http://[::1]:1/x"} {
		if _, err := guarded.f.client.getJSON(ctx, u, "", ""); err == nil || !isSSRFRefusal(err) {
			t.Errorf("GET %s: %v, want a refusal", u, err)
		}
	}
	if _, err := guarded.f.client.post(ctx, srv.URL+"/inbox", []byte(`{}`), keyMarket); !isSSRFRefusal(err) {
		t.Errorf("POST to loopback: %v", err)
	}
	if !permanent(outcome{err: func() error { _, err := guarded.f.client.post(ctx, srv.URL, nil, keyMarket); return err }()}) {
		t.Error("a refused address should fail the delivery for good")
	}
	open := newTestNode(t, "https://market.test", time.Now(), func(c *Config) { c.Transport, c.AllowPrivate = nil, true })
	if m, err := open.f.client.getJSON(ctx, srv.URL+"/a", "", ""); err != nil || m["id"] != "x" {
		t.Fatalf("with AllowPrivate: %v %v", m, err)
	}
}

func TestClientCapsBodiesAndRedirectsAndResignsRedirects(t *testing.T) {
	n := newTestNode(t, "https://market.test", time.Now(), func(c *Config) { c.Transport, c.AllowPrivate = nil, true })
	var resigned error = errNotCalled
	mux := http.NewServeMux()
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"x":"` + strings.Repeat("a", maxBodyBytes) + `"}`))
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/here?x=1", http.StatusFound) })
	mux.HandleFunc("/here", func(w http.ResponseWriter, r *http.Request) {
		resigned = verifyWithKey(n, r, keyInstance)
		w.Write([]byte(`{"ok":true}`))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	ctx := context.Background()
	if _, err := n.f.client.getJSON(ctx, srv.URL+"/big", "", ""); node.ErrorCode(err) != node.ETOOLARGE {
		t.Errorf("big body: %v", err)
	}
	if _, err := n.f.client.getJSON(ctx, srv.URL+"/loop", "", ""); err == nil || !strings.Contains(err.Error(), "redirects") {
		t.Errorf("redirect loop: %v", err)
	}
	if _, err := n.f.client.getJSON(ctx, srv.URL+"/moved", "", keyInstance); err != nil || resigned != nil {
		t.Errorf("redirected signed GET: %v, signature at the new URL: %v", err, resigned)
	}
}

var errNotCalled = node.Errorf(node.EINTERNAL, "not called")

// verifyWithKey checks r's signature against the local actor's own key.
func verifyWithKey(n *testNode, r *http.Request, actor string) error {
	sr, err := n.f.checkRequest(r, nil)
	if err != nil {
		return err
	}
	k, err := n.f.keys.get(r.Context(), actor)
	if err != nil {
		return err
	}
	return sr.v.Verify(&k.priv.PublicKey, httpsig.RSA_SHA256)
}

// TestReadCapped: a body is read whole whatever size it claims, and one
// over the cap is ETOOLARGE.
func TestReadCapped(t *testing.T) {
	body := strings.Repeat("x", 3000)
	for _, size := range []int64{-1, 0, 10, 2999, 3000, 3001, 1 << 40} {
		got, err := readCapped(strings.NewReader(body), size)
		if err != nil || string(got) != body {
			t.Errorf("size %d: %d bytes, %v", size, len(got), err)
		}
	}
	big := strings.Repeat("y", maxBodyBytes+1)
	for _, size := range []int64{-1, maxBodyBytes, maxBodyBytes + 1} {
		if _, err := readCapped(strings.NewReader(big), size); node.ErrorCode(err) != node.ETOOLARGE {
			t.Errorf("size %d of a body over the cap: %v", size, err)
		}
	}
	if got, err := readCapped(strings.NewReader(big[:maxBodyBytes]), maxBodyBytes); err != nil || len(got) != maxBodyBytes {
		t.Errorf("a body at the cap: %d bytes, %v", len(got), err)
	}
}
