package web

import (
	"html/template"
	"net/http"

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

	story string
	md    func(string) template.HTML
	notes func() ([]node.Note, error)
}

// Story is the stall's story as HTML, rendered when a template asks (the
// shared fragment that shows it is usually cached).
func (d *stallPageData) Story() template.HTML { return d.md(d.story) }

// Notes are the thank-you notes residents left, read when a template asks.
func (d *stallPageData) Notes() ([]node.Note, error) { return d.notes() }

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
	f := data.ItemFilter{Stall: st.ID, Status: node.ItemAvailable, Limit: 200}
	if d.CanEdit {
		f.Status = "" // the stall's own people see reserved and gone items too
	}
	if d.Items, err = s.listing(c, f); err != nil {
		return err
	}
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
