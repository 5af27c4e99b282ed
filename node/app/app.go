// Package app holds shiji's use cases: each method parses nothing, authorises,
// and acts on the store. The web layer, the command line and federation all
// call the same methods.
package app

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"runtime/debug"
	"time"

	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/limits"
	"github.com/shiji-market/shiji/node/live"
	"github.com/shiji-market/shiji/node/markdown"
)

// App is the set of use cases over one store.
type App struct {
	DB   *data.DB
	Now  func() time.Time
	Live *live.Hub          // what pages show without a reload
	MD   *markdown.Renderer // the one Markdown renderer
	Fed  Federator          // tells followers elsewhere about item changes; nil = nobody

	// TradeGrace is how long after its market day closes an open trade
	// expires; TradeSweep is how often RunTrades looks for such trades.
	TradeGrace time.Duration
	TradeSweep time.Duration

	// Caps limit what one account may hold open: reservations and group
	// chats (limits.Default() unless set; 0 = no cap).
	Caps limits.Config

	// Warmed, when set, is called once by Run after it has warmed what
	// pages share and given the memory of the build back (serve sizes the
	// Go memory limit to the market then).
	Warmed func()

	floor floorCache
	snap  snapshotCache
	world worldCache // the world stroll's index (world_stroll.go)
}

// New returns an App over db with the given clock (time.Now when nil).
func New(db *data.DB, now func() time.Time) *App {
	if now == nil {
		now = time.Now
	}
	return &App{DB: db, Now: now, Live: live.New(), MD: markdown.New(), TradeGrace: node.DefaultTradeGrace, TradeSweep: time.Minute,
		Caps: limits.Default()}
}

// Ambience is the live topic of the market's ambience (烟火气).
const Ambience = "ambience"

// Warm builds what pages share before the first request: the market
// snapshot and the wander floor (its one-off build would otherwise land in
// the first visitors' requests).
func (a *App) Warm(ctx context.Context) error {
	if _, err := a.Snapshot(ctx); err != nil {
		return err
	}
	_, err := a.Floor(ctx)
	return err
}

// Run does the app's background work until ctx ends: it first warms what
// pages share (Warm; a failure there shows on the first page instead) and
// gives the memory the build used back to the system, then announces how
// many people are wandering whenever that changes.
func (a *App) Run(ctx context.Context) {
	a.Warm(ctx)
	debug.FreeOSMemory()
	if a.Warmed != nil {
		a.Warmed()
	}
	a.Live.WatchCount(ctx, Ambience, "wanderers", time.Second)
}

// NewToken returns a random, URL-safe token with n bytes of entropy.
func NewToken(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand since Go 1.24)
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)
}
