package federation

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
)

// gtsShaped is the body of a GoToSocial fixture re-pointed at our node: its
// actor becomes k, the ids move to k's host and every sink.test/notes/1
// becomes object. It keeps GoToSocial's exact shape (addressing, embedded
// activities), signed by k instead of alice.
func gtsShaped(t *testing.T, name string, k *remoteKey, object string) map[string]any {
	t.Helper()
	raw, err := io.ReadAll(fixture(t, name).Body)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.ReplaceAll(string(raw), "https://gts9.test/users/alice", k.id)
	s = strings.ReplaceAll(s, "https://gts9.test/", strings.TrimSuffix(k.id, "/users/amy")+"/")
	s = strings.ReplaceAll(s, "https://sink.test/notes/1", object)
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// Likes and boosts of our items from elsewhere are counted on the item, once
// per actor; Undo takes them back; likes of other things are ignored; an
// actor's Delete or a purge takes theirs away.
func TestLikesAndBoostsOfItems(t *testing.T) {
	ctx := context.Background()
	n := newTestNode(t, "https://market.test", time.Now(), nil)
	mei := n.account("mei", node.RoleOrganiser)
	wang := n.account("wang", node.RoleStallholder)
	st := n.stall(wang, "Bikes")
	it := &node.Item{Stall: st.ID, Title: "Bell", Price: node.Price{Kind: node.PriceFree}, Quantity: 1}
	if err := n.app.CreateItem(ctx, wang, it); err != nil {
		t.Fatal(err)
	}
	itemURL := n.f.u.item(it.ID)
	amy := newRemote(t, n.net, "https://gts.test/users/amy", "")
	bo := newRemote(t, n.net, "https://other.test/users/bo", "")
	post := func(k *remoteKey, activity map[string]any) {
		t.Helper()
		if w := n.do(k.signedPost(t, n.f.u.sharedInbox(), activity, n.clock.Now())); w.Code != http.StatusAccepted {
			t.Fatalf("%s = %d %s", activity["type"], w.Code, w.Body)
		}
	}
	counts := func() (int, int) {
		t.Helper()
		l, b, err := n.db.Reactions(ctx, it.ID)
		if err != nil {
			t.Fatal(err)
		}
		return l, b
	}

	like := gtsShaped(t, "11-inbox-like.http", amy, itemURL)
	post(amy, like)
	post(amy, gtsShaped(t, "12-inbox-announce.http", amy, itemURL)) // amy is followed by nobody here: still counted
	again := map[string]any{"@context": asContextIRI, "id": amy.id + "/liked/2", "type": "Like", "actor": amy.id, "object": itemURL}
	post(amy, again) // a second like by amy counts once
	post(bo, map[string]any{"@context": asContextIRI, "id": bo.id + "/likes/1", "type": "Like", "actor": bo.id, "object": itemURL})
	post(bo, map[string]any{"@context": asContextIRI, "id": bo.id + "/likes/2", "type": "Like", "actor": bo.id, "object": "https://market.test/items/999999"})
	post(bo, map[string]any{"@context": asContextIRI, "id": bo.id + "/likes/3", "type": "Like", "actor": bo.id, "object": "https://elsewhere.test/notes/1"})
	if l, b := counts(); l != 2 || b != 1 {
		t.Fatalf("likes, boosts = %d, %d; want 2, 1", l, b)
	}
	if c := n.count(`SELECT count(*) FROM ap_reactions`); c != 3 {
		t.Fatalf("reactions = %d", c)
	}
	// GoToSocial's Undo{Announce} (embedded) and an Undo naming the Like by id.
	post(amy, gtsShaped(t, "17-inbox-undo-announce.http", amy, itemURL))
	post(amy, map[string]any{"@context": asContextIRI, "id": amy.id + "/undo/9", "type": "Undo", "actor": amy.id, "object": amy.id + "/liked/2"})
	if l, b := counts(); l != 1 || b != 0 {
		t.Fatalf("after the undos: likes, boosts = %d, %d; want 1, 0", l, b)
	}
	// bo cannot undo amy's (there is none left anyway) and bo's own stays.
	forged := map[string]any{"@context": asContextIRI, "id": bo.id + "/undo/1", "type": "Undo", "actor": bo.id,
		"object": map[string]any{"id": amy.id + "/liked/2", "type": "Like", "actor": amy.id, "object": itemURL}}
	if w := n.do(bo.signedPost(t, n.f.u.sharedInbox(), forged, n.clock.Now())); w.Code != http.StatusUnauthorized {
		t.Fatalf("undo of someone else's like = %d %s", w.Code, w.Body)
	}
	if l, _ := counts(); l != 1 {
		t.Fatalf("likes after bo's undo of amy's = %d", l)
	}
	// A purge of bo's server takes bo's like.
	if _, err := n.app.AddFedBlock(ctx, mei, app.BlockInput{Domain: "other.test", Purge: true}); err != nil {
		t.Fatal(err)
	}
	if l, _ := counts(); l != 0 {
		t.Fatalf("likes after the purge = %d", l)
	}
}
