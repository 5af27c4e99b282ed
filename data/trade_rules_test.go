package data

import (
	"context"
	"testing"
	"time"

	"github.com/shiji-market/shiji/node"
)

// The open-reservation cap counts a buyer's trades at home and on other
// markets alike, on both nodes: the resident's reservations elsewhere on
// the buyer's node, the remote actor's reservations on the stall's node.
func TestOpenReservationCapCountsTradesAcrossMarkets(t *testing.T) {
	ctx := context.Background()
	m := newTradeMarket(t, 1)
	it := m.item(t, 10)
	const max = 2
	buyer := m.buyers[0]

	elsewhere := func(offer string) error { // the resident reserves on another market
		tr, err := node.NewTrade(buyer, false, &node.Item{Title: "Far bell", Quantity: 5, Status: node.ItemAvailable}, 1, m.day, "", m.now)
		if err != nil {
			t.Fatal(err)
		}
		tr.Remote = &node.TradeRemote{Side: node.RemoteStall, Actor: "https://far.example/stalls/1", Offer: offer, ItemIRI: "https://far.example/items/1"}
		return m.db.CreateRemoteTrade(ctx, tr, 0, max)
	}
	if err := elsewhere("https://here.example/activities/o1"); err != nil {
		t.Fatal(err)
	}
	local, err := node.NewTrade(buyer, false, it, 1, m.day, "", m.now)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.db.CreateTrade(ctx, local, max); err != nil {
		t.Fatal(err)
	}
	// Two open (one elsewhere, one here): a third of either kind is refused.
	if err := elsewhere("https://here.example/activities/o2"); node.ErrorCode(err) != node.ECONFLICT {
		t.Fatalf("third reservation elsewhere: %v, want ECONFLICT", err)
	}
	third, _ := node.NewTrade(buyer, false, it, 1, m.day, "", m.now)
	if err := m.db.CreateTrade(ctx, third, max); node.ErrorCode(err) != node.ECONFLICT {
		t.Fatalf("third local reservation: %v, want ECONFLICT", err)
	}

	// On the stall's node a buyer elsewhere is counted by its actor.
	offer := func(actor, id string) error {
		tr, err := node.NewTrade(0, false, it, 1, m.day, "", m.now)
		if err != nil {
			t.Fatal(err)
		}
		tr.Remote = &node.TradeRemote{Side: node.RemoteBuyer, Actor: actor, Name: "lin@far.example", Offer: id}
		return m.db.CreateRemoteTrade(ctx, tr, 0, max)
	}
	lin := "https://far.example/users/lin"
	for i, id := range []string{"https://far.example/o/1", "https://far.example/o/2"} {
		if err := offer(lin, id); err != nil {
			t.Fatalf("offer %d: %v", i, err)
		}
	}
	if err := offer(lin, "https://far.example/o/3"); node.ErrorCode(err) != node.ECONFLICT {
		t.Fatalf("third offer of one remote buyer: %v, want ECONFLICT", err)
	}
	if err := offer("https://far.example/users/mei", "https://far.example/o/4"); err != nil {
		t.Fatalf("another remote buyer: %v", err)
	}
	var held int
	if err := m.db.r.QueryRowContext(ctx, `SELECT count(*) FROM trades WHERE offer_id = 'https://far.example/o/3'`).Scan(&held); err != nil || held != 0 {
		t.Fatalf("refused offer stored: %d, %v", held, err)
	}

	// A reservation elsewhere on a day the stall here does not come is
	// checked by the stall's node, not here; an Offer here is checked.
	other := node.MarketDay{Date: m.day.Start.Add(24 * time.Hour).UTC().Format(node.DateLayout), Start: m.day.Start.Add(24 * time.Hour), End: m.day.End.Add(24 * time.Hour)}
	tr, err := node.NewTrade(0, false, it, 1, other, "", m.now)
	if err != nil {
		t.Fatal(err)
	}
	tr.Remote = &node.TradeRemote{Side: node.RemoteBuyer, Actor: "https://far.example/users/bo", Offer: "https://far.example/o/5"}
	if err := m.db.CreateRemoteTrade(ctx, tr, 0, max); node.ErrorCode(err) != node.EINVALID {
		t.Fatalf("offer for a day the stall does not come: %v, want EINVALID", err)
	}
}

// Trades across markets are encounters on both sides: the resident met the
// stall elsewhere; the stall's holder met the buyer elsewhere.
func TestEncountersOfTradesAcrossMarkets(t *testing.T) {
	ctx := context.Background()
	m := newTradeMarket(t, 1)
	it := m.item(t, 3)
	buyer := m.buyers[0]

	far, err := node.NewTrade(buyer, false, &node.Item{Title: "Far bell", Quantity: 5, Status: node.ItemAvailable}, 1, m.day, "", m.now)
	if err != nil {
		t.Fatal(err)
	}
	far.Remote = &node.TradeRemote{Side: node.RemoteStall, Actor: "https://far.example/stalls/7", Name: "stall-7@far.example",
		Shown: "Far Lamps", Offer: "https://here.example/activities/o1", ItemIRI: "https://far.example/items/1", ItemURL: "https://far.example/items/1"}
	if err := m.db.CreateRemoteTrade(ctx, far, 0, 0); err != nil {
		t.Fatal(err)
	}
	in, err := node.NewTrade(0, false, it, 1, m.day, "", m.now)
	if err != nil {
		t.Fatal(err)
	}
	in.Remote = &node.TradeRemote{Side: node.RemoteBuyer, Actor: "https://far.example/users/lin", Name: "lin@far.example", Shown: "Lin", Offer: "https://far.example/o/1"}
	if err := m.db.CreateRemoteTrade(ctx, in, 0, 0); err != nil {
		t.Fatal(err)
	}

	es, err := m.db.Encounters(ctx, buyer, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 1 || es[0].Remote != "https://far.example/stalls/7" || es[0].Name != "stall-7@far.example" || es[0].Shown != "Far Lamps" ||
		es[0].Stall != 0 || es[0].Kind != "trade" || es[0].Trade != far.ID || es[0].ItemTitle != "Far bell" || es[0].Status != node.TradeRequested {
		t.Errorf("the buyer's encounters = %+v, want the stall elsewhere", es)
	}
	es, err = m.db.Encounters(ctx, m.holder, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 1 || es[0].Remote != "https://far.example/users/lin" || es[0].Name != "lin@far.example" || es[0].Person != 0 ||
		es[0].Stall != m.stall || es[0].Item != it.ID || es[0].Trade != in.ID {
		t.Errorf("the holder's encounters = %+v, want the buyer elsewhere", es)
	}
}
