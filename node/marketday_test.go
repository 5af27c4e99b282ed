package node

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("no time zone data for %s: %v", name, err)
	}
	return loc
}

func clock(t *testing.T, s string) Clock {
	t.Helper()
	c, err := ParseClock(s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestParseClock(t *testing.T) {
	tests := []struct {
		in   string
		want Clock
		ok   bool
	}{
		{"08:00", 480, true}, {"8:00", 480, true}, {"23:59", 1439, true}, {"00:00", 0, true}, {"24:00", 1440, true},
		{" 18:30 ", 1110, true},
		{"24:01", 0, false}, {"25:00", 0, false}, {"08:60", 0, false}, {"8", 0, false}, {"0800", 0, false},
		{"08:0", 0, false}, {"", 0, false}, {"ab:cd", 0, false}, {"-1:00", 0, false}, {"08:00x", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseClock(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseClock(%q) = %d, %v; want %d ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
		if err != nil && ErrorCode(err) != EINVALID {
			t.Errorf("ParseClock(%q): code %s", tt.in, ErrorCode(err))
		}
	}
	if s := Clock(485).String(); s != "08:05" {
		t.Errorf("String = %q", s)
	}
}

func TestScheduleValidate(t *testing.T) {
	h := Hours{Start: 480, End: 780}
	tests := []struct {
		name string
		s    Schedule
		msg  string // "" = valid
	}{
		{"empty", Schedule{}, ""},
		{"weekly and dates", Schedule{Weekly: []WeeklyRule{{Weekday: time.Saturday, Hours: h}, {Weekday: time.Friday, Hours: Hours{1080, 1380}, Label: "Night market"}},
			Dates: []DateRule{{Date: "2026-12-24", Hours: h}}, Cancelled: []string{"2026-10-03", "2026-10-03"}}, ""},
		{"night past midnight", Schedule{Weekly: []WeeklyRule{{Weekday: time.Friday, Hours: Hours{1080, 120}}}}, ""},
		{"two saturdays", Schedule{Weekly: []WeeklyRule{{Weekday: time.Saturday, Hours: h}, {Weekday: time.Saturday, Hours: Hours{1080, 1380}}}}, "two weekly"},
		{"bad weekday", Schedule{Weekly: []WeeklyRule{{Weekday: 7, Hours: h}}}, "Unknown weekday"},
		{"no hours", Schedule{Weekly: []WeeklyRule{{Weekday: time.Monday, Hours: Hours{480, 480}}}}, "needs opening hours"},
		{"start 24:00", Schedule{Weekly: []WeeklyRule{{Weekday: time.Monday, Hours: Hours{1440, 60}}}}, "must start"},
		{"bad date", Schedule{Dates: []DateRule{{Date: "2026-02-30", Hours: h}}}, "not a date"},
		{"date twice", Schedule{Dates: []DateRule{{Date: "2026-12-24", Hours: h}, {Date: "2026-12-24", Hours: h}}}, "twice"},
		{"bad cancellation", Schedule{Cancelled: []string{"next week"}}, "not a date"},
		{"long label", Schedule{Weekly: []WeeklyRule{{Weekday: time.Monday, Hours: h, Label: strings.Repeat("夜", 61)}}}, "at most 60"},
	}
	for _, tt := range tests {
		err := tt.s.Validate()
		switch {
		case tt.msg == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.msg != "" && (err == nil || ErrorCode(err) != EINVALID || !strings.Contains(ErrorMessage(err), tt.msg)):
			t.Errorf("%s: got %v, want EINVALID containing %q", tt.name, err, tt.msg)
		}
	}
	s := Schedule{Weekly: []WeeklyRule{{Weekday: time.Saturday, Hours: h}, {Weekday: time.Friday, Hours: h}},
		Cancelled: []string{"2026-10-10", "2026-10-03", "2026-10-10"}}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if s.Weekly[0].Weekday != time.Friday || fmt.Sprint(s.Cancelled) != "[2026-10-03 2026-10-10]" {
		t.Errorf("not normalised: %+v", s)
	}
}

func TestScheduleDays(t *testing.T) {
	shanghai := mustLoc(t, "Asia/Shanghai")
	berlin := mustLoc(t, "Europe/Berlin")
	newYork := mustLoc(t, "America/New_York")
	saturday := WeeklyRule{Weekday: time.Saturday, Hours: Hours{Start: 480, End: 780}}                 // 08:00–13:00
	fridayNight := WeeklyRule{Weekday: time.Friday, Hours: Hours{Start: 1080, End: 1380}, Label: "夜市"} // 18:00–23:00
	lateNight := WeeklyRule{Weekday: time.Saturday, Hours: Hours{Start: 1200, End: 120}}               // 20:00–02:00
	type want struct{ date, start, end string }
	tests := []struct {
		name     string
		s        Schedule
		loc      *time.Location
		from, to string // RFC 3339
		want     []want // start/end as RFC 3339 in the market's zone
	}{
		{"weekly Saturday and Friday night, one-off, cancellation", Schedule{
			Weekly:    []WeeklyRule{saturday, fridayNight},
			Dates:     []DateRule{{Date: "2026-12-24", Hours: Hours{Start: 1020, End: 1320}, Label: "平安夜"}, {Date: "2026-12-19", Hours: Hours{Start: 540, End: 720}}},
			Cancelled: []string{"2026-12-12"},
		}, shanghai, "2026-12-10T00:00:00+08:00", "2026-12-27T00:00:00+08:00", []want{
			{"2026-12-11", "2026-12-11T18:00:00+08:00", "2026-12-11T23:00:00+08:00"},
			{"2026-12-12", "2026-12-12T08:00:00+08:00", "2026-12-12T13:00:00+08:00"}, // cancelled, still listed
			{"2026-12-18", "2026-12-18T18:00:00+08:00", "2026-12-18T23:00:00+08:00"},
			{"2026-12-19", "2026-12-19T09:00:00+08:00", "2026-12-19T12:00:00+08:00"}, // one-off hours replace the weekly ones
			{"2026-12-24", "2026-12-24T17:00:00+08:00", "2026-12-24T22:00:00+08:00"},
			{"2026-12-25", "2026-12-25T18:00:00+08:00", "2026-12-25T23:00:00+08:00"},
			{"2026-12-26", "2026-12-26T08:00:00+08:00", "2026-12-26T13:00:00+08:00"},
		}},
		{"from inside an open day includes it", Schedule{Weekly: []WeeklyRule{saturday}}, shanghai,
			"2026-12-12T10:00:00+08:00", "2026-12-20T00:00:00+08:00", []want{
				{"2026-12-12", "2026-12-12T08:00:00+08:00", "2026-12-12T13:00:00+08:00"},
				{"2026-12-19", "2026-12-19T08:00:00+08:00", "2026-12-19T13:00:00+08:00"},
			}},
		{"a closed day is not listed", Schedule{Weekly: []WeeklyRule{saturday}}, shanghai,
			"2026-12-12T13:00:00+08:00", "2026-12-20T00:00:00+08:00", []want{
				{"2026-12-19", "2026-12-19T08:00:00+08:00", "2026-12-19T13:00:00+08:00"},
			}},
		// Europe/Berlin goes to summer time on 29 March 2026 and back on 25 October:
		// the market opens at 08:00 local either side, so the UTC offset changes.
		{"DST spring, Berlin", Schedule{Weekly: []WeeklyRule{saturday}}, berlin,
			"2026-03-20T00:00:00+01:00", "2026-04-05T00:00:00+02:00", []want{
				{"2026-03-21", "2026-03-21T08:00:00+01:00", "2026-03-21T13:00:00+01:00"},
				{"2026-03-28", "2026-03-28T08:00:00+01:00", "2026-03-28T13:00:00+01:00"},
				{"2026-04-04", "2026-04-04T08:00:00+02:00", "2026-04-04T13:00:00+02:00"},
			}},
		{"DST autumn, Berlin, night market across the change", Schedule{Weekly: []WeeklyRule{lateNight}}, berlin,
			"2026-10-20T00:00:00+02:00", "2026-11-01T00:00:00+01:00", []want{
				{"2026-10-24", "2026-10-24T20:00:00+02:00", "2026-10-25T02:00:00+01:00"}, // 7 hours that night
				{"2026-10-31", "2026-10-31T20:00:00+01:00", "2026-11-01T02:00:00+01:00"},
			}},
		{"night market still open after midnight", Schedule{Weekly: []WeeklyRule{lateNight}}, shanghai,
			"2026-12-13T01:00:00+08:00", "2026-12-14T00:00:00+08:00", []want{
				{"2026-12-12", "2026-12-12T20:00:00+08:00", "2026-12-13T02:00:00+08:00"},
			}},
		{"New York, 24:00 close", Schedule{Dates: []DateRule{{Date: "2026-03-08", Hours: Hours{Start: 600, End: 1440}}}}, newYork,
			"2026-03-01T00:00:00-05:00", "2026-03-10T00:00:00-04:00", []want{
				{"2026-03-08", "2026-03-08T10:00:00-04:00", "2026-03-09T00:00:00-04:00"},
			}},
		{"empty schedule", Schedule{}, shanghai, "2026-12-01T00:00:00+08:00", "2027-12-01T00:00:00+08:00", nil},
	}
	for _, tt := range tests {
		from, _ := time.Parse(time.RFC3339, tt.from)
		to, _ := time.Parse(time.RFC3339, tt.to)
		if err := tt.s.Validate(); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		got := tt.s.Days(tt.loc, from, to)
		if len(got) != len(tt.want) {
			t.Errorf("%s: %d days, want %d: %v", tt.name, len(got), len(tt.want), got)
			continue
		}
		for i, w := range tt.want {
			g := got[i]
			if g.Date != w.date || g.Start.Format(time.RFC3339) != w.start || g.End.Format(time.RFC3339) != w.end {
				t.Errorf("%s: day %d = %s %s–%s, want %s %s–%s", tt.name, i, g.Date, g.Start.Format(time.RFC3339), g.End.Format(time.RFC3339), w.date, w.start, w.end)
			}
			if g.Start.Location() != tt.loc {
				t.Errorf("%s: day %d is in %v, want the market's zone", tt.name, i, g.Start.Location())
			}
		}
	}
}

func TestUpcomingNextAndReservableDay(t *testing.T) {
	loc := mustLoc(t, "Asia/Shanghai")
	s := Schedule{Weekly: []WeeklyRule{{Weekday: time.Saturday, Hours: Hours{480, 780}}}, Cancelled: []string{"2026-12-19"}}
	now := time.Date(2026, 12, 12, 12, 0, 0, 0, loc) // Saturday, the market is open
	up := s.Upcoming(loc, now, 3)
	if len(up) != 3 || up[0].Date != "2026-12-12" || up[1].Date != "2026-12-26" || up[2].Date != "2027-01-02" {
		t.Fatalf("Upcoming = %v", up)
	}
	if !up[0].OpenAt(now) || up[1].OpenAt(now) {
		t.Errorf("OpenAt wrong")
	}
	if all := s.Upcoming(loc, now, 0); len(all) < 20 || all[len(all)-1].Start.After(now.Add(MarketDayHorizon)) {
		t.Errorf("Upcoming(all) = %d days", len(all))
	}
	next, ok := s.Next(loc, now.Add(2*time.Hour))
	if !ok || next.Date != "2026-12-26" {
		t.Errorf("Next = %v %v", next, ok)
	}
	if _, ok := (&Schedule{}).Next(loc, now); ok {
		t.Errorf("an empty schedule has a next day")
	}
	for _, tt := range []struct {
		date, msg string
	}{
		{"2026-12-12", ""}, {"2026-12-26", ""},
		{"2026-12-05", "is over"}, {"2026-12-19", "cancelled"}, {"2026-12-13", "no market day"}, {"12/26", "not a date"},
	} {
		day, err := s.ReservableDay(loc, tt.date, now)
		if tt.msg == "" {
			if err != nil || day.Date != tt.date {
				t.Errorf("ReservableDay(%s) = %v, %v", tt.date, day, err)
			}
		} else if err == nil || ErrorCode(err) != EINVALID || !strings.Contains(ErrorMessage(err), tt.msg) {
			t.Errorf("ReservableDay(%s) = %v, want %q", tt.date, err, tt.msg)
		}
	}
}

func TestParseWeekday(t *testing.T) {
	for in, want := range map[string]time.Weekday{"saturday": time.Saturday, "Sat": time.Saturday, "0": time.Sunday, " friday ": time.Friday} {
		if got, err := ParseWeekday(in); err != nil || got != want {
			t.Errorf("ParseWeekday(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseWeekday("someday"); ErrorCode(err) != EINVALID {
		t.Errorf("ParseWeekday(someday) = %v", err)
	}
}
