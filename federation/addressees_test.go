package federation

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
)

// A private note written to a stall and a person here at once lands in one
// chat with all of them in it; each is notified, and each can answer (the
// stall's holder as the stall, the person as themselves).
func TestPrivateNoteToSeveralOfUs(t *testing.T) {
	ctx := context.Background()
	n := newTestNode(t, "https://market.test", time.Now(), nil)
	n.run()
	wang := n.account("wang", node.RoleStallholder)
	li := n.account("li", node.RoleResident)
	st := n.stall(wang, "Bikes")
	bo := newRemote(t, n.net, "https://remote.test/users/bo", "")
	to := []any{n.f.u.stall(st.ID), n.f.u.person("li")}
	dm := map[string]any{"@context": asContextIRI, "id": "https://remote.test/n/1#create", "type": "Create", "actor": bo.id, "to": to,
		"object": map[string]any{"id": "https://remote.test/n/1", "type": "Note", "attributedTo": bo.id,
			"content": "<p>Can you two fix my bike together?</p>", "to": to}}
	if w := n.do(bo.signedPost(t, n.f.u.sharedInbox(), dm, n.clock.Now())); w.Code != http.StatusAccepted {
		t.Fatalf("dm = %d %s", w.Code, w.Body)
	}
	wc, _ := n.db.Conversations(ctx, wang.ID, 10)
	lc, _ := n.db.Conversations(ctx, li.ID, 10)
	if len(wc) != 1 || len(lc) != 1 || wc[0].ID != lc[0].ID || wc[0].Kind != node.Private {
		t.Fatalf("wang's %+v, li's %+v", wc, lc)
	}
	for _, acc := range []*node.Account{wang, li} {
		if ns, _ := n.db.Notifications(ctx, acc.ID, 5); len(ns) != 1 {
			t.Fatalf("%s's notifications = %+v", acc.Name, ns)
		}
	}
	if _, err := n.app.Post(ctx, li, app.PostInput{Conversation: lc[0].ID, Body: "Sure, Saturday?"}); err != nil {
		t.Fatal(err)
	}
	ps := n.waitPosts(t, bo.id+"/inbox", 1)
	n.signedAs(t, ps[0], accountKey(li.ID), n.f.u.person("li"))
}
