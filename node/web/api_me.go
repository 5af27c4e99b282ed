package web

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/node"
)

// People's control of their own data (docs/trust.md): their sessions and
// API tokens, their password, an export of everything of theirs, and the
// deletion of their account.

// sessionJSON is a session or API token as its owner sees it.
type sessionJSON struct {
	ID         string     `json:"id"`
	Kind       string     `json:"kind"` // web (a browser) or api (a token)
	Label      string     `json:"label,omitempty"`
	UserAgent  string     `json:"user_agent"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	Current    bool       `json:"current"`
}

func sessionsJSON(list []*node.Session) []sessionJSON {
	out := make([]sessionJSON, 0, len(list))
	for _, s := range list {
		j := sessionJSON{ID: s.ID, Kind: s.Kind, Label: s.Label, UserAgent: s.UserAgent, CreatedAt: s.CreatedAt,
			ExpiresAt: s.ExpiresAt, Current: s.Current}
		if !s.LastUsedAt.IsZero() {
			t := s.LastUsedAt
			j.LastUsedAt = &t
		}
		out = append(out, j)
	}
	return out
}

// currentToken is the token the request is signed in with (Bearer or cookie).
func currentToken(c echo.Context) string {
	if tok := bearer(c.Request()); tok != "" {
		return tok
	}
	if ck, err := c.Cookie(sessionCookie); err == nil {
		return ck.Value
	}
	return ""
}

// apiSessions: GET /api/v1/me/sessions lists the account's sessions and
// tokens; DELETE /api/v1/me/sessions ends all but the current one.
func (s *Server) apiSessions(c echo.Context) error {
	ctx := c.Request().Context()
	if c.Request().Method == http.MethodDelete {
		n, err := s.app.EndOtherSessions(ctx, account(c), currentToken(c))
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]int{"ended": n})
	}
	list, err := s.app.Sessions(ctx, account(c), currentToken(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"sessions": sessionsJSON(list)})
}

// apiEndSession: DELETE /api/v1/me/sessions/ID ends one session or token.
func (s *Server) apiEndSession(c echo.Context) error {
	if err := s.app.EndSession(c.Request().Context(), account(c), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// apiPassword: POST /api/v1/me/password {"current", "new"} changes the
// password and ends every other session and token.
func (s *Server) apiPassword(c echo.Context) error {
	var in struct {
		Current *string `json:"current"`
		New     *string `json:"new"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.Current == nil || in.New == nil {
		return node.Errorf(node.EINVALID, "Send both \"current\" and \"new\".")
	}
	n, err := s.app.ChangePassword(c.Request().Context(), account(c), *in.Current, *in.New, currentToken(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]int{"ended": n})
}

// apiDeleteMe: DELETE /api/v1/me {"password"} deletes the account for good.
func (s *Server) apiDeleteMe(c echo.Context) error {
	var in struct {
		Password *string `json:"password"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.Password == nil {
		return node.Errorf(node.EINVALID, "Send your \"password\" to delete your account.")
	}
	if err := s.app.DeleteAccount(c.Request().Context(), account(c), *in.Password, s.photos, s.cfg.Logger); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// apiExport: GET /api/v1/me/export downloads the account's archive.
func (s *Server) apiExport(c echo.Context) error { return s.writeExport(c, account(c)) }
