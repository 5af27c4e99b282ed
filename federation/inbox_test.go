package federation

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shiji-market/shiji/node"
)

// post sends a fixture at its own time.
func (n *testNode) postFixture(t *testing.T, name string) *httptest.ResponseRecorder {
	t.Helper()
	n.clock.Set(fixtureDate(t, name).Add(10 * time.Second))
	return n.do(fixture(t, name))
}

// GoToSocial's alice follows the person sink, who follows her back; her
// posts arrive (her direct message goes to a private chat instead:
// TestRemoteDirectMessages; her reply to a note we do not have is ignored);
// she unfollows.
func TestGoToSocialConversationThroughTheInbox(t *testing.T) {
	n := gtsNode(t)
	n.run()
	sink, _, _ := n.db.AccountByName(context.Background(), "sink")
	if w := n.postFixture(t, "07-inbox-follow.http"); w.Code != http.StatusAccepted {
		t.Fatalf("follow = %d %s", w.Code, w.Body)
	}
	if c := n.count(`SELECT count(*) FROM ap_followers WHERE actor = ? AND follower = ?`, accountKey(sink.ID), aliceID); c != 1 {
		t.Fatalf("followers = %d", c)
	}
	// The Accept reaches alice's inbox, signed by sink.
	var acc fakePost
	waitUntil(t, "the Accept", func() bool {
		for _, p := range n.net.sent() {
			if p.URL == aliceID+"/inbox" {
				acc = p
				return true
			}
		}
		return false
	})
	m := decode(t, acc.Body)
	obj, _ := m["object"].(map[string]any)
	if m["type"] != "Accept" || m["actor"] != "https://sink.test/users/sink" || obj["id"] != "https://gts9.test/users/alice/follow/01Q8QKGX200KSYKMHNAPDTJRVA" {
		t.Fatalf("accept = %s", acc.Body)
	}
	if sig := acc.Req.Header.Get("Signature"); !strings.Contains(sig, `keyId="https://sink.test/users/sink#main-key"`) ||
		!strings.Contains(sig, `headers="(request-target) host date digest"`) {
		t.Fatalf("accept signature = %s", sig)
	}
	waitUntil(t, "the delivery row to go", func() bool { return n.count(`SELECT count(*) FROM ap_deliveries`) == 0 })

	// A replayed Follow is taken (202) and changes nothing.
	before := n.snapshot()
	if w := n.postFixture(t, "07-inbox-follow.http"); w.Code != http.StatusAccepted || n.snapshot() != before {
		t.Fatalf("replay = %d, %s → %s", w.Code, before, n.snapshot())
	}

	// sink had followed alice; her Accept arrives.
	n.db.Write(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO ap_following(account_id, actor, follow_id, state, created_at) VALUES (?, ?, ?, 'pending', 0)`,
			sink.ID, aliceID, "https://sink.test/follows/1795574773675596883")
		return err
	})
	if w := n.postFixture(t, "06-inbox-accept-of-follow.http"); w.Code != http.StatusAccepted {
		t.Fatalf("accept = %d %s", w.Code, w.Body)
	}
	if c := n.count(`SELECT count(*) FROM ap_following WHERE state = 'accepted'`); c != 1 {
		t.Fatalf("accepted follows = %d", c)
	}

	// Her public post with a hashtag and her post with a photo are kept.
	for _, f := range []string{"08-inbox-create-note-public-hashtag.http", "14-inbox-create-note-with-photo.http",
		"10-inbox-create-note-reply.http", "13-inbox-create-note-direct.http", "11-inbox-like.http", "12-inbox-announce.http",
		"17-inbox-undo-announce.http", "15-inbox-update-note-edit.http"} {
		if w := n.postFixture(t, f); w.Code != http.StatusAccepted {
			t.Fatalf("%s = %d %s", f, w.Code, w.Body)
		}
	}
	if c := n.count(`SELECT count(*) FROM ap_notes`); c != 2 {
		t.Fatalf("notes = %d (replies and direct messages are not timeline notes)", c)
	}
	var content, tags, atts string
	n.db.Read().QueryRow(`SELECT content, tags FROM ap_notes WHERE id = ?`, "https://gts9.test/users/alice/statuses/01M889HJMRM313KP87JAC2HJN6").Scan(&content, &tags)
	if tags != `["market"]` || !strings.Contains(content, "一条公开的帖子") || strings.Contains(content, "target=\"_blank\" class") {
		t.Fatalf("note content %q tags %s", content, tags)
	}
	n.db.Read().QueryRow(`SELECT attachments FROM ap_notes WHERE id = ?`, "https://gts9.test/users/alice/statuses/01M889HKEEFXRBH5QZBFDCFP7A").Scan(&atts)
	if !strings.Contains(atts, `"alt":"a tiny picture"`) || !strings.Contains(atts, `"media_type":"image/jpeg"`) {
		t.Fatalf("attachments = %s", atts)
	}
	// The timeline shows them, newest first.
	r := httptest.NewRequest(http.MethodGet, "https://sink.test/api/v1/timeline", nil)
	r.Header.Set("X-Test-Account", "sink")
	w := n.do(r)
	var tl struct {
		Items []struct {
			ID    string
			Actor struct{ Acct string }
		}
	}
	json.Unmarshal(w.Body.Bytes(), &tl)
	if len(tl.Items) != 2 || tl.Items[0].ID != "https://gts9.test/users/alice/statuses/01M889HKEEFXRBH5QZBFDCFP7A" ||
		tl.Items[0].Actor.Acct != "alice@gts9.test" {
		t.Fatalf("timeline = %d %s", w.Code, w.Body)
	}

	// Her delete of a note we never kept, then her unfollow.
	if w := n.postFixture(t, "16-inbox-delete-note.http"); w.Code != http.StatusAccepted {
		t.Fatalf("delete = %d %s", w.Code, w.Body)
	}
	if w := n.postFixture(t, "18-inbox-undo-follow.http"); w.Code != http.StatusAccepted {
		t.Fatalf("undo = %d %s", w.Code, w.Body)
	}
	if c := n.count(`SELECT count(*) FROM ap_followers`); c != 0 {
		t.Fatalf("followers after the Undo = %d", c)
	}
}

func TestInboxEdges(t *testing.T) {
	n := newTestNode(t, "https://market.test", time.Now(), nil)
	wang := n.account("wang", node.RoleStallholder)
	st := n.stall(wang, "Bikes")
	bo := newRemote(t, n.net, "https://remote.test/users/bo", "https://remote.test/inbox")
	now := n.clock.Now()

	// Unknown types (Misskey's EmojiReact) are 202 and ignored.
	w := n.do(bo.signedPost(t, "https://market.test/inbox", map[string]any{"@context": asContextIRI, "id": "https://remote.test/r/1",
		"type": "EmojiReact", "actor": bo.id, "object": "https://market.test/items/1", "content": "🌸"}, now))
	if w.Code != http.StatusAccepted {
		t.Fatalf("EmojiReact = %d %s", w.Code, w.Body)
	}
	// A stall's own inbox; an unknown stall's is 404.
	follow := map[string]any{"@context": asContextIRI, "id": "https://remote.test/f/1", "type": "Follow", "actor": bo.id,
		"object": n.f.u.stall(st.ID)}
	if w := n.do(bo.signedPost(t, "https://market.test/stalls/999/inbox", follow, now)); w.Code != http.StatusNotFound {
		t.Fatalf("unknown stall inbox = %d %s", w.Code, w.Body)
	}
	if w := n.do(bo.signedPost(t, n.f.u.inbox(n.f.u.stall(st.ID)), follow, now)); w.Code != http.StatusAccepted {
		t.Fatalf("stall inbox = %d %s", w.Code, w.Body)
	}
	var inbox string
	n.db.Read().QueryRow(`SELECT inbox FROM ap_deliveries`).Scan(&inbox)
	if inbox != "https://remote.test/inbox" {
		t.Fatalf("the Accept goes to %q, want the shared inbox", inbox)
	}
	// A Follow of something that is not an actor here is ignored.
	w = n.do(bo.signedPost(t, "https://market.test/inbox", map[string]any{"@context": asContextIRI, "id": "https://remote.test/f/2",
		"type": "Follow", "actor": bo.id, "object": "https://elsewhere.test/users/x"}, now))
	if w.Code != http.StatusAccepted {
		t.Fatalf("follow elsewhere = %d", w.Code)
	}
	if c := n.count(`SELECT count(*) FROM ap_followers`); c != 1 {
		t.Fatalf("followers = %d", c)
	}
	// Wrong media type, oversized body, activity id on another host.
	r := bo.signedPost(t, "https://market.test/inbox", follow, now)
	r.Header.Set("Content-Type", "text/plain")
	if w := n.do(r); w.Code != http.StatusUnsupportedMediaType {
		t.Fatalf("text/plain = %d", w.Code)
	}
	big := `{"@context":"` + asContextIRI + `","type":"Note","actor":"` + bo.id + `","content":"` + strings.Repeat("x", maxBodyBytes) + `"}`
	if w := n.do(bo.signedPostBytes(t, "https://market.test/inbox", []byte(big), now)); w.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("big = %d", w.Code)
	}
	w = n.do(bo.signedPost(t, "https://market.test/inbox", map[string]any{"@context": asContextIRI, "id": "https://other.test/f/3",
		"type": "Follow", "actor": bo.id, "object": n.f.u.market()}, now))
	if w.Code != http.StatusBadRequest {
		t.Fatalf("foreign id = %d %s", w.Code, w.Body)
	}
	// An unknown deleted account is 202 at once, without fetching its key.
	w = n.do(bo.signedPost(t, "https://market.test/inbox", map[string]any{"@context": asContextIRI, "id": "https://gone.test/u/x#delete",
		"type": "Delete", "actor": "https://gone.test/u/x", "object": "https://gone.test/u/x"}, now))
	if w.Code != http.StatusAccepted {
		t.Fatalf("delete of an unknown actor = %d", w.Code)
	}
}

func TestInboxRateLimitPerHost(t *testing.T) {
	n := newTestNode(t, "https://market.test", time.Now(), nil)
	bo := newRemote(t, n.net, "https://remote.test/users/bo", "")
	var last int
	var retry string
	n.clock.Freeze(n.clock.Now()) // no refill while the loop runs, however slow
	for i := 0; i < inboxBurst+5; i++ {
		w := n.do(bo.signedPost(t, "https://market.test/inbox", map[string]any{"@context": asContextIRI,
			"id": "https://remote.test/l/" + strconv.Itoa(i), "type": "Like", "actor": bo.id,
			"object": "https://market.test/items/1"}, n.clock.Now()))
		last, retry = w.Code, w.Header().Get("Retry-After")
	}
	if last != http.StatusTooManyRequests || retry != "1" {
		t.Fatalf("after %d activities: %d (Retry-After %q), want 429 with Retry-After 1", inboxBurst+5, last, retry)
	}
	// Another host is not affected.
	al := newRemote(t, n.net, "https://other.test/users/al", "")
	w := n.do(al.signedPost(t, "https://market.test/inbox", map[string]any{"@context": asContextIRI, "id": "https://other.test/l/1",
		"type": "Like", "actor": al.id, "object": "https://market.test/items/1"}, n.clock.Now()))
	if w.Code != http.StatusAccepted {
		t.Fatalf("other host = %d", w.Code)
	}
}
