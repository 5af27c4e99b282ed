package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
)

// Trades (交易) in pages: the reservation form on an item page, the trade's
// own page with its steps and actions, and the list of one's trades.

// reserveForm is the reservation form on an item page.
type reserveForm struct {
	Days     []dayChoice // upcoming market days the stall comes to
	Quantity int
	Max      int
	Message  string
	Error    string
}

// DaysKey names the days offered and the one chosen, as a shared
// fragment's key.
func (f *reserveForm) DaysKey() string {
	var b strings.Builder
	for _, d := range f.Days {
		b.WriteString(d.Date)
		if d.Checked {
			b.WriteByte('*')
		}
		b.WriteByte(' ')
	}
	return b.String()
}

// reserve handles the reservation form: a trade, or the item page again with
// the problem.
func (s *Server) reserve(c echo.Context) error {
	id, err := pathID(c, "item")
	if err != nil {
		return err
	}
	q, err := strconv.Atoi(strings.TrimSpace(c.FormValue("quantity")))
	in := app.ReserveInput{Quantity: q, Day: c.FormValue("market_day"), Message: c.FormValue("message")}
	var t *node.Trade
	if err != nil {
		err = node.Errorf(node.EINVALID, "The quantity must be a whole number.")
	} else {
		t, err = s.app.Reserve(c.Request().Context(), account(c), node.ItemID(id), in)
	}
	if err != nil {
		status, msg := s.explain(c, err)
		if status >= 500 || status == http.StatusNotFound || status == http.StatusUnauthorized {
			return err
		}
		return s.renderItem(c, status, &reserveForm{Quantity: max(q, 1), Message: in.Message, Error: msg}, in.Day)
	}
	return c.Redirect(http.StatusSeeOther, node.TradePath(t.ID))
}

type tradePageData struct {
	Trade        *node.Trade
	Day          node.MarketDay
	Buyer        bool // the viewer reserved it
	Holder       bool // the viewer holds the stall
	ExpiresAt    time.Time
	CanAccept    bool
	CanHandOver  bool
	CanConfirm   bool
	CanCancel    bool
	CanNote      bool
	Conversation string
	Error        string
}

func (s *Server) tradePage(c echo.Context) error {
	return s.renderTrade(c, http.StatusOK, "")
}

func (s *Server) renderTrade(c echo.Context, status int, errMsg string) error {
	ctx := c.Request().Context()
	id, err := tradeID(c)
	if err != nil {
		return err
	}
	acc := account(c)
	t, st, err := s.app.Trade(ctx, acc, id)
	if err != nil {
		return err
	}
	sched, loc, err := s.app.Calendar(ctx)
	if err != nil {
		return err
	}
	day, ok := sched.Day(loc, t.Day)
	if !ok || !day.Start.Equal(t.StartsAt) {
		day = node.MarketDay{Date: t.Day, Start: t.StartsAt.In(loc), End: t.ClosesAt.In(loc)}
	}
	now := s.app.Now()
	d := tradePageData{Trade: t, Day: day, Buyer: t.Buyer == acc.ID, Holder: st.HeldBy(acc.ID), ExpiresAt: t.ExpiresAt(s.app.TradeGrace), Error: errMsg}
	d.CanAccept = d.Holder && t.Status == node.TradeRequested && now.Before(t.ClosesAt)
	d.CanHandOver = d.Holder && t.Status == node.TradeAccepted
	d.CanConfirm = d.Buyer && t.Status == node.TradeHandedOver
	d.CanCancel = (d.Buyer || d.Holder) && (t.Status == node.TradeRequested || t.Status == node.TradeAccepted) && now.Before(t.ClosesAt)
	if t.Status == node.TradeCompleted {
		side := node.NoteFromStall
		if d.Buyer {
			side = node.NoteFromBuyer
		}
		d.CanNote = true
		for _, n := range t.Notes {
			if n.Side == side {
				d.CanNote = false
			}
		}
	}
	if t.Conversation != 0 {
		d.Conversation = "/conversations/" + strconv.FormatInt(int64(t.Conversation), 10)
	}
	p, err := s.newPage(c, "", d)
	if err != nil {
		return err
	}
	p.Title = p.T("trade.title", "Item", t.ItemTitle)
	return s.write(c, status, "trade", p)
}

// tradeAction handles the step buttons of a trade's page.
func (s *Server) tradeAction(c echo.Context) error {
	id, err := tradeID(c)
	if err != nil {
		return err
	}
	if _, err := s.tradeStep(c, id, c.Param("action"), c.FormValue("reason")); err != nil {
		status, msg := s.explain(c, err)
		if status >= 500 || status == http.StatusNotFound {
			return err
		}
		return s.renderTrade(c, status, msg)
	}
	return c.Redirect(http.StatusSeeOther, node.TradePath(id))
}

// tradeNote handles the thank-you note form.
func (s *Server) tradeNote(c echo.Context) error {
	id, err := tradeID(c)
	if err != nil {
		return err
	}
	if _, err := s.app.LeaveNote(c.Request().Context(), account(c), id, c.FormValue("body")); err != nil {
		status, msg := s.explain(c, err)
		if status >= 500 || status == http.StatusNotFound {
			return err
		}
		return s.renderTrade(c, status, msg)
	}
	return c.Redirect(http.StatusSeeOther, node.TradePath(id)+"#notes")
}

type tradesPageData struct {
	AtStalls []*node.Trade // at stalls the viewer holds
	Mine     []*node.Trade // the viewer's reservations
	Holder   bool
}

func (s *Server) tradesPage(c echo.Context) error {
	ctx := c.Request().Context()
	acc := account(c)
	ts, err := s.app.Trades(ctx, acc, data.TradeFilter{Limit: 300})
	if err != nil {
		return err
	}
	held, err := s.app.DB.Stalls(ctx, data.StallFilter{Holder: acc.ID, Limit: 50})
	if err != nil {
		return err
	}
	d := tradesPageData{Holder: len(held) > 0}
	// Open trades first, each list newest first.
	for _, open := range []bool{true, false} {
		for _, t := range ts {
			if t.Status.Open() != open {
				continue
			}
			if t.Buyer == acc.ID {
				d.Mine = append(d.Mine, t)
			} else {
				d.AtStalls = append(d.AtStalls, t)
			}
		}
	}
	return s.render(c, http.StatusOK, "trades", "trade.list", d)
}
