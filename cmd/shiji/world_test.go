package main

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

// The world market page (/world) on two markets: B's resident follows a
// stall of A by its address from the page, A's new item (with its price)
// shows there, a bad address is refused with what was typed kept, and the
// unfollow button stops it.
func TestWorldMarketPage(t *testing.T) {
	a := newFedNode(t, "mei:organiser", "wang:stallholder")
	b := newFedNode(t, "ajie:resident")
	if r := a.call("POST", "/api/v1/alleys", "mei", `{"slug":"vintage","name":{"en":"Vintage"}}`); r.Status != 201 {
		t.Fatalf("alley: %d %s", r.Status, r.Body)
	}
	st := a.call("POST", "/api/v1/stalls", "wang", `{"name":"Old Wang's Bicycles","alley":"vintage"}`)
	stallID := int(st.JSON(t)["id"].(float64))
	// An item already on the table before anyone follows.
	if r := a.call("POST", fmt.Sprintf("/api/v1/stalls/%d/items", stallID), "wang", `{"title":"Enamel lamp","price":{"kind":"swap"},"quantity":1}`); r.Status != 201 {
		t.Fatalf("first item = %d %s", r.Status, r.Body)
	}
	ajie := webLogIn(t, b.n.URL, "ajie")
	page := ajie.get("/world")
	if page.Status != 200 {
		t.Fatalf("world page = %d", page.Status)
	}
	mustContain(t, "empty world page", page.Body, "World market", "Nothing here yet", `action="/world/follow"`)
	// The world market is public (its linked markets and their days, the
	// way into the world stroll); following and asking need an account.
	if anon := newClient(t, b.n.URL).get("/world"); anon.Status != 200 || strings.Contains(anon.Body, `action="/world/follow"`) ||
		!strings.Contains(anon.Body, "Linked markets") {
		t.Fatalf("world page for nobody = %d %s", anon.Status, anon.Body)
	}

	// A bad address: refused, kept, nothing followed.
	r := ajie.postForm("/world", "/world/follow", url.Values{"address": {"not an address"}})
	if r.Status != 422 {
		t.Fatalf("bad address = %d", r.Status)
	}
	mustContain(t, "refused follow", r.Body, `value="not an address"`, "is not an address")
	r = ajie.postForm("/world", "/world/follow", url.Values{"address": {"nobody@" + a.host()}})
	if r.Status != 404 {
		t.Fatalf("unknown address = %d", r.Status)
	}
	if c := b.count(`SELECT count(*) FROM ap_following`); c != 0 {
		t.Fatalf("refused follows were stored: %d", c)
	}

	// The stall's JSON and page give its address, and it is what B follows.
	address := st.JSON(t)["acct"].(string)
	if address != fmt.Sprintf("stall-%d@%s", stallID, a.host()) {
		t.Fatalf("stall acct = %q", address)
	}
	mustContain(t, "stall page", a.c.get(fmt.Sprintf("/stalls/%d", stallID)).Body, "<code>@"+address+"</code>")
	if acct := b.call("GET", "/api/v1/account", "ajie", "").JSON(t)["acct"]; acct != "ajie@"+b.host() {
		t.Fatalf("account acct = %v", acct)
	}
	if r := ajie.postForm("/world", "/world/follow", url.Values{"address": {address}}); r.Status != 303 {
		t.Fatalf("follow = %d %s", r.Status, r.Body)
	}
	mustContain(t, "world page after the follow", ajie.get("/world").Body, "Following 1", "Old Wang&#39;s Bicycles", "@"+address)
	// What was on the table before the follow arrives too (backfill).
	waitForIn(t, 30*time.Second, "the earlier item on the world page", func() bool {
		return strings.Contains(ajie.get("/world").Body, "Enamel lamp")
	})
	it := a.call("POST", fmt.Sprintf("/api/v1/stalls/%d/items", stallID), "wang",
		`{"title":"Brass bell","story":"Rings like **new**.","price":{"kind":"amount","amount":"25.00","currency":"CNY"},"quantity":1}`)
	if it.Status != 201 {
		t.Fatalf("item = %d %s", it.Status, it.Body)
	}
	waitForIn(t, 30*time.Second, "the item on the world page", func() bool {
		return strings.Contains(ajie.get("/world").Body, "Brass bell")
	})
	mustContain(t, "world page with the item", ajie.get("/world").Body, "25.00 CNY", "<strong>new</strong>", it.JSON(t)["url"].(string), `action="/world/ask"`)

	// Ask about it from the page: an empty question is refused and kept
	// nothing; a real one opens ajie's conversation and reaches A's thread.
	itemID := it.JSON(t)["url"].(string)
	if r := ajie.postForm("/world", "/world/ask", url.Values{"in_reply_to": {itemID}, "body": {"   "}}); r.Status != 422 {
		t.Fatalf("empty question = %d", r.Status)
	}
	long := strings.Repeat("长", 2001)
	if r := ajie.postForm("/world", "/world/ask", url.Values{"in_reply_to": {itemID}, "body": {long}}); r.Status != 422 {
		t.Fatalf("long question = %d", r.Status)
	} else {
		mustContain(t, "refused question", r.Body, long) // what ajie wrote is still there
	}
	r = ajie.postForm("/world", "/world/ask", url.Values{"in_reply_to": {itemID}, "body": {"Does it still ring?"}})
	if r.Status != 303 || !strings.HasPrefix(r.Header.Get("Location"), "/conversations/") {
		t.Fatalf("question = %d %s", r.Status, r.Header.Get("Location"))
	}
	mustContain(t, "ajie's conversation", ajie.get(r.Header.Get("Location")).Body, "Does it still ring?")
	waitForIn(t, 30*time.Second, "the question in A's thread", func() bool {
		return a.count(`SELECT count(*) FROM messages WHERE body = 'Does it still ring?'`) == 1
	})
	// Write to the stall privately from the follows list.
	stallActor := fmt.Sprintf("%s/stalls/%d", a.n.URL, stallID)
	r = ajie.postForm("/world", "/world/write", url.Values{"to": {stallActor}, "body": {"Can you hold it till Saturday?"}})
	if r.Status != 303 || !strings.HasPrefix(r.Header.Get("Location"), "/conversations/") {
		t.Fatalf("message = %d %s", r.Status, r.Body)
	}
	waitForIn(t, 30*time.Second, "the message at A", func() bool {
		return a.count(`SELECT count(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id
			WHERE c.kind = 'private' AND m.body = 'Can you hold it till Saturday?'`) == 1
	})

	// Following the market too: its coming market days show (they are in
	// its outbox), and a new one arrives as an Event.
	if r := a.call("PUT", "/api/v1/market/schedule", "mei",
		`{"timezone":"Asia/Shanghai","weekly":[{"weekday":"saturday","start":"08:00","end":"13:00"}]}`); r.Status != 200 {
		t.Fatalf("schedule = %d %s", r.Status, r.Body)
	}
	if r := ajie.postForm("/world", "/world/follow", url.Values{"address": {"market@" + a.host()}}); r.Status != 303 {
		t.Fatalf("follow the market = %d %s", r.Status, r.Body)
	}
	waitForIn(t, 30*time.Second, "A's market days on B's world page", func() bool {
		return strings.Contains(ajie.get("/world").Body, "Market days elsewhere")
	})
	mustContain(t, "world page with days", ajie.get("/world").Body, "08:00–13:00", "/days/")

	// Unfollow from the page.
	for _, f := range b.call("GET", "/api/v1/follows", "ajie", "").JSON(t)["follows"].([]any) {
		id := int(f.(map[string]any)["id"].(float64))
		if r := ajie.postForm("/world", fmt.Sprintf("/world/follows/%d/unfollow", id), url.Values{}); r.Status != 303 {
			t.Fatalf("unfollow = %d %s", r.Status, r.Body)
		}
	}
	if c := b.count(`SELECT count(*) FROM ap_following`); c != 0 {
		t.Fatalf("follows after the unfollow = %d", c)
	}
	waitForIn(t, 20*time.Second, "A to forget the follower", func() bool { return a.count(`SELECT count(*) FROM ap_followers`) == 0 })
}
