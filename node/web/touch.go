package web

import (
	"crypto/sha256"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// touchEvery is how often a session's "last used" is written: at most once
// in this time per session, so a busy session costs one small write every
// few minutes, not one per request.
const touchEvery = 5 * time.Minute

// touches remembers when each session was last written as used.
type touches struct {
	mu    sync.Mutex
	m     map[[32]byte]time.Time
	swept time.Time
}

// due reports whether token's session should be written as used now (and
// notes that it is).
func (t *touches) due(token string, now time.Time) bool {
	k := sha256.Sum256([]byte(token))
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil {
		t.m = map[[32]byte]time.Time{}
	}
	if now.Sub(t.swept) > touchEvery {
		for k, at := range t.m {
			if now.Sub(at) > touchEvery {
				delete(t.m, k)
			}
		}
		t.swept = now
	}
	if at, ok := t.m[k]; ok && now.Sub(at) < touchEvery {
		return false
	}
	t.m[k] = now
	return true
}

// touchSession records when a signed-in session or token was last used
// (for the list on the account page). A failed write (a full disk) is
// logged and never fails the request.
func (s *Server) touchSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if account(c) != nil {
			if tok := currentToken(c); tok != "" && s.touched.due(tok, time.Now()) {
				if err := s.app.DB.TouchSession(c.Request().Context(), tok); err != nil {
					s.cfg.Logger.Warn("cannot note that a session was used", "err", err)
				}
			}
		}
		return next(c)
	}
}
