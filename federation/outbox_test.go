package federation

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
)

// follow makes remote k follow the local actor at object (through the inbox).
func (n *testNode) followedBy(t *testing.T, k *remoteKey, object string) {
	t.Helper()
	w := n.do(k.signedPost(t, n.f.u.sharedInbox(), map[string]any{"@context": asContextIRI, "id": k.id + "/follows/" + newToken(),
		"type": "Follow", "actor": k.id, "object": object}, n.clock.Now()))
	if w.Code != http.StatusAccepted {
		t.Fatalf("follow of %s = %d %s", object, w.Code, w.Body)
	}
}

// posts returns what was posted to url whose type is typ.
func (n *testNode) posts(url, typ string) []map[string]any {
	var out []map[string]any
	for _, p := range n.net.sent() {
		if p.URL != url {
			continue
		}
		var m map[string]any
		if err := jsonUnmarshal(p.Body, &m); err == nil && (typ == "" || m["type"] == typ) {
			out = append(out, m)
		}
	}
	return out
}

func TestItemActivitiesReachFollowers(t *testing.T) {
	// Item changes are rendered when the test says so (n.due).
	n := newTestNode(t, "https://market.test", time.Now(), holdItemChanges)
	wang := n.account("wang", node.RoleStallholder)
	st := n.stall(wang, "Old Wang's Bicycles")
	stall := n.f.u.stall(st.ID)
	bo := newRemote(t, n.net, "https://remote.test/users/bo", "https://remote.test/inbox")
	dee := newRemote(t, n.net, "https://remote.test/users/dee", "https://remote.test/inbox")
	cy := newRemote(t, n.net, "https://other.test/users/cy", "")
	n.followedBy(t, bo, stall)
	n.followedBy(t, dee, n.f.u.market())
	n.followedBy(t, cy, n.f.u.market())
	n.run()
	waitUntil(t, "the Accepts", func() bool { return n.count(`SELECT count(*) FROM ap_deliveries`) == 0 })
	ctx := context.Background()

	// A new item, its photo added right after: one Create to the stall's
	// followers, one Announce to the market's (shared inboxes once).
	price, _ := node.ParsePrice("12.50", "CNY")
	it := &node.Item{Stall: st.ID, Title: "Phoenix bell 凤凰车铃", Story: "From my father's **Phoenix**. <img src=x onerror=alert(1)>",
		Price: price, Quantity: 2, Tags: []string{"vintage", "自行车"}}
	if err := n.app.CreateItem(ctx, wang, it); err != nil {
		t.Fatal(err)
	}
	if err := n.db.AddPhoto(ctx, "item", int64(it.ID), node.Photo{Hash: "bell", Ext: "jpg", Width: 600, Height: 400, Alt: "A rusty bell"}); err != nil {
		t.Fatal(err)
	}
	n.due()
	waitUntil(t, "Create and Announces", func() bool {
		return len(n.posts("https://remote.test/inbox", "Create")) == 1 && len(n.posts("https://remote.test/inbox", "Announce")) == 1 &&
			len(n.posts(cy.id+"/inbox", "Announce")) == 1
	})
	create := n.posts("https://remote.test/inbox", "Create")[0]
	note := create["object"].(map[string]any)
	itemURL := "https://market.test/items/" + strconv.Itoa(int(it.ID))
	content := note["content"].(string)
	if create["actor"] != stall || note["id"] != itemURL || note["url"] != itemURL || note["type"] != "Note" || note["attributedTo"] != stall ||
		note["name"] != nil || note["to"] != publicIRI || note["cc"] != stall+"/followers" || note["summary"] != nil || note["sensitive"] != false {
		t.Fatalf("create = %v", create)
	}
	if cm, _ := note["contentMap"].(map[string]any); cm["zh-Hans"] != content {
		t.Fatalf("contentMap = %v", note["contentMap"])
	}
	for _, want := range []string{"<strong>Phoenix bell 凤凰车铃</strong>", "12.50 CNY", `<a href="` + stall + `">Old Wang&#39;s Bicycles</a>`, `rel="tag">#<span>自行车</span>`} {
		if !strings.Contains(content, want) {
			t.Fatalf("content lacks %q: %s", want, content)
		}
	}
	if strings.Contains(content, "onerror") {
		t.Fatalf("content not sanitised: %s", content)
	}
	atts := note["attachment"].([]any)
	img, prop := atts[0].(map[string]any), note["proposal"].(map[string]any)
	if len(atts) != 1 {
		t.Fatalf("attachment holds only the photos: %v", atts)
	}
	if img["type"] != "Image" || img["url"] != "https://market.test/media/bell.jpg" || img["name"] != "A rusty bell" || img["width"] != 600.0 || img["height"] != 400.0 {
		t.Fatalf("image = %v", img)
	}
	rec := prop["reciprocal"].(map[string]any)
	if prop["type"] != "Proposal" || prop["purpose"] != "offer" || rec["resourceConformsTo"] != "https://www.wikidata.org/wiki/Q39099" ||
		rec["resourceQuantity"].(map[string]any)["hasNumericalValue"] != "12.50" {
		t.Fatalf("proposal = %v", prop)
	}
	tags := note["tag"].([]any)
	if len(tags) != 2 || tags[0].(map[string]any)["type"] != "Hashtag" || tags[1].(map[string]any)["name"] != "#自行车" ||
		tags[1].(map[string]any)["href"] != "https://market.test/tags/%E8%87%AA%E8%A1%8C%E8%BD%A6" {
		t.Fatalf("tags = %v", tags)
	}
	announce := n.posts(cy.id+"/inbox", "Announce")[0]
	if announce["actor"] != n.f.u.market() || announce["object"].(map[string]any)["id"] != itemURL {
		t.Fatalf("announce = %v", announce)
	}
	// Deliveries are signed by the stall and the market.
	for _, p := range n.net.sent() {
		m := decode(t, p.Body)
		want := stall
		if m["type"] == "Announce" {
			want = n.f.u.market()
		}
		if m["type"] != "Accept" && !strings.Contains(p.Req.Header.Get("Signature"), `keyId="`+want+`#main-key"`) {
			t.Fatalf("%s signed as %s", m["type"], p.Req.Header.Get("Signature"))
		}
	}
	// The Note is served at the item's URL too, and the outboxes list the activities.
	w := n.get("/items/"+strconv.Itoa(int(it.ID)), "Accept", asAccept)
	if w.Code != 200 || decode(t, w.Body.Bytes())["id"] != itemURL {
		t.Fatalf("GET note = %d %s", w.Code, w.Body)
	}
	if m := decode(t, n.get(strings.TrimPrefix(stall, "https://market.test")+"/outbox?page=1").Body.Bytes()); m["totalItems"] != 1.0 ||
		m["orderedItems"].([]any)[0].(map[string]any)["id"] != create["id"] ||
		m["orderedItems"].([]any)[0].(map[string]any)["object"].(map[string]any)["id"] != itemURL {
		t.Fatalf("stall outbox = %v", m)
	}
	if m := decode(t, n.get("/market/outbox?page=1").Body.Bytes()); m["totalItems"] != 1.0 ||
		m["orderedItems"].([]any)[0].(map[string]any)["id"] != announce["id"] {
		t.Fatalf("market outbox = %v", m)
	}
	if w := n.get(strings.TrimPrefix(create["id"].(string), "https://market.test")); w.Code != 200 || decode(t, w.Body.Bytes())["type"] != "Create" {
		t.Fatalf("GET activity = %d", w.Code)
	}

	// A price change: an Update to everyone who saw it.
	newPrice, _ := node.ParsePrice("10", "CNY")
	if _, err := n.app.UpdateItem(ctx, wang, it.ID, app.ItemChange{Price: &newPrice}); err != nil {
		t.Fatal(err)
	}
	n.due()
	waitUntil(t, "the Updates", func() bool {
		return len(n.posts("https://remote.test/inbox", "Update")) == 1 && len(n.posts(cy.id+"/inbox", "Update")) == 1
	})
	up := n.posts(cy.id+"/inbox", "Update")[0]["object"].(map[string]any)
	if !strings.Contains(up["content"].(string), "10.00 CNY") {
		t.Fatalf("update content = %v", up["content"])
	}

	// Withdrawn: one Delete each, and the Note is a Tombstone.
	if err := n.app.WithdrawItem(ctx, wang, it.ID); err != nil {
		t.Fatal(err)
	}
	n.due()
	waitUntil(t, "the Deletes", func() bool {
		return len(n.posts("https://remote.test/inbox", "Delete")) == 1 && len(n.posts(cy.id+"/inbox", "Delete")) == 1 &&
			n.count(`SELECT count(*) FROM ap_outbox WHERE fanned = 0`) == 0
	})
	del := n.posts(cy.id+"/inbox", "Delete")[0]
	if obj := del["object"].(map[string]any); obj["type"] != "Tombstone" || obj["id"] != itemURL {
		t.Fatalf("delete = %v", del)
	}
	if w := n.get("/items/"+strconv.Itoa(int(it.ID)), "Accept", asAccept); w.Code != http.StatusGone {
		t.Fatalf("withdrawn note = %d", w.Code)
	}
	time.Sleep(400 * time.Millisecond)
	if c := len(n.posts("https://remote.test/inbox", "Delete")); c != 1 {
		t.Fatalf("deletes = %d, want exactly 1", c)
	}
}

// Changes within the settle time make one activity.
func TestQuickChangesAreCoalesced(t *testing.T) {
	n := newTestNode(t, "https://market.test", time.Now(), func(c *Config) { c.Settle = 200 * time.Millisecond })
	wang := n.account("wang", node.RoleStallholder)
	st := n.stall(wang, "Bikes")
	bo := newRemote(t, n.net, "https://remote.test/users/bo", "")
	n.followedBy(t, bo, n.f.u.stall(st.ID))
	ctx := context.Background()
	it := &node.Item{Stall: st.ID, Title: "Bell", Price: node.Price{Kind: node.PriceFree}, Quantity: 1}
	n.app.CreateItem(ctx, wang, it)
	title := "Bell, polished"
	n.app.UpdateItem(ctx, wang, it.ID, app.ItemChange{Title: &title})
	n.run()
	waitUntil(t, "the Create", func() bool { return len(n.posts(bo.id+"/inbox", "Create")) == 1 })
	time.Sleep(300 * time.Millisecond)
	creates := n.posts(bo.id+"/inbox", "Create")
	if got := n.posts(bo.id+"/inbox", ""); len(got) != 2 || len(creates) != 1 || !strings.Contains(creates[0]["object"].(map[string]any)["content"].(string), "Bell, polished") {
		t.Fatalf("sent %d activities (an Accept and one Create expected): %v", len(got), got)
	}
	if p := n.posts(bo.id+"/inbox", "Create")[0]["object"].(map[string]any)["proposal"].(map[string]any); p["type"] != "Proposal" || p["reciprocal"] != nil {
		t.Fatalf("a free item has no reciprocal: %v", p)
	}
}
