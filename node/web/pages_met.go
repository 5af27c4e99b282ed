package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
)

// Meeting again (重逢): whom one met, the stalls one follows and their new
// things, people's public profiles.

type metPageData struct {
	Met       *app.Met
	Following []*node.Stall
	NewItems  []*node.Item
	Next      *app.NextDay
}

func (s *Server) metPage(c echo.Context) error {
	ctx := c.Request().Context()
	acc := account(c)
	met, err := s.app.Met(ctx, acc)
	if err != nil {
		return err
	}
	d := metPageData{Met: met}
	if d.Following, err = s.app.DB.FollowedStalls(ctx, acc.ID); err != nil {
		return err
	}
	if d.NewItems, err = s.app.DB.FollowedItems(ctx, acc.ID, 24); err != nil {
		return err
	}
	if d.Next, err = s.app.NextMarketDay(ctx, acc); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "met", "met.title", d)
}

func (s *Server) profilePage(c echo.Context) error {
	prof, err := s.app.Profile(c.Request().Context(), c.Param("name"))
	if err != nil {
		return err
	}
	p, err := s.newPage(c, "", prof)
	if err != nil {
		return err
	}
	p.Title = prof.Account.Shown()
	return s.write(c, http.StatusOK, "profile", p)
}

// followStall handles the follow / unfollow button on a stall's page.
func (s *Server) followStall(c echo.Context) error {
	id, err := pathID(c, "stall")
	if err != nil {
		return err
	}
	if err := s.app.Follow(c.Request().Context(), account(c), node.StallID(id), c.FormValue("unfollow") != "1"); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, node.StallPath(node.StallID(id)))
}
