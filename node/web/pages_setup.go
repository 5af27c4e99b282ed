package web

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
)

// First-run setup (/setup): the market's name, city and languages, time
// zone and currency, opening hours, its first alleys and market days, and
// who may sign up. On a node without an organiser it also creates the
// organiser's account, but only with the setup token `serve` prints.

// setupDay is one weekday's row of the setup form.
type setupDay struct {
	Weekday    int
	On         bool
	Start, End string
	Label      string
}

// suggestedAlley is one suggested alley of the form.
type suggestedAlley struct {
	node.Alley
	Exists, Checked bool
}

type setupData struct {
	Token      string // the setup token, when there is no organiser yet
	NeedsOwner bool   // the form also creates the organiser
	Owner      string
	Market     *node.Market
	State      node.Setup
	Main       string // the market's main language
	Langs      []language
	Timezones  []string
	Currencies []string
	Suggested  []suggestedAlley
	Alleys     []*node.Alley
	Days       []setupDay
	Date       node.DateRule
	Custom     node.Alley
	Modes      []string
	Error      string
}

// HasLang reports whether the market is in lang (the form's checkboxes).
func (d *setupData) HasLang(lang string) bool { return slices.Contains(d.Market.Languages, lang) }

// setupAccess says who may use the setup page: the organiser, or anyone
// with the setup token while the node has no organiser.
func (s *Server) setupAccess(c echo.Context) (owner bool, err error) {
	state, err := s.app.SetupState(c.Request().Context())
	if err != nil {
		return false, err
	}
	if a := account(c); a != nil && a.Role == node.RoleOrganiser {
		return false, nil
	}
	if !state.Organiser {
		tok := c.QueryParam("token")
		if tok == "" {
			tok = c.FormValue("token")
		}
		if s.cfg.SetupToken != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(s.cfg.SetupToken)) == 1 {
			return true, nil
		}
		return false, node.Errorf(node.EFORBIDDEN, "Open the setup link that shiji serve printed, or set up the market with shiji setup.")
	}
	if account(c) == nil {
		return false, node.Errorf(node.EUNAUTHORIZED, "Please log in first.")
	}
	return false, node.Errorf(node.EFORBIDDEN, "Only the organiser sets up the market.")
}

func (s *Server) setupPage(c echo.Context) error {
	owner, err := s.setupAccess(c)
	if node.ErrorCode(err) == node.EUNAUTHORIZED && c.Request().Method == http.MethodGet {
		return c.Redirect(http.StatusSeeOther, "/login?next=/setup")
	}
	if err != nil {
		return err
	}
	d, err := s.setupForm(c, owner)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "setup", "setup.title", d)
}

// setupForm fills the form from the market as it is.
func (s *Server) setupForm(c echo.Context, owner bool) (*setupData, error) {
	ctx := c.Request().Context()
	m, err := s.app.DB.Market(ctx)
	if err != nil {
		return nil, err
	}
	d := &setupData{NeedsOwner: owner, Market: m, Main: m.Languages[0], Langs: s.languages(),
		Timezones: commonTimezones, Currencies: commonCurrencies, Modes: []string{"open", "invite", "closed"}}
	if owner {
		d.Token = s.cfg.SetupToken
	}
	if !m.Configured {
		m.Name = node.Text{}
		if m.Timezone == "UTC" {
			m.Timezone = "Asia/Shanghai"
		}
	}
	if d.State, err = s.app.SetupState(ctx); err != nil {
		return nil, err
	}
	if d.Alleys, err = s.app.DB.Alleys(ctx); err != nil {
		return nil, err
	}
	for _, al := range node.SuggestedAlleys() {
		exists := slices.ContainsFunc(d.Alleys, func(a *node.Alley) bool { return a.Slug == al.Slug })
		d.Suggested = append(d.Suggested, suggestedAlley{Alley: al, Exists: exists, Checked: len(d.Alleys) == 0 && !exists})
	}
	sched, err := s.app.DB.Schedule(ctx)
	if err != nil {
		return nil, err
	}
	for wd := 1; wd <= 7; wd++ { // Monday first
		day := setupDay{Weekday: wd % 7, Start: "08:00", End: "13:00"}
		for _, r := range sched.Weekly {
			if int(r.Weekday) == wd%7 {
				day.On, day.Start, day.End, day.Label = true, r.Start.String(), r.End.String(), r.Label
			}
		}
		if len(sched.Weekly) == 0 && len(sched.Dates) == 0 && wd == 6 {
			day.On = true // a Saturday market, to start with
		}
		d.Days = append(d.Days, day)
	}
	d.Date = node.DateRule{Hours: node.Hours{Start: 18 * 60, End: 22 * 60}}
	return d, nil
}

func (s *Server) setup(c echo.Context) error {
	ctx := c.Request().Context()
	owner, err := s.setupAccess(c)
	if err != nil {
		return err
	}
	in, err := s.setupInput(c)
	acc := account(c)
	name, password := strings.TrimSpace(c.FormValue("owner_name")), c.FormValue("owner_password")
	if err == nil && owner {
		// The organiser's account is checked first and created last, so
		// that a refused form changes nothing.
		if err = node.ValidateName(name); err == nil {
			err = node.ValidatePassword(password, name)
		}
		if err == nil {
			if _, _, lerr := s.app.DB.AccountByName(ctx, name); lerr == nil {
				err = node.Errorf(node.ECONFLICT, "The name %q is already taken.", name)
			}
		}
		acc = &node.Account{Name: name, Role: node.RoleOrganiser}
	}
	if err == nil {
		_, err = s.app.Setup(ctx, acc, in)
	}
	if err == nil && owner {
		if acc, err = s.app.AddAccount(ctx, name, node.RoleOrganiser, password); err == nil {
			err = s.startWebSession(c, acc)
		}
	}
	if err != nil {
		status, msg := s.explain(c, err)
		if status >= 500 {
			return err
		}
		d, ferr := s.setupForm(c, account(c) == nil || account(c).Role != node.RoleOrganiser)
		if ferr != nil {
			return ferr
		}
		keepSetupForm(c, d, in)
		d.Error = msg
		return s.render(c, status, "setup", "setup.title", d)
	}
	return c.Redirect(http.StatusSeeOther, "/?setup=saved")
}

// setupInput reads the form.
func (s *Server) setupInput(c echo.Context) (app.SetupInput, error) {
	in := app.SetupInput{Name: node.Text{}, City: node.Text{}, Opening: node.Text{},
		Timezone: c.FormValue("timezone"), Currency: c.FormValue("currency"), Signup: c.FormValue("signup")}
	main := c.FormValue("main_lang")
	if main != "" {
		if !s.cfg.Catalog.Has(main) {
			return in, node.Errorf(node.EINVALID, "Unknown language %q.", main)
		}
		in.Languages = []string{main}
	}
	for _, l := range s.cfg.Catalog.Languages() {
		in.Name[l] = c.FormValue("name_" + l)
		in.City[l] = c.FormValue("city_" + l)
		in.Opening[l] = c.FormValue("opening_" + l)
		if l != main && c.FormValue("lang_"+l) == "1" && main != "" {
			in.Languages = append(in.Languages, l)
		}
	}
	form, _ := c.FormParams()
	suggested := node.SuggestedAlleys()
	for _, slug := range form["alley"] {
		i := slices.IndexFunc(suggested, func(a node.Alley) bool { return a.Slug == slug })
		if i < 0 {
			return in, node.Errorf(node.EINVALID, "An alley's short name must be 1–40 characters of a–z, 0–9 and -.")
		}
		in.Alleys = append(in.Alleys, suggested[i])
	}
	if slug := strings.TrimSpace(c.FormValue("custom_slug")); slug != "" {
		al := node.Alley{Slug: slug, Name: node.Text{}, Colour: c.FormValue("custom_colour")}
		for _, l := range s.cfg.Catalog.Languages() {
			if v := strings.TrimSpace(c.FormValue("custom_name_" + l)); v != "" {
				al.Name[l] = v
			}
		}
		if al.Name["en"] == "" {
			al.Name["en"] = al.Name.In(main, in.Languages...)
		}
		in.Alleys = append(in.Alleys, al)
	}
	if c.FormValue("days_form") == "1" {
		in.SetWeekly = true
		for wd := range 7 {
			if c.FormValue(fmt.Sprintf("day_%d", wd)) != "1" {
				continue
			}
			h, err := parseHours(c.FormValue(fmt.Sprintf("start_%d", wd)), c.FormValue(fmt.Sprintf("end_%d", wd)))
			if err != nil {
				return in, err
			}
			in.Weekly = append(in.Weekly, node.WeeklyRule{Weekday: time.Weekday(wd), Hours: h,
				Label: strings.TrimSpace(c.FormValue(fmt.Sprintf("label_%d", wd)))})
		}
	}
	if date := strings.TrimSpace(c.FormValue("date")); date != "" {
		d, err := node.ParseDate(date)
		if err != nil {
			return in, err
		}
		h, err := parseHours(c.FormValue("date_start"), c.FormValue("date_end"))
		if err != nil {
			return in, err
		}
		in.Dates = append(in.Dates, node.DateRule{Date: d, Hours: h, Label: strings.TrimSpace(c.FormValue("date_label"))})
	}
	return in, nil
}

func parseHours(start, end string) (node.Hours, error) {
	st, err := node.ParseClock(start)
	if err != nil {
		return node.Hours{}, err
	}
	en, err := node.ParseClock(end)
	if err != nil {
		return node.Hours{}, err
	}
	return node.Hours{Start: st, End: en}, nil
}

// keepSetupForm puts what was typed back into a refused form.
func keepSetupForm(c echo.Context, d *setupData, in app.SetupInput) {
	d.Owner = c.FormValue("owner_name")
	for l, v := range in.Name {
		d.Market.Name[l] = v
	}
	if d.Market.City == nil {
		d.Market.City = node.Text{}
	}
	for l, v := range in.City {
		d.Market.City[l] = v
	}
	if d.Market.Opening == nil {
		d.Market.Opening = node.Text{}
	}
	for l, v := range in.Opening {
		d.Market.Opening[l] = v
	}
	if in.Timezone != "" {
		d.Market.Timezone = in.Timezone
	}
	if in.Currency != "" {
		d.Market.Currency = in.Currency
	}
	form, _ := c.FormParams()
	for i := range d.Suggested {
		d.Suggested[i].Checked = slices.Contains(form["alley"], d.Suggested[i].Slug)
	}
	d.Custom = node.Alley{Slug: c.FormValue("custom_slug"), Colour: c.FormValue("custom_colour"), Name: node.Text{}}
	for _, l := range d.Langs {
		d.Custom.Name[l.Tag] = c.FormValue("custom_name_" + l.Tag)
	}
	if c.FormValue("days_form") == "1" {
		for i := range d.Days {
			wd := d.Days[i].Weekday
			d.Days[i].On = c.FormValue(fmt.Sprintf("day_%d", wd)) == "1"
			d.Days[i].Start = c.FormValue(fmt.Sprintf("start_%d", wd))
			d.Days[i].End = c.FormValue(fmt.Sprintf("end_%d", wd))
			d.Days[i].Label = c.FormValue(fmt.Sprintf("label_%d", wd))
		}
	}
}

// renameAlley changes an alley's names (the organiser, from the setup page).
func (s *Server) renameAlley(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return node.Errorf(node.ENOTFOUND, "There is no alley %q.", c.Param("id"))
	}
	alleys, err := s.app.DB.Alleys(ctx)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(alleys, func(a *node.Alley) bool { return int64(a.ID) == id })
	if i < 0 {
		return node.Errorf(node.ENOTFOUND, "There is no alley %d.", id)
	}
	al := *alleys[i]
	al.Name = node.Text{}
	for _, l := range s.cfg.Catalog.Languages() {
		if v := strings.TrimSpace(c.FormValue("name_" + l)); v != "" {
			al.Name[l] = v
		}
	}
	if al.Name["en"] == "" {
		al.Name["en"] = al.Name.In(s.cfg.Catalog.Languages()[0], s.cfg.Catalog.Languages()...)
	}
	if v := c.FormValue("colour"); v != "" {
		al.Colour = v
	}
	if err := s.app.RenameAlley(ctx, account(c), &al); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/setup#alleys")
}

// commonTimezones and commonCurrencies are the form's suggestions; any IANA
// zone and ISO 4217 code can be typed.
var (
	commonTimezones = []string{"Asia/Shanghai", "Asia/Taipei", "Asia/Hong_Kong", "Asia/Singapore", "Asia/Tokyo",
		"Europe/London", "Europe/Paris", "Europe/Berlin", "America/New_York", "America/Los_Angeles", "America/Vancouver",
		"Australia/Sydney", "UTC"}
	commonCurrencies = []string{"CNY", "TWD", "HKD", "SGD", "JPY", "EUR", "GBP", "USD", "CAD", "AUD"}
)

// marketCurrency is the market's currency, the default of a new item's
// price ("CNY" when the market cannot be read).
func (s *Server) marketCurrency(c echo.Context) string {
	snap, err := s.app.Snapshot(c.Request().Context()) // no query while the market is unchanged
	if err != nil || snap.Market == nil || snap.Market.Currency == "" {
		return "CNY"
	}
	return snap.Market.Currency
}
