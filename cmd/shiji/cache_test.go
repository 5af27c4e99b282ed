package main

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// Pages, strolls, cards and fragments are kept in memory for readers, and
// every write shows on the very next read: a price change, a reservation, a
// new question, a new item, a renamed item, for visitors who have not
// signed in (the page cache) and for those who have (the item and fragment
// caches).
func TestCachedPagesShowWritesAtOnce(t *testing.T) {
	m := newMarket(t)
	_, d1, _, _ := tradeDays(t, m)
	id := m.itemQ(t, "Brass bell", 1)
	itemPath := fmt.Sprintf("/items/%d", id)
	if r := m.call("PATCH", "/api/v1/items/"+fmt.Sprint(id), m.wang, `{"price":{"amount":"12.00","currency":"CNY"}}`); r.Status != 200 {
		t.Fatalf("price: %d %s", r.Status, r.Body)
	}
	// A reader who has signed in on the web (cookies, the CSRF token).
	member := newClient(t, m.n.URL)
	member.postForm("/login", "/login", url.Values{"name": {"ajie"}, "password": {"a long secret phrase"}})
	if !strings.Contains(member.get("/").Body, `action="/logout"`) {
		t.Fatal("the member is not signed in")
	}
	stroll, api, stall := "/wander?seed=5&page=0", "/api/v1/wander?seed=5&page=0", fmt.Sprintf("/stalls/%d", int(m.stall))
	listings := func(q string) []string {
		return []string{itemPath, stroll, api, stall, "/", "/search?q=" + url.QueryEscape(q)}
	}

	// read fetches each of pages as both readers, twice for the visitor (the
	// second time from the page cache), and checks each shows want.
	read := func(step string, pages []string, want string) {
		t.Helper()
		for _, p := range pages {
			for i, who := range []*client{m.c, m.c, member} {
				r := who.get(p)
				if r.Status != 200 {
					t.Fatalf("%s: GET %s = %d", step, p, r.Status)
				}
				if !strings.Contains(r.Body, want) {
					t.Fatalf("%s: GET %s (reader %d) does not show %q:\n%.3000s", step, p, i, want, r.Body)
				}
				if i == 1 && r.Header.Get("X-Shiji-Cache") != "hit" {
					t.Errorf("%s: the second anonymous GET %s did not come from the page cache (%q)", step, p, r.Header.Get("X-Shiji-Cache"))
				}
			}
		}
	}
	read("first reads", listings("Brass bell"), "Brass bell")
	read("price", []string{itemPath}, "¥12.00")
	read("price", []string{api}, `"amount":"12.00"`)

	// A price change shows at once.
	if r := m.call("PATCH", "/api/v1/items/"+fmt.Sprint(id), m.wang, `{"price":{"amount":"15.50","currency":"CNY"}}`); r.Status != 200 {
		t.Fatalf("price change: %d %s", r.Status, r.Body)
	}
	read("price change", []string{itemPath}, "¥15.50")
	read("price change", []string{api}, `"amount":"15.50"`)

	// A renamed item shows at once in every listing, for both readers.
	if r := m.call("PATCH", "/api/v1/items/"+fmt.Sprint(id), m.wang, `{"title":"Brass bicycle bell"}`); r.Status != 200 {
		t.Fatalf("rename: %d %s", r.Status, r.Body)
	}
	read("rename", listings("bicycle bell"), "Brass bicycle bell")

	// A reservation, accepted: the item is held.
	tr := m.reserve(t, m.res, id, 1, d1, "Saturday morning?")
	if tr.Status != 201 {
		t.Fatalf("reserve: %d %s", tr.Status, tr.Body)
	}
	if r := m.call("POST", fmt.Sprintf("/api/v1/trades/%d/accept", int(tr.JSON(t)["id"].(float64))), m.wang, ""); r.Status != 200 {
		t.Fatalf("accept: %d %s", r.Status, r.Body)
	}
	read("reservation", []string{itemPath}, "All held for reservations")

	// A new question in the item's thread.
	if r := m.call("POST", fmt.Sprintf("/api/v1/items/%d/thread", id), m.li, `{"body":"Does it still ring?"}`); r.Status != 201 {
		t.Fatalf("question: %d %s", r.Status, r.Body)
	}
	read("question", []string{itemPath}, "Does it still ring?")

	// A renamed stall (the market snapshot): on its page, its items' pages
	// and cards.
	if r := m.call("PATCH", fmt.Sprintf("/api/v1/stalls/%d", int(m.stall)), m.wang, `{"name":"Wang's Bells and Bicycles"}`); r.Status != 200 {
		t.Fatalf("stall rename: %d %s", r.Status, r.Body)
	}
	read("stall rename", []string{stall, itemPath, stroll, "/"}, "Wang&#39;s Bells and Bicycles")

	// A new item: on the stall's page, the home page, the stroll and in
	// searches asked before it was listed (the search cache).
	for _, p := range []string{"/search?q=teapot", "/api/v1/search?q=teapot"} {
		for _, who := range []*client{m.c, m.c, member} {
			if r := who.get(p); r.Status != 200 || strings.Contains(r.Body, "Enamel teapot") {
				t.Fatalf("before the new item: GET %s = %d %.300s", p, r.Status, r.Body)
			}
		}
	}
	m.itemQ(t, "Enamel teapot", 2)
	read("new item", append(listings("teapot")[1:], "/api/v1/search?q=teapot"), "Enamel teapot")
}

// The unread counts at the top of a signed-in reader's pages come with the
// session, and a page that marks messages or notifications read shows them
// read at once.
func TestUnreadBadgeFollowsReading(t *testing.T) {
	m := newMarket(t)
	item := m.item(t, "Phoenix bicycle")
	r := m.call("POST", "/api/v1/conversations", m.res, fmt.Sprintf(`{"kind":"private","item":%d}`, item))
	if r.Status != 201 {
		t.Fatalf("start private = %d %s", r.Status, r.Body)
	}
	conv := int(r.JSON(t)["id"].(float64))
	if r := m.call("POST", fmt.Sprintf("/api/v1/conversations/%d/messages", conv), m.res, `{"body":"Would you take 300 for it?"}`); r.Status != 201 {
		t.Fatalf("post = %d %s", r.Status, r.Body)
	}
	wang := newClient(t, m.n.URL)
	wang.postForm("/login", "/login", url.Values{"name": {"wang"}, "password": {"a long secret phrase"}})
	badge := func(page string) string {
		t.Helper()
		body := wang.get(page).Body
		i := strings.Index(body, "data-unread")
		if i < 0 {
			t.Fatalf("GET %s has no unread badge:\n%.2000s", page, body)
		}
		return body[i : i+strings.Index(body[i:], "</span>")]
	}
	if b := badge("/"); strings.Contains(b, "hidden") || !strings.HasSuffix(b, ">1") {
		t.Fatalf("before reading, the badge is %q, want 1 shown", b)
	}
	if b := badge(fmt.Sprintf("/conversations/%d", conv)); !strings.Contains(b, "hidden") {
		t.Errorf("on the conversation just read, the badge is %q, want it hidden", b)
	}
	if b := badge("/"); !strings.Contains(b, "hidden") {
		t.Errorf("after reading, the badge is %q, want it hidden", b)
	}
}
