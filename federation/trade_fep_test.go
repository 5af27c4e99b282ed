package federation

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shiji-market/shiji/node"
)

// fepExample reads one of FEP-0837's examples (shared/fixtures/fep).
func fepExample(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(sharedFixtures(t), "fep", name))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// sellerNode is a market at https://market.example (the host of FEP-0837's
// examples) with one stall coming to an upcoming market day and one item
// of quantity 1 on it.
func sellerNode(t *testing.T) (*testNode, *node.Item) {
	t.Helper()
	ctx := context.Background()
	n := newTestNode(t, "https://market.example", time.Now(), nil)
	org, wang := n.account("org", node.RoleOrganiser), n.account("wang", node.RoleStallholder)
	sched := &node.Schedule{}
	for d := time.Sunday; d <= time.Saturday; d++ {
		sched.Weekly = append(sched.Weekly, node.WeeklyRule{Weekday: d, Hours: node.Hours{Start: 8 * 60, End: 23 * 60}})
	}
	if err := n.app.SetSchedule(ctx, org, sched); err != nil {
		t.Fatal(err)
	}
	st := n.stall(wang, "Bikes")
	days, err := n.app.UpcomingDays(ctx, 3)
	if err != nil || len(days) < 2 {
		t.Fatal(days, err)
	}
	if _, err := n.app.SetStallDays(ctx, wang, st.ID, []string{days[1].Date}); err != nil {
		t.Fatal(err)
	}
	price, _ := node.ParsePrice("30", "USD")
	it := &node.Item{Stall: st.ID, Title: "Used bike", Quantity: 1, Price: price}
	if err := n.app.CreateItem(ctx, wang, it); err != nil {
		t.Fatal(err)
	}
	return n, it
}

// queued is the bodies of the activities of kind queued by n.
func (n *testNode) queued(kind string) []map[string]any {
	n.t.Helper()
	rows, err := n.db.Read().Query(`SELECT body FROM ap_outbox WHERE kind = ? ORDER BY id`, kind)
	if err != nil {
		n.t.Fatal(err)
	}
	defer rows.Close()
	var out []map[string]any
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			n.t.Fatal(err)
		}
		out = append(out, decode(n.t, b))
	}
	return out
}

// FEP-0837's Offer (example 4), as the buyer's server sends it, taken by the
// stall's node: a requested trade when it names an item here; a Reject with
// the reason, and nothing held, when it names none, or a quantity that is not
// a positive whole number.
func TestFEP0837OfferAnswered(t *testing.T) {
	n, it := sellerNode(t)
	bob := newRemote(t, n.net, "https://social.example/users/bob", "")
	itemIRI := n.f.u.item(it.ID)
	post := func(offer map[string]any) *http.Response {
		w := n.do(bob.signedPost(t, "https://market.example/inbox", offer, n.clock.Now()))
		return w.Result()
	}

	// The example as it is names a proposal that is not an item here.
	offer := fepExample(t, "04-offer-agreement.json")
	if r := post(offer); r.StatusCode != http.StatusAccepted {
		b, _ := io.ReadAll(r.Body)
		t.Fatalf("the FEP's Offer = %d %s", r.StatusCode, b)
	}
	rej := n.queued("reject")
	if len(rej) != 1 || rej[0]["type"] != "Reject" || rej[0]["object"] != offer["id"] || !strings.Contains(rej[0]["content"].(string), "no item") {
		t.Fatalf("rejects = %v", rej)
	}
	if c := n.count(`SELECT count(*) FROM trades`); c != 0 {
		t.Fatalf("%d trades after an Offer for no item", c)
	}

	// Bad quantities: each answered with a Reject, nothing held.
	at := func(id, q string) map[string]any {
		o := fepExample(t, "04-offer-agreement.json")
		o["id"] = "https://social.example/objects/" + id + "/offer"
		ag := o["object"].(map[string]any)
		p := ag["stipulates"].(map[string]any)
		p["satisfies"] = itemIRI + "#primary"
		p["resourceQuantity"].(map[string]any)["hasNumericalValue"] = q
		ag["stipulatesReciprocal"].(map[string]any)["satisfies"] = itemIRI + "#reciprocal"
		return o
	}
	for i, q := range []string{"0", "-1", "1.5", "abc", ""} {
		post(at("bad"+string(rune('a'+i)), q))
	}
	if rej := n.queued("reject"); len(rej) != 6 || !strings.Contains(rej[3]["content"].(string), "whole number") {
		t.Fatalf("rejects after bad quantities = %d %v", len(rej), rej[len(rej)-1])
	}
	if c := n.count(`SELECT count(*) FROM trades`); c != 0 {
		t.Fatalf("%d trades after bad quantities", c)
	}

	// The example aimed at our item: a request for the stall to answer.
	good := at("fc4af0d2", "1")
	if r := post(good); r.StatusCode != http.StatusAccepted {
		t.Fatalf("offer = %d", r.StatusCode)
	}
	var status, side, buyer string
	n.db.Read().QueryRow(`SELECT status, remote_side, remote_name FROM trades WHERE offer_id = ?`, good["id"]).Scan(&status, &side, &buyer)
	if status != "requested" || side != "buyer" || buyer != "bob@social.example" {
		t.Fatalf("trade = %s %s %s", status, side, buyer)
	}
	// More than there is: refused with the reason.
	post(at("toomany", "2"))
	if rej := n.queued("reject"); len(rej) != 7 || !strings.Contains(rej[6]["content"].(string), "Only 1") {
		t.Fatalf("the last reject = %v", rej[len(rej)-1])
	}
}

// FEP-0837's Accept (example 5), Reject (example 6) and receipt (example 7)
// as the stall's server sends them, taken by the buyer's node: the Accept
// moves our trade to accepted with the Agreement's id, the Reject declines
// the other with its reason; the same Accept from anyone but the stall
// changes nothing; the receipt (a Document, not a step shiji takes) is
// taken and changes nothing.
func TestFEP0837AnswersTaken(t *testing.T) {
	ctx := context.Background()
	n := newTestNode(t, "https://social.example", time.Now(), nil)
	bob := n.account("bob", node.RoleResident)
	alice := newRemote(t, n.net, "https://market.example/users/alice", "")
	eve := newRemote(t, n.net, "https://market.example/users/eve", "")
	offer := fepExample(t, "05-accept-offer-agreement-result.json")["object"].(string)
	mk := func(offerID string) node.TradeID {
		t.Helper()
		tr, err := n.app.NewTradeElsewhere(bob, "Used bike", 1, 1, "", node.TradeRemote{Actor: alice.id, Name: "alice@market.example",
			ItemIRI: "https://market.example/proposals/ddde9d6f-6f3b-4770-a966-3a18ef006930", Offer: offerID})
		if err != nil {
			t.Fatal(err)
		}
		if err := n.db.CreateRemoteTrade(ctx, tr, 0, 0); err != nil {
			t.Fatal(err)
		}
		return tr.ID
	}
	first, second := mk(offer), mk(offer+"2")
	status := func(id node.TradeID) (string, string) {
		tr, err := n.db.Trade(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return string(tr.Status), tr.Reason
	}

	forged := fepExample(t, "05-accept-offer-agreement-result.json")
	forged["actor"], forged["id"] = eve.id, "https://market.example/activities/forged"
	if w := n.do(eve.signedPost(t, "https://social.example/inbox", forged, n.clock.Now())); w.Code != http.StatusAccepted {
		t.Fatalf("forged Accept = %d %s", w.Code, w.Body)
	}
	if s, _ := status(first); s != "requested" {
		t.Fatalf("after a forged Accept: %s", s)
	}
	if w := n.do(alice.signedPost(t, "https://social.example/inbox", fepExample(t, "05-accept-offer-agreement-result.json"), n.clock.Now())); w.Code != http.StatusAccepted {
		t.Fatalf("Accept = %d %s", w.Code, w.Body)
	}
	tr, _ := n.db.Trade(ctx, first)
	if tr.Status != node.TradeAccepted || tr.Remote.Agreement != "https://market.example/agreements/edc374aa-e580-4a58-9404-f3e8bf8556b2" {
		t.Fatalf("after the Accept: %s %+v", tr.Status, tr.Remote)
	}
	rej := fepExample(t, "06-reject-offer.json")
	rej["object"] = offer + "2"
	if w := n.do(alice.signedPost(t, "https://social.example/inbox", rej, n.clock.Now())); w.Code != http.StatusAccepted {
		t.Fatalf("Reject = %d %s", w.Code, w.Body)
	}
	if s, reason := status(second); s != "declined" || reason != "Not available" {
		t.Fatalf("after the Reject: %s %q", s, reason)
	}
	if w := n.do(alice.signedPost(t, "https://social.example/inbox", fepExample(t, "07-create-document-receipt.json"), n.clock.Now())); w.Code != http.StatusAccepted {
		t.Fatalf("receipt = %d %s", w.Code, w.Body)
	}
	if s, _ := status(first); s != "accepted" {
		t.Fatalf("after the receipt: %s", s)
	}
}

// FEP-0837's Proposals (examples 1 and 2) as another market serves them:
// a resident here reserves one by its id, and our node answers it with
// the Offer of an Agreement whose Commitments satisfy the Proposal's
// intents (#primary, and #reciprocal for the price of example 2); more
// than the Proposal's availableQuantity is refused here, nothing sent.
func TestFEP0837ProposalsReserved(t *testing.T) {
	ctx := context.Background()
	for i, name := range []string{"01-proposal-minimal.json", "02-proposal-full.json"} {
		n := newTestNode(t, "https://social.example", time.Now(), nil)
		bob := n.account("bob", node.RoleResident)
		newRemote(t, n.net, "https://market.example/users/alice", "")
		b, err := os.ReadFile(filepath.Join(sharedFixtures(t), "fep", name))
		if err != nil {
			t.Fatal(err)
		}
		prop := fepExample(t, name)
		id := prop["id"].(string)
		n.net.serve(id, b)
		if i == 1 {
			if _, err := n.app.ReserveElsewhere(ctx, bob, id, 2, ""); node.ErrorCode(err) != node.ECONFLICT {
				t.Fatalf("%s: two of one available = %v, want ECONFLICT", name, err)
			}
			if q := n.queued("offer"); len(q) != 0 {
				t.Fatalf("%s: an Offer was sent for more than is available", name)
			}
		}
		tr, err := n.app.ReserveElsewhere(ctx, bob, id, 1, "Is it still there?")
		if err != nil {
			t.Fatalf("%s: reserve: %v", name, err)
		}
		if tr.Status != node.TradeRequested || tr.Remote.ItemIRI != id || tr.Remote.Actor != "https://market.example/users/alice" {
			t.Fatalf("%s: trade %+v %+v", name, tr, tr.Remote)
		}
		offers := n.queued("offer")
		if len(offers) != 1 {
			t.Fatalf("%s: %d offers queued", name, len(offers))
		}
		o := offers[0]
		ag := o["object"].(map[string]any)
		st := ag["stipulates"].(map[string]any)
		if o["type"] != "Offer" || o["to"] != "https://market.example/users/alice" || ag["type"] != "Agreement" || ag["id"] != nil ||
			st["satisfies"] != id+"#primary" || st["resourceQuantity"].(map[string]any)["hasNumericalValue"] != "1" {
			t.Fatalf("%s: the Offer %v", name, o)
		}
		rec, _ := ag["stipulatesReciprocal"].(map[string]any)
		switch {
		case i == 0 && rec != nil:
			t.Fatalf("%s: a price where the Proposal asks none: %v", name, rec)
		case i == 1 && (rec == nil || rec["satisfies"] != id+"#reciprocal" || rec["resourceQuantity"].(map[string]any)["hasNumericalValue"] != "30"):
			t.Fatalf("%s: the reciprocal commitment %v", name, rec)
		}
	}
}
