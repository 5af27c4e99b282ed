package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// followAccepted makes user on f follow acct and waits for the Accept.
func (f *fedNode) followAccepted(t *testing.T, user, acct string) {
	t.Helper()
	r := f.call("POST", "/api/v1/follows", user, fmt.Sprintf(`{"acct":%q}`, acct))
	if r.Status != 201 && r.Status != 200 {
		t.Fatalf("follow %s: %d %s", acct, r.Status, r.Body)
	}
	id := r.JSON(t)["id"]
	waitForIn(t, 15*time.Second, acct+" to accept", func() bool {
		for _, x := range f.call("GET", "/api/v1/follows", user, "").JSON(t)["follows"].([]any) {
			if m := x.(map[string]any); m["id"] == id && m["state"] == "accepted" {
				return true
			}
		}
		return false
	})
}

// newStallOn opens a stall (in a new alley) on f as holder and returns its id.
func newStallOn(t *testing.T, f *fedNode, org, holder, name string) int {
	t.Helper()
	f.call("POST", "/api/v1/alleys", org, `{"slug":"vintage","name":{"en":"Vintage"}}`)
	r := f.call("POST", "/api/v1/stalls", holder, fmt.Sprintf(`{"name":%q,"alley":"vintage","open_today":true}`, name))
	if r.Status != 201 {
		t.Fatalf("stall: %d %s", r.Status, r.Body)
	}
	return int(r.JSON(t)["id"].(float64))
}

// A stall moves from market A to market B as a Mastodon account moves:
// B's stall names A's as its alias, A sends the Move; B's resident who
// followed the old stall from afar now follows the new one at home, A's
// resident who followed it at home now follows it on B, the old page
// redirects and the old actor says movedTo. New items of the moved stall
// reach both.
func TestStallMovesToAnotherMarket(t *testing.T) {
	a := newFedNode(t, "mei:organiser", "wang:stallholder", "su:resident")
	b := newFedNode(t, "lan:organiser", "li:stallholder", "ajie:resident")
	old := newStallOn(t, a, "mei", "wang", "Old Wang's Bicycles")
	fresh := newStallOn(t, b, "lan", "li", "Wang's Bicycles, new place")
	oldActor := fmt.Sprintf("%s/stalls/%d", a.n.URL, old)
	newActor := fmt.Sprintf("%s/stalls/%d", b.n.URL, fresh)
	oldAcct, newAcct := fmt.Sprintf("stall-%d@%s", old, a.host()), fmt.Sprintf("stall-%d@%s", fresh, b.host())

	// su follows the stall on A; ajie follows it from B.
	if r := a.call("POST", fmt.Sprintf("/api/v1/stalls/%d/follow", old), "su", ""); r.Status != 204 {
		t.Fatalf("su follows: %d %s", r.Status, r.Body)
	}
	b.followAccepted(t, "ajie", oldAcct)

	// Before the new stall names the old one, the move is refused.
	move := fmt.Sprintf("/api/v1/stalls/%d/move", old)
	if r := a.call("POST", move, "wang", fmt.Sprintf(`{"to":%q}`, newAcct)); r.Status != 422 || !strings.Contains(r.Body, "alias") {
		t.Fatalf("a move to a stall that does not name this one: %d %s", r.Status, r.Body)
	}
	aliases := fmt.Sprintf("/api/v1/stalls/%d/aliases", fresh)
	for _, tc := range []struct {
		user, body string
		status     int
	}{
		{"ajie", `{"alias":"` + oldAcct + `"}`, 403},        // not the stall's
		{"lan", `{"alias":"` + oldAcct + `"}`, 403},         // the organiser cannot move someone's stall
		{"li", `{"alias":"nobody@` + a.host() + `"}`, 404},  // unknown
		{"li", `{"alias":"not an address"}`, 422},           // malformed
		{"li", `{"alias":"stall-9@` + b.host() + `"}`, 422}, // here
		{"li", `{"alias":"` + oldAcct + `"}`, 200},          // the old stall
		{"li", `{"alias":"` + oldAcct + `"}`, 409},          // twice
	} {
		if r := b.call("POST", aliases, tc.user, tc.body); r.Status != tc.status {
			t.Fatalf("alias %s as %s: %d %s, want %d", tc.body, tc.user, r.Status, r.Body, tc.status)
		}
	}
	doc := b.c.get(fmt.Sprintf("/stalls/%d", fresh), "Accept", asAccept).JSON(t)
	if aka, _ := doc["alsoKnownAs"].([]any); len(aka) != 1 || aka[0] != oldActor {
		t.Fatalf("the new stall's alsoKnownAs = %v", doc["alsoKnownAs"])
	}
	if r := a.call("POST", move, "su", fmt.Sprintf(`{"to":%q}`, newAcct)); r.Status != 403 {
		t.Fatalf("a resident moves the stall: %d", r.Status)
	}
	r := a.call("POST", move, "wang", fmt.Sprintf(`{"to":%q}`, newAcct))
	if r.Status != 200 || r.JSON(t)["moved_to"] != newActor {
		t.Fatalf("move: %d %s", r.Status, r.Body)
	}
	if r := a.call("POST", move, "wang", fmt.Sprintf(`{"to":%q}`, newAcct)); r.Status != 409 {
		t.Fatalf("moving twice: %d %s", r.Status, r.Body)
	}

	// The old stall: its page redirects, its actor says where it went, it
	// left the floor and its followers here.
	if r := a.c.get(fmt.Sprintf("/stalls/%d", old)); r.Status != http.StatusMovedPermanently || r.Header.Get("Location") != newActor {
		t.Fatalf("the old page: %d %s", r.Status, r.Header.Get("Location"))
	}
	if doc := a.c.get(fmt.Sprintf("/stalls/%d", old), "Accept", asAccept).JSON(t); doc["movedTo"] != newActor {
		t.Fatalf("the old actor's movedTo = %v", doc["movedTo"])
	}
	if r := a.call("GET", "/api/v1/met", "su", ""); strings.Contains(r.Body, "Old Wang") {
		t.Fatalf("su still follows the old stall here: %s", r.Body)
	}
	// ajie (B) now follows the new stall at home; A lost ajie as a follower.
	waitForIn(t, 15*time.Second, "ajie to follow the new stall", func() bool {
		return strings.Contains(b.call("GET", "/api/v1/met", "ajie", "").Body, "new place")
	})
	if n := b.count(`SELECT count(*) FROM ap_following WHERE actor = ?`, oldActor); n != 0 {
		t.Fatalf("B still follows the old stall %d times", n)
	}
	waitForIn(t, 15*time.Second, "A to take ajie's Undo", func() bool {
		return a.count(`SELECT count(*) FROM ap_followers WHERE actor = ?`, fmt.Sprintf("stall:%d", old)) == 0
	})
	// su (A) now follows the new stall on B.
	waitForIn(t, 15*time.Second, "su's follow of the new stall to be accepted", func() bool {
		for _, x := range a.call("GET", "/api/v1/follows", "su", "").JSON(t)["follows"].([]any) {
			if m := x.(map[string]any); m["actor"] == newActor && m["state"] == "accepted" {
				return true
			}
		}
		return false
	})
	// A new item of the moved stall reaches su's timeline on A.
	if r := b.call("POST", fmt.Sprintf("/api/v1/stalls/%d/items", fresh), "li", `{"title":"Brass bell, moved","price":{"kind":"free"}}`); r.Status != 201 {
		t.Fatalf("item: %d %s", r.Status, r.Body)
	}
	waitForIn(t, 20*time.Second, "the new stall's item on su's timeline", func() bool {
		names, _ := a.timeline("su")
		return strings.Contains(strings.Join(names, "|"), "Brass bell, moved")
	})
}

// A stallholder who deletes their account: every server that knew them is
// told, signed by the deleted actors themselves, and forgets them.
func TestDeletedAccountTellsOtherMarkets(t *testing.T) {
	a := newFedNode(t, "mei:organiser", "wang:stallholder")
	b := newFedNode(t, "lan:organiser", "li:stallholder", "ajie:resident")
	stall := newStallOn(t, a, "mei", "wang", "Old Wang's Bicycles")
	bStall := newStallOn(t, b, "lan", "li", "Li's Lamps")
	stallActor := fmt.Sprintf("%s/stalls/%d", a.n.URL, stall)
	person := a.n.URL + "/users/wang"
	// ajie (B) follows wang's stall; wang (A) follows li's stall on B.
	b.followAccepted(t, "ajie", fmt.Sprintf("stall-%d@%s", stall, a.host()))
	a.followAccepted(t, "wang", fmt.Sprintf("stall-%d@%s", bStall, b.host()))
	if r := a.call("POST", fmt.Sprintf("/api/v1/stalls/%d/items", stall), "wang", `{"title":"Phoenix bell","price":{"kind":"free"}}`); r.Status != 201 {
		t.Fatalf("item: %d %s", r.Status, r.Body)
	}
	waitForIn(t, 20*time.Second, "the item on B", func() bool {
		names, _ := b.timeline("ajie")
		return len(names) == 1
	})
	if n := b.count(`SELECT count(*) FROM ap_followers WHERE follower = ?`, person); n != 1 {
		t.Fatalf("B has wang as a follower %d times", n)
	}

	if r := a.call("DELETE", "/api/v1/me", "wang", `{"password":"a long secret phrase"}`); r.Status != 204 {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	// B hears of both and forgets them: no follow of the stall, no item on
	// ajie's timeline, no wang among li's stall's followers.
	waitForIn(t, 20*time.Second, "B to take the Deletes", func() bool {
		names, _ := b.timeline("ajie")
		return len(names) == 0 && b.count(`SELECT count(*) FROM ap_following WHERE actor = ?`, stallActor) == 0 &&
			b.count(`SELECT count(*) FROM ap_followers WHERE follower = ?`, person) == 0
	})
	waitForIn(t, 10*time.Second, "A's queue to empty", func() bool {
		return a.count(`SELECT count(*) FROM ap_deliveries`) == 0
	})
	// The actors are gone for good.
	for _, p := range []string{"/users/wang", fmt.Sprintf("/stalls/%d", stall), fmt.Sprintf("/stalls/%d/featured", stall),
		fmt.Sprintf("/stalls/%d/avatar.png", stall)} {
		if r := a.c.get(p, "Accept", asAccept); r.Status != http.StatusGone {
			t.Errorf("GET %s as ActivityStreams after the deletion: %d, want 410", p, r.Status)
		}
	}
	if r := a.c.get("/.well-known/webfinger?resource=acct:wang@" + a.host()); r.Status != http.StatusGone && r.Status != http.StatusNotFound {
		t.Errorf("WebFinger of the deleted account: %d", r.Status)
	}
}
