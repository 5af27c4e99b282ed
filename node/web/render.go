package web

import (
	"bytes"
	"fmt"
	template "github.com/shiji-market/shiji/internal/template/html"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
	"github.com/shiji-market/shiji/node/i18n"
)

type pageTemplate struct {
	// stock: the page, the layout and the partials are the default
	// theme's, whose escaping of the reader's name writeFrame knows.
	stock bool

	once  sync.Once
	build func() (*template.Template, error) // the page's set, from the theme's text read at start-up
	t     *template.Template
	err   error
}

// set returns the page's template set (layout, partials and the page),
// built on its first use (issue 14): a set is a deep copy of the layout and
// every partial (html/template escapes each set's own copy), ~120 KB held
// for each of the theme's 33 pages, and most nodes show a handful of them.
// parseTemplates has parsed each page already, so a theme's errors stop
// the start-up.
func (pt *pageTemplate) set() (*template.Template, error) {
	pt.once.Do(func() {
		pt.t, pt.err = pt.build()
		pt.build = nil
	})
	return pt.t, pt.err
}

// parseTemplates parses layout.html and the partial_*.html files, then each
// page file into its own set on top of them: each page is parsed here to
// check it, and its set is built and kept from its first use on
// (pageTemplate.set).
func (s *Server) parseTemplates() error {
	names, err := fs.Glob(s.cfg.Theme, "templates/*.html")
	if err != nil {
		return err
	}
	funcs := template.FuncMap{
		"join":       strings.Join,
		"md":         s.cfg.Markdown.HTML,
		"itemPath":   node.ItemPath,
		"stallPath":  node.StallPath,
		"alleyPath":  node.AlleyPath,
		"photoPath":  node.PhotoPath,
		"searchPath": node.SearchPath,
		"tagPath":    node.TagPath,
		"tradePath":  node.TradePath,
		"dayPath":    node.DayPath,
		"personPath": node.ProfilePath,
		"stallICS":   node.StallICSPath,
		"firstPhoto": func(ps []node.Photo) *node.Photo {
			if len(ps) == 0 {
				return nil
			}
			return &ps[0]
		},
		"dict": func(kv ...any) map[string]any {
			m := make(map[string]any, len(kv)/2)
			for i := 0; i+1 < len(kv); i += 2 {
				if k, ok := kv[i].(string); ok {
					m[k] = kv[i+1]
				} else {
					m[fmt.Sprint(kv[i])] = kv[i+1]
				}
			}
			return m
		},
	}
	layout, err := fs.ReadFile(s.cfg.Theme, "templates/layout.html")
	if err != nil {
		return fmt.Errorf("web: theme: %w", err)
	}
	partials, _ := fs.Glob(s.cfg.Theme, "templates/partial_*.html")
	texts := make([]string, len(partials))
	for i, p := range partials {
		b, err := fs.ReadFile(s.cfg.Theme, p)
		if err != nil {
			return err
		}
		texts[i] = string(b)
	}
	// newBase parses the layout and the partials into a new set.
	newBase := func() (*template.Template, error) {
		base := template.New("").Funcs(funcs)
		if _, err := base.New("layout.html").Parse(string(layout)); err != nil {
			return nil, fmt.Errorf("web: theme: layout.html: %w", err)
		}
		for i, p := range partials {
			if _, err := base.New(path.Base(p)).Parse(texts[i]); err != nil {
				return nil, fmt.Errorf("web: theme: %s: %w", p, err)
			}
		}
		return base, nil
	}
	base, err := newBase()
	if err != nil {
		return err
	}
	s.partials = base
	stock := s.stockFiles(append([]string{"templates/layout.html"}, partials...)...)
	s.fastItemCard = isDefaultCard(base, funcs, "itemcard", defaultItemCard)
	s.fastStallCard = isDefaultCard(base, funcs, "stallcard", defaultStallCard)
	s.pages = map[string]*pageTemplate{}
	for _, n := range names {
		name := strings.TrimSuffix(path.Base(n), ".html")
		if name == "layout" || strings.HasPrefix(name, "partial_") {
			continue
		}
		b, err := fs.ReadFile(s.cfg.Theme, n)
		if err != nil {
			return err
		}
		// addPage parses the page into t, a set of the layout and partials.
		addPage := func(t *template.Template) (*template.Template, error) {
			if _, err := t.New(path.Base(n)).Parse(string(b)); err != nil {
				return nil, fmt.Errorf("web: theme: %s: %w", n, err)
			}
			if t.Lookup("content") == nil {
				return nil, fmt.Errorf("web: theme: %s does not define \"content\"", n)
			}
			return t, nil
		}
		// Checked now, alone (the layout and partials were, above): a
		// whole set for each page here was most of start-up's 24 ms.
		if _, err := addPage(template.New("").Funcs(funcs)); err != nil {
			return err
		}
		build := func() (*template.Template, error) {
			t, err := newBase()
			if err != nil {
				return nil, err
			}
			return addPage(t)
		}
		s.pages[name] = &pageTemplate{build: build, stock: stock && s.stockFiles(n)}
	}
	for _, required := range []string{"home", "login", "signup", "account", "error"} {
		if s.pages[required] == nil {
			return fmt.Errorf("web: theme: templates/%s.html is missing", required)
		}
	}
	return nil
}

// view is what a page shows the same to every visitor: its language, the
// market's name, and the helpers templates use (T, Text, Day, Cards …).
// Shared fragments (Fragment) see only a view.
type view struct {
	Lang       string
	MarketName string
	Base       string
	Languages  []language // the catalogue's languages, for the footer's switch
	Demo       bool       // the market is the demo (a banner on every page)
	loc        *i18n.Localizer
	static     map[string]string
	zone       *time.Location // the market's time zone
	s          *Server
	version    int64 // the Pages version read before the page's data
}

// page is what every template gets: the view, and the visitor's own.
type page struct {
	*view
	Account *node.Account
	Unread  int // unread messages of the signed-in account
	Notices int // unread notifications
	Title   string
	Path    string
	Data    any
	Feeds   []feedLink         // the page's feeds, for <link rel="alternate">
	csrf    func() string      // mints or reads the visitor's CSRF token
	tmpl    *template.Template // the page's template set, while it renders
	name    string             // the page's template, while it renders
	keep    bool               // its content may be kept (a 200 to a GET; Content)
	snap    *app.Snapshot      // the market as the page was made
	framing bool               // rendering a frame for readers like this one (writeFrame)
	ec      echo.Context       // the request
}

// T translates a message id; args are name/value pairs.
func (v *view) T(id string, args ...any) string { return v.loc.T(id, args...) }

// CSRF returns the visitor's CSRF token for a form. A page that asks for it
// is the visitor's own and is not cached.
func (p *page) CSRF() string { return p.csrf() }

// Text picks the page's language from a multilingual text: a Chinese
// reader gets the other Chinese before English.
func (v *view) Text(t node.Text) string {
	if strings.HasPrefix(v.Lang, "zh") {
		return t.In(v.Lang, "zh-Hant", "zh-Hans", "en")
	}
	return t.In(v.Lang, "en", "zh-Hans")
}

// Price formats a price in the page's language ("¥88", "CN¥88.00", "Free"):
// a node.Price or a *node.RemotePrice (an amount read from elsewhere, shown
// as it came when it is not one we can read).
func (v *view) Price(x any) string {
	switch pr := x.(type) {
	case node.Price:
		return v.loc.Price(pr)
	case *node.RemotePrice:
		if pr == nil {
			return ""
		}
		if parsed, err := node.ParsePrice(pr.Amount, pr.Currency); err == nil {
			return v.loc.Price(parsed)
		}
		return pr.Amount + " " + pr.Currency
	}
	return fmt.Sprint(x)
}

// Date formats the date of an instant in the market's time zone and the
// page's language ("Sat 5 Dec", "12月5日 周六").
func (v *view) Date(t time.Time) string {
	if v.zone != nil {
		t = t.In(v.zone)
	}
	return v.loc.Date(t)
}

// Static returns the URL of a theme static file, with a content hash for caching.
func (v *view) Static(name string) string {
	if h, ok := v.static[name]; ok {
		return "/static/" + name + "?v=" + h
	}
	return "/static/" + name
}

// newPage fills the common parts of a page for the request.
func (s *Server) newPage(c echo.Context, title string, data any) (*page, error) {
	snap, err := s.app.Snapshot(c.Request().Context())
	if err != nil {
		return nil, err
	}
	m := snap.Market
	lang := s.lang(c, m)
	var unread, notices int
	if a := account(c); a != nil {
		if n, ok := c.Get(visitorCountsKey).([2]int); ok {
			unread, notices = n[0], n[1]
		} else if unread, notices, err = s.app.DB.Unread(c.Request().Context(), a.ID); err != nil {
			return nil, err
		}
	}
	loc := s.cfg.Catalog.Localizer(lang)
	return &page{
		view: &view{Lang: lang, MarketName: m.Name.In(lang, m.Languages...), Base: s.cfg.BaseURL,
			loc: loc, static: s.static, zone: snap.Loc, s: s, version: pagesVersion(c),
			Languages: s.languages(), Demo: m.Demo},
		Feeds:  s.feedLinks(c, loc),
		Unread: unread, Notices: notices, Account: account(c),
		Title: title, Path: c.Request().URL.RequestURI(), Data: data,
		csrf: func() string { return s.csrfToken(c) }, snap: snap, ec: c,
	}, nil
}

// render writes the named page with status. Title may be a message id.
func (s *Server) render(c echo.Context, status int, name, title string, data any) error {
	p, err := s.newPage(c, "", data)
	if err != nil {
		return err
	}
	if title != "" {
		p.Title = p.T(title)
	}
	return s.write(c, status, name, p)
}

// buffer returns an empty buffer from the server's pool, for release.
func (s *Server) buffer() *bytes.Buffer {
	if buf, _ := s.bufs.Get().(*bytes.Buffer); buf != nil {
		return buf
	}
	return new(bytes.Buffer)
}

// release empties buf and gives it back to the pool, unless it grew past
// 1 MiB (a rare page is not worth holding that much for).
func (s *Server) release(buf *bytes.Buffer) {
	if buf.Cap() <= 1<<20 {
		buf.Reset()
		s.bufs.Put(buf)
	}
}

// write sends page name for p: the reader's kept frame when there is one,
// or the layout rendered.
func (s *Server) write(c echo.Context, status int, name string, p *page) error {
	pt := s.pages[name]
	if pt == nil {
		return fmt.Errorf("web: no template %q", name)
	}
	buf := s.buffer()
	defer s.release(buf)
	t, err := pt.set()
	if err != nil {
		return fmt.Errorf("web: render %s: %w", name, err)
	}
	p.tmpl, p.name = t, name
	p.keep = status == http.StatusOK && c.Request().Method == http.MethodGet
	if f, err := s.writeFrame(buf, pt, p); err != nil {
		return fmt.Errorf("web: render %s: %w", name, err)
	} else if f != nil {
		return s.writePacked(c, status, f, p.Lang, p.Account, buf)
	}
	if err := t.ExecuteTemplate(buf, "layout", p); err != nil {
		return fmt.Errorf("web: render %s: %w", name, err)
	}
	h := c.Response().Header()
	h["Content-Language"] = []string{p.Lang}
	h.Add("Vary", "Accept-Language, Cookie")
	return c.HTMLBlob(status, buf.Bytes())
}

// lang chooses the UI language: the account's setting, the language cookie,
// Accept-Language, then the market's first language.
func (s *Server) lang(c echo.Context, m *node.Market) string {
	fallback := "zh-Hans"
	if len(m.Languages) > 0 && m.Languages[0] != "" {
		fallback = m.Languages[0]
	}
	var prefs []string
	if a := account(c); a != nil && a.Lang != "" {
		prefs = append(prefs, a.Lang)
	}
	if ck, err := c.Cookie(langCookie); err == nil {
		prefs = append(prefs, ck.Value)
	}
	prefs = append(prefs, c.Request().Header.Get("Accept-Language"))
	return s.cfg.Catalog.Match(fallback, prefs...)
}

const langCookie = "shiji_lang"

// language is one of the catalogue's languages, named in itself.
type language struct{ Tag, Name string }

func (s *Server) languages() []language {
	var out []language
	for _, l := range s.cfg.Catalog.Languages() {
		out = append(out, language{Tag: l, Name: s.cfg.Catalog.LanguageName(l)})
	}
	return out
}

func (s *Server) setCookie(c echo.Context, name, value string, maxAge int) {
	c.SetCookie(&http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		Secure: s.secure, SameSite: http.SameSiteLaxMode})
}
