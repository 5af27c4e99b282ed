package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/node"
)

// A stall moving to another market (docs/trust.md): its other addresses
// (alsoKnownAs) and the Move.

// apiStallAliases: GET /api/v1/stalls/ID/aliases, POST {"alias"} adds one,
// DELETE ?alias=URL removes one. → {"also_known_as": [...]}.
func (s *Server) apiStallAliases(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := pathID(c, "stall")
	if err != nil {
		return err
	}
	var st *node.Stall
	switch c.Request().Method {
	case http.MethodPost:
		var in struct {
			Alias string `json:"alias"`
		}
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
		st, err = s.app.AddStallAlias(ctx, account(c), node.StallID(id), in.Alias)
	case http.MethodDelete:
		st, err = s.app.RemoveStallAlias(ctx, account(c), node.StallID(id), c.QueryParam("alias"))
	default:
		if st, err = s.app.EditableStall(ctx, account(c), node.StallID(id)); err == nil && !st.HeldBy(account(c).ID) {
			err = node.Errorf(node.EFORBIDDEN, "Only this stall's stallholders can see its other addresses.")
		}
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"also_known_as": append([]string{}, st.AlsoKnownAs...)})
}

// apiMoveStall: POST /api/v1/stalls/ID/move {"to": "stall-7@other.example"
// or an actor URL} → 200 {"moved_to": IRI}.
func (s *Server) apiMoveStall(c echo.Context) error {
	id, err := pathID(c, "stall")
	if err != nil {
		return err
	}
	var in struct {
		To string `json:"to"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	target, err := s.app.MoveStall(c.Request().Context(), account(c), node.StallID(id), in.To)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"moved_to": target})
}

type moveData struct {
	Stall   *node.Stall
	Acct    string // the stall's own address, to name as an alias elsewhere
	URL     string
	Alias   string
	To      string
	Error   string
	Saved   bool
	MovedTo string
}

// movePage: GET /stalls/ID/move.
func (s *Server) movePage(c echo.Context) error {
	return s.renderMove(c, http.StatusOK, moveData{Saved: c.QueryParam("saved") == "1"})
}

func (s *Server) renderMove(c echo.Context, status int, d moveData) error {
	id, err := pathID(c, "stall")
	if err != nil {
		return err
	}
	st, err := s.app.EditableStall(c.Request().Context(), account(c), node.StallID(id))
	if err != nil {
		return err
	}
	if !st.HeldBy(account(c).ID) {
		return node.Errorf(node.EFORBIDDEN, "Only this stall's stallholders can move it.")
	}
	d.Stall, d.Acct, d.URL = st, s.acct(node.StallHandle(st.ID)), s.abs(node.StallPath(st.ID))
	return s.render(c, status, "stall_move", "trust.move.title", d)
}

// moveFormPage: POST /stalls/ID/aliases (alias), /stalls/ID/aliases/remove
// (alias) and /stalls/ID/move (to).
func (s *Server) moveFormPage(op string) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		id, err := pathID(c, "stall")
		if err != nil {
			return err
		}
		d := moveData{Alias: c.FormValue("alias"), To: c.FormValue("to")}
		switch op {
		case "alias":
			_, err = s.app.AddStallAlias(ctx, account(c), node.StallID(id), d.Alias)
		case "unalias":
			_, err = s.app.RemoveStallAlias(ctx, account(c), node.StallID(id), d.Alias)
		default:
			var target string
			if target, err = s.app.MoveStall(ctx, account(c), node.StallID(id), d.To); err == nil {
				return c.Redirect(http.StatusSeeOther, target)
			}
		}
		if err != nil {
			status, msg := s.explain(c, err)
			if status >= 500 || status == http.StatusForbidden || status == http.StatusUnauthorized {
				return err
			}
			d.Error = msg
			return s.renderMove(c, status, d)
		}
		return c.Redirect(http.StatusSeeOther, node.StallPath(node.StallID(id))+"/move?saved=1")
	}
}
