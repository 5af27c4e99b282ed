package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"encoding/pem"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// worldCert writes one self-signed certificate for the loopback addresses
// 127.0.0.1 to 127.0.0.3 (and its key) into dir: every market of the world
// test serves it and trusts it (--trust-ca).
func worldCert(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "shiji world test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, BasicConstraintsValid: true, IsCA: true,
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv4(127, 0, 0, 2), net.IPv4(127, 0, 0, 3)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(key)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writeFile(t, certFile, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	writeFile(t, keyFile, string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})))
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// worldMarket is a demo market served over https on its own loopback address.
type worldMarket struct {
	t     *testing.T
	dir   string
	n     *testNode
	c     *client
	token string // the demo organiser's
}

var demoPasswordRE = regexp.MustCompile(`log in as organiser with password (\S+)`)

// worldDemo returns a new data directory holding a demo market of stalls
// stalls and items items, with the organiser's password. The markets of the
// world tests are copies of it (loading a demo market is slow under the race
// detector): their ids and pictures are alike, their hosts, keys and
// ActivityPub ids are their own. The demo of each size is loaded once for
// the package (`shiji demo`, drawing its pictures takes a minute under the
// race detector even for two stalls); every call gets its own copy, which
// the test may change.
func worldDemo(t *testing.T, stalls, items int) (dir, password string) {
	t.Helper()
	tmpl := worldDemoTemplate(stalls, items)
	tmpl.once.Do(func() {
		tmpl.err = "shiji demo did not finish (see the first test that asked for it)" // cleared on success
		d, err := os.MkdirTemp("", "shiji-world-demo-")
		if err != nil {
			tmpl.err = err.Error()
			return
		}
		tmpl.dir = d
		out, errOut, err := runCmd(t, "", "demo", "--data", d, "--stalls", fmt.Sprint(stalls), "--items", fmt.Sprint(items))
		if err != nil {
			tmpl.err = fmt.Sprintf("demo: %v %s", err, errOut)
			return
		}
		pw := demoPasswordRE.FindStringSubmatch(out)
		if pw == nil {
			tmpl.err = fmt.Sprintf("no password in %q", out)
			return
		}
		tmpl.password, tmpl.err = pw[1], ""
	})
	if tmpl.err != "" {
		t.Fatalf("the demo market of %d stalls and %d items: %s", stalls, items, tmpl.err)
	}
	dir = t.TempDir()
	copyTree(t, tmpl.dir, dir)
	return dir, tmpl.password
}

// worldDemos holds the demo markets worldDemo loaded, by size; TestMain
// removes them after the tests.
var worldDemos struct {
	mu     sync.Mutex
	bySize map[[2]int]*demoDir
}

// demoDir is a demo market loaded once into dir.
type demoDir struct {
	once          sync.Once
	dir, password string
	err           string // why it could not be loaded ("": it was)
}

// worldDemoTemplate is the (maybe not yet loaded) demo market of a size.
func worldDemoTemplate(stalls, items int) *demoDir {
	worldDemos.mu.Lock()
	defer worldDemos.mu.Unlock()
	if worldDemos.bySize == nil {
		worldDemos.bySize = map[[2]int]*demoDir{}
	}
	k := [2]int{stalls, items}
	if worldDemos.bySize[k] == nil {
		worldDemos.bySize[k] = &demoDir{}
	}
	return worldDemos.bySize[k]
}

// copyTree copies the files under src into dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dst, rel)), 0o750); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o640)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// newWorldMarket serves a copy of the demo market in from on ip with TLS.
func newWorldMarket(t *testing.T, ip, certFile, keyFile string, pool *x509.CertPool, from, password string, extra ...string) *worldMarket {
	t.Helper()
	m := &worldMarket{t: t, dir: t.TempDir()}
	copyTree(t, from, m.dir)
	m.n = startNode(t, m.dir, append([]string{"--addr", ip + ":0", "--tls-cert", certFile, "--tls-key", keyFile, "--trust-ca", certFile,
		"--allow-private-networks", "--federation-waits", linkedFedWaits}, extra...)...)
	m.c = newClient(t, m.n.URL)
	m.c.hc.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
	r := m.c.postJSON("/api/v1/sessions", fmt.Sprintf(`{"name":"organiser","password":%q}`, password))
	if r.Status != 201 {
		t.Fatalf("log in: %d %s", r.Status, r.Body)
	}
	m.token = r.JSON(t)["token"].(string)
	return m
}

func (m *worldMarket) host() string { return strings.TrimPrefix(m.n.URL, "https://") }

// api calls the API as the organiser ("" body: none).
func (m *worldMarket) api(method, path, body string) response {
	m.t.Helper()
	return m.c.do(method, path, strings.NewReader(body), "Content-Type", "application/json", "Authorization", "Bearer "+m.token)
}

// count runs a count(*) query on the market's database, read-only (its
// node may be running).
func (m *worldMarket) count(q string, args ...any) int {
	m.t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(m.dir, "shiji.db")+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		m.t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		m.t.Fatal(err)
	}
	return n
}

// availableStalls is the stalls with available items in the market's
// database (read-only), the items available, and all its stalls.
func (m *worldMarket) availableStalls() (stalls, items, all int) {
	m.t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(m.dir, "shiji.db")+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		m.t.Fatal(err)
	}
	defer db.Close()
	if err := db.QueryRow(`SELECT count(DISTINCT stall_id), count(*), (SELECT count(*) FROM stalls) FROM items WHERE status = 'available'`).Scan(&stalls, &items, &all); err != nil {
		m.t.Fatal(err)
	}
	return stalls, items, all
}

// link links m with other by its address and returns the link's id.
func (m *worldMarket) link(other *worldMarket) int {
	m.t.Helper()
	r := m.api("POST", "/api/v1/market/links", `{"acct":"market@`+other.host()+`"}`)
	if r.Status != 201 {
		m.t.Fatalf("link %s: %d %s", other.host(), r.Status, r.Body)
	}
	l := r.JSON(m.t)
	if l["state"] != "linked" || l["acct"] != "market@"+other.host() || l["city"] == "" {
		m.t.Fatalf("link = %v", l)
	}
	return int(l["id"].(float64))
}

// links returns m's links by id.
func (m *worldMarket) links() map[int]map[string]any {
	m.t.Helper()
	r := m.api("GET", "/api/v1/market/links", "")
	if r.Status != 200 {
		m.t.Fatalf("links: %d %s", r.Status, r.Body)
	}
	out := map[int]map[string]any{}
	for _, l := range r.JSON(m.t)["links"].([]any) {
		lm := l.(map[string]any)
		out[int(lm["id"].(float64))] = lm
	}
	return out
}

// strollPage is one page of the world stroll: (market, stall) of each item.
func (m *worldMarket) strollPage(q string) [][2]string {
	m.t.Helper()
	r := m.c.get("/api/v1/world/wander?" + q)
	if r.Status != 200 {
		m.t.Fatalf("world wander %s: %d %s", q, r.Status, r.Body)
	}
	var out [][2]string
	for _, it := range r.JSON(m.t)["items"].([]any) {
		im := it.(map[string]any)
		market := im["market"].(map[string]any)
		if im["url"] == "" || market["acct"] == "" || im["title"] == "" {
			m.t.Fatalf("world item without url, market or title: %v", im)
		}
		out = append(out, [2]string{fmt.Sprint(market["link"]), im["stall"].(map[string]any)["id"].(string)})
	}
	return out
}

// worldGini is the Gini coefficient of xs.
func worldGini(xs []float64) float64 {
	slices.Sort(xs)
	var sum, weighted float64
	for i, x := range xs {
		sum += x
		weighted += float64(i+1) * x
	}
	if sum == 0 {
		return 0
	}
	n := float64(len(xs))
	return 2*weighted/(n*sum) - (n+1)/n
}

// The world market on three nodes, each a demo market of 200 stalls (400
// items, so nearly every stall has something on its table) served over
// https on its own loopback address: A links B and C (a resident of C
// follows A's market), the catalogue fills from their outboxes (its fill
// rate is logged), and one world stroll on A, measured over HTTP, reaches
// ≥ 90 % of all the stalls of the three markets in 20 pages; 100 strolls'
// first pages show stalls near-evenly (Gini ≤ 0.2) and each market within
// 10 % of its share of stalls; no two items of one market or stall follow
// each other. Then C goes down: A's stroll still shows its items (served
// from the catalogue), and C is marked stale once a delivery to it fails.
// Unlinking B takes its items out.
func TestWorldMarketThreeNodes(t *testing.T) {
	certFile, keyFile, pool := worldCert(t, t.TempDir())
	demo, password := worldDemo(t, 200, 400)
	a := newWorldMarket(t, "127.0.0.1", certFile, keyFile, pool, demo, password)
	b := newWorldMarket(t, "127.0.0.2", certFile, keyFile, pool, demo, password)
	c := newWorldMarket(t, "127.0.0.3", certFile, keyFile, pool, demo, password)
	if !strings.HasPrefix(b.n.URL, "https://127.0.0.2:") || !strings.HasPrefix(c.n.URL, "https://127.0.0.3:") {
		t.Fatalf("markets at %s and %s", b.n.URL, c.n.URL)
	}
	// Bad input first: nothing is linked.
	for _, bad := range []struct {
		body   string
		status int
	}{{`{"acct":""}`, 422}, {`{"acct":"market@` + a.host() + `"}`, 422}, {`{"acct":"nobody@` + b.host() + `"}`, 404},
		{`{"acct":"stall-1@` + b.host() + `"}`, 422}, {`not json`, 400}} {
		if r := a.api("POST", "/api/v1/market/links", bad.body); r.Status != bad.status {
			t.Fatalf("link %s = %d %s, want %d", bad.body, r.Status, r.Body, bad.status)
		}
	}
	if r := a.c.postJSON("/api/v1/market/links", `{"acct":"market@`+b.host()+`"}`); r.Status != 401 {
		t.Fatalf("anonymous link = %d", r.Status)
	}

	linkB, linkC := a.link(b), a.link(c)
	// A resident of C follows A's market: A delivers to C.
	if _, errOut, err := runCmd(t, "a long secret phrase\n", "user", "add", "ajie", "--role", "resident", "--data", c.dir); err != nil {
		t.Fatalf("user add: %v %s", err, errOut)
	}
	r := c.c.postJSON("/api/v1/sessions", `{"name":"ajie","password":"a long secret phrase"}`)
	if r.Status != 201 {
		t.Fatalf("log in: %d %s", r.Status, r.Body)
	}
	if r := c.c.do("POST", "/api/v1/follows", strings.NewReader(`{"acct":"market@`+a.host()+`"}`), "Content-Type", "application/json",
		"Authorization", "Bearer "+r.JSON(t)["token"].(string)); r.Status != 201 || r.JSON(t)["state"] != "accepted" {
		t.Fatalf("follow A from C = %d %s", r.Status, r.Body)
	}
	stallsWant, itemsWant := map[string]int{}, map[int]int{}
	sa, _, alla := a.availableStalls()
	sb, ib, allb := b.availableStalls()
	sc, ic, allc := c.availableStalls()
	stallsWant["0"], stallsWant[fmt.Sprint(linkB)], stallsWant[fmt.Sprint(linkC)] = sa, sb, sc
	itemsWant[linkB], itemsWant[linkC] = ib, ic
	// A guard against a hang, not a measure.
	filling := time.Now()
	var last map[int]map[string]any
	defer func() {
		if t.Failed() {
			t.Logf("links at the end: %v\nA's log: %s", last, a.n.Stderr)
		}
	}()
	// Asked every half second: asking all the time (every 50 ms) took a
	// good part of A's time under the race detector, from the read itself.
	filled := func() bool {
		ls := a.links()
		last = ls
		for id, n := range itemsWant {
			if int(ls[id]["items"].(float64)) != n || ls[id]["syncing"] == true {
				return false
			}
		}
		return true
	}
	for deadline := time.Now().Add(10 * time.Minute); !filled(); time.Sleep(500 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("timed out after 10 min waiting for the catalogue of B and C")
		}
	}
	// The fill rate is a figure to read, not an assertion.
	took := time.Since(filling)
	t.Logf("the catalogue of B and C (%d items) filled in %s: %.1f items/s from their outboxes", ib+ic, took.Round(time.Second),
		float64(ib+ic)/took.Seconds())
	if ls := a.links(); ls[linkB]["links_back"] != false || ls[linkB]["next_day"] == nil || ls[linkC]["city"] == "" {
		t.Fatalf("links = %v", ls)
	}

	// 20 pages of one world stroll. The first round of the walk (one item of
	// every stall) never shows one market twice in a row; later, where a
	// lap runs out of other markets' stalls, it may.
	total := sa + sb + sc
	seen := map[[2]string]bool{}
	var prev [2]string
	pos, marketRepeats := 0, 0
	for p := range 20 {
		for _, it := range a.strollPage(fmt.Sprintf("seed=2026&page=%d", p)) {
			if it[1] == prev[1] {
				t.Fatalf("page %d: stall %v twice in a row", p, it)
			}
			if it[0] == prev[0] {
				marketRepeats++
				if pos < total {
					t.Fatalf("page %d, position %d of the first round: %v right after %v", p, pos, it, prev)
				}
			}
			prev, seen[it] = it, true
			pos++
		}
	}
	t.Logf("%d of %d positions follow one of the same market (all after the first round)", marketRepeats, pos)
	coverage := float64(len(seen)) / float64(total)
	perMarket := map[string]int{}
	for k := range seen {
		perMarket[k[0]]++
	}
	t.Logf("coverage: 20 pages of one world stroll show %d of %d stalls with available items (%.1f %%): %v of %v",
		len(seen), total, 100*coverage, perMarket, stallsWant)
	if coverage < 0.9 {
		t.Fatalf("coverage %.3f < 0.9", coverage)
	}
	// Over all the stalls of the three markets, those with nothing left on
	// their tables too (they are in no stroll: with two items a stall,
	// about one in sixteen of the demo's).
	all := alla + allb + allc
	t.Logf("coverage of all stalls, those with nothing available too: %d of %d (%.1f %%)", len(seen), all, 100*float64(len(seen))/float64(all))
	if float64(len(seen)) < 0.9*float64(all) {
		t.Fatalf("coverage of all stalls %d of %d < 90 %%", len(seen), all)
	}
	for m, n := range stallsWant {
		if float64(perMarket[m]) < 0.9*float64(n) {
			t.Errorf("market %s: %d of its %d stalls shown", m, perMarket[m], n)
		}
	}

	// 100 strolls' first pages.
	exposure := map[[2]string]float64{}
	for k := range seen {
		exposure[k] = 0
	}
	markets := map[string]float64{}
	shown := 0.0
	for s := range 100 {
		for _, it := range a.strollPage(fmt.Sprintf("seed=%d", s*7919+1)) {
			exposure[it]++
			markets[it[0]]++
			shown++
		}
	}
	var xs []float64
	for _, v := range exposure {
		xs = append(xs, v)
	}
	for len(xs) < total { // stalls never shown count too
		xs = append(xs, 0)
	}
	g := worldGini(xs)
	t.Logf("first-page exposure over 100 strolls: Gini %.3f over %d stalls", g, len(xs))
	if g > 0.2 {
		t.Fatalf("Gini %.3f > 0.2", g)
	}
	for m, n := range stallsWant {
		share, got := float64(n)/float64(total), markets[m]/shown
		t.Logf("market %s: %.1f %% of first-page items, %.1f %% of stalls", m, 100*got, 100*share)
		if got < 0.9*share || got > 1.1*share {
			t.Errorf("market %s: exposure %.3f, share of stalls %.3f", m, got, share)
		}
	}

	// Walk one market alone, from the catalogue.
	for _, it := range a.strollPage(fmt.Sprintf("seed=5&market=%d", linkB)) {
		if it[0] != fmt.Sprint(linkB) {
			t.Fatalf("market B's stroll shows %v", it)
		}
	}

	// C goes down. A's stroll is served from the catalogue all the same,
	// and a delivery that fails marks C stale.
	c.n.Stop(t)
	r = a.api("POST", "/api/v1/stalls", `{"name":"A new stall","alley":1}`)
	if r.Status != 201 {
		t.Fatalf("stall = %d %s", r.Status, r.Body)
	}
	stall := int(r.JSON(t)["id"].(float64))
	if r := a.api("POST", fmt.Sprintf("/api/v1/stalls/%d/items", stall), `{"title":"Lantern","price":{"amount":"30","currency":"CNY"}}`); r.Status != 201 {
		t.Fatalf("item = %d %s", r.Status, r.Body)
	}
	waitForIn(t, 60*time.Second, "C marked stale on A", func() bool { return a.links()[linkC]["stale"] == true })
	fromC := 0
	for p := range 5 {
		for _, it := range a.strollPage(fmt.Sprintf("seed=77&page=%d", p)) {
			if it[0] == fmt.Sprint(linkC) {
				fromC++
			}
		}
	}
	if fromC == 0 {
		t.Fatal("C's items left the stroll while C is down")
	}
	mustContain(t, "world page", a.c.get("/world").Body, "market@"+b.host(), "market@"+c.host(), "/world/wander?market=")
	mustContain(t, "world calendar", a.c.get("/world.ics").Body, "BEGIN:VEVENT", b.n.URL+"/days/")

	// Unlink B: its items leave the stroll and the catalogue.
	if r := a.api("DELETE", fmt.Sprintf("/api/v1/market/links/%d", linkB), ""); r.Status != 204 {
		t.Fatalf("unlink = %d %s", r.Status, r.Body)
	}
	if _, ok := a.links()[linkB]; ok {
		t.Fatal("B is still linked")
	}
	for p := range 5 {
		for _, it := range a.strollPage(fmt.Sprintf("seed=78&page=%d", p)) {
			if it[0] == fmt.Sprint(linkB) {
				t.Fatalf("B's item %v after unlinking", it)
			}
		}
	}
	if r := a.c.get(fmt.Sprintf("/api/v1/world/wander?market=%d", linkB)); r.Status != 404 {
		t.Fatalf("stroll of an unlinked market = %d", r.Status)
	}
}
