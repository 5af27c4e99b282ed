package node

import (
	"fmt"
	"net/url"
)

// Every public path of the node is built here; templates, the API and
// ActivityPub ids all call these.

// StallPath is a stall's page.
func StallPath(id StallID) string { return fmt.Sprintf("/stalls/%d", id) }

// StallHandle is a stall's user name on the fediverse (stall-7): names
// change and may be Chinese, and an account name never contains "-".
func StallHandle(id StallID) string { return fmt.Sprintf("stall-%d", id) }

// ItemPath is an item's page.
func ItemPath(id ItemID) string { return fmt.Sprintf("/items/%d", id) }

// AlleyPath is an alley's page.
func AlleyPath(slug string) string { return "/alleys/" + url.PathEscape(slug) }

// PhotoPath is a stored photo in size "" (full), "s", "m" or "l".
func PhotoPath(p Photo, size string) string {
	if size == "" {
		return "/media/" + p.Hash + "." + p.Ext
	}
	return "/media/" + p.Hash + "-" + size + "." + p.Ext
}

// SearchPath is the search page for q.
func SearchPath(q string) string { return "/search?q=" + url.QueryEscape(q) }

// TagPath is the page of the items with a tag (also its ActivityStreams
// collection, by content negotiation).
func TagPath(tag string) string { return "/tags/" + url.PathEscape(tag) }

// ProfilePath is a person's public profile.
func ProfilePath(name string) string { return "/@" + name }

// TradePath is a trade's page.
func TradePath(id TradeID) string { return fmt.Sprintf("/trades/%d", id) }

// DayPath is a market day's page (date is YYYY-MM-DD).
func DayPath(date string) string { return "/days/" + url.PathEscape(date) }

// MarketICSPath is the market's calendar of market days.
const MarketICSPath = "/market.ics"

// StallICSPath is the calendar of the market days a stall comes to.
func StallICSPath(id StallID) string { return fmt.Sprintf("/stalls/%d/market.ics", id) }
