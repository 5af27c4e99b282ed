package node

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// ItemStatus is where an item is in its life.
type ItemStatus string

// Item statuses: available → reserved → gone, or withdrawn by the stallholder.
const (
	ItemAvailable ItemStatus = "available"
	ItemReserved  ItemStatus = "reserved"
	ItemGone      ItemStatus = "gone"
	ItemWithdrawn ItemStatus = "withdrawn"
)

// ParseItemStatus returns the status named s, or EINVALID.
func ParseItemStatus(s string) (ItemStatus, error) {
	switch st := ItemStatus(strings.ToLower(strings.TrimSpace(s))); st {
	case ItemAvailable, ItemReserved, ItemGone, ItemWithdrawn:
		return st, nil
	}
	return "", Errorf(EINVALID, "Unknown status %q: use available, reserved, gone or withdrawn.", s)
}

// Word is the status inside an error message, translated with it.
func (s ItemStatus) Word() Word { return Word{ID: "word.item." + string(s), English: string(s)} }

// CanBecome reports whether a stallholder may move an item from st to next.
// A withdrawn or gone item can be put back on the table (available).
func (st ItemStatus) CanBecome(next ItemStatus) bool {
	switch st {
	case ItemAvailable:
		return next == ItemReserved || next == ItemGone || next == ItemWithdrawn
	case ItemReserved:
		return next == ItemAvailable || next == ItemGone || next == ItemWithdrawn
	case ItemGone, ItemWithdrawn:
		return next == ItemAvailable
	}
	return false
}

// Item is a thing on a stall's table.
type Item struct {
	ID        ItemID
	Stall     StallID
	Title     string
	Story     string // Markdown
	Price     Price
	Quantity  int
	Tags      []string
	Status    ItemStatus
	Photos    []Photo
	CreatedAt time.Time
	UpdatedAt time.Time

	// Filled when loaded, for showing the item: its stall's name and alley.
	StallName string
	Alley     AlleyID

	// Filled when one item is loaded: the quantity held by accepted trades
	// (see Available) and the market day it will be brought on ("" = any).
	Held    int
	BringOn string
}

// Validate checks and normalises an item's fields (title trimmed, tags
// lower-cased, de-duplicated and stripped of '#').
func (it *Item) Validate() error {
	it.Title = strings.TrimSpace(it.Title)
	switch n := utf8.RuneCountInString(it.Title); {
	case n == 0:
		return Errorf(EINVALID, "An item needs a title.")
	case n > MaxTitleLen:
		return Errorf(EINVALID, "A title may be at most %d characters long (this one has %d).", MaxTitleLen, n)
	}
	if n := utf8.RuneCountInString(it.Story); n > MaxStoryLen {
		return Errorf(EINVALID, "A story may be at most %d characters long (this one has %d).", MaxStoryLen, n)
	}
	switch {
	case it.Quantity < 0:
		return Errorf(EINVALID, "The quantity cannot be negative.")
	case it.Quantity == 0:
		return Errorf(EINVALID, "The quantity must be at least 1.")
	case it.Quantity > MaxQuantity:
		return Errorf(EINVALID, "The quantity may be at most %d.", MaxQuantity)
	}
	switch it.Price.Kind {
	case PriceAmount:
		if _, ok := CurrencyExponent(it.Price.Currency); !ok || it.Price.Minor < 0 || it.Price.Minor > MaxMinor {
			return Errorf(EINVALID, "The price is not valid.")
		}
	case PriceFree, PriceSwap, PriceAsk:
		it.Price.Minor, it.Price.Currency = 0, ""
	default:
		return Errorf(EINVALID, "The item needs a price: an amount and a currency, or free, swap or ask.")
	}
	tags, err := NormalizeTags(it.Tags)
	if err != nil {
		return err
	}
	it.Tags = tags
	if it.Status == "" {
		it.Status = ItemAvailable
	}
	if len(it.Photos) > MaxPhotos {
		return Errorf(EINVALID, "An item may have at most %d photos.", MaxPhotos)
	}
	return nil
}

// NormalizeTags lower-cases, trims '#', drops empties and duplicates, and
// enforces the limits on count and length.
func NormalizeTags(in []string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	for _, t := range in {
		t = strings.ToLower(strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(t), "#＃")))
		if t == "" || seen[t] {
			continue
		}
		if utf8.RuneCountInString(t) > MaxTagLen {
			return nil, Errorf(EINVALID, "A tag may be at most %d characters long.", MaxTagLen)
		}
		for _, r := range t {
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' && r != '-' {
				return nil, Errorf(EINVALID, "Tags may use letters, digits, _ and - only (%q).", t)
			}
		}
		seen[t] = true
		out = append(out, t)
	}
	if len(out) > MaxTags {
		return nil, Errorf(EINVALID, "An item may have at most %d tags.", MaxTags)
	}
	return out, nil
}

// ValidateAlt checks a photo's alt text.
func ValidateAlt(alt string) error {
	if utf8.RuneCountInString(alt) > MaxAltLen {
		return Errorf(EINVALID, "A photo description may be at most %d characters long.", MaxAltLen)
	}
	return nil
}
