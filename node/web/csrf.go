package web

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/node/app"
)

const csrfCookie = "shiji_csrf"

// csrfToken returns the visitor's CSRF token for a form: the one the CSRF
// middleware checked, else the cookie's, else a new one, set as the cookie.
// Only pages with a form ask for it (page.CSRF), so a visitor reading
// without signing in gets no cookie, and the page stays cacheable; a page
// that asks is the visitor's own and is not cached.
func (s *Server) csrfToken(c echo.Context) string {
	noCache(c)
	if t, ok := c.Get("csrf").(string); ok && t != "" {
		return t
	}
	if ck, err := c.Cookie(csrfCookie); err == nil && ck.Value != "" {
		c.Set("csrf", ck.Value)
		return ck.Value
	}
	t := app.NewToken(20)
	c.SetCookie(&http.Cookie{Name: csrfCookie, Value: t, Path: "/", MaxAge: 86400 * 7, HttpOnly: true,
		Secure: s.secure, SameSite: http.SameSiteLaxMode})
	c.Set("csrf", t)
	return t
}

// anonymousForms are the forms every visitor sees, signed in or not: the
// language switch and a new stroll. Without a session they carry no token
// (the page stays cacheable) and hold no authority a forged request could
// borrow; the browser's Sec-Fetch-Site and Origin headers still keep other
// sites from posting them.
var anonymousForms = map[string]bool{"/lang": true, "/wander/new": true, "/world/wander/new": true}

// skipCSRF: safe methods (nothing to check; forms mint their token as they
// are rendered), API calls authenticated by a Bearer token or without a
// session cookie, and the anonymous forms without a session.
func skipCSRF(c echo.Context) bool {
	r := c.Request()
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	if anonymousForms[r.URL.Path] {
		return anonymous(r)
	}
	if !strings.HasPrefix(r.URL.Path, "/api/") {
		return false
	}
	if bearer(r) != "" {
		return true
	}
	_, err := r.Cookie(sessionCookie)
	return err != nil
}

// sameOrigin refuses an anonymous form posted from another site (the CSRF
// token is skipped for those, see anonymousForms).
func (s *Server) sameOrigin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if anonymous(c.Request()) {
			if err := s.crossOrigin.Check(c.Request()); err != nil {
				return errCSRF
			}
		}
		return next(c)
	}
}
