package federation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
)

// followFrom posts k's Follow of object to the shared inbox.
func followFrom(t *testing.T, n *testNode, k *remoteKey, id, object string) *httptest.ResponseRecorder {
	t.Helper()
	return n.do(k.signedPost(t, n.f.u.sharedInbox(), map[string]any{"@context": asContextIRI, "id": id,
		"type": "Follow", "actor": k.id, "object": object}, n.clock.Now()))
}

// noteFrom posts k's Create of a public note (or, with to, a note to those
// actors only) to the shared inbox.
func noteFrom(t *testing.T, n *testNode, k *remoteKey, id, text string, to ...string) *httptest.ResponseRecorder {
	t.Helper()
	addressed := []any{"https://www.w3.org/ns/activitystreams#Public"}
	if len(to) > 0 {
		addressed = nil
		for _, a := range to {
			addressed = append(addressed, a)
		}
	}
	note := map[string]any{"id": id, "type": "Note", "attributedTo": k.id, "content": "<p>" + text + "</p>",
		"to": addressed, "published": n.clock.Now().UTC().Format(time.RFC3339)}
	return n.do(k.signedPost(t, n.f.u.sharedInbox(), map[string]any{"@context": asContextIRI, "id": id + "/activity",
		"type": "Create", "actor": k.id, "to": addressed, "object": note}, n.clock.Now()))
}

// postsTo counts the deliveries the fake network received at inboxes on host.
func postsTo(n *testNode, host string) int {
	c := 0
	for _, p := range n.net.sent() {
		if strings.Contains(p.URL, "://"+host+"/") {
			c++
		}
	}
	return c
}

// A whole server is blocked: its follows both ways are cut, nothing more is
// sent to it or fetched from it, its activities (and its subdomains') are
// refused with 403 and change nothing, people here cannot follow it; on
// request what we kept from it is purged; lifting the block lets it back.
func TestDomainBlock(t *testing.T) {
	ctx := context.Background()
	n := newTestNode(t, "https://market.test", time.Now(), nil)
	n.run()
	mei := n.account("mei", node.RoleOrganiser)
	wang := n.account("wang", node.RoleStallholder)
	ajie := n.account("ajie", node.RoleResident)
	st := n.stall(wang, "Bikes")
	troll := newRemote(t, n.net, "https://bad.test/users/troll", "")
	sub := newRemote(t, n.net, "https://sub.bad.test/users/other", "")
	amy := newRemote(t, n.net, "https://good.test/users/amy", "")

	for i, k := range []*remoteKey{troll, amy} {
		if w := followFrom(t, n, k, k.id+"/follows/1", n.f.u.stall(st.ID)); w.Code != http.StatusAccepted {
			t.Fatalf("follow %d = %d %s", i, w.Code, w.Body)
		}
	}
	// ajie follows the troll (accepted), who posts; the troll writes to the stall privately.
	mustExec(t, n, `INSERT INTO ap_following(account_id, actor, follow_id, state, created_at) VALUES (?, ?, 'https://market.test/f/1', 'accepted', 0)`,
		ajie.ID, troll.id)
	if w := noteFrom(t, n, troll, "https://bad.test/notes/1", "buy my stuff"); w.Code != http.StatusAccepted {
		t.Fatalf("note = %d %s", w.Code, w.Body)
	}
	if w := noteFrom(t, n, troll, "https://bad.test/notes/2", "hello stall", n.f.u.stall(st.ID)); w.Code != http.StatusAccepted {
		t.Fatalf("private note = %d %s", w.Code, w.Body)
	}
	if c := n.count(`SELECT count(*) FROM ap_notes WHERE actor = ?`, troll.id); c != 1 {
		t.Fatalf("troll's notes = %d", c)
	}
	if c := n.count(`SELECT count(*) FROM messages m JOIN ap_messages a ON a.message_id = m.id WHERE a.actor = ? AND m.deleted_at IS NULL`, troll.id); c != 1 {
		t.Fatalf("troll's messages = %d", c)
	}
	waitUntil(t, "the Accepts", func() bool { return n.count(`SELECT count(*) FROM ap_deliveries`) == 0 })

	// Refused: people who are not moderators, and bad input; nothing changes.
	before := n.snapshot() + blockCount(n)
	for _, tc := range []struct {
		acc  *node.Account
		in   app.BlockInput
		code string
	}{
		{wang, app.BlockInput{Domain: "bad.test"}, node.EFORBIDDEN},
		{nil, app.BlockInput{Domain: "bad.test"}, node.EFORBIDDEN},
		{mei, app.BlockInput{}, node.EINVALID},
		{mei, app.BlockInput{Domain: "not a server"}, node.EINVALID},
		{mei, app.BlockInput{Domain: "bad.test:99999"}, node.EINVALID},
		{mei, app.BlockInput{Domain: "market.test"}, node.EINVALID},
		{mei, app.BlockInput{Domain: "bad.test", Account: "troll@bad.test"}, node.EINVALID},
		{mei, app.BlockInput{Domain: "bad.test", Reason: strings.Repeat("x", node.MaxBlockReasonLen+1)}, node.EINVALID},
		{mei, app.BlockInput{Account: "nobody@nowhere.test"}, node.ENOTFOUND},
		{mei, app.BlockInput{Account: "wang@market.test"}, node.EINVALID},
	} {
		if _, err := n.app.AddFedBlock(ctx, tc.acc, tc.in); node.ErrorCode(err) != tc.code {
			t.Errorf("AddFedBlock(%+v) = %v, want %s", tc.in, err, tc.code)
		}
	}
	if after := n.snapshot() + blockCount(n); after != before {
		t.Fatalf("refused blocks changed %s → %s", before, after)
	}

	b, err := n.app.AddFedBlock(ctx, mei, app.BlockInput{Domain: "https://BAD.test/", Reason: "spam"})
	if err != nil {
		t.Fatal(err)
	}
	if b.Kind != node.BlockDomain || b.Target != "bad.test" || b.Reason != "spam" || b.PurgedAt != nil {
		t.Fatalf("block = %+v", b)
	}
	if _, err := n.app.AddFedBlock(ctx, mei, app.BlockInput{Domain: "bad.test"}); node.ErrorCode(err) != node.ECONFLICT {
		t.Fatalf("second block = %v", err)
	}
	// Follows both ways are cut; amy still follows.
	if c := n.count(`SELECT count(*) FROM ap_followers WHERE follower = ?`, troll.id); c != 0 {
		t.Fatalf("troll still follows: %d", c)
	}
	if c := n.count(`SELECT count(*) FROM ap_following WHERE actor = ?`, troll.id); c != 0 {
		t.Fatalf("ajie still follows the troll: %d", c)
	}
	if c := n.count(`SELECT count(*) FROM ap_followers WHERE follower = ?`, amy.id); c != 1 {
		t.Fatalf("amy's follow = %d", c)
	}

	// Its activities, and its subdomains', are refused and change nothing.
	before = n.snapshot()
	for i, w := range []*httptest.ResponseRecorder{
		followFrom(t, n, troll, troll.id+"/follows/2", n.f.u.stall(st.ID)),
		followFrom(t, n, sub, sub.id+"/follows/1", n.f.u.stall(st.ID)),
		noteFrom(t, n, troll, "https://bad.test/notes/3", "again", n.f.u.stall(st.ID)),
	} {
		if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "does not take activities") {
			t.Errorf("blocked activity %d = %d %s", i, w.Code, w.Body)
		}
	}
	if after := n.snapshot(); after != before {
		t.Fatalf("blocked activities changed %s → %s", before, after)
	}

	// Nothing is sent to it: a new item goes to amy only.
	sentToBad := postsTo(n, "bad.test")
	it := &node.Item{Stall: st.ID, Title: "Bell", Price: node.Price{Kind: node.PriceFree}, Quantity: 1}
	if err := n.app.CreateItem(ctx, wang, it); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the item at amy's", func() bool { return postsTo(n, "good.test") >= 2 })
	waitUntil(t, "the queue to drain", func() bool { return n.count(`SELECT count(*) FROM ap_deliveries`) == 0 })
	if got := postsTo(n, "bad.test"); got != sentToBad {
		t.Fatalf("%d deliveries went to the blocked server", got-sentToBad)
	}
	// Nothing is fetched from it, and nobody here can follow it.
	if _, err := n.f.client.getJSON(ctx, troll.id, "", keyInstance); !errors.Is(err, errBlocked) {
		t.Fatalf("fetch from a blocked server = %v", err)
	}
	r := httptest.NewRequest(http.MethodPost, "https://market.test/api/v1/follows", strings.NewReader(`{"acct":"troll@sub.bad.test"}`))
	r.Header.Set("X-Test-Account", "ajie")
	if w := n.do(r); w.Code != http.StatusForbidden {
		t.Fatalf("follow of a blocked server = %d %s", w.Code, w.Body)
	}

	// Purge: its notes, cached profile and messages go (tombstones stay).
	if c := n.count(`SELECT count(*) FROM ap_actors WHERE id = ?`, troll.id); c != 1 {
		t.Fatalf("cached troll = %d before the purge", c)
	}
	if _, err := n.app.PurgeFedBlock(ctx, wang, b.ID); node.ErrorCode(err) != node.EFORBIDDEN {
		t.Fatalf("purge by a stallholder = %v", err)
	}
	if b, err = n.app.PurgeFedBlock(ctx, mei, b.ID); err != nil || b.PurgedAt == nil {
		t.Fatalf("purge = %+v %v", b, err)
	}
	for q, want := range map[string]int{
		`SELECT count(*) FROM ap_notes WHERE actor = ?1`: 0,
		`SELECT count(*) FROM ap_actors WHERE id = ?1`:   0,
		`SELECT count(*) FROM ap_actors WHERE id != ?1`:  1, // amy stays
		`SELECT count(*) FROM messages m JOIN ap_messages a ON a.message_id = m.id WHERE a.actor = ?1 AND m.deleted_at IS NULL`: 0,
		`SELECT count(*) FROM messages m JOIN ap_messages a ON a.message_id = m.id WHERE a.actor = ?1 AND m.body = ''`:          1,
	} {
		if c := n.count(q, troll.id); c != want {
			t.Errorf("%s = %d, want %d", q, c, want)
		}
	}

	// Lifted: the troll can follow again.
	if err := n.app.RemoveFedBlock(ctx, mei, b.ID); err != nil {
		t.Fatal(err)
	}
	if err := n.app.RemoveFedBlock(ctx, mei, b.ID); node.ErrorCode(err) != node.ENOTFOUND {
		t.Fatalf("second unblock = %v", err)
	}
	if w := followFrom(t, n, troll, troll.id+"/follows/3", n.f.u.stall(st.ID)); w.Code != http.StatusAccepted {
		t.Fatalf("follow after the block = %d %s", w.Code, w.Body)
	}
	if c := n.count(`SELECT count(*) FROM ap_followers WHERE follower = ?`, troll.id); c != 1 {
		t.Fatalf("troll's follow after the block = %d", c)
	}
}

// One account is blocked (by name@host, from the cache): its activities are
// refused and its own inbox gets nothing more, while others on its server
// are untouched.
func TestAccountBlock(t *testing.T) {
	ctx := context.Background()
	n := newTestNode(t, "https://market.test", time.Now(), nil)
	mei := n.account("mei", node.RoleModerator)
	wang := n.account("wang", node.RoleStallholder)
	st := n.stall(wang, "Bikes")
	troll := newRemote(t, n.net, "https://mixed.test/users/troll", "")
	amy := newRemote(t, n.net, "https://mixed.test/users/amy", "")
	for _, k := range []*remoteKey{troll, amy} {
		if w := followFrom(t, n, k, k.id+"/follows/1", n.f.u.stall(st.ID)); w.Code != http.StatusAccepted {
			t.Fatalf("follow = %d %s", w.Code, w.Body)
		}
	}
	// The worker is not running: the two Accepts wait in the queue.
	if c := n.count(`SELECT count(*) FROM ap_deliveries`); c != 2 {
		t.Fatalf("queued = %d", c)
	}
	b, err := n.app.AddFedBlock(ctx, mei, app.BlockInput{Account: "@troll@mixed.test", Purge: true})
	if err != nil {
		t.Fatal(err)
	}
	if b.Kind != node.BlockAccount || b.Target != troll.id || b.Acct != "troll@mixed.test" || b.PurgedAt == nil {
		t.Fatalf("block = %+v", b)
	}
	if c := n.count(`SELECT count(*) FROM ap_deliveries WHERE inbox = ?`, troll.id+"/inbox"); c != 0 {
		t.Fatalf("deliveries to the troll = %d", c)
	}
	if c := n.count(`SELECT count(*) FROM ap_deliveries WHERE inbox = ?`, amy.id+"/inbox"); c != 1 {
		t.Fatalf("deliveries to amy = %d", c)
	}
	if w := noteFrom(t, n, troll, "https://mixed.test/notes/1", "hi", n.f.u.stall(st.ID)); w.Code != http.StatusForbidden {
		t.Fatalf("note from a blocked account = %d %s", w.Code, w.Body)
	}
	if w := noteFrom(t, n, amy, "https://mixed.test/notes/2", "hi", n.f.u.stall(st.ID)); w.Code != http.StatusAccepted {
		t.Fatalf("note from a neighbour = %d %s", w.Code, w.Body)
	}
	bs, err := n.app.FedBlocks(ctx, mei)
	if err != nil || len(bs) != 1 || bs[0].ID != b.ID {
		t.Fatalf("blocks = %v %v", bs, err)
	}
	if _, err := n.app.FedBlocks(ctx, wang); node.ErrorCode(err) != node.EFORBIDDEN {
		t.Fatalf("blocks for a stallholder = %v", err)
	}
	// The same block again, by URL: a conflict.
	if _, err := n.app.AddFedBlock(ctx, mei, app.BlockInput{Account: troll.id}); node.ErrorCode(err) != node.ECONFLICT {
		t.Fatalf("block by URL again = %v", err)
	}
}

func blockCount(n *testNode) string {
	return fmt.Sprintf(" blocks=%d", n.count(`SELECT count(*) FROM ap_blocks`))
}

func mustExec(t *testing.T, n *testNode, q string, args ...any) {
	t.Helper()
	if err := n.db.Write(context.Background(), func(tx *sql.Tx) error { _, err := tx.Exec(q, args...); return err }); err != nil {
		t.Fatal(err)
	}
}
