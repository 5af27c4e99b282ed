// Package web is shiji's HTTP layer: echo v4, every route in routes.go, one
// error handler, themed HTML pages and the JSON API under /api/v1.
package web

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	template "github.com/shiji-market/shiji/internal/template/html"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/node/app"
	"github.com/shiji-market/shiji/node/i18n"
	"github.com/shiji-market/shiji/node/limits"
	"github.com/shiji-market/shiji/node/markdown"
	"github.com/shiji-market/shiji/node/media"
)

// Config is everything the web layer needs; nothing is global.
type Config struct {
	App     *app.App
	Catalog *i18n.Catalog
	Theme   fs.FS        // the theme's files (templates/, static/), overrides applied
	Media   *media.Store // uploaded photos, served under /media/
	// WorldMedia keeps the thumbnails of the world market's catalogue,
	// served under /world/media/ (none when nil).
	WorldMedia *media.Store
	Markdown   *markdown.Renderer
	BaseURL    string // e.g. https://market.example, no trailing slash
	Logger     *slog.Logger
	// TrustProxy makes the real client IP come from X-Forwarded-For set by a
	// reverse proxy on a private or loopback address. Off: the peer address.
	TrustProxy bool
	// PlainHTTPImages lets pages show images from other servers over plain
	// http (markets on a LAN or loopback, with --allow-private-networks);
	// otherwise only https images from elsewhere.
	PlainHTTPImages bool
	// Mount, when set, is called after the routes are registered so that other
	// layers (federation) can add their handlers.
	Mount func(e *echo.Echo)
	// Limits are the write rate limits (limits.Default() when Rates is nil).
	Limits limits.Config
	// AccessLog, when set, receives the request log as JSON lines (the
	// shape of Logger's JSON handler, at level info when Logger logs info),
	// written without going through Logger; nil logs requests with Logger.
	AccessLog io.Writer
	// CacheBytes is what the caches of rendered pages (for visitors who
	// have not signed in), listed items, shared fragments and search
	// results may hold together (six, nine, three and one twentieths, and
	// one for signed-in readers' pages, writeFrame): 0 is
	// DefaultCacheBytes,
	// negative turns them off.
	CacheBytes int64
	// SetupToken lets whoever has it set up a node that has no organiser
	// yet (/setup?token=…, printed by serve); "" turns that off.
	SetupToken string
	// PushKey is the VAPID public key devices subscribe with; "" turns Web
	// Push off.
	PushKey string
	// AllowPrivate takes push endpoints on plain http (the node runs with
	// --allow-private-networks: tests, a LAN).
	AllowPrivate bool
	// Metrics, when set, counts every request by route and status.
	Metrics RequestObserver
	// MetricsHandler serves /metrics on the public port to requests with
	// MetricsToken ("Authorization: Bearer TOKEN"); both or neither.
	MetricsHandler http.Handler
	MetricsToken   string
}

// Server is the HTTP handler of a node.
type Server struct {
	cfg     Config
	e       *echo.Echo
	app     *app.App
	pages   map[string]*pageTemplate
	static  map[string]string // file name → content hash, for cache busting
	secure  bool
	baseURL *url.URL
	photos  *photoStore
	cache   *pageCache // anonymous pages; nil when off
	items   *itemCache // listed items and their cards; nil when off
	// fragments holds rendered shared fragments; nil when off.
	fragments *fragmentCache
	searches  *searchCache // what searches found; nil when off
	// frames holds signed-in readers' page content on a theme of one's
	// own (Content); nil when off. Their whole pages are in cache.
	frames *fragmentCache
	// partials is the theme's layout and partials, for rendering cards.
	partials *template.Template
	// fastItemCard, fastStallCard: the theme's cards are the default ones,
	// written in Go (cardfast.go).
	fastItemCard, fastStallCard bool
	// crossOrigin refuses forms posted from other sites (anonymousForms).
	crossOrigin *http.CrossOriginProtection
	bufs        sync.Pool // of *bytes.Buffer, to render pages into
	// dates remembers formatted market-day dates (view.DayDate).
	dates  sync.Map // dateKey → string
	ndates atomic.Int64
	// streamsDone is closed by Close so that live streams end on shutdown.
	streamsDone chan struct{}
	closeOnce   sync.Once
	buckets     limits.Set // write rate limits (limits.go)
	touched     touches    // when sessions were last noted as used (touch.go)
	// csrfMark stands for the reader's CSRF token in kept page content
	// (Content): random, so no page holds it by chance.
	csrfMark string
	// nameMark, shownMark stand for the reader's handle and display name in
	// kept frames of pages (writeFrame). The three marks are markPrefix and
	// four letters, found in one scan (splice). cutMark, around a shared
	// fragment in a frame, stands for nothing: the frame's parts end there,
	// so that the fragment's parts are the same bytes in every frame and
	// kept once (sharedParts).
	nameMark, shownMark, cutMark, markPrefix string
	// shared holds the frames' parts seen more than once (pack).
	shared sharedParts
}

// DefaultCacheBytes is what the caches hold together when Config leaves
// CacheBytes 0: sized for a 1 GB server that also keeps SQLite's and the
// wander floor's memory (the node stays under 100 MB at 100,000 items).
const DefaultCacheBytes = 10 << 20

// New builds the server: it parses every template of the theme (a broken
// template is an error here, not at request time) and registers the routes.
func New(cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Markdown == nil {
		cfg.Markdown = markdown.New()
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("web: the base URL %q must be an absolute http(s) URL", cfg.BaseURL)
	}
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	if cfg.Media == nil {
		return nil, fmt.Errorf("web: no photo store")
	}
	if cfg.Limits.Rates == nil {
		cfg.Limits = limits.Default()
	}
	s := &Server{cfg: cfg, app: cfg.App, secure: u.Scheme == "https", baseURL: u, photos: newPhotoStore(cfg.Media),
		streamsDone: make(chan struct{}), buckets: limits.NewSet(cfg.Limits),
		crossOrigin: http.NewCrossOriginProtection(), markPrefix: app.NewToken(20)}
	s.csrfMark, s.nameMark, s.shownMark = s.markPrefix+"CSRF", s.markPrefix+"NAME", s.markPrefix+"SHOW"
	s.cutMark = s.markPrefix + "CUT_"
	if cfg.CacheBytes == 0 {
		cfg.CacheBytes = DefaultCacheBytes
	}
	if cfg.CacheBytes > 0 {
		// Signed-in readers' pages are kept as packed frames (writeFrame)
		// in the page cache, beside anonymous pages, in one LRU: the
		// pages read most stay, whoever reads them (a share of their own,
		// a twentieth, held 40 of 1,000 item pages). The frames cache
		// keeps the content of pages on a theme of one's own (Content).
		// A larger page share starved the item cache that strolls read
		// (signed-in stroll API 1,276 µs a request instead of 571).
		s.cache = newPageCache(cfg.CacheBytes * 13 / 40)
		s.items = newItemCache(cfg.CacheBytes * 9 / 20)
		s.fragments = newFragmentCache(cfg.CacheBytes * 3 / 20)
		s.frames = newFragmentCache(cfg.CacheBytes / 40)
		s.searches = newSearchCache(cfg.CacheBytes / 20)
	}
	if err := s.loadTheme(); err != nil {
		return nil, err
	}
	s.e = echo.New()
	s.e.HideBanner, s.e.HidePort = true, true
	s.e.HTTPErrorHandler = s.handleError
	if cfg.TrustProxy {
		s.e.IPExtractor = echo.ExtractIPFromXFFHeader()
	} else {
		s.e.IPExtractor = echo.ExtractIPDirect()
	}
	s.routes()
	if cfg.Mount != nil {
		cfg.Mount(s.e)
	}
	s.e.Pre(routeHeadAsGet) // the innermost Pre middleware (head.go)
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.e.ServeHTTP(w, r) }

// Close ends the live streams (call it when the HTTP server starts shutting
// down: http.Server.Shutdown waits for them otherwise).
func (s *Server) Close() { s.closeOnce.Do(func() { close(s.streamsDone) }) }

func (s *Server) loadTheme() error {
	if err := s.parseTemplates(); err != nil {
		return err
	}
	s.static = map[string]string{}
	return fs.WalkDir(s.cfg.Theme, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(s.cfg.Theme, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		s.static[strings.TrimPrefix(p, "static/")] = hex.EncodeToString(sum[:6])
		return nil
	})
}
