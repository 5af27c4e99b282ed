package web

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/data"
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
			r := c.Request()
			if assetPath(r.URL.Path) {
				return next(c) // theme files and photos are everyone's: no session to look up
			}
			var a *node.Account
			if r.Method == http.MethodGet && !strings.HasPrefix(r.URL.Path, "/api/") {
				// A page: the counts at its top come in the same query.
				var v *data.Visitor
				if v, err = s.app.DB.SessionVisitor(ctx, ck.Value, "web"); err == nil {
					a = v.Account
					c.Set(visitorCountsKey, [2]int{v.Unread, v.Notices})
					c.Set(noTradesKey, !v.Reserved)
					c.Set(blocksKey, v.Blocks)
					// Nothing of the reader's own beyond their names and
					// token on the pages anyone reads (frameFirst).
					c.Set(plainReaderKey, v.Unread == 0 && !v.Reserved && !v.Follows && !v.Hides && !v.Blocks &&
						!a.Role.Moderates())
				}
			} else {
				a, err = s.app.DB.SessionAccount(ctx, ck.Value, "web")
			}
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

// visitorCountsKey holds a page reader's unread messages and notifications,
// read with the session ([2]int).
const visitorCountsKey = "visitor-counts"

// noTradesKey is true when a page's reader has never reserved anything.
const noTradesKey = "no-trades"

// blocksKey is true when a page's reader has blocked someone (whose
// messages their pages leave out).
const blocksKey = "blocks"

// plainReaderKey is true when a page's reader has no unread messages, has
// never reserved, follows no stall, hid no linked market, blocked nobody and
// does not moderate: what the pages anyone reads show of them is their
// names, their token and their role (frameFirst adds: holds no stall).
const plainReaderKey = "plain-reader"

// countsChanged says the request marked messages or notifications read: the
// page counts them again.
func countsChanged(c echo.Context) { c.Set(visitorCountsKey, nil) }

// assetPath reports whether a path is a theme file or a photo, which every
// visitor gets alike.
func assetPath(p string) bool {
	return strings.HasPrefix(p, "/static/") || strings.HasPrefix(p, "/media/")
}

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
