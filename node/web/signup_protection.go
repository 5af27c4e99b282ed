package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/node"
)

// Sign-up protection for open markets (docs/trust.md): approval of new
// accounts and a question only locals can answer.

type signupProtectionJSON struct {
	Approval bool     `json:"approval"`
	Question string   `json:"question"`
	Answers  []string `json:"answers"`
}

// apiSignupProtection: GET (moderators) and PUT (the organiser)
// /api/v1/admin/signup-protection.
func (s *Server) apiSignupProtection(c echo.Context) error {
	ctx := c.Request().Context()
	if c.Request().Method == http.MethodPut {
		var in signupProtectionJSON
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
		p := &node.SignupProtection{Approval: in.Approval, Question: in.Question, Answers: in.Answers}
		if err := s.app.SetSignupProtection(ctx, account(c), p); err != nil {
			return err
		}
	}
	p, err := s.app.SignupProtection(ctx, account(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, signupProtectionJSON{Approval: p.Approval, Question: p.Question, Answers: append([]string{}, p.Answers...)})
}

type pendingJSON struct {
	ID          node.AccountID `json:"id"`
	Name        string         `json:"name"`
	DisplayName string         `json:"display_name"`
	Answer      string         `json:"answer"`
	CreatedAt   time.Time      `json:"created_at"`
}

func pendingAccountJSON(p *node.PendingAccount) pendingJSON {
	return pendingJSON{ID: p.ID, Name: p.Name, DisplayName: p.DisplayName, Answer: p.Answer, CreatedAt: p.CreatedAt}
}

// apiSignups: GET /api/v1/admin/signups, the sign-ups waiting for approval.
func (s *Server) apiSignups(c echo.Context) error {
	list, err := s.app.PendingAccounts(c.Request().Context(), account(c))
	if err != nil {
		return err
	}
	out := make([]pendingJSON, 0, len(list))
	for _, p := range list {
		out = append(out, pendingAccountJSON(p))
	}
	return c.JSON(http.StatusOK, map[string]any{"signups": out})
}

// signupAction reads :action (approve or reject).
func signupAction(c echo.Context) (bool, error) {
	switch c.Param("action") {
	case "approve":
		return true, nil
	case "reject":
		return false, nil
	}
	return false, node.Errorf(node.ENOTFOUND, "Unknown action %q: approve or reject.", c.Param("action"))
}

// apiAnswerSignup: POST /api/v1/admin/signups/ID/(approve|reject).
func (s *Server) apiAnswerSignup(c echo.Context) error {
	id, err := pathID(c, "sign-up")
	if err != nil {
		return err
	}
	approve, err := signupAction(c)
	if err != nil {
		return err
	}
	p, err := s.app.AnswerSignup(c.Request().Context(), account(c), node.AccountID(id), approve)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, pendingAccountJSON(p))
}

// answerSignupPage: POST /admin/signups/ID/(approve|reject) from the
// moderation page.
func (s *Server) answerSignupPage(c echo.Context) error {
	id, err := pathID(c, "sign-up")
	if err != nil {
		return err
	}
	approve, err := signupAction(c)
	if err != nil {
		return err
	}
	if _, err := s.app.AnswerSignup(c.Request().Context(), account(c), node.AccountID(id), approve); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/moderation#signups")
}

// setSignupProtectionPage: POST /admin/signup-protection from the account
// page (approval, question, answers one per line).
func (s *Server) setSignupProtectionPage(c echo.Context) error {
	p := &node.SignupProtection{Approval: c.FormValue("approval") == "1", Question: c.FormValue("question"),
		Answers: strings.Split(strings.ReplaceAll(c.FormValue("answers"), "\r", ""), "\n")}
	if err := s.app.SetSignupProtection(c.Request().Context(), account(c), p); err != nil {
		status, msg := s.explain(c, err)
		if status >= 500 || status == http.StatusForbidden || status == http.StatusUnauthorized {
			return err
		}
		return s.renderAccount(c, status, false, msg)
	}
	return c.Redirect(http.StatusSeeOther, "/account?saved=1#signup-protection")
}
