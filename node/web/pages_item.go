package web

import (
	template "github.com/shiji-market/shiji/internal/template/html"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/node"
)

type itemPageData struct {
	Item     *node.Item
	Main     *itemMain // what everyone sees at the top (the "item-main" fragment)
	CanEdit  bool
	Thread   *threadData
	BringOn  *node.MarketDay // the day the stall brings it, if it says
	Reserve  *reserveForm    // for a signed-in resident, when the stall comes on some day
	MyTrades []*node.Trade   // the viewer's trades of this item, or all of them for its stall
	// Likes and Boosts: from people on other servers (the fediverse).
	Likes, Boosts int
	Pinned        bool   // to the top of its stall (and its featured collection), when editing
	Warning       string // the content warning other servers show, when editing
}

// Story is the item's story as HTML.
func (d itemPageData) Story() template.HTML { return d.Main.Story() }

// itemMain is the shared top of an item's page.
type itemMain struct {
	Item          *node.Item
	Likes, Boosts int
	md            func(string) template.HTML
}

// Story renders the story (only when the fragment is rendered, not when it
// comes from the cache).
func (m *itemMain) Story() template.HTML { return m.md(m.Item.Story) }

func (s *Server) itemPage(c echo.Context) error {
	return s.renderItem(c, http.StatusOK, &reserveForm{Quantity: 1}, "")
}

// renderItem writes an item's page; form is the reservation form's state,
// chosen the market day chosen in it.
func (s *Server) renderItem(c echo.Context, status int, form *reserveForm, chosen string) error {
	ctx := c.Request().Context()
	id, err := pathID(c, "item")
	if err != nil {
		return err
	}
	v, err := s.itemView(c, node.ItemID(id))
	if err != nil {
		return err
	}
	it := v.Item
	snap, err := s.app.Snapshot(ctx)
	if err != nil {
		return err
	}
	st := snap.Stall(it.Stall)
	if st == nil { // the stall went between the two reads
		return node.Errorf(node.ENOTFOUND, "There is no item %d.", id)
	}
	thread, err := s.thread(c, it.ID, it.Stall, v.Thread)
	if err != nil {
		return err
	}
	d := itemPageData{Item: it, CanEdit: st.CanEdit(account(c)), Thread: thread, Likes: v.Likes, Boosts: v.Boosts,
		Main: &itemMain{Item: it, Likes: v.Likes, Boosts: v.Boosts, md: s.cfg.Markdown.HTML}}
	if d.CanEdit { // only the stall's own people see and change these
		if d.Pinned, err = s.app.DB.IsPinned(ctx, it.ID); err != nil {
			return err
		}
		if d.Warning, err = s.app.DB.ItemWarning(ctx, it.ID); err != nil {
			return err
		}
	}
	days, _ := snap.StallDays(st.ID, s.app.Now())
	for i := range days {
		if days[i].Date == it.BringOn {
			d.BringOn = &days[i]
		}
	}
	if acc := account(c); acc != nil {
		f := data.TradeFilter{Item: it.ID, Limit: 50}
		if !st.HeldBy(acc.ID) {
			f.Buyer = acc.ID
		}
		if none, _ := c.Get(noTradesKey).(bool); f.Buyer == 0 || !none { // a reader who never reserved has none to see
			if d.MyTrades, err = s.app.Trades(ctx, acc, f); err != nil {
				return err
			}
		}
		if !st.HeldBy(acc.ID) {
			if chosen == "" {
				chosen = it.BringOn
			}
			form.Days, form.Max = choices(days, chosen), it.Available()
			d.Reserve = form
		}
	}
	p, err := s.newPage(c, "", d)
	if err != nil {
		return err
	}
	p.Title = it.Title
	return s.write(c, status, "item", p)
}
