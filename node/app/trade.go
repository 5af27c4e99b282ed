package app

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/live"
)

// ReserveInput is a resident's reservation.
type ReserveInput struct {
	Quantity int
	Day      string // the market day, YYYY-MM-DD
	Message  string
}

// Reserve makes acc's reservation of an item for a market day the item's
// stall comes to. The trade starts requested, with its own private
// conversation. Errors: EUNAUTHORIZED; ENOTFOUND (no such item); EFORBIDDEN
// (one's own stall); EINVALID (no, a past or cancelled day, a day the stall
// does not come, a bad quantity or message); ECONFLICT (withdrawn, gone, not
// that many left).
func (a *App) Reserve(ctx context.Context, acc *node.Account, item node.ItemID, in ReserveInput) (*node.Trade, error) {
	if acc == nil {
		return nil, node.Errorf(node.EUNAUTHORIZED, "Please log in to reserve.")
	}
	it, err := a.DB.Item(ctx, item)
	if err != nil {
		return nil, err
	}
	st, err := a.DB.Stall(ctx, it.Stall)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(in.Day) == "" {
		return nil, node.Errorf(node.EINVALID, "Choose the market day you will come to the stall (\"market_day\").")
	}
	s, loc, err := a.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	now := a.Now()
	day, err := s.ReservableDay(loc, in.Day, now)
	if err != nil {
		return nil, err
	}
	if comes, err := a.DB.StallComes(ctx, st.ID, day.Date); err != nil {
		return nil, err
	} else if !comes {
		return nil, node.Errorf(node.EINVALID, "%s does not come to the market on %s; choose a day it comes.", st.Name, day.Date)
	}
	t, err := node.NewTrade(acc.ID, st.HeldBy(acc.ID), it, in.Quantity, day, in.Message, now)
	if err != nil {
		return nil, err
	}
	if by, err := a.DB.BlockedBy(ctx, acc.ID, st.Holders); err != nil {
		return nil, err
	} else if len(by) > 0 {
		return nil, node.Errorf(node.EFORBIDDEN, "This stall's stallholder has blocked you; you cannot reserve here.")
	}
	if err := a.DB.CreateTrade(ctx, t, a.Caps.OpenReservations); err != nil {
		return nil, err
	}
	a.tradeMoved(t, st.Holders)
	return a.DB.Trade(ctx, t.ID)
}

// Trade returns a trade for one of its two sides: the resident who reserved
// and the stall's stallholders. To anyone else it does not exist (ENOTFOUND).
func (a *App) Trade(ctx context.Context, acc *node.Account, id node.TradeID) (*node.Trade, *node.Stall, error) {
	if acc == nil {
		return nil, nil, node.Errorf(node.EUNAUTHORIZED, "Please log in first.")
	}
	t, err := a.DB.Trade(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	st, err := a.DB.Stall(ctx, t.Stall)
	if err != nil {
		return nil, nil, err
	}
	if t.Buyer != acc.ID && !st.HeldBy(acc.ID) {
		return nil, nil, node.Errorf(node.ENOTFOUND, "There is no trade %d.", id)
	}
	return t, st, nil
}

// Trades lists acc's trades: the ones it made and the ones at its stalls.
func (a *App) Trades(ctx context.Context, acc *node.Account, f data.TradeFilter) ([]*node.Trade, error) {
	if acc == nil {
		return nil, node.Errorf(node.EUNAUTHORIZED, "Please log in first.")
	}
	f.Party = acc.ID
	return a.DB.Trades(ctx, f)
}

// step applies a transition as acc, who must be a side of the trade.
func (a *App) step(ctx context.Context, acc *node.Account, id node.TradeID, f func(t *node.Trade, holder bool, now time.Time) error) (*node.Trade, error) {
	_, st, err := a.Trade(ctx, acc, id)
	if err != nil {
		return nil, err
	}
	holder, now := st.HeldBy(acc.ID), a.Now()
	t, err := a.DB.StepTrade(ctx, id, func(t *node.Trade) error { return f(t, holder, now) })
	if err != nil {
		return nil, err
	}
	a.tradeMoved(t, st.Holders)
	return a.DB.Trade(ctx, id)
}

// AcceptTrade is the stall accepting a request: the quantity is held until
// the market day closes. Errors: see node.Trade.Accept; ECONFLICT when not
// enough is left (or the item was taken off the table).
func (a *App) AcceptTrade(ctx context.Context, acc *node.Account, id node.TradeID) (*node.Trade, error) {
	return a.step(ctx, acc, id, func(t *node.Trade, holder bool, now time.Time) error { return t.Accept(acc.ID, holder, now) })
}

// DeclineTrade is the stall saying no, with a reason (node.Trade.Decline).
func (a *App) DeclineTrade(ctx context.Context, acc *node.Account, id node.TradeID, reason string) (*node.Trade, error) {
	return a.step(ctx, acc, id, func(t *node.Trade, holder bool, now time.Time) error { return t.Decline(acc.ID, holder, reason, now) })
}

// HandOverTrade is the stall marking the item handed over (node.Trade.HandOver).
func (a *App) HandOverTrade(ctx context.Context, acc *node.Account, id node.TradeID) (*node.Trade, error) {
	return a.step(ctx, acc, id, func(t *node.Trade, holder bool, now time.Time) error { return t.HandOver(acc.ID, holder, now) })
}

// ConfirmTrade is the resident confirming the hand-over (node.Trade.Confirm):
// the trade is completed and the item's quantity goes down.
func (a *App) ConfirmTrade(ctx context.Context, acc *node.Account, id node.TradeID) (*node.Trade, error) {
	return a.step(ctx, acc, id, func(t *node.Trade, _ bool, now time.Time) error { return t.Confirm(acc.ID, now) })
}

// CancelTrade is either side calling it off, with a reason (node.Trade.Cancel).
func (a *App) CancelTrade(ctx context.Context, acc *node.Account, id node.TradeID, reason string) (*node.Trade, error) {
	return a.step(ctx, acc, id, func(t *node.Trade, holder bool, now time.Time) error { return t.Cancel(acc.ID, holder, reason, now) })
}

// LeaveNote leaves acc's thank-you note on a completed trade, one per side
// (node.Trade.NewNote; a second one is ECONFLICT).
func (a *App) LeaveNote(ctx context.Context, acc *node.Account, id node.TradeID, body string) (*node.Note, error) {
	t, st, err := a.Trade(ctx, acc, id)
	if err != nil {
		return nil, err
	}
	n, err := t.NewNote(acc.ID, st.HeldBy(acc.ID), body, a.Now())
	if err != nil {
		return nil, err
	}
	if err := a.DB.AddNote(ctx, n); err != nil {
		return nil, err
	}
	n.AuthorName, n.AuthorShown = acc.Name, acc.DisplayName
	n.Stall, n.StallName, n.Buyer, n.BuyerName, n.Item, n.ItemTitle = t.Stall, t.StallName, t.Buyer, t.BuyerName, t.Item, t.ItemTitle
	return n, nil
}

// TradeEvent is a trade's step as the live stream sends it.
type TradeEvent struct {
	ID     node.TradeID     `json:"id"`
	Status node.TradeStatus `json:"status"`
	Item   string           `json:"item"`
	URL    string           `json:"url"`
}

// tradeMoved tells both sides of t, live, that it moved.
func (a *App) tradeMoved(t *node.Trade, holders []node.AccountID) {
	ev := live.NewEvent("trade", TradeEvent{ID: t.ID, Status: t.Status, Item: t.ItemTitle, URL: node.TradePath(t.ID)})
	sent := map[node.AccountID]bool{}
	for _, id := range append([]node.AccountID{t.Buyer}, holders...) {
		if !sent[id] {
			sent[id] = true
			a.Live.Publish(AccountTopic(id), ev)
		}
	}
}

// ExpireTrades ends every open trade whose market day closed more than
// a.TradeGrace ago (node.Trade.Expire): the hold is released, or a trade
// handed over but never confirmed is completed. It returns how many it ended.
// The deadlines live in the store, so nothing is lost across a restart.
func (a *App) ExpireTrades(ctx context.Context) (int, error) {
	now := a.Now()
	n := 0
	for {
		ids, err := a.DB.DueTrades(ctx, now.Add(-a.TradeGrace), 200)
		if err != nil {
			return n, err
		}
		moved := 0
		for _, id := range ids {
			t, err := a.DB.StepTrade(ctx, id, func(t *node.Trade) error { t.Expire(now, a.TradeGrace); return nil })
			if err != nil {
				return n, err
			}
			if len(t.Events) > 0 {
				moved++
				if st, err := a.DB.Stall(ctx, t.Stall); err == nil {
					a.tradeMoved(t, st.Holders)
				}
			}
		}
		n += moved
		if len(ids) < 200 || moved == 0 {
			return n, nil
		}
	}
}

// RunTrades expires due trades now and then every a.TradeSweep until ctx
// ends (run owns it: `go a.RunTrades(bg, logger)`).
func (a *App) RunTrades(ctx context.Context, logger *slog.Logger) {
	if logger == nil {
		logger = slog.Default()
	}
	every := a.TradeSweep
	if every <= 0 {
		every = time.Minute
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := a.ExpireTrades(ctx); err != nil && ctx.Err() == nil {
			logger.Warn("expiring trades", "err", err)
		} else if n > 0 {
			logger.Info("expired trades", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
