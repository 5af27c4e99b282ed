package web

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
)

// The world market's API (docs/api.md, "The world market"): market links
// (organiser), the world stroll, hiding a market from one's strolls, and the
// linked markets' days.

type linkJSON struct {
	ID         node.LinkID    `json:"id"`
	Actor      string         `json:"actor"`
	Acct       string         `json:"acct"`
	Name       string         `json:"name"`
	City       string         `json:"city"`
	Timezone   string         `json:"timezone"`
	URL        string         `json:"url"`
	State      string         `json:"state"`
	LinksBack  bool           `json:"links_back"`
	Stalls     int            `json:"stalls"`
	OpenStalls *int           `json:"open_stalls"`
	Items      int            `json:"items"`
	ItemStalls int            `json:"item_stalls"`
	NextDay    *remoteDayJSON `json:"next_day"`
	Stale      bool           `json:"stale"`
	StaleSince *time.Time     `json:"stale_since,omitempty"`
	LastError  string         `json:"last_error,omitempty"`
	Syncing    bool           `json:"syncing"`
	Hidden     bool           `json:"hidden"`
	CreatedAt  time.Time      `json:"created_at"`
	LinkedAt   *time.Time     `json:"linked_at,omitempty"`
	Walk       string         `json:"walk"`
}

type remoteDayJSON struct {
	ID        string    `json:"id"`
	URL       string    `json:"url"`
	Name      string    `json:"name"`
	Start     time.Time `json:"start"` // with the market's own offset
	End       time.Time `json:"end"`
	Timezone  string    `json:"timezone"`
	Place     string    `json:"place"`
	Cancelled bool      `json:"cancelled"`
	Market    struct {
		Actor string `json:"actor"`
		Acct  string `json:"acct"`
		Name  string `json:"name"`
		URL   string `json:"url"`
	} `json:"market"`
}

func remoteDay(e *node.RemoteEvent) *remoteDayJSON {
	d := &remoteDayJSON{ID: e.ID, URL: e.URL, Name: e.Name, Start: e.Start, End: e.End, Timezone: e.Start.Location().String(),
		Place: e.Place, Cancelled: e.Cancelled}
	d.Market.Actor, d.Market.Acct, d.Market.Name, d.Market.URL = e.Market.ID, e.Market.Acct, e.Market.Name, e.Market.URL
	return d
}

// linkJSON renders a link; why it is stale is for the organiser only.
func (s *Server) linkJSON(l *node.MarketLink, organiser bool) linkJSON {
	out := linkJSON{ID: l.ID, Actor: l.Actor, Acct: l.Acct, Name: l.Name, City: l.City, Timezone: l.Timezone, URL: l.URL, State: l.State,
		LinksBack: l.LinksBack, Stalls: l.Stalls, Items: l.Items, ItemStalls: l.ItemStalls, Stale: l.Stale,
		Syncing: l.Syncing, Hidden: l.Hidden, CreatedAt: l.CreatedAt, Walk: s.abs(node.WorldWanderPath(l.ID))}
	if l.OpenStalls >= 0 {
		n := l.OpenStalls
		out.OpenStalls = &n
	}
	if l.NextDay != nil {
		out.NextDay = remoteDay(l.NextDay)
	}
	if l.Stale {
		t := l.StaleSince
		out.StaleSince = &t
	}
	if organiser {
		out.LastError = l.LastError
	}
	if !l.LinkedAt.IsZero() {
		t := l.LinkedAt
		out.LinkedAt = &t
	}
	return out
}

// apiMarketLinks: GET /api/v1/market/links lists the links (anyone: they
// are public, as the market's following collection is); POST links a
// market (organiser): {"acct": "market@host"} → 201 (200 when it existed).
func (s *Server) apiMarketLinks(c echo.Context) error {
	ctx := c.Request().Context()
	if c.Request().Method == http.MethodPost {
		if account(c) == nil {
			return node.Errorf(node.EUNAUTHORIZED, "Please log in first.")
		}
		var in struct {
			Acct  string `json:"acct"`
			Actor string `json:"actor"`
		}
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
		address := in.Acct
		if address == "" {
			address = in.Actor
		}
		l, created, err := s.app.LinkMarket(ctx, account(c), address)
		if err != nil {
			return err
		}
		status := http.StatusOK
		if created {
			status = http.StatusCreated
		}
		return c.JSON(status, s.linkJSON(l, true))
	}
	links, err := s.app.MarketLinks(ctx, account(c))
	if err != nil {
		return err
	}
	out := make([]linkJSON, 0, len(links))
	for _, l := range links {
		out = append(out, s.linkJSON(l, isOrganiser(c)))
	}
	return c.JSON(http.StatusOK, map[string]any{"links": out})
}

// apiMarketLink: GET /api/v1/market/links/ID; DELETE unlinks (organiser,
// 204); POST …/block {"reason"?} unlinks and blocks the market's server
// (organiser, 200 with the block).
func (s *Server) apiMarketLink(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := pathID(c, "market link")
	if err != nil {
		return err
	}
	switch {
	case c.Request().Method == http.MethodDelete:
		if err := s.app.UnlinkMarket(ctx, account(c), node.LinkID(id)); err != nil {
			return err
		}
		return c.NoContent(http.StatusNoContent)
	case c.Request().Method == http.MethodPost:
		var in struct {
			Reason string `json:"reason"`
		}
		if c.Request().ContentLength != 0 {
			if err := decodeJSON(c, &in); err != nil {
				return err
			}
		}
		b, err := s.app.BlockMarket(ctx, account(c), node.LinkID(id), in.Reason)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]any{"block": map[string]any{"id": b.ID, "kind": b.Kind, "target": b.Target,
			"reason": b.Reason, "created_at": b.CreatedAt, "purged_at": b.PurgedAt}})
	}
	l, err := s.app.MarketLink(ctx, node.LinkID(id))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.linkJSON(l, isOrganiser(c)))
}

// isOrganiser reports whether the organiser is signed in.
func isOrganiser(c echo.Context) bool {
	a := account(c)
	return a != nil && a.Role == node.RoleOrganiser
}

// apiHideMarket: PUT /api/v1/world/hidden/ID keeps a linked market out of
// the signed-in account's strolls, DELETE lets it back in (204).
func (s *Server) apiHideMarket(c echo.Context) error {
	id, err := pathID(c, "market link")
	if err != nil {
		return err
	}
	if err := s.app.HideMarket(c.Request().Context(), account(c), node.LinkID(id), c.Request().Method == http.MethodPut); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// apiWorldDays: GET /api/v1/world/days?limit=N, the linked markets' coming
// days.
func (s *Server) apiWorldDays(c echo.Context) error {
	limit := 50
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return node.Errorf(node.EINVALID, "limit must be a whole number.")
		}
		limit = n
	}
	days, err := s.app.LinkedDays(c.Request().Context(), limit)
	if err != nil {
		return err
	}
	out := make([]*remoteDayJSON, 0, len(days))
	for _, d := range days {
		out = append(out, remoteDay(d))
	}
	return c.JSON(http.StatusOK, map[string]any{"days": out})
}

type worldMarketJSON struct {
	Link     node.LinkID `json:"link"` // 0: this market
	Acct     string      `json:"acct"`
	Name     string      `json:"name"`
	City     string      `json:"city"`
	Timezone string      `json:"timezone"`
	URL      string      `json:"url"`
	Stale    bool        `json:"stale"`
}

type worldItemJSON struct {
	ID        string          `json:"id"`   // its ActivityPub id
	URL       string          `json:"url"`  // its ActivityPub id, on its own market
	Page      string          `json:"page"` // its page for people
	Local     bool            `json:"local"`
	Item      node.ItemID     `json:"item,omitempty"` // this market's item id
	Title     string          `json:"title"`
	Excerpt   string          `json:"excerpt"`
	Price     *priceJSON      `json:"price"`
	Available int             `json:"available"`
	Tags      []string        `json:"tags"`
	Photos    []photoJSON     `json:"photos"`
	Stall     worldStallJSON  `json:"stall"`
	Market    worldMarketJSON `json:"market"`
	MarketDay *struct {
		Start time.Time `json:"start"`
		End   time.Time `json:"end"`
	} `json:"market_day,omitempty"`
	Published time.Time `json:"published"`
}

type worldStallJSON struct {
	ID   string `json:"id"` // its actor
	Name string `json:"name"`
	URL  string `json:"url"`
}

func (s *Server) worldItemJSON(it *node.WorldItem, acct string) worldItemJSON {
	m := it.Market
	out := worldItemJSON{Title: it.Title, Tags: it.Tags, Photos: []photoJSON{}, Published: it.Published,
		Market: worldMarketJSON{Link: m.Link, Acct: m.Acct, Name: m.Name, City: m.City, Timezone: m.Timezone, URL: m.URL, Stale: m.Stale}}
	if it.Local != nil {
		li := it.Local
		out.ID, out.Page, out.Local, out.Item = s.abs(node.ItemPath(li.ID)), s.abs(node.ItemPath(li.ID)), true, li.ID
		out.URL = out.ID
		out.Price = &priceJSON{Kind: li.Price.Kind, Amount: li.Price.Amount(), Currency: li.Price.Currency}
		out.Available, out.Tags, out.Photos = li.Quantity, li.Tags, s.photosJSON(li.Photos)
		out.Stall = worldStallJSON{ID: s.abs(node.StallPath(li.Stall)), Name: li.StallName, URL: s.abs(node.StallPath(li.Stall))}
		out.Market.Acct, out.Market.URL = acct, s.abs("/")
	} else {
		out.ID, out.URL, out.Page, out.Excerpt, out.Available = it.APID, it.APID, it.URL, it.Excerpt, it.Available
		if it.Price != nil {
			out.Price = &priceJSON{Kind: node.PriceAmount, Amount: it.Price.Amount, Currency: it.Price.Currency}
		}
		if it.Thumb != "" {
			u := s.abs(it.Thumb)
			out.Photos = append(out.Photos, photoJSON{URL: u, Sizes: map[string]string{"s": u}, Alt: it.Alt, Width: it.ThumbW, Height: it.ThumbH})
		}
		out.Stall = worldStallJSON{ID: it.StallID, Name: it.StallName, URL: it.StallURL}
		if !it.DayStart.IsZero() {
			out.MarketDay = &struct {
				Start time.Time `json:"start"`
				End   time.Time `json:"end"`
			}{it.DayStart.In(m.Location()), it.DayEnd.In(m.Location())}
		}
	}
	if out.Tags == nil {
		out.Tags = []string{}
	}
	return out
}

// apiWorldWander: GET /api/v1/world/wander?seed=&page=&limit=&market= is a
// page of the world stroll (market: "here", a link's id, or the world).
func (s *Server) apiWorldWander(c echo.Context) error {
	seed, page, limit, err := s.strollParams(c, false)
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
	items, err := s.app.WorldStroll(c.Request().Context(), account(c), app.WorldQuery{Seed: seed, Page: page, Limit: limit, Market: link})
	if err != nil {
		return err
	}
	acct := "market@" + s.baseURL.Host
	out := make([]worldItemJSON, 0, len(items))
	for _, it := range items {
		out = append(out, s.worldItemJSON(it, acct))
	}
	next := fmt.Sprintf("%s/api/v1/world/wander?seed=%d&page=%d&limit=%d", s.cfg.BaseURL, seed, page+1, limit)
	if market != "" {
		next += "&market=" + market
	}
	return c.JSON(http.StatusOK, map[string]any{"items": out, "seed": seed, "page": page, "limit": limit, "market": market, "next": next})
}
