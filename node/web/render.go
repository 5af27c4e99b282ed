package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/i18n"
)

type pageTemplate struct{ t *template.Template }

// parseTemplates parses layout.html and the partial_*.html files, then each
// page file into its own set on top of them.
func (s *Server) parseTemplates() error {
	names, err := fs.Glob(s.cfg.Theme, "templates/*.html")
	if err != nil {
		return err
	}
	base := template.New("").Funcs(template.FuncMap{
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
				m[fmt.Sprint(kv[i])] = kv[i+1]
			}
			return m
		},
	})
	layout, err := fs.ReadFile(s.cfg.Theme, "templates/layout.html")
	if err != nil {
		return fmt.Errorf("web: theme: %w", err)
	}
	if _, err := base.New("layout.html").Parse(string(layout)); err != nil {
		return fmt.Errorf("web: theme: layout.html: %w", err)
	}
	partials, _ := fs.Glob(s.cfg.Theme, "templates/partial_*.html")
	for _, p := range partials {
		b, err := fs.ReadFile(s.cfg.Theme, p)
		if err != nil {
			return err
		}
		if _, err := base.New(path.Base(p)).Parse(string(b)); err != nil {
			return fmt.Errorf("web: theme: %s: %w", p, err)
		}
	}
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
		t, err := base.Clone()
		if err != nil {
			return err
		}
		if _, err := t.New(path.Base(n)).Parse(string(b)); err != nil {
			return fmt.Errorf("web: theme: %s: %w", n, err)
		}
		if t.Lookup("content") == nil {
			return fmt.Errorf("web: theme: %s does not define \"content\"", n)
		}
		s.pages[name] = &pageTemplate{t: t}
	}
	for _, required := range []string{"home", "login", "signup", "account", "error"} {
		if s.pages[required] == nil {
			return fmt.Errorf("web: theme: templates/%s.html is missing", required)
		}
	}
	return nil
}

// page is what every template gets.
type page struct {
	Lang       string
	MarketName string
	Account    *node.Account
	Unread     int // unread messages of the signed-in account
	Notices    int // unread notifications
	CSRF       string
	Title      string
	Path       string
	Base       string
	Data       any
	Languages  []language // the catalogue's languages, for the footer's switch
	Demo       bool       // the market is the demo (a banner on every page)
	Feeds      []feedLink // the page's feeds, for <link rel="alternate">
	loc        *i18n.Localizer
	static     map[string]string
	zone       *time.Location // the market's time zone
}

// T translates a message id; args are name/value pairs.
func (p *page) T(id string, args ...any) string { return p.loc.T(id, args...) }

// Text picks the page's language from a multilingual text: a Chinese
// reader gets the other Chinese before English.
func (p *page) Text(t node.Text) string {
	if strings.HasPrefix(p.Lang, "zh") {
		return t.In(p.Lang, "zh-Hant", "zh-Hans", "en")
	}
	return t.In(p.Lang, "en", "zh-Hans")
}

// Price formats a price in the page's language ("¥88", "CN¥88.00", "Free"):
// a node.Price or a *node.RemotePrice (an amount read from elsewhere, shown
// as it came when it is not one we can read).
func (p *page) Price(v any) string {
	switch pr := v.(type) {
	case node.Price:
		return p.loc.Price(pr)
	case *node.RemotePrice:
		if pr == nil {
			return ""
		}
		if parsed, err := node.ParsePrice(pr.Amount, pr.Currency); err == nil {
			return p.loc.Price(parsed)
		}
		return pr.Amount + " " + pr.Currency
	}
	return fmt.Sprint(v)
}

// Date formats the date of an instant in the market's time zone and the
// page's language ("Sat 5 Dec", "12月5日 周六").
func (p *page) Date(t time.Time) string {
	if p.zone != nil {
		t = t.In(p.zone)
	}
	return p.loc.Date(t)
}

// Static returns the URL of a theme static file, with a content hash for caching.
func (p *page) Static(name string) string {
	if h, ok := p.static[name]; ok {
		return "/static/" + name + "?v=" + h
	}
	return "/static/" + name
}

// newPage fills the common parts of a page for the request.
func (s *Server) newPage(c echo.Context, title string, data any) (*page, error) {
	m, err := s.app.DB.Market(c.Request().Context())
	if err != nil {
		return nil, err
	}
	lang := s.lang(c, m)
	csrf, _ := c.Get("csrf").(string)
	var unread, notices int
	if a := account(c); a != nil {
		if unread, notices, err = s.app.DB.Unread(c.Request().Context(), a.ID); err != nil {
			return nil, err
		}
	}
	loc := s.cfg.Catalog.Localizer(lang)
	return &page{
		Feeds:  s.feedLinks(c, loc),
		Unread: unread, Notices: notices,
		Lang: lang, MarketName: m.Name.In(lang, m.Languages...), Account: account(c), CSRF: csrf,
		Title: title, Path: c.Request().URL.RequestURI(), Base: s.cfg.BaseURL, Data: data,
		loc: loc, static: s.static, zone: m.Location(),
		Languages: s.languages(), Demo: m.Demo,
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

func (s *Server) write(c echo.Context, status int, name string, p *page) error {
	pt := s.pages[name]
	if pt == nil {
		return fmt.Errorf("web: no template %q", name)
	}
	var buf bytes.Buffer
	if err := pt.t.ExecuteTemplate(&buf, "layout", p); err != nil {
		return fmt.Errorf("web: render %s: %w", name, err)
	}
	c.Response().Header().Set("Content-Language", p.Lang)
	c.Response().Header().Add("Vary", "Accept-Language, Cookie")
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
