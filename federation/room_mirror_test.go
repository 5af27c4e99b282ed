package federation

import (
	"context"
	"database/sql"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
)

// roomPair is a group chat on market A opened to other markets, and
// market B where bo follows it (B's copy of the room, its mirror). What A's
// room sends is taken from A's queue as A's code renders it, and posted to
// B's inbox signed by the room.
type roomPair struct {
	a, b   *testNode
	mei    *node.Account // writes on A
	bo     *node.Account // reads on B
	room   node.ConversationID
	mirror node.ConversationID
	signer *remoteKey // the room, as B knows it
}

func newRoomPair(t *testing.T, start time.Time) *roomPair {
	t.Helper()
	p := &roomPair{a: newTestNode(t, "https://a.test", start, nil), b: newTestNode(t, "https://b.test", start, nil)}
	p.mei = p.a.account("mei", node.RoleResident)
	p.bo = p.b.account("bo", node.RoleResident)
	p.room = openRoom(t, p.a, p.mei)
	rid := p.a.f.u.room(p.room)
	// bo follows the room from B (as an accepted Follow leaves it on A).
	if err := p.a.db.Write(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO ap_followers(actor, follower, inbox, shared_inbox, follow_id, created_at) VALUES (?, ?, ?, ?, ?, 0)`,
			roomKey(p.room), p.b.f.u.person("bo"), p.b.f.u.person("bo")+"/inbox", p.b.f.u.sharedInbox(), p.b.f.u.person("bo")+"#follow")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	p.signer = &remoteKey{id: rid, keyID: rid + "#main-key", priv: standInKey(t)}
	newRemoteDoc(t, p.b.net, rid, p.signer)
	// B finds mei where A serves her.
	w := p.a.get("/users/mei", "Accept", contentTypeAS)
	if w.Code != http.StatusOK {
		t.Fatalf("mei's actor on A: %d %s", w.Code, w.Body)
	}
	p.b.net.serve(p.a.f.u.person("mei"), w.Body.Bytes())
	var err error
	if p.mirror, err = p.b.db.RoomMirror(context.Background(), rid, "Swap corner", p.bo.ID); err != nil {
		t.Fatal(err)
	}
	return p
}

// post has mei write on A and returns what A's room sends of it: the
// FEP-1b12 Announce{Create{Note}} and the plain boost Announce{Note}.
func (p *roomPair) post(t *testing.T, body string) (create, boost map[string]any) {
	t.Helper()
	m, err := p.a.app.Post(context.Background(), p.mei, app.PostInput{Conversation: p.room, Body: body})
	if err != nil {
		t.Fatal(err)
	}
	note := p.a.f.u.message(m.ID)
	for _, a := range queued(t, p.a, p.room) {
		obj := asMap(a["object"])
		switch {
		case str(a, "type") != "Announce":
		case str(obj, "type") == "Create" && str(asMap(obj["object"]), "id") == note:
			create = a
		case str(obj, "type") == "Note" && str(obj, "id") == note:
			boost = a
		}
	}
	if create == nil || boost == nil {
		t.Fatalf("A's room sent Announce{Create} %v and the boost %v of %s", create != nil, boost != nil, note)
	}
	return create, boost
}

// deliver posts what the room sends to B's shared inbox, as the room.
func (p *roomPair) deliver(t *testing.T, activity map[string]any) {
	t.Helper()
	if w := p.b.do(p.signer.signedPost(t, p.b.f.u.sharedInbox(), activity, p.b.clock.Now())); w.Code != http.StatusAccepted {
		t.Errorf("B's inbox answered %s to %s", status(w), str(activity, "id"))
	}
}

// mirrored is the bodies of B's copy of the room, as bo reads them.
func (p *roomPair) mirrored(t *testing.T) []string {
	t.Helper()
	_, ms, err := p.b.app.Messages(context.Background(), p.bo, p.mirror, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range ms {
		out = append(out, m.Body)
	}
	return out
}

// A message of a room reaches a member's market twice, as FEP-1b12's
// Announce{Create{Note}} and as the plain boost Announce{Note} Mastodon
// needs (room_compat.go); B's copy of the room shows it once, whichever
// comes first, and when both come at once. The boost also arriving
// before, after and between repeats of the Create changes nothing.
func TestRoomMirrorTakesAMessageOnce(t *testing.T) {
	start := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	for _, order := range []string{"create, boost", "boost, create", "both at once", "boost, create, boost, create"} {
		t.Run(order, func(t *testing.T) {
			p := newRoomPair(t, start)
			create, boost := p.post(t, "Anyone have a bike pump?")
			by := map[string]map[string]any{"create": create, "boost": boost}
			if order == "both at once" {
				var wg sync.WaitGroup
				for _, a := range []map[string]any{create, boost} {
					wg.Add(1)
					go func() { defer wg.Done(); p.deliver(t, a) }()
				}
				wg.Wait()
			} else {
				for _, k := range strings.Split(order, ", ") {
					p.deliver(t, by[k])
				}
			}
			if got := p.mirrored(t); len(got) != 1 || got[0] != "Anyone have a bike pump?" {
				t.Errorf("B's copy of the room shows %q, want the message once", got)
			}
			if n := p.b.count(`SELECT count(*) FROM messages WHERE conversation_id = ?`, p.mirror); n != 1 {
				t.Errorf("%d messages stored in B's copy of the room, want 1", n)
			}
			if n := p.b.count(`SELECT count(*) FROM notifications`); n > 1 {
				t.Errorf("%d notifications of one message", n)
			}
		})
	}
}
