// Package federation is shiji on the fediverse: ActivityPub actors for the
// market (Group), its stalls (Organization), its people (Person) and the node
// itself (Application); WebFinger, host-meta and NodeInfo; HTTP signatures as
// Mastodon does them; an SSRF-safe client; the inboxes; item activities; and a
// persistent delivery queue in SQLite. go-fed/activity is imported here and
// nowhere else. docs/federation.md describes the protocol side.
package federation

import (
	"context"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
	"github.com/shiji-market/shiji/node/i18n"
	"github.com/shiji-market/shiji/node/markdown"
	"github.com/shiji-market/shiji/node/media"
	"golang.org/x/time/rate"
)

// Config is everything federation needs; nothing is global.
type Config struct {
	App     *app.App // the use cases and their store
	BaseURL string   // the node's public URL, e.g. https://market.example
	Logger  *slog.Logger
	// AllowPrivate lets the node fetch from and deliver to loopback and
	// private addresses (tests, a market on a LAN), and look up WebFinger over
	// plain http when https fails. Off by default: SSRF protection.
	AllowPrivate bool
	// Now is the clock of signatures and the queue; time.Now when nil.
	Now func() time.Time
	// Transport, when set, replaces the network for outgoing requests (tests
	// fake remote servers with it). The SSRF guard is then the caller's job.
	Transport http.RoundTripper
	// RootCAs, when set, are the certificate authorities trusted for https
	// to other servers instead of the system's (a LAN with its own CA).
	RootCAs *x509.CertPool
	// Settle is how long an item change waits before it is rendered and sent,
	// so that photos uploaded right after the item ride along (zero:
	// DefaultSettle).
	Settle time.Duration
	// FollowWait is how long a follow of a remote actor, and a link to
	// another market, waits for the Accept before answering with the
	// follow still pending (zero: DefaultFollowWait).
	FollowWait time.Duration
	// Version is the software version NodeInfo and the User-Agent show.
	Version string
	// Workers is how many deliveries run at once (default 16), PerHost how
	// many of them to one host (default 4).
	Workers, PerHost int
	// RetryBase is how long a failed delivery waits before its first retry;
	// each retry waits twice as long as the one before, at most 6 hours, for
	// about two days (zero: 10 s).
	RetryBase time.Duration
	// Media, when set, keeps the pictures of messages from elsewhere (they
	// are copied here and served as the messages' photos).
	Media *media.Store
	// AuthorizedFetch requires a valid HTTP signature on every GET of our
	// ActivityStreams documents (Mastodon's secure mode), so blocked servers
	// cannot read them either.
	AuthorizedFetch bool
	// World is the limits of the world market's catalogue (zero fields:
	// node.DefaultWorldLimits); WorldMedia keeps the thumbnails of the
	// catalogue's pictures (none are copied when nil); WorldCheck is how
	// often linked markets are asked whether they are up (default 10 min).
	World      node.WorldLimits
	WorldMedia *media.Store
	WorldCheck time.Duration
	// InboxRate and InboxBurst are the per-host token bucket of the inboxes
	// (and of signed fetches in authorized-fetch mode): InboxBurst activities
	// at once, then InboxRate a second. Zero: 30 a second, a burst of 300.
	InboxRate  float64
	InboxBurst int
	// Timeouts bound every outgoing request (zero fields: the defaults).
	Timeouts Timeouts
	// Metrics, when set, counts deliveries and inbox activities.
	Metrics Metrics
}

// Metrics counts what federation does, for /metrics.
type Metrics interface {
	// Delivered counts one delivery attempt by result: delivered, retry,
	// failed (for good) or cancelled.
	Delivered(result string)
	// InboxActivity counts one activity posted to an inbox by its type and
	// result: accepted, or the error code that refused it.
	InboxActivity(typ, result string)
}

// Timeouts bound outgoing requests, so that a server that never answers,
// answers a byte at a time or sends without end holds nothing up for long:
// Connect (dialing, and the TLS handshake), Header (until the response's
// headers), and Fetch and Delivery (a whole GET or POST, its body
// included). Bodies are capped besides (1 MB for documents, the photo limit
// for pictures).
type Timeouts struct {
	Connect, Header, Fetch, Delivery time.Duration
}

// DefaultTimeouts: 10 s to connect, 20 s to the headers, 20 s for a fetch
// and 30 s for a delivery.
func DefaultTimeouts() Timeouts {
	return Timeouts{Connect: 10 * time.Second, Header: 20 * time.Second, Fetch: fetchTimeout, Delivery: deliveryTimeout}
}

// DefaultSettle is how long an item change waits before it is sent
// (Config.Settle).
const DefaultSettle = 2 * time.Second

// Federation is the ActivityPub side of a node. Mount adds its routes to the
// web server, Run delivers the queue, ItemChanged (app.Federator) sends item
// activities.
type Federation struct {
	// Explain, when set (by the web layer, before serving), words the
	// errors of the API routes here in the reader's language.
	Explain func(c echo.Context, err error) (int, string)

	cfg        Config
	app        *app.App
	db         *data.DB
	md         *markdown.Renderer
	log        *slog.Logger
	u          urls
	host       string // host[:port] of BaseURL
	now        func() time.Time
	keys       *keyring
	pems       pemCache
	signers    signerCache // keys and their owners as last read (ingest_fast.go)
	actorFacts factsCache  // rooms and followed actors, for the Inbox version (ingest_fast.go)
	seen       seenFilter  // ids certainly never taken in, answered from memory (ingest_seen.go)
	refetch    refetchGate // keys fetched again after a failed signature
	hashes     blurhashes  // of our photos (blurhash.go)
	client     *client
	limit      *hostLimiter
	wake       chan struct{}
	retry      time.Duration // the queue's first retry delay (tests shorten it)

	blocked    atomic.Pointer[blockSet] // the organiser's blocks (blocks.go)
	pictureSem chan struct{}            // one remote picture decoded at a time (pictures.go)

	// Background work that outlives a request (backfill.go): Run cancels it
	// and waits for it when it ends.
	bgCtx    context.Context
	bgCancel context.CancelFunc
	bgWG     sync.WaitGroup

	catOnce sync.Once // the catalogue market days are written with (events.go)
	cat     *i18n.Catalog
	catErr  error

	world *worldState // market links and the catalogue (links.go, catalogue*.go)
}

var _ app.Federator = (*Federation)(nil)

// New builds the federation layer; it fails on a base URL that is not an
// absolute http(s) URL.
func New(cfg Config) (*Federation, error) {
	u, err := url.Parse(strings.TrimSuffix(cfg.BaseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return nil, fmt.Errorf("federation: the base URL %q must be an absolute http(s) URL without a path", cfg.BaseURL)
	}
	if cfg.App == nil {
		return nil, fmt.Errorf("federation: no app")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Settle <= 0 {
		cfg.Settle = DefaultSettle
	}
	if cfg.FollowWait <= 0 {
		cfg.FollowWait = DefaultFollowWait
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 16
	}
	if cfg.PerHost <= 0 {
		cfg.PerHost = 4
	}
	def := DefaultTimeouts()
	for _, t := range []struct {
		v *time.Duration
		d time.Duration
	}{
		{&cfg.Timeouts.Connect, def.Connect}, {&cfg.Timeouts.Header, def.Header},
		{&cfg.Timeouts.Fetch, def.Fetch}, {&cfg.Timeouts.Delivery, def.Delivery},
	} {
		if *t.v <= 0 {
			*t.v = t.d
		}
	}
	if cfg.InboxRate <= 0 {
		cfg.InboxRate = inboxRate
	}
	if cfg.InboxBurst <= 0 {
		cfg.InboxBurst = inboxBurst
	}
	if cfg.Version == "" {
		cfg.Version = "dev"
	}
	md := cfg.App.MD
	if md == nil {
		md = markdown.New()
	}
	f := &Federation{
		cfg: cfg, app: cfg.App, db: cfg.App.DB, md: md, log: cfg.Logger.With("part", "federation"),
		u: urls{base: u.Scheme + "://" + u.Host}, host: u.Host, now: cfg.Now,
		limit: newHostLimiter(rate.Limit(cfg.InboxRate), cfg.InboxBurst), wake: make(chan struct{}, 1), pictureSem: make(chan struct{}, 1),
		retry: cfg.RetryBase,
	}
	f.bgCtx, f.bgCancel = context.WithCancel(context.Background())
	f.seen.built = make(chan struct{})
	f.world = newWorldState(&f.cfg)
	f.keys = newKeyring(f)
	f.client = newClient(f)
	if err := f.prepareIngest(context.Background()); err != nil {
		return nil, err
	}
	// The filter of ids taken in is read from the table in the background
	// (a month of a busy inbox is a few hundred thousand ids: start-up
	// does not wait for them); until it is there, every id is asked of
	// the database, as the filter's "maybe" is.
	f.bgWG.Add(1)
	go func() {
		defer f.bgWG.Done()
		defer close(f.seen.built)
		if err := f.rebuildSeen(f.bgCtx); err != nil && f.bgCtx.Err() == nil {
			f.log.Error("inbox: reading the ids taken in", "err", err)
		}
	}()
	return f, nil
}

// userAgent is sent with every request.
func (f *Federation) userAgent() string {
	return "shiji/" + f.cfg.Version + " (+" + f.u.base + "/)"
}

// kick wakes the delivery worker.
func (f *Federation) kick() {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// Close stops what New started in the background (the first read of the
// ids taken in) and what Run leaves running, and waits for it: call it
// before the database is closed, whether or not Run ran. Closing twice is
// harmless.
func (f *Federation) Close() {
	f.bgCancel()
	f.bgWG.Wait()
}

// Run delivers the queue, and sweeps the market days (events.go), until ctx
// ends. Start it once, with the node's background context.
func (f *Federation) Run(ctx context.Context) {
	days, world := make(chan struct{}), make(chan struct{})
	go func() { f.runDays(ctx); close(days) }()
	go func() { f.runWorld(ctx); close(world) }() // the catalogue (world_run.go)
	newWorker(f).run(ctx)
	<-days
	<-world
	f.Close()
}
