package main

import (
	"fmt"
	"testing"
	"time"
)

// Two markets on loopback: a resident of B writes privately to a stall of
// A; the stallholder answers, then edits the answer through A's API and B's
// chat shows the new text, marked edited; then deletes it and B's chat shows
// it deleted (its place kept, no text).
func TestTwoMarketsEditAndDelete(t *testing.T) {
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

	// ajie writes to the stall; the chat appears on A.
	r = b.call("POST", "/api/v1/remote/messages", "ajie", fmt.Sprintf(`{"to":%q,"body":"Can I come on Sunday?"}`, stallAcct))
	if r.Status != 201 {
		t.Fatalf("remote message = %d %s", r.Status, r.Body)
	}
	bChat := int(r.JSON(t)["conversation"].(float64))
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
	// wang answers; ajie sees it.
	r = a.call("POST", fmt.Sprintf("/api/v1/conversations/%d/messages", aChat), "wang", `{"body":"Sunday is fine."}`)
	if r.Status != 201 {
		t.Fatalf("answer = %d %s", r.Status, r.Body)
	}
	answer := int(r.JSON(t)["id"].(float64))
	waitForIn(t, 15*time.Second, "the answer on B", func() bool { return len(b.messagesOf("ajie", bChat)) == 2 })
	if m := b.messagesOf("ajie", bChat)[1]; m["body"] != "Sunday is fine." || m["author"] != stallAcct || m["edited_at"] != nil {
		t.Fatalf("the answer on B = %v", m)
	}

	// wang edits the answer a moment later (once A has recorded the
	// delivery; a change sent while the Create is still being sent waits
	// for that send's lease): B shows the new text, edited.
	sent := func() bool { return a.count(`SELECT count(*) FROM ap_deliveries`) == 0 }
	waitForIn(t, 15*time.Second, "A to record the answer's delivery", sent)
	if r := a.call("PATCH", fmt.Sprintf("/api/v1/messages/%d", answer), "wang", `{"body":"Sunday is fine, after *ten*."}`); r.Status != 200 {
		t.Fatalf("edit = %d %s", r.Status, r.Body)
	}
	waitForIn(t, 15*time.Second, "the edit on B", func() bool {
		return b.messagesOf("ajie", bChat)[1]["body"] == "Sunday is fine, after ten."
	})
	ms := b.messagesOf("ajie", bChat)
	if len(ms) != 2 || ms[1]["edited_at"] == nil || ms[1]["deleted"] != false || ms[1]["author"] != stallAcct {
		t.Fatalf("B's chat after the edit = %v", ms)
	}

	// wang deletes it: B shows it deleted, in its place.
	waitForIn(t, 15*time.Second, "A to record the edit's delivery", sent)
	if r := a.call("DELETE", fmt.Sprintf("/api/v1/messages/%d", answer), "wang", ""); r.Status != 204 {
		t.Fatalf("delete = %d %s", r.Status, r.Body)
	}
	waitForIn(t, 15*time.Second, "the deletion on B", func() bool { return b.messagesOf("ajie", bChat)[1]["deleted"] == true })
	ms = b.messagesOf("ajie", bChat)
	if len(ms) != 2 || ms[1]["body"] != "" || ms[0]["body"] != "Can I come on Sunday?" || ms[0]["deleted"] != false {
		t.Fatalf("B's chat after the deletion = %v", ms)
	}
	// Everything was delivered, and nothing more is waiting on A.
	waitForIn(t, 15*time.Second, "A's queue to empty", sent)
}
