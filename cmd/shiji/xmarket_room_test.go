package main

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

// messagesOf is the bodies of a conversation's messages as name reads them
// ("" for deleted ones), and whether each came from elsewhere.
func (m *tradeMarket) messagesOf(name string, conv int) (bodies []string, remote []bool) {
	m.t.Helper()
	r := m.as(name, "GET", fmt.Sprintf("/api/v1/conversations/%d/messages", conv), "")
	if r.Status != 200 {
		m.t.Fatalf("messages of %d as %s: %d %s", conv, name, r.Status, r.Body)
	}
	for _, x := range r.JSON(m.t)["messages"].([]any) {
		msg := x.(map[string]any)
		bodies = append(bodies, msg["body"].(string))
		remote = append(remote, msg["remote"] == true)
	}
	return bodies, remote
}

// deliveryErrors counts m's deliveries whose last error mentions what.
func (m *tradeMarket) deliveryErrors(what string) int {
	m.t.Helper()
	return m.count(`SELECT count(*) FROM ap_deliveries WHERE last_error LIKE '%' || ? || '%'`, what)
}

// roomDeliveries counts m's deliveries of its rooms' activities not done yet.
func (m *tradeMarket) roomDeliveries() int {
	m.t.Helper()
	return m.count(`SELECT count(*) FROM ap_deliveries d JOIN ap_outbox o ON o.id = d.outbox_id
		WHERE o.actor LIKE 'room:%' AND d.failed_at IS NULL`)
}

func has(xs []string, s string) bool {
	for _, x := range xs {
		if strings.Contains(x, s) {
			return true
		}
	}
	return false
}

// mirrorOf is the group chat on m that mirrors the room acct, as name sees it.
func (m *tradeMarket) mirrorOf(name, acct string) int {
	m.t.Helper()
	for _, x := range m.as(name, "GET", "/api/v1/conversations", "").JSON(m.t)["conversations"].([]any) {
		c := x.(map[string]any)
		if c["kind"] == "group" && c["room"] != nil && strings.HasSuffix(acct, "@"+strings.TrimPrefix(strings.Split(c["room"].(string), "/rooms/")[0], "https://")) {
			return int(c["id"].(float64))
		}
	}
	return 0
}

// Group chats across markets (issue 13): a group chat on C opened to other
// markets; residents of A and B join it by following it and write; every
// member's market receives everyone's messages; C's owner removes B's member
// (whose later messages are refused) and deletes A's member's message, and
// both reach every market.
func TestGroupChatAcrossMarkets(t *testing.T) {
	certFile, keyFile, pool := worldCert(t, t.TempDir())
	// The size of TestTradesAcrossMarkets' demo: worldDemo loads it once for both.
	demo, password := worldDemo(t, 4, 8)
	a := newTradeMarket(t, "127.0.0.1", certFile, keyFile, pool, demo, password, "ana", 1)
	b := newTradeMarket(t, "127.0.0.2", certFile, keyFile, pool, demo, password, "bo", 1)
	c := newTradeMarket(t, "127.0.0.3", certFile, keyFile, pool, demo, password, "cy", 1, "organiser")

	r := c.as("organiser", "POST", "/api/v1/conversations", `{"kind":"group","name":"旧物交换 Swap corner"}`)
	if r.Status != 201 {
		t.Fatalf("create group: %d %s", r.Status, r.Body)
	}
	room := int(r.JSON(t)["id"].(float64))
	if r := c.as("cy_0", "POST", fmt.Sprintf("/api/v1/conversations/%d/members", room), ""); r.Status != 204 {
		t.Fatalf("join: %d %s", r.Status, r.Body)
	}
	// Only its owner opens it, with a clear answer.
	for _, bad := range []struct {
		who, body string
		status    int
	}{{"cy_0", `{"federated":true}`, 403}, {"organiser", `{}`, 422}, {"organiser", `nope`, 400}} {
		if r := c.as(bad.who, "PATCH", fmt.Sprintf("/api/v1/conversations/%d", room), bad.body); r.Status != bad.status {
			t.Fatalf("open as %s with %s = %d %s", bad.who, bad.body, r.Status, r.Body)
		}
	}
	if r := a.as("ana_0", "POST", "/api/v1/follows", fmt.Sprintf(`{"acct":"room-%d@%s"}`, room, c.host())); r.Status != 404 {
		t.Fatalf("follow a room not opened = %d %s", r.Status, r.Body)
	}
	r = c.as("organiser", "PATCH", fmt.Sprintf("/api/v1/conversations/%d", room), `{"federated":true}`)
	acct := fmt.Sprintf("room-%d@%s", room, c.host())
	if r.Status != 200 || r.JSON(t)["conversation"].(map[string]any)["acct"] != acct {
		t.Fatalf("open: %d %s", r.Status, r.Body)
	}
	for _, m := range []*tradeMarket{a, b} {
		name := map[*tradeMarket]string{a: "ana_0", b: "bo_0"}[m]
		if r := m.as(name, "POST", "/api/v1/follows", `{"acct":"`+acct+`"}`); r.Status != 201 || r.JSON(t)["state"] != "accepted" {
			t.Fatalf("%s follows the room: %d %s", name, r.Status, r.Body)
		}
	}
	ma, mb := a.mirrorOf("ana_0", acct), b.mirrorOf("bo_0", acct)
	if ma == 0 || mb == 0 {
		t.Fatalf("no group chat for the room on A (%d) or B (%d)", ma, mb)
	}

	// Everyone writes; every market receives everyone's messages.
	if r := a.as("ana_0", "POST", "/api/v1/remote/messages", `{"to":"`+acct+`","body":"Anyone have a bike pump?"}`); r.Status != 201 {
		t.Fatalf("A writes: %d %s", r.Status, r.Body)
	}
	if r := b.as("bo_0", "POST", "/api/v1/remote/messages", `{"to":"`+acct+`","body":"I can swap one for jam."}`); r.Status != 201 {
		t.Fatalf("B writes: %d %s", r.Status, r.Body)
	}
	if r := c.as("cy_0", "POST", fmt.Sprintf("/api/v1/conversations/%d/messages", room), `{"body":"Bring it on Saturday!"}`); r.Status != 201 {
		t.Fatalf("C writes: %d %s", r.Status, r.Body)
	}
	all := []string{"bike pump", "swap one for jam", "Bring it on Saturday"}
	waitForIn(t, time.Minute, "every message on every market", func() bool {
		ca, _ := a.messagesOf("ana_0", ma)
		cb, _ := b.messagesOf("bo_0", mb)
		cc, _ := c.messagesOf("cy_0", room)
		for _, s := range all {
			if !has(ca, s) || !has(cb, s) || !has(cc, s) {
				return false
			}
		}
		return true
	})
	// Each message once on every market, though a member's market receives
	// it twice (the room's Announce{Create} and its boost, room_compat.go),
	// and in the order they were written, though the room's deliveries to
	// a market run side by side.
	waitForIn(t, time.Minute, "the room's deliveries done", func() bool { return c.roomDeliveries() == 0 })
	for _, m := range []struct {
		market *tradeMarket
		name   string
		conv   int
	}{{a, "ana_0", ma}, {b, "bo_0", mb}, {c, "cy_0", room}} {
		got, _ := m.market.messagesOf(m.name, m.conv)
		ok := len(got) == len(all)
		for i := 0; ok && i < len(all); i++ {
			ok = strings.Contains(got[i], all[i])
		}
		if !ok {
			t.Errorf("%s reads %q, want each of %q once, in that order", m.name, got, all)
		}
	}
	bodies, remote := c.messagesOf("cy_0", room)
	for i, body := range bodies {
		if want := !strings.Contains(body, "Saturday"); remote[i] != want {
			t.Fatalf("on C, %q remote = %v", body, remote[i])
		}
	}

	// Moderation: B's member removed, A's member's message deleted.
	who := url.PathEscape("bo_0@" + b.host())
	if r := c.as("cy_0", "DELETE", fmt.Sprintf("/api/v1/conversations/%d/members/%s", room, who), ""); r.Status != 403 {
		t.Fatalf("a member removing = %d %s", r.Status, r.Body)
	}
	if r := c.as("organiser", "DELETE", fmt.Sprintf("/api/v1/conversations/%d/members/%s", room, who), ""); r.Status != 204 {
		t.Fatalf("remove: %d %s", r.Status, r.Body)
	}
	var pump int
	for _, x := range c.as("cy_0", "GET", fmt.Sprintf("/api/v1/conversations/%d/messages", room), "").JSON(t)["messages"].([]any) {
		if msg := x.(map[string]any); strings.Contains(msg["body"].(string), "bike pump") {
			pump = int(msg["id"].(float64))
		}
	}
	if r := c.as("organiser", "DELETE", fmt.Sprintf("/api/v1/messages/%d", pump), ""); r.Status != 204 {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	waitForIn(t, time.Minute, "the removal and the deletion on A and B", func() bool {
		ca, _ := a.messagesOf("ana_0", ma)
		gone := b.as("bo_0", "GET", fmt.Sprintf("/api/v1/conversations/%d/messages", mb), "").Status == 404 ||
			!strings.Contains(b.as("bo_0", "GET", "/api/v1/follows", "").Body, acct[:strings.Index(acct, "@")])
		cc, _ := c.messagesOf("cy_0", room)
		return !has(ca, "bike pump") && has(ca, "jam") && !has(cc, "bike pump") && gone && a.removedFrom(ma, "bo_0")
	})
	// The removed member's later messages are refused by the room.
	if r := b.as("bo_0", "POST", "/api/v1/remote/messages", `{"to":"`+acct+`","body":"Let me back in"}`); r.Status == 201 {
		// B's node sent it (it had not heard of the removal yet): the room answers 403.
		waitForIn(t, time.Minute, "the room's refusal", func() bool {
			return b.deliveryErrors("403") > 0
		})
	}
	if cc, _ := c.messagesOf("cy_0", room); has(cc, "Let me back in") {
		t.Fatal("the room took a removed member's message")
	}
	if ca, _ := a.messagesOf("ana_0", ma); has(ca, "Let me back in") {
		t.Fatal("A received a removed member's message")
	}
}
