package web

import (
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
)

// alleysCSS serves one class per alley with its colour, so pages and the map
// legend can colour alleys without inline styles (the CSP forbids them).
func (s *Server) alleysCSS(c echo.Context) error {
	alleys, err := s.app.DB.Alleys(c.Request().Context())
	if err != nil {
		return err
	}
	var b strings.Builder
	for _, a := range alleys {
		fmt.Fprintf(&b, ".alley-%d{--alley:%s}\n", a.ID, a.Colour) // colours are validated as #rrggbb
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=60")
	return c.Blob(http.StatusOK, "text/css; charset=utf-8", []byte(b.String()))
}

type homeData struct {
	City         string
	Opening      string
	Description  template.HTML
	Configured   bool
	Setup        node.Setup // which parts of first-run setup are done
	Organiser    bool       // the viewer is the organiser (sees what setup lacks)
	CanHoldStall bool
	Alleys       []*node.Alley
	OpenStalls   []*node.Stall
	NewItems     []*node.Item
	Ambience     ambience
	Next         *app.NextDay       // the next market day, who comes, whom acc knows among them
	Links        []*node.MarketLink // the markets linked with this one (the world market)
}

func (s *Server) home(c echo.Context) error {
	ctx := c.Request().Context()
	m, err := s.app.DB.Market(ctx)
	if err != nil {
		return err
	}
	p, err := s.newPage(c, "", nil)
	if err != nil {
		return err
	}
	d := homeData{
		City:        m.City.In(p.Lang, m.Languages...),
		Opening:     m.Opening.In(p.Lang, m.Languages...),
		Description: s.cfg.Markdown.HTML(m.Description.In(p.Lang, m.Languages...)),
		Configured:  m.Configured,
	}
	if a := account(c); a != nil {
		d.CanHoldStall = a.Role != node.RoleResident
		d.Organiser = a.Role == node.RoleOrganiser
	}
	if d.Setup, err = s.app.SetupState(ctx); err != nil {
		return err
	}
	if d.Alleys, err = s.app.DB.Alleys(ctx); err != nil {
		return err
	}
	if d.OpenStalls, err = s.app.DB.Stalls(ctx, data.StallFilter{OpenToday: true, Limit: 12}); err != nil {
		return err
	}
	if d.NewItems, err = s.app.DB.Items(ctx, data.ItemFilter{Status: node.ItemAvailable, Limit: 12}); err != nil {
		return err
	}
	if d.Ambience, err = s.ambience(c); err != nil {
		return err
	}
	if d.Next, err = s.app.NextMarketDay(ctx, account(c)); err != nil {
		return err
	}
	if d.Links, err = s.linkedMarkets(c); err != nil {
		return err
	}
	p.Data = d
	return s.write(c, http.StatusOK, "home", p)
}

func (s *Server) alleyPage(c echo.Context) error {
	ctx := c.Request().Context()
	alleys, err := s.app.DB.Alleys(ctx)
	if err != nil {
		return err
	}
	var alley *node.Alley
	for _, a := range alleys {
		if a.Slug == c.Param("slug") {
			alley = a
		}
	}
	if alley == nil {
		return node.Errorf(node.ENOTFOUND, "There is no alley %q.", c.Param("slug"))
	}
	stalls, err := s.app.DB.Stalls(ctx, data.StallFilter{Alley: alley.ID})
	if err != nil {
		return err
	}
	items, err := s.app.DB.Items(ctx, data.ItemFilter{Alley: alley.ID, Status: node.ItemAvailable, Limit: 24})
	if err != nil {
		return err
	}
	p, err := s.newPage(c, "", map[string]any{"Alley": alley, "Stalls": stalls, "Items": items})
	if err != nil {
		return err
	}
	p.Title = p.Text(alley.Name)
	return s.write(c, http.StatusOK, "alley", p)
}

type stallRef struct {
	ID   node.StallID
	Name string
}

type stallPageData struct {
	Stall      *node.Stall
	Alley      *node.Alley
	Story      template.HTML
	Holders    []*node.Account
	Items      []*node.Item
	CanEdit    bool
	Neighbours *struct{ Prev, Next *stallRef }
	Thread     *threadData
	Days       []node.MarketDay // upcoming market days it comes to
	Notes      []node.Note      // thank-you notes residents left
	Following  bool
	Followers  int
	Acct       string // stall-ID@host: how to follow it from Mastodon
}

func (s *Server) stallPage(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := pathID(c, "stall")
	if err != nil {
		return err
	}
	st, err := s.app.DB.Stall(ctx, node.StallID(id))
	if err != nil {
		return err
	}
	switch {
	case st.MovedTo != "": // it moved to another market (docs/trust.md)
		return c.Redirect(http.StatusMovedPermanently, st.MovedTo)
	case st.Gone:
		return node.Errorf(node.EGONE, "This stall has closed.")
	}
	d := stallPageData{Stall: st, Story: s.cfg.Markdown.HTML(st.Story), CanEdit: st.CanEdit(account(c)),
		Acct: s.acct(node.StallHandle(st.ID))}
	alleys, err := s.app.DB.Alleys(ctx)
	if err != nil {
		return err
	}
	for _, a := range alleys {
		if a.ID == st.Alley {
			d.Alley = a
		}
	}
	for _, h := range st.Holders {
		if a, err := s.app.DB.Account(ctx, h); err == nil {
			d.Holders = append(d.Holders, a)
		}
	}
	f := data.ItemFilter{Stall: st.ID, Status: node.ItemAvailable, Limit: 200}
	if d.CanEdit {
		f.Status = "" // the stall's own people see reserved and gone items too
	}
	if d.Items, err = s.app.DB.Items(ctx, f); err != nil {
		return err
	}
	if d.Neighbours, err = s.neighbours(c, st); err != nil {
		return err
	}
	if d.Thread, err = s.threadFor(c, 0, st.ID); err != nil {
		return err
	}
	if d.Days, err = s.app.StallDays(ctx, st.ID); err != nil {
		return err
	}
	if d.Notes, err = s.app.DB.Notes(ctx, data.NoteFilter{Stall: st.ID, Limit: 30}); err != nil {
		return err
	}
	var viewer node.AccountID
	if a := account(c); a != nil {
		viewer = a.ID
	}
	if d.Following, d.Followers, err = s.app.DB.Follows(ctx, viewer, st.ID); err != nil {
		return err
	}
	p, err := s.newPage(c, "", d)
	if err != nil {
		return err
	}
	p.Title = st.Name
	return s.write(c, http.StatusOK, "stall", p)
}

type itemPageData struct {
	Item     *node.Item
	Story    template.HTML
	CanEdit  bool
	Thread   *threadData
	BringOn  *node.MarketDay // the day the stall brings it, if it says
	Reserve  *reserveForm    // for a signed-in resident, when the stall comes on some day
	MyTrades []*node.Trade   // the viewer's trades of this item, or all of them for its stall
	// Likes and Boosts: from people on other servers (the fediverse).
	Likes, Boosts int
	Pinned        bool   // to the top of its stall (and its featured collection)
	Warning       string // the content warning other servers show, when editing
}

func (s *Server) itemPage(c echo.Context) error {
	return s.renderItem(c, http.StatusOK, &reserveForm{Quantity: 1}, "")
}

// renderItem writes an item's page; form is the reservation form's state,
// chosen the market day chosen in it.
func (s *Server) renderItem(c echo.Context, status int, form *reserveForm, chosen string) error {
	ctx := c.Request().Context()
	id, err := pathID(c, "item")
	if err != nil {
		return err
	}
	it, err := s.app.DB.Item(ctx, node.ItemID(id))
	if err != nil {
		return err
	}
	st, err := s.app.DB.Stall(ctx, it.Stall)
	if err != nil {
		return err
	}
	thread, err := s.threadFor(c, it.ID, it.Stall)
	if err != nil {
		return err
	}
	d := itemPageData{Item: it, Story: s.cfg.Markdown.HTML(it.Story), CanEdit: st.CanEdit(account(c)), Thread: thread}
	if d.Likes, d.Boosts, err = s.app.DB.Reactions(ctx, it.ID); err != nil {
		return err
	}
	if d.Pinned, err = s.app.DB.IsPinned(ctx, it.ID); err != nil {
		return err
	}
	if d.CanEdit {
		if d.Warning, err = s.app.DB.ItemWarning(ctx, it.ID); err != nil {
			return err
		}
	}
	days, err := s.app.StallDays(ctx, st.ID)
	if err != nil {
		return err
	}
	for i := range days {
		if days[i].Date == it.BringOn {
			d.BringOn = &days[i]
		}
	}
	if acc := account(c); acc != nil {
		f := data.TradeFilter{Item: it.ID, Limit: 50}
		if !st.HeldBy(acc.ID) {
			f.Buyer = acc.ID
		}
		if d.MyTrades, err = s.app.Trades(ctx, acc, f); err != nil {
			return err
		}
		if !st.HeldBy(acc.ID) {
			if chosen == "" {
				chosen = it.BringOn
			}
			form.Days, form.Max = choices(days, chosen), it.Available()
			d.Reserve = form
		}
	}
	p, err := s.newPage(c, "", d)
	if err != nil {
		return err
	}
	p.Title = it.Title
	return s.write(c, status, "item", p)
}

type mapCell struct {
	ID          node.StallID
	Name, Short string
	Colour      string
	X, Y, Size  int
	TX, TY      int
	Open        bool
}

// mapPage draws the floor plan as SVG: one square per placed stall, coloured
// by alley, each a link to the stall.
func (s *Server) mapPage(c echo.Context) error {
	ctx := c.Request().Context()
	w, h, err := s.app.DB.FloorPlan(ctx)
	if err != nil {
		return err
	}
	alleys, err := s.app.DB.Alleys(ctx)
	if err != nil {
		return err
	}
	colour := map[node.AlleyID]string{}
	for _, a := range alleys {
		colour[a.ID] = a.Colour
	}
	stalls, err := s.app.DB.Stalls(ctx, data.StallFilter{Limit: 100000})
	if err != nil {
		return err
	}
	const cell, gap = 56, 6
	var cells []mapCell
	unplaced := 0
	for _, st := range stalls {
		if st.Spot == nil {
			unplaced++
			continue
		}
		x, y := st.Spot.X*(cell+gap)+gap, st.Spot.Y*(cell+gap)+gap
		short := st.Name
		if utf8.RuneCountInString(short) > 4 {
			short = string([]rune(short)[:4])
		}
		cells = append(cells, mapCell{ID: st.ID, Name: st.Name, Short: short, Colour: colour[st.Alley],
			X: x, Y: y, Size: cell, TX: x + cell/2, TY: y + cell/2 + 4, Open: st.OpenToday})
	}
	return s.render(c, http.StatusOK, "map", "map.title", map[string]any{
		"W": w*(cell+gap) + gap, "H": h*(cell+gap) + gap, "Cells": cells, "Alleys": alleys, "Unplaced": unplaced,
	})
}

type searchPageData struct {
	Q, Alley, Min, Max, Status string
	Statuses                   []node.ItemStatus
	Alleys                     []*node.Alley
	Items                      []*node.Item
	Stalls                     []*node.Stall
	Searched                   bool
	Error                      string
}

func (s *Server) searchPage(c echo.Context) error {
	ctx := c.Request().Context()
	d := searchPageData{Q: c.QueryParam("q"), Alley: c.QueryParam("alley"), Min: c.QueryParam("min"), Max: c.QueryParam("max"),
		Status:   c.QueryParam("status"),
		Statuses: []node.ItemStatus{node.ItemAvailable, node.ItemReserved, node.ItemGone}}
	if d.Status == "" {
		d.Status = string(node.ItemAvailable)
	}
	var err error
	if d.Alleys, err = s.app.DB.Alleys(ctx); err != nil {
		return err
	}
	status := http.StatusOK
	if _, present := c.QueryParams()["q"]; present {
		q, err := s.searchQuery(c)
		if err == nil {
			d.Items, d.Stalls, err = s.app.Search(ctx, q)
		}
		if err != nil {
			var msg string
			status, msg = s.explain(c, err)
			if status >= 500 {
				return err
			}
			d.Error = msg
		} else {
			d.Searched = true
		}
	}
	return s.render(c, status, "search", "search.title", d)
}
