package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/node"
)

// apiFederateRoom: PATCH /api/v1/conversations/{id} {"federated": true}
// (the group chat's owner) opens a group chat to other markets: it becomes
// the Group actor room-ID@host (its "acct"), which people elsewhere follow.
func (s *Server) apiFederateRoom(c echo.Context) error {
	id, err := convID(c)
	if err != nil {
		return err
	}
	var in struct {
		Federated *bool `json:"federated"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.Federated == nil {
		return node.Errorf(node.EINVALID, "Say whether the group chat is open to other markets: {\"federated\": true}.")
	}
	conv, err := s.app.FederateRoom(c.Request().Context(), account(c), id, *in.Federated)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"conversation": s.conversationJSON(conv)})
}

// apiReadmitMember: PUT /api/v1/conversations/{id}/members/{name} (the
// group chat's owner or moderators) lets a member elsewhere who was removed
// (name: user@host) back in: the removal is lifted and they may join again
// by following the room. 204; 404 when they never were a member, 409 when
// they were not removed, 422 for a name here.
func (s *Server) apiReadmitMember(c echo.Context) error {
	id, err := convID(c)
	if err != nil {
		return err
	}
	if err := s.app.ReadmitMember(c.Request().Context(), account(c), id, c.Param("name")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
