package federation

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/shiji-market/shiji/node"
)

// ingestNode is a node where bo (remote.test) is followed, and a way to
// post bo's Create(Note) number i with a given content.
func ingestNode(t *testing.T) (*testNode, *remoteKey, func(i int, content string) *http.Request) {
	t.Helper()
	n := newTestNode(t, "https://market.test", time.Now(), nil)
	acc := n.account("ajie", "resident")
	bo := newRemote(t, n.net, "https://remote.test/users/bo", "https://remote.test/inbox")
	if err := n.db.Write(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO ap_following(account_id, actor, follow_id, state, created_at) VALUES (?, ?, ?, 'accepted', 0)`,
			acc.ID, bo.id, bo.id+"/follows/1")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	create := func(i int, content string) *http.Request {
		id := fmt.Sprintf("%s/notes/%d", bo.id, i)
		return bo.signedPost(t, "https://market.test/inbox", map[string]any{
			"@context": asContextIRI, "id": id + "/activity", "type": "Create", "actor": bo.id, "to": publicIRI,
			"object": map[string]any{"id": id, "type": "Note", "attributedTo": bo.id, "to": publicIRI, "content": content,
				"published": "2026-11-25T02:46:18Z", "tag": []any{map[string]any{"type": "Hashtag", "name": "#lamp"}}},
		}, n.clock.Now())
	}
	return n, bo, create
}

// An activity is answered 202 only once its note and its de-duplication
// mark have committed, together: when the note's write fails (as it would
// if the node died before the commit), nothing is kept, not even the mark,
// so the sender's retry is taken in.
func TestInboxMarkCommitsWithTheActivity(t *testing.T) {
	n, bo, create := ingestNode(t)
	if err := n.db.Write(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.Exec(`CREATE TRIGGER fail_notes BEFORE INSERT ON ap_notes WHEN NEW.content LIKE '%lamp%'
			BEGIN SELECT RAISE(ABORT, 'the disk went away'); END`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	note, act := bo.id+"/notes/1", bo.id+"/notes/1/activity"
	if w := n.do(create(1, "<p>A lamp</p>")); w.Code != http.StatusInternalServerError {
		t.Fatalf("with the note's write failing = %d %s, want 500 (the sender retries)", w.Code, w.Body)
	}
	if c := n.count(`SELECT count(*) FROM ap_inbox_seen WHERE id = ?`, act); c != 0 {
		t.Fatal("the activity is marked seen although its note was not stored: its retry would be dropped")
	}
	if err := n.db.Write(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.Exec(`DROP TRIGGER fail_notes`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for try := 0; try < 2; try++ { // the retry, then a repeat of it
		if w := n.do(create(1, "<p>A lamp</p>")); w.Code != http.StatusAccepted {
			t.Fatalf("try %d = %d %s, want 202", try, w.Code, w.Body)
		}
		if c := n.count(`SELECT count(*) FROM ap_notes WHERE id = ?`, note); c != 1 {
			t.Fatalf("try %d: %d notes stored, want 1", try, c)
		}
		if c := n.count(`SELECT count(*) FROM ap_inbox_seen WHERE id = ?`, act); c != 1 {
			t.Fatalf("try %d: the activity is marked %d times, want once", try, c)
		}
	}
}

// The same activity delivered by several requests at once is taken in
// once, and every request is answered 202.
func TestInboxSameActivityAtOnce(t *testing.T) {
	n, bo, create := ingestNode(t)
	reqs := make([]*http.Request, 8)
	for i := range reqs {
		reqs[i] = create(7, "<p>A kettle</p>")
	}
	codes := make([]int, len(reqs))
	var wg sync.WaitGroup
	for i, r := range reqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = n.do(r).Code
		}()
	}
	wg.Wait()
	for i, c := range codes {
		if c != http.StatusAccepted {
			t.Errorf("request %d = %d, want 202", i, c)
		}
	}
	if c := n.count(`SELECT count(*) FROM ap_notes WHERE id = ?`, bo.id+"/notes/7"); c != 1 {
		t.Errorf("%d notes stored, want 1", c)
	}
	if c := n.count(`SELECT count(*) FROM ap_inbox_seen WHERE id = ?`, bo.id+"/notes/7/activity"); c != 1 {
		t.Errorf("marked %d times, want once", c)
	}
}

// Whether a signer is followed here, and whether it is a group chat
// elsewhere, is kept in memory; a follow ending, a follow accepted and a
// room mirrored are seen on the very next activity.
func TestInboxActorFactsSeeWritesAtOnce(t *testing.T) {
	n, bo, create := ingestNode(t)
	ctx := context.Background()
	stored := func(i int) int {
		t.Helper()
		if w := n.do(create(i, "<p>A chair</p>")); w.Code != http.StatusAccepted {
			t.Fatalf("note %d = %d %s", i, w.Code, w.Body)
		}
		return n.count(`SELECT count(*) FROM ap_notes WHERE id = ?`, fmt.Sprintf("%s/notes/%d", bo.id, i))
	}
	if stored(1) != 1 || stored(2) != 1 { // the second from memory
		t.Fatal("a followed actor's note was not stored")
	}
	set := func(q string, args ...any) {
		t.Helper()
		if err := n.db.Write(ctx, func(tx *sql.Tx) error { _, err := tx.Exec(q, args...); return err }); err != nil {
			t.Fatal(err)
		}
	}
	set(`UPDATE ap_following SET state = 'pending' WHERE actor = ?`, bo.id)
	if stored(3) != 0 {
		t.Error("a note was stored after the follow went back to pending: the facts in memory were stale")
	}
	set(`UPDATE ap_following SET state = 'accepted' WHERE actor = ?`, bo.id)
	if stored(4) != 1 {
		t.Error("a note was not stored after the follow was accepted again")
	}
	if _, ok := n.f.roomOf(ctx, bo.id); ok {
		t.Fatal("bo is a room before any was mirrored")
	}
	set(`INSERT INTO conversations(kind, name, description, created_at, last_message_at) VALUES ('group', 'Lamps', '', 0, 0)`)
	room := node.ConversationID(n.count(`SELECT max(id) FROM conversations`))
	set(`INSERT INTO ap_rooms(conversation_id, actor) VALUES (?, ?)`, room, bo.id)
	if got, ok := n.f.roomOf(ctx, bo.id); !ok || got != room {
		t.Errorf("roomOf after the mirror = %d %v, want %d", got, ok, room)
	}
	set(`DELETE FROM conversations WHERE id = ?`, room) // the mirror goes by cascade
	if _, ok := n.f.roomOf(ctx, bo.id); ok {
		t.Error("bo is still a room after its mirror was deleted")
	}
}
