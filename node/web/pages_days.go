package web

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/node"
)

// Market days: their pages, the organiser's schedule, and the calendars.

// DayDate formats a market day's date in the page's language ("Sat 12 Dec",
// "12月12日 周六").
func (p *view) DayDate(d node.MarketDay) string {
	s := d.Start
	k := dateKey{p.Lang, s.Year(), s.Month(), s.Day()}
	if v, ok := p.s.dates.Load(k); ok {
		return v.(string)
	}
	out := p.loc.Date(s)
	if p.s.ndates.Add(1) <= maxDates { // dates within the horizon, in each language
		p.s.dates.Store(k, out)
	}
	return out
}

// dateKey is a date as DayDate formats it in a language.
type dateKey struct {
	lang string
	y    int
	m    time.Month
	d    int
}

// maxDates bounds the formatted dates the server remembers.
const maxDates = 4096

// Day formats a market day with its hours (and its name, if it has one).
func (p *view) Day(d node.MarketDay) string {
	out := p.DayDate(d) + " · " + d.Start.Format("15:04") + "–" + d.End.Format("15:04")
	if d.Label != "" {
		out += " · " + d.Label
	}
	return out
}

// Time formats an instant in the market's time zone and the page's language
// ("Sat 5 Dec, 14:30", "12月5日 周六 14:30").
func (p *view) Time(t time.Time) string {
	if p.zone == nil {
		return p.loc.DateTime(t.UTC())
	}
	return p.loc.DateTime(t.In(p.zone))
}

// TimeThere formats an instant in its own time zone (another market's, as
// it came) and the page's language: the market's own time of one of its days.
func (p *page) TimeThere(t time.Time) string { return p.loc.DateTime(t) }

// dayChoice is a market day offered in a form.
type dayChoice struct {
	node.MarketDay
	Checked bool
}

func choices(days []node.MarketDay, chosen ...string) []dayChoice {
	out := make([]dayChoice, 0, len(days))
	for _, d := range days {
		out = append(out, dayChoice{MarketDay: d, Checked: slices.Contains(chosen, d.Date)})
	}
	return out
}

type dayPageData struct {
	Day      node.MarketDay
	Open     bool
	Over     bool
	Stalls   []*node.Stall
	Items    []*node.Item
	Trades   []*node.Trade
	Upcoming []node.MarketDay
}

func (s *Server) dayPage(c echo.Context) error {
	ctx := c.Request().Context()
	day, err := s.app.MarketDay(ctx, c.Param("date"))
	if err != nil {
		return err
	}
	now := s.app.Now()
	d := dayPageData{Day: day, Open: day.OpenAt(now) && !day.Cancelled, Over: day.Over(now)}
	if d.Stalls, err = s.app.DayStalls(ctx, day.Date); err != nil {
		return err
	}
	if d.Items, err = s.app.DB.ItemsOn(ctx, day.Date, 48); err != nil {
		return err
	}
	if acc := account(c); acc != nil {
		if d.Trades, err = s.app.Trades(ctx, acc, data.TradeFilter{Day: day.Date}); err != nil {
			return err
		}
	}
	if d.Upcoming, err = s.app.UpcomingDays(ctx, 6); err != nil {
		return err
	}
	p, err := s.newPage(c, "", d)
	if err != nil {
		return err
	}
	p.Title = p.DayDate(day)
	return s.write(c, http.StatusOK, "day", p)
}

// icsDays are the market days a calendar lists: the last four weeks and
// what is scheduled ahead, cancelled ones marked.
func (s *Server) icsDays(c echo.Context) ([]node.MarketDay, *node.Market, error) {
	ctx := c.Request().Context()
	sched, loc, err := s.app.Calendar(ctx)
	if err != nil {
		return nil, nil, err
	}
	m, err := s.app.DB.Market(ctx)
	if err != nil {
		return nil, nil, err
	}
	now := s.app.Now()
	return sched.Days(loc, now.AddDate(0, 0, -28), now.Add(node.MarketDayHorizon)), m, nil
}

func (s *Server) writeICS(c echo.Context, name string, cal icsCalendar) error {
	c.Response().Header().Set("Cache-Control", "public, max-age=300")
	c.Response().Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename=%q`, name))
	return c.Blob(http.StatusOK, "text/calendar; charset=utf-8", cal.bytes())
}

// marketICS is the market's calendar: every market day.
func (s *Server) marketICS(c echo.Context) error {
	days, m, err := s.icsDays(c)
	if err != nil {
		return err
	}
	lang := s.lang(c, m)
	name, city := m.Name.In(lang, m.Languages...), m.City.In(lang, m.Languages...)
	cal := icsCalendar{Name: name, Timezone: m.Timezone, Stamp: s.app.Now()}
	for _, d := range days {
		summary := name
		if d.Label != "" {
			summary += " · " + d.Label
		}
		cal.Events = append(cal.Events, icsEvent{UID: d.Date + "@" + s.baseURL.Host, Start: d.Start, End: d.End, Summary: summary,
			Location: city, URL: s.abs(node.DayPath(d.Date)), Description: s.abs(node.DayPath(d.Date)), Cancelled: d.Cancelled})
	}
	return s.writeICS(c, "market.ics", cal)
}

// stallICS is one stall's calendar: the market days it comes to.
func (s *Server) stallICS(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := pathID(c, "stall")
	if err != nil {
		return err
	}
	st, err := s.app.DB.Stall(ctx, node.StallID(id))
	if err != nil {
		return err
	}
	days, m, err := s.icsDays(c)
	if err != nil {
		return err
	}
	dates, err := s.app.DB.StallDays(ctx, st.ID, s.app.Now().AddDate(0, 0, -29).Format(node.DateLayout))
	if err != nil {
		return err
	}
	lang := s.lang(c, m)
	name, city := m.Name.In(lang, m.Languages...), m.City.In(lang, m.Languages...)
	cal := icsCalendar{Name: st.Name + " · " + name, Timezone: m.Timezone, Stamp: s.app.Now()}
	for _, d := range days {
		if !slices.Contains(dates, d.Date) {
			continue
		}
		cal.Events = append(cal.Events, icsEvent{UID: fmt.Sprintf("%s-stall-%d@%s", d.Date, st.ID, s.baseURL.Host), Start: d.Start, End: d.End,
			Summary: st.Name + " · " + name, Location: city, URL: s.abs(node.StallPath(st.ID)), Description: s.abs(node.DayPath(d.Date)),
			Cancelled: d.Cancelled})
	}
	return s.writeICS(c, fmt.Sprintf("stall-%d.ics", st.ID), cal)
}

// adminSchedule changes one rule of the market's schedule from the
// organiser's form on /admin/market.
func (s *Server) adminSchedule(c echo.Context) error {
	ctx := c.Request().Context()
	sched, _, err := s.app.Calendar(ctx)
	if err != nil {
		return err
	}
	if err := changeSchedule(sched, c.FormValue("op"), c.FormValue); err != nil {
		return s.renderAdminMarket(c, 0, false, err)
	}
	if err := s.app.SetSchedule(ctx, account(c), sched); err != nil {
		return s.renderAdminMarket(c, 0, false, err)
	}
	return c.Redirect(http.StatusSeeOther, "/admin/market?saved=1#schedule")
}

// changeSchedule applies one form operation to sched: add (or replace) a
// weekly day or a date, cancel or restore a date, remove a rule.
func changeSchedule(sched *node.Schedule, op string, form func(string) string) error {
	hours := func() (node.Hours, error) {
		start, err := node.ParseClock(form("start"))
		if err != nil {
			return node.Hours{}, err
		}
		end, err := node.ParseClock(form("end"))
		return node.Hours{Start: start, End: end}, err
	}
	switch op {
	case "weekly", "remove_weekly":
		wd, err := node.ParseWeekday(form("weekday"))
		if err != nil {
			return err
		}
		sched.Weekly = slices.DeleteFunc(sched.Weekly, func(r node.WeeklyRule) bool { return r.Weekday == wd })
		if op == "weekly" {
			h, err := hours()
			if err != nil {
				return err
			}
			sched.Weekly = append(sched.Weekly, node.WeeklyRule{Weekday: wd, Hours: h, Label: form("label")})
		}
	case "date", "remove_date":
		date, err := node.ParseDate(form("date"))
		if err != nil {
			return err
		}
		sched.Dates = slices.DeleteFunc(sched.Dates, func(r node.DateRule) bool { return r.Date == date })
		if op == "date" {
			h, err := hours()
			if err != nil {
				return err
			}
			sched.Dates = append(sched.Dates, node.DateRule{Date: date, Hours: h, Label: form("label")})
		}
	case "cancel", "restore":
		date, err := node.ParseDate(form("date"))
		if err != nil {
			return err
		}
		sched.Cancelled = slices.DeleteFunc(sched.Cancelled, func(d string) bool { return d == date })
		if op == "cancel" {
			sched.Cancelled = append(sched.Cancelled, date)
		}
	default:
		return node.Errorf(node.EINVALID, "Unknown change %q.", strings.TrimSpace(op))
	}
	return nil
}

// weekdays are the choices of a weekday select, Monday first.
func weekdays() []time.Weekday {
	return []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}
}

// formDays are the market days ticked in a stall form (nil when the form
// has no market-day section).
func formDays(c echo.Context) []string {
	if c.FormValue("market_days_form") != "1" {
		return nil
	}
	params, err := c.FormParams()
	if err != nil {
		return nil
	}
	return params["market_days"]
}

// stallFormDays adds the upcoming market days, ticked when the stall comes
// (or when the posted form ticked them), to a stall form's data.
func (s *Server) stallFormDays(c echo.Context, st *node.Stall, d map[string]any) error {
	ctx := c.Request().Context()
	days, err := s.app.UpcomingDays(ctx, 16)
	if err != nil {
		return err
	}
	var ticked []string
	if c.FormValue("market_days_form") == "1" {
		ticked = formDays(c)
	} else if st.ID != 0 {
		comes, err := s.app.StallDays(ctx, st.ID)
		if err != nil {
			return err
		}
		for _, day := range comes {
			ticked = append(ticked, day.Date)
		}
	}
	d["Days"] = choices(days, ticked...)
	return nil
}

// saveStallDaysFromForm stores the market days ticked in a stall form; days
// further ahead than the form shows stay as they are.
func (s *Server) saveStallDaysFromForm(c echo.Context, id node.StallID) error {
	if c.FormValue("market_days_form") != "1" {
		return nil
	}
	ctx := c.Request().Context()
	shown, err := s.app.UpcomingDays(ctx, 16)
	if err != nil {
		return err
	}
	comes, err := s.app.StallDays(ctx, id)
	if err != nil {
		return err
	}
	dates := formDays(c)
	for _, d := range comes {
		if !slices.ContainsFunc(shown, func(x node.MarketDay) bool { return x.Date == d.Date }) {
			dates = append(dates, d.Date)
		}
	}
	_, err = s.app.SetStallDays(ctx, account(c), id, dates)
	return err
}

// saveItemDayFromForm stores the "I'll bring it on" choice of an item form.
func (s *Server) saveItemDayFromForm(c echo.Context, it *node.Item) error {
	if c.FormValue("bring_on_form") != "1" {
		return nil
	}
	day := c.FormValue("bring_on")
	if err := s.app.SetItemDay(c.Request().Context(), account(c), it.ID, day); err != nil {
		return err
	}
	it.BringOn = day
	return nil
}

// scheduleData adds the market's schedule and the coming days (cancelled
// ones too) to the organiser's market page.
func (s *Server) scheduleData(c echo.Context, d map[string]any) error {
	sched, loc, err := s.app.Calendar(c.Request().Context())
	if err != nil {
		return err
	}
	now := s.app.Now()
	d["Organiser"] = account(c).Role == node.RoleOrganiser
	d["Schedule"] = sched
	d["Coming"] = sched.Days(loc, now, now.AddDate(0, 0, 56))
	d["Weekdays"] = weekdays()
	d["Timezone"] = loc.String()
	return nil
}
