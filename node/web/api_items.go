package web

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
)

type itemInput struct {
	Title    *string         `json:"title"`
	Story    *string         `json:"story"`
	Price    json.RawMessage `json:"price"`
	Quantity *int            `json:"quantity"`
	Tags     *[]string       `json:"tags"`
	Status   *string         `json:"status"`
	BringOn  *string         `json:"bring_on"` // PATCH: the market day it comes to ("" = any)
}

// parsePriceJSON reads {"amount":"12.50","currency":"CNY"} or {"kind":"free"}.
func parsePriceJSON(raw json.RawMessage) (node.Price, error) {
	var in struct {
		Kind     string          `json:"kind"`
		Amount   json.RawMessage `json:"amount"`
		Currency string          `json:"currency"`
	}
	if err := json.Unmarshal(raw, &in); err != nil {
		return node.Price{}, node.Errorf(node.EINVALID, "\"price\" must be {\"amount\":\"12.50\",\"currency\":\"CNY\"} or {\"kind\":\"free\"|\"swap\"|\"ask\"}.")
	}
	if len(in.Amount) > 0 && string(in.Amount) != "null" {
		if in.Kind != "" && in.Kind != string(node.PriceAmount) {
			return node.Price{}, node.Errorf(node.EINVALID, "A price has either an amount or a kind (%s), not both.", in.Kind)
		}
		amount := strings.Trim(string(in.Amount), `"`)
		return node.ParsePrice(amount, in.Currency)
	}
	if in.Kind == "" {
		return node.Price{}, node.Errorf(node.EINVALID, "The price needs an \"amount\" and a \"currency\", or a \"kind\": free, swap or ask.")
	}
	return node.ParsePriceKind(in.Kind)
}

func (s *Server) apiCreateItem(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := pathID(c, "stall")
	if err != nil {
		return err
	}
	var in itemInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	it := &node.Item{Stall: node.StallID(id), Quantity: 1}
	if in.Title != nil {
		it.Title = *in.Title
	}
	if in.Story != nil {
		it.Story = *in.Story
	}
	if in.Quantity != nil {
		it.Quantity = *in.Quantity
	}
	if in.Tags != nil {
		it.Tags = *in.Tags
	}
	if len(in.Price) == 0 {
		return node.Errorf(node.EINVALID, "The item needs a \"price\": {\"amount\":\"12.50\",\"currency\":\"CNY\"} or {\"kind\":\"free\"|\"swap\"|\"ask\"}.")
	}
	if it.Price, err = parsePriceJSON(in.Price); err != nil {
		return err
	}
	if err := s.app.CreateItem(ctx, account(c), it); err != nil {
		return err
	}
	it, err = s.app.DB.Item(ctx, it.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, s.itemJSON(it, true))
}

func (s *Server) apiItem(c echo.Context) error {
	id, err := pathID(c, "item")
	if err != nil {
		return err
	}
	it, err := s.app.DB.Item(c.Request().Context(), node.ItemID(id))
	if err != nil {
		return err
	}
	out := s.itemJSON(it, true)
	var r reactionsJSON
	if r.Likes, r.Boosts, err = s.app.DB.Reactions(c.Request().Context(), it.ID); err != nil {
		return err
	}
	out.Fediverse = &r
	return c.JSON(http.StatusOK, out)
}

func (s *Server) apiUpdateItem(c echo.Context) error {
	id, err := pathID(c, "item")
	if err != nil {
		return err
	}
	var in itemInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ch := app.ItemChange{Title: in.Title, Story: in.Story, Quantity: in.Quantity, Tags: in.Tags}
	if len(in.Price) > 0 {
		p, err := parsePriceJSON(in.Price)
		if err != nil {
			return err
		}
		ch.Price = &p
	}
	if in.Status != nil {
		st, err := node.ParseItemStatus(*in.Status)
		if err != nil {
			return err
		}
		ch.Status = &st
	}
	ctx := c.Request().Context()
	if in.BringOn != nil && *in.BringOn != "" {
		if _, err := s.app.ValidStallDays(ctx, []string{*in.BringOn}); err != nil {
			return err
		}
	}
	it, err := s.app.UpdateItem(ctx, account(c), node.ItemID(id), ch)
	if err != nil {
		return err
	}
	if in.BringOn != nil {
		if err := s.app.SetItemDay(ctx, account(c), it.ID, *in.BringOn); err != nil {
			return err
		}
		if it, err = s.app.DB.Item(ctx, it.ID); err != nil {
			return err
		}
	}
	return c.JSON(http.StatusOK, s.itemJSON(it, true))
}

func (s *Server) apiDeleteItem(c echo.Context) error {
	id, err := pathID(c, "item")
	if err != nil {
		return err
	}
	if err := s.app.WithdrawItem(c.Request().Context(), account(c), node.ItemID(id)); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// uploadedPhoto opens the multipart "file" field of the request.
func uploadedPhoto(c echo.Context) (io.ReadCloser, string, error) {
	f, err := openUpload(c, "file")
	if err == nil && f == nil {
		err = node.Errorf(node.EINVALID, "Send the photo as multipart/form-data in a field called \"file\".")
	}
	if err != nil {
		return nil, "", err
	}
	return f, c.FormValue("alt"), nil
}

// openUpload opens the multipart file field of the request, or returns nil
// when none was sent (an empty file counts as none). A body over the upload
// limit is ETOOLARGE.
func openUpload(c echo.Context, field string) (io.ReadCloser, error) {
	fh, err := c.FormFile(field)
	var tooBig *http.MaxBytesError
	switch {
	case err == nil && fh.Size > 0:
		return fh.Open()
	case err != nil && (errors.As(err, &tooBig) || strings.Contains(err.Error(), "too large")):
		return nil, node.Errorf(node.ETOOLARGE, "The photo is too large.")
	}
	return nil, nil
}

// apiAddPhoto serves POST /api/v1/items/:id/photos and /api/v1/stalls/:id/photos.
func (s *Server) apiAddPhoto(kind string) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c, kind)
		if err != nil {
			return err
		}
		f, alt, err := uploadedPhoto(c)
		if err != nil {
			return err
		}
		defer f.Close()
		p, err := s.addPhoto(c, kind, id, f, alt)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusCreated, s.photoJSON(p))
	}
}

// searchQuery reads q, alley (id or slug), min, max, currency and status.
func (s *Server) searchQuery(c echo.Context) (data.SearchQuery, error) {
	q := data.SearchQuery{Text: strings.TrimSpace(c.QueryParam("q")), Currency: s.marketCurrency(c)}
	if cur := c.QueryParam("currency"); cur != "" {
		q.Currency = strings.ToUpper(cur)
	}
	if a := c.QueryParam("alley"); a != "" {
		raw, _ := json.Marshal(a)
		if _, err := strconv.ParseInt(a, 10, 64); err == nil {
			raw = json.RawMessage(a)
		}
		id, err := s.resolveAlley(c.Request().Context(), raw)
		if err != nil {
			return q, err
		}
		q.Alley = id
	}
	for _, b := range []struct {
		name string
		dst  *int64
	}{{"min", &q.MinMinor}, {"max", &q.MaxMinor}} {
		if v := c.QueryParam(b.name); v != "" {
			p, err := node.ParsePrice(v, q.Currency)
			var ne *node.Error
			switch {
			case err != nil && errors.As(err, &ne) && b.name == "min":
				return q, node.Errorf(node.EINVALID, "The lowest price: %s", ne)
			case err != nil && errors.As(err, &ne):
				return q, node.Errorf(node.EINVALID, "The highest price: %s", ne)
			case err != nil:
				return q, err
			}
			*b.dst = p.Minor
		}
	}
	if q.MinMinor > 0 && q.MaxMinor > 0 && q.MinMinor > q.MaxMinor {
		return q, node.Errorf(node.EINVALID, "The lowest price is above the highest.")
	}
	if st := c.QueryParam("status"); st != "" {
		status, err := node.ParseItemStatus(st)
		if err != nil {
			return q, err
		}
		q.Status = status
	}
	return q, nil
}

func (s *Server) apiSearch(c echo.Context) error {
	q, err := s.searchQuery(c)
	if err != nil {
		return err
	}
	items, stalls, err := s.search(c, q)
	if err != nil {
		return err
	}
	out := map[string]any{"items": make([]itemJSON, 0, len(items)), "stalls": make([]stallRefJSON, 0, len(stalls))}
	for _, it := range items {
		out["items"] = append(out["items"].([]itemJSON), s.itemJSON(it, false))
	}
	for _, st := range stalls {
		out["stalls"] = append(out["stalls"].([]stallRefJSON), stallRefJSON{ID: st.ID, Name: st.Name, URL: s.abs(node.StallPath(st.ID))})
	}
	return c.JSON(http.StatusOK, out)
}
