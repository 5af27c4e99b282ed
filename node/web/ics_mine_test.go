package web

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	ics "github.com/arran4/golang-ical"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
)

// TestMyHandOverCalendar: a resident's private calendar has their accepted
// reservation's hand-over, read back by an independent iCalendar parser; the
// stallholder's has it as a hand-over to give; a reset link stops the old one.
func TestMyHandOverCalendar(t *testing.T) {
	s, a := newTestServer(t, "default")
	ctx := context.Background()
	org, _ := a.AddAccount(ctx, "mei", node.RoleOrganiser, "a long secret phrase")
	st := &node.Stall{Name: "Old Wang"}
	if err := a.CreateStall(ctx, org, st); err != nil {
		t.Fatal(err)
	}
	it := &node.Item{Stall: st.ID, Title: "Bell", Quantity: 2, Price: node.Price{Kind: node.PriceFree}}
	if err := a.CreateItem(ctx, org, it); err != nil {
		t.Fatal(err)
	}
	day, _ := tradeForThemeTest(t, a, org, st, it) // ajie's completed trade, and a requested one
	ajie, _, err := a.DB.AccountByName(ctx, "ajie")
	if err != nil {
		t.Fatal(err)
	}
	newTok := func() string { return app.NewToken(20) }
	get := func(tok string) (int, *ics.Calendar) {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", myCalendarPath(tok), nil)
		s.ServeHTTP(rec, req)
		if rec.Code != 200 {
			return rec.Code, nil
		}
		cal, err := ics.ParseCalendar(strings.NewReader(rec.Body.String()))
		if err != nil {
			t.Fatalf("the calendar does not parse: %v\n%s", err, rec.Body)
		}
		if cc := rec.Header().Get("Cache-Control"); !strings.HasPrefix(cc, "private") {
			t.Errorf("Cache-Control %q", cc)
		}
		return 200, cal
	}
	tok, err := a.DB.CalendarToken(ctx, ajie.ID, false, newTok)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := a.DB.CalendarToken(ctx, ajie.ID, false, newTok); again != tok {
		t.Fatal("the calendar link changes by itself")
	}
	_, cal := get(tok)
	evs := cal.Events()
	if len(evs) != 1 {
		t.Fatalf("%d events, want the one open reservation", len(evs))
	}
	sum := evs[0].GetProperty(ics.ComponentPropertySummary).Value
	if !strings.Contains(sum, "Bell") || !strings.Contains(sum, "Old Wang") {
		t.Errorf("summary %q", sum)
	}
	if start := evs[0].GetProperty(ics.ComponentPropertyDtStart).Value; !strings.HasPrefix(start, strings.ReplaceAll(day, "-", "")[:6]) {
		t.Errorf("starts %q, the market day is after %s", start, day)
	}
	orgTok, _ := a.DB.CalendarToken(ctx, org.ID, false, newTok)
	if _, cal := get(orgTok); len(cal.Events()) != 1 || !strings.Contains(cal.Events()[0].GetProperty(ics.ComponentPropertySummary).Value, "@ajie") {
		t.Errorf("the stall's calendar: %v", cal.Events())
	}
	fresh, _ := a.DB.CalendarToken(ctx, ajie.ID, true, newTok)
	if code, _ := get(tok); code != 404 {
		t.Errorf("the old link after a reset: %d", code)
	}
	if code, _ := get(fresh); code != 200 {
		t.Errorf("the new link: %d", code)
	}
	for _, bad := range []string{"/calendars/nope.ics", "/calendars/" + fresh, fmt.Sprintf("/calendars/%s.json", fresh)} {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest("GET", bad, nil))
		if rec.Code != 404 {
			t.Errorf("%s: %d", bad, rec.Code)
		}
	}
}
