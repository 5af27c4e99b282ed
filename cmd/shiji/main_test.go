package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shiji-market/shiji/internal/freshdb"
)

// syncBuffer is an io.Writer the program writes to while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testNode is a real shiji process (run in a goroutine) on 127.0.0.1:0.
type testNode struct {
	URL    string
	Data   string
	Stdout *syncBuffer
	Stderr *syncBuffer
	cancel context.CancelFunc
	done   chan error
}

var listenRE = regexp.MustCompile(`listening on (https?://[0-9.:\[\]]+)`)

// startNode runs `shiji serve --addr 127.0.0.1:0 --data DIR extra...` and waits
// until it listens. The node stops when the test ends.
func startNode(t testing.TB, dataDir string, extra ...string) *testNode {
	t.Helper()
	return startNodeOpts(t, dataDir, nil, nil, extra...)
}

// startNodeEnv is startNode with environment variables for the node.
func startNodeEnv(t testing.TB, dataDir string, environ map[string]string, extra ...string) *testNode {
	t.Helper()
	return startNodeOpts(t, dataDir, environ, nil, extra...)
}

// startNodeWith is startNode with the node's log going to logTo (nil: the
// node's Stderr buffer).
func startNodeWith(t testing.TB, dataDir string, logTo io.Writer, extra ...string) *testNode {
	t.Helper()
	return startNodeOpts(t, dataDir, nil, logTo, extra...)
}

// startNodeOpts starts a node with environment variables (nil: none) and
// its log going to logTo (nil: the node's Stderr buffer).
func startNodeOpts(t testing.TB, dataDir string, environ map[string]string, logTo io.Writer, extra ...string) *testNode {
	t.Helper()
	if dataDir == "" {
		dataDir = freshdb.Dir(t)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n := &testNode{Data: dataDir, Stdout: &syncBuffer{}, Stderr: &syncBuffer{}, cancel: cancel, done: make(chan error, 1)}
	if logTo == nil {
		logTo = n.Stderr
	}
	args := append([]string{"shiji", "serve", "--addr", "127.0.0.1:0", "--data", dataDir}, extra...)
	getenv := noEnv
	if environ != nil {
		getenv = func(k string) string { return environ[k] }
	}
	go func() { n.done <- run(ctx, args, getenv, n.Stdout, logTo) }()
	deadline := time.Now().Add(5 * time.Minute) // a deadline against hangs, not a measure
	for time.Now().Before(deadline) {
		if m := listenRE.FindStringSubmatch(n.Stdout.String()); m != nil {
			n.URL = m[1]
			break
		}
		select {
		case err := <-n.done:
			cancel()
			t.Fatalf("shiji serve stopped before listening: %v\nstdout: %s\nstderr: %s", err, n.Stdout, n.Stderr)
		case <-time.After(10 * time.Millisecond):
		}
	}
	if n.URL == "" {
		cancel()
		t.Fatalf("shiji serve did not listen within 5 min\nstdout: %s\nstderr: %s", n.Stdout, n.Stderr)
	}
	t.Cleanup(func() { n.Stop(t) })
	return n
}

// Stop cancels the node's context and waits for run to return.
func (n *testNode) Stop(t testing.TB) {
	if n.cancel == nil {
		return
	}
	n.cancel()
	n.cancel = nil
	select {
	case err := <-n.done:
		if err != nil {
			t.Errorf("shiji serve returned %v", err)
		}
	case <-time.After(hangGuard):
		t.Errorf("shiji serve did not stop within %s", hangGuard)
	}
}

func noEnv(string) string { return "" }

// runCmd runs a shiji command with stdin and returns its output and error.
func runCmd(t testing.TB, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := runWith(context.Background(), append([]string{"shiji"}, args...),
		env{getenv: noEnv, stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb})
	return out.String(), errb.String(), err
}

// runCmdEnv is runCmd with environment variables.
func runCmdEnv(t testing.TB, environ map[string]string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := runWith(context.Background(), append([]string{"shiji"}, args...),
		env{getenv: func(k string) string { return environ[k] }, stdin: strings.NewReader(""), stdout: &out, stderr: &errb})
	return out.String(), errb.String(), err
}

// client is a browser-like HTTP client: a cookie jar, no redirects followed.
type client struct {
	t    testing.TB
	base string
	hc   *http.Client
	lang string
}

func newClient(t testing.TB, base string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: base, lang: "en", hc: &http.Client{Jar: jar, Timeout: 90 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type response struct {
	Status int
	Header http.Header
	Body   string
}

func (r response) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.Body), &m); err != nil {
		t.Fatalf("response is not JSON (%v): %s", err, r.Body)
	}
	return m
}

func (c *client) do(method, path string, body io.Reader, header ...string) response {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Accept-Language", c.lang)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{Status: resp.StatusCode, Header: resp.Header, Body: string(b)}
}

func (c *client) get(path string, header ...string) response {
	return c.do("GET", path, nil, header...)
}

// csrf fetches a page and returns the CSRF token from its form.
func (c *client) csrf(path string) string {
	c.t.Helper()
	r := c.get(path)
	m := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindStringSubmatch(r.Body)
	if m == nil {
		c.t.Fatalf("no CSRF token on %s (status %d)", path, r.Status)
	}
	return m[1]
}

// postForm posts a form with the CSRF token of page.
func (c *client) postForm(page, path string, v url.Values) response {
	c.t.Helper()
	if v.Get("_csrf") == "" {
		v.Set("_csrf", c.csrf(page))
	}
	return c.do("POST", path, strings.NewReader(v.Encode()), "Content-Type", "application/x-www-form-urlencoded")
}

// postPlain posts a form as is, without fetching a CSRF token for it.
func (c *client) postPlain(path string, v url.Values) response {
	c.t.Helper()
	return c.do("POST", path, strings.NewReader(v.Encode()), "Content-Type", "application/x-www-form-urlencoded")
}

func (c *client) postJSON(path, body string, header ...string) response {
	c.t.Helper()
	return c.do("POST", path, strings.NewReader(body), append([]string{"Content-Type", "application/json"}, header...)...)
}

func mustContain(t testing.TB, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Fatalf("%s does not contain %q:\n%s", what, w, body)
		}
	}
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func contextWithCancel() (context.Context, context.CancelFunc) {
	return context.WithCancel(context.Background())
}

var setupURLRE = regexp.MustCompile(`set it up at (http://\S+/setup\?token=(\S+))`)

// setupLink waits for the setup link an empty node prints once it listens
// (after the line startNode waits for) and returns it and its token.
func (n *testNode) setupLink(t testing.TB) (link, token string) {
	t.Helper()
	var m []string
	waitFor(t, func() bool {
		m = setupURLRE.FindStringSubmatch(n.Stdout.String())
		return m != nil
	})
	return m[1], m[2]
}

// waitFor polls cond until it holds, for up to hangGuard.
func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(hangGuard); ; time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %s", hangGuard)
		}
	}
}

// hangGuard is the shortest deadline of a test's polled waits: a guard
// against a hang, not a measure. Under the race detector on a loaded 2-core
// CI machine, what takes a second on a quiet one may take ten times as long.
const hangGuard = 3 * time.Minute
