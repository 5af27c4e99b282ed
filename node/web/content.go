package web

import (
	"bytes"
	"html/template"
	"io/fs"
	"strconv"
	"strings"

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

func (d itemPageData) readerKey(p *page) (string, bool) {
	// The stall's own people see its tools and all its trades; a reader
	// with trades of the item sees theirs; a form sent back with an error
	// or what was typed is theirs.
	if d.CanEdit || len(d.MyTrades) > 0 || (d.Reserve != nil && (d.Reserve.Error != "" || d.Reserve.Message != "" ||
		d.Reserve.Quantity != 1)) {
		return "", false
	}
	return "", true
}

func (d *stallPageData) readerKey(p *page) (string, bool) {
	if d.CanEdit { // its own people see its tools and items of every status
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

func (d wanderPageData) readerKey(*page) (string, bool) { return "", true }

// writeFrame writes a signed-in reader's page from a frame kept in the
// frames cache: the whole page as rendered for a stand-in reader, whose
// name, display name and CSRF token are random marks, keyed as Content is
// and by the page's title and the reader's unread counts; the reader's own
// name, display name (HTML-escaped) and token replace the marks. Only
// pages whose templates are the default theme's are framed: it shows the
// reader's names only in HTML text and quoted attributes, where that
// escaping is the one html/template applies. It reports false, writing
// nothing, when the page is not framed.
func (s *Server) writeFrame(buf *bytes.Buffer, pt *pageTemplate, p *page) (bool, error) {
	reader := p.Account
	if reader == nil || !pt.stock || s.frames == nil {
		return false, nil
	}
	stand := *reader
	stand.Name, stand.DisplayName = s.nameMark, s.shownMark
	p.Account = &stand
	defer func() { p.Account = reader }()
	key, ok := p.contentKey()
	if !ok {
		return false, nil
	}
	key += "\x00frame\x00" + p.Title + "\x00" + strconv.Itoa(p.Unread) + "\x00" + strconv.Itoa(p.Notices)
	h, hit := s.frames.get(p.version, key)
	if !hit {
		real := p.csrf
		p.csrf = func() string { return s.csrfMark }
		p.framing = true
		err := p.tmpl.ExecuteTemplate(buf, "layout", p)
		p.csrf, p.framing = real, false
		if err != nil {
			return false, err
		}
		h = template.HTML(buf.String())
		buf.Reset()
		s.frames.put(p.version, key, h)
	}
	p.Account = reader
	s.splice(buf, string(h), p)
	return true, nil
}

// splice writes a kept frame with the reader's own in place of the marks:
// one scan for the marks' common prefix (a generic strings.Replacer was 7 %
// of a signed-in home page's CPU).
func (s *Server) splice(buf *bytes.Buffer, h string, p *page) {
	var csrf, name, shown string
	for {
		i := strings.Index(h, s.markPrefix)
		if i < 0 || len(h) < i+len(s.csrfMark) {
			buf.WriteString(h)
			return
		}
		buf.WriteString(h[:i])
		mark := h[i : i+len(s.csrfMark)]
		h = h[i+len(mark):]
		switch mark {
		case s.csrfMark:
			if csrf == "" {
				csrf = p.csrf()
			}
			buf.WriteString(csrf)
		case s.nameMark:
			if name == "" {
				name = template.HTMLEscapeString(p.Account.Name)
			}
			buf.WriteString(name)
		case s.shownMark:
			if shown == "" {
				shown = template.HTMLEscapeString(p.Account.Shown())
			}
			buf.WriteString(shown)
		default:
			buf.WriteString(mark)
		}
	}
}

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
