package federation

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shiji-market/shiji/node"
)

const asAccept = `application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"`

func TestActorsAsMastodonNeedsThem(t *testing.T) {
	n := newTestNode(t, "https://market.test", time.Now(), nil)
	wang := n.account("wang", node.RoleStallholder)
	st := n.stall(wang, "Old Wang's Bicycles")
	n.db.AddPhoto(context.Background(), "stall", int64(st.ID), node.Photo{Hash: "abc", Ext: "jpg", Width: 60, Height: 40, Alt: "the corner"})
	stall := "https://market.test/stalls/" + strconv.Itoa(int(st.ID))
	cases := []struct{ path, accept, id, typ, username string }{
		{"/market", "", "https://market.test/market", "Group", "market"},
		{"/", asAccept, "https://market.test/market", "Group", "market"},
		{"/actor", "", "https://market.test/actor", "Application", "market.test"},
		{"/stalls/" + strconv.Itoa(int(st.ID)), asAccept, stall, "Organization", "stall-" + strconv.Itoa(int(st.ID))},
		{"/stalls/" + strconv.Itoa(int(st.ID)), "application/activity+json", stall, "Organization", "stall-" + strconv.Itoa(int(st.ID))},
		{"/users/wang", "", "https://market.test/users/wang", "Person", "wang"},
		{"/@wang", asAccept, "https://market.test/users/wang", "Person", "wang"},
	}
	keys := map[string]string{}
	for _, c := range cases {
		w := n.get(c.path, "Accept", c.accept)
		if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/activity+json") {
			t.Fatalf("%s = %d %s %s", c.path, w.Code, w.Header().Get("Content-Type"), w.Body)
		}
		m := decode(t, w.Body.Bytes())
		ctx, _ := m["@context"].([]any)
		if len(ctx) != 3 || ctx[0] != asContextIRI || ctx[1] != securityV1IRI || bytes.Contains(w.Body.Bytes(), []byte(`"http://joinmastodon.org/ns"`)) {
			t.Fatalf("%s @context = %v", c.path, m["@context"])
		}
		pk, _ := m["publicKey"].(map[string]any)
		ep, _ := m["endpoints"].(map[string]any)
		if m["id"] != c.id || m["type"] != c.typ || m["preferredUsername"] != c.username || m["inbox"] != c.id+"/inbox" ||
			m["outbox"] != c.id+"/outbox" || m["followers"] != c.id+"/followers" || pk["id"] != c.id+"#main-key" || pk["owner"] != c.id ||
			!strings.HasPrefix(pk["publicKeyPem"].(string), "-----BEGIN PUBLIC KEY-----") || ep["sharedInbox"] != "https://market.test/inbox" ||
			m["manuallyApprovesFollowers"] != false {
			t.Fatalf("%s = %s", c.path, w.Body)
		}
		keys[c.id] = pk["publicKeyPem"].(string)
	}
	if len(keys) != 4 {
		t.Fatalf("keys = %d", len(keys))
	}
	// The stall: sanitised story as summary, first photo as icon, published.
	m := decode(t, n.get("/stalls/"+strconv.Itoa(int(st.ID)), "Accept", asAccept).Body.Bytes())
	icon, _ := m["icon"].(map[string]any)
	if s := m["summary"].(string); !strings.Contains(s, "<strong>bikes</strong>") || strings.Contains(s, "<script") {
		t.Fatalf("summary = %q", s)
	}
	if icon["url"] != "https://market.test/media/abc.jpg" || icon["mediaType"] != "image/jpeg" || m["published"] == nil || m["url"] != stall {
		t.Fatalf("icon %v published %v url %v", icon, m["published"], m["url"])
	}
	// Keys are made once and kept.
	again := decode(t, n.get("/market").Body.Bytes())["publicKey"].(map[string]any)["publicKeyPem"]
	if again != keys["https://market.test/market"] || n.count(`SELECT count(*) FROM ap_keys`) != 4 {
		t.Fatalf("keys changed or not stored")
	}
	// HTML requests go on to the web layer; unknown actors are 404.
	if w := n.get("/stalls/"+strconv.Itoa(int(st.ID)), "Accept", "text/html,application/xhtml+xml"); w.Code != http.StatusNotFound {
		t.Fatalf("HTML request was taken by federation: %d %s", w.Code, w.Body)
	}
	for _, p := range []string{"/users/nobody", "/stalls/999/followers"} {
		if w := n.get(p, "Accept", asAccept); w.Code != http.StatusNotFound {
			t.Fatalf("%s = %d", p, w.Code)
		}
	}
	if w := n.get("/stalls/999", "Accept", asAccept); w.Code != http.StatusNotFound {
		t.Fatalf("unknown stall = %d", w.Code)
	}
}

func TestWantsAS(t *testing.T) {
	for accept, want := range map[string]bool{
		"":                                     false,
		"text/html":                            false,
		"*/*":                                  false,
		"application/activity+json":            true,
		asAccept:                               true,
		"application/ld+json":                  true,
		"text/html, application/activity+json": false,
		"application/activity+json, text/html": true,
		"text/html;q=0.5, application/activity+json": true,
		"application/json":                           false,
	} {
		if got := wantsAS(accept); got != want {
			t.Errorf("wantsAS(%q) = %v", accept, got)
		}
	}
}

func TestWebFingerHostMetaNodeInfo(t *testing.T) {
	n := newTestNode(t, "https://market.test", time.Now(), nil)
	wang := n.account("wang", node.RoleStallholder)
	st := n.stall(wang, "Bikes")
	handle := "stall-" + strconv.Itoa(int(st.ID))
	for res, self := range map[string]string{
		"acct:market@market.test":                                "https://market.test/market",
		"acct:" + handle + "@market.test":                        "https://market.test/stalls/" + strconv.Itoa(int(st.ID)),
		"acct:wang@market.test":                                  "https://market.test/users/wang",
		"acct:WANG@Market.Test":                                  "https://market.test/users/wang",
		"acct:market.test@market.test":                           "https://market.test/actor",
		"https://market.test/users/wang":                         "https://market.test/users/wang",
		"https://market.test/@wang":                              "https://market.test/users/wang",
		"https://market.test/stalls/" + strconv.Itoa(int(st.ID)): "https://market.test/stalls/" + strconv.Itoa(int(st.ID)),
	} {
		w := n.get("/.well-known/webfinger?resource=" + res)
		if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/jrd+json") {
			t.Fatalf("%s = %d %s", res, w.Code, w.Body)
		}
		m := decode(t, w.Body.Bytes())
		links := m["links"].([]any)
		l0 := links[0].(map[string]any)
		if l0["rel"] != "self" || l0["type"] != "application/activity+json" || l0["href"] != self ||
			!strings.HasPrefix(m["subject"].(string), "acct:") || !strings.HasSuffix(m["subject"].(string), "@market.test") {
			t.Fatalf("%s = %s", res, w.Body)
		}
		// The round trip Mastodon makes: the actor's preferredUsername@host finds the same actor.
		doc := decode(t, n.get(strings.TrimPrefix(self, "https://market.test"), "Accept", asAccept).Body.Bytes())
		if m["subject"] != "acct:"+doc["preferredUsername"].(string)+"@market.test" {
			t.Fatalf("round trip: subject %v, actor %v", m["subject"], doc["preferredUsername"])
		}
	}
	for _, res := range []string{"acct:nobody@market.test", "acct:wang@elsewhere.test", "acct:stall-999@market.test", "https://elsewhere.test/users/wang"} {
		w := n.get("/.well-known/webfinger?resource=" + res)
		if w.Code != 404 || !strings.Contains(w.Body.String(), `"error"`) {
			t.Fatalf("%s = %d %s", res, w.Code, w.Body)
		}
	}
	if w := n.get("/.well-known/webfinger"); w.Code != 400 {
		t.Fatalf("no resource = %d", w.Code)
	}
	if w := n.get("/.well-known/host-meta"); w.Code != 200 || !strings.Contains(w.Body.String(), `template="https://market.test/.well-known/webfinger?resource={uri}"`) {
		t.Fatalf("host-meta = %d %s", w.Code, w.Body)
	}
	links := decode(t, n.get("/.well-known/nodeinfo").Body.Bytes())["links"].([]any)[0].(map[string]any)
	if links["rel"] != nodeinfoSchema || links["href"] != "https://market.test/nodeinfo/2.1" {
		t.Fatalf("nodeinfo links = %v", links)
	}
	w := n.get("/nodeinfo/2.1")
	ni := decode(t, w.Body.Bytes())
	sw := ni["software"].(map[string]any)
	users := ni["usage"].(map[string]any)["users"].(map[string]any)
	md := ni["metadata"].(map[string]any)
	if ni["version"] != "2.1" || sw["name"] != "shiji" || ni["protocols"].([]any)[0] != "activitypub" || users["total"] != 1.0 ||
		md["nodeName"] != "我们的市集" || ni["openRegistrations"] != true || !strings.Contains(w.Header().Get("Content-Type"), "schema/2.1") {
		t.Fatalf("nodeinfo = %s", w.Body)
	}
}
