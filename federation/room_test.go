package federation

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
)

// openRoom makes mei's group chat on n and opens it to other markets.
func openRoom(t *testing.T, n *testNode, owner *node.Account) node.ConversationID {
	t.Helper()
	ctx := context.Background()
	conv, err := n.app.CreateGroup(ctx, owner, "Swap corner", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.app.FederateRoom(ctx, owner, conv.ID, true); err != nil {
		t.Fatal(err)
	}
	return conv.ID
}

// meisRoom is a node with mei's group chat opened to other markets, and
// the chat's Group actor.
func meisRoom(t *testing.T) (*testNode, *node.Account, node.ConversationID, string) {
	n := newTestNode(t, "https://shiji.test", time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC), nil)
	mei := n.account("mei", node.RoleResident)
	room := openRoom(t, n, mei)
	return n, mei, room, n.f.u.room(room)
}

// roomStranger is a remote account on host, not yet a member of any room.
func roomStranger(t *testing.T, n *testNode, id, host string) *remoteKey {
	t.Helper()
	k := &remoteKey{id: id, keyID: id + "#main-key", priv: standInKey(t)}
	newRemoteDoc(t, n.net, k.id, k, host+"/inbox")
	return k
}

// joinRoom has k follow (join) the room rid.
func joinRoom(t *testing.T, n *testNode, rid string, k *remoteKey) {
	t.Helper()
	follow := map[string]any{"@context": asContextIRI, "id": k.id + "#follows/" + lastSegment(rid), "type": "Follow", "actor": k.id, "object": rid}
	if w := n.do(k.signedPost(t, n.f.u.sharedInbox(), follow, n.clock.Now())); w.Code != http.StatusAccepted {
		t.Fatalf("follow: %d %s", w.Code, w.Body)
	}
}

// queued is the bodies of what room queued, oldest first.
func queued(t *testing.T, n *testNode, room node.ConversationID) []map[string]any {
	t.Helper()
	rows, err := n.db.Read().Query(`SELECT body FROM ap_outbox WHERE actor = ? ORDER BY id`, roomKey(room))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []map[string]any
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			t.Fatal(err)
		}
		out = append(out, decode(t, b))
	}
	return out
}

func hasIRI(v any, iri string) bool {
	for _, x := range listOf(v) {
		if refOf(x) == iri {
			return true
		}
	}
	return false
}

// What Mastodon and GoToSocial show of a room: a message goes out twice, as
// FEP-1b12's Announce{Create{Note}} and as a plain boost Announce{Note}
// (Mastodon boosts only a status it can fetch by the object's id, public or
// unlisted); the Note is served at its id; a member's public reply to a
// room message, addressed only to its author as Mastodon addresses it, is a
// room message answering it; deleting the message takes the boost back and
// its id then serves a Tombstone.
func TestRoomForMicroblogs(t *testing.T) {
	ctx := context.Background()
	n, mei, room, rid := meisRoom(t)
	felix := roomStranger(t, n, "https://mastodon.example/users/felix", "https://mastodon.example")
	joinRoom(t, n, rid, felix)
	m, err := n.app.Post(ctx, mei, app.PostInput{Conversation: room, Body: "Anyone have a **bike pump**?"})
	if err != nil {
		t.Fatal(err)
	}
	noteID := n.f.u.message(m.ID)
	var create, boost map[string]any
	for _, a := range queued(t, n, room) {
		if str(a, "type") != "Announce" {
			continue
		}
		switch obj := asMap(a["object"]); str(obj, "type") {
		case "Create":
			create = a
		case "Note":
			boost = a
		}
	}
	if create == nil || boost == nil {
		t.Fatalf("the room sent Announce{Create} %v and Announce{Note} %v", create != nil, boost != nil)
	}
	note := asMap(boost["object"])
	if refOf(boost["actor"]) != rid || str(note, "id") != noteID || !hasIRI(boost["cc"], publicIRI) || !isPublicNote(note) ||
		refOf(note["attributedTo"]) != n.f.u.person("mei") || !strings.Contains(str(note, "content"), "<strong>bike pump</strong>") {
		t.Fatalf("the boost is not what Mastodon shows: %v", boost)
	}
	if str(asMap(asMap(create["object"])["object"]), "id") != noteID {
		t.Fatalf("Announce{Create} of another Note: %v", create)
	}
	w := n.get("/messages/"+lastSegment(noteID), "Accept", contentTypeAS)
	if w.Code != http.StatusOK {
		t.Fatalf("GET the Note: %d %s", w.Code, w.Body)
	}
	if got := decode(t, w.Body.Bytes()); str(got, "id") != noteID || !isPublicNote(got) || refOf(got["audience"]) != rid {
		t.Fatalf("the Note served: %v", got)
	}

	// Felix replies on Mastodon: to his followers, cc Public and mei.
	reply := map[string]any{"@context": asContextIRI, "id": felix.id + "/statuses/2/activity", "type": "Create", "actor": felix.id,
		"to": []any{felix.id + "/followers"}, "cc": []any{publicIRI, n.f.u.person("mei")},
		"object": map[string]any{"id": felix.id + "/statuses/2", "type": "Note", "attributedTo": felix.id, "inReplyTo": noteID,
			"content": `<p><span class="h-card"><a href="https://shiji.test/@mei" class="u-url mention">@<span>mei</span></a></span> I have one!</p>`,
			"to":      []any{felix.id + "/followers"}, "cc": []any{publicIRI, n.f.u.person("mei")},
			"tag": []any{map[string]any{"type": "Mention", "href": n.f.u.person("mei"), "name": "@mei@shiji.test"}}}}
	if w := n.do(felix.signedPost(t, n.f.u.sharedInbox(), reply, n.clock.Now())); w.Code != http.StatusAccepted {
		t.Fatalf("reply: %d %s", w.Code, w.Body)
	}
	var replyTo sql.NullInt64
	var body string
	if err := n.db.Read().QueryRow(`SELECT reply_to, body FROM messages WHERE ap_id = ? AND conversation_id = ?`, felix.id+"/statuses/2", room).
		Scan(&replyTo, &body); err != nil {
		t.Fatalf("the reply is not a room message: %v", err)
	}
	if replyTo.Int64 != int64(m.ID) || !strings.Contains(body, "I have one!") {
		t.Fatalf("the reply: reply_to %v, body %q", replyTo, body)
	}

	// The owner deletes the message: the boost is taken back.
	if err := n.app.DeleteMessage(ctx, mei, m.ID); err != nil {
		t.Fatal(err)
	}
	undone := false
	for _, a := range queued(t, n, room) {
		undone = undone || (str(a, "type") == "Undo" && str(asMap(a["object"]), "id") == str(boost, "id"))
	}
	if !undone {
		t.Fatal("no Undo of the boost")
	}
	if w := n.get("/messages/"+lastSegment(noteID), "Accept", contentTypeAS); w.Code != http.StatusGone {
		t.Fatalf("GET the deleted Note: %d", w.Code)
	}
}

// A member whose server never answers does not hold up the room: posting
// returns while its server holds the first delivery, and the member whose
// server answers receives every message while the hanging
// member's deliveries are still waiting.
func TestRoomMemberThatHangs(t *testing.T) {
	ctx := context.Background()
	// A server that accepts connections and never answers.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var held atomic.Int64
	var connMu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held.Add(1)
			connMu.Lock()
			conns = append(conns, c)
			connMu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		connMu.Lock()
		for _, c := range conns {
			c.Close()
		}
		connMu.Unlock()
	})
	var mu sync.Mutex
	var got []string
	good := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var a map[string]any
		if json.Unmarshal(b, &a) == nil && str(asMap(a["object"]), "type") == "Create" {
			mu.Lock()
			got = append(got, htmlText(str(asMap(asMap(a["object"])["object"]), "content")))
			mu.Unlock()
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(good.Close)

	n := newTestNode(t, "https://shiji.test", time.Now(), func(c *Config) {
		c.Transport, c.AllowPrivate, c.Now = nil, true, time.Now
	})
	mei := n.account("mei", node.RoleResident)
	room := openRoom(t, n, mei)
	hang := "http://" + ln.Addr().String()
	for _, member := range []string{hang, good.URL} {
		if err := n.db.Write(ctx, func(tx *sql.Tx) error {
			_, err := tx.Exec(`INSERT INTO ap_followers(actor, follower, inbox, follow_id, created_at) VALUES (?, ?, ?, ?, 0)`,
				roomKey(room), member+"/users/bo", member+"/inbox", member+"/follows/1")
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	n.run()
	const count = 5
	want := make([]string, count)
	for i := range want {
		want[i] = "message " + string(rune('A'+i))
	}
	if _, err := n.app.Post(ctx, mei, app.PostInput{Conversation: room, Body: want[0]}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the hanging server to hold a delivery", func() bool { return held.Load() > 0 })
	for _, body := range want[1:] { // each returns while the hanging server holds one
		if _, err := n.app.Post(ctx, mei, app.PostInput{Conversation: room, Body: body}); err != nil {
			t.Fatal(err)
		}
	}
	waitUntil(t, "every message at the answering member's server, nothing left queued for it", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) >= count && n.count(`SELECT count(*) FROM ap_deliveries WHERE host = ?`, hostOf(good.URL)) == 0
	})
	mu.Lock()
	arrived := append([]string(nil), got...)
	mu.Unlock()
	sort.Strings(arrived) // deliveries to one server run side by side (Config.PerHost): no order is promised
	if strings.Join(arrived, "|") != strings.Join(want, "|") {
		t.Errorf("the answering member got %q, want each of %q once", arrived, want)
	}
	if pending := n.count(`SELECT count(*) FROM ap_deliveries WHERE host = ?`, hostOf(hang)); pending != 2*count {
		t.Errorf("the hanging member's deliveries: %d waiting, want all %d (none lost, none done)", pending, 2*count)
	}
}

// A member's Delete that overtakes its Create, sent to a room of ours,
// keeps the message out when the Create comes: it is neither shown nor
// shared. A Delete of a Note on another server than the signer's, or from
// someone who is no member, keeps nothing out.
func TestRoomMessageDeletedBeforeItArrives(t *testing.T) {
	ctx := context.Background()
	n, _, room, rid := meisRoom(t)
	felix := roomStranger(t, n, "https://mastodon.example/users/felix", "https://mastodon.example")
	ola := roomStranger(t, n, "https://other.example/users/ola", "https://other.example")
	stranger := roomStranger(t, n, "https://mastodon.example/users/stranger", "https://mastodon.example")
	joinRoom(t, n, rid, felix)
	joinRoom(t, n, rid, ola)
	send := func(k *remoteKey, a map[string]any) {
		t.Helper()
		a["@context"] = asContextIRI
		if w := n.do(k.signedPost(t, n.f.u.sharedInbox(), a, n.clock.Now())); w.Code != http.StatusAccepted {
			t.Fatalf("%s: %d %s", a["type"], w.Code, w.Body)
		}
	}
	deleteOf := func(k *remoteKey, note string) map[string]any {
		return map[string]any{"id": k.id + "#delete-" + lastSegment(note), "type": "Delete", "actor": k.id, "object": note, "to": []any{rid}, "audience": rid}
	}
	create := func(note, text string) map[string]any {
		return map[string]any{"id": note + "/activity", "type": "Create", "actor": felix.id, "to": []any{rid}, "audience": rid,
			"object": map[string]any{"id": note, "type": "Note", "attributedTo": felix.id, "content": "<p>" + text + "</p>",
				"to": []any{rid}, "audience": rid}}
	}
	gone, kept, kept2 := felix.id+"/statuses/9", felix.id+"/statuses/10", felix.id+"/statuses/11"
	send(felix, deleteOf(felix, gone))        // overtakes its Create
	send(ola, deleteOf(ola, kept))            // another server's Note: not ola's to delete
	send(stranger, deleteOf(stranger, kept2)) // no member
	send(felix, deleteOf(felix, felix.id))    // an account deleted: no message of the room
	send(felix, create(gone, "oops, wrong room"))
	send(felix, create(kept, "still here"))
	send(felix, create(kept2, "here too"))

	ms, err := n.db.Messages(ctx, room, 0, 50)
	if err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for _, m := range ms {
		bodies = append(bodies, m.Body)
	}
	if got := strings.Join(bodies, "|"); strings.Contains(got, "oops") || !strings.Contains(got, "still here") || !strings.Contains(got, "here too") {
		t.Fatalf("the room shows %q", got)
	}
	if c := n.count(`SELECT count(*) FROM messages WHERE ap_id = ?`, felix.id); c != 0 {
		t.Errorf("the Delete of felix's account left %d tombstones in the room", c)
	}
	for _, a := range queued(t, n, room) {
		if strings.Contains(string(mustJSON(a)), gone) {
			t.Fatalf("the room shared the deleted message: %s", mustJSON(a))
		}
	}
}
