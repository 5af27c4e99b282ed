package node

import (
	"fmt"
	"net/url"
)

// Every public path of the node is built here; templates, the API and
// ActivityPub ids all call these.

// StallPath is a stall's page.
func StallPath(id StallID) string { return fmt.Sprintf("/stalls/%d", id) }

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
