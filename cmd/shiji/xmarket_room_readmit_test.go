package main

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

// A removed member of a group chat across markets, as a real group chat
// treats one (issue 13): their later messages are refused and reach no one;
// following the room again is refused; the room's owner lets them back in
// (PUT …/members/{user@host}) and, once they follow again, they are a member
// like any other, on both markets. Two markets prove it: the room's and the
// member's.
func TestGroupChatRemovedMemberComesBack(t *testing.T) {
	certFile, keyFile, pool := worldCert(t, t.TempDir())
	demo, password := worldDemo(t, 4, 8) // the trade test's size: one demo loaded for both
	a := newTradeMarket(t, "127.0.0.1", certFile, keyFile, pool, demo, password, "ana", 1)
	c := newTradeMarket(t, "127.0.0.2", certFile, keyFile, pool, demo, password, "cy", 1, "organiser")

	r := c.as("organiser", "POST", "/api/v1/conversations", `{"kind":"group","name":"夜市 Night market"}`)
	if r.Status != 201 {
		t.Fatalf("create group: %d %s", r.Status, r.Body)
	}
	room := int(r.JSON(t)["id"].(float64))
	if r := c.as("organiser", "PATCH", fmt.Sprintf("/api/v1/conversations/%d", room), `{"federated":true}`); r.Status != 200 {
		t.Fatalf("open: %d %s", r.Status, r.Body)
	}
	acct := fmt.Sprintf("room-%d@%s", room, c.host())
	follow := func() {
		t.Helper()
		if r := a.as("ana_0", "POST", "/api/v1/follows", `{"acct":"`+acct+`"}`); r.Status != 201 && r.Status != 200 {
			t.Fatalf("follow the room: %d %s", r.Status, r.Body)
		}
	}
	following := func() bool {
		return strings.Contains(a.as("ana_0", "GET", "/api/v1/follows", "").Body, fmt.Sprintf("/rooms/%d", room))
	}
	write := func(body string) int {
		return a.as("ana_0", "POST", "/api/v1/remote/messages", `{"to":"`+acct+`","body":"`+body+`"}`).Status
	}
	follow()
	waitForIn(t, time.Minute, "A's member in the room", following)
	if s := write("First stall on the left"); s != 201 {
		t.Fatalf("write: %d", s)
	}
	waitForIn(t, time.Minute, "the message on C", func() bool {
		cc, _ := c.messagesOf("organiser", room)
		return has(cc, "First stall")
	})

	// Removed: they leave the room on their market too.
	who := url.PathEscape("ana_0@" + a.host())
	if r := c.as("organiser", "DELETE", fmt.Sprintf("/api/v1/conversations/%d/members/%s", room, who), ""); r.Status != 204 {
		t.Fatalf("remove: %d %s", r.Status, r.Body)
	}
	waitForIn(t, time.Minute, "the removal on A", func() bool { return !following() })
	ma := a.mirrorOf("ana_0", acct)
	if ma != 0 {
		t.Fatalf("A's member still sees the room as conversation %d", ma)
	}
	if s := write("Let me back in"); s == 201 {
		t.Fatal("A sent a message to a room its member was removed from")
	}

	// Following again is refused while the removal stands.
	if r := a.as("ana_0", "POST", "/api/v1/follows", `{"acct":"`+acct+`"}`); r.Status != 409 || !strings.Contains(r.Body, "rejected") {
		t.Fatalf("a removed member following again = %d %s", r.Status, r.Body)
	}
	waitForIn(t, time.Minute, "the refusal on A", func() bool { return !following() && a.mirrorOf("ana_0", acct) == 0 })
	if s := write("Please?"); s == 201 {
		t.Fatal("a refused member wrote to the room")
	}
	if cc, _ := c.messagesOf("organiser", room); has(cc, "back in") || has(cc, "Please?") {
		t.Fatal("the room took a removed member's message")
	}

	// Letting back in: only the room's moderators, only someone removed.
	path := fmt.Sprintf("/api/v1/conversations/%d/members/", room)
	if r := c.as("cy_0", "PUT", path+who, ""); r.Status != 403 && r.Status != 404 {
		t.Fatalf("a non-member letting back in = %d %s", r.Status, r.Body)
	}
	if r := c.as("organiser", "PUT", path+"cy_0", ""); r.Status != 422 {
		t.Fatalf("letting back in a name here = %d %s", r.Status, r.Body)
	}
	if r := c.as("organiser", "PUT", path+url.PathEscape("nobody@"+a.host()), ""); r.Status != 404 {
		t.Fatalf("letting back in a stranger = %d %s", r.Status, r.Body)
	}
	if r := c.as("organiser", "PUT", path+who, ""); r.Status != 204 {
		t.Fatalf("let back in: %d %s", r.Status, r.Body)
	}
	if r := c.as("organiser", "PUT", path+who, ""); r.Status != 409 {
		t.Fatalf("let back in twice = %d %s", r.Status, r.Body)
	}
	follow()
	waitForIn(t, time.Minute, "A's member back in the room", func() bool { return following() && a.mirrorOf("ana_0", acct) != 0 })
	if s := write("Back again, thank you"); s != 201 {
		t.Fatalf("write after coming back: %d", s)
	}
	if r := c.as("organiser", "POST", fmt.Sprintf("/api/v1/conversations/%d/messages", room), `{"body":"Welcome back!"}`); r.Status != 201 {
		t.Fatalf("C writes: %d %s", r.Status, r.Body)
	}
	ma = a.mirrorOf("ana_0", acct)
	waitForIn(t, time.Minute, "both messages on both markets", func() bool {
		cc, _ := c.messagesOf("organiser", room)
		ca, _ := a.messagesOf("ana_0", ma)
		return has(cc, "Back again") && has(ca, "Welcome back") && has(ca, "Back again")
	})
}

// removedFrom reports whether m's copy of the room (conversation mirror)
// records the member whose acct starts with name as removed: the room's
// Remove reached m.
func (m *tradeMarket) removedFrom(mirror int, name string) bool {
	m.t.Helper()
	return m.count(`SELECT count(*) FROM ap_room_members WHERE conversation_id = ? AND actor LIKE '%/users/' || ? AND removed_at IS NOT NULL`,
		mirror, name) > 0
}
