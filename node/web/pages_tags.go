package web

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/node"
)

// Tag pages and pinned items (issue 11): /tags/NAME lists the items with a
// tag (its ActivityStreams collection is served by federation at the same
// URL); stallholders pin items to the top of their stall.

const tagPageSize = 48

// tagPageData is a tag's page.
type tagPageData struct {
	Tag        string
	Items      []*node.Item
	Total      int
	Prev, Next int // 0: none
}

// tagPage: GET /tags/NAME[?page=N].
func (s *Server) tagPage(c echo.Context) error {
	page := 1
	if p := c.QueryParam("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			return node.Errorf(node.EINVALID, "page must be a positive number.")
		}
		page = n
	}
	items, total, err := s.app.ItemsTagged(c.Request().Context(), c.Param("name"), page, tagPageSize)
	if err != nil {
		return err
	}
	d := tagPageData{Tag: c.Param("name"), Items: items, Total: total, Prev: page - 1}
	if page*tagPageSize < total {
		d.Next = page + 1
	}
	return s.render(c, http.StatusOK, "tag", "", d)
}

// pinPage: POST /items/ID/pin (action=pin|unpin).
func (s *Server) pinPage(c echo.Context) error {
	id, err := pathID(c, "item")
	if err != nil {
		return err
	}
	if err := s.app.PinItem(c.Request().Context(), account(c), node.ItemID(id), c.FormValue("action") != "unpin"); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, node.ItemPath(node.ItemID(id)))
}

// apiPin: POST (pin) or DELETE (unpin) /api/v1/items/ID/pin → 204.
func (s *Server) apiPin(c echo.Context) error {
	id, err := pathID(c, "item")
	if err != nil {
		return err
	}
	if err := s.app.PinItem(c.Request().Context(), account(c), node.ItemID(id), c.Request().Method != http.MethodDelete); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// apiPinned: GET /api/v1/stalls/ID/pinned → {"items": [...]}.
func (s *Server) apiPinned(c echo.Context) error {
	id, err := pathID(c, "stall")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if _, err := s.app.DB.Stall(ctx, node.StallID(id)); err != nil {
		return err
	}
	items, err := s.app.DB.PinnedItems(ctx, node.StallID(id))
	if err != nil {
		return err
	}
	out := make([]itemJSON, 0, len(items))
	for _, it := range items {
		out = append(out, s.itemJSON(it, false))
	}
	return c.JSON(http.StatusOK, map[string]any{"items": out})
}

// apiTag: GET /api/v1/tags/NAME[?page=N] → {"tag", "total", "items", "next"}.
func (s *Server) apiTag(c echo.Context) error {
	page := 1
	if p := c.QueryParam("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			return node.Errorf(node.EINVALID, "page must be a positive number.")
		}
		page = n
	}
	items, total, err := s.app.ItemsTagged(c.Request().Context(), c.Param("name"), page, tagPageSize)
	if err != nil {
		return err
	}
	out := make([]itemJSON, 0, len(items))
	for _, it := range items {
		out = append(out, s.itemJSON(it, false))
	}
	next := ""
	if page*tagPageSize < total {
		next = "/api/v1/tags/" + c.Param("name") + "?page=" + strconv.Itoa(page+1)
	}
	return c.JSON(http.StatusOK, map[string]any{"tag": c.Param("name"), "total": total, "items": out, "next": next})
}

// warningPage: POST /items/ID/content-warning (warning).
func (s *Server) warningPage(c echo.Context) error {
	id, err := pathID(c, "item")
	if err != nil {
		return err
	}
	if err := s.app.SetItemWarning(c.Request().Context(), account(c), node.ItemID(id), c.FormValue("warning")); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, node.ItemPath(node.ItemID(id)))
}

// apiWarning: PUT /api/v1/items/ID/content-warning {"warning"} → 204.
func (s *Server) apiWarning(c echo.Context) error {
	id, err := pathID(c, "item")
	if err != nil {
		return err
	}
	var in struct {
		Warning string `json:"warning"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if err := s.app.SetItemWarning(c.Request().Context(), account(c), node.ItemID(id), in.Warning); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
