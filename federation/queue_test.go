package federation

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// queueSome puts one activity for each inbox into the queue.
func (n *testNode) queueSome(t testing.TB, inboxes ...string) {
	t.Helper()
	err := n.db.Write(context.Background(), func(tx *sql.Tx) error {
		return n.f.enqueueTx(context.Background(), tx, outgoing{actor: keyMarket, kind: "announce", activity: n.f.u.activity(newToken()),
			body: []byte(`{"type":"Announce"}`), inboxes: inboxes})
	})
	if err != nil {
		t.Fatal(err)
	}
	n.f.kick()
}

type deliveryRow struct {
	attempts int
	next     int64
	failed   sql.NullInt64
	lastErr  string
}

func (n *testNode) delivery(t testing.TB, inbox string) (deliveryRow, bool) {
	var d deliveryRow
	err := n.db.Read().QueryRow(`SELECT attempts, next_at_ms, failed_at, last_error FROM ap_deliveries WHERE inbox = ?`, inbox).
		Scan(&d.attempts, &d.next, &d.failed, &d.lastErr)
	if errors.Is(err, sql.ErrNoRows) {
		return d, false
	} else if err != nil {
		t.Fatal(err)
	}
	return d, true
}

func TestQueueRetriesBacksOffAndGivesUp(t *testing.T) {
	n := newTestNode(t, "https://market.test", time.Now(), nil)
	var mu sync.Mutex
	fails := map[string]int{"https://flaky.test/inbox": 2}
	n.net.status = func(url string) int {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case strings.HasPrefix(url, "https://gone.test"):
			return http.StatusGone
		case strings.HasPrefix(url, "https://bad.test"):
			return http.StatusBadRequest
		case strings.HasPrefix(url, "https://auth.test"):
			return http.StatusUnauthorized
		case fails[url] > 0:
			fails[url]--
			return http.StatusServiceUnavailable
		}
		return http.StatusAccepted
	}
	n.queueSome(t, "https://ok.test/inbox", "https://flaky.test/inbox", "https://gone.test/inbox", "https://bad.test/inbox", "https://auth.test/inbox")
	n.run()
	waitUntil(t, "the first round", func() bool {
		_, ok := n.delivery(t, "https://ok.test/inbox")
		d, _ := n.delivery(t, "https://flaky.test/inbox")
		g, _ := n.delivery(t, "https://gone.test/inbox")
		b, _ := n.delivery(t, "https://bad.test/inbox")
		a, _ := n.delivery(t, "https://auth.test/inbox")
		return !ok && d.attempts == 1 && g.failed.Valid && b.failed.Valid && a.attempts == 1
	})
	d, _ := n.delivery(t, "https://flaky.test/inbox")
	if wait := time.Until(time.UnixMilli(d.next)); wait < retryBase-2*time.Second || wait > retryBase+time.Second || d.lastErr != "HTTP 503" {
		t.Fatalf("flaky: next in %s, error %q", wait, d.lastErr)
	}
	if a, _ := n.delivery(t, "https://auth.test/inbox"); a.failed.Valid {
		t.Fatal("401 is worth retrying (the remote may refetch our key)")
	}
	// Time passes: the second try fails again and waits twice as long; the third works.
	n.clock.Add(retryBase)
	n.f.kick()
	waitUntil(t, "the second try", func() bool { d, _ := n.delivery(t, "https://flaky.test/inbox"); return d.attempts == 2 })
	d, _ = n.delivery(t, "https://flaky.test/inbox")
	if wait := time.UnixMilli(d.next).Sub(n.clock.Now()); wait < 2*retryBase-2*time.Second || wait > 2*retryBase+time.Second {
		t.Fatalf("second backoff %s", wait)
	}
	n.clock.Add(2 * retryBase)
	n.f.kick()
	waitUntil(t, "the third try", func() bool { _, ok := n.delivery(t, "https://flaky.test/inbox"); return !ok })
	if got := backoff(retryBase, 40); got != retryCap {
		t.Fatalf("backoff is not capped: %s", got)
	}
}

// A crash (kill -9) while deliveries were in flight loses nothing: the next
// start clears the leases and sends them.
func TestQueueSurvivesACrash(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shiji.db")
	n := newTestNodeAt(t, path, "https://market.test", time.Now(), nil)
	block := make(chan struct{})
	var started sync.WaitGroup
	started.Add(3)
	n.f.client.hc.Transport = roundTripFunc(func(r *http.Request) (*http.Response, error) {
		started.Done()
		select {
		case <-block:
		case <-r.Context().Done():
		}
		return nil, errors.New("the process died")
	})
	n.queueSome(t, "https://a.test/inbox", "https://b.test/inbox", "https://c.test/inbox")
	ctx, cancel := context.WithCancel(context.Background())
	go n.f.Run(ctx)
	started.Wait() // all three are in flight, leased in the database
	if c := n.count(`SELECT count(*) FROM ap_deliveries WHERE lease_ms > 0`); c != 3 {
		t.Fatalf("leased = %d", c)
	}
	// kill -9: the process is gone without recording anything. What it
	// leaves is the database file and its WAL as they are now (nothing else
	// writes while the deliveries hang), so a copy of both is the crash image.
	crashed := filepath.Join(t.TempDir(), "crashed.db")
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(path + suffix)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(crashed+suffix, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cancel()
	close(block)

	m := newTestNodeAt(t, crashed, "https://market.test", time.Now(), nil)
	if c := m.count(`SELECT count(*) FROM ap_deliveries WHERE lease_ms > 0`); c != 3 {
		t.Fatalf("after the crash, leased = %d", c)
	}
	m.run()
	waitUntil(t, "the deliveries after the restart", func() bool { return m.count(`SELECT count(*) FROM ap_deliveries`) == 0 })
	if got := len(m.net.sent()); got != 3 {
		t.Fatalf("sent %d after the restart", got)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestQueueLimitsConcurrencyPerHost(t *testing.T) {
	n := newTestNode(t, "https://market.test", time.Now(), func(c *Config) { c.Workers, c.PerHost = 6, 2 })
	var mu sync.Mutex
	now, most := map[string]int{}, map[string]int{}
	total, mostTotal := 0, 0
	n.f.client.hc.Transport = roundTripFunc(func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		now[r.URL.Host]++
		total++
		most[r.URL.Host] = max(most[r.URL.Host], now[r.URL.Host])
		mostTotal = max(mostTotal, total)
		mu.Unlock()
		time.Sleep(20 * time.Millisecond)
		mu.Lock()
		now[r.URL.Host]--
		total--
		mu.Unlock()
		return &http.Response{StatusCode: 202, Body: io.NopCloser(strings.NewReader("")), Header: http.Header{}}, nil
	})
	var inboxes []string
	for _, h := range []string{"a", "b", "c", "d"} {
		for i := 0; i < 10; i++ {
			inboxes = append(inboxes, "https://"+h+".test/users/"+string(rune('a'+i))+"/inbox")
		}
	}
	n.queueSome(t, inboxes...)
	n.run()
	waitUntil(t, "all deliveries", func() bool { return n.count(`SELECT count(*) FROM ap_deliveries`) == 0 })
	mu.Lock()
	defer mu.Unlock()
	for h, m := range most {
		if m > 2 {
			t.Errorf("%s had %d deliveries at once", h, m)
		}
	}
	if mostTotal > 6 || mostTotal < 3 {
		t.Errorf("%d deliveries at once (limit 6)", mostTotal)
	}
}
