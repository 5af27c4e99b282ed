package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
)

// The world market's pages (世界市集): the world stroll (/world/wander), the
// linked markets on the world page with the organiser's link forms and a
// resident's hide/show, and the calendar of the linked markets' days.

// worldStrollData is the world stroll page.
type worldStrollData struct {
	Title      string
	Items      []worldCard
	Seed       uint64
	Page, Next int
	Market     string // "" for the world, "here", or a link's id
	Link       *node.MarketLink
	Here       string // this market's name, for "this market only"
	Links      []*node.MarketLink
	Hidden     int // markets the reader hides
}

// worldCard is an item of the world stroll, ready for the page.
type worldCard struct {
	*node.WorldItem
	Page      string // where the card links: the item's page here, or on its market
	Thumb     string
	Price     string // shown as is; "" when none is asked
	LocalTime string // the market's local time now
	Walk      string // "walk this market"
	External  bool   // the item's page is on another market
}

// worldCards prepares a page's items; p gives the language and time.
func (s *Server) worldCards(p *page, items []*node.WorldItem, seed uint64) []worldCard {
	now := s.app.Now()
	out := make([]worldCard, 0, len(items))
	for _, it := range items {
		c := worldCard{WorldItem: it, LocalTime: now.In(it.Market.Location()).Format("15:04")}
		if it.Local != nil {
			c.Page = node.ItemPath(it.Local.ID)
			if len(it.Local.Photos) > 0 {
				c.Thumb = node.PhotoPath(it.Local.Photos[0], "s")
				c.ThumbW, c.ThumbH = it.Local.Photos[0].Width, it.Local.Photos[0].Height
				c.Alt = it.Local.Photos[0].Alt
			}
			c.Price = p.Price(it.Local.Price)
			c.StallName, c.StallURL = it.Local.StallName, node.StallPath(it.Local.Stall)
			c.Walk = fmt.Sprintf("/world/wander?market=here&seed=%d", seed)
		} else {
			c.Page, c.Thumb, c.External = it.URL, it.Thumb, true
			if it.Price != nil {
				c.Price = p.Price(it.Price)
			}
			c.Walk = fmt.Sprintf("/world/wander?market=%d&seed=%d", it.Market.Link, seed)
		}
		out = append(out, c)
	}
	return out
}

// worldMarketParam reads ?market= ("", "here" or a link's id).
func worldMarketParam(c echo.Context) (node.LinkID, string, error) {
	return parseWorldMarket(c.QueryParam("market"))
}

// parseWorldMarket reads a market choice: "" (or "all") is the whole world,
// "here" this market alone, a number a linked market alone.
func parseWorldMarket(v string) (node.LinkID, string, error) {
	v = strings.TrimSpace(v)
	switch v {
	case "", "all":
		return 0, "", nil
	case "here":
		return app.Here, "here", nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, "", node.Errorf(node.EINVALID, "\"market\" must be \"here\" or the number of a linked market.")
	}
	return node.LinkID(n), v, nil
}

// worldStrollPage: GET /world/wander?seed=&page=&market=.
func (s *Server) worldStrollPage(c echo.Context) error {
	ctx := c.Request().Context()
	seed, page, limit, err := s.strollParams(c, true)
	if err != nil {
		return err
	}
	if c.QueryParam("limit") == "" {
		limit = app.WorldPageSize
	}
	link, market, err := worldMarketParam(c)
	if err != nil {
		return err
	}
	d := worldStrollData{Seed: seed, Page: page, Next: page + 1, Market: market}
	if link > 0 {
		if d.Link, err = s.app.MarketLink(ctx, link); err != nil {
			return err
		}
	}
	items, err := s.app.WorldStroll(ctx, account(c), app.WorldQuery{Seed: seed, Page: page, Limit: limit, Market: link})
	if err != nil {
		return err
	}
	if d.Links, err = s.app.MarketLinks(ctx, account(c)); err != nil {
		return err
	}
	for _, l := range d.Links {
		if l.Hidden && l.State == node.LinkLinked {
			d.Hidden++
		}
	}
	p, err := s.newPage(c, "", nil)
	if err != nil {
		return err
	}
	d.Here = p.MarketName
	switch {
	case d.Link != nil:
		name := d.Link.Name
		if name == "" {
			name = d.Link.Acct
		}
		if d.Link.City != "" {
			name += " · " + d.Link.City
		}
		d.Title = p.T("world.stroll.only", "Name", name)
	case market == "here":
		d.Title = p.T("world.stroll.only", "Name", p.MarketName)
	default:
		d.Title = p.T("world.stroll.title")
	}
	p.Title = d.Title
	d.Items = s.worldCards(p, items, seed)
	p.Data = d
	c.Response().Header().Set("Cache-Control", "private, no-store")
	return s.write(c, http.StatusOK, "world_wander", p)
}

// newWorldWalk: POST /world/wander/new starts a new world stroll.
func (s *Server) newWorldWalk(c echo.Context) error {
	seed := newSeed()
	s.setCookie(c, seedCookie, strconv.FormatUint(seed, 10), 12*3600)
	market := ""
	if _, v, err := parseWorldMarket(c.FormValue("market")); err == nil && v != "" {
		market = "&market=" + v
	}
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/world/wander?seed=%d%s", seed, market))
}

// linkMarketPage: POST /world/links (address) links the market (organiser).
func (s *Server) linkMarketPage(c echo.Context) error {
	address := c.FormValue("address")
	if _, _, err := s.app.LinkMarket(c.Request().Context(), account(c), address); err != nil {
		return s.refuseWorldForm(c, err, func(msg string) worldData { return worldData{LinkAddress: address, LinkError: msg} })
	}
	return c.Redirect(http.StatusSeeOther, "/world#links")
}

// linkActionPage: POST /world/links/ID/unlink|block (organiser; block takes
// a reason).
func (s *Server) linkActionPage(c echo.Context) error {
	id, err := pathID(c, "market link")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	switch c.Param("action") {
	case "unlink":
		err = s.app.UnlinkMarket(ctx, account(c), node.LinkID(id))
	case "block":
		_, err = s.app.BlockMarket(ctx, account(c), node.LinkID(id), c.FormValue("reason"))
	default:
		return node.Errorf(node.ENOTFOUND, "No such action.")
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/world#links")
}

// hideMarketPage: POST /world/markets/ID/hide|show keeps a linked market out
// of (or back in) the reader's strolls.
func (s *Server) hideMarketPage(c echo.Context) error {
	id, err := pathID(c, "market link")
	if err != nil {
		return err
	}
	var hide bool
	switch c.Param("action") {
	case "hide":
		hide = true
	case "show":
	default:
		return node.Errorf(node.ENOTFOUND, "No such action.")
	}
	if err := s.app.HideMarket(c.Request().Context(), account(c), node.LinkID(id), hide); err != nil {
		return err
	}
	back := c.FormValue("back")
	if !strings.HasPrefix(back, "/world") || strings.HasPrefix(back, "//") {
		back = "/world#links"
	}
	return c.Redirect(http.StatusSeeOther, back)
}

// worldICS: GET /world.ics, the coming market days of the linked markets.
// Times are UTC (calendars show them in the reader's zone); each day's
// description also gives it in the market's own time.
func (s *Server) worldICS(c echo.Context) error {
	ctx := c.Request().Context()
	days, err := s.app.LinkedDays(ctx, 500)
	if err != nil {
		return err
	}
	m, err := s.app.DB.Market(ctx)
	if err != nil {
		return err
	}
	lang := s.lang(c, m)
	loc := s.cfg.Catalog.Localizer(lang)
	cal := icsCalendar{Name: loc.T("world.cal.name", "Market", m.Name.In(lang, m.Languages...)), Stamp: s.app.Now()}
	for _, d := range days {
		summary := d.Name
		if summary == "" {
			summary = d.Market.Name
		}
		local := d.Start.Format("2006-01-02 15:04") + "–" + d.End.Format("15:04") + " " + d.Start.Location().String()
		desc := loc.T("world.cal.local", "Market", d.Market.Name, "Time", local)
		if d.Market.Acct != "" {
			desc += "\n" + d.Market.Acct
		}
		desc += "\n" + d.URL
		cal.Events = append(cal.Events, icsEvent{UID: d.ID, Start: d.Start, End: d.End, Summary: summary, Description: desc,
			Location: d.Place, URL: d.URL, Cancelled: d.Cancelled})
	}
	return s.writeICS(c, "world.ics", cal)
}

// worldMedia serves the catalogue's thumbnails.
func (s *Server) worldMedia() echo.HandlerFunc {
	if s.cfg.WorldMedia == nil {
		return func(c echo.Context) error { return node.Errorf(node.ENOTFOUND, "There is no such photo.") }
	}
	return echo.WrapHandler(http.StripPrefix("/world/media", s.cfg.WorldMedia.Handler()))
}

// worldLinks fills the world page's linked markets and their days.
func (s *Server) worldLinks(c echo.Context, d *worldData) error {
	ctx := c.Request().Context()
	acc := account(c)
	links, err := s.app.MarketLinks(ctx, acc)
	if err != nil {
		return err
	}
	d.Links = links
	for _, l := range links {
		if l.State == node.LinkLinked {
			d.Linked++
		}
	}
	d.Organiser = acc != nil && acc.Role == node.RoleOrganiser
	if d.Organiser {
		if d.LinkBack, err = s.app.DB.MarketsFollowingUs(ctx); err != nil {
			return err
		}
	}
	if d.LinkDays, err = s.app.LinkedDays(ctx, 12); err != nil {
		return err
	}
	return nil
}

// linkedMarkets is the markets linked with this one (accepted links), for
// the home page.
func (s *Server) linkedMarkets(c echo.Context) ([]*node.MarketLink, error) {
	links, err := s.app.MarketLinks(c.Request().Context(), account(c))
	if err != nil {
		return nil, err
	}
	out := links[:0]
	for _, l := range links {
		if l.State == node.LinkLinked {
			out = append(out, l)
		}
	}
	return out, nil
}
