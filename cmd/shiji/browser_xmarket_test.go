package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// In a real browser: a resident of A reserves an item of B, a market A
// links, from its card in the world stroll; the trade's page opens, and
// once B's stallholder accepts, it says so (the Agreement came back).
func TestBrowserReserveFromTheWorldStroll(t *testing.T) {
	a := newFedNode(t, "mei:organiser", "ajie:resident")
	b := newFedNodeWith(t, []string{"--addr", freeAddrOn(t, "127.0.0.2")}, "mei:organiser", "li:stallholder")
	// B holds market days, and Li's stall comes to the next ones.
	week := `{"weekly":[` + strings.TrimSuffix(strings.Repeat(`{"weekday":"%s","start":"08:00","end":"23:00"},`, 7), ",") + `]}`
	week = fmt.Sprintf(week, "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
	if r := b.call("PUT", "/api/v1/market/schedule", "mei", week); r.Status != 200 {
		t.Fatalf("schedule: %d %s", r.Status, r.Body)
	}
	st := b.call("POST", "/api/v1/stalls", "li", `{"name":"Li's Teapots"}`)
	if st.Status != 201 {
		t.Fatalf("stall: %d %s", st.Status, st.Body)
	}
	stall := int(st.JSON(t)["id"].(float64))
	if r := b.call("POST", fmt.Sprintf("/api/v1/stalls/%d/items", stall), "li", `{"title":"Blue teapot","price":{"amount":"30","currency":"CNY"}}`); r.Status != 201 {
		t.Fatalf("item: %d %s", r.Status, r.Body)
	}
	var dates []string
	for _, d := range b.call("GET", "/api/v1/market/days?limit=5", "", "").JSON(t)["days"].([]any) {
		dates = append(dates, fmt.Sprintf("%q", d.(map[string]any)["date"]))
	}
	if r := b.call("PATCH", fmt.Sprintf("/api/v1/stalls/%d", stall), "li", `{"market_days":[`+strings.Join(dates[1:], ",")+`]}`); r.Status != 200 {
		t.Fatalf("stall days: %d %s", r.Status, r.Body)
	}
	if r := a.call("POST", "/api/v1/market/links", "mei", `{"acct":"market@`+b.host()+`"}`); r.Status != 201 {
		t.Fatalf("link: %d %s", r.Status, r.Body)
	}
	waitForIn(t, 60*time.Second, "B's item in A's catalogue", func() bool {
		ls := a.call("GET", "/api/v1/market/links", "", "").JSON(t)["links"].([]any)
		return len(ls) == 1 && ls[0].(map[string]any)["items"].(float64) == 1
	})

	ajie := browser(t)
	logIn(t, ajie, a.n.URL, "ajie")
	var url string
	step(t, ajie, "reserve B's teapot from the world stroll",
		chromedp.Navigate(a.n.URL+"/world/wander?seed=3"),
		chromedp.WaitVisible(`ul.world-stroll li.world-card.elsewhere form.reserve-elsewhere button`),
		submit(`ul.world-stroll li.world-card.elsewhere form.reserve-elsewhere button`, `#trade-status`),
		chromedp.Location(&url),
		waitText(`h1`, "Blue teapot"),
	)
	if !strings.Contains(url, "/trades/") {
		t.Fatalf("after reserving: %s", url)
	}
	var status string
	step(t, ajie, "the trade is requested", chromedp.AttributeValue(`#trade-status`, "data-status", &status, nil))
	if status != "requested" {
		t.Fatalf("status %q, want requested", status)
	}
	screenshot(t, ajie, "xmarket-requested")

	// Li accepts on B.
	var trade int
	waitForIn(t, 60*time.Second, "the request on B", func() bool {
		ts := b.call("GET", "/api/v1/trades?status=requested", "li", "").JSON(t)["trades"].([]any)
		if len(ts) == 1 {
			trade = int(ts[0].(map[string]any)["id"].(float64))
		}
		return trade != 0
	})
	if r := b.call("POST", fmt.Sprintf("/api/v1/trades/%d/accept", trade), "li", ""); r.Status != 200 {
		t.Fatalf("accept on B: %d %s", r.Status, r.Body)
	}
	waitForIn(t, 60*time.Second, "the acceptance on ajie's page", func() bool {
		var s string
		err := chromedp.Run(ajie, chromedp.Navigate(url), chromedp.WaitVisible(`#trade-status`),
			chromedp.AttributeValue(`#trade-status`, "data-status", &s, nil))
		return err == nil && s == "accepted"
	})
	screenshot(t, ajie, "xmarket-accepted")
}
