package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shiji-market/shiji/internal/freshdb"
)

// selfSigned writes a self-signed ECDSA certificate for 127.0.0.1 to certFile
// and its key to keyFile, and returns the certificate.
func selfSigned(t *testing.T, certFile, keyFile string, serial int64, name string) *x509.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(serial),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, certFile, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	writeFile(t, keyFile, string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})))
	return cert
}

// servedCert opens a new TLS connection to addr and returns the certificate
// the node presents.
func servedCert(t *testing.T, addr string, roots *x509.CertPool) *x509.Certificate {
	t.Helper()
	conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: roots})
	if err != nil {
		t.Fatalf("TLS handshake with %s: %v", addr, err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0]
}

func TestTLSServesHTTPSAndReloadsTheCertificate(t *testing.T) {
	dir := freshdb.Dir(t)
	certFile, keyFile := filepath.Join(dir, "tls", "fullchain.pem"), filepath.Join(dir, "tls", "privkey.pem")
	first := selfSigned(t, certFile, keyFile, 1, "first")
	if _, errOut, err := runCmd(t, "a long secret phrase\n", "user", "add", "mei", "--role", "organiser", "--data", dir); err != nil {
		t.Fatalf("user add: %v %s", err, errOut)
	}
	n := startNode(t, dir, "--tls-cert", certFile, "--tls-key", keyFile)
	if !strings.HasPrefix(n.URL, "https://127.0.0.1:") {
		t.Fatalf("listening on %s, want https://127.0.0.1:PORT", n.URL)
	}
	mustContain(t, "stdout", n.Stdout.String(), "public URL "+n.URL)
	host := strings.TrimPrefix(n.URL, "https://")

	roots := x509.NewCertPool()
	roots.AddCert(first)
	c := newClient(t, n.URL)
	c.hc.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}, ForceAttemptHTTP2: true}

	// Pages and NodeInfo over HTTPS, HTTP/2 offered.
	r := c.get("/")
	if r.Status != 200 {
		t.Fatalf("GET / = %d", r.Status)
	}
	if !strings.HasPrefix(r.Header.Get("Strict-Transport-Security"), "max-age=") {
		t.Errorf("no HSTS on an https node: %q", r.Header.Get("Strict-Transport-Security"))
	}
	resp, err := c.hc.Get(n.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.ProtoMajor != 2 || resp.TLS == nil || resp.TLS.Version < tls.VersionTLS12 {
		t.Errorf("GET /healthz: %s over TLS %v, want HTTP/2 over TLS 1.2+", resp.Proto, resp.TLS != nil)
	}
	r = c.get("/.well-known/nodeinfo")
	if r.Status != 200 {
		t.Fatalf("GET /.well-known/nodeinfo = %d %s", r.Status, r.Body)
	}
	mustContain(t, "nodeinfo links", r.Body, `"href":"`+n.URL+`/nodeinfo/2.1"`)

	// ActivityPub ids use the https base URL.
	r = c.get("/.well-known/webfinger?resource=" + url.QueryEscape("acct:market@"+host))
	if r.Status != 200 {
		t.Fatalf("WebFinger = %d %s", r.Status, r.Body)
	}
	var self string
	for _, l := range r.JSON(t)["links"].([]any) {
		if l := l.(map[string]any); l["rel"] == "self" {
			self, _ = l["href"].(string)
		}
	}
	if !strings.HasPrefix(self, n.URL+"/") && self != n.URL {
		t.Fatalf("WebFinger self = %q, want it under %s", self, n.URL)
	}
	actor := c.get(strings.TrimPrefix(self, n.URL), "Accept", asAccept)
	if actor.Status != 200 {
		t.Fatalf("GET actor %s = %d %s", self, actor.Status, actor.Body)
	}
	a := actor.JSON(t)
	if a["id"] != self || !strings.HasPrefix(a["inbox"].(string), n.URL+"/") {
		t.Fatalf("actor id %v inbox %v, want them under %s", a["id"], a["inbox"], n.URL)
	}

	// Cookies are Secure: the CSRF cookie of the log-in page, the session.
	r = c.get("/login")
	if ck := cookieNamed(r.Header, "shiji_csrf"); !strings.Contains(ck, "; Secure") {
		t.Errorf("CSRF cookie without Secure: %q", ck)
	}
	r = c.postForm("/login", "/login", url.Values{"name": {"mei"}, "password": {"a long secret phrase"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("log in = %d %s", r.Status, r.Body)
	}
	if ck := cookieNamed(r.Header, "shiji_session"); !strings.Contains(ck, "; Secure") || !strings.Contains(ck, "HttpOnly") {
		t.Errorf("session cookie: %q, want Secure and HttpOnly", ck)
	}

	// Plain HTTP on the TLS port gets Go's 400, not a page.
	resp, err = http.Get("http://" + host + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || strings.Contains(string(b), "<html") {
		t.Fatalf("plain HTTP = %d %.200s", resp.StatusCode, b)
	}

	// Renewal: new files in place, and the next handshake presents them.
	if got := servedCert(t, host, roots); got.SerialNumber.Int64() != 1 {
		t.Fatalf("serving serial %v, want 1", got.SerialNumber)
	}
	second := selfSigned(t, certFile, keyFile, 2, "second")
	later := time.Now().Add(2 * time.Second)
	for _, f := range []string{certFile, keyFile} {
		if err := os.Chtimes(f, later, later); err != nil {
			t.Fatal(err)
		}
	}
	roots.AddCert(second)
	if got := servedCert(t, host, roots); got.SerialNumber.Int64() != 2 || got.Subject.CommonName != "second" {
		t.Fatalf("after renewal: serving %v %q, want serial 2 \"second\"", got.SerialNumber, got.Subject.CommonName)
	}
	mustContain(t, "log", n.Stderr.String(), "TLS certificate reloaded")

	// A broken renewal is logged and the last good certificate stays.
	writeFile(t, certFile, "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n")
	if got := servedCert(t, host, roots); got.SerialNumber.Int64() != 2 {
		t.Fatalf("after a broken renewal: serving serial %v, want 2", got.SerialNumber)
	}
	mustContain(t, "log", n.Stderr.String(), "TLS certificate not reloaded", certFile)
	if r := c.get("/healthz"); r.Status != 200 {
		t.Fatalf("/healthz after a broken renewal = %d", r.Status)
	}
}

// cookieNamed returns the Set-Cookie header that sets name, or "".
func cookieNamed(h http.Header, name string) string {
	for _, ck := range h.Values("Set-Cookie") {
		if strings.HasPrefix(ck, name+"=") {
			return ck
		}
	}
	return ""
}

func TestTLSBadFlagsAndFilesStopServe(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	selfSigned(t, certFile, keyFile, 1, "good")
	otherCert, otherKey := filepath.Join(dir, "other-cert.pem"), filepath.Join(dir, "other-key.pem")
	selfSigned(t, otherCert, otherKey, 2, "other")
	garbage := filepath.Join(dir, "garbage.pem")
	writeFile(t, garbage, "this is not PEM\n")
	missing := filepath.Join(dir, "no-such-cert.pem")

	for _, tc := range []struct {
		name  string
		args  []string
		env   map[string]string
		wants []string // in the error
	}{
		{"only --tls-cert", []string{"--tls-cert", certFile}, nil, []string{"--tls-key"}},
		{"only --tls-key", []string{"--tls-key", keyFile}, nil, []string{"--tls-cert"}},
		{"only SHIJI_TLS_CERT", nil, map[string]string{"SHIJI_TLS_CERT": certFile}, []string{"--tls-key"}},
		{"missing certificate", []string{"--tls-cert", missing, "--tls-key", keyFile}, nil, []string{missing}},
		{"missing key", []string{"--tls-cert", certFile, "--tls-key", missing}, nil, []string{missing}},
		{"key of another certificate", []string{"--tls-cert", certFile, "--tls-key", otherKey}, nil, []string{certFile, otherKey, "does not match"}},
		{"garbage certificate", []string{"--tls-cert", garbage, "--tls-key", keyFile}, nil, []string{garbage}},
		{"garbage key", []string{"--tls-cert", certFile, "--tls-key", garbage}, nil, []string{garbage}},
		{"a key as the certificate", []string{"--tls-cert", keyFile, "--tls-key", keyFile}, nil, []string{keyFile}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := t.TempDir()
			var out, errOut syncBuffer
			args := append([]string{"shiji", "serve", "--addr", "127.0.0.1:0", "--data", data}, tc.args...)
			// Should serve start after all, it stops here and the test fails.
			ctx, cancel := context.WithTimeout(t.Context(), hangGuard)
			defer cancel()
			err := runWith(ctx, args, env{getenv: func(k string) string { return tc.env[k] }, stdin: strings.NewReader(""), stdout: &out, stderr: &errOut})
			if err == nil {
				t.Fatalf("serve succeeded; stdout: %s", out.String())
			}
			for _, w := range tc.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %q", err, w)
				}
			}
			if strings.Contains(out.String(), "listening") {
				t.Errorf("serve listened: %s", out.String())
			}
			if _, err := os.Stat(filepath.Join(data, "shiji.db")); err == nil {
				t.Errorf("the database was opened before the TLS settings were checked")
			}
		})
	}
}
