package web

import (
	template "github.com/shiji-market/shiji/internal/template/html"
	"html"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/node"
)

// worldPageSize is how many notes the world market page shows at a time.
const worldPageSize = 20

// worldData is the world market page (世界市集): the markets this one links
// with, their coming market days and the way into the world stroll, for
// everyone; for the signed-in account, its follows elsewhere and what they
// show, with the forms to follow, ask and write; for the organiser, the
// forms to link, unlink and block markets. Address, Error and the forms'
// texts are kept when a form is refused.
type worldData struct {
	Federates bool
	Links     []*node.MarketLink
	Linked    int                 // links in the linked state
	LinkDays  []*node.RemoteEvent // coming market days of the linked markets
	Organiser bool
	LinkBack  []*node.RemoteActor // markets that follow this one, not linked (organiser)
	// The organiser's link form, as typed when refused.
	LinkAddress, LinkError string

	Follows []*node.RemoteFollow
	Days    []*node.RemoteEvent // coming market days of the markets followed
	Notes   []worldNote
	Older   string // the next page's URL, or ""
	Address string // the follow form, as typed
	Error   string
	// A refused question (to a note) or message (to an actor), kept as
	// typed next to what it was for.
	AskTo, Ask, AskError       string
	WriteTo, Write, WriteError string
	// Orphan: the refused question's note or message's actor is not on this
	// page, so its form is shown on its own (what was typed is never lost).
	AskOrphan, WriteOrphan bool
}

// worldNote is a remote note with its content ready for the page.
type worldNote struct {
	*node.RemoteNote
	HTML template.HTML // re-sanitised: stored sanitised, cleaned again on the way out
	// ShowName, ShowPrice: the name and price are shown above the content
	// unless it says them already (a shiji item's content does, for Mastodon).
	ShowName, ShowPrice bool
}

func (s *Server) worldPage(c echo.Context) error {
	var before time.Time
	if v := c.QueryParam("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return node.Errorf(node.EINVALID, "before must be a unix time.")
		}
		before = time.Unix(n, 0)
	}
	return s.renderWorld(c, http.StatusOK, worldData{}, before)
}

func (s *Server) renderWorld(c echo.Context, status int, d worldData, before time.Time) error {
	ctx := c.Request().Context()
	acc := account(c)
	d.Federates = s.app.Federates()
	if !d.Federates {
		return s.render(c, status, "world", "world.title", d)
	}
	if err := s.worldLinks(c, &d); err != nil {
		return err
	}
	if acc == nil { // a visitor: the linked markets and their days only
		return s.render(c, status, "world", "world.title", d)
	}
	follows, err := s.app.RemoteFollows(ctx, acc)
	if err != nil {
		return err
	}
	d.Follows = follows
	if before.IsZero() {
		if d.Days, err = s.app.WorldDays(ctx, acc, 8); err != nil {
			return err
		}
	}
	notes, err := s.app.WorldTimeline(ctx, acc, before, worldPageSize)
	if err != nil {
		return err
	}
	for _, n := range notes {
		w := worldNote{RemoteNote: n, HTML: s.cfg.Markdown.Sanitize(n.Content)}
		w.ShowName = n.Name != "" && !strings.Contains(string(w.HTML), html.EscapeString(n.Name))
		w.ShowPrice = n.Price != nil && !strings.Contains(string(w.HTML), n.Price.Amount)
		d.Notes = append(d.Notes, w)
	}
	if len(notes) == worldPageSize {
		d.Older = "/world?before=" + strconv.FormatInt(notes[len(notes)-1].Published.Unix(), 10)
	}
	d.AskOrphan, d.WriteOrphan = d.AskError != "", d.WriteError != ""
	for _, n := range notes {
		d.AskOrphan = d.AskOrphan && n.ID != d.AskTo
	}
	for _, f := range follows {
		d.WriteOrphan = d.WriteOrphan && f.Actor.ID != d.WriteTo
	}
	return s.render(c, status, "world", "world.title", d)
}

// refuseWorldForm answers a refused form of the world page: the page again
// with what was typed and the reason (fill puts both in), or the error
// itself when it is the server's fault or the visitor is not signed in.
func (s *Server) refuseWorldForm(c echo.Context, err error, fill func(msg string) worldData) error {
	status, msg := s.explain(c, err)
	if status >= 500 || status == http.StatusUnauthorized {
		return err
	}
	return s.renderWorld(c, status, fill(msg), time.Time{})
}

// followRemotePage: POST /world/follow (address).
func (s *Server) followRemotePage(c echo.Context) error {
	address := c.FormValue("address")
	if _, _, err := s.app.FollowRemote(c.Request().Context(), account(c), address); err != nil {
		return s.refuseWorldForm(c, err, func(msg string) worldData { return worldData{Address: address, Error: msg} })
	}
	return c.Redirect(http.StatusSeeOther, "/world")
}

// unfollowRemotePage: POST /world/follows/ID/unfollow.
func (s *Server) unfollowRemotePage(c echo.Context) error {
	id, err := pathID(c, "follow")
	if err != nil {
		return err
	}
	if err := s.app.UnfollowRemote(c.Request().Context(), account(c), id); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/world")
}

// askElsewherePage: POST /world/ask (in_reply_to, body) asks about a note on
// the world page; the conversation opens.
func (s *Server) askElsewherePage(c echo.Context) error {
	note, body := c.FormValue("in_reply_to"), c.FormValue("body")
	w, err := s.app.AskElsewhere(c.Request().Context(), account(c), note, body)
	if err != nil {
		return s.refuseWorldForm(c, err, func(msg string) worldData { return worldData{AskTo: note, Ask: body, AskError: msg} })
	}
	return c.Redirect(http.StatusSeeOther, "/conversations/"+strconv.FormatInt(int64(w.Conversation), 10))
}

// writeElsewherePage: POST /world/write (to, body) writes privately to an
// actor elsewhere; the conversation opens.
func (s *Server) writeElsewherePage(c echo.Context) error {
	to, body := c.FormValue("to"), c.FormValue("body")
	w, err := s.app.WriteElsewhere(c.Request().Context(), account(c), to, body)
	if err != nil {
		return s.refuseWorldForm(c, err, func(msg string) worldData { return worldData{WriteTo: to, Write: body, WriteError: msg} })
	}
	return c.Redirect(http.StatusSeeOther, "/conversations/"+strconv.FormatInt(int64(w.Conversation), 10))
}
