package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
)

// pathID parses the :id path parameter.
func pathID(c echo.Context, what string) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		word := node.Word{ID: "word.thing." + strings.ReplaceAll(what, " ", "_"), English: what}
		return 0, node.Errorf(node.ENOTFOUND, "There is no %s %q.", word, c.Param("id"))
	}
	return id, nil
}

// resolveAlley accepts an alley as its id (number) or slug (string).
func (s *Server) resolveAlley(ctx context.Context, raw json.RawMessage) (node.AlleyID, error) {
	alleys, err := s.app.DB.Alleys(ctx)
	if err != nil {
		return 0, err
	}
	var id int64
	var slug string
	if json.Unmarshal(raw, &id) != nil && json.Unmarshal(raw, &slug) != nil {
		return 0, node.Errorf(node.EINVALID, "\"alley\" must be an alley's id or short name.")
	}
	for _, a := range alleys {
		if (id != 0 && int64(a.ID) == id) || (slug != "" && a.Slug == slug) {
			return a.ID, nil
		}
	}
	return 0, node.Errorf(node.EINVALID, "There is no alley %s.", strings.Trim(string(raw), `"`))
}

type stallInput struct {
	Name      *string         `json:"name"`
	Story     *string         `json:"story"`
	Alley     json.RawMessage `json:"alley"`
	OpenToday *bool           `json:"open_today"`
	Approve   *bool           `json:"approve_followers"`
	Days      *[]string       `json:"market_days"` // PATCH: the upcoming market days it comes to
}

func (s *Server) stallJSON(ctx context.Context, st *node.Stall, lang string, withItems bool) (stallJSON, error) {
	out := stallJSON{
		stallRefJSON: stallRefJSON{ID: st.ID, Name: st.Name, URL: s.abs(node.StallPath(st.ID))}, Acct: s.acct(node.StallHandle(st.ID)),
		Story: st.Story, StoryHTML: string(s.cfg.Markdown.HTML(st.Story)), Spot: st.Spot, OpenToday: st.OpenToday,
		ApproveFollowers: st.ApproveFollowers,
		Photos:           s.photosJSON(st.Photos), CreatedAt: st.CreatedAt, UpdatedAt: st.UpdatedAt, Holders: []string{},
		MovedTo: st.MovedTo, AlsoKnownAs: st.AlsoKnownAs,
	}
	alleys, err := s.app.DB.Alleys(ctx)
	if err != nil {
		return out, err
	}
	for _, a := range alleys {
		if a.ID == st.Alley {
			aj := s.alleyJSON(a, lang)
			out.Alley = &aj
		}
	}
	for _, h := range st.Holders {
		if a, err := s.app.DB.Account(ctx, h); err == nil {
			out.Holders = append(out.Holders, a.Name)
		}
	}
	days, err := s.app.StallDays(ctx, st.ID)
	if err != nil {
		return out, err
	}
	out.Days = []string{}
	for _, d := range days {
		out.Days = append(out.Days, d.Date)
	}
	if withItems {
		items, err := s.app.DB.Items(ctx, data.ItemFilter{Stall: st.ID, Limit: 200})
		if err != nil {
			return out, err
		}
		out.Items = make([]itemJSON, 0, len(items))
		for _, it := range items {
			out.Items = append(out.Items, s.itemJSON(it, false))
		}
	}
	return out, nil
}

func (s *Server) apiCreateStall(c echo.Context) error {
	ctx := c.Request().Context()
	var in stallInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	st := &node.Stall{}
	if in.Name != nil {
		st.Name = *in.Name
	}
	if in.Story != nil {
		st.Story = *in.Story
	}
	if in.OpenToday != nil {
		st.OpenToday = *in.OpenToday
	}
	if in.Approve != nil {
		st.ApproveFollowers = *in.Approve
	}
	if len(in.Alley) > 0 { // without one, a market without alleys gives the default alley
		alley, err := s.resolveAlley(ctx, in.Alley)
		if err != nil {
			return err
		}
		st.Alley = alley
	}
	if err := s.app.CreateStall(ctx, account(c), st); err != nil {
		return err
	}
	st, err := s.app.DB.Stall(ctx, st.ID)
	if err != nil {
		return err
	}
	out, err := s.stallJSON(ctx, st, s.apiLang(c), false)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, out)
}

func (s *Server) apiStall(c echo.Context) error {
	id, err := pathID(c, "stall")
	if err != nil {
		return err
	}
	st, err := s.app.DB.Stall(c.Request().Context(), node.StallID(id))
	if err != nil {
		return err
	}
	if st.Gone {
		return node.Errorf(node.EGONE, "This stall has closed.")
	}
	out, err := s.stallJSON(c.Request().Context(), st, s.apiLang(c), true)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) apiUpdateStall(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := pathID(c, "stall")
	if err != nil {
		return err
	}
	var in stallInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ch := app.StallChange{Name: in.Name, Story: in.Story, OpenToday: in.OpenToday, ApproveFollowers: in.Approve}
	if len(in.Alley) > 0 {
		alley, err := s.resolveAlley(ctx, in.Alley)
		if err != nil {
			return err
		}
		ch.Alley = &alley
	}
	if in.Days != nil {
		if _, err := s.app.ValidStallDays(ctx, *in.Days); err != nil {
			return err
		}
	}
	st, err := s.app.UpdateStall(ctx, account(c), node.StallID(id), ch)
	if err != nil {
		return err
	}
	if in.Days != nil {
		if _, err := s.app.SetStallDays(ctx, account(c), st.ID, *in.Days); err != nil {
			return err
		}
	}
	if st, err = s.app.DB.Stall(ctx, st.ID); err != nil {
		return err
	}
	out, err := s.stallJSON(ctx, st, s.apiLang(c), false)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) apiPlaceStall(c echo.Context) error {
	id, err := pathID(c, "stall")
	if err != nil {
		return err
	}
	var in struct {
		X *int `json:"x"`
		Y *int `json:"y"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	var spot *node.Spot
	if in.X != nil || in.Y != nil {
		if in.X == nil || in.Y == nil {
			return node.Errorf(node.EINVALID, "Send both \"x\" and \"y\" (or neither, to take the stall off the plan).")
		}
		spot = &node.Spot{X: *in.X, Y: *in.Y}
	}
	if err := s.app.PlaceStall(c.Request().Context(), account(c), node.StallID(id), spot); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) apiAlleys(c echo.Context) error {
	alleys, err := s.app.DB.Alleys(c.Request().Context())
	if err != nil {
		return err
	}
	lang := s.apiLang(c)
	out := make([]alleyJSON, 0, len(alleys))
	for _, a := range alleys {
		out = append(out, s.alleyJSON(a, lang))
	}
	return c.JSON(http.StatusOK, map[string]any{"alleys": out})
}

func (s *Server) apiCreateAlley(c echo.Context) error {
	var in struct {
		Slug     string    `json:"slug"`
		Name     node.Text `json:"name"`
		Colour   string    `json:"colour"`
		Position int       `json:"position"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	a := &node.Alley{Slug: in.Slug, Name: in.Name, Colour: in.Colour, Position: in.Position}
	if err := s.app.CreateAlley(c.Request().Context(), account(c), a); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, s.alleyJSON(a, s.apiLang(c)))
}

// apiLang is the language for API texts: the account's, else Accept-Language.
func (s *Server) apiLang(c echo.Context) string {
	m, err := s.app.DB.Market(c.Request().Context())
	if err != nil {
		return "en"
	}
	return s.lang(c, m)
}
