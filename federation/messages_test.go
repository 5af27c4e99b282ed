package federation

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-fed/httpsig"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
	"github.com/shiji-market/shiji/node/markdown"
)

func TestHTMLText(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`<p><span class="h-card"><a href="https://sink.test/@sink" class="u-url mention">@<span>sink</span></a></span> Is the clock still there? 还在吗？</p>`,
			"Is the clock still there? 还在吗？"},
		{`<p>one<br>two</p><p>three <a href="https://x.test/">link</a> and <span class="h-card"><a class="u-url mention">@bo</a></span></p>`,
			"one\ntwo\n\nthree link and @bo"},
		{`<p>**not bold** <script>alert(1)</script>&lt;img src=x onerror=alert(1)&gt; [x](javascript:alert(1))</p>`,
			`\*\*not bold\*\* \<img src=x onerror=alert(1)\> \[x\](javascript:alert(1))`},
		{`<p><a href="https://m.test/tags/bikes" class="mention hashtag">#<span>bikes</span></a> first</p>`, `\#bikes first`},
		{"plain text", "plain text"},
	} {
		if got := htmlText(c.in); got != c.want {
			t.Errorf("htmlText(%q)\n = %q\nwant %q", c.in, got, c.want)
		}
	}
	// Whatever comes in renders as text: no markup survives the renderer.
	out := string(markdown.New().HTML(htmlText(`<p>&lt;b&gt;hi&lt;/b&gt; <img src=x onerror=alert(1)> *x*</p>`)))
	if strings.Contains(out, "<b>") || strings.Contains(out, "<img") || strings.Contains(out, "<em>") {
		t.Fatalf("rendered %s", out)
	}
}

// alicesReply is GoToSocial's reply (fixture 10), re-addressed to one of our
// items and re-signed by a test key for alice.
func alicesReply(t *testing.T, n *testNode, itemURL, stallURL string) map[string]any {
	t.Helper()
	raw := string(fixtureBody(t, "10-inbox-create-note-reply.http"))
	_, body, _ := strings.Cut(raw, "\n\n")
	body = strings.NewReplacer("https://sink.test/notes/1", itemURL, "https://sink.test/users/sink", stallURL,
		"https://sink.test/@sink", stallURL).Replace(strings.TrimSpace(body))
	return decode(t, []byte(body))
}

func (n *testNode) thread(t *testing.T, item node.ItemID) []*node.Message {
	t.Helper()
	ctx := context.Background()
	c, err := n.app.ThreadOf(ctx, item, 0)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := n.db.Messages(ctx, c.ID, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// sentTo returns the activities POSTed to inbox so far.
func (n *testNode) sentTo(inbox string) []map[string]any {
	var out []map[string]any
	for _, p := range n.net.sent() {
		if p.URL == inbox {
			var m map[string]any
			json.Unmarshal(p.Body, &m)
			out = append(out, m)
		}
	}
	return out
}

// A GoToSocial reply to an item lands in its public thread; the stallholder
// answers and the answer goes back to alice, signed by the stall; her edit
// and her delete apply, someone else's do not.
func TestRemoteQuestionOnAnItem(t *testing.T) {
	n := newTestNode(t, "https://market.test", time.Now(), nil)
	n.run()
	ctx := context.Background()
	wang := n.account("wang", node.RoleStallholder)
	st := n.stall(wang, "Bikes")
	price, _ := node.ParsePrice("80", "CNY")
	it := &node.Item{Stall: st.ID, Title: "Old clock", Quantity: 1, Price: price}
	if err := n.app.CreateItem(ctx, wang, it); err != nil {
		t.Fatal(err)
	}
	alice := newRemote(t, n.net, aliceID, "https://gts9.test/inbox")
	itemURL, stallURL := n.f.u.item(it.ID), n.f.u.stall(st.ID)
	act := alicesReply(t, n, itemURL, stallURL)
	if w := n.do(alice.signedPost(t, "https://market.test/inbox", act, n.clock.Now())); w.Code != http.StatusAccepted {
		t.Fatalf("reply = %d %s", w.Code, w.Body)
	}
	ms := n.thread(t, it.ID)
	if len(ms) != 1 {
		t.Fatalf("thread = %d messages", len(ms))
	}
	q := ms[0]
	if q.Author != 0 || q.AuthorName != "alice@gts9.test" || q.AuthorShown != "Remote <b>person</b>" || q.AuthorURL != aliceID ||
		q.Body != "Is the clock still there? 还在吗？" || q.FromStall {
		t.Fatalf("message = %+v", q)
	}
	notes, err := n.db.Notifications(ctx, wang.ID, 10)
	if err != nil || len(notes) != 1 || notes[0].Kind != "question" || notes[0].Actor != "alice@gts9.test" {
		t.Fatalf("wang's notifications = %+v %v", notes, err)
	}
	// The same note again (a new activity id) is not taken twice.
	act["id"] = act["id"].(string) + "-again"
	if w := n.do(alice.signedPost(t, "https://market.test/inbox", act, n.clock.Now())); w.Code != http.StatusAccepted || len(n.thread(t, it.ID)) != 1 {
		t.Fatalf("again = %d, %d messages", w.Code, len(n.thread(t, it.ID)))
	}

	// wang answers in the thread: a public Create{Note} by the stall to alice.
	ans, err := n.app.Post(ctx, wang, app.PostInput{Item: it.ID, Body: "Yes! Come on **Sunday**.", ReplyTo: q.ID})
	if err != nil || !ans.FromStall {
		t.Fatalf("answer = %+v %v", ans, err)
	}
	var create map[string]any
	waitUntil(t, "the answer at alice's", func() bool {
		got := n.sentTo("https://gts9.test/inbox")
		if len(got) > 0 {
			create = got[0]
		}
		return create != nil
	})
	note, _ := create["object"].(map[string]any)
	tag, _ := note["tag"].([]any)
	if create["type"] != "Create" || create["actor"] != stallURL || note["id"] != n.f.u.message(ans.ID) ||
		note["inReplyTo"] != "https://gts9.test/users/alice/statuses/01M889HJVK8SD6JKH4J5STAWCW" || note["attributedTo"] != stallURL ||
		!strings.Contains(note["content"].(string), "<strong>Sunday</strong>") || len(tag) != 1 ||
		tag[0].(map[string]any)["href"] != aliceID || !strings.Contains(jsonString(note["to"]), publicIRI) ||
		!strings.Contains(jsonString(note["cc"]), aliceID) {
		t.Fatalf("create = %v", create)
	}
	// The answer is served as a Note at its id.
	if w := n.get("/messages/"+itoa(int64(ans.ID)), "Accept", contentTypeAS); w.Code != 200 || decode(t, w.Body.Bytes())["type"] != "Note" {
		t.Fatalf("GET message = %d %s", w.Code, w.Body)
	}
	if w := n.get("/messages/"+itoa(int64(q.ID)), "Accept", contentTypeAS); w.Code != 404 {
		t.Fatalf("GET a remote message = %d", w.Code)
	}

	// Someone else cannot edit or delete alice's message.
	bo := newRemote(t, n.net, "https://gts9.test/users/bo", "")
	forged := map[string]any{"@context": asContextIRI, "id": "https://gts9.test/users/bo/u/1", "type": "Update", "actor": bo.id,
		"object": map[string]any{"id": act["object"].(map[string]any)["id"], "type": "Note", "attributedTo": bo.id, "content": "<p>hacked</p>",
			"to": publicIRI}}
	n.do(bo.signedPost(t, "https://market.test/inbox", forged, n.clock.Now()))
	forged = map[string]any{"@context": asContextIRI, "id": "https://gts9.test/users/bo/d/1", "type": "Delete", "actor": bo.id,
		"object": act["object"].(map[string]any)["id"]}
	n.do(bo.signedPost(t, "https://market.test/inbox", forged, n.clock.Now()))
	if m, _ := n.db.Message(ctx, q.ID); m.Body != q.Body || m.Deleted() {
		t.Fatalf("after bo's forgeries: %+v", m)
	}
	// alice edits, then deletes.
	obj := act["object"].(map[string]any)
	obj["content"] = `<p><span class="h-card"><a class="u-url mention">@bikes</a></span> Is the clock still there, and the bell?</p>`
	upd := map[string]any{"@context": asContextIRI, "id": aliceID + "/u/1", "type": "Update", "actor": aliceID, "object": obj}
	if w := n.do(alice.signedPost(t, "https://market.test/inbox", upd, n.clock.Now())); w.Code != http.StatusAccepted {
		t.Fatalf("update = %d %s", w.Code, w.Body)
	}
	if m, _ := n.db.Message(ctx, q.ID); m.Body != "Is the clock still there, and the bell?" || m.EditedAt.IsZero() {
		t.Fatalf("after the edit: %+v", m)
	}
	del := map[string]any{"@context": asContextIRI, "id": aliceID + "/d/1", "type": "Delete", "actor": aliceID,
		"object": map[string]any{"id": obj["id"], "type": "Tombstone"}}
	if w := n.do(alice.signedPost(t, "https://market.test/inbox", del, n.clock.Now())); w.Code != http.StatusAccepted {
		t.Fatalf("delete = %d %s", w.Code, w.Body)
	}
	if m, _ := n.db.Message(ctx, q.ID); !m.Deleted() || m.Body != "" {
		t.Fatalf("after the delete: %+v", m)
	}
}

// Direct messages: GoToSocial's DM to a person (fixture 13, as signed) opens
// a private chat; crafted DMs to a stall open one with its holders, found
// again for the next; the holder's answer goes back privately; a reply by a
// stranger to that chat's message does not get into it; followers-only
// notes are not private messages; the author's deletion tombstones them.
func TestRemoteDirectMessages(t *testing.T) {
	n := gtsNode(t)
	n.run()
	ctx := context.Background()
	if w := n.postFixture(t, "13-inbox-create-note-direct.http"); w.Code != http.StatusAccepted {
		t.Fatalf("DM = %d %s", w.Code, w.Body)
	}
	sink, _, _ := n.db.AccountByName(ctx, "sink")
	convs, _ := n.db.Conversations(ctx, sink.ID, 10)
	if len(convs) != 1 || convs[0].Kind != node.Private {
		t.Fatalf("sink's conversations = %+v", convs)
	}
	ms, _ := n.db.Messages(ctx, convs[0].ID, 0, 10)
	if len(ms) != 1 || ms[0].Body != "a private word 私聊" || ms[0].AuthorName != "alice@gts9.test" {
		t.Fatalf("messages = %+v", ms)
	}

	n.clock.Set(time.Now())
	wang := n.account("wang", node.RoleStallholder)
	st := n.stall(wang, "Bikes")
	stallURL := n.f.u.stall(st.ID)
	bo := newRemote(t, n.net, "https://remote.test/users/bo", "")
	dm := func(id, content, inReplyTo string, to ...any) map[string]any {
		note := map[string]any{"id": id, "type": "Note", "attributedTo": bo.id, "content": content, "to": to}
		if inReplyTo != "" {
			note["inReplyTo"] = inReplyTo
		}
		return map[string]any{"@context": asContextIRI, "id": id + "#create", "type": "Create", "actor": bo.id, "object": note}
	}
	for i, content := range []string{"<p>Do you fix brakes?</p>", "<p>And bells?</p>"} {
		a := dm("https://remote.test/n/"+itoa(int64(i+1)), content, "", stallURL)
		if w := n.do(bo.signedPost(t, "https://sink.test/inbox", a, n.clock.Now())); w.Code != http.StatusAccepted {
			t.Fatalf("dm %d = %d %s", i, w.Code, w.Body)
		}
	}
	convs, _ = n.db.Conversations(ctx, wang.ID, 10)
	if len(convs) != 1 || convs[0].Kind != node.Private || convs[0].Stall != st.ID || convs[0].Unread != 2 {
		t.Fatalf("wang's conversations = %+v", convs)
	}
	chat := convs[0].ID
	// Followers-only and public notes naming the stall are no private messages.
	fo := dm("https://remote.test/n/fo", "<p>psst</p>", "", stallURL, bo.id+"/followers")
	n.do(bo.signedPost(t, "https://sink.test/inbox", fo, n.clock.Now()))
	if ms, _ := n.db.Messages(ctx, chat, 0, 10); len(ms) != 2 {
		t.Fatalf("chat = %d messages", len(ms))
	}

	// wang answers: a private Create{Note} by the stall to bo only.
	ans, err := n.app.Post(ctx, wang, app.PostInput{Conversation: chat, Body: "Both, yes."})
	if err != nil || !ans.FromStall {
		t.Fatalf("answer %+v %v", ans, err)
	}
	var create map[string]any
	waitUntil(t, "the answer at bo's", func() bool {
		got := n.sentTo(bo.id + "/inbox")
		if len(got) > 0 {
			create = got[0]
		}
		return create != nil
	})
	note := create["object"].(map[string]any)
	if create["actor"] != stallURL || jsonString(note["to"]) != `"`+bo.id+`"` && jsonString(note["to"]) != `["`+bo.id+`"]` ||
		note["cc"] != nil || strings.Contains(string(mustJSON(create)), publicIRI) || note["inReplyTo"] != "https://remote.test/n/2" {
		t.Fatalf("private answer = %s", mustJSON(create))
	}
	// It says when it was written to the millisecond, as stored.
	if at, err := time.Parse(time.RFC3339, str(note, "published")); err != nil || !at.Equal(ans.CreatedAt) {
		t.Errorf("the answer says it was written at %v, stored at %v", note["published"], ans.CreatedAt)
	}
	// bo replies to the answer: same chat.
	a := dm("https://remote.test/n/3", "<p>Great, see you.</p>", n.f.u.message(ans.ID), stallURL)
	n.do(bo.signedPost(t, "https://sink.test/inbox", a, n.clock.Now()))
	// A stranger's private reply to that message opens a chat of their own.
	cy := newRemote(t, n.net, "https://else.test/users/cy", "")
	sa := map[string]any{"@context": asContextIRI, "id": "https://else.test/n/1#create", "type": "Create", "actor": cy.id,
		"object": map[string]any{"id": "https://else.test/n/1", "type": "Note", "attributedTo": cy.id, "content": "<p>me too</p>",
			"to": stallURL, "inReplyTo": n.f.u.message(ans.ID)}}
	n.do(cy.signedPost(t, "https://sink.test/inbox", sa, n.clock.Now()))
	if ms, _ := n.db.Messages(ctx, chat, 0, 10); len(ms) != 4 || ms[3].Body != "Great, see you." || ms[3].ReplyTo != ans.ID {
		t.Fatalf("chat = %+v", ms)
	}
	if convs, _ = n.db.Conversations(ctx, wang.ID, 10); len(convs) != 2 {
		t.Fatalf("wang's conversations = %d", len(convs))
	}
	// bo's account is deleted: his messages become tombstones.
	del := map[string]any{"@context": asContextIRI, "id": bo.id + "#delete", "type": "Delete", "actor": bo.id, "object": bo.id}
	if w := n.do(bo.signedPost(t, "https://sink.test/inbox", del, n.clock.Now())); w.Code != http.StatusAccepted {
		t.Fatalf("delete actor = %d %s", w.Code, w.Body)
	}
	ms, _ = n.db.Messages(ctx, chat, 0, 10)
	for _, m := range ms {
		if m.Author == 0 != m.Deleted() {
			t.Fatalf("after bo's deletion: %+v", m)
		}
	}
}

func jsonString(v any) string { return string(mustJSON(v)) }

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// postsTo returns what the fake network received at inbox, in order.
func (n *testNode) postsTo(inbox string) []fakePost {
	var out []fakePost
	for _, p := range n.net.sent() {
		if p.URL == inbox {
			out = append(out, p)
		}
	}
	return out
}

// signedAs checks that a POST the fake network received is signed with the
// key of the local actor key, whose actor id is actor.
func (n *testNode) signedAs(t *testing.T, p fakePost, key, actor string) {
	t.Helper()
	if sig := p.Req.Header.Get("Signature"); !strings.Contains(sig, `keyId="`+actor+`#main-key"`) {
		t.Fatalf("signature %s is not by %s", sig, actor)
	}
	sr, err := n.f.checkRequest(p.Req, p.Body)
	if err != nil {
		t.Fatal(err)
	}
	k, err := n.f.keys.get(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	if err := sr.v.Verify(&k.priv.PublicKey, httpsig.RSA_SHA256); err != nil {
		t.Fatalf("the %s of %s does not verify with %s's key: %v", decode(t, p.Body)["type"], p.URL, key, err)
	}
}

// waitPosts waits until inbox has received want activities, and the queue
// has recorded them (a change waits for a send still in progress about the
// same Note), and returns them.
func (n *testNode) waitPosts(t *testing.T, inbox string, want int) []fakePost {
	t.Helper()
	waitUntil(t, fmt.Sprintf("%d activities at %s", want, inbox), func() bool {
		return len(n.postsTo(inbox)) >= want && n.count(`SELECT count(*) FROM ap_deliveries WHERE inbox = ?`, inbox) == 0
	})
	ps := n.postsTo(inbox)
	if len(ps) != want {
		t.Fatalf("%s received %d activities, want %d", inbox, len(ps), want)
	}
	return ps
}

// A remote actor's private chat with a stall: what the stallholder writes,
// edits and deletes reaches the remote inbox as Create, Update (new text,
// same Note id) and Delete of that id, each a new activity signed by the
// stall and addressed to that actor only. The Create and Update are gone
// from the outbox after the Delete. Nobody here can edit the remote
// actor's own message.
func TestOurEditsAndDeletionsReachThePrivateChat(t *testing.T) {
	n := newTestNode(t, "https://market.test", time.Now(), nil)
	n.run()
	ctx := context.Background()
	wang := n.account("wang", node.RoleStallholder)
	st := n.stall(wang, "Bikes")
	stallURL := n.f.u.stall(st.ID)
	bo := newRemote(t, n.net, "https://remote.test/users/bo", "")
	boInbox := bo.id + "/inbox"
	dm := map[string]any{"@context": asContextIRI, "id": "https://remote.test/n/1#create", "type": "Create", "actor": bo.id,
		"object": map[string]any{"id": "https://remote.test/n/1", "type": "Note", "attributedTo": bo.id,
			"content": "<p>Do you fix brakes?</p>", "to": stallURL}}
	if w := n.do(bo.signedPost(t, "https://market.test/inbox", dm, n.clock.Now())); w.Code != http.StatusAccepted {
		t.Fatalf("dm = %d %s", w.Code, w.Body)
	}
	convs, _ := n.db.Conversations(ctx, wang.ID, 10)
	if len(convs) != 1 || convs[0].Kind != node.Private {
		t.Fatalf("wang's conversations = %+v", convs)
	}
	chat := convs[0]
	ms, _ := n.db.Messages(ctx, chat.ID, 0, 10)
	question := ms[0]

	ans, err := n.app.Post(ctx, wang, app.PostInput{Conversation: chat.ID, Body: "Yes, on Sundays."})
	if err != nil {
		t.Fatal(err)
	}
	noteID := n.f.u.message(ans.ID)
	create := decode(t, n.waitPosts(t, boInbox, 1)[0].Body)
	if create["type"] != "Create" || create["object"].(map[string]any)["id"] != noteID {
		t.Fatalf("create = %s", mustJSON(create))
	}
	if w := n.get(strings.TrimPrefix(create["id"].(string), "https://market.test")); w.Code != http.StatusNotFound {
		t.Fatalf("a private message's Create is served to anyone: %d", w.Code)
	}

	// The edit: an Update of the same Note, rendered again.
	if _, err := n.app.EditMessage(ctx, wang, ans.ID, "Yes, on Sundays and **Mondays**."); err != nil {
		t.Fatal(err)
	}
	ps := n.waitPosts(t, boInbox, 2)
	n.signedAs(t, ps[1], stallKey(st.ID), stallURL)
	upd := decode(t, ps[1].Body)
	note, _ := upd["object"].(map[string]any)
	if upd["type"] != "Update" || upd["actor"] != stallURL || upd["id"] == create["id"] || note["id"] != noteID ||
		note["type"] != "Note" || note["attributedTo"] != stallURL || note["updated"] == nil || note["published"] == nil ||
		!strings.Contains(note["content"].(string), "Sundays and <strong>Mondays</strong>") ||
		note["inReplyTo"] != "https://remote.test/n/1" || strings.Contains(string(ps[1].Body), publicIRI) ||
		!strings.Contains(jsonString(upd["to"]), bo.id) || !strings.HasPrefix(upd["id"].(string), "https://market.test/activities/") {
		t.Fatalf("update = %s", ps[1].Body)
	}

	// bo's own message is his: wang can neither edit it nor send anything
	// about it.
	if _, err := n.app.EditMessage(ctx, wang, question.ID, "hacked"); node.ErrorCode(err) != node.EFORBIDDEN {
		t.Fatalf("editing bo's message: %v", err)
	}

	// The deletion: a Delete of the Note's id, with a Tombstone.
	if err := n.app.DeleteMessage(ctx, wang, ans.ID); err != nil {
		t.Fatal(err)
	}
	ps = n.waitPosts(t, boInbox, 3)
	n.signedAs(t, ps[0], stallKey(st.ID), stallURL)
	n.signedAs(t, ps[2], stallKey(st.ID), stallURL)
	del := decode(t, ps[2].Body)
	obj, _ := del["object"].(map[string]any)
	if del["type"] != "Delete" || del["actor"] != stallURL || del["id"] == create["id"] || del["id"] == upd["id"] ||
		obj["id"] != noteID || obj["type"] != "Tombstone" || obj["formerType"] != "Note" || obj["content"] != nil ||
		strings.Contains(string(ps[2].Body), publicIRI) || !strings.Contains(jsonString(del["to"]), bo.id) {
		t.Fatalf("delete = %s", ps[2].Body)
	}
	// The Create and Update (which carry the text) are no longer served.
	for _, a := range []map[string]any{create, upd} {
		if w := n.get(strings.TrimPrefix(a["id"].(string), "https://market.test")); w.Code != http.StatusNotFound {
			t.Fatalf("GET %s after the deletion = %d %s", a["id"], w.Code, w.Body)
		}
	}
	// A private chat's activities are not served to anyone who asks.
	if w := n.get(strings.TrimPrefix(del["id"].(string), "https://market.test")); w.Code != http.StatusNotFound {
		t.Fatalf("GET the Delete = %d", w.Code)
	}
	// Deleting it again says nothing more.
	if err := n.app.DeleteMessage(ctx, wang, ans.ID); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "an empty queue", func() bool { return n.count(`SELECT count(*) FROM ap_deliveries`) == 0 })
	if got := len(n.postsTo(boInbox)); got != 3 {
		t.Fatalf("bo's inbox received %d activities", got)
	}
}

// Messages in conversations with nobody elsewhere in them stay here, edited
// or deleted.
func TestLocalConversationsChangesStayHome(t *testing.T) {
	n := newTestNode(t, "https://market.test", time.Now(), nil)
	n.run()
	ctx := context.Background()
	wang := n.account("wang", node.RoleStallholder)
	mei := n.account("mei", node.RoleResident)
	st := n.stall(wang, "Bikes")
	price, _ := node.ParsePrice("12", "CNY")
	it := &node.Item{Stall: st.ID, Title: "Bell", Quantity: 1, Price: price}
	if err := n.app.CreateItem(ctx, wang, it); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the item rendered", func() bool { return n.count(`SELECT count(*) FROM ap_outbox WHERE fanned = 0`) == 0 })
	before := n.count(`SELECT count(*) FROM ap_outbox`)
	chat, err := n.app.StartPrivate(ctx, mei, []string{"wang"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []app.PostInput{{Conversation: chat.ID, Body: "Hello"}, {Item: it.ID, Body: "Still there?"}} {
		m, err := n.app.Post(ctx, mei, in)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := n.app.EditMessage(ctx, mei, m.ID, "Hello again"); err != nil {
			t.Fatal(err)
		}
		if err := n.app.DeleteMessage(ctx, mei, m.ID); err != nil {
			t.Fatal(err)
		}
	}
	if got := n.count(`SELECT count(*) FROM ap_outbox`); got != before || len(n.net.sent()) != 0 {
		t.Fatalf("outbox %d → %d rows, %d posts", before, got, len(n.net.sent()))
	}
}

// A public thread with remote authors: an edit by the stallholder goes to
// each of them as an Update signed by the stall, an edit by a resident as
// one signed by their Person; a moderator's deletion of the stall's answer
// is a Delete signed by the stall, and the Note's id answers 410 with a
// Tombstone. A moderator's deletion of a remote author's message sends
// nothing (it is not ours).
func TestEditsInAPublicThreadReachItsRemoteAuthors(t *testing.T) {
	n := newTestNode(t, "https://market.test", time.Now(), nil)
	n.run()
	ctx := context.Background()
	wang := n.account("wang", node.RoleStallholder)
	li := n.account("li", node.RoleResident)
	mod := n.account("mod", node.RoleModerator)
	st := n.stall(wang, "Bikes")
	price, _ := node.ParsePrice("80", "CNY")
	it := &node.Item{Stall: st.ID, Title: "Old clock", Quantity: 1, Price: price}
	if err := n.app.CreateItem(ctx, wang, it); err != nil {
		t.Fatal(err)
	}
	alice := newRemote(t, n.net, aliceID, "https://gts9.test/inbox")
	bo := newRemote(t, n.net, "https://remote.test/users/bo", "")
	itemURL, stallURL := n.f.u.item(it.ID), n.f.u.stall(st.ID)
	if w := n.do(alice.signedPost(t, "https://market.test/inbox", alicesReply(t, n, itemURL, stallURL), n.clock.Now())); w.Code != http.StatusAccepted {
		t.Fatalf("alice's reply = %d %s", w.Code, w.Body)
	}
	boReply := map[string]any{"@context": asContextIRI, "id": "https://remote.test/n/7#create", "type": "Create", "actor": bo.id,
		"object": map[string]any{"id": "https://remote.test/n/7", "type": "Note", "attributedTo": bo.id, "content": "<p>And the key?</p>",
			"to": publicIRI, "inReplyTo": itemURL}}
	if w := n.do(bo.signedPost(t, "https://market.test/inbox", boReply, n.clock.Now())); w.Code != http.StatusAccepted {
		t.Fatalf("bo's reply = %d %s", w.Code, w.Body)
	}
	ms := n.thread(t, it.ID)
	if len(ms) != 2 {
		t.Fatalf("thread = %d messages", len(ms))
	}
	aliceInbox, boInbox := "https://gts9.test/inbox", bo.id+"/inbox"

	ans, err := n.app.Post(ctx, wang, app.PostInput{Item: it.ID, Body: "It ticks.", ReplyTo: ms[0].ID})
	if err != nil {
		t.Fatal(err)
	}
	n.waitPosts(t, aliceInbox, 1)
	n.waitPosts(t, boInbox, 1)
	if _, err := n.app.EditMessage(ctx, wang, ans.ID, "It ticks, and the key is here."); err != nil {
		t.Fatal(err)
	}
	for _, inbox := range []string{aliceInbox, boInbox} {
		p := n.waitPosts(t, inbox, 2)[1]
		n.signedAs(t, p, stallKey(st.ID), stallURL)
		upd := decode(t, p.Body)
		note, _ := upd["object"].(map[string]any)
		if upd["type"] != "Update" || note["id"] != n.f.u.message(ans.ID) || note["attributedTo"] != stallURL ||
			!strings.Contains(note["content"].(string), "the key is here") || !strings.Contains(jsonString(upd["to"]), publicIRI) ||
			!strings.Contains(jsonString(upd["cc"]), aliceID) || !strings.Contains(jsonString(upd["cc"]), bo.id) {
			t.Fatalf("update at %s = %s", inbox, p.Body)
		}
	}
	// Served at its id, edited.
	w := n.get("/messages/"+itoa(int64(ans.ID)), "Accept", contentTypeAS)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "the key is here") || decode(t, w.Body.Bytes())["updated"] == nil {
		t.Fatalf("GET the edited message = %d %s", w.Code, w.Body)
	}

	// li (a resident, no stall) asks and corrects herself: her Person signs.
	q, err := n.app.Post(ctx, li, app.PostInput{Item: it.ID, Body: "Does it chime?"})
	if err != nil {
		t.Fatal(err)
	}
	n.waitPosts(t, boInbox, 3)
	if _, err := n.app.EditMessage(ctx, li, q.ID, "Does it chime on the hour?"); err != nil {
		t.Fatal(err)
	}
	posts := n.waitPosts(t, boInbox, 4)
	p := posts[3]
	for _, q := range posts { // deliveries to one inbox may arrive in any order
		if upd := decode(t, q.Body); upd["type"] == "Update" && upd["actor"] == n.f.u.person("li") {
			p = q
		}
	}
	n.signedAs(t, p, accountKey(li.ID), n.f.u.person("li"))
	if upd := decode(t, p.Body); upd["type"] != "Update" || upd["actor"] != n.f.u.person("li") ||
		upd["object"].(map[string]any)["id"] != n.f.u.message(q.ID) {
		t.Fatalf("li's update = %s", p.Body)
	}

	// A moderator removes the stall's answer: it is ours, so it is deleted
	// everywhere, in the stall's name.
	if err := n.app.DeleteMessage(ctx, mod, ans.ID); err != nil {
		t.Fatal(err)
	}
	for _, inbox := range []string{aliceInbox, boInbox} {
		ps := n.waitPosts(t, inbox, 5) // the answer and li's question, created and updated, and this
		p := ps[len(ps)-1]
		for _, q := range ps { // deliveries to one inbox may arrive in any order
			if decode(t, q.Body)["type"] == "Delete" {
				p = q
			}
		}
		n.signedAs(t, p, stallKey(st.ID), stallURL)
		del := decode(t, p.Body)
		if obj, _ := del["object"].(map[string]any); del["type"] != "Delete" || del["actor"] != stallURL || obj["id"] != n.f.u.message(ans.ID) ||
			obj["type"] != "Tombstone" {
			t.Fatalf("delete at %s = %s", inbox, p.Body)
		}
	}
	w = n.get("/messages/"+itoa(int64(ans.ID)), "Accept", contentTypeAS)
	if ts := decode(t, w.Body.Bytes()); w.Code != http.StatusGone || ts["type"] != "Tombstone" || ts["id"] != n.f.u.message(ans.ID) ||
		ts["formerType"] != "Note" {
		t.Fatalf("GET the deleted message = %d %s", w.Code, w.Body)
	}

	// alice's and bo's messages are theirs: a moderator hides them here, and
	// nothing is sent; nobody here can edit them.
	queued := n.count(`SELECT count(*) FROM ap_outbox`)
	if _, err := n.app.EditMessage(ctx, mod, ms[0].ID, "hacked"); node.ErrorCode(err) != node.EFORBIDDEN {
		t.Fatalf("editing alice's message: %v", err)
	}
	for _, m := range ms {
		if err := n.app.DeleteMessage(ctx, mod, m.ID); err != nil {
			t.Fatal(err)
		}
	}
	if got := n.count(`SELECT count(*) FROM ap_outbox`); got != queued {
		t.Fatalf("deleting remote messages queued %d activities", got-queued)
	}
}

// The queue keeps no order, so a change waits for what is still owed about
// the same Note: an edit before the Create went out turns into a fresh
// Create with the new text (no Update), a Create being sent holds the Update
// back until its lease ends, and a deletion drops whatever was waiting.
func TestMessageChangesOvertakeNothing(t *testing.T) {
	n := newTestNode(t, "https://market.test", time.Now(), nil) // no worker yet: nothing goes out
	ctx := context.Background()
	wang := n.account("wang", node.RoleStallholder)
	st := n.stall(wang, "Bikes")
	bo := newRemote(t, n.net, "https://remote.test/users/bo", "")
	boInbox := bo.id + "/inbox"
	dm := map[string]any{"@context": asContextIRI, "id": "https://remote.test/n/1#create", "type": "Create", "actor": bo.id,
		"object": map[string]any{"id": "https://remote.test/n/1", "type": "Note", "attributedTo": bo.id,
			"content": "<p>Hello?</p>", "to": n.f.u.stall(st.ID)}}
	if w := n.do(bo.signedPost(t, "https://market.test/inbox", dm, n.clock.Now())); w.Code != http.StatusAccepted {
		t.Fatalf("dm = %d %s", w.Code, w.Body)
	}
	convs, _ := n.db.Conversations(ctx, wang.ID, 10)
	chat := convs[0].ID
	pending := func() map[string]string { // kind → body of what waits for bo
		out := map[string]string{}
		rows, err := n.db.Read().Query(`SELECT o.kind, o.body FROM ap_deliveries d JOIN ap_outbox o ON o.id = d.outbox_id WHERE d.inbox = ?`, boInbox)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var kind, body string
			rows.Scan(&kind, &body)
			if out[kind] != "" {
				t.Fatalf("two %s activities wait for bo", kind)
			}
			out[kind] = body
		}
		return out
	}

	// Posted and edited before anything went out: one Create, with the edit.
	m1, err := n.app.Post(ctx, wang, app.PostInput{Conversation: chat, Body: "First draft."})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.app.EditMessage(ctx, wang, m1.ID, "Second thoughts."); err != nil {
		t.Fatal(err)
	}
	if p := pending(); len(p) != 1 || !strings.Contains(p["create"], "Second thoughts.") || !strings.Contains(p["create"], `"updated"`) {
		t.Fatalf("waiting after the early edit: %v", p)
	}

	// A Create being sent (leased) stays; the Update waits for its lease.
	m2, err := n.app.Post(ctx, wang, app.PostInput{Conversation: chat, Body: "Another."})
	if err != nil {
		t.Fatal(err)
	}
	lease := n.clock.Now().Add(time.Minute).UnixMilli()
	n.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`UPDATE ap_deliveries SET lease_ms = ? WHERE outbox_id = (SELECT max(id) FROM ap_outbox WHERE kind = 'create')`, lease)
		return err
	})
	if _, err := n.app.EditMessage(ctx, wang, m2.ID, "Another one."); err != nil {
		t.Fatal(err)
	}
	if next := n.count(`SELECT d.next_at_ms FROM ap_deliveries d JOIN ap_outbox o ON o.id = d.outbox_id WHERE o.kind = 'update'`); int64(next) < lease {
		t.Fatalf("the Update is due at %d, before the Create's lease ends at %d", next, lease)
	}
	if n := n.count(`SELECT count(*) FROM ap_deliveries d JOIN ap_outbox o ON o.id = d.outbox_id WHERE o.kind = 'create'`); n != 2 {
		t.Fatalf("%d Creates wait", n)
	}

	// Deleted before anything went out: nothing about it waits any more, and
	// the text is gone from the outbox.
	if err := n.app.DeleteMessage(ctx, wang, m1.ID); err != nil {
		t.Fatal(err)
	}
	if got := n.count(`SELECT count(*) FROM ap_deliveries d JOIN ap_outbox o ON o.id = d.outbox_id
		WHERE o.kind = 'delete' OR CAST(o.body AS TEXT) LIKE '%Second thoughts%'`); got != 0 {
		t.Fatalf("%d deliveries about the deleted message wait", got)
	}
	if got := n.count(`SELECT count(*) FROM ap_outbox WHERE kind IN ('create', 'update') AND CAST(body AS TEXT) LIKE '%Second thoughts%'`); got != 0 {
		t.Fatalf("%d activities with the deleted text remain", got)
	}
	// The worker starts (clearing the lease): the Create of the second
	// message goes, its Update waits for the lease; bo never had the first
	// message, so he hears nothing of it.
	n.run()
	waitUntil(t, "bo's deliveries", func() bool { return len(n.postsTo(boInbox)) >= 1 })
	time.Sleep(200 * time.Millisecond)
	var got []string
	for _, p := range n.postsTo(boInbox) {
		a := decode(t, p.Body)
		got = append(got, fmt.Sprintf("%s %s", a["type"], strings.TrimPrefix(a["object"].(map[string]any)["id"].(string), "https://market.test")))
	}
	if want := []string{"Create /messages/" + itoa(int64(m2.ID))}; !slices.Equal(got, want) {
		t.Fatalf("bo received %v, want %v", got, want)
	}
	if p := pending(); len(p) != 1 || !strings.Contains(p["update"], "Another one.") {
		t.Fatalf("waiting: %v", p)
	}
}

// A moderator removing a reported message written here sends its Delete,
// as the author's own deletion does.
func TestReportRemovalReachesTheRemoteSide(t *testing.T) {
	n := newTestNode(t, "https://market.test", time.Now(), nil)
	n.run()
	ctx := context.Background()
	mei := n.account("mei", node.RoleOrganiser)
	wang := n.account("wang", node.RoleStallholder)
	st := n.stall(wang, "Bikes")
	bo := newRemote(t, n.net, "https://remote.test/users/bo", "")
	boInbox := bo.id + "/inbox"
	dm := map[string]any{"@context": asContextIRI, "id": "https://remote.test/n/1#create", "type": "Create", "actor": bo.id,
		"object": map[string]any{"id": "https://remote.test/n/1", "type": "Note", "attributedTo": bo.id,
			"content": "<p>Do you fix brakes?</p>", "to": n.f.u.stall(st.ID)}}
	if w := n.do(bo.signedPost(t, "https://market.test/inbox", dm, n.clock.Now())); w.Code != http.StatusAccepted {
		t.Fatalf("dm = %d %s", w.Code, w.Body)
	}
	convs, _ := n.db.Conversations(ctx, wang.ID, 10)
	ans, err := n.app.Post(ctx, wang, app.PostInput{Conversation: convs[0].ID, Body: "Rude answer."})
	if err != nil {
		t.Fatal(err)
	}
	n.waitPosts(t, boInbox, 1)
	waitUntil(t, "the Create recorded", func() bool { return n.count(`SELECT count(*) FROM ap_deliveries`) == 0 })
	r, err := n.app.Report(ctx, wang, ans.ID, "I wrote that in anger")
	if err != nil {
		t.Fatal(err)
	}
	if err := n.app.ResolveReport(ctx, mei, r.ID, "remove"); err != nil {
		t.Fatal(err)
	}
	del := decode(t, n.waitPosts(t, boInbox, 2)[1].Body)
	if obj, _ := del["object"].(map[string]any); del["type"] != "Delete" || obj["id"] != n.f.u.message(ans.ID) {
		t.Fatalf("after the removal bo got %s", mustJSON(del))
	}
}

// Private messages and a stall's thread from elsewhere read in the order
// their Notes were written, not the order they arrived (deliveries to one
// server run side by side, and retries come late).
func TestRemoteMessagesReadInWrittenOrder(t *testing.T) {
	start := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	n := newTestNode(t, "https://market.test", start, nil)
	ctx := context.Background()
	wang := n.account("wang", node.RoleStallholder)
	st := n.stall(wang, "Bikes")
	stallURL := n.f.u.stall(st.ID)
	bo := newRemote(t, n.net, "https://remote.test/users/bo", "")
	note := func(i int, content string, published time.Time, to ...any) map[string]any {
		id := "https://remote.test/n/" + itoa(int64(i))
		return map[string]any{"@context": asContextIRI, "id": id + "#create", "type": "Create", "actor": bo.id,
			"object": map[string]any{"id": id, "type": "Note", "attributedTo": bo.id, "content": content, "to": to,
				"published": published.Format("2006-01-02T15:04:05.000Z07:00")}}
	}
	// Written first, second, third, within one second; they arrive third,
	// first, second.
	for k, m := range []struct {
		i    int
		body string
		at   time.Duration
	}{{3, "third", 900 * time.Millisecond}, {1, "first", 100 * time.Millisecond}, {2, "second", 500 * time.Millisecond}} {
		n.clock.Set(start.Add(time.Duration(10+k) * time.Second)) // each arrives after all were written, one a second
		if w := n.do(bo.signedPost(t, "https://market.test/inbox", note(m.i, "<p>"+m.body+"</p>", start.Add(m.at), stallURL), n.clock.Now())); w.Code != http.StatusAccepted {
			t.Fatalf("%s = %d %s", m.body, w.Code, w.Body)
		}
	}
	convs, err := n.db.Conversations(ctx, wang.ID, 10)
	if err != nil || len(convs) != 1 {
		t.Fatalf("wang's conversations = %+v %v", convs, err)
	}
	ms, err := n.db.Messages(ctx, convs[0].ID, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if got := messageBodies(ms); strings.Join(got, " ") != "first second third" {
		t.Fatalf("the private chat reads %q, want first second third", got)
	}
}
