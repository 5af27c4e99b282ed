package web

import (
	template "github.com/shiji-market/shiji/internal/template/html"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/node"
)

type stallRef struct {
	ID   node.StallID
	Name string
}

type stallPageData struct {
	Stall      *node.Stall
	Alley      *node.Alley
	Holders    []*node.Account
	Items      []*node.Item
	CanEdit    bool
	Neighbours *struct{ Prev, Next *stallRef }
	Thread     *threadData
	Days       []node.MarketDay // upcoming market days it comes to
	Following  bool
	Followers  int
	Acct       string // stall-ID@host: how to follow it from Mastodon
	// Page is this page of items (0 = the newest); Prev and Next the pages
	// before and after it (Next 0 = none).
	Page, Prev, Next int

	story string
	md    func(string) template.HTML
	notes func() ([]node.Note, error)
}

// Story is the stall's story as HTML, rendered when a template asks (the
// shared fragment that shows it is usually cached).
func (d *stallPageData) Story() template.HTML { return d.md(d.story) }

// Notes are the thank-you notes residents left, read when a template asks.
func (d *stallPageData) Notes() ([]node.Note, error) { return d.notes() }

// stallPageItems is how many items a page of a stall shows.
const stallPageItems = 48

// pageParam reads the page parameter (0 when absent).
func pageParam(c echo.Context) (int, error) {
	p := c.QueryParam("page")
	if p == "" {
		return 0, nil
	}
	v, err := strconv.Atoi(p)
	if err != nil || v < 0 || v > maxPage {
		return 0, node.Errorf(node.EINVALID, "The page %q is not valid: use a whole number from 0 to %d.", p, maxPage)
	}
	return v, nil
}

func (s *Server) stallPage(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := pathID(c, "stall")
	if err != nil {
		return err
	}
	snap, err := s.app.Snapshot(ctx)
	if err != nil {
		return err
	}
	st := snap.Stall(node.StallID(id))
	if st == nil {
		return node.Errorf(node.ENOTFOUND, "There is no stall %d.", id)
	}
	switch {
	case st.MovedTo != "": // it moved to another market (docs/trust.md)
		return c.Redirect(http.StatusMovedPermanently, st.MovedTo)
	case st.Gone:
		return node.Errorf(node.EGONE, "This stall has closed.")
	}
	var viewer node.AccountID
	if a := account(c); a != nil {
		viewer = a.ID
	}
	rows, err := s.app.DB.StallPage(ctx, st.ID, viewer)
	if err != nil {
		return err
	}
	d := &stallPageData{Stall: st, Alley: snap.Alley(st.Alley), Holders: snap.Holders(st),
		CanEdit: st.CanEdit(account(c)), Acct: s.acct(node.StallHandle(st.ID)), Following: rows.Following, Followers: rows.Followers,
		story: rows.Story, md: s.cfg.Markdown.HTML,
		notes: func() ([]node.Note, error) { return s.app.DB.Notes(ctx, data.NoteFilter{Stall: st.ID, Limit: 30}) }}
	d.Days, _ = snap.StallDays(st.ID, s.app.Now())
	page, err := pageParam(c)
	if err != nil {
		return err
	}
	status := node.ItemAvailable
	if d.CanEdit {
		status = "" // the stall's own people see reserved and gone items too
	}
	// The cards in one read of the items_cards index (data.StallCards).
	if d.Items, err = s.app.DB.StallCards(ctx, st, status, stallPageItems+1, page*stallPageItems); err != nil {
		return err
	}
	if len(d.Items) > stallPageItems {
		d.Items, d.Next = d.Items[:stallPageItems], page+1
	}
	d.Page, d.Prev = page, max(page-1, 0)
	if d.Neighbours, err = s.neighbours(c, st); err != nil {
		return err
	}
	if d.Thread, err = s.thread(c, 0, st.ID, rows.Thread); err != nil {
		return err
	}
	p, err := s.newPage(c, "", d)
	if err != nil {
		return err
	}
	p.Title = st.Name
	return s.write(c, http.StatusOK, "stall", p)
}
