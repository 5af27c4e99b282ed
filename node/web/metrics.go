package web

import (
	"crypto/subtle"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// RequestObserver counts answered requests (node/metrics implements it).
type RequestObserver interface {
	ObserveRequest(route, method string, status int, d time.Duration, stream bool)
}

// observe is the outermost middleware (a Pre one, so it sees every request,
// refused ones too): it answers an error itself to know its status, then
// hands the route's pattern, the status and the time taken to the observer.
// It also serves /metrics on the public port when a token is set.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if c.Request().URL.Path == "/metrics" && s.cfg.MetricsToken != "" {
			return s.serveMetrics(c)
		}
		start := time.Now()
		if err := next(c); err != nil {
			c.Error(err)
		}
		if s.cfg.Metrics == nil {
			return nil
		}
		stream := strings.HasPrefix(c.Response().Header().Get(echo.HeaderContentType), "text/event-stream")
		s.cfg.Metrics.ObserveRequest(c.Path(), c.Request().Method, c.Response().Status, time.Since(start), stream)
		return nil
	}
}

// serveMetrics answers /metrics on the public port to a request with the
// metrics token ("Authorization: Bearer TOKEN", as Prometheus's
// authorization setting sends it).
func (s *Server) serveMetrics(c echo.Context) error {
	tok := bearer(c.Request())
	if tok == "" || subtle.ConstantTimeCompare([]byte(tok), []byte(s.cfg.MetricsToken)) != 1 {
		c.Response().Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
		return c.String(http.StatusUnauthorized, "metrics need the token: Authorization: Bearer TOKEN\n")
	}
	s.cfg.MetricsHandler.ServeHTTP(c.Response(), c.Request())
	return nil
}
