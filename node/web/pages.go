package web

import (
	"bytes"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
)

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

func (s *Server) serveStatic(c echo.Context) error {
	name := strings.TrimPrefix(c.Param("*"), "/")
	if name == "" || strings.Contains(name, "..") {
		return echo.ErrNotFound
	}
	if _, ok := s.static[name]; !ok {
		return echo.ErrNotFound
	}
	if c.QueryParam("v") == s.static[name] {
		c.Response().Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		c.Response().Header().Set("Cache-Control", "public, max-age=3600")
	}
	b, err := fs.ReadFile(s.cfg.Theme, "static/"+name)
	if err != nil {
		return echo.ErrNotFound
	}
	http.ServeContent(c.Response(), c.Request(), name, time.Time{}, bytes.NewReader(b))
	return nil
}

func (s *Server) healthz(c echo.Context) error {
	if _, err := s.app.DB.Market(c.Request().Context()); err != nil {
		return err
	}
	return c.String(http.StatusOK, "ok\n")
}

type loginData struct{ Name, Next, Error string }

func (s *Server) loginPage(c echo.Context) error {
	if account(c) != nil {
		return c.Redirect(http.StatusSeeOther, safeNext(c.QueryParam("next")))
	}
	return s.render(c, http.StatusOK, "login", "login.title", loginData{Next: safeNext(c.QueryParam("next"))})
}

func (s *Server) login(c echo.Context) error {
	name, next := c.FormValue("name"), safeNext(c.FormValue("next"))
	acc, err := s.app.LogIn(c.Request().Context(), name, c.FormValue("password"))
	if err != nil {
		status, msg := s.explain(c, err)
		return s.render(c, status, "login", "login.title", loginData{Name: name, Next: next, Error: msg})
	}
	if err := s.startWebSession(c, acc); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, next)
}

func (s *Server) startWebSession(c echo.Context, acc *node.Account) error {
	tok, err := s.app.StartSession(c.Request().Context(), acc, "web", c.Request().UserAgent())
	if err != nil {
		return err
	}
	s.setCookie(c, sessionCookie, tok, int(app.WebSessionTTL.Seconds()))
	return nil
}

type signupData struct {
	Mode, Name, DisplayName, Invite, Error string
	Question, Answer                       string // the market's sign-up question (docs/trust.md)
}

func (s *Server) signupPage(c echo.Context) error {
	m, err := s.app.DB.Market(c.Request().Context())
	if err != nil {
		return err
	}
	q, err := s.app.PublicSignupQuestion(c.Request().Context())
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "signup", "signup.title", signupData{Mode: string(m.Signup), Invite: c.QueryParam("invite"), Question: q})
}

func (s *Server) signup(c echo.Context) error {
	ctx := c.Request().Context()
	m, err := s.app.DB.Market(ctx)
	if err != nil {
		return err
	}
	p, err := s.newPage(c, "", nil)
	if err != nil {
		return err
	}
	in := app.SignUpInput{Name: c.FormValue("name"), DisplayName: c.FormValue("display_name"),
		Password: c.FormValue("password"), Invite: c.FormValue("invite"), Lang: c.FormValue("lang"), Answer: c.FormValue("answer")}
	acc, err := s.app.SignUp(ctx, in)
	if err != nil {
		status, msg := s.explain(c, err)
		if status >= 500 {
			return err
		}
		q, qerr := s.app.PublicSignupQuestion(ctx)
		if qerr != nil {
			return qerr
		}
		p.Title = p.T("signup.title")
		p.Data = signupData{Mode: string(m.Signup), Name: in.Name, DisplayName: in.DisplayName, Invite: in.Invite, Error: msg,
			Question: q, Answer: in.Answer}
		return s.write(c, status, "signup", p)
	}
	if acc.Pending { // waits for a moderator's approval (docs/trust.md)
		p.Title = p.T("trust.signup.pending.title")
		p.Data = acc
		return s.write(c, http.StatusAccepted, "signup_pending", p)
	}
	if err := s.startWebSession(c, acc); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/")
}

func (s *Server) logout(c echo.Context) error {
	if ck, err := c.Cookie(sessionCookie); err == nil && ck.Value != "" {
		if err := s.app.DB.DeleteSession(c.Request().Context(), ck.Value); err != nil {
			return err
		}
	}
	s.setCookie(c, sessionCookie, "", -1)
	return c.Redirect(http.StatusSeeOther, "/")
}

func (s *Server) setLang(c echo.Context) error {
	lang := s.cfg.Catalog.Match("", c.FormValue("lang"))
	if lang == "" {
		return node.Errorf(node.EINVALID, "Unknown language %q.", c.FormValue("lang"))
	}
	s.setCookie(c, langCookie, lang, 365*86400)
	if a := account(c); a != nil {
		if err := s.app.UpdateProfile(c.Request().Context(), a, a.DisplayName, lang); err != nil {
			return err
		}
	}
	return c.Redirect(http.StatusSeeOther, safeNext(c.FormValue("next")))
}

type accountData struct {
	Saved                bool
	Error                string
	Organiser, Moderator bool
	Mode                 string
	Invitations          []*node.Invitation
	Trust                *trustAccountData // sessions, password, export, deletion (pages_trust.go)
}

func (s *Server) accountPage(c echo.Context) error {
	return s.renderAccount(c, http.StatusOK, c.QueryParam("saved") == "1", "")
}

func (s *Server) renderAccount(c echo.Context, status int, saved bool, errMsg string) error {
	ctx := c.Request().Context()
	a := account(c)
	m, err := s.app.DB.Market(ctx)
	if err != nil {
		return err
	}
	d := accountData{Saved: saved, Error: errMsg, Organiser: a.Role == node.RoleOrganiser, Moderator: a.Role.Moderates(), Mode: string(m.Signup)}
	if d.Moderator {
		if d.Invitations, err = s.app.DB.Invitations(ctx); err != nil {
			return err
		}
	}
	if d.Trust, err = s.trustAccount(c, d.Organiser); err != nil {
		return err
	}
	return s.render(c, status, "account", "account.title", d)
}

func (s *Server) updateAccount(c echo.Context) error {
	a := account(c)
	if err := s.app.UpdateProfile(c.Request().Context(), a, c.FormValue("display_name"), c.FormValue("lang")); err != nil {
		status, msg := s.explain(c, err)
		if status >= 500 {
			return err
		}
		return s.renderAccount(c, status, false, msg)
	}
	return c.Redirect(http.StatusSeeOther, "/account?saved=1")
}

func (s *Server) setSignupMode(c echo.Context) error {
	if err := s.app.SetSignupMode(c.Request().Context(), account(c), c.FormValue("mode")); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/account?saved=1")
}

func (s *Server) createInvitation(c echo.Context) error {
	role, err := node.ParseRole(c.FormValue("role"))
	if err != nil {
		return err
	}
	if _, err := s.app.Invite(c.Request().Context(), account(c), role); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/account?saved=1")
}
