package main

import (
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// restart stops the market's node and starts it again on the same data
// directory and address (its actors' ids stay the same), with the flags of
// newTradeMarket and extra.
func (m *tradeMarket) restart(certFile, keyFile string, pool *x509.CertPool, extra ...string) {
	m.t.Helper()
	addr := m.host()
	m.n.Stop(m.t)
	m.start(addr, certFile, keyFile, pool, extra...)
}

// start starts the market's node on addr (after it was stopped).
func (m *tradeMarket) start(addr, certFile, keyFile string, pool *x509.CertPool, extra ...string) {
	m.t.Helper()
	args := append([]string{"--addr", addr, "--tls-cert", certFile, "--tls-key", keyFile, "--trust-ca", certFile, "--allow-private-networks",
		"--federation-waits", linkedFedWaits, "--limits", "reservations=1000/1ms ip-reservations=1000/1ms open-reservations=1000 messages=1000/1ms ip-messages=1000/1ms"}, extra...)
	m.n = startNode(m.t, m.dir, args...)
	if got := m.host(); got != addr {
		m.t.Fatalf("the node came back on %s, not %s", got, addr)
	}
	m.c = newClient(m.t, m.n.URL)
	m.c.hc.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
}

// exec runs one statement on the market's database (its node stopped, or
// one the node tolerates while running).
func (m *tradeMarket) exec(q string, args ...any) {
	m.t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(m.dir, "shiji.db")+"?_pragma=busy_timeout(5000)")
	if err != nil {
		m.t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(q, args...); err != nil {
		m.t.Fatal(err)
	}
}

// waitingDeliveries counts the deliveries queued to host that failed at
// least once and wait for a retry.
func (m *tradeMarket) waitingDeliveries(host string) int {
	m.t.Helper()
	return m.count(`SELECT count(*) FROM ap_deliveries WHERE host = ? AND attempts > 0 AND failed_at IS NULL`, host)
}

// Trades across markets (issue 13) when the buyer's node is down: the
// stall accepts meanwhile, the trade is accepted on the stall's node at
// once (on its market day), and the Accept waits in the queue until the
// buyer's node is back; later the end of the stall's market day expires the
// trade there, and the buyer's node learns it as an Update. Both sides list
// the other among the people they met.
func TestTradeAcrossMarketsWhileTheBuyerIsDown(t *testing.T) {
	certFile, keyFile, pool := worldCert(t, t.TempDir())
	demo, password := worldDemo(t, 4, 8) // the trade test's size: one demo loaded for both
	item, _, holder := saleItem(t, demo)
	a := newTradeMarket(t, "127.0.0.1", certFile, keyFile, pool, demo, password, "ana", 2)
	c := newTradeMarket(t, "127.0.0.2", certFile, keyFile, pool, demo, password, "cy", 0, holder)
	// The stall's node retries a failed delivery after 100 ms, then 200 ms, …
	// (deliveries do not wait the default 10 s in a test); it expires an
	// accepted trade as soon as its market day has closed.
	// The stallholder reads the market in Chinese (their account's setting).
	addrC := c.host()
	c.n.Stop(t)
	c.exec(`UPDATE accounts SET lang = 'zh-Hans' WHERE name = ?`, holder)
	c.start(addrC, certFile, keyFile, pool, "--delivery-retry", "100ms", "--trade-grace", "1s")
	itemIRI := fmt.Sprintf("%s/items/%d", c.n.URL, item)

	r := a.as("ana_0", "POST", "/api/v1/remote/reservations", `{"item":"`+itemIRI+`","quantity":1,"message":"Keep it for me?"}`)
	if r.Status != 201 {
		t.Fatalf("reserve: %d %s", r.Status, r.Body)
	}
	tid := int(r.JSON(t)["id"].(float64))
	var cid, lateC int
	waitForIn(t, time.Minute, "the request on the stall's market", func() bool {
		for _, tr := range c.as(holder, "GET", "/api/v1/trades?status=requested", "").JSON(t)["trades"].([]any) {
			if tm := tr.(map[string]any); tm["remote"] != nil {
				cid = int(tm["id"].(float64))
			}
		}
		return cid != 0
	})
	// A second resident asks for the same (the only one) a moment later.
	r = a.as("ana_1", "POST", "/api/v1/remote/reservations", `{"item":"`+itemIRI+`","quantity":1}`)
	if r.Status != 201 {
		t.Fatalf("second reservation: %d %s", r.Status, r.Body)
	}
	late := int(r.JSON(t)["id"].(float64))
	waitForIn(t, time.Minute, "the second request on the stall's market", func() bool {
		for _, tr := range c.as(holder, "GET", "/api/v1/trades?status=requested", "").JSON(t)["trades"].([]any) {
			if tm := tr.(map[string]any); tm["remote"] != nil && int(tm["id"].(float64)) != cid {
				lateC = int(tm["id"].(float64))
			}
		}
		return lateC != 0
	})

	// The buyer's node goes down; the stall accepts.
	addrA := a.host()
	a.n.Stop(t)
	if r := c.as(holder, "POST", fmt.Sprintf("/api/v1/trades/%d/accept", cid), ""); r.Status != 200 {
		t.Fatalf("accept while the buyer's node is down: %d %s", r.Status, r.Body)
	}
	ct := c.as(holder, "GET", fmt.Sprintf("/api/v1/trades/%d", cid), "").JSON(t)
	day, _ := ct["market_day"].(string)
	if ct["status"] != "accepted" || day == "" {
		t.Fatalf("the stall's trade while the buyer is away: %v", ct)
	}
	waitForIn(t, time.Minute, "the Accept to fail and wait for a retry", func() bool { return c.waitingDeliveries(addrA) > 0 })
	if s := a.statuses(); s["requested"] != 2 || s["accepted"] != 0 {
		t.Fatalf("the buyer's node changed while it was down: %v", s)
	}

	// The buyer's node is back: the Accept lands, with the stall's day.
	a.start(addrA, certFile, keyFile, pool)
	waitForIn(t, time.Minute, "the Accept on the buyer's market", func() bool {
		return a.as("ana_0", "GET", fmt.Sprintf("/api/v1/trades/%d", tid), "").JSON(t)["status"] == "accepted"
	})
	at := a.as("ana_0", "GET", fmt.Sprintf("/api/v1/trades/%d", tid), "").JSON(t)
	if at["market_day"] != day || at["remote"].(map[string]any)["agreement"] == "" {
		t.Fatalf("the buyer's accepted trade: %v (the stall's day is %s)", at, day)
	}
	// The second request was declined on the stall's node when the first
	// was accepted: "sold to someone else", a code each reader sees in
	// their own language, on both nodes.
	waitForIn(t, time.Minute, "the sold-out answer on the buyer's market", func() bool {
		return a.as("ana_1", "GET", fmt.Sprintf("/api/v1/trades/%d", late), "").JSON(t)["status"] == "declined"
	})
	if n := c.waitingDeliveries(addrA); n != 0 {
		t.Fatalf("%d deliveries still wait for the buyer's node", n)
	}
	for _, side := range []struct {
		m        *tradeMarket
		who      string
		id       int
		langs    map[string]string
		pageText string
	}{
		{a, "ana_1", late, map[string]string{"en": "Sold to someone else", "zh-Hans": "已卖给别人"}, "已卖给别人"},
		{c, holder, lateC, map[string]string{"en": "已卖给别人", "zh-Hans": "已卖给别人"}, "已卖给别人"}, // the account's language wins
	} {
		for lang, want := range side.langs {
			side.m.c.lang = lang
			tr := side.m.as(side.who, "GET", fmt.Sprintf("/api/v1/trades/%d", side.id), "").JSON(t)
			if tr["status"] != "declined" || tr["reason_code"] != "sold_out" || !strings.HasPrefix(tr["reason"].(string), want) {
				t.Fatalf("%s's trade in %s: %v", side.who, lang, tr)
			}
		}
		side.m.c.lang = "zh-Hans"
		if p := side.m.as(side.who, "GET", fmt.Sprintf("/trades/%d", side.id), ""); p.Status != 200 || !strings.Contains(p.Body, side.pageText) {
			t.Fatalf("%s's trade page in Chinese: %d, without %q", side.who, p.Status, side.pageText)
		}
		side.m.c.lang = "en"
	}

	// Each side met the other.
	metA := a.as("ana_0", "GET", "/api/v1/met", "")
	if !strings.Contains(metA.Body, `"acct":"`) || !strings.Contains(metA.Body, c.host()) || !strings.Contains(metA.Body, fmt.Sprintf(`"trade":%d`, tid)) {
		t.Fatalf("the buyer's people met: %s", metA.Body)
	}
	if p := a.as("ana_0", "GET", "/met", ""); p.Status != 200 || !strings.Contains(p.Body, `class="elsewhere" href="`+c.n.URL+`/stalls/`) {
		t.Fatalf("the buyer's people met page: %d, without the stall elsewhere", p.Status)
	}
	metC := c.as(holder, "GET", "/api/v1/met", "")
	if !strings.Contains(metC.Body, `"acct":"ana_0@`+addrA+`"`) || !strings.Contains(metC.Body, fmt.Sprintf(`"trade":%d`, cid)) {
		t.Fatalf("the stallholder's people met: %s", metC.Body)
	}
	if p := c.as(holder, "GET", "/met", ""); p.Status != 200 || !strings.Contains(p.Body, "@ana_0@"+addrA) {
		t.Fatalf("the stallholder's people met page: %d, without @ana_0@%s", p.Status, addrA)
	}

	// The stall's market day ends without a hand-over (its node was off):
	// on start it expires the trade as a local one, and tells the buyer.
	c.n.Stop(t)
	past := time.Now().Add(-3 * time.Hour).Unix()
	c.exec(`UPDATE trades SET starts_at = ?, closes_at = ? WHERE id = ?`, past-3600, past, cid)
	c.start(addrC, certFile, keyFile, pool, "--delivery-retry", "100ms", "--trade-grace", "1s")
	waitForIn(t, time.Minute, "the expiry on the stall's market", func() bool {
		return c.as(holder, "GET", fmt.Sprintf("/api/v1/trades/%d", cid), "").JSON(t)["status"] == "expired"
	})
	waitForIn(t, time.Minute, "the expiry on the buyer's market (an Update)", func() bool {
		return a.as("ana_0", "GET", fmt.Sprintf("/api/v1/trades/%d", tid), "").JSON(t)["status"] == "expired"
	})
	if it := c.c.get(fmt.Sprintf("/api/v1/items/%d", item)).JSON(t); it["available"].(float64) != 1 {
		t.Fatalf("the item after the expiry: %v", it)
	}
}

func TestDeliveryRetryConfiguration(t *testing.T) {
	envs := map[string]string{"SHIJI_DELIVERY_RETRY": "soon"}
	err := runWith(t.Context(), []string{"shiji", "serve", "--addr", "127.0.0.1:0", "--data", t.TempDir()},
		env{getenv: func(k string) string { return envs[k] }, stdout: &syncBuffer{}, stderr: &syncBuffer{}})
	if err == nil || !strings.Contains(err.Error(), "SHIJI_DELIVERY_RETRY") {
		t.Fatalf("a bad SHIJI_DELIVERY_RETRY: %v", err)
	}
	if _, _, err := runCmd(t, "", "serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--delivery-retry", "-1s"); err == nil || !strings.Contains(err.Error(), "--delivery-retry") {
		t.Fatalf("a negative --delivery-retry: %v", err)
	}
}
