package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/internal/freshdb"
)

// doctorLine runs shiji doctor and returns its output and the line of one
// check ("data dir", "database", …).
func doctorLine(t *testing.T, check string, args ...string) (line, out string, err error) {
	t.Helper()
	out, _, err = runCmd(t, "", append([]string{"doctor"}, args...)...)
	for _, l := range strings.Split(out, "\n") {
		if len(l) > 6 && strings.HasPrefix(strings.TrimSpace(l[6:]), check) {
			return l, out, err
		}
	}
	t.Fatalf("doctor printed no %q line:\n%s", check, out)
	return "", out, err
}

func wantLevel(t *testing.T, line, level, contains string) {
	t.Helper()
	if !strings.HasPrefix(line, level) || !strings.Contains(line, contains) {
		t.Errorf("want %s … %q, got %q", level, contains, line)
	}
}

// freshData is a data directory with a database at the binary's schema.
func freshData(t *testing.T) string {
	t.Helper()
	dir := freshdb.Dir(t)
	db, err := data.Open(context.Background(), filepath.Join(dir, "shiji.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	os.Chmod(dir, 0o700)
	os.Chmod(filepath.Join(dir, "shiji.db"), 0o600)
	return dir
}

func TestDoctorDataDirectory(t *testing.T) {
	dir := freshData(t)
	line, _, _ := doctorLine(t, "data dir", "--data", dir)
	wantLevel(t, line, "ok", "writable")

	os.Chmod(dir, 0o777)
	line, out, err := doctorLine(t, "data dir", "--data", dir)
	wantLevel(t, line, "WARN", "writable by everyone")
	if !strings.Contains(out, "chmod o-w") || err != nil {
		t.Errorf("no fix, or a warning failed the run (%v):\n%s", err, out)
	}
	os.Chmod(dir, 0o700)
	os.Chmod(filepath.Join(dir, "shiji.db"), 0o644)
	line, _, _ = doctorLine(t, "data dir", "--data", dir)
	wantLevel(t, line, "WARN", "readable by everyone")

	line, _, err = doctorLine(t, "data dir", "--data", filepath.Join(dir, "nope"))
	wantLevel(t, line, "FAIL", "does not exist")
	if err == nil {
		t.Error("a failed check exits zero")
	}
}

func TestDoctorDatabase(t *testing.T) {
	ctx := context.Background()
	dir := freshData(t)
	line, _, _ := doctorLine(t, "database", "--data", dir)
	wantLevel(t, line, "ok", "schema up to date")

	path := filepath.Join(dir, "shiji.db")
	exec := func(q string) {
		db, err := sql.Open("sqlite", "file:"+path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	exec(`DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations)`)
	line, _, err := doctorLine(t, "database", "--data", dir)
	wantLevel(t, line, "WARN", "not applied yet")
	if err != nil {
		t.Errorf("a warning failed the run: %v", err)
	}
	exec(`INSERT INTO schema_migrations(version, name, applied_at) VALUES (9999, '9999_future.sql', 0)`)
	line, _, _ = doctorLine(t, "database", "--data", dir)
	wantLevel(t, line, "FAIL", "newer than shiji")

	// Damage the file's pages (not its header): the integrity check fails.
	broken := freshData(t)
	bpath := filepath.Join(broken, "shiji.db")
	b, err := os.ReadFile(bpath)
	if err != nil || len(b) < 5*4096 {
		t.Fatalf("database of %d bytes: %v", len(b), err)
	}
	for i := 2 * 4096; i < len(b)-4096; i += 4096 {
		copy(b[i+100:i+300], strings.Repeat("\xff", 200))
	}
	os.WriteFile(bpath, b, 0o600)
	line, _, err = doctorLine(t, "database", "--data", broken)
	wantLevel(t, line, "FAIL", "")
	if !strings.Contains(line, "integrity") && !strings.Contains(line, "malformed") && !strings.Contains(line, "not") {
		t.Errorf("a damaged database: %q", line)
	}
	if err == nil {
		t.Error("a damaged database exits zero")
	}
}

func TestDoctorFreeDisk(t *testing.T) {
	dir := freshData(t)
	line, _, _ := doctorLine(t, "disk", "--data", dir, "--min-free", "1MiB")
	wantLevel(t, line, "ok", "free of")
	line, out, _ := doctorLine(t, "disk", "--data", dir, "--min-free", "100000TiB")
	wantLevel(t, line, "FAIL", "free of")
	if !strings.Contains(out, "SQLite stops writing") {
		t.Errorf("no fix:\n%s", out)
	}
	if _, _, err := runCmd(t, "", "doctor", "--data", dir, "--min-free", "lots"); err == nil {
		t.Error("a bad --min-free is taken")
	}
}

// TestDoctorBaseURLAnswersWithThisNode: a node serving https with a
// self-signed certificate answers with its own actor; another data
// directory's key is told apart; plain http gets a warning.
func TestDoctorBaseURLAnswersWithThisNode(t *testing.T) {
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	selfSigned(t, cert, key, 1, "doctor")
	n := startNode(t, "", "--tls-cert", cert, "--tls-key", key)
	line, out, err := doctorLine(t, "base URL", "--data", n.Data, "--base-url", n.URL, "--ca", cert)
	wantLevel(t, line, "ok", "answers with this node's actor")
	if !strings.Contains(out, "ok    DNS") || strings.Contains(out, "plain http") {
		t.Errorf("DNS/https lines:\n%s", out)
	}
	_ = err

	other := startNode(t, "")
	newClient(t, other.URL).get("/actor") // it makes its instance key
	line, _, _ = doctorLine(t, "base URL", "--data", other.Data, "--base-url", n.URL, "--ca", cert)
	wantLevel(t, line, "FAIL", "another node's key")

	line, out, _ = doctorLine(t, "base URL", "--data", other.Data, "--base-url", other.URL)
	wantLevel(t, line, "ok", "answers with this node's actor")
	if !strings.Contains(out, "WARN  https") {
		t.Errorf("plain http is not warned about:\n%s", out)
	}
	// Nothing answers there.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	line, _, _ = doctorLine(t, "base URL", "--data", other.Data, "--base-url", "http://"+addr)
	wantLevel(t, line, "FAIL", "does not answer")
}

// certFor makes a certificate for 127.0.0.1 valid from notBefore to notAfter.
func certFor(t *testing.T, notBefore, notAfter time.Time) (tls.Certificate, []byte) {
	t.Helper()
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "doctor"},
		NotBefore: notBefore, NotAfter: notAfter, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, BasicConstraintsValid: true, IsCA: true,
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: k}, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func TestDoctorCertificateExpiry(t *testing.T) {
	dir := freshData(t)
	now := time.Now()
	for _, tt := range []struct {
		from, until time.Time
		level, says string
	}{
		{now.Add(-time.Hour), now.Add(90 * 24 * time.Hour), "ok", "valid until"},
		{now.Add(-time.Hour), now.Add(5 * 24 * time.Hour), "WARN", "expires in"},
		{now.Add(-48 * time.Hour), now.Add(-24 * time.Hour), "FAIL", "expired"},
	} {
		cert, certPEM := certFor(t, tt.from, tt.until)
		srv := httptest.NewUnstartedServer(http.NotFoundHandler())
		srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
		srv.StartTLS()
		ca := filepath.Join(t.TempDir(), "ca.pem")
		os.WriteFile(ca, certPEM, 0o600)
		line, _, _ := doctorLine(t, "certificate", "--data", dir, "--base-url", srv.URL, "--ca", ca)
		wantLevel(t, line, tt.level, tt.says)
		srv.Close()
	}
	// A certificate nobody vouches for.
	cert, _ := certFor(t, now.Add(-time.Hour), now.Add(90*24*time.Hour))
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	defer srv.Close()
	line, _, _ := doctorLine(t, "certificate", "--data", dir, "--base-url", srv.URL)
	wantLevel(t, line, "FAIL", "not trusted")
}

func TestDoctorClockSkew(t *testing.T) {
	dir := freshData(t)
	for _, tt := range []struct {
		off         time.Duration
		level, says string
	}{{0, "ok", "within"}, {2 * time.Minute, "WARN", "off"}, {-20 * time.Minute, "FAIL", "off"}} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Date", time.Now().Add(tt.off).UTC().Format(http.TimeFormat))
		}))
		line, _, _ := doctorLine(t, "clock", "--data", dir, "--peer", srv.URL)
		wantLevel(t, line, tt.level, tt.says)
		srv.Close()
	}
	line, _, _ := doctorLine(t, "clock", "--data", dir)
	wantLevel(t, line, "skip", "no peer")
}
