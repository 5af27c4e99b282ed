package web

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/node"
)

const sessionCookie = "shiji_session"

// account returns the signed-in account of the request, or nil.
func account(c echo.Context) *node.Account {
	a, _ := c.Get("account").(*node.Account)
	return a
}

// bearer returns the token of an "Authorization: Bearer" header, or "".
func bearer(r *http.Request) string {
	h := r.Header.Get(echo.HeaderAuthorization)
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// authenticate loads the account of a Bearer token (API) or the session cookie.
// A wrong or expired Bearer token is a 401; a stale cookie is dropped.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Set(pagesVersionKey, s.app.DB.Versions().Pages)
		ctx := c.Request().Context()
		if tok := bearer(c.Request()); tok != "" {
			a, err := s.app.DB.SessionAccount(ctx, tok, "api")
			if err != nil {
				if node.ErrorCode(err) == node.EUNAUTHORIZED {
					return node.Errorf(node.EUNAUTHORIZED, "The access token is not valid or has expired; create a new one with POST /api/v1/sessions.")
				}
				return err
			}
			c.Set("account", a)
			c.Set("bearer", true)
			return next(c)
		}
		if ck, err := c.Cookie(sessionCookie); err == nil && ck.Value != "" {
			a, err := s.app.DB.SessionAccount(ctx, ck.Value, "web")
			switch {
			case err == nil:
				c.Set("account", a)
			case node.ErrorCode(err) == node.EUNAUTHORIZED:
				s.setCookie(c, sessionCookie, "", -1)
			default:
				return err
			}
		}
		return next(c)
	}
}

const pagesVersionKey = "pages-version"

// pagesVersion is the Pages version as the request began, before it read
// anything: what it renders is at least that new.
func pagesVersion(c echo.Context) int64 {
	v, _ := c.Get(pagesVersionKey).(int64)
	return v
}

// requireAccount answers 401 (API) or redirects to the login page (HTML) when
// nobody is signed in.
func requireAccount(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if account(c) != nil {
			return next(c)
		}
		if wantsJSON(c) || c.Request().Method != http.MethodGet {
			return node.Errorf(node.EUNAUTHORIZED, "Please log in first.")
		}
		return c.Redirect(http.StatusSeeOther, "/login?next="+urlQueryEscape(c.Request().URL.RequestURI()))
	}
}

// safeNext returns next when it is a local path, else "/": no open redirects.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\r\n") {
		return "/"
	}
	return next
}
