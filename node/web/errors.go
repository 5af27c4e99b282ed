package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/i18n"
)

// statusOf maps node error codes to HTTP statuses.
var statusOf = map[string]int{
	node.EMALFORMED:    http.StatusBadRequest,
	node.ECONFLICT:     http.StatusConflict,
	node.EFORBIDDEN:    http.StatusForbidden,
	node.EINTERNAL:     http.StatusInternalServerError,
	node.EINVALID:      http.StatusUnprocessableEntity,
	node.ENOTFOUND:     http.StatusNotFound,
	node.EUNAUTHORIZED: http.StatusUnauthorized,
	node.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	node.ETOOMANY:      http.StatusTooManyRequests,
	node.EUNSUPPORTED:  http.StatusUnsupportedMediaType,
	node.EFULL:         http.StatusInsufficientStorage,
	node.EGONE:         http.StatusGone,
}

// errCSRF is returned by the CSRF middleware for a missing or wrong token.
var errCSRF = errors.New("csrf")

// classify turns any error into a status and a message safe to show, in
// English (for logs and tests). Handlers use explain, which says it in the
// reader's language.
func classify(err error) (int, string) {
	var he *echo.HTTPError
	switch {
	case errors.Is(err, errCSRF):
		return http.StatusForbidden, "The form or request is missing a valid CSRF token; reload the page and try again."
	case errors.As(err, &he):
		msg := fmt.Sprint(he.Message)
		switch he.Code {
		case http.StatusNotFound:
			msg = "Not found."
		case http.StatusMethodNotAllowed:
			msg = "This method is not allowed here."
		case http.StatusRequestEntityTooLarge:
			msg = "The request body is too large."
		case http.StatusTooManyRequests:
			msg = "Too many requests; please wait a minute and try again."
		case http.StatusInternalServerError:
			msg = node.ErrorMessage(nil)
		}
		if msg == "" {
			msg = http.StatusText(he.Code)
		}
		return he.Code, msg
	}
	code := node.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	return status, node.ErrorMessage(err)
}

// explain turns any error into a status and a message safe to show, in the
// language of the request (the account's, the chosen one, Accept-Language,
// the market's).
func (s *Server) explain(c echo.Context, err error) (int, string) {
	var ne *node.Error
	if node.ErrorCode(err) == node.EFULL && !errors.As(err, &ne) {
		err = node.Full(err) // a full disk under the photos: say so, as for the database
	}
	status, msg := classify(err)
	loc := s.localizer(c)
	var he *echo.HTTPError
	switch {
	case errors.Is(err, errCSRF):
		return status, loc.T("error.csrf")
	case errors.As(err, &he):
		if t := loc.T(fmt.Sprintf("error.http.%d", status)); t != fmt.Sprintf("error.http.%d", status) {
			return status, t
		}
		return status, msg
	}
	return status, loc.Error(err)
}

// ExplainError is explain for the other layers that answer requests
// (federation's API routes): a status and a message in the reader's language.
func (s *Server) ExplainError(c echo.Context, err error) (int, string) { return s.explain(c, err) }

// localizer is the request's language's; the market's first language when
// the market cannot be read.
func (s *Server) localizer(c echo.Context) *i18n.Localizer {
	m, err := s.app.DB.Market(c.Request().Context())
	if err != nil {
		m = &node.Market{}
	}
	return s.cfg.Catalog.Localizer(s.lang(c, m))
}

// handleError is echo's one error handler: it logs internal errors once and
// answers with JSON for the API (or JSON clients) and a themed page otherwise.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	if errors.Is(err, context.Canceled) && c.Request().Context().Err() != nil {
		return // the client went away: there is nobody to answer, and nothing went wrong here
	}
	status, msg := s.explain(c, err)
	switch {
	case status == http.StatusInsufficientStorage:
		s.cfg.Logger.Error("storage full: a write was refused; free disk space (reads go on)", "err", err,
			"method", c.Request().Method, "path", c.Request().URL.Path, "request_id", c.Response().Header().Get(echo.HeaderXRequestID))
	case status >= 500:
		s.cfg.Logger.Error("request failed", "err", err, "method", c.Request().Method,
			"path", c.Request().URL.Path, "request_id", c.Response().Header().Get(echo.HeaderXRequestID))
	}
	if d := node.RetryAfter(err); d > 0 {
		c.Response().Header().Set("Retry-After", retryAfterSeconds(d))
	}
	if wantsJSON(c) {
		c.JSON(status, map[string]string{"error": msg})
		return
	}
	data := map[string]any{"Status": status, "Message": msg}
	p, perr := s.newPage(c, "", data)
	if perr != nil {
		c.String(status, msg)
		return
	}
	data["Title"] = p.T(fmt.Sprintf("error.%d", status))
	if data["Title"] == fmt.Sprintf("error.%d", status) {
		data["Title"] = http.StatusText(status)
	}
	switch {
	case errors.Is(err, errCSRF):
		data["Message"] = p.T("error.csrf")
	case status == http.StatusNotFound && node.ErrorCode(err) == node.ENOTFOUND:
		// a domain error says what is missing ("There is no item 7.")
	case status == http.StatusNotFound || status == http.StatusTooManyRequests || status >= 500:
		data["Message"] = p.T(fmt.Sprintf("error.%d.body", status))
	}
	p.Title = data["Title"].(string)
	if werr := s.write(c, status, "error", p); werr != nil {
		s.cfg.Logger.Error("render error page", "err", werr)
		c.String(status, msg)
	}
}

// retryAfterSeconds is d as a Retry-After value: whole seconds, at least 1.
func retryAfterSeconds(d time.Duration) string {
	return strconv.Itoa(max(1, int((d+time.Second-1)/time.Second)))
}

func wantsJSON(c echo.Context) bool {
	r := c.Request()
	if strings.HasPrefix(r.URL.Path, "/api/") {
		return true
	}
	accept := r.Header.Get("Accept")
	return strings.Contains(accept, "json") && !strings.Contains(accept, "text/html")
}
