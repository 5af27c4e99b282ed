package federation

import (
	"context"
	"database/sql"
	"net/http"
	"testing"
	"time"

	"github.com/shiji-market/shiji/node"
)

// A private message from elsewhere is stored with its author, and its chat
// with the chat's remote side, each in one transaction: when recording either
// fails, nothing half-made is left behind (no chat that no answer can find,
// no message its author could never edit), and the sender's retry takes it
// in whole.
func TestRemoteMessageIsStoredWhole(t *testing.T) {
	ctx := context.Background()
	n := newTestNode(t, "https://market.test", time.Now(), nil)
	wang := n.account("wang", node.RoleStallholder)
	st := n.stall(wang, "Bikes")
	bo := newRemote(t, n.net, "https://remote.test/users/bo", "")
	dm := map[string]any{"@context": asContextIRI, "id": "https://remote.test/n/1#create", "type": "Create", "actor": bo.id,
		"object": map[string]any{"id": "https://remote.test/n/1", "type": "Note", "attributedTo": bo.id,
			"content": "<p>Do you fix brakes?</p>", "to": n.f.u.stall(st.ID)}}
	exec := func(q string) {
		t.Helper()
		if err := n.db.Write(ctx, func(tx *sql.Tx) error { _, err := tx.Exec(q); return err }); err != nil {
			t.Fatal(err)
		}
	}
	for _, table := range []string{"ap_conversations", "ap_messages"} {
		exec(`CREATE TRIGGER fail_` + table + ` BEFORE INSERT ON ` + table + ` BEGIN SELECT RAISE(ABORT, 'disk full'); END`)
		if w := n.do(bo.signedPost(t, n.f.u.sharedInbox(), dm, n.clock.Now())); w.Code != http.StatusInternalServerError {
			t.Fatalf("with %s failing: %d %s", table, w.Code, w.Body)
		}
		if c := n.count(`SELECT count(*) FROM messages`); c != 0 {
			t.Fatalf("with %s failing, %d messages were left", table, c)
		}
		if c := n.count(`SELECT count(*) FROM conversations WHERE id NOT IN (SELECT conversation_id FROM ap_conversations)`); c != 0 {
			t.Fatalf("with %s failing, %d chats without their remote side were left", table, c)
		}
		exec(`DROP TRIGGER fail_` + table)
	}
	// The sender retries: taken in whole, once.
	if w := n.do(bo.signedPost(t, n.f.u.sharedInbox(), dm, n.clock.Now())); w.Code != http.StatusAccepted {
		t.Fatalf("retry = %d %s", w.Code, w.Body)
	}
	if c := n.count(`SELECT count(*) FROM messages m JOIN ap_messages a ON a.message_id = m.id WHERE a.actor = ?`, bo.id); c != 1 {
		t.Fatalf("bo's messages with their author = %d", c)
	}
	if c := n.count(`SELECT count(*) FROM conversations c JOIN ap_conversations a ON a.conversation_id = c.id`); c != 1 ||
		n.count(`SELECT count(*) FROM conversations WHERE kind = 'private'`) != 1 {
		t.Fatalf("chats = %d", c)
	}
}
