package federation

import (
	"net/http"
	"testing"
	"time"

	"github.com/shiji-market/shiji/node"
)

// The signer cache is a copy of the stored keys and actors: an actor that
// deleted itself is not taken as a signer again from memory, its key is
// fetched anew on its next activity.
func TestSignerCacheSeesDeletedActorsAtOnce(t *testing.T) {
	n := newTestNode(t, "https://market.test", time.Now(), nil)
	n.stall(n.account("mei", node.RoleOrganiser), "Flowers")
	bo := newRemote(t, n.net, "https://remote.test/users/bo", "")
	post := func(id string, act map[string]any) int {
		act["@context"], act["id"], act["actor"] = asContextIRI, "https://remote.test/a/"+id, bo.id
		return n.do(bo.signedPost(t, "https://market.test/inbox", act, n.clock.Now())).Code
	}
	like := func(id string) int {
		return post(id, map[string]any{"type": "Like", "object": "https://market.test/items/1"})
	}
	if got := like("1"); got != http.StatusAccepted {
		t.Fatalf("first like = %d", got)
	}
	fetches := n.net.getCount(bo.id)
	if got := like("2"); got != http.StatusAccepted || n.net.getCount(bo.id) != fetches {
		t.Fatalf("second like = %d after %d more fetches, want 202 from the cached key", got, n.net.getCount(bo.id)-fetches)
	}
	if got := post("3", map[string]any{"type": "Delete", "object": bo.id}); got != http.StatusAccepted {
		t.Fatalf("Delete of the actor = %d", got)
	}
	if c := n.count(`SELECT count(*) FROM ap_actors WHERE id = ?`, bo.id); c != 0 {
		t.Fatalf("the actor is still stored (%d)", c)
	}
	if got := like("4"); got != http.StatusAccepted {
		t.Fatalf("like after the Delete = %d", got)
	}
	if n.net.getCount(bo.id) != fetches+1 {
		t.Errorf("the actor was fetched %d times after its Delete, want once (not taken from memory)", n.net.getCount(bo.id)-fetches)
	}
}

// What was read before a change is never kept; what was read after is.
func TestSignerCacheGenerations(t *testing.T) {
	var c signerCache
	now := time.Unix(1_800_000_000, 0)
	a, k := &remoteActor{ID: "https://x.test/u"}, &remotePublicKey{ID: "https://x.test/u#k", Owner: "https://x.test/u", PEM: "p"}
	gen := c.generation()
	c.changed() // a write committed while the key was being read
	c.put(k.ID, a, k, gen, now)
	if _, _, ok := c.get(k.ID, now); ok {
		t.Fatal("a key read before a change was kept")
	}
	c.put(k.ID, a, k, c.generation(), now)
	got, gk, ok := c.get(k.ID, now)
	if !ok || got.ID != a.ID || gk.PEM != "p" {
		t.Fatalf("get = %v %v %v, want the key just read", got, gk, ok)
	}
	got.ID = "changed by the caller"
	if again, _, _ := c.get(k.ID, now); again.ID != a.ID {
		t.Fatal("a caller changed the cached actor")
	}
	c.changed()
	if _, _, ok := c.get(k.ID, now); ok {
		t.Fatal("a key was used after a change")
	}
	c.put(k.ID, a, k, c.generation(), now)
	if _, _, ok := c.get(k.ID, now.Add(signerCacheTTL)); ok {
		t.Fatal("a key was used past its time to live")
	}
}

// go-fed reads the activity without its tags; the maps given stay whole
// (the handlers read the tags from them).
func TestGoFedViewLeavesTheActivityWhole(t *testing.T) {
	obj := map[string]any{"type": "Note", "content": "x", "tag": []any{map[string]any{"type": "Hashtag", "name": "#lamp"}}}
	m := map[string]any{"type": "Create", "object": obj, "tag": []any{}}
	v := goFedView(m)
	if _, ok := v["tag"]; ok {
		t.Error("the activity's tags reach go-fed")
	}
	vo := v["object"].(map[string]any)
	if _, ok := vo["tag"]; ok || vo["content"] != "x" {
		t.Errorf("go-fed's object = %v, want it without tags", vo)
	}
	if _, ok := m["tag"]; !ok {
		t.Error("the activity lost its tags")
	}
	if _, ok := obj["tag"]; !ok {
		t.Error("the object lost its tags")
	}
	plain := map[string]any{"type": "Like", "object": "https://x.test/1"}
	if v := goFedView(plain); len(v) != 2 || v["object"] != "https://x.test/1" {
		t.Errorf("goFedView(%v) = %v", plain, v)
	}
}
