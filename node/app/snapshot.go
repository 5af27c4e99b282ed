package app

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shiji-market/shiji/node"
)

// Snapshot is what nearly every page needs and rarely changes, read at one
// Market version: the market, its time zone, floor plan, alleys and
// schedule, and every stall with its stallholders, photos and market days
// (no stories). It is immutable; Snapshot returns a new one after a write
// moved the version.
type Snapshot struct {
	Version  int64
	Market   *node.Market
	Loc      *time.Location // the market's time zone, loaded once
	FloorW   int
	FloorH   int
	Alleys   []*node.Alley
	Schedule *node.Schedule
	// Stalls in floor-plan order (placed by row and column, then by name).
	Stalls []*node.Stall

	alleys  map[node.AlleyID]*node.Alley
	stalls  map[node.StallID]*node.Stall
	holders map[node.AccountID]*node.Account
	days    map[node.StallID][]string
	byDate  map[string][]*node.Stall // stalls coming on a date, in floor-plan order

	upcoming atomic.Pointer[upcomingDays]
}

// upcomingDays memoises Schedule.Upcoming until the list can change: when
// its first day ends or a new day comes within the horizon.
type upcomingDays struct {
	days         []node.MarketDay
	built, until time.Time
}

// snapshotCache keeps the current Snapshot; one rebuild at a time.
type snapshotCache struct {
	cur   atomic.Pointer[Snapshot]
	build sync.Mutex
}

// Snapshot returns the market snapshot, rebuilding it when a write has
// moved the Market version since it was built (no query otherwise).
func (a *App) Snapshot(ctx context.Context) (*Snapshot, error) {
	v := a.DB.Versions().Market
	if s := a.snap.cur.Load(); s != nil && s.Version == v {
		return s, nil
	}
	a.snap.build.Lock()
	defer a.snap.build.Unlock()
	if s := a.snap.cur.Load(); s != nil && s.Version >= a.DB.Versions().Market {
		return s, nil
	}
	s, err := a.buildSnapshot(ctx)
	if err != nil {
		return nil, err
	}
	a.snap.cur.Store(s)
	return s, nil
}

func (a *App) buildSnapshot(ctx context.Context) (*Snapshot, error) {
	now := a.Now()
	// Dates from two days back: StallDays filters by the day before today
	// when it is asked, and the snapshot may outlive today.
	rows, err := a.DB.MarketRows(ctx, now.UTC().AddDate(0, 0, -2).Format(node.DateLayout))
	if err != nil {
		return nil, err
	}
	s := &Snapshot{
		Version: rows.Versions.Market, Market: rows.Market, Loc: rows.Market.Location(), FloorW: rows.FloorW, FloorH: rows.FloorH,
		Alleys: rows.Alleys, Schedule: rows.Schedule,
		alleys: make(map[node.AlleyID]*node.Alley, len(rows.Alleys)), stalls: make(map[node.StallID]*node.Stall, len(rows.Stalls)),
		holders: rows.Holders, days: rows.Days, byDate: map[string][]*node.Stall{},
	}
	for _, al := range rows.Alleys {
		s.alleys[al.ID] = al
	}
	for _, st := range rows.Stalls {
		s.stalls[st.ID] = st
		if st.Closed() { // moved to another market or gone: its page says so, listings leave it out
			continue
		}
		s.Stalls = append(s.Stalls, st)
		for _, d := range rows.Days[st.ID] {
			s.byDate[d] = append(s.byDate[d], st)
		}
	}
	return s, nil
}

// Stall returns the stall (with stallholders and photos, without its story),
// or nil.
func (s *Snapshot) Stall(id node.StallID) *node.Stall { return s.stalls[id] }

// Alley returns the alley, or nil.
func (s *Snapshot) Alley(id node.AlleyID) *node.Alley { return s.alleys[id] }

// Holders returns the accounts holding the stall (disabled ones left out).
func (s *Snapshot) Holders(st *node.Stall) []*node.Account {
	out := make([]*node.Account, 0, len(st.Holders))
	for _, id := range st.Holders {
		if a := s.holders[id]; a != nil {
			out = append(out, a)
		}
	}
	return out
}

// HoldsStall reports whether the account holds a stall (any stall, closed
// ones too).
func (s *Snapshot) HoldsStall(id node.AccountID) bool { return s.holders[id] != nil }

// OpenStalls returns up to n stalls open today (n <= 0: all), in floor-plan order.
func (s *Snapshot) OpenStalls(n int) []*node.Stall {
	var out []*node.Stall
	for _, st := range s.Stalls {
		if st.OpenToday {
			out = append(out, st)
			if len(out) == n {
				break
			}
		}
	}
	return out
}

// StallsOn returns the stalls that say they come on date, in floor-plan order.
func (s *Snapshot) StallsOn(date string) []*node.Stall { return s.byDate[date] }

// Upcoming returns the upcoming market days at now (not cancelled, not
// over), the one open now first, as Schedule.Upcoming does; computed once
// until the list can change. The result is shared: do not modify it.
func (s *Snapshot) Upcoming(now time.Time) (days []node.MarketDay, until time.Time) {
	if u := s.upcoming.Load(); u != nil && now.Before(u.until) && !now.Before(u.built) {
		return u.days, u.until
	}
	u := &upcomingDays{days: s.Schedule.Upcoming(s.Loc, now, 0), until: now.Add(node.MarketDayHorizon)}
	if len(u.days) > 0 && u.days[0].End.Before(u.until) {
		u.until = u.days[0].End
	}
	// The next day to come within the horizon enters the list when now
	// reaches its start minus the horizon.
	edge := now.Add(node.MarketDayHorizon)
	for _, d := range s.Schedule.Days(s.Loc, edge, edge.Add(35*24*time.Hour)) {
		if enter := d.Start.Add(-node.MarketDayHorizon); enter.After(now) && enter.Before(u.until) {
			u.until = enter
			break
		}
	}
	u.days = slices.Clip(u.days)
	u.built = now
	s.upcoming.Store(u)
	return u.days, u.until
}

// StallDays returns the upcoming market days the stall says it comes to,
// and until when that list holds.
func (s *Snapshot) StallDays(id node.StallID, now time.Time) ([]node.MarketDay, time.Time) {
	days, until := s.Upcoming(now)
	dates := s.days[id]
	if len(dates) == 0 {
		return nil, until
	}
	var out []node.MarketDay
	for _, d := range days {
		if _, ok := slices.BinarySearch(dates, d.Date); ok {
			out = append(out, d)
		}
	}
	return out, until
}
