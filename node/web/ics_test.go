package web

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	ics "github.com/arran4/golang-ical"
)

// checkICSLines is a strict RFC 5545 line-level check: CRLF only, no line
// over 75 octets, valid UTF-8 not split across folds, no control characters,
// every content line NAME[;params]:value, BEGIN/END balanced, VEVENTs with
// UID, DTSTAMP and DTSTART.
func checkICSLines(t *testing.T, body []byte) {
	t.Helper()
	if !bytes.HasSuffix(body, []byte("\r\n")) {
		t.Fatal("the calendar does not end with CRLF")
	}
	raw := strings.Split(strings.TrimSuffix(string(body), "\r\n"), "\r\n")
	var logical []string
	for i, l := range raw {
		if strings.ContainsAny(l, "\r\n") {
			t.Fatalf("line %d has a bare CR or LF: %q", i+1, l)
		}
		if len(l) > 75 {
			t.Fatalf("line %d is %d octets long: %q", i+1, len(l), l)
		}
		if !utf8.ValidString(l) {
			t.Fatalf("line %d splits a UTF-8 character: %q", i+1, l)
		}
		for _, r := range l {
			if r < 0x20 && r != '\t' || r == 0x7f {
				t.Fatalf("line %d has a control character: %q", i+1, l)
			}
		}
		if strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t") {
			if len(logical) == 0 {
				t.Fatal("the calendar starts with a continuation line")
			}
			logical[len(logical)-1] += l[1:]
			continue
		}
		logical = append(logical, l)
	}
	var stack []string
	var props map[string]bool
	for _, l := range logical {
		name, value, ok := strings.Cut(l, ":")
		name, _, _ = strings.Cut(name, ";")
		if !ok || name == "" || strings.Trim(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != "" {
			t.Fatalf("not a content line: %q", l)
		}
		switch name {
		case "BEGIN":
			stack = append(stack, value)
			if value == "VEVENT" {
				props = map[string]bool{}
			}
		case "END":
			if len(stack) == 0 || stack[len(stack)-1] != value {
				t.Fatalf("END:%s does not close %v", value, stack)
			}
			if value == "VEVENT" {
				for _, p := range []string{"UID", "DTSTAMP", "DTSTART"} {
					if !props[p] {
						t.Fatalf("a VEVENT lacks %s", p)
					}
				}
			}
			stack = stack[:len(stack)-1]
		default:
			if props != nil {
				props[name] = true
			}
		}
	}
	if len(stack) != 0 || logical[0] != "BEGIN:VCALENDAR" || logical[len(logical)-1] != "END:VCALENDAR" {
		t.Fatalf("unbalanced calendar: %v", stack)
	}
}

func TestICSFoldsEscapesAndParses(t *testing.T) {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Skip("no time zone data")
	}
	long := strings.Repeat("梧桐里周末市集, 夜市; ", 12) + `back\slash` + "\nnew line"
	start := time.Date(2026, 12, 11, 18, 0, 0, 0, loc)
	cal := icsCalendar{Name: "梧桐里周末市集, Wutong Lane", Timezone: "Asia/Shanghai", Stamp: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
		Events: []icsEvent{
			{UID: "2026-12-11@market.example", Start: start, End: start.Add(5 * time.Hour), Summary: long, Location: "Xuhui, Shanghai",
				URL: "https://market.example/days/2026-12-11", Description: "see you"},
			{UID: "2026-12-12@market.example", Start: start.Add(14 * time.Hour), End: start.Add(19 * time.Hour), Summary: "Saturday", Cancelled: true},
		}}
	body := cal.bytes()
	checkICSLines(t, body)
	parsed, err := ics.ParseCalendar(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("the ICS parser refuses it: %v\n%s", err, body)
	}
	evs := parsed.Events()
	if len(evs) != 2 {
		t.Fatalf("%d events", len(evs))
	}
	got, err := evs[0].GetStartAt()
	if err != nil || !got.Equal(start) {
		t.Fatalf("start %v %v, want %v", got, err, start)
	}
	end, err := evs[0].GetEndAt()
	if err != nil || !end.Equal(start.Add(5*time.Hour)) {
		t.Fatalf("end %v %v", end, err)
	}
	if id := evs[0].Id(); id != "2026-12-11@market.example" {
		t.Fatalf("uid %q", id)
	}
	if s := evs[0].GetProperty(ics.ComponentPropertySummary).Value; s != long {
		t.Fatalf("summary did not survive folding and escaping:\n%q\n%q", s, long)
	}
	if st := evs[1].GetProperty(ics.ComponentPropertyStatus).Value; st != "CANCELLED" {
		t.Fatalf("status %q", st)
	}
}

func TestICSText(t *testing.T) {
	for in, want := range map[string]string{
		"a,b;c": `a\,b\;c`, `x\y`: `x\\y`, "one\ntwo": `one\ntwo`, "one\r\ntwo": `one\ntwo`, "bell\x07": "bell", "市集": "市集",
	} {
		if got := icsText(in); got != want {
			t.Errorf("icsText(%q) = %q, want %q", in, got, want)
		}
	}
}
