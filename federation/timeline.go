package federation

import (
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

// timelineItem is a remote note in the home timeline.
type timelineItem struct {
	remoteNote
	Actor actorJSON  `json:"actor"`
	Via   *actorJSON `json:"via"`
}

// apiTimeline: GET /api/v1/timeline[?limit=N&before=UNIX] is the signed-in
// account's home timeline: public notes (items of other markets, posts) from
// the remote actors it follows, directly or announced by a followed market,
// newest first. "next" is the URL of the following page, or "".
func (f *Federation) apiTimeline(c echo.Context) error {
	ctx := c.Request().Context()
	acc := account(c)
	if acc == nil {
		return node.Errorf(node.EUNAUTHORIZED, "Please log in first.")
	}
	limit, before := 20, int64(1<<62)
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
		before = n
	}
	rows, err := f.db.Read().QueryContext(ctx, `
		WITH followed AS (SELECT actor FROM ap_following WHERE account_id = ? AND state = 'accepted')
		SELECT n.id, n.actor, n.via, n.name, n.content, n.url, n.attachments, n.tags, n.price, n.published, n.updated,
			coalesce(a.preferred_username, ''), coalesce(a.name, ''), coalesce(a.url, ''), coalesce(a.icon, ''), coalesce(a.type, '')
		FROM ap_notes n LEFT JOIN ap_actors a ON a.id = n.actor
		WHERE (n.actor IN followed OR (n.via != '' AND n.via IN followed)) AND n.published < ?
		ORDER BY n.published DESC, n.id DESC LIMIT ?`, acc.ID, before, limit)
	if err != nil {
		return err
	}
	defer rows.Close()
	items := []timelineItem{}
	var last int64
	for rows.Next() {
		var t timelineItem
		var atts, tags, price, user string
		var pub, upd int64
		if err := rows.Scan(&t.ID, &t.Actor.ID, &t.remoteNote.Via, &t.Name, &t.Content, &t.URL, &atts, &tags, &price, &pub, &upd,
			&user, &t.Actor.Name, &t.Actor.URL, &t.Actor.Icon, &t.Actor.Type); err != nil {
			return err
		}
		json.Unmarshal([]byte(atts), &t.Attachments)
		json.Unmarshal([]byte(tags), &t.Tags)
		if price != "" {
			json.Unmarshal([]byte(price), &t.Price)
		}
		if t.Attachments == nil {
			t.Attachments = []attachment{}
		}
		if t.Tags == nil {
			t.Tags = []string{}
		}
		t.Published, t.Updated = time.Unix(pub, 0).UTC(), time.Unix(upd, 0).UTC()
		t.Actor.Acct = acctOf(&remoteActor{ID: t.Actor.ID, PreferredUsername: user})
		if t.remoteNote.Via != "" {
			t.Via = &actorJSON{ID: t.remoteNote.Via}
			if va, err := f.cachedActor(ctx, t.remoteNote.Via); err == nil {
				*t.Via = actorJSON{ID: va.ID, Acct: acctOf(va), Name: va.Name, URL: va.URL, Icon: va.Icon, Type: va.Type}
			}
		}
		last = pub
		items = append(items, t)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	next := ""
	if len(items) == limit {
		next = "/api/v1/timeline?limit=" + strconv.Itoa(limit) + "&before=" + strconv.FormatInt(last, 10)
	}
	return c.JSON(http.StatusOK, map[string]any{"items": items, "next": next})
}
