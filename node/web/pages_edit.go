package web

import (
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
)

// formError re-renders a form with the error's message and status, or
// returns internal errors to the error handler.
func (s *Server) formError(c echo.Context, name, title string, err error, d map[string]any) error {
	status, msg := s.explain(c, err)
	if status >= 500 {
		return err
	}
	d["Error"] = msg
	return s.render(c, status, name, title, d)
}

// formPhoto returns the uploaded "photo" file of a form, or nil when none was chosen.
func formPhoto(c echo.Context) (io.ReadCloser, error) { return openUpload(c, "photo") }

func (s *Server) stallForm(c echo.Context, st *node.Stall, err error) error {
	alleys, aerr := s.app.DB.Alleys(c.Request().Context())
	if aerr != nil {
		return aerr
	}
	d := map[string]any{"Stall": st, "Alleys": alleys}
	if derr := s.stallFormDays(c, st, d); derr != nil {
		return derr
	}
	if err != nil {
		return s.formError(c, "stall_form", "stall.new", err, d)
	}
	return s.render(c, http.StatusOK, "stall_form", "stall.new", d)
}

func (s *Server) newStallPage(c echo.Context) error {
	if a := account(c); a.Role == node.RoleResident {
		return node.Errorf(node.EFORBIDDEN, "Only stallholders can open a stall; ask the organiser for a stallholder invitation.")
	}
	return s.stallForm(c, &node.Stall{}, nil)
}

// stallFromForm reads the stall form's fields.
func stallFromForm(c echo.Context, st *node.Stall) {
	st.Name, st.Story = c.FormValue("name"), c.FormValue("story")
	st.OpenToday = c.FormValue("open_today") == "1"
	st.ApproveFollowers = c.FormValue("approve_followers") == "1"
	if id, err := strconv.ParseInt(c.FormValue("alley"), 10, 64); err == nil {
		st.Alley = node.AlleyID(id)
	}
}

func (s *Server) createStall(c echo.Context) error {
	ctx := c.Request().Context()
	st := &node.Stall{}
	stallFromForm(c, st)
	if err := s.app.CreateStall(ctx, account(c), st); err != nil {
		return s.stallForm(c, st, err)
	}
	if err := s.saveStallDaysFromForm(c, st.ID); err != nil {
		return s.stallForm(c, st, err)
	}
	if err := s.savePhotoFromForm(c, "stall", int64(st.ID)); err != nil {
		// The stall exists; show its edit form with the photo's problem.
		return s.stallForm(c, st, err)
	}
	return c.Redirect(http.StatusSeeOther, node.StallPath(st.ID))
}

func (s *Server) savePhotoFromForm(c echo.Context, kind string, id int64) error {
	f, err := formPhoto(c)
	if err != nil || f == nil {
		return err
	}
	defer f.Close()
	_, err = s.addPhoto(c, kind, id, f, c.FormValue("alt"))
	return err
}

// addPhoto stores an uploaded photo on a stall or an item, as the signed-in
// account: the one path for the pages and the API.
func (s *Server) addPhoto(c echo.Context, kind string, id int64, r io.Reader, alt string) (node.Photo, error) {
	if kind == "stall" {
		return s.app.AddStallPhoto(c.Request().Context(), account(c), node.StallID(id), s.photos, r, alt)
	}
	return s.app.AddItemPhoto(c.Request().Context(), account(c), node.ItemID(id), s.photos, r, alt)
}

func (s *Server) editStallPage(c echo.Context) error {
	id, err := pathID(c, "stall")
	if err != nil {
		return err
	}
	st, err := s.app.EditableStall(c.Request().Context(), account(c), node.StallID(id))
	if err != nil {
		return err
	}
	return s.stallForm(c, st, nil)
}

func (s *Server) updateStall(c echo.Context) error {
	id, err := pathID(c, "stall")
	if err != nil {
		return err
	}
	st, err := s.app.EditableStall(c.Request().Context(), account(c), node.StallID(id))
	if err != nil {
		return err
	}
	stallFromForm(c, st)
	if _, err := s.app.ValidStallDays(c.Request().Context(), formDays(c)); err != nil {
		return s.stallForm(c, st, err)
	}
	ch := app.StallChange{Name: &st.Name, Story: &st.Story, Alley: &st.Alley, OpenToday: &st.OpenToday, ApproveFollowers: &st.ApproveFollowers}
	if _, err := s.app.UpdateStall(c.Request().Context(), account(c), st.ID, ch); err != nil {
		return s.stallForm(c, st, err)
	}
	if err := s.saveStallDaysFromForm(c, st.ID); err != nil {
		return s.stallForm(c, st, err)
	}
	if err := s.savePhotoFromForm(c, "stall", int64(st.ID)); err != nil {
		return s.stallForm(c, st, err)
	}
	return c.Redirect(http.StatusSeeOther, node.StallPath(st.ID))
}

func (s *Server) itemForm(c echo.Context, st *node.Stall, it *node.Item, err error) error {
	d := map[string]any{"Stall": st, "Item": it, "Currency": s.marketCurrency(c),
		"Statuses": []node.ItemStatus{node.ItemAvailable, node.ItemReserved, node.ItemGone, node.ItemWithdrawn}}
	days, derr := s.app.StallDays(c.Request().Context(), st.ID)
	if derr != nil {
		return derr
	}
	d["Days"] = choices(days, it.BringOn)
	if err != nil {
		return s.formError(c, "item_form", "item.new", err, d)
	}
	return s.render(c, http.StatusOK, "item_form", "item.new", d)
}

func (s *Server) newItemPage(c echo.Context) error {
	id, err := pathID(c, "stall")
	if err != nil {
		return err
	}
	st, err := s.app.EditableStall(c.Request().Context(), account(c), node.StallID(id))
	if err != nil {
		return err
	}
	return s.itemForm(c, st, &node.Item{Stall: st.ID, Quantity: 1}, nil)
}

// itemFromForm reads the item form into it; a bad price or quantity is EINVALID.
func itemFromForm(c echo.Context, it *node.Item) error {
	it.Title, it.Story = c.FormValue("title"), c.FormValue("story")
	it.Tags = strings.FieldsFunc(c.FormValue("tags"), func(r rune) bool { return r == ' ' || r == ',' || r == '，' || r == '、' })
	var err error
	if kind := c.FormValue("price_kind"); kind == "" || kind == string(node.PriceAmount) {
		it.Price, err = node.ParsePrice(c.FormValue("amount"), c.FormValue("currency"))
	} else {
		it.Price, err = node.ParsePriceKind(kind)
	}
	if err != nil {
		return err
	}
	q, qerr := strconv.Atoi(strings.TrimSpace(c.FormValue("quantity")))
	if qerr != nil {
		return node.Errorf(node.EINVALID, "The quantity must be a whole number.")
	}
	it.Quantity = q
	if st := c.FormValue("status"); st != "" {
		status, err := node.ParseItemStatus(st)
		if err != nil {
			return err
		}
		it.Status = status
	}
	return nil
}

func (s *Server) createItem(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := pathID(c, "stall")
	if err != nil {
		return err
	}
	st, err := s.app.EditableStall(ctx, account(c), node.StallID(id))
	if err != nil {
		return err
	}
	it := &node.Item{Stall: st.ID}
	if err := itemFromForm(c, it); err != nil {
		return s.itemForm(c, st, it, err)
	}
	if err := s.app.CreateItem(ctx, account(c), it); err != nil {
		return s.itemForm(c, st, it, err)
	}
	if err := s.saveItemDayFromForm(c, it); err != nil {
		return s.itemForm(c, st, it, err)
	}
	if err := s.savePhotoFromForm(c, "item", int64(it.ID)); err != nil {
		it, _ = s.app.DB.Item(ctx, it.ID)
		return s.itemForm(c, st, it, err)
	}
	return c.Redirect(http.StatusSeeOther, node.ItemPath(it.ID))
}

func (s *Server) editItemPage(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := pathID(c, "item")
	if err != nil {
		return err
	}
	it, err := s.app.EditableItem(ctx, account(c), node.ItemID(id))
	if err != nil {
		return err
	}
	st, err := s.app.DB.Stall(ctx, it.Stall)
	if err != nil {
		return err
	}
	return s.itemForm(c, st, it, nil)
}

func (s *Server) updateItem(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := pathID(c, "item")
	if err != nil {
		return err
	}
	it, err := s.app.EditableItem(ctx, account(c), node.ItemID(id))
	if err != nil {
		return err
	}
	st, err := s.app.DB.Stall(ctx, it.Stall)
	if err != nil {
		return err
	}
	if err := itemFromForm(c, it); err != nil {
		return s.itemForm(c, st, it, err)
	}
	ch := app.ItemChange{Title: &it.Title, Story: &it.Story, Price: &it.Price, Quantity: &it.Quantity, Tags: &it.Tags, Status: &it.Status}
	if _, err := s.app.UpdateItem(ctx, account(c), it.ID, ch); err != nil {
		return s.itemForm(c, st, it, err)
	}
	if err := s.saveItemDayFromForm(c, it); err != nil {
		return s.itemForm(c, st, it, err)
	}
	if err := s.savePhotoFromForm(c, "item", int64(it.ID)); err != nil {
		it, _ = s.app.DB.Item(ctx, it.ID)
		return s.itemForm(c, st, it, err)
	}
	return c.Redirect(http.StatusSeeOther, node.ItemPath(it.ID))
}

func (s *Server) withdrawItem(c echo.Context) error {
	id, err := pathID(c, "item")
	if err != nil {
		return err
	}
	if err := s.app.WithdrawItem(c.Request().Context(), account(c), node.ItemID(id)); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, node.ItemPath(node.ItemID(id)))
}

// adminMarketPage: the organiser's alleys, floor plan and stall placement.
func (s *Server) adminMarketPage(c echo.Context) error {
	return s.renderAdminMarket(c, http.StatusOK, c.QueryParam("saved") == "1", nil)
}

func (s *Server) renderAdminMarket(c echo.Context, status int, saved bool, err error) error {
	ctx := c.Request().Context()
	if a := account(c); !a.Role.Moderates() {
		return node.Errorf(node.EFORBIDDEN, "Only the organiser and moderators lay out the market.")
	}
	alleys, aerr := s.app.DB.Alleys(ctx)
	if aerr != nil {
		return aerr
	}
	w, h, ferr := s.app.DB.FloorPlan(ctx)
	if ferr != nil {
		return ferr
	}
	stalls, serr := s.app.DB.Stalls(ctx, data.StallFilter{Limit: 100000})
	if serr != nil {
		return serr
	}
	d := map[string]any{"Alleys": alleys, "W": w, "H": h, "Stalls": stalls, "Saved": saved}
	if account(c).Role == node.RoleOrganiser {
		f, ierr := s.instanceFormData(c)
		if ierr != nil {
			return ierr
		}
		d["Instance"] = f
	}
	if serr := s.scheduleData(c, d); serr != nil {
		return serr
	}
	if err != nil {
		return s.formError(c, "admin_market", "admin.market", err, d)
	}
	return s.render(c, status, "admin_market", "admin.market", d)
}

func (s *Server) adminCreateAlley(c echo.Context) error {
	a := &node.Alley{Slug: strings.TrimSpace(c.FormValue("slug")), Colour: c.FormValue("colour"),
		Name: node.Text{"en": strings.TrimSpace(c.FormValue("name_en")), "zh-Hans": strings.TrimSpace(c.FormValue("name_zh"))}}
	if a.Name["zh-Hans"] == "" {
		delete(a.Name, "zh-Hans")
	}
	if err := s.app.CreateAlley(c.Request().Context(), account(c), a); err != nil {
		return s.renderAdminMarket(c, 0, false, err)
	}
	return c.Redirect(http.StatusSeeOther, "/admin/market?saved=1")
}

func (s *Server) adminFloor(c echo.Context) error {
	w, err1 := strconv.Atoi(c.FormValue("w"))
	h, err2 := strconv.Atoi(c.FormValue("h"))
	if err1 != nil || err2 != nil {
		return s.renderAdminMarket(c, 0, false, node.Errorf(node.EINVALID, "Width and height must be whole numbers."))
	}
	if err := s.app.SetFloorPlan(c.Request().Context(), account(c), w, h); err != nil {
		return s.renderAdminMarket(c, 0, false, err)
	}
	return c.Redirect(http.StatusSeeOther, "/admin/market?saved=1")
}

func (s *Server) adminPlace(c echo.Context) error {
	id, err := strconv.ParseInt(c.FormValue("stall"), 10, 64)
	if err != nil {
		return s.renderAdminMarket(c, 0, false, node.Errorf(node.EINVALID, "Choose a stall."))
	}
	var spot *node.Spot
	if c.FormValue("x") != "" || c.FormValue("y") != "" {
		x, err1 := strconv.Atoi(c.FormValue("x"))
		y, err2 := strconv.Atoi(c.FormValue("y"))
		if err1 != nil || err2 != nil {
			return s.renderAdminMarket(c, 0, false, node.Errorf(node.EINVALID, "x and y must be whole numbers."))
		}
		spot = &node.Spot{X: x, Y: y}
	}
	if err := s.app.PlaceStall(c.Request().Context(), account(c), node.StallID(id), spot); err != nil {
		return s.renderAdminMarket(c, 0, false, err)
	}
	return c.Redirect(http.StatusSeeOther, "/admin/market?saved=1")
}
