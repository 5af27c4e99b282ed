package app

import (
	"context"
	"time"

	"github.com/shiji-market/shiji/node"
)

// Trades across markets (FEP-0837). A trade whose other side is on another
// node is stored and stepped as a local one (node.Trade, data.StepTrade);
// federation carries each step to the other side: TradeFederator.

// TradeFederator sends the steps of trades across markets. The Federator
// implements it when it federates.
type TradeFederator interface {
	// ReserveElsewhere makes acc's reservation of an item on another market
	// (item: its ActivityPub id): it fetches the item, stores the requested
	// trade and sends the Offer to its stall.
	ReserveElsewhere(ctx context.Context, acc *node.Account, item string, quantity int, message string) (*node.Trade, error)
	// TradeMoved is called after a trade across markets moved here (a step
	// by someone here, or expiry); the other side is told. It never fails
	// the caller.
	TradeMoved(ctx context.Context, t *node.Trade)
	// NoteLeft is called after a thank-you note on a trade across markets
	// was left here; the other side is sent it. It never fails the caller.
	NoteLeft(ctx context.Context, t *node.Trade, n *node.Note)
}

// trades returns the federation layer's trades, or EUNSUPPORTED.
func (a *App) trades() (TradeFederator, error) {
	if tf, ok := a.Fed.(TradeFederator); ok {
		return tf, nil
	}
	return nil, node.Errorf(node.EUNSUPPORTED, "This node does not federate.")
}

// ReserveElsewhere is acc reserving quantity of an item of another market
// (its ActivityPub id), with an optional message: 201 with the requested
// trade; the stall's node answers. Errors: EUNAUTHORIZED, EUNSUPPORTED,
// EINVALID, ENOTFOUND (the item cannot be fetched), EFORBIDDEN (blocked).
func (a *App) ReserveElsewhere(ctx context.Context, acc *node.Account, item string, quantity int, message string) (*node.Trade, error) {
	if acc == nil {
		return nil, node.Errorf(node.EUNAUTHORIZED, "Please log in to reserve.")
	}
	// What can be checked without the item (the quantity, the message) is
	// checked before its market is asked, with the rules the trade is made by.
	if _, err := a.NewTradeElsewhere(acc, "", -1, quantity, message, node.TradeRemote{}); err != nil {
		return nil, err
	}
	tf, err := a.trades()
	if err != nil {
		return nil, err
	}
	return tf.ReserveElsewhere(ctx, acc, item, quantity, message)
}

// NewTradeElsewhere makes (does not store) acc's requested trade of an item
// on another market, with the rules of node.NewTrade: title is the item's,
// available how many its market says are left (-1: not said). Its market
// day is not known until the stall's node accepts: until then the trade
// waits at most node.MaxRemoteWait. remote says where the stall and the
// item are.
func (a *App) NewTradeElsewhere(acc *node.Account, title string, available, quantity int, message string, remote node.TradeRemote) (*node.Trade, error) {
	now := a.Now()
	it := &node.Item{Title: title, Quantity: node.MaxQuantity, Status: node.ItemAvailable}
	if available >= 0 {
		it.Quantity = available
	}
	day := node.MarketDay{Start: now, End: now.Add(node.MaxRemoteWait)}
	t, err := node.NewTrade(acc.ID, false, it, quantity, day, message, now)
	if err != nil {
		return nil, err
	}
	remote.Side = node.RemoteStall
	t.Remote = &remote
	return t, nil
}

// RemoteOffer is an FEP-0837 Offer taken in by federation for an item here,
// from a buyer elsewhere whose signature it checked.
type RemoteOffer struct {
	Item     node.ItemID
	Quantity int
	Message  string
	Remote   node.TradeRemote // the buyer: Actor, Name, Shown, Offer
	// OpenChat opens (or finds) the private chat between the stall and
	// the buyer, which becomes the trade's conversation.
	OpenChat func(st *node.Stall) (node.ConversationID, error)
}

// TakeOffer stores a buyer's reservation from elsewhere with the rules of a
// local one (node.NewTrade, data.CreateRemoteTrade): the item must be on the
// table with that many left; the market day is the one the item is brought
// to, else the stall's next one. The stall's holders then accept or decline
// it as any other. Errors (the Reject's reason): ENOTFOUND, EINVALID,
// ECONFLICT.
func (a *App) TakeOffer(ctx context.Context, in RemoteOffer) (*node.Trade, error) {
	it, err := a.DB.Item(ctx, in.Item)
	if err != nil {
		return nil, err
	}
	st, err := a.DB.Stall(ctx, it.Stall)
	if err != nil {
		return nil, err
	}
	if err := it.CanReserve(in.Quantity); err != nil {
		return nil, err
	}
	day, err := a.offerDay(ctx, it, st)
	if err != nil {
		return nil, err
	}
	now := a.Now()
	t, err := node.NewTrade(0, false, it, in.Quantity, day, in.Message, now)
	if err != nil {
		return nil, err
	}
	r := in.Remote
	r.Side = node.RemoteBuyer
	t.Remote = &r
	t.Events[len(t.Events)-1].ActorName = r.Name
	var conv node.ConversationID
	if in.OpenChat != nil {
		if conv, err = in.OpenChat(st); err != nil {
			return nil, err
		}
	}
	if err := a.DB.CreateRemoteTrade(ctx, t, conv, a.Caps.OpenReservations); err != nil {
		return nil, err
	}
	a.tradeMoved(t, st.Holders)
	return a.DB.Trade(ctx, t.ID)
}

// offerDay is the market day a reservation from elsewhere is for: the one
// the item is brought to, else the stall's next one. EINVALID when the
// stall comes to none.
func (a *App) offerDay(ctx context.Context, it *node.Item, st *node.Stall) (node.MarketDay, error) {
	days, err := a.StallDays(ctx, st.ID)
	if err != nil {
		return node.MarketDay{}, err
	}
	now := a.Now()
	for _, d := range days {
		if !d.Cancelled && !d.Over(now) && (it.BringOn == "" || d.Date == it.BringOn) {
			return d, nil
		}
	}
	return node.MarketDay{}, node.Errorf(node.EINVALID, "%s has no coming market day to hand it over on.", st.Name)
}

// StepElsewhere applies a step the other side of trade id took on its node
// (federation checked that the signer is that side): step runs on the trade
// as stored, with the same rules as at home; name (user@host) is recorded as
// who took it. Both sides here are told live.
func (a *App) StepElsewhere(ctx context.Context, id node.TradeID, name string, step func(t *node.Trade, now time.Time) error) (*node.Trade, error) {
	now := a.Now()
	t, err := a.DB.StepTrade(ctx, id, func(t *node.Trade) error {
		if err := step(t, now); err != nil {
			return err
		}
		if n := len(t.Events); n > 0 && t.Events[n-1].Actor == 0 {
			t.Events[n-1].ActorName = name
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	a.tradeMoved(t, a.holdersOf(ctx, t))
	return a.DB.Trade(ctx, id)
}

// NoteElsewhere stores a thank-you note the other side of a completed trade
// across markets left on its node (author user@host, apID the note's id).
// Errors: as node.Trade.NewNote; ECONFLICT for a second note of that side.
func (a *App) NoteElsewhere(ctx context.Context, id node.TradeID, author, body, apID string) (*node.Note, error) {
	t, err := a.DB.Trade(ctx, id)
	if err != nil {
		return nil, err
	}
	if t.Remote == nil {
		return nil, node.Errorf(node.EFORBIDDEN, "Only the two sides of a trade leave notes on it.")
	}
	n, err := t.NewNote(0, t.Remote.Side == node.RemoteStall, body, a.Now())
	if err != nil {
		return nil, err
	}
	n.AuthorName, n.APID = author, apID
	if err := a.DB.AddNote(ctx, n); err != nil {
		return nil, err
	}
	return n, nil
}

// holdersOf is the stallholders of t's stall, when it is here.
func (a *App) holdersOf(ctx context.Context, t *node.Trade) []node.AccountID {
	if t.Stall == 0 {
		return nil
	}
	st, err := a.DB.Stall(ctx, t.Stall)
	if err != nil {
		return nil
	}
	return st.Holders
}

// tradeFederated tells the TradeFederator that a trade across markets moved here.
func (a *App) tradeFederated(ctx context.Context, t *node.Trade) {
	if t == nil || t.Remote == nil {
		return
	}
	if tf, err := a.trades(); err == nil {
		tf.TradeMoved(context.WithoutCancel(ctx), t)
	}
}

// declineUnmet declines (node.Trade.SoldOut) every requested trade of
// item that asks for more than is left once another was accepted, so that
// nobody waits for what is gone (at home and elsewhere: each gets its
// answer). Errors are logged: the acceptance stands.
func (a *App) declineUnmet(ctx context.Context, item node.ItemID) {
	if item == 0 {
		return
	}
	ids, err := a.DB.UnmetRequests(ctx, item)
	if err != nil {
		return
	}
	for _, id := range ids {
		t, err := a.DB.StepTrade(ctx, id, func(t *node.Trade) error { t.SoldOut(a.Now()); return nil })
		if err != nil || len(t.Events) == 0 {
			continue
		}
		a.tradeMoved(t, a.holdersOf(ctx, t))
		a.tradeFederated(ctx, t)
	}
}
