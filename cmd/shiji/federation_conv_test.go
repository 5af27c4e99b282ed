package main

import (
	"fmt"
	"testing"
	"time"
)

// messagesOf returns the messages of a conversation as user sees them.
func (f *fedNode) messagesOf(user string, conv int) []map[string]any {
	f.t.Helper()
	r := f.call("GET", fmt.Sprintf("/api/v1/conversations/%d/messages", conv), user, "")
	if r.Status != 200 {
		f.t.Fatalf("messages of %d = %d %s", conv, r.Status, r.Body)
	}
	var out []map[string]any
	for _, m := range r.JSON(f.t)["messages"].([]any) {
		out = append(out, m.(map[string]any))
	}
	return out
}

// Two markets on loopback talk: a resident of B asks about an item of A; the
// question lands in the item's public thread on A, marked remote; the
// stallholder answers through A's normal API and the answer reaches B's
// conversation for that item; B writes privately to the stall and it shows
// as a private chat on A, and the answer comes back; unfollowing still stops
// item deliveries.
func TestTwoMarketsTalk(t *testing.T) {
	a := newFedNode(t, "mei:organiser", "wang:stallholder")
	b := newFedNode(t, "ajie:resident")
	if r := a.call("POST", "/api/v1/alleys", "mei", `{"slug":"vintage","name":{"en":"Vintage"}}`); r.Status != 201 {
		t.Fatalf("alley: %d %s", r.Status, r.Body)
	}
	r := a.call("POST", "/api/v1/stalls", "wang", `{"name":"Old Wang's Bicycles","alley":"vintage"}`)
	if r.Status != 201 {
		t.Fatalf("stall: %d %s", r.Status, r.Body)
	}
	stallID := int(r.JSON(t)["id"].(float64))
	stallAcct := fmt.Sprintf("stall-%d@%s", stallID, a.host())
	r = a.call("POST", fmt.Sprintf("/api/v1/stalls/%d/items", stallID), "wang", `{"title":"Phoenix bell","price":{"amount":"12.50","currency":"CNY"},"quantity":1}`)
	if r.Status != 201 {
		t.Fatalf("item = %d %s", r.Status, r.Body)
	}
	item := int(r.JSON(t)["id"].(float64))
	itemURL := fmt.Sprintf("%s/items/%d", a.n.URL, item)

	// ajie on B asks about the item by its address.
	r = b.call("POST", "/api/v1/remote/replies", "ajie", fmt.Sprintf(`{"in_reply_to":%q,"body":"Does it still *ring*?"}`, itemURL))
	if r.Status != 201 {
		t.Fatalf("remote reply = %d %s", r.Status, r.Body)
	}
	asked := r.JSON(t)
	bConv := int(asked["conversation"].(float64))
	if asked["acct"] != stallAcct || asked["in_reply_to"] != itemURL {
		t.Fatalf("remote reply = %v", asked)
	}
	// It lands in the item's public thread on A, marked remote.
	var q map[string]any
	waitForIn(t, 15*time.Second, "the question in A's thread", func() bool {
		r := a.call("GET", fmt.Sprintf("/api/v1/items/%d/thread", item), "", "")
		ms, _ := r.JSON(t)["messages"].([]any)
		if len(ms) == 1 {
			q = ms[0].(map[string]any)
		}
		return q != nil
	})
	if q["author"] != "ajie@"+b.host() || q["remote"] != true || q["author_url"] != b.n.URL+"/@ajie" ||
		q["body"] != "Does it still ring?" || q["from_stall"] != false { // remote HTML comes in as text
		t.Fatalf("question on A = %v", q)
	}
	// wang answers through A's own API.
	r = a.call("POST", fmt.Sprintf("/api/v1/items/%d/thread", item), "wang", fmt.Sprintf(`{"body":"It rings like new.","reply_to":%d}`, int(q["id"].(float64))))
	if r.Status != 201 {
		t.Fatalf("answer = %d %s", r.Status, r.Body)
	}
	// The answer reaches ajie's conversation on B.
	waitForIn(t, 15*time.Second, "the answer on B", func() bool { return len(b.messagesOf("ajie", bConv)) == 2 })
	ms := b.messagesOf("ajie", bConv)
	if ms[0]["body"] != "Does it still *ring*?" || ms[1]["author"] != stallAcct || ms[1]["remote"] != true ||
		ms[1]["body"] != "It rings like new." || ms[1]["reply_to"] != ms[0]["id"] {
		t.Fatalf("B's conversation = %v", ms)
	}

	// ajie writes privately to the stall.
	r = b.call("POST", "/api/v1/remote/messages", "ajie", fmt.Sprintf(`{"to":%q,"body":"Can I come on Sunday?"}`, stallAcct))
	if r.Status != 201 {
		t.Fatalf("remote message = %d %s", r.Status, r.Body)
	}
	bChat := int(r.JSON(t)["conversation"].(float64))
	if bChat == bConv {
		t.Fatal("the private chat is the thread's conversation")
	}
	var aChat int
	waitForIn(t, 15*time.Second, "the private chat on A", func() bool {
		r := a.call("GET", "/api/v1/conversations", "wang", "")
		for _, c := range r.JSON(t)["conversations"].([]any) {
			if c := c.(map[string]any); c["kind"] == "private" && int(c["stall"].(float64)) == stallID {
				aChat = int(c["id"].(float64))
			}
		}
		return aChat != 0
	})
	if ms := a.messagesOf("wang", aChat); len(ms) != 1 || ms[0]["body"] != "Can I come on Sunday?" || ms[0]["author"] != "ajie@"+b.host() {
		t.Fatalf("A's private chat = %v", ms)
	}
	// Nobody else on A sees it; the thread did not get it.
	if r := a.call("GET", fmt.Sprintf("/api/v1/conversations/%d/messages", aChat), "mei", ""); r.Status != 404 {
		t.Fatalf("mei reads the chat = %d", r.Status)
	}
	if r := a.call("GET", fmt.Sprintf("/api/v1/items/%d/thread", item), "", ""); len(r.JSON(t)["messages"].([]any)) != 2 {
		t.Fatalf("thread = %s", r.Body)
	}
	// wang answers in the chat; it comes back to ajie's chat.
	if r := a.call("POST", fmt.Sprintf("/api/v1/conversations/%d/messages", aChat), "wang", `{"body":"Sunday is fine."}`); r.Status != 201 {
		t.Fatalf("private answer = %d %s", r.Status, r.Body)
	}
	waitForIn(t, 15*time.Second, "the private answer on B", func() bool { return len(b.messagesOf("ajie", bChat)) == 2 })
	if ms := b.messagesOf("ajie", bChat); ms[1]["body"] != "Sunday is fine." || ms[1]["author"] != stallAcct {
		t.Fatalf("B's chat = %v", ms)
	}
	// ajie writes again: the same chat on A.
	if r := b.call("POST", fmt.Sprintf("/api/v1/conversations/%d/messages", bChat), "ajie", `{"body":"See you!"}`); r.Status != 201 {
		t.Fatalf("second message = %d %s", r.Status, r.Body)
	}
	waitForIn(t, 15*time.Second, "the second message on A", func() bool { return len(a.messagesOf("wang", aChat)) == 3 })

	// Following and unfollowing the stall: after the unfollow, a new item is
	// queued for nobody.
	r = b.call("POST", "/api/v1/follows", "ajie", fmt.Sprintf(`{"acct":%q}`, stallAcct))
	if r.Status != 201 {
		t.Fatalf("follow = %d %s", r.Status, r.Body)
	}
	follow := int(r.JSON(t)["id"].(float64))
	waitForIn(t, 15*time.Second, "the follower on A", func() bool { return a.count(`SELECT count(*) FROM ap_followers`) == 1 })
	if r := b.call("DELETE", fmt.Sprintf("/api/v1/follows/%d", follow), "ajie", ""); r.Status != 204 {
		t.Fatalf("unfollow = %d %s", r.Status, r.Body)
	}
	waitForIn(t, 15*time.Second, "A to drop the follower", func() bool { return a.count(`SELECT count(*) FROM ap_followers`) == 0 })
	r = a.call("POST", fmt.Sprintf("/api/v1/stalls/%d/items", stallID), "wang", `{"title":"Tin whistle","price":{"kind":"free"},"quantity":1}`)
	if r.Status != 201 {
		t.Fatalf("item 2 = %d %s", r.Status, r.Body)
	}
	item2 := int(r.JSON(t)["id"].(float64))
	waitForIn(t, 15*time.Second, "A to render item 2", func() bool {
		return a.count(`SELECT count(*) FROM ap_outbox WHERE fanned = 1 AND kind = 'create' AND item_id = ?`, item2) == 1
	})
	if n := a.count(`SELECT count(*) FROM ap_deliveries d JOIN ap_outbox o ON o.id = d.outbox_id WHERE o.item_id = ?`, item2); n != 0 {
		t.Fatalf("item 2 was queued for %d inboxes after the unfollow", n)
	}
}
