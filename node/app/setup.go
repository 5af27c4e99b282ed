package app

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/node"
)

// SetupInput is what first-run setup (the /setup page and `shiji setup`)
// changes. Empty fields leave the market as it is, so running setup again
// with the same input changes nothing: it is idempotent.
type SetupInput struct {
	// Name, City and Opening (opening hours in words) are merged language
	// by language; a language given with "" removes its text.
	Name, City, Opening node.Text
	Languages           []string // the market's languages, its main one first
	Timezone            string   // an IANA name such as Asia/Shanghai
	Currency            string   // ISO 4217
	Signup              string   // open, invite or closed
	// Alleys are created unless an alley with the same short name exists.
	Alleys []node.Alley
	// Weekly, when SetWeekly, replaces the weekly market days; one-off
	// dates and cancellations stay.
	Weekly    []node.WeeklyRule
	SetWeekly bool
	// Dates are one-off market days added to the schedule (one already on
	// that date is replaced).
	Dates []node.DateRule
}

// SetupState says which parts of first-run setup are done.
func (a *App) SetupState(ctx context.Context) (node.Setup, error) { return a.DB.SetupState(ctx) }

// Setup applies first-run setup as the organiser acc, in one transaction:
// bad input (EINVALID), a missing organiser (EFORBIDDEN) change nothing.
// It returns the alleys it created.
func (a *App) Setup(ctx context.Context, acc *node.Account, in SetupInput) ([]*node.Alley, error) {
	if acc == nil || acc.Role != node.RoleOrganiser {
		return nil, node.Errorf(node.EFORBIDDEN, "Only the organiser sets up the market.")
	}
	m, err := a.DB.Market(ctx)
	if err != nil {
		return nil, err
	}
	merge := func(dst *node.Text, src node.Text) {
		if len(src) == 0 {
			return
		}
		t := maps.Clone(*dst)
		if t == nil {
			t = node.Text{}
		}
		for l, v := range src {
			if v = strings.TrimSpace(v); v == "" {
				delete(t, l)
			} else {
				t[l] = v
			}
		}
		*dst = t
	}
	if !m.Configured {
		m.Name = node.Text{} // the placeholder name of an unnamed market goes
	}
	merge(&m.Name, in.Name)
	merge(&m.City, in.City)
	merge(&m.Opening, in.Opening)
	if len(in.Languages) > 0 {
		m.Languages = slices.Compact(in.Languages)
	}
	if in.Timezone != "" {
		m.Timezone = strings.TrimSpace(in.Timezone)
	}
	if in.Currency != "" {
		m.Currency = strings.ToUpper(strings.TrimSpace(in.Currency))
	}
	if in.Signup != "" {
		mode, err := node.ParseSignupMode(in.Signup)
		if err != nil {
			return nil, err
		}
		m.Signup = mode
	}
	if m.Name.In(m.Languages[0], m.Languages...) == "" && len(m.Languages) > 0 {
		return nil, node.Errorf(node.EINVALID, "The market needs a name.")
	}
	if m.Name["en"] == "" { // ValidateMarket and other markets read the English name
		m.Name["en"] = m.Name.In(m.Languages[0], m.Languages...)
	}
	ch := data.SetupChange{Market: m}
	existing, err := a.DB.Alleys(ctx)
	if err != nil {
		return nil, err
	}
	taken := map[string]bool{}
	for _, al := range existing {
		taken[al.Slug] = true
	}
	for i, al := range in.Alleys {
		al.Slug = strings.ToLower(strings.TrimSpace(al.Slug))
		if taken[al.Slug] {
			continue
		}
		taken[al.Slug] = true
		al.Position = len(existing) + i
		ch.Alleys = append(ch.Alleys, &al)
	}
	if in.SetWeekly || len(in.Dates) > 0 {
		sched, err := a.DB.Schedule(ctx)
		if err != nil {
			return nil, err
		}
		if in.SetWeekly {
			sched.Weekly = in.Weekly
		}
		for _, d := range in.Dates {
			sched.Dates = slices.DeleteFunc(sched.Dates, func(r node.DateRule) bool { return r.Date == d.Date })
			sched.Dates = append(sched.Dates, d)
		}
		ch.Schedule = sched
	}
	if err := a.DB.ApplySetup(ctx, ch); err != nil {
		return nil, err
	}
	if ch.Schedule != nil {
		a.marketDaysChanged(ctx)
	}
	return ch.Alleys, nil
}

// RenameAlley changes an alley's names and colour: the organiser only.
func (a *App) RenameAlley(ctx context.Context, acc *node.Account, al *node.Alley) error {
	if acc == nil || acc.Role != node.RoleOrganiser {
		return node.Errorf(node.EFORBIDDEN, "Only the organiser lays out the alleys.")
	}
	return a.DB.RenameAlley(ctx, al)
}

// defaultAlley gives a stall without an alley the default alley when the
// market has no alley yet (it is created then); otherwise it leaves the
// stall as it is, for validation to ask for an alley.
func (a *App) defaultAlley(ctx context.Context, s *node.Stall) error {
	if s.Alley != 0 {
		return nil
	}
	def := node.DefaultAlley()
	id, err := a.DB.EnsureAlley(ctx, &def)
	if err != nil {
		return err
	}
	s.Alley = id
	return nil
}
