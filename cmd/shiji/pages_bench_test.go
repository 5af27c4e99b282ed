//go:build unix

package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/data/demo"
)

// BenchmarkMarketPages drives the pages of a demo market of 1,000 stalls over
// HTTPS with 64 keep-alive connections, page after page, each right after a
// bare echo handler serving a static page of the same size with the same TLS
// set-up (the ceiling), in the same run, and reports for every page its
// requests/s, its p99, its ratio to the ceiling and the server's CPU time
// per request. Every page is driven for an anonymous visitor and for a
// signed-in resident.
//
//	SHIJI_BENCH_DATA=DIR SHIJI_BENCH_SIZES=10000,100000,1000000 \
//	  go test -run '^$' -bench MarketPages -benchtime 1x -timeout 60m ./cmd/shiji
//
// The load comes from wrk when it is installed (SHIJI_BENCH_WRK names it;
// "go" forces the built-in Go client, which is slower and shares the
// process). SHIJI_BENCH_SIZES (items; default 100000), SHIJI_BENCH_SECONDS
// (5 per measurement), SHIJI_BENCH_WARM (seconds of load on each page before
// it is measured, not counted: 1; with 0 the first page measured after
// start-up pays for the node's warm-up), SHIJI_BENCH_CONNS (64),
// SHIJI_BENCH_PAGES (a comma list of the page names below; default all),
// SHIJI_BENCH_VISITORS
// (anonymous,signed-in), SHIJI_BENCH_GZIP (1: every request, the
// ceiling's too, asks for "gzip, br" as browsers do; 0: no
// Accept-Encoding); SHIJI_BENCH_DATA=DIR keeps the generated markets in
// DIR/ITEMS and reuses them.
//
// The ceiling serves the very page the node serves (one of the page's
// paths, read unpacked from the node for the same visitor), gzipped once
// at the highest level as a static server's precompressed file would be,
// and sends the gzipped bytes to a client that takes gzip: so the two
// columns compare the same bytes on the wire, like for like.
func BenchmarkMarketPages(b *testing.B) {
	sizes := envInts("SHIJI_BENCH_SIZES", []int{100_000})
	seconds, conns := envInt("SHIJI_BENCH_SECONDS", 5), envInt("SHIJI_BENCH_CONNS", 64)
	dur := time.Duration(seconds) * time.Second
	warm := time.Second
	if v, err := strconv.Atoi(os.Getenv("SHIJI_BENCH_WARM")); err == nil && v >= 0 {
		warm = time.Duration(v) * time.Second
	}
	cert, key := benchCert(b)
	drive := benchDriver(b)
	ceiling := startCeiling(b, cert, key)
	var table []string
	for _, items := range sizes {
		dir := benchMarket(b, 1000, items)
		n := startBenchNode(b, dir, cert, key)
		cookie := benchResident(b, n.URL)
		for _, pg := range benchPages(items) {
			for _, who := range benchVisitors() {
				name := fmt.Sprintf("items=%d/%s/%s", items, pg.name, who)
				b.Run(name, func(b *testing.B) {
					var header []string
					if who == "signed-in" {
						header = []string{"Cookie: " + cookie}
					}
					if os.Getenv("SHIJI_BENCH_GZIP") != "0" { // as browsers ask
						header = append(header, "Accept-Encoding: gzip, br")
					}
					if warm > 0 { // as on a node that has been up a while: not measured
						drive(n.URL, conns, warm, pg.paths, header)
					}
					size, page := samplePage(b, n.URL, pg.paths, header)
					ceiling.setPage(page)
					csize := len(page)
					if os.Getenv("SHIJI_BENCH_GZIP") != "0" {
						csize = len(ceiling.page.Load().gz)
					}
					cpuTop := processCPU()
					top := drive(ceiling.url, conns, dur, []string{"/x"}, withoutCookie(header))
					cpuTop = processCPU() - cpuTop - top.cpuSelf
					cpu0 := processCPU()
					got := drive(n.URL, conns, dur, pg.paths, header)
					cpu := processCPU() - cpu0 - top.cpuSelf
					b.ReportMetric(got.rps, "req/s")
					b.ReportMetric(got.p99, "p99-ms")
					b.ReportMetric(top.rps, "ceiling-req/s")
					b.ReportMetric(100*got.rps/top.rps, "%-of-ceiling")
					if got.n > 0 && top.n > 0 {
						b.ReportMetric(float64(cpu.Microseconds())/float64(got.n), "cpu-µs/req")
						b.ReportMetric(float64(cpuTop.Microseconds())/float64(top.n), "ceiling-cpu-µs/req")
					}
					b.ReportMetric(float64(got.errs), "errors")
					table = append(table, fmt.Sprintf("| %d | %s | %s | %d B / %d B | %.0f | %.1f ms | %.0f | %.1f %% | %.0f µs | %.0f µs |",
						items, pg.name, who, size, csize, got.rps, got.p99, top.rps, 100*got.rps/top.rps,
						float64(cpu.Microseconds())/float64(max(got.n, 1)), float64(cpuTop.Microseconds())/float64(max(top.n, 1))))
				})
			}
		}
		n.Stop(b)
	}
	b.Logf("\n| items | page | visitor | size sent (node / ceiling) | req/s | p99 | ceiling req/s | of ceiling | server CPU/req | ceiling CPU/req |\n|---|---|---|---|---|---|---|---|---|---|\n%s",
		strings.Join(table, "\n"))
}

// benchPage is a page and the requests that read it (a random one each time).
type benchPage struct {
	name  string
	paths []string
}

// benchPages lists the pages the issue measures, each with a few hundred
// request paths spread over the market.
func benchPages(items int) []benchPage {
	spread := func(n int, f func(i int) string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = f(i)
		}
		return out
	}
	// Chinese words of one, two and three letters, common English words,
	// words that match nothing (书旧: two common letters never together)
	// and ones that match almost every item (的, e).
	searches := []string{"自行车", "旧书", "花", "bicycle", "teapot", "老", "vintage", "搪瓷杯", "书", "灯", "lamp", "old",
		"the", "书旧", "zqxjv", "的", "e"}
	all := []benchPage{
		{"item", spread(997, func(i int) string { return fmt.Sprintf("/items/%d", 1+(i*7919)%items) })},
		{"stroll", spread(500, func(i int) string { return fmt.Sprintf("/wander?seed=%d&page=%d", i*13%1000, i%20) })},
		{"stroll-api", spread(500, func(i int) string { return fmt.Sprintf("/api/v1/wander?seed=%d&page=%d", i*13%1000, i%20) })},
		{"stall", spread(499, func(i int) string { return fmt.Sprintf("/stalls/%d", 1+(i*2+1)%1000) })},
		{"home", []string{"/"}},
		{"search", spread(len(searches), func(i int) string { return "/search?q=" + url.QueryEscape(searches[i]) })},
	}
	want := os.Getenv("SHIJI_BENCH_PAGES")
	if want == "" {
		return all
	}
	var out []benchPage
	for _, p := range all {
		if strings.Contains(","+want+",", ","+p.name+",") {
			out = append(out, p)
		}
	}
	return out
}

// benchVisitors: anonymous and signed-in, or one of them (SHIJI_BENCH_VISITORS).
func benchVisitors() []string {
	if v := os.Getenv("SHIJI_BENCH_VISITORS"); v != "" {
		return strings.Split(v, ",")
	}
	return []string{"anonymous", "signed-in"}
}

// loadResult is one measurement.
type loadResult struct {
	rps, p99 float64
	n, errs  int64
	cpuSelf  time.Duration // CPU this process spent generating the load (Go client)
}

type driver func(base string, conns int, d time.Duration, paths, header []string) loadResult

// benchDriver returns wrk, or the Go client when wrk is not installed.
func benchDriver(b *testing.B) driver {
	bin := os.Getenv("SHIJI_BENCH_WRK")
	if bin == "" {
		bin, _ = lookPath("wrk")
	}
	if bin == "" || bin == "go" {
		b.Logf("load from the Go client (install wrk for steadier figures)")
		return goDriver
	}
	b.Logf("load from %s", bin)
	return func(base string, conns int, d time.Duration, paths, header []string) loadResult {
		return wrkLoad(b, bin, base, conns, d, paths, header)
	}
}

func lookPath(name string) (string, error) {
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", os.ErrNotExist
}

// processCPU is the user and system CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchMarket returns a data directory holding a demo market of the size,
// generated the first time (kept under SHIJI_BENCH_DATA when set).
func benchMarket(b *testing.B, stalls, items int) string {
	root := os.Getenv("SHIJI_BENCH_DATA")
	if root == "" {
		root = b.TempDir()
	}
	dir := filepath.Join(root, fmt.Sprint(items))
	if _, err := os.Stat(filepath.Join(dir, "shiji.db")); err == nil {
		return dir
	}
	db, err := data.Open(context.Background(), filepath.Join(dir, "shiji.db"), time.Now)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	start := time.Now()
	if _, err := demo.Load(context.Background(), db, demo.Options{Stalls: stalls, Items: items, Seed: 7,
		MediaDir: filepath.Join(dir, "media"), OrganiserHash: "x"}); err != nil {
		b.Fatal(err)
	}
	b.Logf("generated %d stalls / %d items in %s", stalls, items, time.Since(start).Round(time.Millisecond))
	return dir
}

// startBenchNode runs shiji serve over TLS on the market, its log (JSON
// lines, as in production) going to a file.
func startBenchNode(b *testing.B, dir, cert, key string) *testNode {
	logf, err := os.Create(filepath.Join(b.TempDir(), "shiji.log"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { logf.Close() })
	n := startNodeWith(b, dir, logf, "--tls-cert", cert, "--tls-key", key)
	// Wait until the node has warmed up (snapshot and wander floor built).
	hc := insecureClient(1)
	deadline := time.Now().Add(5 * time.Minute)
	for time.Now().Before(deadline) {
		if resp, err := hc.Get(n.URL + "/wander?seed=1"); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return n
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.Fatal("the node did not answer /wander within 5 minutes")
	return nil
}

// benchResident signs a new resident up and returns the Cookie header value
// a browser would send from then on: the session and the CSRF token's
// cookies (without the latter every page would mint a token and set it).
func benchResident(b *testing.B, base string) string {
	c := newClient(b, base)
	c.hc.Transport = insecureClient(1).Transport
	name := fmt.Sprintf("bench%d", time.Now().UnixNano()%1e9)
	if r := c.postForm("/signup", "/signup", url.Values{"name": {name}, "password": {"a long bench phrase"}}); r.Status != http.StatusSeeOther {
		b.Fatalf("sign-up for the benchmark = %d %.300s", r.Status, r.Body)
	}
	u, _ := url.Parse(base)
	var session, token string
	for _, ck := range c.hc.Jar.Cookies(u) {
		switch ck.Name {
		case "shiji_session":
			session = ck.String()
		case "shiji_csrf":
			token = ck.String()
		}
	}
	if session == "" || token == "" {
		b.Fatalf("after sign-up: session cookie %q, CSRF cookie %q", session, token)
	}
	return session + "; " + token
}

// samplePage fetches a few of the paths as the visitor (header) would, each
// twice, and returns the mean size of the second bodies sent (gzipped when
// asked for and kept so), and, unpacked, the body nearest that mean: the
// page the ceiling serves.
func samplePage(b *testing.B, base string, paths, header []string) (int, []byte) {
	hc := insecureClient(1)
	hc.Transport.(*http.Transport).DisableCompression = true
	get := func(path string, gz bool) []byte {
		req, _ := newGet(base+path, header)
		if !gz {
			req.Header.Del("Accept-Encoding")
		}
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("GET %s = %d", path, resp.StatusCode)
		}
		return body
	}
	var sent []int
	var sampled []string
	total := 0
	for i := 0; i < len(paths) && len(sent) < 20; i += max(1, len(paths)/20) {
		get(paths[i], true) // the first read renders and keeps it; the size is what is sent afterwards
		body := get(paths[i], true)
		sent, sampled, total = append(sent, len(body)), append(sampled, paths[i]), total+len(body)
	}
	mean, near := total/max(len(sent), 1), 0
	for i := range sent {
		if abs(sent[i]-mean) < abs(sent[near]-mean) {
			near = i
		}
	}
	return mean, get(sampled[near], false)
}

func abs(n int) int { return max(n, -n) }

// withoutCookie is header without the session cookie: what the ceiling,
// which has no sessions, is asked with.
func withoutCookie(header []string) []string {
	var out []string
	for _, h := range header {
		if !strings.HasPrefix(h, "Cookie:") {
			out = append(out, h)
		}
	}
	return out
}

// ceilingServer is a bare echo handler serving a static HTML page over the
// same TLS set-up as the node, gzipped once for clients that take gzip:
// the most any page could do.
type ceilingServer struct {
	url  string
	page atomic.Pointer[ceilingPage]
}

// ceilingPage is the page the ceiling serves, as it is and gzipped.
type ceilingPage struct{ raw, gz []byte }

func startCeiling(b *testing.B, cert, key string) *ceilingServer {
	c := &ceilingServer{}
	c.setPage([]byte("<!doctype html><html><head><title>ceiling</title></head><body></body></html>"))
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.GET("/*", func(ec echo.Context) error {
		p := c.page.Load()
		h := ec.Response().Header()
		h.Set("Vary", "Accept-Encoding")
		if strings.Contains(ec.Request().Header.Get("Accept-Encoding"), "gzip") {
			h.Set("Content-Encoding", "gzip")
			return ec.Blob(http.StatusOK, echo.MIMETextHTMLCharsetUTF8, p.gz)
		}
		return ec.HTMLBlob(http.StatusOK, p.raw)
	})
	pair, err := tls.LoadX509KeyPair(cert, key)
	if err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	hs := &http.Server{Handler: e, ErrorLog: log.New(io.Discard, "", 0), TLSConfig: &tls.Config{MinVersion: tls.VersionTLS12, NextProtos: []string{"h2", "http/1.1"},
		Certificates: []tls.Certificate{pair}}}
	go hs.ServeTLS(ln, "", "")
	b.Cleanup(func() { hs.Close() })
	c.url = "https://" + ln.Addr().String()
	return c
}

// setPage makes page the ceiling's page, gzipped once at the highest level.
func (c *ceilingServer) setPage(page []byte) {
	var gz bytes.Buffer
	w, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	w.Write(page)
	w.Close()
	c.page.Store(&ceilingPage{raw: page, gz: gz.Bytes()})
}

// benchCert writes a self-signed ECDSA P-256 certificate for 127.0.0.1
// (what an ACME client would issue) and returns the two PEM files.
func benchCert(b *testing.B) (cert, key string) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		b.Fatal(err)
	}
	kd, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	cert, key = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writeFile(b, cert, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	writeFile(b, key, string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kd})))
	return cert, key
}

// insecureClient is an HTTPS client for the self-signed benchmark certificate.
func insecureClient(conns int) *http.Client {
	tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}
	return &http.Client{Transport: tr, Timeout: 60 * time.Second}
}

// envInts reads a comma-separated list of positive numbers.
func envInts(name string, def []int) []int {
	var out []int
	for _, f := range strings.Split(os.Getenv(name), ",") {
		if v, err := strconv.Atoi(strings.TrimSpace(f)); err == nil && v > 0 {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		return def
	}
	return out
}

// newGet is a GET request with headers ("Name: value").
func newGet(u string, header []string) (*http.Request, error) {
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		return nil, err
	}
	for _, h := range header {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Set(k, v)
	}
	return req, nil
}
