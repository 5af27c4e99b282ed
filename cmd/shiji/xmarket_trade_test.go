package main

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shiji-market/shiji/node"
)

// tradeMarket is a world market (issue 12's helpers) with API tokens of its
// own people, written into its database before it starts (logging in fifty
// times would hit the login rate limit).
type tradeMarket struct {
	*worldMarket
	tokens map[string]string // account name → API token
}

// newTradeMarket serves a copy of the demo market in from on ip, with
// residents named prefix_0 … prefix_(n-1) and a token for each of them and
// for the named stallholders.
func newTradeMarket(t *testing.T, ip, certFile, keyFile string, pool *x509.CertPool, from, password, prefix string, n int, holders ...string) *tradeMarket {
	t.Helper()
	m := &worldMarket{t: t, dir: t.TempDir()}
	copyTree(t, from, m.dir)
	tm := &tradeMarket{worldMarket: m, tokens: map[string]string{}}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(m.dir, "shiji.db")+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Now().Unix()
	session := func(id int64, name string) {
		b := make([]byte, 16)
		rand.Read(b)
		tok := hex.EncodeToString(b)
		sum := sha256.Sum256([]byte(tok))
		if _, err := db.Exec(`INSERT INTO sessions(token_hash, account_id, kind, created_at, expires_at) VALUES (?, ?, 'api', ?, ?)`,
			sum[:], id, now, now+86400); err != nil {
			t.Fatal(err)
		}
		tm.tokens[name] = tok
	}
	for i := range n {
		name := fmt.Sprintf("%s_%d", prefix, i)
		res, err := db.Exec(`INSERT INTO accounts(name, display_name, role, password_hash, created_at) VALUES (?, ?, 'resident', '!', ?)`, name, name, now)
		if err != nil {
			t.Fatal(err)
		}
		id, _ := res.LastInsertId()
		session(id, name)
	}
	for _, h := range holders {
		var id int64
		if err := db.QueryRow(`SELECT id FROM accounts WHERE name = ?`, h).Scan(&id); err != nil {
			t.Fatal(err)
		}
		session(id, h)
	}
	db.Close()
	// Fifty people reserving at once from one address, and one stallholder
	// answering them all at once: the abuse limits (issue 15) are raised.
	m.n = startNode(t, m.dir, "--addr", ip+":0", "--tls-cert", certFile, "--tls-key", keyFile, "--trust-ca", certFile, "--allow-private-networks",
		"--federation-waits", linkedFedWaits, "--limits", "reservations=1000/1ms ip-reservations=1000/1ms open-reservations=1000 messages=1000/1ms ip-messages=1000/1ms")
	m.c = newClient(t, m.n.URL)
	m.c.hc.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
	t.Cleanup(func() {
		if t.Failed() {
			var keep []string
			for _, l := range strings.Split(m.n.Stdout.String()+m.n.Stderr.String(), "\n") {
				if !strings.Contains(l, `"msg":"request"`) {
					keep = append(keep, l)
				}
			}
			out := strings.Join(keep, "\n")
			t.Logf("the log of %s:\n%s", ip, out[max(0, len(out)-6000):])
		}
	})
	return tm
}

// as calls the API as the named account ("" body: none).
func (m *tradeMarket) as(name, method, path, body string) response {
	m.t.Helper()
	return m.c.do(method, path, strings.NewReader(body), "Content-Type", "application/json", "Authorization", "Bearer "+m.tokens[name])
}

// statuses counts the market's trades by status (read-only).
func (m *tradeMarket) statuses() map[string]int {
	m.t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(m.dir, "shiji.db")+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		m.t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT status, count(*) FROM trades WHERE remote_side != '' GROUP BY status`)
	if err != nil {
		m.t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			m.t.Fatal(err)
		}
		out[s] = n
	}
	return out
}

// saleItem finds, in a demo data directory, an available item whose stall
// comes to an upcoming market day, makes it the only one of its kind, and
// returns it with its stall and first stallholder.
func saleItem(t *testing.T, dir string, skip ...int64) (item, stall int64, holder string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "shiji.db")+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	q := `SELECT i.id, i.stall_id, a.name FROM items i JOIN stall_holders h ON h.stall_id = i.stall_id JOIN accounts a ON a.id = h.account_id
		WHERE i.status = 'available' AND i.bring_on = '' AND i.stall_id IN (SELECT stall_id FROM stall_days WHERE date > date('now', '+1 day'))`
	for _, s := range skip {
		q += fmt.Sprintf(" AND i.id != %d", s)
	}
	if err := db.QueryRow(q+` ORDER BY i.id LIMIT 1`).Scan(&item, &stall, &holder); err != nil {
		t.Fatalf("no item for sale in the demo: %v", err)
	}
	if _, err := db.Exec(`UPDATE items SET quantity = 1 WHERE id = ?`, item); err != nil {
		t.Fatal(err)
	}
	return item, stall, holder
}

// withdrawDemoItem marks an item of a demo data directory gone (sold).
func withdrawDemoItem(t *testing.T, dir string, item int64) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "shiji.db")+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE items SET status = 'gone', quantity = 0 WHERE id = ?`, item); err != nil {
		t.Fatal(err)
	}
}

// Trades across markets (issue 13): residents of A and B race for a
// quantity-1 item of C; C's stallholder accepts them all at once: exactly one
// Agreement, every other request declined on its own node with the reason;
// the winner's trade runs to hand-over, confirmation and thank-you notes on
// both sides, and the notes show on the stall's page on C.
func TestTradesAcrossMarkets(t *testing.T) {
	certFile, keyFile, pool := worldCert(t, t.TempDir())
	demo, password := worldDemo(t, 4, 8)
	item, stall, holder := saleItem(t, demo)
	gone, _, _ := saleItem(t, demo, item)
	withdrawDemoItem(t, demo, gone)
	const buyers = 25
	a := newTradeMarket(t, "127.0.0.1", certFile, keyFile, pool, demo, password, "ana", buyers)
	b := newTradeMarket(t, "127.0.0.2", certFile, keyFile, pool, demo, password, "bo", buyers)
	c := newTradeMarket(t, "127.0.0.3", certFile, keyFile, pool, demo, password, "cy", 0, holder)
	itemIRI := fmt.Sprintf("%s/items/%d", c.n.URL, item)

	// Bad input changes nothing.
	for _, bad := range []struct {
		body   string
		status int
	}{{`{"item":""}`, 422}, {`{"item":"` + a.n.URL + `/items/1"}`, 422}, {`{"item":"` + itemIRI + `","quantity":0}`, 422},
		{`{"item":"` + itemIRI + `","quantity":1.5}`, 422}, {`{"item":"` + c.n.URL + `/items/99999"}`, 404}, {`nope`, 400}} {
		if r := a.as("ana_0", "POST", "/api/v1/remote/reservations", bad.body); r.Status != bad.status {
			t.Fatalf("reserve %s = %d %s, want %d", bad.body, r.Status, r.Body, bad.status)
		}
	}
	if r := a.c.postJSON("/api/v1/remote/reservations", `{"item":"`+itemIRI+`"}`); r.Status != 401 {
		t.Fatalf("anonymous reservation = %d", r.Status)
	}
	if s := a.statuses(); len(s) != 0 {
		t.Fatalf("trades after bad input: %v", s)
	}

	// An item its market says is gone: refused here at once, nothing sent.
	if r := a.as("ana_0", "POST", "/api/v1/remote/reservations", fmt.Sprintf(`{"item":"%s/items/%d"}`, c.n.URL, gone)); r.Status != 409 {
		t.Fatalf("reserve a gone item = %d %s", r.Status, r.Body)
	}
	if s := a.statuses(); len(s) != 0 {
		t.Fatalf("trades after a gone item: %v", s)
	}

	// The race: fifty requests from two markets, all at once.
	var wg sync.WaitGroup
	errs := make(chan string, 2*buyers)
	for _, m := range []*tradeMarket{a, b} {
		for name := range m.tokens {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := m.as(name, "POST", "/api/v1/remote/reservations", `{"item":"`+itemIRI+`","quantity":1,"message":"我想要这个 — may I?"}`)
				if r.Status != 201 || !strings.Contains(r.Body, `"status":"requested"`) {
					errs <- fmt.Sprintf("%s: %d %s", name, r.Status, r.Body)
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
	var requested []int
	waitForIn(t, 2*time.Minute, "fifty requests on C", func() bool {
		requested = requested[:0]
		for _, tr := range c.as(holder, "GET", "/api/v1/trades?status=requested", "").JSON(t)["trades"].([]any) {
			if tm := tr.(map[string]any); tm["remote"] != nil {
				requested = append(requested, int(tm["id"].(float64)))
			}
		}
		return len(requested) == 2*buyers
	})
	// The stallholder accepts every one of them at once: one wins.
	var mu sync.Mutex
	wins := []int{}
	for _, id := range requested {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := c.as(holder, "POST", fmt.Sprintf("/api/v1/trades/%d/accept", id), "")
			if r.Status == 200 {
				mu.Lock()
				wins = append(wins, id)
				mu.Unlock()
			} else if r.Status != 409 {
				t.Errorf("accept %d = %d %s", id, r.Status, r.Body)
			}
		}()
	}
	wg.Wait()
	if len(wins) != 1 {
		t.Fatalf("%d acceptances of a quantity-1 item: %v", len(wins), wins)
	}
	if s := c.statuses(); s["accepted"] != 1 || s["declined"] != 2*buyers-1 {
		t.Fatalf("on C: %v", s)
	}
	waitForIn(t, 2*time.Minute, "the answers on A and B", func() bool {
		sa, sb := a.statuses(), b.statuses()
		return sa["accepted"]+sb["accepted"] == 1 && sa["declined"]+sb["declined"] == 2*buyers-1
	})

	// The winner, on its own market.
	var wm *tradeMarket
	var winner string
	var tid int
	for _, m := range []*tradeMarket{a, b} {
		for name := range m.tokens {
			for _, tr := range m.as(name, "GET", "/api/v1/trades", "").JSON(t)["trades"].([]any) {
				tm := tr.(map[string]any)
				switch tm["status"] {
				case "accepted":
					wm, winner, tid = m, name, int(tm["id"].(float64))
				case "declined":
					if tm["item"].(map[string]any)["ap_id"] == itemIRI && tm["reason"] != node.SoldOutReason {
						t.Fatalf("declined without the reason: %v", tm)
					}
				}
			}
		}
	}
	if wm == nil {
		t.Fatal("no winner")
	}
	tr := wm.as(winner, "GET", fmt.Sprintf("/api/v1/trades/%d", tid), "").JSON(t)
	remote := tr["remote"].(map[string]any)
	if tr["market_day"] == "" || remote["agreement"] == "" || remote["side"] != "stall" || tr["conversation"].(float64) == 0 {
		t.Fatalf("the winner's trade: %v", tr)
	}
	cid := wins[0]

	// Hand-over on C, confirmation on the winner's market.
	if r := c.as(holder, "POST", fmt.Sprintf("/api/v1/trades/%d/handover", cid), ""); r.Status != 200 {
		t.Fatalf("hand over: %d %s", r.Status, r.Body)
	}
	waitForIn(t, time.Minute, "the hand-over on the winner's market", func() bool {
		return wm.as(winner, "GET", fmt.Sprintf("/api/v1/trades/%d", tid), "").JSON(t)["status"] == "handed_over"
	})
	if r := wm.as(winner, "POST", fmt.Sprintf("/api/v1/trades/%d/accept", tid), ""); r.Status != 403 {
		t.Fatalf("the buyer accepting = %d %s", r.Status, r.Body)
	}
	if r := wm.as(winner, "POST", fmt.Sprintf("/api/v1/trades/%d/confirm", tid), ""); r.Status != 200 {
		t.Fatalf("confirm: %d %s", r.Status, r.Body)
	}
	waitForIn(t, time.Minute, "the confirmation on C", func() bool {
		return c.as(holder, "GET", fmt.Sprintf("/api/v1/trades/%d", cid), "").JSON(t)["status"] == "completed"
	})

	// Thank-you notes, both ways.
	if r := wm.as(winner, "POST", fmt.Sprintf("/api/v1/trades/%d/notes", tid), `{"body":"谢谢！The bowl is perfect."}`); r.Status != 201 {
		t.Fatalf("note: %d %s", r.Status, r.Body)
	}
	if r := c.as(holder, "POST", fmt.Sprintf("/api/v1/trades/%d/notes", cid), `{"body":"Come again next Saturday!"}`); r.Status != 201 {
		t.Fatalf("note: %d %s", r.Status, r.Body)
	}
	waitForIn(t, time.Minute, "the buyer's note on the stall's page on C", func() bool {
		return strings.Contains(c.c.get(fmt.Sprintf("/api/v1/stalls/%d/notes", stall)).Body, "The bowl is perfect")
	})
	if p := c.c.get(fmt.Sprintf("/stalls/%d", stall)); !strings.Contains(p.Body, "The bowl is perfect") || !strings.Contains(p.Body, winner+"@"+wm.host()) {
		t.Fatalf("the stall's page does not show the note by %s", winner)
	}
	waitForIn(t, time.Minute, "the stall's note on the winner's market", func() bool {
		return strings.Contains(wm.as(winner, "GET", fmt.Sprintf("/api/v1/trades/%d", tid), "").Body, "Come again next Saturday")
	})
	// The trade's conversation holds the buyer's message on both sides.
	if conv := wm.as(winner, "GET", fmt.Sprintf("/api/v1/conversations/%d/messages", int(tr["conversation"].(float64))), ""); !strings.Contains(conv.Body, "may I?") {
		t.Fatalf("the winner's conversation: %d %s", conv.Status, conv.Body)
	}
	ct := c.as(holder, "GET", fmt.Sprintf("/api/v1/trades/%d", cid), "").JSON(t)
	if conv := c.as(holder, "GET", fmt.Sprintf("/api/v1/conversations/%d/messages", int(ct["conversation"].(float64))), ""); !strings.Contains(conv.Body, "may I?") {
		t.Fatalf("the stall's conversation: %d %s", conv.Status, conv.Body)
	}
}
