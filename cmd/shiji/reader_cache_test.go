package main

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// Signed-in readers share the kept content of a page (the same for every
// reader like them) with their own bits spliced in: each gets their own
// CSRF token, name and counts, what is theirs (following the stall, their
// reservations, the stall's tools for its own people) is never shown to
// another, and a write by the reader or anyone shows on their next read.
func TestSignedInReadersShareKeptContent(t *testing.T) {
	m := newMarket(t)
	_, d1, _, _ := tradeDays(t, m)
	id := m.itemQ(t, "Copper kettle", 2)
	itemPath, stallPath := fmt.Sprintf("/items/%d", id), fmt.Sprintf("/stalls/%d", int(m.stall))
	login := func(name string) *client {
		c := newClient(t, m.n.URL)
		if r := c.postForm("/login", "/login", url.Values{"name": {name}, "password": {"a long secret phrase"}}); r.Status != 303 {
			t.Fatalf("login %s = %d", name, r.Status)
		}
		return c
	}
	ajie, li, wang := login("ajie"), login("li"), login("wang")
	token := regexp.MustCompile(`name="_csrf" value="([^"]+)"`)
	// page reads path twice as who (the second read from what was kept)
	// and checks both reads alike show wants and none of unwanted.
	page := func(step string, who *client, name, path string, wants []string, unwanted ...string) string {
		t.Helper()
		var bodies [2]string
		for i := range bodies {
			r := who.get(path)
			if r.Status != 200 {
				t.Fatalf("%s: %s GET %s = %d", step, name, path, r.Status)
			}
			bodies[i] = r.Body
			for _, w := range wants {
				if !strings.Contains(r.Body, w) {
					t.Fatalf("%s: %s's GET %s (read %d) does not show %q:\n%.4000s", step, name, path, i+1, w, r.Body)
				}
			}
			for _, u := range unwanted {
				if strings.Contains(r.Body, u) {
					t.Fatalf("%s: %s's GET %s (read %d) shows %q:\n%.4000s", step, name, path, i+1, u, r.Body)
				}
			}
		}
		return bodies[1]
	}
	// Every token on a reader's page is the reader's own.
	ownTokens := func(step, name string, body string, want string) {
		t.Helper()
		all := token.FindAllStringSubmatch(body, -1)
		if len(all) == 0 {
			t.Fatalf("%s: %s's page has no form token", step, name)
		}
		for _, tk := range all {
			if tk[1] != want {
				t.Fatalf("%s: %s's page holds the token %q, not theirs (%q)", step, name, tk[1], want)
			}
		}
	}
	for _, p := range []string{itemPath, stallPath, "/", "/search?q=kettle", "/wander?seed=3"} {
		ta, tl := ajie.csrf(p), li.csrf(p)
		if ta == tl {
			t.Fatalf("GET %s: ajie and li were given one token", p)
		}
		ownTokens("tokens", "ajie", page("tokens", ajie, "ajie", p, []string{`content="ajie"`}), ta)
		ownTokens("tokens", "li", page("tokens", li, "li", p, []string{`content="li"`}), tl)
	}

	// The stall's own people see its tools; others never do.
	page("tools", wang, "wang", itemPath, []string{"Edit the item"})
	page("tools", ajie, "ajie", itemPath, []string{"Copper kettle", "Ask privately"}, "Edit the item")
	page("tools", li, "li", itemPath, []string{"Copper kettle"}, "Edit the item")

	// Following the stall: ajie sees it followed, li does not, both see one
	// follower.
	page("follow", li, "li", stallPath, []string{"Follow this stall"})
	if r := ajie.postForm(stallPath, stallPath+"/follow", url.Values{}); r.Status != 303 {
		t.Fatalf("follow = %d %.300s", r.Status, r.Body)
	}
	page("follow", ajie, "ajie", stallPath, []string{"Following (stop)"}, "Follow this stall")
	page("follow", li, "li", stallPath, []string{"Follow this stall"}, "Following (stop)")

	// ajie's reservation shows on ajie's page of the item, not on li's.
	if r := m.reserve(t, m.res, id, 1, d1, "Saturday?"); r.Status != 201 {
		t.Fatalf("reserve: %d %s", r.Status, r.Body)
	}
	page("reservation", ajie, "ajie", itemPath, []string{"Your reservations of this"})
	page("reservation", li, "li", itemPath, []string{"Copper kettle"}, "Your reservations of this")

	// A question by anyone, a price change: on everyone's next read.
	askAndReprice(t, m, id)
	for _, who := range []struct {
		c    *client
		name string
	}{{ajie, "ajie"}, {li, "li"}} {
		page("question and price", who.c, who.name, itemPath, []string{"Does it whistle?", "¥42.00"})
	}

	// A new display name greets the reader on the next read, escaped.
	if r := ajie.postForm("/account", "/account", url.Values{"display_name": {`A <Jie> & "co"`}, "lang": {"en"}}); r.Status != 303 {
		t.Fatalf("rename = %d %.300s", r.Status, r.Body)
	}
	page("display name", ajie, "ajie", "/", []string{"Good to see you, A &lt;Jie&gt; &amp; &#34;co&#34;"}, "<Jie>")
	page("display name", li, "li", "/", []string{"Good to see you, li"}, "Jie")
}

// askAndReprice has li ask about item id in its public thread ("Does it
// whistle?") and its stallholder wang set its price to ¥42.00: two writes
// every kept page of the item must show on its next read.
func askAndReprice(t *testing.T, m *market, id int) {
	t.Helper()
	if r := m.call("POST", fmt.Sprintf("/api/v1/items/%d/thread", id), m.li, `{"body":"Does it whistle?"}`); r.Status != 201 {
		t.Fatalf("question: %d %s", r.Status, r.Body)
	}
	if r := m.call("PATCH", fmt.Sprintf("/api/v1/items/%d", id), m.wang, `{"price":{"amount":"42.00","currency":"CNY"}}`); r.Status != 200 {
		t.Fatalf("price: %d %s", r.Status, r.Body)
	}
}
