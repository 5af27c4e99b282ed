package main

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// The home page is kept in the page cache while the market links with
// others (what it shows of them moves the Pages version, migration 0061):
// a change in the linked market (its next market day) shows on the next
// read of the kept page, for visitors and signed-in readers, and a market
// one reader hid is shown hidden to them only.
func TestHomeKeptWhileLinkedShowsLinkedChanges(t *testing.T) {
	a := newFedNode(t, "mei:organiser", "ajie:resident", "wang:stallholder")
	b := newFedNode(t, "mei:organiser", "li:stallholder")
	fillStall(t, b, "li", "Li's Teapots", "Blue teapot")
	schedule := func(start string) {
		t.Helper()
		if r := b.call("PUT", "/api/v1/market/schedule", "mei",
			`{"timezone":"Asia/Taipei","weekly":[{"weekday":"saturday","start":"`+start+`","end":"13:00"}]}`); r.Status != 200 {
			t.Fatalf("schedule = %d %s", r.Status, r.Body)
		}
	}
	schedule("08:00")
	r := a.call("POST", "/api/v1/market/links", "mei", `{"acct":"market@`+b.host()+`"}`)
	if r.Status != 201 && r.Status != 200 {
		t.Fatalf("link = %d %s", r.Status, r.Body)
	}
	link := int(r.JSON(t)["id"].(float64))
	// nextStart is the start of B's next day as A knows it.
	nextStart := func() string {
		l := a.call("GET", fmt.Sprintf("/api/v1/market/links/%d", link), "", "").JSON(t)
		if d, ok := l["next_day"].(map[string]any); ok && l["state"] == "linked" {
			s, _ := d["start"].(string)
			return s
		}
		return ""
	}
	waitForIn(t, 30*time.Second, "B's next day on A", func() bool { return nextStart() != "" })
	ajie, wang := webLogIn(t, a.n.URL, "ajie"), webLogIn(t, a.n.URL, "wang")
	// home reads A's home page as each reader, the visitor twice (the second
	// from the page cache), and checks each shows want.
	// Federation may still be writing (the catalogue, the days): the kept
	// page is looked for until two reads in a row find one.
	home := func(step, want string) {
		t.Helper()
		kept := false
		// Fifty tries (about 5 s on a quiet machine) were a measure: a loaded
		// one may write the catalogue for longer. hangGuard bounds it.
		for deadline := time.Now().Add(hangGuard); !kept && time.Now().Before(deadline); {
			for i, who := range []*client{a.c, a.c, ajie, ajie, wang} {
				r := who.get("/")
				if r.Status != 200 {
					t.Fatalf("%s: GET / = %d", step, r.Status)
				}
				if !strings.Contains(r.Body, want) {
					t.Fatalf("%s: reader %d's home page does not show %q:\n%.5000s", step, i, want, r.Body)
				}
				if i == 1 && r.Header.Get("X-Shiji-Cache") == "hit" {
					kept = true
				}
			}
			if !kept {
				time.Sleep(100 * time.Millisecond)
			}
		}
		if !kept {
			t.Fatalf("%s: the visitor's home page never came from the page cache", step)
		}
	}
	first := nextStart()
	home("linked", `datetime="`+first+`"`)

	// B's market opens later: once A has heard, the next read shows it.
	schedule("10:00")
	waitForIn(t, 30*time.Second, "B's new hours on A", func() bool { return nextStart() != first })
	home("new hours", `datetime="`+nextStart()+`"`)

	// ajie leaves B out of their strolls: ajie's home says so, no one
	// else's does.
	if r := a.call("PUT", fmt.Sprintf("/api/v1/world/hidden/%d", link), "ajie", ""); r.Status != 204 {
		t.Fatalf("hide = %d %s", r.Status, r.Body)
	}
	for i := 0; i < 2; i++ {
		mustContain(t, "ajie's home page", ajie.get("/").Body, "left out of your strolls")
		for _, other := range []*client{a.c, wang} {
			if b := other.get("/").Body; strings.Contains(b, "left out of your strolls") {
				t.Fatalf("another reader's home page shows ajie's hidden market:\n%.3000s", b)
			}
		}
	}
}
