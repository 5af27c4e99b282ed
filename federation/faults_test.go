package federation

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/internal/freshdb"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
	"github.com/shiji-market/shiji/node/media"
)

// hangingServer accepts connections and never answers (nor reads).
func hangingServer(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	return "http://" + ln.Addr().String()
}

// trickleServer writes its status line and headers a byte every 100 ms.
func trickleServer(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				// Read the request's head first: a server speaks when spoken to.
				head := make([]byte, 0, 4096)
				buf := make([]byte, 1024)
				for !strings.Contains(string(head), "\r\n\r\n") {
					n, err := c.Read(buf)
					if err != nil {
						return
					}
					head = append(head, buf[:n]...)
				}
				for _, b := range []byte("HTTP/1.1 200 OK\r\nContent-Type: application/activity+json\r\nX-Slow: " + strings.Repeat("z", 1000)) {
					if _, err := c.Write([]byte{b}); err != nil {
						return
					}
					time.Sleep(100 * time.Millisecond)
				}
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

// Remote servers that never answer, answer a byte at a time, or send 100 MB
// hold nothing up: every outgoing request gives up within its timeouts and
// reads at most its cap; deliveries to a healthy server go on meanwhile,
// the ones to the bad servers stay queued for a retry (none lost), and the
// node's own documents are served all along.
func TestRemoteServersThatHangOrFlood(t *testing.T) {
	ctx := context.Background()
	db, err := data.Open(ctx, filepath.Join(freshdb.Dir(t), "shiji.db"), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	photos, err := media.NewStore(filepath.Join(t.TempDir(), "media"), media.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	a := app.New(db, time.Now)
	timeouts := Timeouts{Connect: time.Second, Header: time.Second, Fetch: 2 * time.Second, Delivery: 2 * time.Second}
	f, err := New(Config{App: a, BaseURL: "http://market.test", Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		AllowPrivate: true, Media: photos, Timeouts: timeouts})
	if err != nil {
		t.Fatal(err)
	}
	a.Fed = f

	hang := hangingServer(t)
	trickle := trickleServer(t)
	drip := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentTypeAS)
		w.WriteHeader(200)
		for i := 0; ; i++ {
			if _, err := w.Write([]byte{"{ "[i%2]}); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}))
	t.Cleanup(drip.Close)
	var flooded atomic.Int64
	flood := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentTypeAS)
		if strings.Contains(r.URL.Path, "picture") {
			w.Header().Set("Content-Type", "image/png")
		}
		chunk := []byte(strings.Repeat(`{"a":"bbbbbbbb"},`, 4096))
		for sent := 0; sent < 100<<20; sent += len(chunk) {
			n, err := w.Write(chunk)
			flooded.Add(int64(n))
			if err != nil {
				return
			}
		}
	}))
	t.Cleanup(flood.Close)
	var goodGot atomic.Int64
	good := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		goodGot.Add(1)
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(good.Close)

	// Fetches: each bad server is given up on within its timeout, with a
	// clear error, and the flood is read no further than the cap.
	for _, tc := range []struct {
		name, url string
		want      string
	}{
		{"a server that never answers", hang + "/users/a", "timeout"},
		{"a server that answers its headers a byte at a time", trickle + "/users/a", "timeout"},
		{"a server that sends its body a byte at a time", drip.URL + "/users/a", "deadline"},
		{"a server that sends 100 MB", flood.URL + "/users/a", "larger than"},
	} {
		start := time.Now()
		_, err := f.client.getJSON(ctx, tc.url, "", "")
		took := time.Since(start)
		if err == nil || !strings.Contains(strings.ToLower(err.Error()), tc.want) {
			t.Errorf("%s: %v, want an error with %q", tc.name, err, tc.want)
		}
		if took > 15*time.Second {
			t.Errorf("%s: gave up only after %s", tc.name, took)
		}
		t.Logf("%s: gave up after %s: %v", tc.name, took.Round(time.Millisecond), err)
	}
	if n := flooded.Load(); n > 20<<20 {
		t.Errorf("the flood got %d MB out before we stopped reading", n>>20)
	}
	flooded.Store(0)
	if _, err := f.picture(ctx, flood.URL+"/picture.png"); err == nil {
		t.Error("a 100 MB picture was taken")
	}
	if n := flooded.Load(); n > 30<<20 {
		t.Errorf("the picture flood got %d MB out before we stopped reading", n>>20)
	}

	// Deliveries: the healthy server gets its activities while the bad
	// ones hang; theirs stay in the queue, retried later.
	acc, err := a.AddAccount(ctx, "wang", node.RoleStallholder, "a long secret phrase")
	if err != nil {
		t.Fatal(err)
	}
	var inboxes []string
	for i := 0; i < 4; i++ {
		inboxes = append(inboxes, fmt.Sprintf("%s/users/h%d/inbox", hang, i), fmt.Sprintf("%s/users/t%d/inbox", trickle, i),
			fmt.Sprintf("%s/users/g%d/inbox", good.URL, i))
	}
	err = db.Write(ctx, func(tx *sql.Tx) error {
		return f.enqueueTx(ctx, tx, outgoing{actor: accountKey(acc.ID), kind: "update", activity: "http://market.test/activities/x",
			body: []byte(`{"type":"Update"}`), inboxes: inboxes})
	})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { f.Run(runCtx); close(done) }()
	defer func() { stop(); <-done }()
	deadline := time.Now().Add(2 * time.Minute) // a guard against a hang, not a measure
	for goodGot.Load() < 4 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if goodGot.Load() != 4 {
		t.Fatalf("the healthy server got %d of 4 deliveries while others hung", goodGot.Load())
	}
	// The node's own documents are served meanwhile.
	e := echoFor(f)
	w := httptest.NewRecorder()
	e.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "http://market.test/.well-known/nodeinfo", nil))
	if w.Code != 200 {
		t.Fatalf("nodeinfo while deliveries hang: %d", w.Code)
	}
	// The bad ones fail, are kept and wait for a retry.
	waitUntil(t, "the hanging deliveries to fail and wait for a retry", func() bool {
		var n int
		db.Read().QueryRow(`SELECT count(*) FROM ap_deliveries WHERE attempts >= 1 AND lease_ms = 0 AND failed_at IS NULL`).Scan(&n)
		return n == 8
	})
	var left int
	db.Read().QueryRow(`SELECT count(*) FROM ap_deliveries`).Scan(&left)
	if left != 8 {
		t.Fatalf("%d deliveries are queued, want the 8 to the bad servers", left)
	}
}

// echoFor is an echo with f's routes.
func echoFor(f *Federation) *echo.Echo {
	e := echo.New()
	f.Mount(e)
	return e
}
