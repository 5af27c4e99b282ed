package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/federation"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
	"github.com/shiji-market/shiji/node/limits"
	"github.com/shiji-market/shiji/node/markdown"
	"github.com/shiji-market/shiji/node/media"
	"github.com/shiji-market/shiji/node/metrics"
	"github.com/shiji-market/shiji/node/push"
	"github.com/shiji-market/shiji/node/web"
	"github.com/shiji-market/shiji/themes"
)

const serveUsage = `Usage: shiji serve [--addr 127.0.0.1:8080] [--data DIR] [--base-url URL] [--demo]
                   [--tls-cert FILE --tls-key FILE]

Runs the market node until SIGINT or SIGTERM; in-flight requests finish and the
database closes cleanly.

Environment (flags win):
  SHIJI_ADDR        address to listen on (default 127.0.0.1:8080)
  SHIJI_DATA        data directory: database, uploads, theme overrides (default ./var)
  SHIJI_BASE_URL    public URL of the node, e.g. https://market.example (default http://ADDR,
                    https://ADDR with TLS)
  SHIJI_TLS_CERT    serve HTTPS with this PEM certificate chain (e.g. certbot's fullchain.pem);
                    reloaded when the file changes
  SHIJI_TLS_KEY     the PEM private key of that certificate (e.g. privkey.pem); give both or neither
  SHIJI_THEME       theme name (default "default"); files in DATA/themes/THEME/ override it
  SHIJI_TRUST_PROXY set to 1 when behind a reverse proxy on loopback/private addresses
  SHIJI_ALLOW_PRIVATE_NETWORKS set to 1 to federate with nodes on loopback/private addresses (tests, a LAN)
  SHIJI_AUTHORIZED_FETCH set to 1 to serve ActivityPub documents to signed requests only (Mastodon's secure mode)
  SHIJI_LOG_LEVEL   debug, info, warn or error (default info)
  SHIJI_LOG_FORMAT  json (default: one JSON object a line) or text (key=value lines, for reading by hand)
  SHIJI_METRICS_ADDR  serve Prometheus metrics at http://ADDR/metrics, e.g. 127.0.0.1:9090 (off by default)
  SHIJI_METRICS_TOKEN serve /metrics on the public port too, to "Authorization: Bearer TOKEN" only
  SHIJI_CACHE_MB    memory for the caches of rendered pages, listed items, page parts and
                    search results (default 10); 0 turns them off
  GOMEMLIMIT        the Go runtime's soft memory limit (default: 44 MiB plus the caches, or, once
                    the market is loaded, twice its heap plus the caches if that is more)
  SHIJI_TRADE_GRACE how long after its market day closes an uncollected reservation expires (default 24h)
  SHIJI_DELIVERY_RETRY how long a failed delivery to another server waits before its first retry;
                    each retry waits twice as long, at most 6h, for about two days (default 10s)
  SHIJI_HTTP_TIMEOUTS the server's timeouts against slow clients, default "header=10s read=60s idle=120s"
  SHIJI_FEDERATION_WAITS how long federation waits for other servers, any of
                    "connect=10s header=20s fetch=20s delivery=30s follow=5s settle=2s" (the defaults):
                    outgoing requests' timeouts, a follow's wait for its Accept, an item change's
                    wait before it is sent
  SHIJI_DEBUG_ADDR  serve Go's runtime profiles (pprof) on this address, e.g. 127.0.0.1:6060 (keep it on loopback)
  SHIJI_LIMITS      abuse limits over the defaults, e.g. "messages=10/2s ip-messages=50/400ms open-reservations=20"
                    (docs/trust.md lists every one)
` + worldUsage

// defaultCacheMB is SHIJI_CACHE_MB's default, web.DefaultCacheBytes.
const defaultCacheMB = web.DefaultCacheBytes >> 20

// baseMemoryLimit is the Go runtime's soft memory limit besides the caches
// when GOMEMLIMIT is not set.
const baseMemoryLimit = 44 << 20

// idleLook is how often trimWhenIdle looks whether the node is idle.
const idleLook = 10 * time.Second

// memoryLimit is the soft memory limit for a node whose market, once warm,
// holds live bytes of heap (the wander floor and the snapshot grow with the
// market): baseMemoryLimit and the caches, or, when the market is larger,
// room for the heap to double (the garbage collector's own default) beside
// the caches. A fixed limit below that makes the collector run without
// pause on a large market: at 1,000,000 items an item page cost 2.6 ms of
// CPU under the fixed limit against 0.86 ms with room (wrk, 64 connections,
// random items).
func memoryLimit(live, cacheBytes int64) int64 {
	cache := max(cacheBytes, 0)
	return max(baseMemoryLimit+cache, 2*live+cache+16<<20)
}

type serveConfig struct {
	addr, dataDir, baseURL, theme, logLevel string
	cacheMB                                 int
	memLimitSet                             bool // GOMEMLIMIT is in the environment
	logFormat, metricsAddr, metricsToken    string
	tlsCert, tlsKey                         string
	tradeGrace, deliveryRetry               time.Duration
	demo, trustProxy, allowPrivate          bool
	authorizedFetch                         bool
	world                                   worldFlags // serve_world.go
	limits                                  limits.Config
	fedWaits                                federationWaits // fedwaits.go
}

func serve(ctx context.Context, args []string, e env) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var cfg serveConfig
	fs.StringVar(&cfg.addr, "addr", "", "address to listen on (env SHIJI_ADDR, default 127.0.0.1:8080)")
	fs.StringVar(&cfg.dataDir, "data", "", "data directory (env SHIJI_DATA, default ./var)")
	fs.StringVar(&cfg.baseURL, "base-url", "", "public URL of this node (env SHIJI_BASE_URL, default http://ADDR, https://ADDR with --tls-cert)")
	fs.StringVar(&cfg.tlsCert, "tls-cert", "", "serve HTTPS with this PEM certificate chain, reloaded when it changes (env SHIJI_TLS_CERT)")
	fs.StringVar(&cfg.tlsKey, "tls-key", "", "the PEM private key of --tls-cert (env SHIJI_TLS_KEY)")
	fs.StringVar(&cfg.theme, "theme", "", "theme (env SHIJI_THEME, default \"default\")")
	fs.BoolVar(&cfg.demo, "demo", false, "load the demo market into an empty database")
	fs.DurationVar(&cfg.tradeGrace, "trade-grace", 0, "how long after its market day closes an uncollected reservation expires (env SHIJI_TRADE_GRACE, default 24h)")
	fs.DurationVar(&cfg.deliveryRetry, "delivery-retry", 0, "how long a failed delivery to another server waits before its first retry; it doubles each time (env SHIJI_DELIVERY_RETRY, default 10s)")
	fs.BoolVar(&cfg.trustProxy, "trust-proxy", false, "take the client IP from X-Forwarded-For set by a local proxy (env SHIJI_TRUST_PROXY=1)")
	fs.BoolVar(&cfg.allowPrivate, "allow-private-networks", false, "fetch from and deliver to loopback/private addresses (env SHIJI_ALLOW_PRIVATE_NETWORKS=1)")
	fs.BoolVar(&cfg.authorizedFetch, "authorized-fetch", false, "serve ActivityPub documents to signed requests only, as Mastodon's secure mode (env SHIJI_AUTHORIZED_FETCH=1)")
	cfg.world.register(fs)
	var limitFlag, waitsFlag string
	fs.StringVar(&waitsFlag, "federation-waits", "", "how long federation waits for other servers, e.g. \"fetch=60s follow=30s\" (env SHIJI_FEDERATION_WAITS, default \""+federationWaitsHelp+"\")")
	fs.StringVar(&limitFlag, "limits", "", "abuse limits over the defaults, e.g. \"messages=10/2s open-reservations=20\" (env SHIJI_LIMITS; docs/trust.md)")
	fs.StringVar(&cfg.metricsAddr, "metrics-addr", "", "serve Prometheus metrics on this address, e.g. 127.0.0.1:9090 (env SHIJI_METRICS_ADDR; off by default)")
	if err := parseFlags(fs, args, e, serveUsage); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	var err error
	if cfg.limits, err = limits.Parse(e.getenv("SHIJI_LIMITS"), limits.Default()); err != nil {
		return fmt.Errorf("SHIJI_LIMITS: %w", err)
	}
	if cfg.limits, err = limits.Parse(limitFlag, cfg.limits); err != nil {
		return fmt.Errorf("--limits: %w", err)
	}
	if cfg.fedWaits, err = parseFederationWaits("SHIJI_FEDERATION_WAITS", e.getenv("SHIJI_FEDERATION_WAITS"), defaultFederationWaits()); err != nil {
		return err
	}
	if cfg.fedWaits, err = parseFederationWaits("--federation-waits", waitsFlag, cfg.fedWaits); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "shiji: serve takes no arguments, got %q\n\n%s", fs.Args(), serveUsage)
		return errUsage
	}
	cfg.addr = firstNonEmpty(cfg.addr, e.getenv("SHIJI_ADDR"), "127.0.0.1:8080")
	cfg.dataDir = firstNonEmpty(cfg.dataDir, e.getenv("SHIJI_DATA"), "./var")
	cfg.baseURL = firstNonEmpty(cfg.baseURL, e.getenv("SHIJI_BASE_URL"))
	cfg.theme = firstNonEmpty(cfg.theme, e.getenv("SHIJI_THEME"), "default")
	cfg.tlsCert = firstNonEmpty(cfg.tlsCert, e.getenv("SHIJI_TLS_CERT"))
	cfg.tlsKey = firstNonEmpty(cfg.tlsKey, e.getenv("SHIJI_TLS_KEY"))
	switch {
	case cfg.tlsCert != "" && cfg.tlsKey == "":
		return fmt.Errorf("--tls-cert %s needs --tls-key (or SHIJI_TLS_KEY): the certificate's private key", cfg.tlsCert)
	case cfg.tlsKey != "" && cfg.tlsCert == "":
		return fmt.Errorf("--tls-key %s needs --tls-cert (or SHIJI_TLS_CERT): the certificate chain", cfg.tlsKey)
	}
	cfg.trustProxy = cfg.trustProxy || e.getenv("SHIJI_TRUST_PROXY") == "1"
	cfg.allowPrivate = cfg.allowPrivate || e.getenv("SHIJI_ALLOW_PRIVATE_NETWORKS") == "1"
	cfg.authorizedFetch = cfg.authorizedFetch || e.getenv("SHIJI_AUTHORIZED_FETCH") == "1"
	cfg.logLevel = firstNonEmpty(e.getenv("SHIJI_LOG_LEVEL"), "info")
	cfg.cacheMB = defaultCacheMB
	if v := e.getenv("SHIJI_CACHE_MB"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 64<<10 {
			return fmt.Errorf("SHIJI_CACHE_MB %q: use a whole number of MiB from 0 to 65536", v)
		}
		cfg.cacheMB = n
	}
	cfg.memLimitSet = e.getenv("GOMEMLIMIT") != ""
	cfg.logFormat = firstNonEmpty(e.getenv("SHIJI_LOG_FORMAT"), "json")
	cfg.metricsAddr = firstNonEmpty(cfg.metricsAddr, e.getenv("SHIJI_METRICS_ADDR"))
	cfg.metricsToken = e.getenv("SHIJI_METRICS_TOKEN")
	if t := cfg.metricsToken; t != "" && len(t) < 16 {
		return fmt.Errorf("SHIJI_METRICS_TOKEN is too short: use at least 16 random characters (it guards /metrics on the public port)")
	}
	if v := e.getenv("SHIJI_TRADE_GRACE"); v != "" && cfg.tradeGrace == 0 {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("SHIJI_TRADE_GRACE %q: use a positive duration such as 24h or 90m", v)
		}
		cfg.tradeGrace = d
	}
	if cfg.tradeGrace < 0 {
		return fmt.Errorf("--trade-grace %s: use a positive duration such as 24h or 90m", cfg.tradeGrace)
	}
	if v := e.getenv("SHIJI_DELIVERY_RETRY"); v != "" && cfg.deliveryRetry == 0 {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("SHIJI_DELIVERY_RETRY %q: use a positive duration such as 10s or 1m", v)
		}
		cfg.deliveryRetry = d
	}
	if cfg.deliveryRetry < 0 {
		return fmt.Errorf("--delivery-retry %s: use a positive duration such as 10s or 1m", cfg.deliveryRetry)
	}
	if err := cfg.world.resolve(fs, e); err != nil {
		return err
	}
	return serveWith(ctx, cfg, e)
}

func serveWith(ctx context.Context, cfg serveConfig, e env) error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.logLevel)); err != nil {
		return fmt.Errorf("SHIJI_LOG_LEVEL %q: use debug, info, warn or error", cfg.logLevel)
	}
	var handler slog.Handler
	switch cfg.logFormat {
	case "json":
		handler = slog.NewJSONHandler(e.stderr, &slog.HandlerOptions{Level: level})
	case "text":
		handler = slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: level})
	default:
		return fmt.Errorf("SHIJI_LOG_FORMAT %q: use json or text", cfg.logFormat)
	}
	logger := slog.New(handler)
	// The access log: JSON lines written straight to stderr in the JSON
	// handler's shape (no allocation a request); with text logs, through
	// the logger.
	var accessLog io.Writer
	if cfg.logFormat == "json" {
		accessLog = e.stderr
	}
	var certs *certReloader
	if cfg.tlsCert != "" {
		var err error
		if certs, err = newCertReloader(cfg.tlsCert, cfg.tlsKey, logger); err != nil {
			return err
		}
	}

	dbPath := filepath.Join(cfg.dataDir, "shiji.db")
	db, err := data.Open(ctx, dbPath, time.Now)
	if err != nil {
		return err
	}
	defer db.Close()
	if cfg.demo {
		start := time.Now()
		switch password, sum, err := loadDefaultDemo(ctx, db, cfg.dataDir); node.ErrorCode(err) {
		case "":
			fmt.Fprintf(e.stdout, "shiji: loaded the demo market (%d stalls, %d items) in %s\n", sum.Stalls, sum.Items, time.Since(start).Round(time.Millisecond))
			fmt.Fprintf(e.stdout, "shiji: log in as %s with password %s\n", sum.Organiser, password)
			logins, err := demoLogins(ctx, db)
			if err != nil {
				return err
			}
			for _, l := range logins {
				fmt.Fprintf(e.stdout, "shiji: or as the %s: %s with password %s\n", l.Role, l.Name, l.Password)
			}
		case node.ECONFLICT:
			fmt.Fprintln(e.stdout, "shiji: the database already holds a market; not loading the demo again")
		default:
			return err
		}
	}
	catalog, err := loadCatalog(cfg.dataDir)
	if err != nil {
		return err
	}
	theme, err := themes.Open(cfg.theme, filepath.Join(cfg.dataDir, "themes", cfg.theme))
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", cfg.addr, err)
	}
	defer ln.Close()
	scheme := "http"
	if certs != nil {
		scheme = "https"
	}
	baseURL := cfg.baseURL
	if baseURL == "" {
		baseURL = scheme + "://" + ln.Addr().String()
	}
	photos, err := media.NewStore(filepath.Join(cfg.dataDir, "media"), media.DefaultLimits())
	if err != nil {
		return err
	}
	worldPhotos, err := media.NewStore(filepath.Join(cfg.dataDir, "world-media"), media.DefaultLimits())
	if err != nil {
		return err
	}
	if cfg.limits.Rates == nil {
		cfg.limits = limits.Default()
	}
	a := app.New(db, time.Now)
	a.Caps = cfg.limits
	if cfg.tradeGrace > 0 {
		a.TradeGrace = cfg.tradeGrace
	}
	var mx *metrics.Metrics
	var fedMetrics federation.Metrics
	var webMetrics web.RequestObserver
	var pushMetrics push.Metrics
	if cfg.metricsAddr != "" || cfg.metricsToken != "" {
		mx = metrics.New(db, a.Live, version)
		fedMetrics, webMetrics, pushMetrics = mx, mx, mx
	}
	inbox := cfg.limits.Rates[limits.Inbox]
	fed, err := federation.New(federation.Config{App: a, BaseURL: baseURL, Logger: logger, AllowPrivate: cfg.allowPrivate,
		AuthorizedFetch: cfg.authorizedFetch, Media: photos, Version: version, Metrics: fedMetrics,
		World: cfg.world.limits, WorldMedia: worldPhotos, RootCAs: cfg.world.roots,
		InboxBurst: inbox.Burst, InboxRate: perSecond(inbox.Every), RetryBase: cfg.deliveryRetry,
		Timeouts: cfg.fedWaits.timeouts, FollowWait: cfg.fedWaits.follow, Settle: cfg.fedWaits.settle})
	if err != nil {
		return err
	}
	defer fed.Close() // before the database closes, on every way out
	a.Fed = fed
	cacheBytes := int64(cfg.cacheMB) << 20
	if cfg.cacheMB == 0 {
		cacheBytes = -1
	}
	if !cfg.memLimitSet {
		// A soft limit the garbage collector keeps the Go heap under: the
		// node's own memory (the wander floor, the snapshot, requests in
		// flight) and its caches; SQLite's pages are outside it.
		debug.SetMemoryLimit(baseMemoryLimit + max(cacheBytes, 0))
	}
	a.Warmed = func() {
		if !cfg.memLimitSet {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms) // just after a collection: HeapAlloc is what the market holds
			if limit := memoryLimit(int64(ms.HeapAlloc), cacheBytes); limit > baseMemoryLimit+max(cacheBytes, 0) {
				debug.SetMemoryLimit(limit)
				logger.Info("memory limit sized to the market", "live_heap_mib", ms.HeapAlloc>>20, "limit_mib", limit>>20)
			}
		}
		// The code and data only start-up read go back to the kernel.
		if n := pageOutStartupCode(); n > 0 {
			logger.Debug("start-up pages of the binary paged out", "mib", n>>20)
		}
	}
	setupToken, err := setupTokenFor(ctx, a)
	if err != nil {
		return err
	}
	pusher, err := newPusher(ctx, a, catalog, strings.TrimSuffix(baseURL, "/"), cfg.allowPrivate, logger, pushMetrics)
	if err != nil {
		return err
	}
	srv, err := web.New(web.Config{
		App: a, Catalog: catalog, Theme: theme, Markdown: markdown.New(), Media: photos, WorldMedia: worldPhotos,
		BaseURL: baseURL, Logger: logger, AccessLog: accessLog, TrustProxy: cfg.trustProxy, Mount: fed.Mount,
		PlainHTTPImages: cfg.allowPrivate, SetupToken: setupToken, PushKey: pusher.PublicKey(), AllowPrivate: cfg.allowPrivate,
		Metrics: webMetrics, MetricsToken: cfg.metricsToken, MetricsHandler: metricsHandler(mx), Limits: cfg.limits, CacheBytes: cacheBytes,
	})
	if err != nil {
		return err
	}
	to, err := parseHTTPTimeouts(e.getenv("SHIJI_HTTP_TIMEOUTS"))
	if err != nil {
		return err
	}
	fed.Explain = srv.ExplainError
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: to.header, // slowloris
		ReadTimeout:       to.read,   // a body trickling in
		IdleTimeout:       to.idle,
		MaxHeaderBytes:    to.maxHeaderBytes, // 431 beyond
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	if certs != nil {
		hs.TLSConfig = &tls.Config{
			MinVersion:     tls.VersionTLS12,
			NextProtos:     []string{"h2", "http/1.1"},
			GetCertificate: certs.getCertificate,
		}
	}
	hs.RegisterOnShutdown(srv.Close)
	if addr := e.getenv("SHIJI_DEBUG_ADDR"); addr != "" {
		dctx, stopDebug := context.WithCancel(ctx)
		defer stopDebug()
		got, err := startDebug(dctx, addr, logger)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "shiji: debug profiles on http://%s/debug/pprof/\n", got)
	}
	bg, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	defer stopBG()
	go sweepSessions(bg, db, logger)
	go noticeOtherWriters(bg, db, logger)
	go a.Run(bg)
	go trimWhenIdle(bg, idleLook, logger) // memory back to the system while nobody visits
	fedDone := make(chan struct{})
	go func() { fed.Run(bg); close(fedDone) }()
	tradesDone := make(chan struct{})
	go func() { a.RunTrades(bg, logger); close(tradesDone) }() // expires uncollected reservations
	pushDone := make(chan struct{})
	go func() { pusher.Run(bg); close(pushDone) }() // Web Push of new notifications and hand-over reminders

	var ms *http.Server
	if cfg.metricsAddr != "" {
		mln, err := net.Listen("tcp", cfg.metricsAddr)
		if err != nil {
			return fmt.Errorf("cannot listen on %s for metrics: %w", cfg.metricsAddr, err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", mx.Handler())
		ms = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go ms.Serve(mln)
		defer ms.Close()
		fmt.Fprintf(e.stdout, "shiji: metrics on http://%s/metrics\n", mln.Addr())
	}
	errc := make(chan error, 1)
	go func() {
		if certs != nil {
			errc <- hs.ServeTLS(ln, "", "") // the certificate comes from TLSConfig.GetCertificate
			return
		}
		errc <- hs.Serve(ln)
	}()
	fmt.Fprintf(e.stdout, "shiji: listening on %s://%s (public URL %s, data %s)\n", scheme, ln.Addr(), strings.TrimSuffix(baseURL, "/"), cfg.dataDir)
	if setupToken != "" {
		fmt.Fprintf(e.stdout, "shiji: this market has no organiser yet; set it up at %s/setup?token=%s (or run shiji setup)\n",
			strings.TrimSuffix(baseURL, "/"), setupToken)
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	fmt.Fprintln(e.stdout, "shiji: shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err = hs.Shutdown(sctx)
	stopBG()
	<-fedDone
	<-tradesDone
	<-pushDone
	if cerr := db.Close(); cerr != nil {
		return fmt.Errorf("closing the database: %w", cerr)
	}
	fmt.Fprintln(e.stdout, "shiji: stopped")
	return err
}

// perSecond is the rate of one event every d (0: unlimited).
func perSecond(d time.Duration) float64 {
	if d <= 0 {
		return 1e9
	}
	return float64(time.Second) / float64(d)
}

// sweepSessions removes expired sessions every hour until ctx ends.
func sweepSessions(ctx context.Context, db *data.DB, logger *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := db.DeleteExpiredSessions(ctx); err != nil && ctx.Err() == nil {
			logger.Warn("sweeping sessions", "err", err)
		} else if n > 0 {
			logger.Info("swept expired sessions", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// noticeOtherWriters looks every second whether another process (shiji user
// add, a repair by hand) has written to the database, so that what the node
// keeps in memory catches up; the node's own writes show at once.
func noticeOtherWriters(ctx context.Context, db *data.DB, logger *slog.Logger) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := db.NoticeOtherWriters(ctx); err != nil && ctx.Err() == nil {
			logger.Warn("looking for other writers", "err", err)
		}
	}
}

// certReloader hands TLS handshakes a certificate pair read from two PEM
// files, and reads the pair again when either file's size or modification
// time has changed, so that a renewal (certbot, an ACME client) takes effect
// without a restart. A pair that fails to load is logged and the previous one
// is kept.
type certReloader struct {
	certFile, keyFile string
	logger            *slog.Logger

	mu    sync.Mutex
	cert  *tls.Certificate
	stamp pairStamp // of the files last tried
}

// pairStamp is what a stat of the two files says; the zero value when either
// cannot be read.
type pairStamp struct{ certMod, certSize, keyMod, keySize int64 }

func statPair(certFile, keyFile string) pairStamp {
	c, err := os.Stat(certFile)
	if err != nil {
		return pairStamp{}
	}
	k, err := os.Stat(keyFile)
	if err != nil {
		return pairStamp{}
	}
	return pairStamp{c.ModTime().UnixNano(), c.Size(), k.ModTime().UnixNano(), k.Size()}
}

// newCertReloader loads the pair; the error names both files.
func newCertReloader(certFile, keyFile string, logger *slog.Logger) (*certReloader, error) {
	r := &certReloader{certFile: certFile, keyFile: keyFile, logger: logger, stamp: statPair(certFile, keyFile)}
	c, err := r.load()
	if err != nil {
		return nil, err
	}
	r.cert = c
	return r, nil
}

func (r *certReloader) load() (*tls.Certificate, error) {
	c, err := tls.LoadX509KeyPair(r.certFile, r.keyFile)
	if err != nil {
		return nil, fmt.Errorf("TLS certificate %s with key %s: %w", r.certFile, r.keyFile, err)
	}
	return &c, nil
}

// getCertificate is the tls.Config hook: a stat of both files per full
// handshake (microseconds, against the handshake's milliseconds).
func (r *certReloader) getCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := statPair(r.certFile, r.keyFile)
	if st == r.stamp {
		return r.cert, nil
	}
	r.stamp = st
	c, err := r.load()
	if err != nil {
		r.logger.Warn("TLS certificate not reloaded; still serving the previous one", "err", err)
		return r.cert, nil
	}
	r.cert = c
	if c.Leaf != nil { // LoadX509KeyPair fills it unless GODEBUG=x509keypairleaf=0
		r.logger.Info("TLS certificate reloaded", "cert", r.certFile, "subject", c.Leaf.Subject.String(), "not_after", c.Leaf.NotAfter)
	} else {
		r.logger.Info("TLS certificate reloaded", "cert", r.certFile)
	}
	return r.cert, nil
}

// metricsHandler is m's handler, nil without metrics.
func metricsHandler(m *metrics.Metrics) http.Handler {
	if m == nil {
		return nil
	}
	return m.Handler()
}
