package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// A HEAD request (link checkers, uptime monitors, curl -I) is answered as
// the GET of the same URL would be, without the body (RFC 9110 9.3.2).
// echo routes by the request's method once the Pre middleware has run and
// has no HEAD routes of its own, so the innermost Pre middleware routes a
// HEAD as a GET (routeHeadAsGet) and the first middleware after routing
// makes it a HEAD again (restoreHead): handlers, the page cache and the
// error pages see the HEAD, and net/http, whose writer looks at the same
// request, sends the header and never the body.

const headKey = "shiji.head"

// routeHeadAsGet must be the last Pre middleware registered.
func routeHeadAsGet(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if r := c.Request(); r.Method == http.MethodHead {
			r.Method = http.MethodGet
			c.Set(headKey, true)
		}
		return next(c)
	}
}

// restoreHead must be the first middleware registered with Use.
func restoreHead(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if c.Get(headKey) != nil {
			c.Request().Method = http.MethodHead
		}
		return next(c)
	}
}
