package federation

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
)

// Every bad Offer of issue 13, as a real signed request to the stall's
// node: a Reject with the reason goes back to the buyer's server and no
// trade is held. A blocked server's Offer is refused at the door (403): a
// block means nothing is read from nor sent to it, so its node learns the
// refusal from the status (offerRefused, below).
func TestBadOffersRejectedWithAReason(t *testing.T) {
	ctx := context.Background()
	n, it := sellerNode(t)
	org, _, err := n.db.AccountByName(ctx, "org")
	if err != nil {
		t.Fatal(err)
	}
	gone := &node.Item{Stall: it.Stall, Title: "Lamp", Quantity: 1, Price: it.Price}
	if err := n.db.CreateItem(ctx, gone); err != nil {
		t.Fatal(err)
	}
	mustExec(t, n, `UPDATE items SET status = 'withdrawn' WHERE id = ?`, gone.ID)
	if _, err := n.app.AddFedBlock(ctx, org, app.BlockInput{Domain: "blocked.example", Reason: "spam"}); err != nil {
		t.Fatal(err)
	}
	n.app.Caps.OpenReservations = 1
	bob := newRemote(t, n.net, "https://social.example/users/bob", "")
	troll := newRemote(t, n.net, "https://blocked.example/users/troll", "")

	offer := func(from *remoteKey, id, item, q string) map[string]any {
		o := fepExample(t, "04-offer-agreement.json")
		o["id"], o["actor"] = from.id+"/offers/"+id, from.id
		ag := o["object"].(map[string]any)
		p := ag["stipulates"].(map[string]any)
		p["satisfies"] = item + "#primary"
		p["resourceQuantity"].(map[string]any)["hasNumericalValue"] = q
		ag["stipulatesReciprocal"].(map[string]any)["satisfies"] = item + "#reciprocal"
		return o
	}
	itemIRI := n.f.u.item(it.ID)
	for _, tc := range []struct {
		name   string
		from   *remoteKey
		offer  map[string]any
		status int
		reason string // in the Reject's content; "" when none is sent
		held   int    // trades after it
	}{
		{"missing item", bob, offer(bob, "missing", n.f.u.item(99999), "1"), 202, "There is no item 99999", 0},
		{"not for sale", bob, offer(bob, "withdrawn", n.f.u.item(gone.ID), "1"), 202, "taken off the table", 0},
		{"quantity zero", bob, offer(bob, "zero", itemIRI, "0"), 202, "positive whole number", 0},
		{"quantity a fraction", bob, offer(bob, "half", itemIRI, "1.5"), 202, "positive whole number", 0},
		{"quantity not a number", bob, offer(bob, "abc", itemIRI, "abc"), 202, "positive whole number", 0},
		{"more than there is", bob, offer(bob, "two", itemIRI, "2"), 202, "Only 1", 0},
		{"blocked server", troll, offer(troll, "blocked", itemIRI, "1"), 403, "", 0},
		{"a good one", bob, offer(bob, "good", itemIRI, "1"), 202, "", 1},
		{"over the open-reservation cap", bob, offer(bob, "again", itemIRI, "1"), 202, "reservations open", 1},
	} {
		before := len(n.queued("reject"))
		w := n.do(tc.from.signedPost(t, "https://market.example/inbox", tc.offer, n.clock.Now()))
		if w.Code != tc.status {
			t.Fatalf("%s: %d %s, want %d", tc.name, w.Code, w.Body, tc.status)
		}
		rej := n.queued("reject")
		switch {
		case tc.reason == "" && len(rej) != before:
			t.Fatalf("%s: a Reject was sent: %v", tc.name, rej[len(rej)-1])
		case tc.reason != "" && (len(rej) != before+1 || rej[before]["object"] != tc.offer["id"] || !strings.Contains(rej[before]["content"].(string), tc.reason)):
			t.Fatalf("%s: rejects %v, want one with %q", tc.name, rej[before:], tc.reason)
		}
		if c := n.count(`SELECT count(*) FROM trades`); c != tc.held {
			t.Fatalf("%s: %d trades held, want %d", tc.name, c, tc.held)
		}
		if tc.reason != "" {
			var inbox string
			n.db.Read().QueryRow(`SELECT d.inbox FROM ap_deliveries d JOIN ap_outbox o ON o.id = d.outbox_id WHERE o.activity = ?`, rej[before]["id"]).Scan(&inbox)
			if !strings.HasPrefix(inbox, "https://social.example/") {
				t.Fatalf("%s: the Reject goes to %q", tc.name, inbox)
			}
		}
	}
}

// The buyer's node: a Reject that says the item was sold to someone else
// (reasonCode sold_out) is stored as that code, shown in each reader's
// language; an Offer the stall's market refuses for good (a block there:
// 403) declines the reservation here with the code refused, so nobody waits
// for an answer that will not come.
func TestRejectReasonCodesOnTheBuyersNode(t *testing.T) {
	ctx := context.Background()
	n := newTestNode(t, "https://social.example", time.Now(), nil)
	bob := n.account("bob", node.RoleResident)
	alice := newRemote(t, n.net, "https://market.example/users/alice", "")
	mk := func(offerID string) node.TradeID {
		t.Helper()
		tr, err := n.app.NewTradeElsewhere(bob, "Used bike", 1, 1, "", node.TradeRemote{Actor: alice.id, Name: "alice@market.example",
			ItemIRI: "https://market.example/items/1", Offer: offerID})
		if err != nil {
			t.Fatal(err)
		}
		if err := n.db.CreateRemoteTrade(ctx, tr, 0, 0); err != nil {
			t.Fatal(err)
		}
		return tr.ID
	}
	// Forged answers (not from the seller's stall) change nothing.
	forgeMe := mk("https://social.example/activities/o0")
	eve := newRemote(t, n.net, "https://elsewhere.example/users/eve", "")
	mallory := newRemote(t, n.net, "https://market.example/users/mallory", "") // the stall's server, not the stall
	accept := func(from *remoteKey, id string) map[string]any {
		a := fepExample(t, "05-accept-offer-agreement-result.json")
		a["actor"], a["id"], a["object"] = from.id, "https://"+hostOf(from.id)+"/activities/"+id, "https://social.example/activities/o0"
		return a
	}
	reject := func(from *remoteKey, id string) map[string]any {
		r := fepExample(t, "06-reject-offer.json")
		r["actor"], r["object"] = from.id, "https://social.example/activities/o0"
		r["id"] = "https://" + hostOf(from.id) + "/activities/" + id
		return r
	}
	for _, tc := range []struct {
		name string
		from *remoteKey
		doc  map[string]any
	}{
		{"an Accept from another server", eve, accept(eve, "f1")},
		{"an Accept from another actor on the stall's server", mallory, accept(mallory, "f2")},
		{"a Reject from another server", eve, reject(eve, "f3")},
		{"a Reject from another actor on the stall's server", mallory, reject(mallory, "f4")},
	} {
		if w := n.do(tc.from.signedPost(t, "https://social.example/inbox", tc.doc, n.clock.Now())); w.Code != http.StatusAccepted {
			t.Fatalf("%s = %d %s", tc.name, w.Code, w.Body)
		}
		tr, err := n.db.Trade(ctx, forgeMe)
		if err != nil {
			t.Fatal(err)
		}
		if tr.Status != node.TradeRequested || len(tr.Events) != 1 || tr.Remote.Agreement != "" {
			t.Fatalf("after %s: %s, %d steps, agreement %q", tc.name, tr.Status, len(tr.Events), tr.Remote.Agreement)
		}
	}

	sold := mk("https://social.example/activities/o1")
	rej := fepExample(t, "06-reject-offer.json")
	rej["object"], rej["content"], rej["reasonCode"] = "https://social.example/activities/o1", node.SoldOutReason, node.ReasonSoldOut
	if w := n.do(alice.signedPost(t, "https://social.example/inbox", rej, n.clock.Now())); w.Code != http.StatusAccepted {
		t.Fatalf("Reject = %d %s", w.Code, w.Body)
	}
	tr, err := n.db.Trade(ctx, sold)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Status != node.TradeDeclined || tr.ReasonCode != node.ReasonSoldOut || tr.LastEvent().ReasonCode != node.ReasonSoldOut {
		t.Fatalf("after a sold-out Reject: %s %q %+v", tr.Status, tr.ReasonCode, tr.LastEvent())
	}

	// The stall's market answers the Offer 403 (it blocks us): the queue
	// gives it up for good, and the reservation is declined here.
	b, err := os.ReadFile(filepath.Join(sharedFixtures(t), "fep", "01-proposal-minimal.json"))
	if err != nil {
		t.Fatal(err)
	}
	prop := "https://market.example/proposals/ddde9d6f-6f3b-4770-a966-3a18ef006930"
	n.net.serve(prop, b)
	n.net.status = func(url string) int {
		if strings.HasPrefix(url, "https://market.example/") {
			return http.StatusForbidden
		}
		return http.StatusAccepted
	}
	n.run()
	tr, err = n.app.ReserveElsewhere(ctx, bob, prop, 1, "")
	if err != nil {
		t.Fatal(err)
	}
	refused := tr.ID
	waitUntil(t, "the refused Offer to decline the reservation", func() bool {
		tr, _ = n.db.Trade(ctx, refused)
		return tr.Status != node.TradeRequested
	})
	if tr.Status != node.TradeDeclined || tr.ReasonCode != node.ReasonRefused || tr.Reason != node.RefusedReason {
		t.Fatalf("after the Offer was refused for good: %s %q %q", tr.Status, tr.ReasonCode, tr.Reason)
	}
	var outbox int64
	n.db.Read().QueryRow(`SELECT id FROM ap_outbox WHERE activity = ?`, tr.Remote.Offer).Scan(&outbox)
	if outbox == 0 {
		t.Fatal("no Offer in the outbox")
	}
	// Once answered, a late refusal changes nothing.
	n.f.offerRefused(ctx, outbox)
	if tr2, _ := n.db.Trade(ctx, refused); len(tr2.Events) != len(tr.Events) {
		t.Fatalf("a second refusal added a step: %d → %d", len(tr.Events), len(tr2.Events))
	}
}

// An Agreement is served at its id to its parties: a GET signed by the
// buyer (or by its server) gets the Agreement with where the trade is;
// anyone else, and an unknown agreement, get 404.
func TestAgreementServedToItsParties(t *testing.T) {
	ctx := context.Background()
	n, it := sellerNode(t)
	wang, _, err := n.db.AccountByName(ctx, "wang")
	if err != nil {
		t.Fatal(err)
	}
	bob := newRemote(t, n.net, "https://social.example/users/bob", "")
	bobsServer := newRemote(t, n.net, "https://social.example/actor", "")
	eve := newRemote(t, n.net, "https://elsewhere.example/users/eve", "")
	o := fepExample(t, "04-offer-agreement.json")
	o["id"], o["actor"] = bob.id+"/offers/1", bob.id
	ag := o["object"].(map[string]any)
	ag["stipulates"].(map[string]any)["satisfies"] = n.f.u.item(it.ID) + "#primary"
	ag["stipulatesReciprocal"].(map[string]any)["satisfies"] = n.f.u.item(it.ID) + "#reciprocal"
	if w := n.do(bob.signedPost(t, "https://market.example/inbox", o, n.clock.Now())); w.Code != http.StatusAccepted {
		t.Fatalf("offer = %d %s", w.Code, w.Body)
	}
	id, err := n.db.TradeByRemote(ctx, bob.id+"/offers/1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.app.AcceptTrade(ctx, wang, id); err != nil {
		t.Fatal(err)
	}
	tr, _ := n.db.Trade(ctx, id)
	agreement := tr.Remote.Agreement
	if !strings.HasPrefix(agreement, "https://market.example/agreements/") {
		t.Fatalf("agreement id %q", agreement)
	}
	for _, k := range []*remoteKey{bob, bobsServer} {
		w := n.do(k.signedGet(t, agreement, n.clock.Now()))
		if w.Code != http.StatusOK {
			t.Fatalf("GET by %s = %d %s", k.id, w.Code, w.Body)
		}
		doc := decode(t, w.Body.Bytes())
		st := doc["stipulates"].(map[string]any)
		if doc["type"] != "Agreement" || doc["id"] != agreement || doc["tradeStatus"] != "accepted" || doc["offer"] != o["id"] ||
			st["satisfies"] != n.f.u.item(it.ID)+"#primary" || st["resourceQuantity"].(map[string]any)["hasNumericalValue"] != "1" ||
			doc["marketDay"] != tr.Day || doc["attributedTo"] != n.f.u.stall(it.Stall) {
			t.Fatalf("the agreement for %s: %v", k.id, doc)
		}
		if ct := w.Header().Get("Content-Type"); !strings.Contains(ct, "activity+json") && !strings.Contains(ct, "ld+json") {
			t.Fatalf("Content-Type %q", ct)
		}
	}
	unsigned := httptest.NewRequest(http.MethodGet, agreement, nil)
	unsigned.Header.Set("Accept", "application/activity+json")
	for what, r := range map[string]*http.Request{
		"unsigned":          unsigned,
		"signed by another": eve.signedGet(t, agreement, n.clock.Now()),
		"unknown":           bob.signedGet(t, "https://market.example/agreements/nope", n.clock.Now()),
		"the offer's id":    bob.signedGet(t, "https://market.example/agreements/"+strings.TrimPrefix(o["id"].(string), "https://"), n.clock.Now()),
	} {
		if w := n.do(r); w.Code != http.StatusNotFound {
			t.Errorf("%s: %d %s, want 404", what, w.Code, w.Body)
		}
	}
}
