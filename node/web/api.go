package web

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
)

// decodeJSON reads a JSON object body into v with a clear error for bad input.
func decodeJSON(c echo.Context, v any) error {
	dec := json.NewDecoder(c.Request().Body)
	if err := dec.Decode(v); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		var tooBig *http.MaxBytesError
		switch {
		case errors.Is(err, io.EOF):
			return node.Errorf(node.EMALFORMED, "The request body is empty; send a JSON object.")
		case errors.As(err, &tooBig):
			return node.Errorf(node.ETOOLARGE, "The request body is too large.")
		case errors.As(err, &syn):
			return node.Errorf(node.EMALFORMED, "The request body is not valid JSON (at byte %d).", syn.Offset)
		case errors.As(err, &typ):
			return node.Errorf(node.EINVALID, "The field %q must be a %s.", typ.Field, node.Word{ID: "word.json." + jsonKind(typ.Type.Kind().String()), English: jsonKind(typ.Type.Kind().String())})
		case strings.Contains(err.Error(), "request body too large"):
			return node.Errorf(node.ETOOLARGE, "The request body is too large.")
		default:
			return node.Errorf(node.EMALFORMED, "The request body is not valid JSON: %v.", err)
		}
	}
	if dec.More() {
		return node.Errorf(node.EMALFORMED, "The request body must hold exactly one JSON object.")
	}
	return nil
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "list"
	case "map", "struct":
		return "object"
	}
	return "number"
}

// apiAccountJSON is an account as the API shows it.
type apiAccountJSON struct {
	ID          node.AccountID `json:"id"`
	Name        string         `json:"name"`
	DisplayName string         `json:"display_name"`
	Role        node.Role      `json:"role"`
	Lang        string         `json:"lang"`
	Acct        string         `json:"acct"` // name@host: the account on the fediverse
	CreatedAt   time.Time      `json:"created_at"`
}

func (s *Server) accountJSON(a *node.Account) apiAccountJSON {
	return apiAccountJSON{ID: a.ID, Name: a.Name, DisplayName: a.DisplayName, Role: a.Role, Lang: a.Lang, Acct: s.acct(a.Name),
		CreatedAt: a.CreatedAt}
}

// acct is name@host: how people on other servers find a name of this node
// (an account's name, or a stall's handle).
func (s *Server) acct(name string) string { return name + "@" + s.baseURL.Host }

func (s *Server) apiCreateSession(c echo.Context) error {
	var in struct {
		Name     *string `json:"name"`
		Password *string `json:"password"`
		Label    string  `json:"label"` // the token's name in the account's list of sessions
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.Name == nil || in.Password == nil {
		return node.Errorf(node.EINVALID, "Send both \"name\" and \"password\".")
	}
	if utf8.RuneCountInString(strings.TrimSpace(in.Label)) > app.MaxTokenLabel {
		return node.Errorf(node.EINVALID, "A token's \"label\" may be at most %d characters long.", app.MaxTokenLabel)
	}
	acc, err := s.app.LogIn(c.Request().Context(), *in.Name, *in.Password)
	if err != nil {
		return err
	}
	tok, err := s.app.StartSession(c.Request().Context(), acc, "api", c.Request().UserAgent())
	if err != nil {
		return err
	}
	if err := s.app.LabelToken(c.Request().Context(), tok, in.Label); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"token": tok, "account": s.accountJSON(acc)})
}

func (s *Server) apiDeleteSession(c echo.Context) error {
	tok := bearer(c.Request())
	if tok == "" {
		return node.Errorf(node.EINVALID, "Send the token to end as \"Authorization: Bearer TOKEN\".")
	}
	if err := s.app.DB.DeleteSession(c.Request().Context(), tok); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) apiAccount(c echo.Context) error {
	return c.JSON(http.StatusOK, s.accountJSON(account(c)))
}

func (s *Server) apiMarket(c echo.Context) error {
	m, err := s.app.DB.Market(c.Request().Context())
	if err != nil {
		return err
	}
	lang := s.lang(c, m)
	return c.JSON(http.StatusOK, map[string]any{
		"name":         m.Name.In(lang, m.Languages...),
		"city":         m.City.In(lang, m.Languages...),
		"description":  m.Description.In(lang, m.Languages...),
		"opening":      m.Opening.In(lang, m.Languages...),
		"timezone":     m.Timezone,
		"languages":    m.Languages,
		"lang":         lang,
		"signup":       m.Signup,
		"url":          s.cfg.BaseURL + "/",
		"translations": map[string]node.Text{"name": m.Name, "city": m.City, "description": m.Description, "opening": m.Opening},
	})
}
