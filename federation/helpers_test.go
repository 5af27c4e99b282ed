package federation

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-fed/httpsig"
	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/internal/freshdb"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
)

// clock is a settable clock for signatures and the queue; it runs at the
// real pace from where it was set.
type clock struct {
	mu       sync.Mutex
	base, at time.Time
	frozen   bool
}

func newClock(t time.Time) *clock { return &clock{base: t, at: time.Now()} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.frozen {
		return c.base
	}
	return c.base.Add(time.Since(c.at))
}

// Freeze stops the clock at t until the next Set.
func (c *clock) Freeze(t time.Time) {
	c.mu.Lock()
	c.base, c.frozen = t, true
	c.mu.Unlock()
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.base, c.at, c.frozen = t, time.Now(), false
	c.mu.Unlock()
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.base = c.base.Add(d)
	c.mu.Unlock()
}

// fakeNet stands in for the rest of the network: it serves documents by URL
// and records POSTs (answering with status, 202 by default).
type fakeNet struct {
	mu     sync.Mutex
	docs   map[string][]byte
	types  map[string]string // Content-Type of a served doc, when not ActivityStreams
	posts  []fakePost
	gets   map[string]int // GETs by URL
	status func(url string) int
}

// has reports whether a document is served at url.
func (n *fakeNet) has(url string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	_, ok := n.docs[url]
	return ok
}

// getCount is how many GETs url had.
func (n *fakeNet) getCount(url string) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.gets[url]
}

type fakePost struct {
	URL  string
	Req  *http.Request
	Body []byte
}

func newFakeNet() *fakeNet { return &fakeNet{docs: map[string][]byte{}, types: map[string]string{}} }

// serveFile serves body at url with the Content-Type ct (an image …).
func (n *fakeNet) serveFile(url, ct string, body []byte) {
	n.mu.Lock()
	n.docs[url], n.types[url] = body, ct
	n.mu.Unlock()
}

func (n *fakeNet) serve(url string, doc []byte) {
	n.mu.Lock()
	n.docs[url] = doc
	n.mu.Unlock()
}

func (n *fakeNet) RoundTrip(r *http.Request) (*http.Response, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	resp := &http.Response{Request: r, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(""))}
	switch r.Method {
	case http.MethodGet:
		if n.gets == nil {
			n.gets = map[string]int{}
		}
		n.gets[r.URL.String()]++
		doc, ok := n.docs[r.URL.String()]
		if !ok {
			resp.StatusCode = 404
			return resp, nil
		}
		resp.StatusCode = 200
		resp.Header.Set("Content-Type", contentTypeAS)
		if ct := n.types[r.URL.String()]; ct != "" {
			resp.Header.Set("Content-Type", ct)
		}
		resp.Body = io.NopCloser(bytes.NewReader(doc))
	case http.MethodPost:
		b, _ := io.ReadAll(r.Body)
		n.posts = append(n.posts, fakePost{URL: r.URL.String(), Req: r, Body: b})
		resp.StatusCode = 202
		if n.status != nil {
			resp.StatusCode = n.status(r.URL.String())
		}
	}
	return resp, nil
}

func (n *fakeNet) sent() []fakePost {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]fakePost(nil), n.posts...)
}

// testNode is a Federation over a real SQLite store with an echo in front.
type testNode struct {
	t     testing.TB
	f     *Federation
	app   *app.App
	db    *data.DB
	e     *echo.Echo
	clock *clock
	net   *fakeNet
}

func newTestNode(t testing.TB, base string, start time.Time, tune func(*Config)) *testNode {
	t.Helper()
	path := filepath.Join(t.TempDir(), "shiji.db")
	freshdb.Write(t, path) // migrated once per test binary
	return newTestNodeAt(t, path, base, start, tune)
}

// newTestNodeAt opens (or reopens) the database file at path.
func newTestNodeAt(t testing.TB, path, base string, start time.Time, tune func(*Config)) *testNode {
	t.Helper()
	ck := newClock(start)
	db, err := data.Open(context.Background(), path, ck.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	a := app.New(db, ck.Now)
	n := &testNode{t: t, app: a, db: db, clock: ck, net: newFakeNet()}
	cfg := Config{App: a, BaseURL: base, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: ck.Now,
		Transport: n.net, Settle: time.Millisecond, Version: "test"}
	if tune != nil {
		tune(&cfg)
	}
	if n.f, err = New(cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.f.Close) // before the database closes (cleanups run last first)
	a.Fed = n.f
	n.e = echo.New()
	n.e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if name := c.Request().Header.Get("X-Test-Account"); name != "" {
				acc, _, err := db.AccountByName(c.Request().Context(), name)
				if err != nil {
					return err
				}
				c.Set("account", acc)
			}
			return next(c)
		}
	})
	n.e.HTTPErrorHandler = func(err error, c echo.Context) { n.f.answer(c, err) }
	n.f.Mount(n.e)
	return n
}

// heldSettle is an item change's settle time (Config.Settle) that no test
// waits out: a node made with holdItemChanges renders an item's changes
// when the test says so (due), not when a loaded machine's clock gets
// there (with a short settle it could render a Create before the photo
// added right after it).
const heldSettle = time.Hour

func holdItemChanges(c *Config) { c.Settle = heldSettle }

// due steps the clock past the held settle time and wakes the worker: the
// item changes made so far are rendered and sent, as they are now.
func (n *testNode) due() { n.clock.Add(heldSettle); n.f.kick() }

// run starts the delivery worker until the test ends.
func (n *testNode) run() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { n.f.Run(ctx); close(done) }()
	n.t.Cleanup(func() { cancel(); <-done })
}

// account adds an account whose password is "a long secret phrase". Its
// hash is made once per test binary (testPasswordHash): argon2id costs about
// half a second under the race detector, and the tests add a hundred.
func (n *testNode) account(name string, role node.Role) *node.Account {
	n.t.Helper()
	if err := node.ValidateName(name); err != nil {
		n.t.Fatal(err)
	}
	acc := &node.Account{Name: name, Role: role}
	if err := n.db.CreateAccount(context.Background(), acc, testPasswordHash(), ""); err != nil {
		n.t.Fatal(err)
	}
	return acc
}

// testPasswordHash is app.HashPassword("a long secret phrase"), made once.
var testPasswordHash = sync.OnceValue(func() string { return app.HashPassword("a long secret phrase") })

func (n *testNode) stall(holder *node.Account, name string) *node.Stall {
	n.t.Helper()
	ctx := context.Background()
	al := &node.Alley{Slug: "a" + strconv.Itoa(int(time.Now().UnixNano()%1e9)), Name: node.Text{"en": "Vintage"}}
	if err := n.db.CreateAlley(ctx, al); err != nil {
		n.t.Fatal(err)
	}
	s := &node.Stall{Name: name, Story: "Fixing **bikes** since 1988. <script>alert(1)</script>", Alley: al.ID}
	if err := n.app.CreateStall(ctx, holder, s); err != nil {
		n.t.Fatal(err)
	}
	return s
}

// do serves a request through echo.
func (n *testNode) do(r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	n.e.ServeHTTP(w, r)
	return w
}

func (n *testNode) get(path string, header ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, n.f.u.base+path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	return n.do(r)
}

func (n *testNode) count(q string, args ...any) int {
	n.t.Helper()
	var c int
	if err := n.db.Read().QueryRow(q, args...).Scan(&c); err != nil {
		n.t.Fatal(err)
	}
	return c
}

// snapshot counts the rows of every federation table (to check that a
// refused request changed nothing).
func (n *testNode) snapshot() string {
	var b strings.Builder
	for _, t := range []string{"ap_followers", "ap_following", "ap_notes", "ap_inbox_seen", "ap_outbox", "ap_deliveries"} {
		b.WriteString(t + "=" + strconv.Itoa(n.count("SELECT count(*) FROM "+t)) + " ")
	}
	return b.String()
}

func decode(t testing.TB, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("not JSON (%v): %s", err, b)
	}
	return m
}

// waitUntil polls cond until it holds. Its deadline is a guard against a
// hang, not a measure: a loaded CI machine under the race detector may take
// many seconds for what takes milliseconds on a quiet one.
func waitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// sharedFixtures is the folder of real servers' payloads, shared/fixtures
// beside the checkout (CI lays it there): found by walking up from the
// package directory. A test that needs it fails without it.
func sharedFixtures(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		p := filepath.Join(dir, "shared", "fixtures")
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("shared/fixtures not found beside the checkout (../shared/fixtures from the repository root)")
		}
		dir = parent
	}
}

// fixtureFile opens a file of the captured GoToSocial traffic
// (shared/fixtures/gotosocial-v0.19.2).
func fixtureFile(t testing.TB, name string) io.Reader {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(sharedFixtures(t), "gotosocial-v0.19.2", name))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(b)
}

// fixture reads a captured GoToSocial request from testdata.
func fixture(t testing.TB, name string) *http.Request {
	t.Helper()
	raw, _ := io.ReadAll(fixtureFile(t, name))
	head, body, _ := bytes.Cut(raw, []byte("\n\n"))
	sc := bufio.NewScanner(bytes.NewReader(head))
	sc.Scan()
	method, target, _ := strings.Cut(sc.Text(), " ")
	h := http.Header{}
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), ": ")
		h.Add(k, v)
	}
	if cl := h.Get("Content-Length"); cl != "" {
		n, _ := strconv.Atoi(cl)
		body = body[:n]
	}
	host := h.Get("Host")
	h.Del("Host")
	r := httptest.NewRequest(method, "https://"+host+target, bytes.NewReader(body))
	r.Header = h
	r.Host = host
	return r
}

// fixtureDate is the Date of a fixture request.
func fixtureDate(t testing.TB, name string) time.Time {
	d, err := http.ParseTime(fixture(t, name).Header.Get("Date"))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// remoteKey is a remote actor we sign as in tests (a fake server serves it).
type remoteKey struct {
	id, keyID string
	priv      *rsa.PrivateKey
}

// testKey is a 2048-bit RSA key for a remote actor of the test: every call
// within one test (its subtests too) gives another key, and the tests share
// them, the n-th key of each test being the same (testKeys). Making one
// costs about a second under the race detector, and the tests make seventy.
func testKey(t testing.TB) *rsa.PrivateKey {
	top, _, _ := strings.Cut(t.Name(), "/")
	testKeys.mu.Lock()
	if testKeys.used == nil {
		testKeys.used = map[string]int{}
	}
	i := testKeys.used[top]
	testKeys.used[top]++
	for len(testKeys.keys) <= i {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			testKeys.mu.Unlock()
			t.Fatal(err)
		}
		testKeys.keys = append(testKeys.keys, k)
	}
	k := testKeys.keys[i]
	testKeys.mu.Unlock()
	return k
}

// testKeys are the keys testKey made, and how many each test has taken.
var testKeys struct {
	mu   sync.Mutex
	keys []*rsa.PrivateKey
	used map[string]int // by top-level test name
}

// newRemote makes a remote Person at id served by net.
func newRemote(t testing.TB, net *fakeNet, id string, shared string) *remoteKey {
	k := &remoteKey{id: id, keyID: id + "#main-key", priv: testKey(t)}
	newRemoteDoc(t, net, id, k, shared)
	return k
}

// newRemoteDoc serves the actor document of k at id.
func newRemoteDoc(t testing.TB, net *fakeNet, id string, k *remoteKey, shared ...string) {
	der, _ := x509.MarshalPKIXPublicKey(&k.priv.PublicKey)
	doc := map[string]any{
		"@context": []any{asContextIRI, securityV1IRI}, "id": id, "type": "Person", "preferredUsername": id[strings.LastIndex(id, "/")+1:],
		"name": "Remote <b>person</b>", "inbox": id + "/inbox", "outbox": id + "/outbox",
		"publicKey": map[string]any{"id": k.keyID, "owner": id, "publicKeyPem": string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))},
	}
	if len(shared) > 0 && shared[0] != "" {
		doc["endpoints"] = map[string]any{"sharedInbox": shared[0]}
	}
	b, _ := json.Marshal(doc)
	net.serve(id, b)
}

// signedPost builds a POST of activity to url signed by k at now.
func (k *remoteKey) signedPost(t testing.TB, url string, activity any, now time.Time) *http.Request {
	t.Helper()
	body, err := json.Marshal(activity)
	if err != nil {
		t.Fatal(err)
	}
	return k.signedPostBytes(t, url, body, now)
}

func (k *remoteKey) signedPostBytes(t testing.TB, url string, body []byte, now time.Time) *http.Request {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	r.Header.Set("Content-Type", contentTypeAS)
	r.Header.Set("Date", now.UTC().Format(http.TimeFormat))
	r.Header.Set("Host", r.Host)
	s, _, err := httpsig.NewSigner([]httpsig.Algorithm{httpsig.RSA_SHA256}, httpsig.DigestSha256,
		[]string{httpsig.RequestTarget, "host", "date", "digest"}, httpsig.Signature, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SignRequest(k.priv, k.keyID, r, body); err != nil {
		t.Fatal(err)
	}
	r.Header.Del("Host")
	return r
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
