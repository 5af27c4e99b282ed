package federation

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

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
