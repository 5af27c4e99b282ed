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
	"github.com/shiji-market/shiji/node/i18n"
)

// The API of market days, trades (交易), thank-you notes, follows and whom
// one met (重逢).

type dayJSON struct {
	ID        string    `json:"id"` // the date: a market day's id
	Date      string    `json:"date"`
	Start     time.Time `json:"start"` // in the market's zone
	End       time.Time `json:"end"`
	Label     string    `json:"label,omitempty"`
	Cancelled bool      `json:"cancelled,omitempty"`
	URL       string    `json:"url"`
}

func (s *Server) dayJSON(d node.MarketDay) dayJSON {
	return dayJSON{ID: d.Date, Date: d.Date, Start: d.Start, End: d.End, Label: d.Label, Cancelled: d.Cancelled, URL: s.abs(node.DayPath(d.Date))}
}

func (s *Server) apiMarketDays(c echo.Context) error {
	limit := 20
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			return node.Errorf(node.EINVALID, "\"limit\" must be a number from 1 to 200.")
		}
		limit = n
	}
	days, err := s.app.UpcomingDays(c.Request().Context(), limit)
	if err != nil {
		return err
	}
	out := make([]dayJSON, 0, len(days))
	for _, d := range days {
		out = append(out, s.dayJSON(d))
	}
	return c.JSON(http.StatusOK, map[string]any{"days": out})
}

func (s *Server) apiMarketDay(c echo.Context) error {
	ctx := c.Request().Context()
	day, err := s.app.MarketDay(ctx, c.Param("date"))
	if err != nil {
		return err
	}
	stalls, err := s.app.DayStalls(ctx, day.Date)
	if err != nil {
		return err
	}
	refs := make([]stallRefJSON, 0, len(stalls))
	for _, st := range stalls {
		refs = append(refs, stallRefJSON{ID: st.ID, Name: st.Name, URL: s.abs(node.StallPath(st.ID))})
	}
	return c.JSON(http.StatusOK, map[string]any{"day": s.dayJSON(day), "stalls": refs})
}

type hoursJSON struct {
	Weekday string `json:"weekday,omitempty"`
	Date    string `json:"date,omitempty"`
	Start   string `json:"start"`
	End     string `json:"end"`
	Label   string `json:"label"`
}

type scheduleJSON struct {
	Timezone  string      `json:"timezone,omitempty"`
	Weekly    []hoursJSON `json:"weekly"`
	Dates     []hoursJSON `json:"dates"`
	Cancelled []string    `json:"cancelled"`
}

func (s *Server) apiSchedule(c echo.Context) error {
	ctx := c.Request().Context()
	if c.Request().Method == http.MethodPut {
		var in scheduleJSON
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
		sched, err := parseScheduleJSON(in)
		if err != nil {
			return err
		}
		if err := s.app.SetSchedule(ctx, account(c), sched); err != nil {
			return err
		}
	}
	sched, loc, err := s.app.Calendar(ctx)
	if err != nil {
		return err
	}
	out := scheduleJSON{Timezone: loc.String(), Weekly: []hoursJSON{}, Dates: []hoursJSON{}, Cancelled: sched.Cancelled}
	for _, r := range sched.Weekly {
		out.Weekly = append(out.Weekly, hoursJSON{Weekday: strings.ToLower(r.Weekday.String()), Start: r.Start.String(), End: r.End.String(), Label: r.Label})
	}
	for _, r := range sched.Dates {
		out.Dates = append(out.Dates, hoursJSON{Date: r.Date, Start: r.Start.String(), End: r.End.String(), Label: r.Label})
	}
	if out.Cancelled == nil {
		out.Cancelled = []string{}
	}
	return c.JSON(http.StatusOK, out)
}

func parseScheduleJSON(in scheduleJSON) (*node.Schedule, error) {
	hours := func(h hoursJSON) (node.Hours, error) {
		start, err := node.ParseClock(h.Start)
		if err != nil {
			return node.Hours{}, err
		}
		end, err := node.ParseClock(h.End)
		return node.Hours{Start: start, End: end}, err
	}
	sched := &node.Schedule{Cancelled: in.Cancelled}
	for _, w := range in.Weekly {
		day, err := node.ParseWeekday(w.Weekday)
		if err != nil {
			return nil, err
		}
		h, err := hours(w)
		if err != nil {
			return nil, err
		}
		sched.Weekly = append(sched.Weekly, node.WeeklyRule{Weekday: day, Hours: h, Label: w.Label})
	}
	for _, d := range in.Dates {
		h, err := hours(d)
		if err != nil {
			return nil, err
		}
		sched.Dates = append(sched.Dates, node.DateRule{Date: d.Date, Hours: h, Label: d.Label})
	}
	return sched, nil
}

type noteJSON struct {
	ID        int64         `json:"id"`
	Trade     node.TradeID  `json:"trade"`
	Side      node.NoteSide `json:"side"`
	Author    string        `json:"author"`
	Body      string        `json:"body"`
	Stall     stallRefJSON  `json:"stall"`
	Buyer     string        `json:"buyer"`
	Item      string        `json:"item"`
	CreatedAt time.Time     `json:"created_at"`
}

func (s *Server) noteJSON(n node.Note) noteJSON {
	return noteJSON{ID: n.ID, Trade: n.Trade, Side: n.Side, Author: n.AuthorName, Body: n.Body, Buyer: n.BuyerName, Item: n.ItemTitle,
		Stall: stallRefJSON{ID: n.Stall, Name: n.StallName, URL: s.abs(node.StallPath(n.Stall))}, CreatedAt: n.CreatedAt}
}

type tradeEventJSON struct {
	Status     node.TradeStatus `json:"status"`
	By         string           `json:"by"` // "" when the market itself (expiry)
	Reason     string           `json:"reason,omitempty"`
	ReasonCode string           `json:"reason_code,omitempty"`
	At         time.Time        `json:"at"`
}

type tradeJSON struct {
	ID              node.TradeID        `json:"id"`
	Status          node.TradeStatus    `json:"status"`
	Item            itemRefJSON         `json:"item"`
	Stall           stallRefJSON        `json:"stall"`
	Buyer           string              `json:"buyer"`
	Quantity        int                 `json:"quantity"`
	MarketDay       string              `json:"market_day"`
	StartsAt        time.Time           `json:"starts_at"`
	ClosesAt        time.Time           `json:"closes_at"`
	ExpiresAt       time.Time           `json:"expires_at"`
	Message         string              `json:"message"`
	Reason          string              `json:"reason,omitempty"`      // in the reader's language when the market gave it
	ReasonCode      string              `json:"reason_code,omitempty"` // "sold_out" when the market gave the reason
	Conversation    node.ConversationID `json:"conversation"`
	ConversationURL string              `json:"conversation_url"`
	Remote          *tradeRemoteJSON    `json:"remote,omitempty"` // the side on another market, if any
	Events          []tradeEventJSON    `json:"events,omitempty"`
	Notes           []noteJSON          `json:"notes,omitempty"`
	URL             string              `json:"url"`
	CreatedAt       time.Time           `json:"created_at"`
	UpdatedAt       time.Time           `json:"updated_at"`
}

type itemRefJSON struct {
	ID    node.ItemID `json:"id"`
	Title string      `json:"title"`
	URL   string      `json:"url"`
	APID  string      `json:"ap_id,omitempty"` // an item on another market: its ActivityPub id
}

// tradeRemoteJSON is the side of a trade that is on another market.
type tradeRemoteJSON struct {
	Side      node.TradeSide `json:"side"` // "buyer" or "stall": which side is elsewhere
	Actor     string         `json:"actor"`
	Acct      string         `json:"acct"`
	Name      string         `json:"name,omitempty"`
	Offer     string         `json:"offer"`
	Agreement string         `json:"agreement,omitempty"`
}

// tradeJSON is trade t for the API; a reason the market gave (a code) is
// in loc's language.
func (s *Server) tradeJSON(loc *i18n.Localizer, t *node.Trade) tradeJSON {
	out := tradeJSON{ID: t.ID, Status: t.Status, Buyer: t.BuyerName, Quantity: t.Quantity, MarketDay: t.Day,
		Item:     itemRefJSON{ID: t.Item, Title: t.ItemTitle, URL: s.abs(node.ItemPath(t.Item))},
		Stall:    stallRefJSON{ID: t.Stall, Name: t.StallName, URL: s.abs(node.StallPath(t.Stall))},
		StartsAt: t.StartsAt, ClosesAt: t.ClosesAt, ExpiresAt: t.ExpiresAt(s.app.TradeGrace), Message: t.Message,
		Reason: reasonIn(loc, t.Reason, t.ReasonCode), ReasonCode: t.ReasonCode,
		Conversation: t.Conversation, URL: s.abs(node.TradePath(t.ID)), CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
	if r := t.Remote; r != nil {
		out.Remote = &tradeRemoteJSON{Side: r.Side, Actor: r.Actor, Acct: r.Name, Name: r.Shown, Offer: r.Offer, Agreement: r.Agreement}
		if r.Side == node.RemoteStall {
			out.Item = itemRefJSON{Title: t.ItemTitle, URL: r.ItemURL, APID: r.ItemIRI}
			out.Stall = stallRefJSON{Name: t.StallName, URL: r.Actor}
		}
	}
	if t.Conversation != 0 {
		out.ConversationURL = s.abs("/conversations/" + strconv.FormatInt(int64(t.Conversation), 10))
	}
	for _, ev := range t.Events {
		out.Events = append(out.Events, tradeEventJSON{Status: ev.Status, By: ev.ActorName,
			Reason: reasonIn(loc, ev.Reason, ev.ReasonCode), ReasonCode: ev.ReasonCode, At: ev.At})
	}
	for _, n := range t.Notes {
		out.Notes = append(out.Notes, s.noteJSON(n))
	}
	return out
}

func tradeID(c echo.Context) (node.TradeID, error) {
	id, err := pathID(c, "trade")
	return node.TradeID(id), err
}

func (s *Server) apiReserve(c echo.Context) error {
	id, err := pathID(c, "item")
	if err != nil {
		return err
	}
	var in struct {
		Quantity  *int   `json:"quantity"`
		MarketDay string `json:"market_day"`
		Message   string `json:"message"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	q := 1
	if in.Quantity != nil {
		q = *in.Quantity
	}
	t, err := s.app.Reserve(c.Request().Context(), account(c), node.ItemID(id), app.ReserveInput{Quantity: q, Day: in.MarketDay, Message: in.Message})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, s.tradeJSON(s.localizer(c), t))
}

func (s *Server) apiTrade(c echo.Context) error {
	id, err := tradeID(c)
	if err != nil {
		return err
	}
	t, _, err := s.app.Trade(c.Request().Context(), account(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.tradeJSON(s.localizer(c), t))
}

func (s *Server) apiTrades(c echo.Context) error {
	f := data.TradeFilter{Limit: 200}
	if st := c.QueryParam("status"); st != "" {
		for _, v := range strings.Split(st, ",") {
			f.Status = append(f.Status, node.TradeStatus(strings.TrimSpace(v)))
		}
	}
	ts, err := s.app.Trades(c.Request().Context(), account(c), f)
	if err != nil {
		return err
	}
	out := make([]tradeJSON, 0, len(ts))
	for _, t := range ts {
		out = append(out, s.tradeJSON(s.localizer(c), t))
	}
	return c.JSON(http.StatusOK, map[string]any{"trades": out})
}

// apiTradeStep: POST /api/v1/trades/{id}/accept|decline|handover|confirm|cancel.
func (s *Server) apiTradeStep(c echo.Context) error {
	id, err := tradeID(c)
	if err != nil {
		return err
	}
	var in struct {
		Reason string `json:"reason"`
	}
	if c.Request().ContentLength != 0 {
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
	}
	t, err := s.tradeStep(c, id, c.Param("action"), in.Reason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.tradeJSON(s.localizer(c), t))
}

// tradeStep runs the named step as the signed-in account.
func (s *Server) tradeStep(c echo.Context, id node.TradeID, action, reason string) (*node.Trade, error) {
	ctx, acc := c.Request().Context(), account(c)
	switch action {
	case "accept":
		return s.app.AcceptTrade(ctx, acc, id)
	case "decline":
		return s.app.DeclineTrade(ctx, acc, id, reason)
	case "handover":
		return s.app.HandOverTrade(ctx, acc, id)
	case "confirm":
		return s.app.ConfirmTrade(ctx, acc, id)
	case "cancel":
		return s.app.CancelTrade(ctx, acc, id, reason)
	}
	return nil, node.Errorf(node.ENOTFOUND, "Unknown step %q: use accept, decline, handover, confirm or cancel.", action)
}

func (s *Server) apiNote(c echo.Context) error {
	id, err := tradeID(c)
	if err != nil {
		return err
	}
	var in struct {
		Body string `json:"body"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	n, err := s.app.LeaveNote(c.Request().Context(), account(c), id, in.Body)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, s.noteJSON(*n))
}

func (s *Server) apiStallNotes(c echo.Context) error {
	id, err := pathID(c, "stall")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if _, err := s.app.DB.Stall(ctx, node.StallID(id)); err != nil {
		return err
	}
	ns, err := s.app.DB.Notes(ctx, data.NoteFilter{Stall: node.StallID(id)})
	if err != nil {
		return err
	}
	out := make([]noteJSON, 0, len(ns))
	for _, n := range ns {
		out = append(out, s.noteJSON(n))
	}
	return c.JSON(http.StatusOK, map[string]any{"notes": out})
}

// apiFollow: POST (follow) and DELETE (unfollow) /api/v1/stalls/{id}/follow.
func (s *Server) apiFollow(c echo.Context) error {
	id, err := pathID(c, "stall")
	if err != nil {
		return err
	}
	if err := s.app.Follow(c.Request().Context(), account(c), node.StallID(id), c.Request().Method == http.MethodPost); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) apiMet(c echo.Context) error {
	ctx := c.Request().Context()
	met, err := s.app.Met(ctx, account(c))
	if err != nil {
		return err
	}
	type timeJSON struct {
		Kind   string           `json:"kind"` // trade, chat, asked
		Status node.TradeStatus `json:"status,omitempty"`
		Item   string           `json:"item,omitempty"`
		Trade  node.TradeID     `json:"trade,omitempty"`
		At     time.Time        `json:"at"`
	}
	type elsewhereJSON struct { // a stall or person met on another market
		Actor string `json:"actor"`
		Acct  string `json:"acct"`
		Name  string `json:"name,omitempty"`
	}
	type entryJSON struct {
		Stall  *stallRefJSON  `json:"stall,omitempty"`
		Name   string         `json:"name,omitempty"`
		Remote *elsewhereJSON `json:"remote,omitempty"`
		Last   time.Time      `json:"last"`
		Count  int            `json:"count"`
		Times  []timeJSON     `json:"times"`
	}
	conv := func(es []*app.MetEntry) []entryJSON {
		out := make([]entryJSON, 0, len(es))
		for _, e := range es {
			j := entryJSON{Last: e.Last, Count: e.Count, Name: e.Name}
			if e.Remote != "" {
				j.Remote = &elsewhereJSON{Actor: e.Remote, Acct: e.Name, Name: e.Shown}
			} else if e.Person == 0 {
				j.Stall = &stallRefJSON{ID: e.Stall, Name: e.StallName, URL: s.abs(node.StallPath(e.Stall))}
			}
			for _, t := range e.Times {
				j.Times = append(j.Times, timeJSON{Kind: t.Kind, Status: t.Status, Item: t.ItemTitle, Trade: t.Trade, At: t.At})
			}
			out = append(out, j)
		}
		return out
	}
	following, err := s.app.DB.FollowedStalls(ctx, account(c).ID)
	if err != nil {
		return err
	}
	refs := make([]stallRefJSON, 0, len(following))
	for _, st := range following {
		refs = append(refs, stallRefJSON{ID: st.ID, Name: st.Name, URL: s.abs(node.StallPath(st.ID))})
	}
	return c.JSON(http.StatusOK, map[string]any{"stalls": conv(met.Stalls), "people": conv(met.People), "following": refs})
}

// reasonIn is a trade's reason for a reader of loc: the text of its code
// (trade.reason.CODE) when the market gave it, else the words as written.
func reasonIn(loc *i18n.Localizer, reason, code string) string {
	if code == "" {
		return reason
	}
	return loc.T("trade.reason." + code)
}
