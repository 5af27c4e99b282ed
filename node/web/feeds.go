package web

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/feeds"
	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/node"
)

// Feeds: RSS 2.0 and Atom of the market's new items (/items.rss, with ?q=
// or ?tag= a search's), of a stall (/stalls/7.atom) and of an alley
// (/alleys/flowers.rss), built with gorilla/feeds. Pages link them with
// <link rel="alternate">.

// feedLimit is how many items a feed carries, newest first.
const feedLimit = 50

// feedPaths rewrites the public feed addresses (/stalls/7.atom) to the
// routes that serve them (/feeds/stalls/7/atom): echo's router cannot take
// a suffix after a path parameter.
func feedPaths(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			return next(c)
		}
		p := r.URL.Path
		var format string
		switch {
		case strings.HasSuffix(p, ".rss"):
			format = "rss"
		case strings.HasSuffix(p, ".atom"):
			format = "atom"
		default:
			return next(c)
		}
		base := strings.TrimSuffix(strings.TrimSuffix(p, ".rss"), ".atom")
		switch {
		case base == "/items":
			r.URL.Path = "/feeds/items/all/" + format
		case strings.HasPrefix(base, "/stalls/") && strings.Count(base, "/") == 2:
			r.URL.Path = "/feeds/stalls/" + strings.TrimPrefix(base, "/stalls/") + "/" + format
		case strings.HasPrefix(base, "/alleys/") && strings.Count(base, "/") == 2:
			r.URL.Path = "/feeds/alleys/" + strings.TrimPrefix(base, "/alleys/") + "/" + format
		}
		r.URL.RawPath = ""
		return next(c)
	}
}

// feedLink is one <link rel="alternate"> of a page.
type feedLink struct{ Title, Type, Href string }

// feedLinks are the feeds of the page being rendered, by its route.
func (s *Server) feedLinks(c echo.Context, loc interface{ T(string, ...any) string }) []feedLink {
	var base string
	switch c.Path() {
	case "/":
		base = "/items"
	case "/stalls/:id":
		if _, err := strconv.ParseInt(c.Param("id"), 10, 64); err == nil {
			base = "/stalls/" + c.Param("id")
		}
	case "/alleys/:slug":
		base = "/alleys/" + url.PathEscape(c.Param("slug"))
	case "/search":
		if q := strings.TrimSpace(c.QueryParam("q")); q != "" {
			return []feedLink{
				{Title: loc.T("feed.search", "Q", q), Type: "application/atom+xml", Href: "/items.atom?q=" + url.QueryEscape(q)},
				{Title: loc.T("feed.search", "Q", q), Type: "application/rss+xml", Href: "/items.rss?q=" + url.QueryEscape(q)},
			}
		}
	}
	if base == "" {
		return nil
	}
	return []feedLink{
		{Title: loc.T("feed.atom"), Type: "application/atom+xml", Href: base + ".atom"},
		{Title: loc.T("feed.rss"), Type: "application/rss+xml", Href: base + ".rss"},
	}
}

func (s *Server) itemsFeed(c echo.Context) error {
	ctx := c.Request().Context()
	p, err := s.newPage(c, "", nil)
	if err != nil {
		return err
	}
	f := &feeds.Feed{Title: p.MarketName, Link: &feeds.Link{Href: s.cfg.BaseURL + "/"}, Description: p.T("feed.market")}
	var items []*node.Item
	q := strings.TrimSpace(c.QueryParam("q"))
	if tag := strings.TrimSpace(c.QueryParam("tag")); tag != "" && q == "" {
		q = tag
	}
	if q != "" {
		f.Title = p.T("feed.search", "Q", q) + " · " + p.MarketName
		f.Link.Href = s.cfg.BaseURL + node.SearchPath(q)
		if items, _, err = s.app.Search(ctx, data.SearchQuery{Text: q, Limit: feedLimit}); err != nil {
			return err
		}
	} else if items, err = s.app.DB.Items(ctx, data.ItemFilter{Status: node.ItemAvailable, Limit: feedLimit}); err != nil {
		return err
	}
	return s.writeFeed(c, p, f, items)
}

func (s *Server) stallFeed(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := pathID(c, "stall")
	if err != nil {
		return err
	}
	st, err := s.app.DB.Stall(ctx, node.StallID(id))
	if err != nil {
		return err
	}
	items, err := s.app.DB.Items(ctx, data.ItemFilter{Stall: st.ID, Status: node.ItemAvailable, Limit: feedLimit})
	if err != nil {
		return err
	}
	p, err := s.newPage(c, "", nil)
	if err != nil {
		return err
	}
	f := &feeds.Feed{Title: st.Name + " · " + p.MarketName, Link: &feeds.Link{Href: s.cfg.BaseURL + node.StallPath(st.ID)},
		Description: p.T("feed.stall", "Name", st.Name)}
	if ph := firstPhoto(st.Photos); ph != nil {
		f.Image = &feeds.Image{Url: s.cfg.BaseURL + node.PhotoPath(*ph, "s"), Title: st.Name, Link: f.Link.Href}
	}
	return s.writeFeed(c, p, f, items)
}

func (s *Server) alleyFeed(c echo.Context) error {
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
	items, err := s.app.DB.Items(ctx, data.ItemFilter{Alley: alley.ID, Status: node.ItemAvailable, Limit: feedLimit})
	if err != nil {
		return err
	}
	p, err := s.newPage(c, "", nil)
	if err != nil {
		return err
	}
	name := p.Text(alley.Name)
	f := &feeds.Feed{Title: name + " · " + p.MarketName, Link: &feeds.Link{Href: s.cfg.BaseURL + node.AlleyPath(alley.Slug)},
		Description: p.T("feed.alley", "Name", name)}
	return s.writeFeed(c, p, f, items)
}

// writeFeed adds the items (newest first) and writes the feed in the format
// the route asked for.
func (s *Server) writeFeed(c echo.Context, p *page, f *feeds.Feed, items []*node.Item) error {
	f.Id = f.Link.Href
	f.Created = time.Unix(0, 0).UTC()
	for _, it := range items {
		if full, err := s.app.DB.Item(c.Request().Context(), it.ID); err == nil {
			it = full // lists leave out the story and the other photos
		}
		link := s.cfg.BaseURL + node.ItemPath(it.ID)
		body := string(s.cfg.Markdown.HTML(it.Story))
		price := html.EscapeString(p.Price(it.Price))
		fi := &feeds.Item{
			Id: link, Title: it.Title, Link: &feeds.Link{Href: link},
			Author:      &feeds.Author{Name: it.StallName},
			Description: p.Price(it.Price) + " · " + it.StallName,
			Content:     "<p><strong>" + price + "</strong> · " + html.EscapeString(it.StallName) + "</p>" + body,
			Created:     it.CreatedAt, Updated: it.UpdatedAt,
		}
		if ph := firstPhoto(it.Photos); ph != nil {
			src := s.cfg.BaseURL + node.PhotoPath(*ph, "")
			fi.Content = fmt.Sprintf(`<p><img src="%s" alt="%s"></p>`, html.EscapeString(src), html.EscapeString(ph.Alt)) + fi.Content
			fi.Enclosure = &feeds.Enclosure{Url: src, Type: photoType(ph.Ext), Length: s.photoLength(*ph)}
		}
		if it.UpdatedAt.After(f.Updated) {
			f.Updated = it.UpdatedAt
		}
		if it.CreatedAt.After(f.Updated) {
			f.Updated = it.CreatedAt
		}
		f.Items = append(f.Items, fi)
	}
	if f.Updated.IsZero() {
		f.Updated = f.Created
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=300")
	c.Response().Header().Set("Content-Language", p.Lang)
	c.Response().Header().Add("Vary", "Accept-Language, Cookie")
	if c.Param("format") == "rss" {
		out, err := f.ToRss()
		if err != nil {
			return err
		}
		return c.Blob(http.StatusOK, "application/rss+xml; charset=utf-8", []byte(out))
	}
	out, err := f.ToAtom()
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, "application/atom+xml; charset=utf-8", []byte(out))
}

// photoLength is the size in bytes of a photo's file, as an enclosure
// says it ("0" when it cannot be read).
func (s *Server) photoLength(ph node.Photo) string {
	path, err := s.cfg.Media.Path(ph.Hash + "." + ph.Ext)
	if err != nil {
		return "0"
	}
	fi, err := os.Stat(path)
	if err != nil {
		return "0"
	}
	return strconv.FormatInt(fi.Size(), 10)
}

func photoType(ext string) string {
	switch ext {
	case "png":
		return "image/png"
	case "gif":
		return "image/gif"
	case "webp":
		return "image/webp"
	}
	return "image/jpeg"
}

func firstPhoto(ps []node.Photo) *node.Photo {
	if len(ps) == 0 {
		return nil
	}
	return &ps[0]
}

// feedFormat checks the :format of a feed route.
func feedFormat(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if f := c.Param("format"); f != "rss" && f != "atom" {
			return echo.ErrNotFound
		}
		return next(c)
	}
}
