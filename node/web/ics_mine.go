package web

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
)

// A person's own calendar: the hand-overs of their reservations (and, for a
// stallholder, of the reservations at their stalls), at a private token URL
// a calendar app subscribes to (/calendars/TOKEN.ics). The link is shown on
// /account/app, where it can be reset.

// myCalendarPath is the address of a calendar token.
func myCalendarPath(tok string) string { return "/calendars/" + tok + ".ics" }

func (s *Server) myCalendar(c echo.Context) error {
	ctx := c.Request().Context()
	tok, ok := strings.CutSuffix(c.Param("file"), ".ics")
	if !ok || tok == "" {
		return echo.ErrNotFound
	}
	acc, err := s.app.DB.CalendarAccount(ctx, tok)
	if err != nil {
		return err
	}
	m, err := s.app.DB.Market(ctx)
	if err != nil {
		return err
	}
	lang := s.cfg.Catalog.Match(m.Languages[0], acc.Lang)
	loc := s.cfg.Catalog.Localizer(lang)
	trades, err := s.app.Trades(ctx, acc, data.TradeFilter{Party: acc.ID, Limit: 500,
		Status: []node.TradeStatus{node.TradeRequested, node.TradeAccepted, node.TradeHandedOver}})
	if err != nil {
		return err
	}
	name := m.Name.In(lang, m.Languages...)
	cal := icsCalendar{Name: loc.T("calendar.mine.name", "Market", name), Timezone: m.Timezone, Stamp: s.app.Now()}
	for _, t := range trades {
		args := []any{"Item", t.ItemTitle, "N", t.Quantity, "Stall", t.StallName, "Buyer", "@" + t.BuyerName}
		summary := loc.T("calendar.mine.pickup", args...)
		if t.Buyer != acc.ID {
			summary = loc.T("calendar.mine.handover", args...)
		}
		if t.Status == node.TradeRequested {
			summary += " " + loc.T("calendar.mine.waiting")
		}
		cal.Events = append(cal.Events, icsEvent{UID: fmt.Sprintf("trade-%d@%s", t.ID, s.baseURL.Host),
			Start: t.StartsAt, End: t.ClosesAt, Summary: summary, Location: m.City.In(lang, m.Languages...) + " · " + name,
			URL: s.abs(node.TradePath(t.ID)), Description: t.Message})
	}
	c.Response().Header().Set("Cache-Control", "private, max-age=300")
	c.Response().Header().Set("Content-Disposition", `inline; filename="hand-overs.ics"`)
	return c.Blob(http.StatusOK, "text/calendar; charset=utf-8", cal.bytes())
}

type appPageData struct {
	Calendar string // the personal calendar's URL
	Push     *pushPageData
	Saved    string
}

// appPage is /account/app: the calendar link, notifications on this and
// other devices.
func (s *Server) appPage(c echo.Context) error {
	ctx := c.Request().Context()
	acc := account(c)
	tok, err := s.app.DB.CalendarToken(ctx, acc.ID, false, func() string { return app.NewToken(20) })
	if err != nil {
		return err
	}
	d := appPageData{Calendar: s.abs(myCalendarPath(tok)), Saved: c.QueryParam("saved")}
	if d.Push, err = s.pushPageData(c); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "app", "app.title", d)
}

// resetCalendar gives the account a new calendar link; the old one stops
// working.
func (s *Server) resetCalendar(c echo.Context) error {
	if _, err := s.app.DB.CalendarToken(c.Request().Context(), account(c).ID, true, func() string { return app.NewToken(20) }); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/account/app?saved=calendar#calendar")
}
