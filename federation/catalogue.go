package federation

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"maps"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/shiji-market/shiji/node"
)

// The catalogue of the world market: the items linked markets announce
// (FEP-1b12: the market's Group Announces its stalls' item Notes), kept in
// world_items with their stall and market, changed by the stalls' Updates
// and gone with their Deletes or when sold. Items are read from Notes only
// through parseNote (from_as.go). A market that announces another server's
// items as its own, or prices in a currency we do not know, has those items
// refused (logged).

// observeWorld looks at every verified activity before its handler: what a
// linked market or one of its stalls sends about items and market days
// goes into the catalogue. Other activities pass untouched.
func (f *Federation) observeWorld(ctx context.Context, m map[string]any, signer *remoteActor) error {
	lk := f.links(ctx).byHost[hostOf(signer.ID)]
	if lk == nil || lk.state != node.LinkLinked {
		return nil
	}
	f.heard(ctx, lk)
	obj := m["object"]
	om, _ := obj.(map[string]any)
	switch str(m, "type") {
	case "Announce":
		if signer.ID != lk.actor {
			return nil
		}
		return f.catalogueObject(ctx, lk, obj, lk.actor)
	case "Create", "Update":
		switch str(om, "type") {
		case "Event":
			if signer.ID == lk.actor {
				return f.takeEvent(ctx, lk.actor, om)
			}
		case "Note":
			if str(m, "type") == "Update" { // a stall's item changed
				return f.catalogueNote(ctx, lk, om, signer.ID)
			}
		}
	case "Delete":
		return f.dropCatalogued(ctx, lk, refOf(obj), signer.ID)
	}
	return nil
}

// catalogueObject takes what a linked market announced or lists in its
// outbox: an item Note (embedded, or fetched by its id from the market's own
// server), a Create of one (as Lemmy wraps them), or a market day's Event.
func (f *Federation) catalogueObject(ctx context.Context, lk *linkRef, obj any, by string) error {
	id := refOf(obj)
	if id == "" {
		return nil
	}
	if hostOf(id) != lk.host {
		f.log.Info("world catalogue: item refused: announced by a market of another server", "market", lk.actor, "item", id)
		return nil
	}
	m, _ := obj.(map[string]any)
	if m == nil || str(m, "type") == "" {
		var err error
		if m, err = f.client.getJSON(ctx, id, "", keyInstance); err != nil || str(m, "id") != id {
			f.log.Info("world catalogue: announced object unavailable", "market", lk.actor, "id", id, "err", err)
			return nil
		}
	}
	switch str(m, "type") {
	case "Note":
		return f.catalogueNote(ctx, lk, m, by)
	case "Event":
		return f.takeEvent(ctx, lk.actor, m)
	case "Create":
		if inner, ok := m["object"].(map[string]any); ok && str(inner, "type") == "Note" && refOf(m["actor"]) == refOf(inner["attributedTo"]) {
			return f.catalogueNote(ctx, lk, inner, by)
		}
	}
	return nil
}

// amountRE is a price amount as shiji and FEP-0837 write it.
var amountRE = regexp.MustCompile(`^[0-9]{1,12}(\.[0-9]{1,4})?$`)

// catalogueNote takes one item Note, announced by the market (by is the
// market) or updated by its stall (by is the stall).
func (f *Federation) catalogueNote(ctx context.Context, lk *linkRef, raw map[string]any, by string) error {
	n, ok, err := f.noteOf(ctx, maps.Clone(raw))
	if !ok {
		return nil
	}
	if err != nil {
		f.log.Info("world catalogue: unreadable item", "market", lk.actor, "err", err)
		return nil
	}
	switch {
	case hostOf(n.ID) != lk.host || n.Actor == "" || hostOf(n.Actor) != lk.host:
		f.log.Info("world catalogue: item refused: not an item of the market's own server", "market", lk.actor, "item", n.ID, "by", n.Actor)
		return nil
	case by != lk.actor && by != n.Actor:
		return nil // only the market and the item's stall speak for it
	case !n.Public || n.Reply || n.Offer == nil:
		return nil // not an item on offer: a post, a reply
	case n.Offer.Unknown:
		f.log.Info("world catalogue: item refused: price in an unknown currency", "market", lk.actor, "item", n.ID)
		return nil
	case n.Offer.Currency != "" && (n.Price == nil || !amountRE.MatchString(n.Price.Amount)):
		f.log.Info("world catalogue: item refused: unreadable price", "market", lk.actor, "item", n.ID)
		return nil
	case n.Offer.Available == 0: // sold or reserved: it leaves the catalogue at once
		return f.dropCatalogued(ctx, lk, n.ID, by)
	}
	if f.isBlocked(ctx, n.Actor, n.ID) {
		return nil
	}
	return f.storeCatalogued(ctx, lk, n, by)
}

// catalogueText is an item's title and the rest of its text.
func catalogueText(n *remoteNote) (title, excerpt string, storyLen int) {
	text := strings.TrimSpace(n.Text())
	title = strings.TrimSpace(n.Name)
	if title == "" && n.Offer != nil {
		title = strings.TrimSpace(n.Offer.Title)
	}
	first, rest, _ := strings.Cut(text, "\n")
	if title == "" {
		title = first
	}
	if strings.TrimSpace(first) == title {
		text = strings.TrimSpace(rest)
	}
	storyLen = utf8.RuneCountInString(text)
	title = truncate(title, node.MaxTitleLen)
	if title == "" {
		title = "·"
	}
	return title, truncate(strings.Join(strings.Fields(unescapeMarkdown(text)), " "), 240), storyLen
}

// unescapeMarkdown drops the backslashes htmlText puts before Markdown's
// characters: an excerpt is plain text, not Markdown.
func unescapeMarkdown(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\\`*_{}[]()<>#+-.!|~", s[i+1]) >= 0 {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// storeCatalogued writes an item into the catalogue (and its stall): a new
// one over the market's cap pushes out the one least recently shown. A
// stall (by) changes only its own items; the market speaks for all.
func (f *Federation) storeCatalogued(ctx context.Context, lk *linkRef, n *remoteNote, by string) error {
	title, excerpt, storyLen := catalogueText(n)
	amount, currency := "", ""
	if n.Offer.Currency != "" {
		amount, currency = n.Price.Amount, n.Offer.Currency
	}
	alley := ""
	for _, c := range n.Offer.Classes {
		if hostOf(c) == lk.host {
			alley = c
			break
		}
	}
	var dayStart, dayEnd any
	if !n.Offer.Begin.IsZero() {
		dayStart, dayEnd = n.Offer.Begin.Unix(), n.Offer.End.Unix()
	}
	photo, alt := "", ""
	if len(n.Attachments) > 0 {
		photo, alt = n.Attachments[0].URL, truncate(n.Attachments[0].Alt, node.MaxAltLen)
	}
	page := n.URL // its page for people, on its market's server
	if hostOf(page) != lk.host {
		page = n.ID
	}
	tags, _ := json.Marshal(n.Tags)
	if n.Tags == nil {
		tags = []byte("[]")
	}
	available := max(n.Offer.Available, 1)
	now := f.now().Unix()
	limit := f.world.limits.Items
	return f.db.Write(ctx, func(tx *sql.Tx) error {
		var owner string
		err := tx.QueryRowContext(ctx, `SELECT s.actor FROM world_items i JOIN world_stalls s ON s.id = i.stall_id WHERE i.ap_id = ?`,
			n.ID).Scan(&owner)
		isNew := errors.Is(err, sql.ErrNoRows)
		if err != nil && !isNew {
			return err
		}
		if !isNew && by != lk.actor && owner != by {
			f.log.Info("world catalogue: update refused: the item is another stall's", "item", n.ID, "by", by)
			return nil
		}
		var stall int64
		var named any // the stall named in the item's text needs no fetch of its actor
		actorName := n.ActorName()
		if actorName != "" {
			named = now
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO world_stalls(link_id, actor, name, named_at) VALUES (?, ?, ?, ?)
			ON CONFLICT(actor) DO UPDATE SET link_id = excluded.link_id,
				name = CASE WHEN excluded.name != '' THEN excluded.name ELSE world_stalls.name END,
				named_at = coalesce(excluded.named_at, world_stalls.named_at)
			RETURNING id`, lk.id, n.Actor, actorName, named).Scan(&stall); err != nil {
			return err
		}
		if isNew {
			var count int
			if err := tx.QueryRowContext(ctx, `SELECT items FROM world_links WHERE id = ?`, lk.id).Scan(&count); err != nil {
				return err
			}
			if over := count - limit + 1; over > 0 {
				if _, err := tx.ExecContext(ctx, `DELETE FROM world_items WHERE id IN (SELECT id FROM world_items WHERE link_id = ?
					ORDER BY refreshed_at, id LIMIT ?)`, lk.id, over); err != nil {
					return err
				}
			}
		}
		thumbState := "wanted"
		if photo == "" {
			thumbState = "none"
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO world_items(link_id, stall_id, ap_id, url, title, excerpt, story_len, amount, currency,
				available, alley, day_start, day_end, tags, photo_url, photo_alt, thumb_state, published, updated, refreshed_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT(ap_id) DO UPDATE SET link_id = excluded.link_id, stall_id = excluded.stall_id, url = excluded.url,
				title = excluded.title, excerpt = excluded.excerpt, story_len = excluded.story_len, amount = excluded.amount,
				currency = excluded.currency, available = excluded.available, alley = excluded.alley, day_start = excluded.day_start,
				day_end = excluded.day_end, tags = excluded.tags, photo_alt = excluded.photo_alt, updated = excluded.updated,
				refreshed_at = excluded.refreshed_at,
				photo_url = excluded.photo_url,
				thumb_state = CASE WHEN world_items.photo_url = excluded.photo_url THEN world_items.thumb_state ELSE excluded.thumb_state END,
				thumb = CASE WHEN world_items.photo_url = excluded.photo_url THEN world_items.thumb ELSE '' END,
				thumb_bytes = CASE WHEN world_items.photo_url = excluded.photo_url THEN world_items.thumb_bytes ELSE 0 END`,
			lk.id, stall, n.ID, page, title, excerpt, storyLen, amount, currency, available, alley, dayStart, dayEnd, string(tags),
			photo, alt, thumbState, n.Published.Unix(), n.Updated.Unix(), now)
		return err
	})
}

// dropCatalogued removes an item (or, when id is a stall, all of its items)
// that its market or stall deleted, sold or took off the table.
func (f *Federation) dropCatalogued(ctx context.Context, lk *linkRef, id, by string) error {
	if id == "" {
		return nil
	}
	return f.db.Write(ctx, func(tx *sql.Tx) error {
		if id == by { // a stall (or the market) deleted itself
			_, err := tx.ExecContext(ctx, `DELETE FROM world_stalls WHERE actor = ? AND link_id = ?`, id, lk.id)
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM world_items WHERE ap_id = ? AND link_id = ?
			AND (? = ? OR stall_id IN (SELECT id FROM world_stalls WHERE actor = ?))`, id, lk.id, by, lk.actor, by)
		return err
	})
}
