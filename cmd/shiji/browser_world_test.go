package main

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
)

// In real browsers, across two markets: A's stallholder makes the stall
// approve followers; B's resident follows it from the world market page and
// waits; the stallholder accepts on the follow requests page; the item
// listed next appears on B's world page, and the resident asks about it from
// there; A's organiser blocks B's server on the moderation page.
func TestBrowserWorldMarket(t *testing.T) {
	a := newFedNode(t, "mei:organiser", "wang:stallholder")
	b := newFedNodeWith(t, []string{"--addr", freeAddrOn(t, "127.0.0.2")}, "ajie:resident") // its own host name: its own cookies
	if r := a.call("POST", "/api/v1/alleys", "mei", `{"slug":"vintage","name":{"en":"Vintage"}}`); r.Status != 201 {
		t.Fatalf("alley: %d %s", r.Status, r.Body)
	}
	st := a.call("POST", "/api/v1/stalls", "wang", `{"name":"Old Wang's Bicycles","story":"Since 1988.","alley":"vintage"}`)
	stallID := int(st.JSON(t)["id"].(float64))
	wang, ajie, mei := browser(t), browser(t), browser(t)
	logIn(t, wang, a.n.URL, "wang")
	logIn(t, ajie, b.n.URL, "ajie")
	logIn(t, mei, a.n.URL, "mei")

	step(t, wang, "approve followers by hand",
		chromedp.Navigate(fmt.Sprintf("%s/stalls/%d/edit", a.n.URL, stallID)),
		chromedp.WaitVisible(`input[name=approve_followers]`),
		chromedp.Click(`input[name=approve_followers]`),
		submit(`form[action$="/edit"] button[type=submit]`, `article.stall h1`),
	)
	if r := a.call("GET", fmt.Sprintf("/api/v1/stalls/%d", stallID), "", ""); r.JSON(t)["approve_followers"] != true {
		t.Fatalf("approve_followers not saved: %s", r.Body)
	}
	address := fmt.Sprintf("stall-%d@%s", stallID, a.host())
	step(t, ajie, "follow the stall from the world page",
		chromedp.Navigate(b.n.URL+"/world"),
		chromedp.WaitVisible(`form[action="/world/follow"] input[name=address]`),
		chromedp.SendKeys(`form[action="/world/follow"] input[name=address]`, address),
		submit(`form[action="/world/follow"] button`, `details.follows`),
		waitText(`details.follows`, "waiting for them to accept"),
	)
	screenshot(t, ajie, "world-pending")
	step(t, wang, "accept the request",
		chromedp.Navigate(a.n.URL+"/follow-requests"),
		waitText(`ul.convs`, "ajie@"+b.host()),
	)
	screenshot(t, wang, "follow-requests")
	step(t, wang, "accept", submit(`form[action$="/accept"] button`, `ul.convs`), waitText(`ul.convs`, "No one is waiting."))
	it := a.call("POST", fmt.Sprintf("/api/v1/stalls/%d/items", stallID), "wang",
		`{"title":"Phoenix bicycle bell","story":"Brass, from a **1980s** Phoenix.","price":{"kind":"amount","amount":"25.00","currency":"CNY"},"quantity":1}`)
	if it.Status != 201 {
		t.Fatalf("item = %d %s", it.Status, it.Body)
	}
	m := &market{n: a.n, c: a.c}
	if r := m.upload(fmt.Sprintf("/api/v1/items/%d/photos", int(it.JSON(t)["id"].(float64))), a.tokens["wang"], jpegWithGPS(t), "The bell"); r.Status != 201 {
		t.Fatalf("photo = %d %s", r.Status, r.Body)
	}
	// The item arrives in a Create, its photo in the Update that follows the
	// upload: wait for both, or a later look may come between the two.
	var loaded bool
	for i := 0; i < 60 && !loaded; i++ {
		step(t, ajie, "look at the world page", chromedp.Navigate(b.n.URL+"/world"), chromedp.WaitVisible(`ul.world`),
			chromedp.Evaluate(`document.querySelector("ul.world").innerText.includes("Phoenix bicycle bell") && document.querySelector("ul.world img") !== null`, &loaded))
		if !loaded {
			chromedp.Run(ajie, chromedp.Sleep(500e6))
		}
	}
	if !loaded {
		t.Fatal("the item never reached the world page")
	}
	step(t, ajie, "ask about it",
		waitText(`ul.world`, "25.00 CNY"),
		chromedp.Click(`li.world-note details summary`),
		chromedp.SendKeys(`li.world-note textarea[name=body]`, "Does it still ring?"),
		submit(`li.world-note form[action="/world/ask"] button`, `[data-chat]`),
		waitText(`[data-chat] ul.messages`, "Does it still ring?"),
	)
	step(t, ajie, "back to the world page", chromedp.Navigate(b.n.URL+"/world"), chromedp.WaitVisible(`ul.world img`))
	screenshot(t, ajie, "world")
	step(t, wang, "the question is in the item's thread",
		chromedp.Navigate(it.JSON(t)["url"].(string)),
		waitText(`#thread`, "Does it still ring?"),
	)
	step(t, mei, "block B's server",
		chromedp.Navigate(a.n.URL+"/moderation"),
		chromedp.WaitVisible(`form[action="/admin/fed-blocks"] input[name=target]`),
		chromedp.SendKeys(`form[action="/admin/fed-blocks"] input[name=target]`, b.host()),
		chromedp.SendKeys(`form[action="/admin/fed-blocks"] input[name=reason]`, "testing"),
		submit(`form[action="/admin/fed-blocks"] button`, `#blocks`),
		waitText(`#blocks`, b.host()),
	)
	screenshot(t, mei, "moderation-blocks")
	if c := a.count(`SELECT count(*) FROM ap_followers`); c != 0 {
		t.Fatalf("followers after the block = %d", c)
	}
}
