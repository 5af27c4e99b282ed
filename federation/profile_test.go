package federation

import (
	"bytes"
	"context"
	"image/png"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
)

// A stall as other servers see it: profile fields, its own avatar, a header,
// its pinned items as the featured collection, tag collections, and an
// Update of its actor to its followers when it changes.
func TestWhatOtherServersNeedFromUs(t *testing.T) {
	n := newTestNode(t, "https://market.test", time.Now(), nil)
	ctx := context.Background()
	wang := n.account("wang", node.RoleStallholder)
	st := n.stall(wang, "Old Wang's Bicycles")
	bo := newRemote(t, n.net, "https://remote.test/users/bo", "")
	if w := n.do(bo.signedPost(t, "https://market.test/inbox", map[string]any{"@context": asContextIRI, "id": bo.id + "/follows/1",
		"type": "Follow", "actor": bo.id, "object": n.f.u.stall(st.ID)}, n.clock.Now())); w.Code != http.StatusAccepted {
		t.Fatalf("follow = %d %s", w.Code, w.Body)
	}
	n.run()
	n.waitPosts(t, bo.id+"/inbox", 1) // the Accept

	w := n.get("/stalls/1", "Accept", contentTypeAS)
	doc := decode(t, w.Body.Bytes())
	fields, _ := doc["attachment"].([]any)
	var names []string
	for _, f := range fields {
		fm := f.(map[string]any)
		if fm["type"] != "PropertyValue" || fm["value"] == "" {
			t.Errorf("field %v", fm)
		}
		names = append(names, fm["name"].(string))
	}
	if !strings.Contains(strings.Join(names, ","), "位置") { // the market speaks zh-Hans first
		t.Errorf("profile fields %v", names)
	}
	icon, _ := doc["icon"].(map[string]any)
	if doc["featured"] != "https://market.test/stalls/1/featured" || icon["url"] != "https://market.test/stalls/1/avatar.png" {
		t.Fatalf("featured %v icon %v", doc["featured"], doc["icon"])
	}
	w = n.get("/stalls/1/avatar.png")
	if img, err := png.Decode(bytes.NewReader(w.Body.Bytes())); w.Code != 200 || err != nil || img.Bounds().Dx() != avatarSize {
		t.Fatalf("avatar = %d %v", w.Code, err)
	}
	if w := n.get("/stalls/99/avatar.png"); w.Code != http.StatusNotFound {
		t.Errorf("avatar of no stall = %d", w.Code)
	}

	// Pinned items are the featured collection; a sixth pin is refused.
	var items []*node.Item
	for i := 0; i < 6; i++ {
		it := &node.Item{Stall: st.ID, Title: "Bell " + itoa(int64(i)), Price: node.Price{Kind: node.PriceFree}, Quantity: 1, Tags: []string{"vintage"}}
		if err := n.app.CreateItem(ctx, wang, it); err != nil {
			t.Fatal(err)
		}
		items = append(items, it)
	}
	for i, it := range items {
		err := n.app.PinItem(ctx, wang, it.ID, true)
		if i < node.MaxPins && err != nil || i == node.MaxPins && node.ErrorCode(err) != node.ECONFLICT {
			t.Fatalf("pin %d: %v", i, err)
		}
	}
	other := n.account("li", node.RoleStallholder)
	if err := n.app.PinItem(ctx, other, items[0].ID, false); node.ErrorCode(err) != node.EFORBIDDEN {
		t.Errorf("someone else's unpin: %v", err)
	}
	if err := n.app.PinItem(ctx, wang, items[0].ID, false); err != nil {
		t.Fatal(err)
	}
	w = n.get("/stalls/1/featured", "Accept", contentTypeAS)
	feat := decode(t, w.Body.Bytes())
	if ordered, _ := feat["orderedItems"].([]any); feat["type"] != "OrderedCollection" || len(ordered) != node.MaxPins-1 ||
		ordered[0].(map[string]any)["type"] != "Note" {
		t.Fatalf("featured = %s", w.Body)
	}

	// The tag's collection, to an ActivityPub Accept.
	w = n.get("/tags/vintage?page=1", "Accept", contentTypeAS)
	tag := decode(t, w.Body.Bytes())
	if ordered, _ := tag["orderedItems"].([]any); tag["totalItems"] != 6.0 || len(ordered) != 6 {
		t.Fatalf("tag collection = %s", w.Body)
	}

	// The stall changes its name: its followers get an Update of its actor
	// (pins sent some already).
	before := len(n.posts(bo.id+"/inbox", "Update"))
	name := "Wang's Bicycles & Bells"
	if _, err := n.app.UpdateStall(ctx, wang, st.ID, app.StallChange{Name: &name}); err != nil {
		t.Fatal(err)
	}
	var last map[string]any
	waitUntil(t, "the Update with the new name", func() bool { // deliveries come in any order
		for _, u := range n.posts(bo.id+"/inbox", "Update")[before:] {
			if obj, _ := u["object"].(map[string]any); obj["name"] == name {
				last = u
			}
		}
		return last != nil
	})
	if obj, _ := last["object"].(map[string]any); last["actor"] != n.f.u.stall(st.ID) || obj["type"] != "Organization" {
		t.Fatalf("update = %v", last)
	}
}

// The organiser's rules and contact reach /api/v1/instance (what GoToSocial
// probes), /api/v2/instance and NodeInfo; bad input changes nothing.
func TestInstanceRulesAndContact(t *testing.T) {
	n := newTestNode(t, "https://market.test", time.Now(), nil)
	ctx := context.Background()
	mei := n.account("mei", node.RoleOrganiser)
	mod := n.account("mod", node.RoleModerator)
	in := node.InstanceInfo{Rules: []string{" Be kind. ", "", "No counterfeit goods."}, ContactEmail: "mei@market.test", ContactAccount: "@mei"}
	if _, err := n.app.SetInstanceInfo(ctx, mei, in); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []struct {
		who *node.Account
		in  node.InstanceInfo
		err string
	}{
		{mod, node.InstanceInfo{Rules: []string{"x"}}, node.EFORBIDDEN},
		{mei, node.InstanceInfo{ContactEmail: "not an address"}, node.EINVALID},
		{mei, node.InstanceInfo{ContactAccount: "nobody"}, node.EINVALID},
		{mei, node.InstanceInfo{Rules: []string{strings.Repeat("长", node.MaxRuleLen+1)}}, node.EINVALID},
	} {
		if _, err := n.app.SetInstanceInfo(ctx, bad.who, bad.in); node.ErrorCode(err) != bad.err {
			t.Errorf("%+v: %v, want %s", bad.in, err, bad.err)
		}
	}
	v1 := decode(t, n.get("/api/v1/instance").Body.Bytes())
	rules, _ := v1["rules"].([]any)
	acct, _ := v1["contact_account"].(map[string]any)
	if v1["uri"] != "market.test" || len(rules) != 2 || rules[0].(map[string]any)["text"] != "Be kind." || v1["email"] != "mei@market.test" ||
		acct["username"] != "mei" {
		t.Fatalf("/api/v1/instance = %v", v1)
	}
	v2 := decode(t, n.get("/api/v2/instance").Body.Bytes())
	if contact, _ := v2["contact"].(map[string]any); contact["email"] != "mei@market.test" || v2["domain"] != "market.test" {
		t.Fatalf("/api/v2/instance = %v", v2)
	}
	ni := decode(t, n.get("/nodeinfo/2.1").Body.Bytes())
	meta := ni["metadata"].(map[string]any)
	if r, _ := meta["rules"].([]any); len(r) != 2 || meta["maintainer"].(map[string]any)["email"] != "mei@market.test" {
		t.Fatalf("nodeinfo metadata = %v", meta)
	}
}

// A content warning the stallholder sets is the Note's summary (and makes it
// sensitive); without one there is no summary.
func TestItemContentWarning(t *testing.T) {
	n := newTestNode(t, "https://market.test", time.Now(), nil)
	ctx := context.Background()
	wang := n.account("wang", node.RoleStallholder)
	li := n.account("li", node.RoleResident)
	st := n.stall(wang, "Knives")
	it := &node.Item{Stall: st.ID, Title: "Old cleaver", Price: node.Price{Kind: node.PriceFree}, Quantity: 1}
	if err := n.app.CreateItem(ctx, wang, it); err != nil {
		t.Fatal(err)
	}
	note := func() map[string]any { return decode(t, n.get("/items/1", "Accept", contentTypeAS).Body.Bytes()) }
	if m := note(); m["summary"] != nil || m["sensitive"] != false {
		t.Fatalf("no warning: %v %v", m["summary"], m["sensitive"])
	}
	if err := n.app.SetItemWarning(ctx, wang, it.ID, "  Sharp blades "); err != nil {
		t.Fatal(err)
	}
	if m := note(); m["summary"] != "Sharp blades" || m["sensitive"] != true {
		t.Fatalf("warning: %v %v", m["summary"], m["sensitive"])
	}
	if err := n.app.SetItemWarning(ctx, li, it.ID, "x"); node.ErrorCode(err) != node.EFORBIDDEN {
		t.Errorf("someone else: %v", err)
	}
	if err := n.app.SetItemWarning(ctx, wang, it.ID, strings.Repeat("刀", app.MaxWarningLen+1)); node.ErrorCode(err) != node.EINVALID {
		t.Errorf("too long: %v", err)
	}
	if m := note(); m["summary"] != "Sharp blades" {
		t.Fatalf("a refused change changed it: %v", m["summary"])
	}
	if err := n.app.SetItemWarning(ctx, wang, it.ID, ""); err != nil {
		t.Fatal(err)
	}
	if m := note(); m["summary"] != nil {
		t.Fatalf("cleared: %v", m["summary"])
	}
}
