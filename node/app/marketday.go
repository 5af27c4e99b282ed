package app

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/node"
)

// Calendar returns the market's schedule and time zone (from the market
// snapshot: shared, do not modify). A market nobody has scheduled has an
// empty schedule: no market days.
func (a *App) Calendar(ctx context.Context) (*node.Schedule, *time.Location, error) {
	snap, err := a.Snapshot(ctx)
	if err != nil {
		return nil, nil, err
	}
	return snap.Schedule, snap.Loc, nil
}

// UpcomingDays returns up to n upcoming market days (all within the horizon
// when n <= 0), the one open now first.
func (a *App) UpcomingDays(ctx context.Context, n int) ([]node.MarketDay, error) {
	snap, err := a.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	days, _ := snap.Upcoming(a.Now())
	if n > 0 && len(days) > n {
		days = days[:n]
	}
	return slices.Clone(days), nil
}

// MarketDay returns the market day on date, cancelled ones included (and
// marked). ENOTFOUND when the schedule has none on that date.
func (a *App) MarketDay(ctx context.Context, date string) (node.MarketDay, error) {
	d, err := node.ParseDate(date)
	if err != nil {
		return node.MarketDay{}, node.Errorf(node.ENOTFOUND, "There is no market day %q.", date)
	}
	s, loc, err := a.Calendar(ctx)
	if err != nil {
		return node.MarketDay{}, err
	}
	day, ok := s.Day(loc, d)
	if !ok {
		return node.MarketDay{}, node.Errorf(node.ENOTFOUND, "There is no market day on %s.", d)
	}
	return day, nil
}

// SetSchedule replaces the market's schedule: the organiser only. Followers
// elsewhere are then told of the changed market days (DayFederator).
// Errors: EFORBIDDEN, EINVALID.
func (a *App) SetSchedule(ctx context.Context, acc *node.Account, s *node.Schedule) error {
	if acc == nil || acc.Role != node.RoleOrganiser {
		return node.Errorf(node.EFORBIDDEN, "Only the organiser sets the market days.")
	}
	if err := a.DB.SetSchedule(ctx, s); err != nil {
		return err
	}
	a.marketDaysChanged(ctx)
	return nil
}

// since is the first date whose market day may still be open at now (a night
// market that began yesterday).
func since(loc *time.Location, now time.Time) string {
	return now.In(loc).AddDate(0, 0, -1).Format(node.DateLayout)
}

// today is now's date in the market's zone.
func today(loc *time.Location, now time.Time) string { return now.In(loc).Format(node.DateLayout) }

// StallDays returns the upcoming market days (not cancelled, not over) the
// stall says it comes to.
func (a *App) StallDays(ctx context.Context, stall node.StallID) ([]node.MarketDay, error) {
	snap, err := a.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	days, _ := snap.StallDays(stall, a.Now())
	return days, nil
}

// SetStallDays says which upcoming market days the stall comes to (its
// stallholders, moderators, the organiser): dates replaces the stall's dates
// from today on; earlier ones stay as the record of where it was. Each must
// be an upcoming market day. Errors: EUNAUTHORIZED, EFORBIDDEN, ENOTFOUND,
// EINVALID.
func (a *App) SetStallDays(ctx context.Context, acc *node.Account, stall node.StallID, dates []string) ([]node.MarketDay, error) {
	if _, err := a.EditableStall(ctx, acc, stall); err != nil {
		return nil, err
	}
	keep, err := a.ValidStallDays(ctx, dates)
	if err != nil {
		return nil, err
	}
	_, loc, err := a.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	if err := a.DB.SetStallDays(ctx, stall, today(loc, a.Now()), keep); err != nil {
		return nil, err
	}
	return a.StallDays(ctx, stall)
}

// ValidStallDays checks that each of dates is an upcoming market day and
// returns them normalised, without repeats (EINVALID otherwise).
func (a *App) ValidStallDays(ctx context.Context, dates []string) ([]string, error) {
	s, loc, err := a.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	now := a.Now()
	keep := []string{}
	for _, d := range dates {
		day, err := s.ReservableDay(loc, d, now)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(keep, day.Date) {
			keep = append(keep, day.Date)
		}
	}
	return keep, nil
}

// SetItemDay says which upcoming market day an item will be brought on ("" =
// whenever the stall comes). Errors: as EditableItem, EINVALID.
func (a *App) SetItemDay(ctx context.Context, acc *node.Account, item node.ItemID, date string) error {
	if _, err := a.EditableItem(ctx, acc, item); err != nil {
		return err
	}
	if date = strings.TrimSpace(date); date != "" {
		s, loc, err := a.Calendar(ctx)
		if err != nil {
			return err
		}
		day, err := s.ReservableDay(loc, date, a.Now())
		if err != nil {
			return err
		}
		date = day.Date
	}
	return a.DB.SetItemDay(ctx, item, date)
}

// DayStalls returns the stalls that come on a market day.
func (a *App) DayStalls(ctx context.Context, date string) ([]*node.Stall, error) {
	return a.DB.StallsOn(ctx, date, 0)
}

// Reunion is a stall acc knows coming on the next market day.
type Reunion struct {
	Stall   *node.Stall
	Bought  bool // acc was handed something there
	Follows bool
}

// NextDay is the next market day (the one open now, else the next to
// open), who comes, and which of them acc knows.
type NextDay struct {
	Day       node.MarketDay
	Stalls    []*node.Stall // the first NextDayStalls of them
	Count     int           // how many stalls come
	Reunions  []Reunion
	Following int // how many stalls acc follows in all
}

// NextDayStalls is how many of the next market day's stalls NextMarketDay lists.
const NextDayStalls = 12

// NextMarketDay returns the next market day with its stalls and, for acc
// (nil: nobody), the stalls it bought from or follows among them. nil
// when no market day is scheduled.
func (a *App) NextMarketDay(ctx context.Context, acc *node.Account) (*NextDay, error) {
	snap, err := a.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	days, _ := snap.Upcoming(a.Now())
	if len(days) == 0 {
		return nil, nil
	}
	nd := &NextDay{Day: days[0]}
	all := snap.StallsOn(days[0].Date)
	nd.Stalls, nd.Count = all[:min(len(all), NextDayStalls):min(len(all), NextDayStalls)], len(all)
	if acc == nil {
		return nd, nil
	}
	bought, err := a.DB.TradedStalls(ctx, acc.ID)
	if err != nil {
		return nil, err
	}
	follows, err := a.DB.FollowedStallIDs(ctx, acc.ID)
	if err != nil {
		return nil, err
	}
	nd.Following = len(follows)
	for _, st := range all {
		if bought[st.ID] || follows[st.ID] {
			nd.Reunions = append(nd.Reunions, Reunion{Stall: st, Bought: bought[st.ID], Follows: follows[st.ID]})
		}
	}
	return nd, nil
}

// Follow makes acc follow (or, with follow false, stop following) a stall.
// Errors: EUNAUTHORIZED, ENOTFOUND.
func (a *App) Follow(ctx context.Context, acc *node.Account, stall node.StallID, follow bool) error {
	if acc == nil {
		return node.Errorf(node.EUNAUTHORIZED, "Please log in first.")
	}
	if _, err := a.DB.Stall(ctx, stall); err != nil {
		return err
	}
	if follow {
		return a.DB.Follow(ctx, acc.ID, stall)
	}
	return a.DB.Unfollow(ctx, acc.ID, stall)
}

// MetEntry is a stall or a person acc met, with the last few times.
type MetEntry struct {
	Stall     node.StallID // a stall (Person == 0)
	StallName string
	Person    node.AccountID
	Name      string
	Shown     string
	// Remote is the actor IRI of a stall or person met on another market
	// (through a trade across markets): Name is then its address
	// (user@host) and URL its page there (the actor's IRI).
	Remote string
	URL    string
	Last   time.Time
	Times  []data.Encounter // newest first, at most four
	Count  int
}

// Met is whom acc met: stalls and people, most recent first.
type Met struct {
	Stalls []*MetEntry
	People []*MetEntry
}

// Met returns the stalls and people acc traded or talked with (重逢).
func (a *App) Met(ctx context.Context, acc *node.Account) (*Met, error) {
	if acc == nil {
		return nil, node.Errorf(node.EUNAUTHORIZED, "Please log in first.")
	}
	es, err := a.DB.Encounters(ctx, acc.ID, 0)
	if err != nil {
		return nil, err
	}
	out := &Met{}
	stalls := map[node.StallID]*MetEntry{}
	people := map[node.AccountID]*MetEntry{}
	elsewhere := map[string]*MetEntry{}
	for _, e := range es { // newest first
		var m *MetEntry
		if e.Remote != "" {
			if m = elsewhere[e.Remote]; m == nil {
				m = &MetEntry{Name: e.Name, Shown: e.Shown, Remote: e.Remote, URL: e.Remote, Last: e.At}
				if e.Stall == 0 { // a stall elsewhere
					out.Stalls = append(out.Stalls, m)
				} else { // a buyer elsewhere, at a stall here
					out.People = append(out.People, m)
				}
				elsewhere[e.Remote] = m
			}
		} else if e.Person == 0 {
			if m = stalls[e.Stall]; m == nil {
				m = &MetEntry{Stall: e.Stall, StallName: e.StallName, Last: e.At}
				stalls[e.Stall] = m
				out.Stalls = append(out.Stalls, m)
			}
		} else {
			if m = people[e.Person]; m == nil {
				m = &MetEntry{Person: e.Person, Name: e.Name, Shown: e.Shown, Last: e.At}
				people[e.Person] = m
				out.People = append(out.People, m)
			}
		}
		m.Count++
		if len(m.Times) < 4 {
			m.Times = append(m.Times, e)
		}
	}
	return out, nil
}

// Profile is what anyone may see of a person: their stalls and the warm
// traces trades left.
type Profile struct {
	Account  *node.Account
	Stalls   []*node.Stall
	About    []node.Note // notes stalls left for them
	Written  []node.Note // notes they left for stalls
	Received []node.Note // notes their stalls received
}

// Profile returns the public profile of the account named name (ENOTFOUND).
func (a *App) Profile(ctx context.Context, name string) (*Profile, error) {
	acc, _, err := a.DB.AccountByName(ctx, strings.TrimPrefix(name, "@"))
	if err != nil {
		return nil, err
	}
	p := &Profile{Account: acc}
	if p.Stalls, err = a.DB.Stalls(ctx, data.StallFilter{Holder: acc.ID}); err != nil {
		return nil, err
	}
	if p.About, err = a.DB.Notes(ctx, data.NoteFilter{About: acc.ID, Limit: 30}); err != nil {
		return nil, err
	}
	if p.Written, err = a.DB.Notes(ctx, data.NoteFilter{By: acc.ID, Limit: 30}); err != nil {
		return nil, err
	}
	written := p.Written[:0]
	for _, n := range p.Written {
		if n.Side == node.NoteFromBuyer {
			written = append(written, n)
		}
	}
	p.Written = written
	for _, st := range p.Stalls {
		ns, err := a.DB.Notes(ctx, data.NoteFilter{Stall: st.ID, Limit: 10})
		if err != nil {
			return nil, err
		}
		p.Received = append(p.Received, ns...)
	}
	return p, nil
}
