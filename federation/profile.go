package federation

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
)

// What people on other servers need from us (issue 11): profile fields
// (attachment PropertyValues: opening hours, market days, where the stall
// stands), avatar and header images, the featured collection of a stall's
// pinned items, tag collections, and an Update of a stall's actor when it
// changes.

var _ app.StallFederator = (*Federation)(nil)

// profileFields are the PropertyValues of an actor, in the market's first
// language: for a stall, when the market opens, the next days it comes and
// where it stands; for the market, when it opens and where.
func (f *Federation) profileFields(ctx context.Context, a *localActor) []any {
	m, err := f.db.Market(ctx)
	if err != nil {
		return nil
	}
	cat, err := f.catalog()
	if err != nil {
		return nil
	}
	lang := firstLang(m)
	tr := cat.Localizer(cat.Match("en", lang))
	var out []any
	field := func(nameID, value string) {
		if value = strings.TrimSpace(value); value != "" {
			out = append(out, map[string]any{"type": "PropertyValue", "name": tr.T(nameID), "value": value})
		}
	}
	field("conf.field.opening", html.EscapeString(m.Opening.In(lang, m.Languages...)))
	stall, ok := stallOfKey(a.key)
	if !ok {
		if a.key == keyMarket {
			field("conf.field.where", html.EscapeString(m.City.In(lang, m.Languages...)))
		}
		return out
	}
	days, err := f.app.StallDays(ctx, stall)
	if err == nil {
		var next []string
		loc := m.Location()
		for _, d := range days {
			if d.Cancelled || d.Over(f.now()) || len(next) == 3 {
				continue
			}
			s := d.Start.In(loc)
			date := tr.T("day.date", "W", tr.T(fmt.Sprintf("weekday.%d", int(s.Weekday()))), "D", s.Day(), "M", int(s.Month()),
				"Month", tr.T(fmt.Sprintf("month.%d", int(s.Month()))))
			next = append(next, fmt.Sprintf(`<a href="%s">%s %s–%s</a>`, html.EscapeString(f.u.day(d.Date)), html.EscapeString(date),
				s.Format("15:04"), d.End.In(loc).Format("15:04")))
		}
		field("conf.field.days", strings.Join(next, " · "))
	}
	if st, err := f.db.Stall(ctx, stall); err == nil {
		where := ""
		if alleys, err := f.db.Alleys(ctx); err == nil {
			for _, al := range alleys {
				if al.ID == st.Alley {
					where = fmt.Sprintf(`<a href="%s">%s</a>`, html.EscapeString(f.u.base+node.AlleyPath(al.Slug)),
						html.EscapeString(al.Name.In(lang, m.Languages...)))
				}
			}
		}
		if st.Spot != nil {
			where += " " + html.EscapeString(tr.T("conf.field.spot", "X", st.Spot.X+1, "Y", st.Spot.Y+1))
		}
		field("conf.field.where", where)
	}
	return out
}

// StallChanged implements app.StallFederator: the stall's name, story,
// photos or pinned items changed, so its followers (and the market's) are
// sent an Update of its actor and fetch its profile again. It never fails
// the caller: errors are logged.
func (f *Federation) StallChanged(ctx context.Context, stall node.StallID) {
	if err := f.sendStallUpdate(ctx, stall); err != nil {
		f.log.Error("cannot send the stall's Update", "stall", stall, "err", err)
	}
}

func (f *Federation) sendStallUpdate(ctx context.Context, stall node.StallID) error {
	a, err := f.loadActor(ctx, actorRef{kind: "stall", stall: stall})
	if err != nil {
		return err
	}
	doc, err := f.actorDocument(ctx, a)
	if err != nil {
		return err
	}
	delete(doc, "@context")
	id := f.u.activity(newToken())
	act := map[string]any{"@context": jsonLDContext(), "id": id, "type": "Update", "actor": a.id, "object": doc,
		"to": []string{publicIRI}, "cc": []string{f.u.followers(a.id)}, "published": f.now().UTC().Format(time.RFC3339)}
	body, err := json.Marshal(act)
	if err != nil {
		return err
	}
	err = f.db.Write(ctx, func(tx *sql.Tx) error {
		inboxes, err := followerInboxesTx(ctx, tx, a.key, keyMarket)
		if err != nil || len(inboxes) == 0 {
			return err
		}
		return f.enqueueTx(ctx, tx, outgoing{actor: a.key, kind: "update", activity: id, public: true, body: body, inboxes: inboxes})
	})
	if err == nil {
		f.kick()
	}
	return err
}

// getFeatured serves a stall's featured collection: its pinned items, the
// Notes embedded, as Mastodon serves pinned posts.
func (f *Federation) getFeatured(c echo.Context) error {
	ctx := c.Request().Context()
	ref, err := refOfRequest(c)
	if err != nil || ref.kind != "stall" {
		return f.answer(c, node.Errorf(node.ENOTFOUND, "No such collection."))
	}
	st, err := f.db.Stall(ctx, ref.stall)
	if err != nil {
		return f.answer(c, err)
	}
	if st.Gone { // its stallholder deleted their account (delete_actor.go)
		return f.answer(c, node.Errorf(node.EGONE, "This stall has closed."))
	}
	items, err := f.db.PinnedItems(ctx, st.ID)
	if err != nil {
		return f.answer(c, err)
	}
	notes := make([]any, 0, len(items))
	for _, it := range items {
		full, err := f.db.Item(ctx, it.ID)
		if err != nil {
			return f.answer(c, err)
		}
		n, err := f.noteMap(full, st)
		if err != nil {
			return f.answer(c, err)
		}
		notes = append(notes, n)
	}
	return f.answer(c, writeAS(c.Response(), http.StatusOK, map[string]any{"@context": jsonLDContext(),
		"id": f.u.stall(st.ID) + "/featured", "type": "OrderedCollection", "totalItems": len(notes), "orderedItems": notes}))
}

// serveTag serves /tags/NAME to an ActivityPub Accept: an OrderedCollection
// of the Notes of the items with the tag, newest first, paged.
func (f *Federation) serveTag(c echo.Context, tag string) error {
	n, err := page(c)
	if err != nil {
		return err
	}
	p := max(n, 1)
	items, total, err := f.app.ItemsTagged(c.Request().Context(), tag, p, collectionPage)
	if err != nil {
		return err
	}
	ids := make([]string, 0, len(items))
	for _, it := range items {
		ids = append(ids, f.u.item(it.ID))
	}
	return f.writeCollection(c, f.u.tag(tag), total, n, ids)
}

// getAvatar serves the picture of a stall without photos: a symmetric
// pattern in a colour of its own, made from its id (an avatar that is not
// the default one of every server).
func (f *Federation) getAvatar(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return f.answer(c, node.Errorf(node.ENOTFOUND, "No such stall."))
	}
	st, err := f.db.Stall(c.Request().Context(), node.StallID(id))
	if err != nil {
		return f.answer(c, err)
	}
	if st.Gone {
		return f.answer(c, node.Errorf(node.EGONE, "This stall has closed."))
	}
	c.Response().Header().Set("Content-Type", "image/png")
	c.Response().Header().Set("Cache-Control", "public, max-age=86400")
	c.Response().WriteHeader(http.StatusOK)
	return png.Encode(c.Response(), avatar(id))
}

// avatarSize is the generated avatar's side in pixels.
const avatarSize = 400

// avatar draws a 5×5 mirrored pattern, the way identicons are made.
func avatar(id int64) image.Image {
	sum := sha256.Sum256([]byte("shiji stall " + strconv.FormatInt(id, 10)))
	fg := color.RGBA{sum[0]/2 + 64, sum[1]/2 + 32, sum[2]/2 + 32, 255}
	bg := color.RGBA{248, 244, 236, 255}
	img := image.NewRGBA(image.Rect(0, 0, avatarSize, avatarSize))
	cell, margin := avatarSize/6, avatarSize/12
	for y := 0; y < avatarSize; y++ {
		for x := 0; x < avatarSize; x++ {
			img.SetRGBA(x, y, bg)
		}
	}
	for row := 0; row < 5; row++ {
		for col := 0; col < 3; col++ {
			if sum[3+row*3+col]%2 == 0 {
				continue
			}
			for _, cc := range []int{col, 4 - col} {
				for y := margin + row*cell; y < margin+(row+1)*cell; y++ {
					for x := margin + cc*cell; x < margin+(cc+1)*cell; x++ {
						img.SetRGBA(x, y, fg)
					}
				}
			}
		}
	}
	return img
}
