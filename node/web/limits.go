package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/limits"
)

// writeKind is the kind of write (limits.Messages, …) a request to the
// route pattern is, or "" for reads (GET, HEAD, OPTIONS), which are not
// rate-limited here. Every other method on every route is some kind: a new
// write route is limited as limits.Writes until it is named below.
func writeKind(method, route string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return ""
	}
	has := func(parts ...string) bool {
		for _, p := range parts {
			if strings.Contains(route, p) {
				return true
			}
		}
		return false
	}
	switch {
	case route == "/login" || route == "/api/v1/sessions":
		return limits.Login
	case route == "/signup" || route == "/setup":
		return limits.Signup
	case has("/photos"):
		return limits.Uploads
	case has("/resolve", "/forward"): // moderators at work on reports
		return limits.Writes
	case has("/reports", "/blocks") && !has("/admin/"):
		return limits.Reports
	case route == "/messages/:id/:action": // report, delete, edit from the page
		return limits.Reports
	case has("/remote/reservations"): // a reservation on another market is a reservation
		return limits.Reservations
	case has("/thread", "/messages", "/remote/", "/world/ask", "/world/write"):
		return limits.Messages
	case has("/follow"):
		return limits.Follows
	case has("/reserve", "/reservations", "/trades"):
		return limits.Reservations
	case has("/items", "/stalls"):
		return limits.Items
	}
	return limits.Writes
}

// limitWrites counts every write in its kind's buckets, per account (when
// signed in) and per client address, all or nothing; an empty bucket is 429
// with Retry-After and changes nothing.
func (s *Server) limitWrites(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		kind := writeKind(c.Request().Method, c.Path())
		if kind == "" {
			return next(c)
		}
		var who string
		if a := account(c); a != nil {
			who = "account:" + strconv.FormatInt(int64(a.ID), 10)
		}
		if wait := s.buckets.Take(time.Now(), [2]string{kind, who}, [2]string{limits.IP(kind), c.RealIP()}); wait > 0 {
			secs := waitSeconds(wait)
			if who == "" {
				return node.Errorf(node.ETOOMANY, "Too many attempts from your address; please wait %d seconds and try again.", secs).After(wait)
			}
			return node.Errorf(node.ETOOMANY, "You are going too fast; please wait %d seconds and try again.", secs).After(wait)
		}
		return next(c)
	}
}

// waitSeconds is d in whole seconds, at least 1.
func waitSeconds(d time.Duration) int {
	return max(1, int((d+time.Second-1)/time.Second))
}
