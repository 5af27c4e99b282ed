package node

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// A market's schedule is a set of rules in the market's time zone: weekly
// days ("every Saturday 08:00–13:00"), one-off dates (which also override a
// weekly day's hours on that date) and cancelled dates. Expanding it gives
// concrete market days. A market day is named by its date (YYYY-MM-DD in the
// market's zone): there is at most one session per date.

// DateLayout is how market days are named: YYYY-MM-DD in the market's zone.
const DateLayout = "2006-01-02"

// Limits on schedules.
const (
	MaxWeeklyRules   = 7
	MaxDateRules     = 400
	MaxCancellations = 400
	MaxDayLabelLen   = 60
	// MarketDayHorizon is how far ahead upcoming market days are listed
	// (and a stall may say it will come).
	MarketDayHorizon = 26 * 7 * 24 * time.Hour
)

// Clock is a time of day in minutes after midnight, 0 to 24:00.
type Clock int

// ParseClock reads "8:00", "08:00" or "24:00" (EINVALID otherwise).
func ParseClock(s string) (Clock, error) {
	var h, m int
	s = strings.TrimSpace(s)
	if n, err := fmt.Sscanf(s, "%d:%d", &h, &m); err != nil || n != 2 || len(s) < 4 || len(s) > 5 || s[len(s)-3] != ':' {
		return 0, Errorf(EINVALID, "%q is not a time of day: write it as 08:00.", s)
	}
	if h < 0 || m < 0 || m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, Errorf(EINVALID, "%q is not a time of day: use 00:00 to 24:00.", s)
	}
	return Clock(h*60 + m), nil
}

// String is the clock as HH:MM.
func (c Clock) String() string { return fmt.Sprintf("%02d:%02d", int(c)/60, int(c)%60) }

// Hours are a market day's opening hours. An end at or before the start
// means the market closes after midnight (a night market 18:00–02:00).
type Hours struct {
	Start, End Clock
}

func (h Hours) validate() error {
	switch {
	case h.Start < 0 || h.Start >= 24*60:
		return Errorf(EINVALID, "A market day must start between 00:00 and 23:59.")
	case h.End < 0 || h.End > 24*60:
		return Errorf(EINVALID, "A market day must end between 00:00 and 24:00.")
	case h.Start == h.End:
		return Errorf(EINVALID, "A market day needs opening hours (it starts and ends at %s).", h.Start)
	}
	return nil
}

// WeeklyRule is a market day every week on Weekday.
type WeeklyRule struct {
	Weekday time.Weekday
	Hours
	Label string // e.g. "Night market"
}

// DateRule is a market day on one date; on a date that also has a weekly
// day, its hours and label replace the weekly ones.
type DateRule struct {
	Date string // YYYY-MM-DD
	Hours
	Label string
}

// Schedule is a market's schedule. The zero value is a market without market days.
type Schedule struct {
	Weekly    []WeeklyRule
	Dates     []DateRule
	Cancelled []string // dates, YYYY-MM-DD
}

// ParseDate checks a YYYY-MM-DD date and returns it normalised.
func ParseDate(s string) (string, error) {
	t, err := time.Parse(DateLayout, strings.TrimSpace(s))
	if err != nil {
		return "", Errorf(EINVALID, "%q is not a date: write it as 2026-11-28.", s)
	}
	return t.Format(DateLayout), nil
}

// ParseWeekday reads a weekday's English name (or its first three letters) or
// its number (0 = Sunday).
func ParseWeekday(s string) (time.Weekday, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	for d := time.Sunday; d <= time.Saturday; d++ {
		name := strings.ToLower(d.String())
		if s == name || s == name[:3] || s == fmt.Sprint(int(d)) {
			return d, nil
		}
	}
	return 0, Errorf(EINVALID, "%q is not a weekday: use monday … sunday.", s)
}

// Validate checks and normalises a schedule: valid hours and dates, labels
// within limits, at most one weekly rule per weekday and one rule per date.
func (s *Schedule) Validate() error {
	if len(s.Weekly) > MaxWeeklyRules || len(s.Dates) > MaxDateRules || len(s.Cancelled) > MaxCancellations {
		return Errorf(EINVALID, "A schedule may have at most %d weekly days, %d dates and %d cancellations.",
			MaxWeeklyRules, MaxDateRules, MaxCancellations)
	}
	seenDay := map[time.Weekday]bool{}
	for i := range s.Weekly {
		r := &s.Weekly[i]
		if r.Weekday < time.Sunday || r.Weekday > time.Saturday {
			return Errorf(EINVALID, "Unknown weekday %d.", r.Weekday)
		}
		if seenDay[r.Weekday] {
			return Errorf(EINVALID, "There are two weekly market days on %s: a date has one market day.", WeekdayWord(r.Weekday))
		}
		seenDay[r.Weekday] = true
		if err := r.Hours.validate(); err != nil {
			return err
		}
		if err := validateLabel(&r.Label); err != nil {
			return err
		}
	}
	seenDate := map[string]bool{}
	for i := range s.Dates {
		r := &s.Dates[i]
		d, err := ParseDate(r.Date)
		if err != nil {
			return err
		}
		r.Date = d
		if seenDate[d] {
			return Errorf(EINVALID, "The date %s is in the schedule twice.", d)
		}
		seenDate[d] = true
		if err := r.Hours.validate(); err != nil {
			return err
		}
		if err := validateLabel(&r.Label); err != nil {
			return err
		}
	}
	seenCancel := map[string]bool{}
	out := s.Cancelled[:0]
	for _, c := range s.Cancelled {
		d, err := ParseDate(c)
		if err != nil {
			return err
		}
		if !seenCancel[d] {
			seenCancel[d] = true
			out = append(out, d)
		}
	}
	s.Cancelled = out
	slices.SortFunc(s.Weekly, func(a, b WeeklyRule) int { return int(a.Weekday) - int(b.Weekday) })
	slices.SortFunc(s.Dates, func(a, b DateRule) int { return strings.Compare(a.Date, b.Date) })
	slices.Sort(s.Cancelled)
	return nil
}

func validateLabel(l *string) error {
	*l = strings.TrimSpace(*l)
	if utf8.RuneCountInString(*l) > MaxDayLabelLen {
		return Errorf(EINVALID, "A market day's name may be at most %d characters long.", MaxDayLabelLen)
	}
	return nil
}

// MarketDay is one concrete day the market opens.
type MarketDay struct {
	Date      string    // YYYY-MM-DD in the market's zone; the day's id
	Start     time.Time // in the market's zone
	End       time.Time // in the market's zone; after midnight for a night market
	Label     string
	Cancelled bool
}

// Over reports whether the market day has closed at now.
func (d MarketDay) Over(now time.Time) bool { return !now.Before(d.End) }

// OpenAt reports whether the market is open at now.
func (d MarketDay) OpenAt(now time.Time) bool { return !now.Before(d.Start) && now.Before(d.End) }

// on returns the market day the schedule has on the civil date y-m-d (in
// loc), if any (cancelled days are returned marked).
func (s *Schedule) on(loc *time.Location, y int, m time.Month, dd int) (MarketDay, bool) {
	date := time.Date(y, m, dd, 12, 0, 0, 0, time.UTC)
	name := date.Format(DateLayout)
	var h Hours
	var label string
	found := false
	for _, r := range s.Dates {
		if r.Date == name {
			h, label, found = r.Hours, r.Label, true
			break
		}
	}
	if !found {
		for _, r := range s.Weekly {
			if r.Weekday == date.Weekday() {
				h, label, found = r.Hours, r.Label, true
				break
			}
		}
	}
	if !found {
		return MarketDay{}, false
	}
	day := MarketDay{Date: name, Label: label, Cancelled: slices.Contains(s.Cancelled, name)}
	// time.Date in the market's zone keeps the wall-clock hours across DST changes.
	day.Start = time.Date(y, m, dd, int(h.Start)/60, int(h.Start)%60, 0, 0, loc)
	endDay := dd
	if h.End <= h.Start {
		endDay++ // closes after midnight
	}
	day.End = time.Date(y, m, endDay, int(h.End)/60, int(h.End)%60, 0, 0, loc)
	return day, true
}

// Day returns the market day on date (YYYY-MM-DD, in loc), cancelled days
// included and marked. ok is false when the schedule has no market on that date.
func (s *Schedule) Day(loc *time.Location, date string) (day MarketDay, ok bool) {
	t, err := time.Parse(DateLayout, date)
	if err != nil {
		return MarketDay{}, false
	}
	return s.on(loc, t.Year(), t.Month(), t.Day())
}

// Days returns the market days (cancelled ones included and marked) that
// end after from and start before to, in order.
func (s *Schedule) Days(loc *time.Location, from, to time.Time) []MarketDay {
	if s == nil || (len(s.Weekly) == 0 && len(s.Dates) == 0) || !from.Before(to) {
		return nil
	}
	// Walk civil dates from the day before from (a night market may still
	// be open after midnight) to the date of to.
	f, t := from.In(loc), to.In(loc)
	first := time.Date(f.Year(), f.Month(), f.Day()-1, 12, 0, 0, 0, time.UTC)
	last := time.Date(t.Year(), t.Month(), t.Day(), 12, 0, 0, 0, time.UTC)
	var out []MarketDay
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		if day, ok := s.on(loc, d.Year(), d.Month(), d.Day()); ok && day.End.After(from) && day.Start.Before(to) {
			out = append(out, day)
		}
	}
	return out
}

// Upcoming returns up to n market days that are not cancelled and have not
// closed at now (the one open now first), within MarketDayHorizon. n <= 0
// means all of them.
func (s *Schedule) Upcoming(loc *time.Location, now time.Time, n int) []MarketDay {
	var out []MarketDay
	for _, d := range s.Days(loc, now, now.Add(MarketDayHorizon)) {
		if d.Cancelled {
			continue
		}
		out = append(out, d)
		if n > 0 && len(out) == n {
			break
		}
	}
	return out
}

// Next returns the next market day (the one open now, else the next one to
// open), or false when none is scheduled within MarketDayHorizon.
func (s *Schedule) Next(loc *time.Location, now time.Time) (MarketDay, bool) {
	days := s.Upcoming(loc, now, 1)
	if len(days) == 0 {
		return MarketDay{}, false
	}
	return days[0], true
}

// ReservableDay checks that date names a market day a trade can be made for
// at now: scheduled, not cancelled and not over. Errors are EINVALID.
func (s *Schedule) ReservableDay(loc *time.Location, date string, now time.Time) (MarketDay, error) {
	d, err := ParseDate(date)
	if err != nil {
		return MarketDay{}, err
	}
	day, ok := s.Day(loc, d)
	switch {
	case !ok:
		return MarketDay{}, Errorf(EINVALID, "There is no market day on %s.", d)
	case day.Cancelled:
		return MarketDay{}, Errorf(EINVALID, "The market day on %s has been cancelled.", d)
	case day.Over(now):
		return MarketDay{}, Errorf(EINVALID, "The market day on %s is over; choose an upcoming one.", d)
	}
	return day, nil
}

// WeekdayWord is a weekday inside an error message, translated with it.
func WeekdayWord(d time.Weekday) Word {
	return Word{ID: fmt.Sprintf("weekday.%d", int(d)), English: d.String()}
}
