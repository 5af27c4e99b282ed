package federation

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/node"
)

// actorJSON is a remote actor as the API shows it.
type actorJSON struct {
	ID   string `json:"id"`
	Acct string `json:"acct"`
	Name string `json:"name"`
	URL  string `json:"url"`
	Icon string `json:"icon,omitempty"`
	Type string `json:"type"`
}

func toActorJSON(a node.RemoteActor) actorJSON {
	return actorJSON{ID: a.ID, Acct: a.Acct, Name: a.Name, URL: a.URL, Icon: a.Icon, Type: a.Type}
}

// timelineItem is a remote note in the home timeline, as the API shows it.
type timelineItem struct {
	ID          string       `json:"id"`
	Name        string       `json:"name"`
	Content     string       `json:"content"` // sanitised HTML
	URL         string       `json:"url"`
	Attachments []attachment `json:"attachments"`
	Tags        []string     `json:"tags"`
	Price       *notePrice   `json:"price"`
	Published   time.Time    `json:"published"`
	Updated     time.Time    `json:"updated"`
	Actor       actorJSON    `json:"actor"`
	Via         *actorJSON   `json:"via"`
}

// apiTimeline: GET /api/v1/timeline[?limit=N&before=UNIX] is the signed-in
// account's home timeline (Timeline). "next" is the URL of the following
// page, or "".
func (f *Federation) apiTimeline(c echo.Context) error {
	acc := account(c)
	if acc == nil {
		return node.Errorf(node.EUNAUTHORIZED, "Please log in first.")
	}
	limit, before := 20, time.Time{}
	if s := c.QueryParam("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100 {
			return node.Errorf(node.EINVALID, "limit must be 1 to 100.")
		}
		limit = n
	}
	if s := c.QueryParam("before"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return node.Errorf(node.EINVALID, "before must be a unix time.")
		}
		before = time.Unix(n, 0)
	}
	notes, err := f.Timeline(c.Request().Context(), acc.ID, before, limit)
	if err != nil {
		return err
	}
	items := make([]timelineItem, 0, len(notes))
	for _, n := range notes {
		t := timelineItem{ID: n.ID, Name: n.Name, Content: n.Content, URL: n.URL, Attachments: []attachment{}, Tags: n.Tags,
			Published: n.Published, Updated: n.Updated, Actor: toActorJSON(n.Actor)}
		for _, im := range n.Images {
			t.Attachments = append(t.Attachments, attachment{URL: im.URL, MediaType: im.MediaType, Alt: im.Alt, Width: im.Width, Height: im.Height})
		}
		if n.Price != nil {
			t.Price = &notePrice{Amount: n.Price.Amount, Currency: n.Price.Currency}
		}
		if n.Via != nil {
			v := toActorJSON(*n.Via)
			t.Via = &v
		}
		items = append(items, t)
	}
	next := ""
	if len(notes) == limit {
		next = "/api/v1/timeline?limit=" + strconv.Itoa(limit) + "&before=" + strconv.FormatInt(notes[len(notes)-1].Published.Unix(), 10)
	}
	return c.JSON(http.StatusOK, map[string]any{"items": items, "next": next})
}

// Timeline is an account's home timeline: public notes (items of other
// markets, posts) from the remote actors it follows, directly or announced by
// a followed market, published before before (zero: now), newest first
// (app.Fediverse).
func (f *Federation) Timeline(ctx context.Context, acc node.AccountID, before time.Time, limit int) ([]*node.RemoteNote, error) {
	until := int64(1 << 62)
	if !before.IsZero() {
		until = before.Unix()
	}
	rows, err := f.db.Read().QueryContext(ctx, `
		WITH followed AS (SELECT actor FROM ap_following WHERE account_id = ? AND state = 'accepted')
		SELECT n.id, n.actor, n.via, n.name, n.content, n.url, n.attachments, n.tags, n.price, n.published, n.updated,
			coalesce(a.preferred_username, ''), coalesce(a.name, ''), coalesce(a.url, ''), coalesce(a.icon, ''), coalesce(a.type, '')
		FROM ap_notes n LEFT JOIN ap_actors a ON a.id = n.actor
		WHERE (n.actor IN followed OR (n.via != '' AND n.via IN followed)) AND n.published < ?
		ORDER BY n.published DESC, n.id DESC LIMIT ?`, acc, until, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*node.RemoteNote{}
	for rows.Next() {
		var n node.RemoteNote
		var via, atts, tags, price, user string
		var pub, upd int64
		a := &n.Actor
		if err := rows.Scan(&n.ID, &a.ID, &via, &n.Name, &n.Content, &n.URL, &atts, &tags, &price, &pub, &upd,
			&user, &a.Name, &a.URL, &a.Icon, &a.Type); err != nil {
			return nil, err
		}
		var as []attachment
		json.Unmarshal([]byte(atts), &as)
		for _, at := range as {
			n.Images = append(n.Images, node.RemoteImage{URL: at.URL, MediaType: at.MediaType, Alt: at.Alt, Width: at.Width, Height: at.Height})
		}
		json.Unmarshal([]byte(tags), &n.Tags)
		if n.Tags == nil {
			n.Tags = []string{}
		}
		if price != "" {
			var p notePrice
			if json.Unmarshal([]byte(price), &p) == nil {
				n.Price = &node.RemotePrice{Amount: p.Amount, Currency: p.Currency}
			}
		}
		n.Published, n.Updated = time.Unix(pub, 0).UTC(), time.Unix(upd, 0).UTC()
		a.Acct = acctOf(&remoteActor{ID: a.ID, PreferredUsername: user})
		if a.URL == "" {
			a.URL = a.ID
		}
		if via != "" {
			n.Via = &node.RemoteActor{ID: via, URL: via}
			if va, err := f.cachedActor(ctx, via); err == nil {
				n.Via = &node.RemoteActor{ID: va.ID, Acct: acctOf(va), Name: va.Name, URL: va.URL, Icon: va.Icon, Type: va.Type}
			}
		}
		out = append(out, &n)
	}
	return out, rows.Err()
}
