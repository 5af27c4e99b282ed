package federation

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
)

// sentOf returns the activities of a type the fake network received at inbox.
func sentOf(t *testing.T, n *testNode, inbox, typ string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, p := range n.net.sent() {
		if p.URL == inbox {
			if m := decode(t, p.Body); m["type"] == typ {
				out = append(out, m)
			}
		}
	}
	return out
}

// A stall that approves followers by hand: a Follow waits (no Accept, no
// follower, the stallholders notified); accepting sends the Accept and makes a
// follower, declining sends a Reject; only the stall's holders answer; an
// Undo withdraws a request; turning approval off accepts whoever waits.
func TestFollowersApprovedByHand(t *testing.T) {
	ctx := context.Background()
	n := newTestNode(t, "https://market.test", time.Now(), nil)
	n.run()
	wang := n.account("wang", node.RoleStallholder)
	li := n.account("li", node.RoleStallholder)
	st := n.stall(wang, "Bikes")
	yes := true
	if _, err := n.app.UpdateStall(ctx, wang, st.ID, app.StallChange{ApproveFollowers: &yes}); err != nil {
		t.Fatal(err)
	}
	doc := decode(t, n.get(fmt.Sprintf("/stalls/%d", st.ID), "Accept", contentTypeAS).Body.Bytes())
	if doc["manuallyApprovesFollowers"] != true {
		t.Fatalf("manuallyApprovesFollowers = %v", doc["manuallyApprovesFollowers"])
	}
	amy := newRemote(t, n.net, "https://a.test/users/amy", "")
	bo := newRemote(t, n.net, "https://b.test/users/bo", "")
	cy := newRemote(t, n.net, "https://c.test/users/cy", "")
	dee := newRemote(t, n.net, "https://d.test/users/dee", "")
	for _, k := range []*remoteKey{amy, bo, cy, dee} {
		if w := followFrom(t, n, k, k.id+"/follows/1", n.f.u.stall(st.ID)); w.Code != http.StatusAccepted {
			t.Fatalf("follow = %d %s", w.Code, w.Body)
		}
	}
	// A repeated Follow (new id) does not make a second request or notice.
	if w := followFrom(t, n, amy, amy.id+"/follows/2", n.f.u.stall(st.ID)); w.Code != http.StatusAccepted {
		t.Fatalf("follow again = %d %s", w.Code, w.Body)
	}
	if c := n.count(`SELECT count(*) FROM ap_followers`); c != 0 {
		t.Fatalf("followers before any answer = %d", c)
	}
	if c := n.count(`SELECT count(*) FROM ap_outbox WHERE kind = 'accept'`); c != 0 {
		t.Fatalf("accepts before any answer = %d", c)
	}
	ns, err := n.db.Notifications(ctx, wang.ID, 10)
	if err != nil || len(ns) != 4 || ns[0].Kind != "follow_request" || ns[3].Actor != "amy@a.test" || ns[3].Excerpt != "Bikes" {
		t.Fatalf("notifications = %+v %v", ns, err)
	}

	frs, err := n.app.FollowRequests(ctx, wang)
	if err != nil || len(frs) != 4 || frs[0].Follower != amy.id || frs[0].Acct != "amy@a.test" || frs[0].Stall != st.ID {
		t.Fatalf("requests = %+v %v", frs, err)
	}
	// The latest Follow's id is the one answered.
	if c := n.count(`SELECT count(*) FROM ap_follow_requests WHERE follow_id = ?`, amy.id+"/follows/2"); c != 1 {
		t.Fatalf("amy's request follow id not updated")
	}
	if others, err := n.app.FollowRequests(ctx, li); err != nil || len(others) != 0 {
		t.Fatalf("li's requests = %v %v", others, err)
	}
	if err := n.app.AnswerFollowRequest(ctx, li, frs[0].ID, true); node.ErrorCode(err) != node.ENOTFOUND {
		t.Fatalf("answer by another stallholder = %v", err)
	}
	if err := n.app.AnswerFollowRequest(ctx, wang, 9999, true); node.ErrorCode(err) != node.ENOTFOUND {
		t.Fatalf("answer to no request = %v", err)
	}

	// Accept amy, decline bo.
	if err := n.app.AnswerFollowRequest(ctx, wang, frs[0].ID, true); err != nil {
		t.Fatal(err)
	}
	if err := n.app.AnswerFollowRequest(ctx, wang, frs[1].ID, false); err != nil {
		t.Fatal(err)
	}
	if err := n.app.AnswerFollowRequest(ctx, wang, frs[0].ID, true); node.ErrorCode(err) != node.ENOTFOUND {
		t.Fatalf("answering twice = %v", err)
	}
	waitUntil(t, "the Accept and the Reject", func() bool {
		return len(sentOf(t, n, amy.id+"/inbox", "Accept")) == 1 && len(sentOf(t, n, bo.id+"/inbox", "Reject")) == 1
	})
	acc := sentOf(t, n, amy.id+"/inbox", "Accept")[0]
	if obj, _ := acc["object"].(map[string]any); acc["actor"] != n.f.u.stall(st.ID) || obj["id"] != amy.id+"/follows/2" || obj["actor"] != amy.id {
		t.Fatalf("accept = %v", acc)
	}
	rej := sentOf(t, n, bo.id+"/inbox", "Reject")[0]
	if obj, _ := rej["object"].(map[string]any); rej["actor"] != n.f.u.stall(st.ID) || obj["id"] != bo.id+"/follows/1" {
		t.Fatalf("reject = %v", rej)
	}
	if c := n.count(`SELECT count(*) FROM ap_followers WHERE follower = ?`, amy.id); c != 1 {
		t.Fatalf("amy follows = %d", c)
	}
	if c := n.count(`SELECT count(*) FROM ap_followers WHERE follower = ?`, bo.id); c != 0 {
		t.Fatalf("bo follows = %d", c)
	}
	// A Follow from an accepted follower is accepted again at once.
	if w := followFrom(t, n, amy, amy.id+"/follows/3", n.f.u.stall(st.ID)); w.Code != http.StatusAccepted {
		t.Fatalf("follow again = %d", w.Code)
	}
	if c := n.count(`SELECT count(*) FROM ap_follow_requests WHERE follower = ?`, amy.id); c != 0 {
		t.Fatalf("a follower became a request again")
	}

	// cy withdraws; the item goes to amy only.
	undo := map[string]any{"@context": asContextIRI, "id": cy.id + "/undo/1", "type": "Undo", "actor": cy.id,
		"object": map[string]any{"id": cy.id + "/follows/1", "type": "Follow", "actor": cy.id, "object": n.f.u.stall(st.ID)}}
	if w := n.do(cy.signedPost(t, n.f.u.sharedInbox(), undo, n.clock.Now())); w.Code != http.StatusAccepted {
		t.Fatalf("undo = %d %s", w.Code, w.Body)
	}
	if c := n.count(`SELECT count(*) FROM ap_follow_requests WHERE follower = ?`, cy.id); c != 0 {
		t.Fatalf("cy's request stayed")
	}
	it := &node.Item{Stall: st.ID, Title: "Bell", Price: node.Price{Kind: node.PriceFree}, Quantity: 1}
	if err := n.app.CreateItem(ctx, wang, it); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the item at amy's", func() bool { return len(sentOf(t, n, amy.id+"/inbox", "Create")) == 1 })
	if got := len(sentOf(t, n, dee.id+"/inbox", "Create")); got != 0 {
		t.Fatalf("a waiting follower got the item")
	}

	// Approval off: dee, still waiting, is accepted.
	no := false
	if _, err := n.app.UpdateStall(ctx, wang, st.ID, app.StallChange{ApproveFollowers: &no}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "dee's Accept", func() bool { return len(sentOf(t, n, dee.id+"/inbox", "Accept")) == 1 })
	if c := n.count(`SELECT count(*) FROM ap_follow_requests`); c != 0 {
		t.Fatalf("requests left = %d", c)
	}
	if c := n.count(`SELECT count(*) FROM ap_followers`); c != 2 {
		t.Fatalf("followers = %d, want amy and dee", c)
	}
	doc = decode(t, n.get(fmt.Sprintf("/stalls/%d", st.ID), "Accept", contentTypeAS).Body.Bytes())
	if doc["manuallyApprovesFollowers"] != false {
		t.Fatalf("manuallyApprovesFollowers after = %v", doc["manuallyApprovesFollowers"])
	}
}
