package web

import (
	"fmt"
	template "github.com/shiji-market/shiji/internal/template/html"
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
	snap, err := s.app.Snapshot(c.Request().Context())
	if err != nil {
		return err
	}
	var b strings.Builder
	for _, a := range snap.Alleys {
		fmt.Fprintf(&b, ".alley-%d{--alley:%s}\n", a.ID, a.Colour) // colours are validated as #rrggbb
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=60")
	return c.Blob(http.StatusOK, "text/css; charset=utf-8", []byte(b.String()))
}

type homeData struct {
	City         string
	Opening      string
	Configured   bool
	Setup        node.Setup // which parts of first-run setup are done
	Organiser    bool       // the viewer is the organiser (sees what setup lacks)
	CanHoldStall bool
	Alleys       []*node.Alley
	OpenStalls   []*node.Stall
	Ambience     ambience
	Next         *app.NextDay       // the next market day, who comes, whom acc knows among them
	Links        []*node.MarketLink // the markets linked with this one (the world market)

	description string
	md          func(string) template.HTML
	newItems    func() ([]*node.Item, error)
}

// Description is the market's description as HTML, rendered when a template
// asks (the shared fragment that shows it is usually cached).
func (d *homeData) Description() template.HTML { return d.md(d.description) }

// NewItems are the newest items on the tables, read when a template asks.
func (d *homeData) NewItems() ([]*node.Item, error) { return d.newItems() }

func (s *Server) home(c echo.Context) error {
	ctx := c.Request().Context()
	snap, err := s.app.Snapshot(ctx)
	if err != nil {
		return err
	}
	m := snap.Market
	p, err := s.newPage(c, "", nil)
	if err != nil {
		return err
	}
	d := &homeData{
		City:        m.City.In(p.Lang, m.Languages...),
		Opening:     m.Opening.In(p.Lang, m.Languages...),
		Configured:  m.Configured,
		Alleys:      snap.Alleys,
		OpenStalls:  snap.OpenStalls(12),
		description: m.Description.In(p.Lang, m.Languages...), md: s.cfg.Markdown.HTML,
		newItems: func() ([]*node.Item, error) {
			return s.listing(c, data.ItemFilter{Status: node.ItemAvailable, Limit: 12})
		},
	}
	if a := account(c); a != nil {
		d.CanHoldStall = a.Role != node.RoleResident
		d.Organiser = a.Role == node.RoleOrganiser
	}
	if d.Setup, err = s.app.SetupState(ctx); err != nil {
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
	// What linked markets show moves the Pages version (migration 0061);
	// their next days end with time: the kept page ends with the first.
	for _, l := range d.Links {
		if l.NextDay != nil {
			keepUntil(c, l.NextDay.End)
		}
	}
	p.Data = d
	return s.write(c, http.StatusOK, "home", p)
}

func (s *Server) alleyPage(c echo.Context) error {
	ctx := c.Request().Context()
	snap, err := s.app.Snapshot(ctx)
	if err != nil {
		return err
	}
	var alley *node.Alley
	for _, a := range snap.Alleys {
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
	items, err := s.listing(c, data.ItemFilter{Alley: alley.ID, Status: node.ItemAvailable, Limit: 24})
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

// search runs a search (or takes what it found from the search cache), the
// items from the item cache or one query. The stalls are shared: read only.
func (s *Server) search(c echo.Context, q data.SearchQuery) ([]*node.Item, []*node.Stall, error) {
	var ids []node.ItemID
	var stalls []*node.Stall
	gen, key := pagesVersion(c), searchKey(q)
	if hit, ok := s.searches.get(gen, key); ok {
		ids, stalls = hit.ids, hit.stalls
	} else {
		var err error
		if ids, stalls, err = s.app.DB.SearchIDs(c.Request().Context(), q); err != nil {
			return nil, nil, err
		}
		s.searches.put(gen, key, ids, stalls)
	}
	items, err := s.loadItems(c, ids)
	return items, stalls, err
}

// listing returns the items a listing shows, newest first: their ids from
// an index, the items from the item cache or one query.
func (s *Server) listing(c echo.Context, f data.ItemFilter) ([]*node.Item, error) {
	ids, err := s.app.DB.ItemIDs(c.Request().Context(), f)
	if err != nil {
		return nil, err
	}
	return s.loadItems(c, ids)
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
	snap, err := s.app.Snapshot(c.Request().Context())
	if err != nil {
		return err
	}
	w, h, alleys, stalls := snap.FloorW, snap.FloorH, snap.Alleys, snap.Stalls
	colour := map[node.AlleyID]string{}
	for _, a := range alleys {
		colour[a.ID] = a.Colour
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
	snap, err := s.app.Snapshot(ctx)
	if err != nil {
		return err
	}
	d.Alleys = snap.Alleys
	status := http.StatusOK
	if _, present := c.QueryParams()["q"]; present {
		q, err := s.searchQuery(c)
		if err == nil {
			d.Items, d.Stalls, err = s.search(c, q)
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
