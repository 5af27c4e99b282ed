package node

import (
	"fmt"
	"time"
)

// The world market (世界市集): this market links with markets elsewhere (its
// Group follows theirs), keeps a catalogue of their items and strolls them
// together with its own.

// Market link states.
const (
	LinkPending = "pending" // our Follow waits for their answer
	LinkLinked  = "linked"  // they accepted: their items come into the catalogue
	LinkRefused = "refused" // they rejected our Follow
)

// LinkID names a market link.
type LinkID int64

// MarketLink is a link of this market with a market elsewhere.
type MarketLink struct {
	ID         LinkID
	Actor      string // their market's Group IRI
	Acct       string // market@host
	Name, City string
	Timezone   string // IANA name, "" when they do not say
	URL        string // their home page
	State      string // LinkPending, LinkLinked or LinkRefused
	LinksBack  bool   // their market follows ours
	Stalls     int    // their stalls, as they say
	OpenStalls int    // their stalls open today, -1 when they do not say
	Items      int    // their items in the catalogue
	ItemStalls int    // their stalls with items in the catalogue
	NextDay    *RemoteEvent
	Hidden     bool // the reader keeps it out of their strolls
	// Stale: they have not answered since StaleSince (their catalogue is
	// kept meanwhile); LastError says why.
	Stale      bool
	StaleSince time.Time
	LastError  string
	Syncing    bool // their outbox is being read into the catalogue
	CreatedAt  time.Time
	LinkedAt   time.Time
}

// Location is the market's time zone, UTC when unknown.
func (l *MarketLink) Location() *time.Location {
	if l.Timezone != "" {
		if loc, err := time.LoadLocation(l.Timezone); err == nil {
			return loc
		}
	}
	return time.UTC
}

// WorldMarket is the market an item of the world stroll comes from: this one
// (Link 0) or a linked one.
type WorldMarket struct {
	Link     LinkID
	Acct     string
	Name     string
	City     string
	Timezone string
	URL      string
	Stale    bool
}

// Location is the market's time zone, UTC when unknown.
func (m WorldMarket) Location() *time.Location {
	return (&MarketLink{Timezone: m.Timezone}).Location()
}

// WorldItem is an item of the world stroll: one of this market's items
// (Local) or one of a linked market's, from the catalogue.
type WorldItem struct {
	Local *Item // this market's item, or nil

	// A catalogue item.
	ID        int64  // its catalogue row
	APID      string // its ActivityPub id (its Note)
	URL       string // its page on its own market
	Title     string
	Excerpt   string // the story, plain text, cut short
	Price     *RemotePrice
	Available int
	Tags      []string
	Thumb     string // the path of its thumbnail here, "" when there is none
	ThumbW    int
	ThumbH    int
	Alt       string
	StallName string
	StallURL  string
	StallID   string // the stall's actor IRI
	DayStart  time.Time
	DayEnd    time.Time // zero when it comes on any market day
	Published time.Time

	Market WorldMarket
}

// WorldPath is the world market page.
const WorldPath = "/world"

// WorldWanderPath is the world stroll; with link != 0, the stroll of that
// linked market alone (served from the catalogue).
func WorldWanderPath(link LinkID) string {
	if link == 0 {
		return "/world/wander"
	}
	return fmt.Sprintf("/world/wander?market=%d", link)
}

// WorldICSPath is the calendar of the linked markets' market days.
const WorldICSPath = "/world.ics"

// WorldThumbPath is a catalogue thumbnail kept here.
func WorldThumbPath(name string) string { return "/world/media/" + name }

// WorldLimits are the limits of the catalogue, each with a default and a
// serve flag.
type WorldLimits struct {
	Items         int           // items kept per linked market
	PhotoBytes    int64         // thumbnail bytes kept per linked market
	BackfillPages int           // outbox pages read per read of a market's outbox
	ItemTTL       time.Duration // an item not shown again for this long is dropped
	Refresh       time.Duration // how often a linked market's outbox is read again
}

// DefaultWorldLimits returns the default limits: 50,000 items and 64 MB of
// thumbnails per linked market, 1,000 outbox pages per read, items dropped
// after 7 days without news, outboxes read again every 24 hours.
func DefaultWorldLimits() WorldLimits {
	return WorldLimits{Items: 50_000, PhotoBytes: 64 << 20, BackfillPages: 1_000, ItemTTL: 7 * 24 * time.Hour, Refresh: 24 * time.Hour}
}
