package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/node"
)

// The account page's part for people's control of their data
// (docs/trust.md), and its pages.

// trustAccountData is what the account page shows of sessions and data.
type trustAccountData struct {
	Sessions      []*node.Session
	Protection    *node.SignupProtection // organiser only
	PasswordError string
	PasswordSaved bool
}

// passwordErrorKey carries a refused password change to the account page.
const passwordErrorKey = "trust.password_error"

func (s *Server) trustAccount(c echo.Context, organiser bool) (*trustAccountData, error) {
	ctx := c.Request().Context()
	d := &trustAccountData{PasswordSaved: c.QueryParam("password") == "1"}
	d.PasswordError, _ = c.Get(passwordErrorKey).(string)
	var err error
	if d.Sessions, err = s.app.Sessions(ctx, account(c), currentToken(c)); err != nil {
		return nil, err
	}
	if organiser {
		if d.Protection, err = s.app.SignupProtection(ctx, account(c)); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// endSessionPage: POST /account/sessions/ID/end.
func (s *Server) endSessionPage(c echo.Context) error {
	if err := s.app.EndSession(c.Request().Context(), account(c), c.Param("id")); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/account#sessions")
}

// endOtherSessionsPage: POST /account/sessions/end-others: log out
// everywhere else.
func (s *Server) endOtherSessionsPage(c echo.Context) error {
	if _, err := s.app.EndOtherSessions(c.Request().Context(), account(c), currentToken(c)); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/account#sessions")
}

// passwordPage: POST /account/password (current, new).
func (s *Server) passwordPage(c echo.Context) error {
	_, err := s.app.ChangePassword(c.Request().Context(), account(c), c.FormValue("current"), c.FormValue("new"), currentToken(c))
	if err != nil {
		status, msg := s.explain(c, err)
		if status >= 500 {
			return err
		}
		if status == http.StatusForbidden { // the current password is wrong: show the form again
			status = http.StatusUnprocessableEntity
		}
		c.Set(passwordErrorKey, msg)
		return s.renderAccount(c, status, false, "")
	}
	return c.Redirect(http.StatusSeeOther, "/account?password=1#password")
}

// exportPage: GET /account/export downloads the archive.
func (s *Server) exportPage(c echo.Context) error { return s.writeExport(c, account(c)) }

type deleteAccountData struct {
	Error string
	Done  bool
}

// deleteAccountPage: GET /account/delete, the confirmation.
func (s *Server) deleteAccountPage(c echo.Context) error {
	return s.render(c, http.StatusOK, "account_delete", "trust.delete.title", deleteAccountData{})
}

// deleteAccountConfirmed: POST /account/delete (password, confirm=1).
func (s *Server) deleteAccountConfirmed(c echo.Context) error {
	if c.FormValue("confirm") != "1" {
		return s.render(c, http.StatusUnprocessableEntity, "account_delete", "trust.delete.title",
			deleteAccountData{Error: s.localizer(c).T("trust.delete.unconfirmed")})
	}
	err := s.app.DeleteAccount(c.Request().Context(), account(c), c.FormValue("password"), s.photos, s.cfg.Logger)
	if err != nil {
		status, msg := s.explain(c, err)
		if status >= 500 {
			return err
		}
		return s.render(c, status, "account_delete", "trust.delete.title", deleteAccountData{Error: msg})
	}
	s.setCookie(c, sessionCookie, "", -1)
	c.Set("account", nil)
	return s.render(c, http.StatusOK, "account_delete", "trust.delete.title", deleteAccountData{Done: true})
}
