package federation

import (
	"context"
	"database/sql"
	"net/http"
	"strconv"
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
	return messageBodies(ms)
}

// messageBodies is the bodies of messages, in their order.
func messageBodies(ms []*node.Message) []string {
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

// A room's messages reach a member's market in any order (its deliveries
// to one server run side by side, Config.PerHost): B's copy of the room
// reads in the order they were written (their published, to the
// millisecond, which the room sends), whichever came first and by either
// of the two ways a room sends a message; reading it marks all of it read;
// its pages follow the same order; a message saying it was written in the
// future takes its place when it arrived, not below everything said later.
func TestRoomMirrorReadsInWrittenOrder(t *testing.T) {
	start := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	p := newRoomPair(t, start)
	ctx := context.Background()
	written := []struct {
		body string
		at   time.Duration // on A's clock
	}{{"one", 0}, {"two", 250 * time.Millisecond}, {"three", 900 * time.Millisecond}, {"four", 1500 * time.Millisecond}, {"five", 3 * time.Second}}
	var creates, boosts []map[string]any
	var want []string
	for _, w := range written {
		p.a.clock.Freeze(start.Add(w.at))
		c, b := p.post(t, w.body)
		creates, boosts, want = append(creates, c), append(boosts, b), append(want, w.body)
	}
	if got := str(asMap(asMap(creates[1]["object"])["object"]), "published"); got != "2026-11-20T10:00:00.25Z" {
		t.Errorf("the room says %q was written at %q, want it to the millisecond", "two", got)
	}
	p.b.clock.Freeze(start.Add(10 * time.Second))
	for _, a := range []map[string]any{creates[4], creates[1], boosts[3], creates[0], boosts[2], boosts[4], creates[2], creates[3], boosts[0], boosts[1]} {
		p.deliver(t, a)
	}
	if got := p.mirrored(t); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("B's copy of the room reads %q, want %q", got, want)
	}
	if c, err := p.b.db.Conversation(ctx, p.mirror, p.bo.ID); err != nil {
		t.Fatal(err)
	} else if c.Unread != 0 {
		t.Errorf("after reading it all, bo has %d unread", c.Unread)
	}

	// A market whose clock runs a year fast: its message takes its place
	// when it arrived.
	p.a.clock.Freeze(start.Add(4 * time.Second))
	c, _ := p.post(t, "from the future")
	future := start.AddDate(1, 0, 0).Format(time.RFC3339)
	c["published"] = future
	asMap(c["object"])["published"] = future
	asMap(asMap(c["object"])["object"])["published"] = future
	p.deliver(t, c)
	p.b.clock.Freeze(start.Add(20 * time.Second))
	if _, err := p.b.app.Post(ctx, p.bo, app.PostInput{Conversation: p.mirror, Body: "six"}); err != nil {
		t.Fatal(err)
	}
	want = append(want, "from the future", "six")
	if got := p.mirrored(t); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("B's copy of the room reads %q, want %q", got, want)
	}

	// Three to a page: each page the three written before the first of
	// the page after it.
	var paged []string
	before := node.MessageID(0)
	for range 4 {
		_, ms, err := p.b.app.Messages(ctx, p.bo, p.mirror, before, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) == 0 {
			break
		}
		paged, before = append(messageBodies(ms), paged...), ms[0].ID
	}
	if strings.Join(paged, " ") != strings.Join(want, " ") {
		t.Errorf("page by page, B's copy of the room reads %q, want %q", paged, want)
	}
	if _, _, err := p.b.app.Messages(ctx, p.bo, p.mirror, 999, 3); node.ErrorCode(err) != node.EINVALID {
		t.Errorf("a page before a message not in the chat: %v, want EINVALID", err)
	}
}

// The room's own market takes its members' messages in any order too (they
// write from several markets): the room reads in the order they were
// written.
func TestRoomReadsMembersInWrittenOrder(t *testing.T) {
	start := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	n := newTestNode(t, "https://shiji.test", start.Add(time.Minute), nil)
	mei := n.account("mei", node.RoleResident)
	room := openRoom(t, n, mei)
	r := &roomReplay{t: t, n: n, conv: room, room: n.f.u.room(room)}
	bo, felix := "https://b.test/users/bo", "https://mastodon.example/users/felix"
	r.join(bo, "")
	r.join(felix, "")
	for i, w := range []struct {
		actor, body string
		at          time.Duration
	}{{bo, "third", 2500 * time.Millisecond}, {felix, "first", 0}, {bo, "second", 2100 * time.Millisecond}} {
		id := w.actor + "/notes/" + string(rune('a'+i))
		at := start.Add(w.at).Format("2006-01-02T15:04:05.999Z07:00")
		create := map[string]any{"@context": asContextIRI, "id": id + "/activity", "type": "Create", "actor": w.actor, "published": at,
			"object": map[string]any{"type": "Note", "id": id, "attributedTo": w.actor, "content": "<p>" + w.body + "</p>", "published": at,
				"to": []any{r.room}, "cc": []any{publicIRI}}}
		if got := r.post(w.actor, mustJSON(create)); got != "202" {
			t.Fatalf("%s: %s", w.body, got)
		}
	}
	_, ms, err := n.app.Messages(context.Background(), mei, room, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if got := messageBodies(ms); strings.Join(got, " ") != "first second third" {
		t.Errorf("the room reads %q, want first second third", got)
	}
}

// A message deleted soon after it was written: the room's Announce{Delete}
// may reach a member's market before the message itself (its deliveries
// run side by side, and a failed one is retried later). The message does
// not come back when it arrives after its deletion, by either copy.
func TestRoomMirrorDeletedBeforeItArrived(t *testing.T) {
	p := newRoomPair(t, time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC))
	ctx := context.Background()
	create, boost := p.post(t, "Oops, wrong chat")
	note := str(asMap(boost["object"]), "id")
	mid, _ := strconv.ParseInt(lastSegment(note), 10, 64)
	if err := p.a.app.DeleteMessage(ctx, p.mei, node.MessageID(mid)); err != nil {
		t.Fatal(err)
	}
	var del map[string]any
	for _, a := range queued(t, p.a, p.room) {
		if str(a, "type") == "Announce" && str(asMap(a["object"]), "type") == "Delete" && refOf(asMap(a["object"])["object"]) == note {
			del = a
		}
	}
	if del == nil {
		t.Fatal("A's room sent no Announce{Delete}")
	}
	p.deliver(t, del)
	p.deliver(t, create)
	p.deliver(t, boost)
	if got := p.mirrored(t); len(got) != 0 {
		t.Errorf("B's copy of the room shows %q, deleted before it arrived", got)
	}
	if n := p.b.count(`SELECT count(*) FROM messages WHERE conversation_id = ? AND deleted_at IS NULL`, p.mirror); n != 0 {
		t.Errorf("%d messages alive in B's copy of the room", n)
	}
}
