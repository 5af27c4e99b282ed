package web

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
)

// apiRemoteReserve: POST /api/v1/remote/reservations {"item": the item's
// ActivityPub id on another market, "quantity"?, "message"?} → 201 with the
// requested trade; the stall's node accepts or declines it (FEP-0837).
func (s *Server) apiRemoteReserve(c echo.Context) error {
	var in struct {
		Item     string `json:"item"`
		Quantity *int   `json:"quantity"`
		Message  string `json:"message"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	q := 1
	if in.Quantity != nil {
		q = *in.Quantity
	}
	t, err := s.app.ReserveElsewhere(c.Request().Context(), account(c), in.Item, q, in.Message)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, s.tradeJSON(s.localizer(c), t))
}

// reserveElsewherePage: POST /world/reserve (item: its ActivityPub id) is
// "reserve" on a world card of another market: one of it, and the trade's
// page opens (requested until the stall's market answers).
func (s *Server) reserveElsewherePage(c echo.Context) error {
	t, err := s.app.ReserveElsewhere(c.Request().Context(), account(c), c.FormValue("item"), 1, "")
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/trades/"+strconv.FormatInt(int64(t.ID), 10))
}
