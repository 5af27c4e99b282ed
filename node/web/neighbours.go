package web

import (
	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/node"
)

// neighbours returns the previous and next stall along the alley (filled in
// by the wander engine; nil until then).
func (s *Server) neighbours(c echo.Context, st *node.Stall) (*struct{ Prev, Next *stallRef }, error) {
	return nil, nil
}
