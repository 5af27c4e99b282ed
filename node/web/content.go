package web

import (
	"bytes"
	"html/template"
	"io/fs"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/node"

	"github.com/shiji-market/shiji/node/app"
	"github.com/shiji-market/shiji/themes"
)

// readerShaped is page data that can name what of its reader the page's
// "content" template shows. readerKey returns "" (with true) for a page
// every reader of the same kind sees alike, a short key of the reader's own
// bits (following the stall, their name) otherwise, and false when the
// content is too much the reader's own to keep (their trades, a form
// answered with an error, the stall's own people's tools).
//
// The key never has to hold the CSRF token: a kept content holds a stand-in
// for it, replaced with the reader's own on every read (Content).
type readerShaped interface {
	readerKey(p *page) (key string, ok bool)
}

// Content renders the page's "content" template. For data that is
// readerShaped, on a page answered 200 to a GET to a signed-in reader (on
// a theme whose pages writeFrame does not keep whole), the rendered content is
// kept in the frames cache by template, language, request URI, the
// reader's kind and key, the number of people wandering and the next market
// day's edge, for the Pages version the request began at: a signed-in
// reader gets the same kept content as every reader like them, with their
// own CSRF token spliced in, and the layout around it (their name, their
// unread counts) rendered for them. A write moves the version, so what it
// changed shows on the next read.
func (p *page) Content() (template.HTML, error) {
	s := p.s
	key, ok := p.contentKey()
	// Visitors who have not signed in are served from the page cache
	// (gzipped, five times denser); a frame keeps its content (writeFrame).
	if !ok || s.frames == nil || p.framing || p.Account == nil {
		var b bytes.Buffer
		if err := p.tmpl.ExecuteTemplate(&b, "content", p); err != nil {
			return "", err
		}
		return template.HTML(b.String()), nil
	}
	h, hit := s.frames.get(p.version, key)
	if !hit {
		real := p.csrf
		p.csrf = func() string { return s.csrfMark }
		var b bytes.Buffer
		err := p.tmpl.ExecuteTemplate(&b, "content", p)
		p.csrf = real
		if err != nil {
			return "", err
		}
		h = template.HTML(b.String())
		s.frames.put(p.version, key, h)
	}
	if strings.Contains(string(h), s.csrfMark) {
		h = template.HTML(strings.ReplaceAll(string(h), s.csrfMark, p.csrf()))
	}
	return h, nil
}

// contentKey is the key of the page's content in the fragment cache, and
// whether it may be kept at all.
func (p *page) contentKey() (string, bool) {
	if !p.keep || p.snap == nil {
		return "", false
	}
	d, ok := p.Data.(readerShaped)
	if !ok {
		return "", false
	}
	rk, ok := d.readerKey(p)
	if !ok {
		return "", false
	}
	kind := "a"
	if p.Account != nil {
		kind = "r"
	}
	_, until := p.snap.Upcoming(p.s.app.Now())
	live := p.s.app.Live.Count(app.Ambience)
	return "content\x00" + p.name + "\x00" + p.Lang + "\x00" + p.Path + "\x00" + kind + "\x00" + rk + "\x00" +
		strconv.Itoa(live) + "\x00" + strconv.FormatInt(until.UnixNano(), 10), true
}

// blocksSome reports whether the page's reader blocked someone: a thread
// leaves out what those people wrote, for them alone.
func (p *page) blocksSome() bool {
	if p.ec == nil || p.Account == nil {
		return false
	}
	b, ok := p.ec.Get(blocksKey).(bool)
	return b || !ok // unknown (a Bearer token): as if they did
}

func (d itemPageData) readerKey(p *page) (string, bool) {
	// The stall's own people see its tools and all its trades; a reader
	// with trades of the item sees theirs; a form sent back with an error
	// or what was typed is theirs; a thread without whom the reader blocked.
	if p.blocksSome() || d.CanEdit || len(d.MyTrades) > 0 || (d.Reserve != nil && (d.Reserve.Error != "" || d.Reserve.Message != "" ||
		d.Reserve.Quantity != 1)) {
		return "", false
	}
	return "", true
}

func (d *stallPageData) readerKey(p *page) (string, bool) {
	if d.CanEdit || p.blocksSome() { // its own people see its tools and items of every status
		return "", false
	}
	if d.Following {
		return "following", true
	}
	return "", true
}

func (d *homeData) readerKey(p *page) (string, bool) {
	// The welcome greets the reader by name (a mark in a frame), the
	// organiser sees what setup lacks and why a linked market is stale,
	// the next day's reunions are the reader's own, and so are the linked
	// markets they hid; when a linked market's next day is over, the key
	// changes with the day shown.
	var links strings.Builder
	for _, l := range d.Links {
		links.WriteString(strconv.FormatInt(int64(l.ID), 10))
		if l.Hidden {
			links.WriteString("h")
		}
		if l.NextDay != nil {
			links.WriteString("@" + l.NextDay.ID)
		}
		links.WriteString(",")
	}
	if p.Account == nil {
		return links.String(), true
	}
	key := links.String() + "\x00" + p.Account.Shown() + "\x00" + string(p.Account.Role)
	if d.Next != nil && len(d.Next.Reunions) > 0 { // whom the reader knows among those who come
		key += "\x00" + strconv.FormatInt(int64(p.Account.ID), 10)
	}
	return key, true
}

func (d searchPageData) readerKey(*page) (string, bool) { return "", true }

func (d wanderPageData) readerKey(p *page) (string, bool) {
	// Without a seed in the address, the stroll is the reader's own (from
	// their cookie, or new).
	return "", p.ec == nil || p.ec.QueryParam("seed") != ""
}

// writeFrame finds or makes the frame of a signed-in reader's page: the
// whole page as rendered for a stand-in reader, whose name, display name
// and CSRF token are random marks, kept packed (packedFrame) in the page
// cache's one budget, for the Pages version the request began at, the
// number of people wandering and the next market day's edge. It is keyed
// as Content is and by the page's title and the reader's unread counts;
// for a plain reader (frameFirst) by the key the request was looked up by
// before its handler ran. The caller writes it with the reader's own name,
// display name (HTML-escaped) and token in place of the marks
// (writePacked). Only pages whose templates are the default theme's are
// framed: it shows the reader's names only in HTML text and quoted
// attributes, where that escaping is the one html/template applies. It
// returns nil, writing nothing, when the page is not framed.
func (s *Server) writeFrame(buf *bytes.Buffer, pt *pageTemplate, p *page) (*packedFrame, error) {
	reader := p.Account
	if reader == nil || !pt.stock || s.cache == nil || p.ec == nil {
		return nil, nil
	}
	stand := *reader
	stand.Name, stand.DisplayName = s.nameMark, s.shownMark
	p.Account = &stand
	defer func() { p.Account = reader }()
	key, ok := p.contentKey()
	if !ok {
		return nil, nil
	}
	// A plain reader's page is kept by the key frameFirst looked it up by,
	// unless reading it changed their counts (a thread they are in).
	first, _ := p.ec.Get(frameKeyCtx).(string)
	if _, same := p.ec.Get(visitorCountsKey).([2]int); first != "" && same && p.Unread == 0 {
		key = first
	} else {
		key += "\x00frame\x00" + p.Title + "\x00" + strconv.Itoa(p.Unread) + "\x00" + strconv.Itoa(p.Notices)
	}
	now := s.app.Now()
	live := s.app.Live.Count(app.Ambience)
	if kept := s.cache.get(key, p.version, live, now); kept != nil && kept.frame != nil {
		s.cache.hits.Add(1)
		return kept.frame, nil
	}
	s.cache.misses.Add(1)
	real := p.csrf
	p.csrf = func() string { return s.csrfMark }
	p.framing = true
	err := p.tmpl.ExecuteTemplate(buf, "layout", p)
	p.csrf, p.framing = real, false
	if err != nil {
		return nil, err
	}
	f := s.pack(buf.String())
	buf.Reset()
	var h http.Header
	if cc := p.ec.Response().Header().Values(echo.HeaderCacheControl); len(cc) > 0 {
		h = http.Header{echo.HeaderCacheControl: slices.Clip(slices.Clone(cc))}
	}
	s.cache.put(&cachedPage{key: key, status: http.StatusOK, header: h, frame: f, version: p.version, live: live, until: keptUntil(p.ec, p.snap, now)})
	return f, nil
}

// frameKeyCtx holds the key a plain reader's page was looked up by before
// its handler ran (frameFirst): writeFrame keeps the frame by it.
const frameKeyCtx = "frame-key"

// frameValues are a reader's own bits for a frame's marks: the CSRF token,
// the handle and the display name, the names HTML-escaped.
func frameValues(csrf func() string, a *node.Account) *[4]string {
	var v [4]string
	v[markCSRF] = csrf()
	v[markName] = template.HTMLEscapeString(a.Name)
	v[markShown] = template.HTMLEscapeString(a.Shown())
	return &v
}

// writePacked answers a signed-in reader's page from its frame: gzipped as
// kept to a client that takes gzip, unpacked to one that does not.
func (s *Server) writePacked(c echo.Context, status int, f *packedFrame, lang string, a *node.Account, buf *bytes.Buffer) error {
	vals := frameValues(func() string { return s.csrfToken(c) }, a)
	h := c.Response().Header()
	h["Content-Language"] = []string{lang}
	h[echo.HeaderVary] = framedVary
	if acceptsGzip(c.Request()) {
		h[echo.HeaderContentEncoding] = gzipEncoding
		f.writeGzip(buf, vals)
	} else if err := f.writePlain(buf, vals); err != nil {
		return err
	}
	// Known, so net/http writes the page in one piece, not in chunks.
	h[echo.HeaderContentLength] = []string{strconv.Itoa(buf.Len())}
	return c.Blob(status, echo.MIMETextHTMLCharsetUTF8, buf.Bytes())
}

// Shared by every framed answer: never append to them.
var framedVary, gzipEncoding = []string{"Accept-Language, Cookie, Accept-Encoding"}, []string{"gzip"}

// stockFiles reports whether the theme's files are the default theme's.
func (s *Server) stockFiles(names ...string) bool {
	for _, n := range names {
		mine, err := fs.ReadFile(s.cfg.Theme, n)
		if err != nil {
			return false
		}
		if stockTheme == nil {
			return false
		}
		stock, err := fs.ReadFile(stockTheme, n)
		if err != nil || !bytes.Equal(mine, stock) {
			return false
		}
	}
	return true
}

// stockTheme is the default theme as embedded (nil if it cannot be read).
var stockTheme = func() fs.FS {
	f, err := themes.Open("default", "")
	if err != nil {
		return nil
	}
	return f
}()
