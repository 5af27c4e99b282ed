package node

import (
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// StallID, ItemID and AlleyID identify market things.
type (
	StallID int64
	ItemID  int64
	AlleyID int64
)

// Alley is a section of the market (flowers, vintage, food …).
type Alley struct {
	ID       AlleyID
	Slug     string // URL name, [a-z0-9-]
	Name     Text
	Colour   string // #rrggbb, used on the map
	Position int
}

var slugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)
var colourRE = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// Validate checks an alley before it is stored.
func (a *Alley) Validate() error {
	if !slugRE.MatchString(a.Slug) {
		return Errorf(EINVALID, "An alley's short name must be 1–40 characters of a–z, 0–9 and -.")
	}
	if strings.TrimSpace(a.Name.In("en")) == "" {
		return Errorf(EINVALID, "An alley needs a name.")
	}
	for _, v := range a.Name {
		if utf8.RuneCountInString(v) > 40 {
			return Errorf(EINVALID, "An alley's name may be at most 40 characters long.")
		}
	}
	if a.Colour == "" {
		a.Colour = "#b8322a"
	}
	if !colourRE.MatchString(a.Colour) {
		return Errorf(EINVALID, "An alley's colour must look like #a0b1c2.")
	}
	return nil
}

// Spot is a cell on the market's floor plan; a stall without a place has none.
type Spot struct {
	X, Y int
}

// Stall is one or more stallholders' stall.
type Stall struct {
	ID        StallID
	Name      string
	Story     string // Markdown
	Alley     AlleyID
	Spot      *Spot
	OpenToday bool
	// ApproveFollowers: people elsewhere who follow the stall wait until a
	// stallholder accepts them (manuallyApprovesFollowers).
	ApproveFollowers bool
	Holders          []AccountID
	Photos           []Photo
	CreatedAt        time.Time
	UpdatedAt        time.Time
	// MovedTo is the actor (on another market) the stall moved to; its page
	// redirects there. AlsoKnownAs are the stall's actors elsewhere (the one
	// it moved here from). Gone: its stallholder deleted their account.
	MovedTo     string
	AlsoKnownAs []string
	Gone        bool
}

// Closed reports whether the stall is no longer at this market: it moved
// away or is gone.
func (s *Stall) Closed() bool { return s.MovedTo != "" || s.Gone }

// Limits on what people write.
const (
	MaxNameLen   = 80
	MaxStoryLen  = 20_000
	MaxPhotos    = 8
	MaxAltLen    = 300
	MaxTags      = 12
	MaxTagLen    = 30
	MaxQuantity  = 10_000
	MaxTitleLen  = 120
	MaxSearchLen = 100
	MaxPins      = 5 // pinned items of a stall (Mastodon pins five posts)
)

// ValidateStall checks a stall's name and story.
func (s *Stall) Validate() error {
	s.Name = strings.TrimSpace(s.Name)
	switch n := utf8.RuneCountInString(s.Name); {
	case n == 0:
		return Errorf(EINVALID, "A stall needs a name.")
	case n > MaxNameLen:
		return Errorf(EINVALID, "A stall's name may be at most %d characters long (this one has %d).", MaxNameLen, n)
	}
	if n := utf8.RuneCountInString(s.Story); n > MaxStoryLen {
		return Errorf(EINVALID, "A story may be at most %d characters long (this one has %d).", MaxStoryLen, n)
	}
	if s.Alley == 0 {
		return Errorf(EINVALID, "Choose the alley the stall stands in.")
	}
	return nil
}

// HeldBy reports whether id is one of the stall's stallholders.
func (s *Stall) HeldBy(id AccountID) bool {
	for _, h := range s.Holders {
		if h == id {
			return true
		}
	}
	return false
}

// CanEdit reports whether acc may change the stall and its items: its
// stallholders, organisers and moderators.
func (s *Stall) CanEdit(acc *Account) bool {
	return acc != nil && (s.HeldBy(acc.ID) || acc.Role.Moderates())
}

// Photo is a stored picture (see node/media) with its alt text.
type Photo struct {
	Hash   string
	Ext    string
	Width  int
	Height int
	Alt    string
}
