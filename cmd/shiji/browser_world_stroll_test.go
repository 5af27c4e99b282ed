package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// fillStall gives market f a stall of user's with items (titles).
func fillStall(t *testing.T, f *fedNode, user, name string, titles ...string) {
	t.Helper()
	if r := f.call("POST", "/api/v1/alleys", "mei", `{"slug":"vintage","name":{"en":"Vintage"}}`); r.Status != 201 && r.Status != 409 {
		t.Fatalf("alley: %d %s", r.Status, r.Body)
	}
	st := f.call("POST", "/api/v1/stalls", user, fmt.Sprintf(`{"name":%q,"alley":"vintage"}`, name))
	if st.Status != 201 {
		t.Fatalf("stall: %d %s", st.Status, st.Body)
	}
	id := int(st.JSON(t)["id"].(float64))
	for i, title := range titles {
		r := f.call("POST", fmt.Sprintf("/api/v1/stalls/%d/items", id), user,
			fmt.Sprintf(`{"title":%q,"price":{"amount":"%d","currency":"CNY"}}`, title, 10+i))
		if r.Status != 201 {
			t.Fatalf("item: %d %s", r.Status, r.Body)
		}
	}
}

// In a real browser: A's organiser links B from the world page; the world
// stroll shows B's items beside A's, each card with its market; "walk this
// market" on one of B's cards opens B's own stroll, served from A's
// catalogue.
func TestBrowserWorldStroll(t *testing.T) {
	a := newFedNode(t, "mei:organiser", "wang:stallholder")
	b := newFedNodeWith(t, []string{"--addr", freeAddrOn(t, "127.0.0.2")}, "mei:organiser", "li:stallholder")
	fillStall(t, a, "wang", "Old Wang's Bicycles", "Bell", "Pump", "Saddle")
	fillStall(t, b, "li", "Li's Teapots", "Blue teapot", "Clay cup", "Tea tray")
	fillStall(t, b, "li", "Li's Kites", "Swallow kite", "Dragon kite")
	mei := browser(t)
	logIn(t, mei, a.n.URL, "mei")
	step(t, mei, "link B from the world page",
		chromedp.Navigate(a.n.URL+"/world"),
		chromedp.WaitVisible(`form[action="/world/links"] input[name=address]`),
		chromedp.SendKeys(`form[action="/world/links"] input[name=address]`, "market@"+b.host()),
		submit(`form[action="/world/links"] button`, `ul.links li.world-link`),
		waitText(`ul.links`, "market@"+b.host()),
	)
	waitForIn(t, 60*time.Second, "B's items in A's catalogue", func() bool {
		r := a.call("GET", "/api/v1/market/links", "", "")
		ls := r.JSON(t)["links"].([]any)
		return len(ls) == 1 && ls[0].(map[string]any)["items"].(float64) == 5
	})
	var cards, elsewhere int
	step(t, mei, "stroll the world",
		chromedp.Navigate(a.n.URL+"/world/wander?seed=7"),
		chromedp.WaitVisible(`ul.world-stroll li.world-card.elsewhere`),
		chromedp.Evaluate(`document.querySelectorAll("ul.world-stroll li.world-card").length`, &cards),
		// The first lap: every item once, B's five among the eight.
		chromedp.Evaluate(`[...document.querySelectorAll("ul.world-stroll li.world-card")].slice(0, 8).filter(li => li.classList.contains("elsewhere")).length`, &elsewhere),
	)
	if cards != 48 || elsewhere != 5 {
		t.Fatalf("the world stroll shows %d cards, %d of the first 8 from B; want 48 and 5", cards, elsewhere)
	}
	screenshot(t, mei, "world-stroll")
	var url, heading string
	var others int
	step(t, mei, "walk B alone",
		submit(`ul.world-stroll li.world-card.elsewhere a.walk`, `nav.world-switch a[aria-current]`),
		chromedp.Location(&url),
		chromedp.Text(`h1`, &heading),
		chromedp.Evaluate(`document.querySelectorAll("ul.world-stroll li.world-card:not(.elsewhere)").length`, &others),
		waitText(`ul.world-stroll`, "Blue teapot"),
	)
	if !strings.Contains(url, "/world/wander?market=") || !strings.Contains(heading, "only") || others != 0 {
		t.Fatalf("after \"walk this market\": %s %q, %d of A's cards", url, heading, others)
	}
	screenshot(t, mei, "world-stroll-one-market")
}
