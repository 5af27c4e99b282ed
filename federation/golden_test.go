package federation

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
)

var updateGolden = flag.Bool("update-golden", false, "rewrite testdata/golden from this run")

var (
	tokenRE = regexp.MustCompile(`/activities/[0-9a-f]{24}`)
	timeRE  = regexp.MustCompile(`"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)"`)
	pemRE   = regexp.MustCompile(`"-----BEGIN PUBLIC KEY-----[^"]*"`)
	alleyRE = regexp.MustCompile(`/alleys/a[0-9]+`) // the test's alleys have made-up names
)

// golden compares a document with testdata/golden/NAME.json, ids of
// activities, times and keys written as placeholders.
func golden(t *testing.T, name string, doc []byte) {
	t.Helper()
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	b, _ := json.MarshalIndent(v, "", "  ")
	b = tokenRE.ReplaceAll(b, []byte("/activities/TOKEN"))
	b = timeRE.ReplaceAll(b, []byte(`"TIME"`))
	b = pemRE.ReplaceAll(b, []byte(`"PEM"`))
	b = alleyRE.ReplaceAll(b, []byte("/alleys/ALLEY"))
	b = append(b, '\n')
	path := filepath.Join("testdata", "golden", name+".json")
	if *updateGolden {
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%s: %v (go test ./federation -run Golden -update-golden)", name, err)
	}
	if !bytes.Equal(want, b) {
		t.Errorf("%s differs from %s (review, then -update-golden):\n%s", name, path, b)
	}
}

// Every kind of activity and document shiji sends, as golden files: what
// Mastodon documents it reads, kept from drifting.
func TestGoldenOutgoing(t *testing.T) {
	// Item changes are rendered when the test says so (n.due).
	n := newTestNode(t, "https://market.test", time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC), holdItemChanges)
	ctx := context.Background()
	mei := n.account("mei", node.RoleOrganiser)
	wang := n.account("wang", node.RoleStallholder)
	ajie := n.account("ajie", node.RoleResident)
	st := n.stall(wang, "Old Wang's Bicycles")
	bo := newRemote(t, n.net, "https://remote.test/users/bo", "https://remote.test/inbox")
	cy := newRemote(t, n.net, "https://remote.test/users/cy", "")
	stall := n.f.u.stall(st.ID)
	post := func(k *remoteKey, m map[string]any) {
		t.Helper()
		m["@context"] = asContextIRI
		if w := n.do(k.signedPost(t, "https://market.test/inbox", m, n.clock.Now())); w.Code != http.StatusAccepted {
			t.Fatalf("%v = %d %s", m["type"], w.Code, w.Body)
		}
	}
	n.run()
	// settled waits until nothing is left to deliver: a change queued while
	// an earlier activity to the same inbox is being sent waits for that
	// send's lease (queue.go), which would only slow the test.
	settled := func() {
		t.Helper()
		waitUntil(t, "the queue to empty", func() bool { return n.count(`SELECT count(*) FROM ap_deliveries`) == 0 })
	}
	last := func(inbox, typ string) []byte {
		t.Helper()
		var b []byte
		waitUntil(t, typ+" at "+inbox, func() bool {
			for _, p := range n.postsTo(inbox) {
				if decode(t, p.Body)["type"] == typ {
					b = p.Body
				}
			}
			return b != nil
		})
		return b
	}

	post(bo, map[string]any{"id": bo.id + "/follows/1", "type": "Follow", "actor": bo.id, "object": stall})
	post(bo, map[string]any{"id": bo.id + "/follows/2", "type": "Follow", "actor": bo.id, "object": n.f.u.market()})
	golden(t, "accept-follow", lastWith(t, n, "https://remote.test/inbox", "Accept", `"actor":"`+stall+`"`))

	it := &node.Item{Stall: st.ID, Title: "Phoenix bell", Story: "From my father's **bicycle**.", Quantity: 1, Tags: []string{"vintage"},
		Price: node.Price{Kind: node.PriceAmount, Minor: 1250, Currency: "CNY"}}
	if err := n.app.CreateItem(ctx, wang, it); err != nil {
		t.Fatal(err)
	}
	if err := n.db.AddPhoto(ctx, "item", int64(it.ID), node.Photo{Hash: "bell", Ext: "jpg", Width: 600, Height: 400, Alt: "The bell"}); err != nil {
		t.Fatal(err)
	}
	n.due()
	golden(t, "create-note-item", last("https://remote.test/inbox", "Create"))
	golden(t, "announce-note-item", last("https://remote.test/inbox", "Announce"))
	n.clock.Add(time.Minute) // so the Note has an updated time
	title := "Phoenix bell, polished"
	if _, err := n.app.UpdateItem(ctx, wang, it.ID, app.ItemChange{Title: &title}); err != nil {
		t.Fatal(err)
	}
	n.due()
	golden(t, "update-note-item", last("https://remote.test/inbox", "Update"))

	// A question from bo and the stall's answer, edited and deleted.
	post(bo, map[string]any{"id": bo.id + "/statuses/1/activity", "type": "Create", "actor": bo.id, "object": map[string]any{
		"id": bo.id + "/statuses/1", "type": "Note", "attributedTo": bo.id, "inReplyTo": n.f.u.item(it.ID),
		"to": []any{publicIRI}, "content": "<p>Does it ring?</p>"}})
	q := n.thread(t, it.ID)[0]
	ans, err := n.app.Post(ctx, wang, app.PostInput{Item: it.ID, Body: "It rings like new.", ReplyTo: q.ID})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "create-note-answer", lastWith(t, n, "https://remote.test/inbox", "Create", "rings like new"))
	settled()
	if _, err := n.app.EditMessage(ctx, wang, ans.ID, "It rings like new, and loud."); err != nil {
		t.Fatal(err)
	}
	golden(t, "update-note-answer", lastWith(t, n, "https://remote.test/inbox", "Update", "and loud"))
	settled()
	if err := n.app.DeleteMessage(ctx, wang, ans.ID); err != nil {
		t.Fatal(err)
	}
	golden(t, "delete-note-answer", lastWith(t, n, "https://remote.test/inbox", "Delete", n.f.u.message(ans.ID)))

	// A private message from cy, answered.
	post(cy, map[string]any{"id": cy.id + "/statuses/9/activity", "type": "Create", "actor": cy.id, "object": map[string]any{
		"id": cy.id + "/statuses/9", "type": "Note", "attributedTo": cy.id, "to": []any{stall}, "content": "<p>Hold it for me?</p>"}})
	convs, err := n.db.Conversations(ctx, wang.ID, 10)
	if err != nil || len(convs) == 0 || convs[0].Kind != node.Private {
		t.Fatalf("conversations %v %v", convs, err)
	}
	if _, err := n.app.Post(ctx, wang, app.PostInput{Conversation: convs[0].ID, Body: "Until Saturday."}); err != nil {
		t.Fatal(err)
	}
	golden(t, "create-note-private", lastWith(t, n, cy.id+"/inbox", "Create", "Until Saturday"))

	// The stall changes: an Update of its actor. The item is withdrawn.
	name := "Wang's Bicycles"
	if _, err := n.app.UpdateStall(ctx, wang, st.ID, app.StallChange{Name: &name}); err != nil {
		t.Fatal(err)
	}
	golden(t, "update-organization", lastWith(t, n, "https://remote.test/inbox", "Update", `"Organization"`))
	if err := n.app.WithdrawItem(ctx, wang, it.ID); err != nil {
		t.Fatal(err)
	}
	n.due()
	golden(t, "delete-item", lastWith(t, n, "https://remote.test/inbox", "Delete", n.f.u.item(it.ID)))

	// ajie follows cy and stops; a stall that approves followers rejects one.
	type followed struct {
		fl  *node.RemoteFollow
		err error
	}
	done := make(chan followed, 1)
	go func() { fl, _, err := n.f.Follow(ctx, ajie, cy.id); done <- followed{fl, err} }()
	sent := last(cy.id+"/inbox", "Follow")
	golden(t, "follow", sent)
	post(cy, map[string]any{"id": cy.id + "/accepts/1", "type": "Accept", "actor": cy.id, "object": decode(t, sent)})
	res := <-done
	if res.err != nil || res.fl.State != "accepted" {
		t.Fatalf("follow = %+v %v", res.fl, res.err)
	}
	fl := res.fl
	if err := n.f.Unfollow(ctx, ajie, fl.ID); err != nil {
		t.Fatal(err)
	}
	golden(t, "undo-follow", last(cy.id+"/inbox", "Undo"))
	on := true
	if _, err := n.app.UpdateStall(ctx, wang, st.ID, app.StallChange{ApproveFollowers: &on}); err != nil {
		t.Fatal(err)
	}
	post(cy, map[string]any{"id": cy.id + "/follows/1", "type": "Follow", "actor": cy.id, "object": stall})
	reqs, err := n.f.FollowRequests(ctx, []node.StallID{st.ID})
	if err != nil || len(reqs) != 1 {
		t.Fatalf("requests %v %v", reqs, err)
	}
	if err := n.f.AnswerFollowRequest(ctx, reqs[0].ID, false); err != nil {
		t.Fatal(err)
	}
	golden(t, "reject-follow", last(cy.id+"/inbox", "Reject"))

	// A report about cy's message, forwarded to cy's server.
	_, msgs, _ := n.app.Messages(ctx, wang, convs[0].ID, 0, 10)
	var theirs node.MessageID
	for _, m := range msgs {
		if m.Author == 0 {
			theirs = m.ID
		}
	}
	r, err := n.app.Report(ctx, wang, theirs, "Spam, again.")
	if err != nil {
		t.Fatal(err)
	}
	if server, err := n.app.ForwardReport(ctx, mei, r.ID); err != nil || server != "remote.test" {
		t.Fatalf("forward = %q %v", server, err)
	}
	if _, err := n.app.ForwardReport(ctx, mei, r.ID); node.ErrorCode(err) != node.ECONFLICT {
		t.Errorf("a second forward = %v", err)
	}
	golden(t, "flag", last(cy.id+"/inbox", "Flag"))

	// Documents served.
	for name, path := range map[string]string{"actor-organization": "/stalls/1", "actor-group": "/market", "actor-person": "/users/ajie",
		"actor-application": "/actor", "featured": "/stalls/1/featured", "tag-collection": "/tags/vintage?page=1"} {
		w := n.get(path, "Accept", contentTypeAS)
		if w.Code != http.StatusOK {
			t.Fatalf("%s = %d %s", path, w.Code, w.Body)
		}
		golden(t, name, w.Body.Bytes())
	}

	// The stall moves to another market: a Move to its followers; its actor
	// stays, saying movedTo (move.go).
	target := "https://new.test/stalls/7"
	newRemoteDoc(t, n.net, target, &remoteKey{id: target, keyID: target + "#main-key", priv: bo.priv}, "https://new.test/inbox")
	n.net.mu.Lock()
	var doc map[string]any
	json.Unmarshal(n.net.docs[target], &doc)
	doc["type"], doc["alsoKnownAs"] = "Organization", []string{stall}
	n.net.docs[target], _ = json.Marshal(doc)
	n.net.mu.Unlock()
	if _, err := n.app.MoveStall(ctx, wang, st.ID, target); err != nil {
		t.Fatal(err)
	}
	golden(t, "move-organization", last("https://remote.test/inbox", "Move"))
	if w := n.get("/stalls/1", "Accept", contentTypeAS); w.Code != http.StatusOK {
		t.Fatalf("the moved stall's actor = %d %s", w.Code, w.Body)
	} else {
		golden(t, "actor-organization-moved", w.Body.Bytes())
	}

	// wang deletes his account: a Delete of his Person to the servers he
	// wrote with, and of the stall he still ran to the market's followers
	// (delete_actor.go).
	lamps := n.stall(wang, "Wang's Lamps")
	settled()
	if err := n.app.DeleteAccount(ctx, wang, "a long secret phrase", nil, n.f.log); err != nil {
		t.Fatal(err)
	}
	golden(t, "delete-person", lastWith(t, n, cy.id+"/inbox", "Delete", `"object":"`+n.f.u.person("wang")+`"`))
	golden(t, "delete-organization", lastWith(t, n, "https://remote.test/inbox", "Delete", `"object":"`+n.f.u.stall(lamps.ID)+`"`))
}

// lastWith is the last activity of typ at inbox whose body contains s.
func lastWith(t *testing.T, n *testNode, inbox, typ, s string) []byte {
	t.Helper()
	var b []byte
	waitUntil(t, typ+" with "+s, func() bool {
		for _, p := range n.postsTo(inbox) {
			if decode(t, p.Body)["type"] == typ && strings.Contains(string(p.Body), s) {
				b = p.Body
			}
		}
		return b != nil
	})
	return b
}
