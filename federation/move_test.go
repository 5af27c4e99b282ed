package federation

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/shiji-market/shiji/node"
)

// A Move from an actor people here follow (Mastodon's account migration):
// taken only when the target names the old actor in alsoKnownAs; then the
// followers here leave the old actor (an Undo) and follow the new one, a
// stall here directly. A Move that cannot be confirmed changes nothing and
// is answered 202, as Mastodon answers it; a malformed one is 400.
func TestIncomingMove(t *testing.T) {
	n := newTestNode(t, "https://market.test", time.Now(), nil)
	ajie := n.account("ajie", node.RoleResident)
	wang := n.account("wang", node.RoleStallholder)
	here := n.stall(wang, "Bikes, moved in")
	bo := newRemote(t, n.net, "https://old.test/users/bo", "https://old.test/inbox")
	ctx := context.Background()
	followBo := func() {
		t.Helper()
		if err := n.db.Write(ctx, func(tx *sql.Tx) error {
			_, err := tx.Exec(`INSERT OR IGNORE INTO ap_following(account_id, actor, follow_id, state, created_at) VALUES (?, ?, ?, 'accepted', 0)`,
				ajie.ID, bo.id, "https://market.test/activities/follow-bo")
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	followBo()
	key := &remoteKey{priv: bo.priv}
	serveActor := func(id string, aka ...string) { // a Person whose alsoKnownAs is aka
		key.id, key.keyID = id, id+"#main-key"
		newRemoteDoc(t, n.net, id, key)
		n.net.mu.Lock()
		var doc map[string]any
		json.Unmarshal(n.net.docs[id], &doc)
		doc["alsoKnownAs"] = aka
		n.net.docs[id], _ = json.Marshal(doc)
		n.net.mu.Unlock()
	}
	seq := 0
	move := func(object, target string) int {
		t.Helper()
		seq++
		act := map[string]any{"@context": asContextIRI, "id": bo.id + "#moves/" + string(rune('a'+seq)), "type": "Move",
			"actor": bo.id, "object": object, "target": target}
		return n.do(bo.signedPost(t, n.f.u.sharedInbox(), act, n.clock.Now())).Code
	}
	unchanged := func(what string) {
		t.Helper()
		if c := n.count(`SELECT count(*) FROM ap_following WHERE account_id = ? AND actor = ?`, ajie.ID, bo.id); c != 1 {
			t.Errorf("%s: ajie's follow of the old actor is gone", what)
		}
		if c := n.count(`SELECT count(*) FROM ap_outbox WHERE kind IN ('undo', 'follow')`); c != 0 {
			t.Errorf("%s: %d Undo or Follow queued", what, c)
		}
		if c := n.count(`SELECT count(*) FROM stall_follows`); c != 0 {
			t.Errorf("%s: %d follows of stalls here", what, c)
		}
	}

	// Malformed: someone else's actor, no target, the actor itself.
	for _, tc := range []struct{ what, object, target string }{
		{"another actor", "https://old.test/users/someone", "https://new.test/users/bo"},
		{"no target", bo.id, ""},
		{"the actor itself", bo.id, bo.id},
	} {
		if code := move(tc.object, tc.target); code != http.StatusBadRequest {
			t.Errorf("a Move of %s: %d, want 400", tc.what, code)
		}
		unchanged(tc.what)
	}
	// Not confirmed: the target cannot be fetched, does not name bo, or is
	// a stall here that does not name bo, or nothing here.
	serveActor("https://new.test/users/stranger")
	for _, tc := range []struct{ what, target string }{
		{"an unreachable target", "https://gone.test/users/bo"},
		{"a target without the alias", "https://new.test/users/stranger"},
		{"a stall here without the alias", n.f.u.stall(here.ID)},
		{"no stall here", n.f.u.stall(999)},
		{"a person here", n.f.u.person("wang")},
	} {
		if code := move(bo.id, tc.target); code != http.StatusAccepted {
			t.Errorf("a Move to %s: %d, want 202", tc.what, code)
		}
		unchanged(tc.what)
	}

	// Confirmed elsewhere: ajie leaves bo (an Undo to bo's inbox) and
	// follows the new actor (a Follow to its inbox, pending its Accept).
	serveActor("https://new.test/users/bo", bo.id)
	if code := move(bo.id, "https://new.test/users/bo"); code != http.StatusAccepted {
		t.Fatalf("a confirmed Move: %d", code)
	}
	if c := n.count(`SELECT count(*) FROM ap_following WHERE account_id = ? AND actor = ?`, ajie.ID, bo.id); c != 0 {
		t.Error("ajie still follows the old actor")
	}
	if c := n.count(`SELECT count(*) FROM ap_following WHERE account_id = ? AND actor = 'https://new.test/users/bo' AND state = 'pending'`, ajie.ID); c != 1 {
		t.Error("ajie does not follow the new actor")
	}
	for _, q := range []struct{ kind, inbox string }{{"undo", "https://old.test/users/bo/inbox"}, {"follow", "https://new.test/users/bo/inbox"}} {
		if c := n.count(`SELECT count(*) FROM ap_outbox o JOIN ap_deliveries d ON d.outbox_id = o.id WHERE o.kind = ? AND d.inbox = ?`, q.kind, q.inbox); c != 1 {
			t.Errorf("%d %s to %s queued, want 1", c, q.kind, q.inbox)
		}
	}
	// The same Move again changes nothing more.
	if code := move(bo.id, "https://new.test/users/bo"); code != http.StatusAccepted {
		t.Fatalf("the Move again: %d", code)
	}
	if c := n.count(`SELECT count(*) FROM ap_outbox WHERE kind IN ('undo', 'follow')`); c != 2 {
		t.Errorf("after the Move again: %d Undo or Follow queued, want 2", c)
	}

	// Confirmed by a stall here: ajie follows it directly, no Follow sent.
	followBo()
	if err := n.db.SetStallAliases(ctx, here.ID, []string{bo.id}); err != nil {
		t.Fatal(err)
	}
	if code := move(bo.id, n.f.u.stall(here.ID)); code != http.StatusAccepted {
		t.Fatalf("a Move to a stall here: %d", code)
	}
	if c := n.count(`SELECT count(*) FROM stall_follows WHERE account_id = ? AND stall_id = ?`, ajie.ID, here.ID); c != 1 {
		t.Error("ajie does not follow the stall here")
	}
	if c := n.count(`SELECT count(*) FROM ap_following WHERE account_id = ? AND actor = ?`, ajie.ID, bo.id); c != 0 {
		t.Error("ajie still follows the old actor after the Move to a stall here")
	}
	if c := n.count(`SELECT count(*) FROM ap_outbox WHERE kind = 'follow'`); c != 1 {
		t.Errorf("%d Follows queued, want only the first", c)
	}
}
