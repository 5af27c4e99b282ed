package web

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/node"
)

// The market's rules and contact (issue 11), set by the organiser on the
// market's admin page and through the API; other servers read them from
// /api/v1/instance and NodeInfo (package federation).

// adminInstance: POST /admin/instance (rules, one a line; contact_email;
// contact_account). A refused form comes back as typed.
func (s *Server) adminInstance(c echo.Context) error {
	in := node.InstanceInfo{Rules: strings.Split(strings.ReplaceAll(c.FormValue("rules"), "\r\n", "\n"), "\n"),
		ContactEmail: c.FormValue("contact_email"), ContactAccount: c.FormValue("contact_account")}
	if _, err := s.app.SetInstanceInfo(c.Request().Context(), account(c), in); err != nil {
		status, msg := s.explain(c, err)
		if status >= 500 || status == http.StatusForbidden || status == http.StatusUnauthorized {
			return err
		}
		c.Set("instanceForm", instanceForm{Rules: c.FormValue("rules"), ContactEmail: in.ContactEmail, ContactAccount: in.ContactAccount, Error: msg})
		return s.renderAdminMarket(c, status, false, nil)
	}
	return c.Redirect(http.StatusSeeOther, "/admin/market?saved=1#instance")
}

// instanceForm is the form as shown: stored values, or what was typed.
type instanceForm struct {
	Rules, ContactEmail, ContactAccount, Error string
}

// instanceFormData fills the admin page's form.
func (s *Server) instanceFormData(c echo.Context) (instanceForm, error) {
	if f, ok := c.Get("instanceForm").(instanceForm); ok {
		return f, nil
	}
	in, err := s.app.InstanceInfo(c.Request().Context())
	if err != nil {
		return instanceForm{}, err
	}
	return instanceForm{Rules: strings.Join(in.Rules, "\n"), ContactEmail: in.ContactEmail, ContactAccount: in.ContactAccount}, nil
}

// apiAdminInstance: GET or PUT /api/v1/admin/instance {"rules": [...],
// "contact_email", "contact_account"}.
func (s *Server) apiAdminInstance(c echo.Context) error {
	ctx := c.Request().Context()
	if c.Request().Method == http.MethodGet {
		if acc := account(c); acc == nil || acc.Role != node.RoleOrganiser {
			return node.Errorf(node.EFORBIDDEN, "Only the organiser sets the market's rules and contact.")
		}
		in, err := s.app.InstanceInfo(ctx)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, instanceJSON(in))
	}
	var body struct {
		Rules          []string `json:"rules"`
		ContactEmail   string   `json:"contact_email"`
		ContactAccount string   `json:"contact_account"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	in, err := s.app.SetInstanceInfo(ctx, account(c), node.InstanceInfo{Rules: body.Rules, ContactEmail: body.ContactEmail,
		ContactAccount: body.ContactAccount})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, instanceJSON(in))
}

func instanceJSON(in *node.InstanceInfo) map[string]any {
	return map[string]any{"rules": append([]string{}, in.Rules...), "contact_email": in.ContactEmail, "contact_account": in.ContactAccount}
}
