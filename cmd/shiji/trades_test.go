package main

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
)

// tradeDays gives the market (time zone UTC) market days: yesterday (over),
// tomorrow and the day after (upcoming), and the day after that (cancelled);
// Old Wang's stall comes tomorrow only. It returns those four dates.
func tradeDays(t *testing.T, m *market) (past, d1, d2, cancelled string) {
	t.Helper()
	now := time.Now().UTC()
	date := func(days int) string { return now.AddDate(0, 0, days).Format("2006-01-02") }
	past, d1, d2, cancelled = date(-1), date(1), date(2), date(3)
	body := fmt.Sprintf(`{"dates":[{"date":%q,"start":"08:00","end":"13:00"},{"date":%q,"start":"08:00","end":"13:00"},
		{"date":%q,"start":"18:00","end":"23:00","label":"Night market"},{"date":%q,"start":"08:00","end":"13:00"}],"cancelled":[%q]}`,
		past, d1, d2, cancelled, cancelled)
	if r := m.call("PUT", "/api/v1/market/schedule", m.org, body); r.Status != 200 {
		t.Fatalf("schedule: %d %s", r.Status, r.Body)
	}
	if r := m.call("PATCH", fmt.Sprintf("/api/v1/stalls/%d", int(m.stall)), m.wang, fmt.Sprintf(`{"market_days":[%q]}`, d1)); r.Status != 200 {
		t.Fatalf("stall days: %d %s", r.Status, r.Body)
	}
	return
}

func (m *market) itemQ(t *testing.T, title string, q int) int {
	t.Helper()
	r := m.call("POST", fmt.Sprintf("/api/v1/stalls/%d/items", int(m.stall)), m.wang, fmt.Sprintf(`{"title":%q,"price":{"kind":"ask"},"quantity":%d}`, title, q))
	if r.Status != 201 {
		t.Fatalf("item: %d %s", r.Status, r.Body)
	}
	return int(r.JSON(t)["id"].(float64))
}

func (m *market) reserve(t *testing.T, token string, item, q int, day, msg string) response {
	t.Helper()
	return m.call("POST", fmt.Sprintf("/api/v1/items/%d/reservations", item), token, fmt.Sprintf(`{"quantity":%d,"market_day":%q,"message":%q}`, q, day, msg))
}

func TestMarketDaysScheduleAndCalendars(t *testing.T) {
	m := newMarket(t)
	// Nothing configured: no market days, and every page still works.
	if r := m.call("GET", "/api/v1/market/days", "", ""); r.Status != 200 || strings.TrimSpace(r.Body) != `{"days":[]}` {
		t.Fatalf("days of an unscheduled market: %d %s", r.Status, r.Body)
	}
	if r := m.c.get("/"); r.Status != 200 || strings.Contains(r.Body, `id="next-day"`) {
		t.Fatalf("home without market days: %d", r.Status)
	}
	for _, tt := range []struct {
		token, body string
		status      int
	}{
		{m.wang, `{"weekly":[{"weekday":"saturday","start":"08:00","end":"13:00"}]}`, 403},
		{"", `{"weekly":[]}`, 401},
		{m.org, `{"weekly":[{"weekday":"saturday","start":"8am","end":"13:00"}]}`, 422},
		{m.org, `{"weekly":[{"weekday":"someday","start":"08:00","end":"13:00"}]}`, 422},
		{m.org, `{"weekly":[{"weekday":"saturday","start":"08:00","end":"13:00"},{"weekday":"sat","start":"18:00","end":"23:00"}]}`, 422},
		{m.org, `{"dates":[{"date":"2026-02-30","start":"08:00","end":"13:00"}]}`, 422},
		{m.org, `{"weekly":`, 400},
	} {
		if r := m.call("PUT", "/api/v1/market/schedule", tt.token, tt.body); r.Status != tt.status {
			t.Errorf("PUT schedule %s: %d %s, want %d", tt.body, r.Status, r.Body, tt.status)
		}
	}
	if r := m.call("GET", "/api/v1/market/schedule", "", ""); !strings.Contains(r.Body, `"weekly":[]`) {
		t.Fatalf("a refused schedule was stored: %s", r.Body)
	}
	past, d1, d2, cancelled := tradeDays(t, m)

	days := m.call("GET", "/api/v1/market/days", "", "").JSON(t)["days"].([]any)
	if len(days) != 2 {
		t.Fatalf("days = %v", days)
	}
	first := days[0].(map[string]any)
	if first["id"] != d1 || first["date"] != d1 || first["start"] != d1+"T08:00:00Z" || first["end"] != d1+"T13:00:00Z" ||
		days[1].(map[string]any)["date"] != d2 || days[1].(map[string]any)["label"] != "Night market" {
		t.Fatalf("days = %v", days)
	}
	stall := fmt.Sprintf("/api/v1/stalls/%d", int(m.stall))
	if got := fmt.Sprint(m.call("GET", stall, "", "").JSON(t)["market_days"]); got != "["+d1+"]" {
		t.Fatalf("stall market_days = %s", got)
	}
	for _, bad := range []string{past, cancelled, "2001-01-01", "tomorrow"} {
		r := m.call("PATCH", stall, m.wang, fmt.Sprintf(`{"name":"Renamed","market_days":[%q]}`, bad))
		if r.Status != 422 {
			t.Errorf("attend %s: %d %s", bad, r.Status, r.Body)
		}
	}
	if s := m.call("GET", stall, "", "").JSON(t); s["name"] != "Old Wang's Bicycles" || fmt.Sprint(s["market_days"]) != "["+d1+"]" {
		t.Fatalf("a refused PATCH changed the stall: %v %v", s["name"], s["market_days"])
	}
	if r := m.call("PATCH", stall, m.li, fmt.Sprintf(`{"market_days":[%q]}`, d2)); r.Status != 403 {
		t.Fatalf("another stallholder sets the days: %d", r.Status)
	}

	// The home shows the next market day and who comes; the day has a page.
	home := m.c.get("/").Body
	mustContain(t, "home", home, `id="next-day"`, "/days/"+d1, "Old Wang&#39;s Bicycles")
	if r := m.c.get("/days/" + d1); r.Status != 200 || !strings.Contains(r.Body, "Old Wang&#39;s Bicycles") {
		t.Fatalf("day page: %d", r.Status)
	}
	if r := m.c.get("/days/2001-01-01"); r.Status != 404 {
		t.Fatalf("a day without a market: %d", r.Status)
	}

	// The calendars parse with a real iCalendar parser.
	r := m.c.get("/market.ics")
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/calendar") {
		t.Fatalf("market.ics: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	cal, err := ics.ParseCalendar(strings.NewReader(r.Body))
	if err != nil {
		t.Fatalf("market.ics does not parse: %v\n%s", err, r.Body)
	}
	status := map[string]string{}
	for _, ev := range cal.Events() {
		start, err := ev.GetStartAt()
		if err != nil {
			t.Fatal(err)
		}
		status[start.UTC().Format("2006-01-02")] = ev.GetProperty(ics.ComponentPropertyStatus).Value
	}
	if len(status) != 4 || status[past] != "CONFIRMED" || status[d1] != "CONFIRMED" || status[cancelled] != "CANCELLED" {
		t.Fatalf("market.ics events: %v", status)
	}
	r = m.c.get(fmt.Sprintf("/stalls/%d/market.ics", int(m.stall)))
	cal, err = ics.ParseCalendar(strings.NewReader(r.Body))
	if err != nil || len(cal.Events()) != 1 {
		t.Fatalf("stall calendar: %v\n%s", err, r.Body)
	}
	if start, _ := cal.Events()[0].GetStartAt(); start.UTC().Format(time.RFC3339) != d1+"T08:00:00Z" {
		t.Fatalf("stall calendar starts %v", start)
	}
}

func TestATradeFromReservationToThankYouNotes(t *testing.T) {
	m := newMarket(t)
	_, d1, _, _ := tradeDays(t, m)
	item := m.itemQ(t, "Phoenix bicycle bell", 2)
	itemURL := fmt.Sprintf("/api/v1/items/%d", item)

	r := m.reserve(t, m.res, item, 1, d1, "Could you keep it until the market?")
	if r.Status != 201 {
		t.Fatalf("reserve: %d %s", r.Status, r.Body)
	}
	tr := r.JSON(t)
	id := int(tr["id"].(float64))
	trade := fmt.Sprintf("/api/v1/trades/%d", id)
	if tr["status"] != "requested" || tr["market_day"] != d1 || tr["buyer"] != "ajie" || tr["quantity"].(float64) != 1 {
		t.Fatalf("trade = %v", tr)
	}
	// Its own private conversation: the resident and the stall, and nobody else.
	conv := fmt.Sprintf("/api/v1/conversations/%d", int(tr["conversation"].(float64)))
	if r := m.call("GET", conv+"/messages", m.wang, ""); r.Status != 200 || !strings.Contains(r.Body, "keep it until the market") {
		t.Fatalf("the stall reads the trade's chat: %d %s", r.Status, r.Body)
	}
	for _, who := range []string{m.li, m.org} {
		if r := m.call("GET", conv, who, ""); r.Status != 404 {
			t.Fatalf("an outsider reads the trade's chat: %d", r.Status)
		}
		if r := m.call("GET", trade, who, ""); r.Status != 404 {
			t.Fatalf("an outsider reads the trade: %d", r.Status)
		}
		if r := m.call("POST", trade+"/accept", who, ""); r.Status != 404 {
			t.Fatalf("an outsider accepts: %d", r.Status)
		}
	}
	if r := m.call("GET", trade, "", ""); r.Status != 401 {
		t.Fatalf("anonymous trade: %d", r.Status)
	}
	if n := m.call("GET", "/api/v1/notifications", m.wang, "").Body; !strings.Contains(n, "trade_requested") {
		t.Fatalf("the stall is not told: %s", n)
	}

	// Wrong steps are refused and change nothing.
	for _, tt := range []struct {
		who, step, body string
		status          int
	}{
		{m.res, "accept", "", 403},  // the resident accepting their own request
		{m.res, "confirm", "", 409}, // confirming before hand-over
		{m.wang, "handover", "", 409},
		{m.wang, "confirm", "", 403},
		{m.wang, "decline", `{"reason":""}`, 422},
		{m.wang, "shrug", "", 404},
		{m.wang, "accept", `{"reason":`, 400},
	} {
		if r := m.call("POST", trade+"/"+tt.step, tt.who, tt.body); r.Status != tt.status || !strings.Contains(r.Body, `"error"`) {
			t.Errorf("%s: %d %s, want %d", tt.step, r.Status, r.Body, tt.status)
		}
	}
	if got := m.call("GET", trade, m.res, "").JSON(t); got["status"] != "requested" || len(got["events"].([]any)) != 1 {
		t.Fatalf("refused steps changed the trade: %v", got)
	}

	// accept → the quantity is held; handover → confirm → it is gone from the stall.
	step := func(who, name string, want string) map[string]any {
		t.Helper()
		r := m.call("POST", trade+"/"+name, who, "")
		if r.Status != 200 || r.JSON(t)["status"] != want {
			t.Fatalf("%s: %d %s", name, r.Status, r.Body)
		}
		return r.JSON(t)
	}
	step(m.wang, "accept", "accepted")
	if it := m.call("GET", itemURL, "", "").JSON(t); it["available"].(float64) != 1 || it["quantity"].(float64) != 2 || it["status"] != "available" {
		t.Fatalf("item while held: %v", it)
	}
	if r := m.call("POST", trade+"/accept", m.wang, ""); r.Status != 409 {
		t.Fatalf("accept twice: %d", r.Status)
	}
	step(m.wang, "handover", "handed_over")
	done := step(m.res, "confirm", "completed")
	var steps []string
	for _, e := range done["events"].([]any) {
		ev := e.(map[string]any)
		steps = append(steps, fmt.Sprintf("%s/%s", ev["status"], ev["by"]))
	}
	if fmt.Sprint(steps) != "[requested/ajie accepted/wang handed_over/wang completed/ajie]" {
		t.Fatalf("steps %v", steps)
	}
	if it := m.call("GET", itemURL, "", "").JSON(t); it["quantity"].(float64) != 1 || it["available"].(float64) != 1 {
		t.Fatalf("item after the hand-over: %v", it)
	}

	// Thank-you notes: one per side, public.
	if r := m.call("POST", trade+"/notes", m.res, `{"body":"The bell rings like new — thank you, Old Wang!"}`); r.Status != 201 {
		t.Fatalf("resident's note: %d %s", r.Status, r.Body)
	}
	if r := m.call("POST", trade+"/notes", m.res, `{"body":"Again"}`); r.Status != 409 {
		t.Fatalf("second note: %d", r.Status)
	}
	if r := m.call("POST", trade+"/notes", m.wang, `{"body":"Ride safely, see you next week."}`); r.Status != 201 {
		t.Fatalf("stall's note: %d %s", r.Status, r.Body)
	}
	if r := m.call("POST", trade+"/notes", m.li, `{"body":"Hi"}`); r.Status != 404 {
		t.Fatalf("an outsider's note: %d", r.Status)
	}
	if r := m.call("POST", trade+"/notes", m.wang, `{"body":"   "}`); r.Status != 409 && r.Status != 422 {
		t.Fatalf("empty note: %d", r.Status)
	}
	mustContain(t, "stall page", m.c.get(fmt.Sprintf("/stalls/%d", int(m.stall))).Body, "The bell rings like new")
	mustContain(t, "profile", m.c.get("/@ajie").Body, "Ride safely, see you next week.")
	notes := m.call("GET", fmt.Sprintf("/api/v1/stalls/%d/notes", int(m.stall)), "", "").Body
	mustContain(t, "stall notes", notes, "The bell rings like new", `"author":"ajie"`)

	// Meet again: the resident met the stall; follows.
	met := m.call("GET", "/api/v1/met", m.res, "").Body
	mustContain(t, "met", met, "Old Wang's Bicycles", `"kind":"trade"`, `"status":"completed"`)
	if r := m.call("POST", fmt.Sprintf("/api/v1/stalls/%d/follow", int(m.stall)), m.li, ""); r.Status != 204 {
		t.Fatalf("follow: %d", r.Status)
	}
	mustContain(t, "li's met", m.call("GET", "/api/v1/met", m.li, "").Body, `"following":[{"id":`)
	if r := m.call("DELETE", fmt.Sprintf("/api/v1/stalls/%d/follow", int(m.stall)), m.li, ""); r.Status != 204 {
		t.Fatalf("unfollow: %d", r.Status)
	}
	if r := m.call("POST", "/api/v1/stalls/999/follow", m.li, ""); r.Status != 404 {
		t.Fatalf("follow no stall: %d", r.Status)
	}

	// Decline with a reason; cancel an accepted one and the hold is released.
	r = m.reserve(t, m.res, item, 1, d1, "")
	id2 := int(r.JSON(t)["id"].(float64))
	if r := m.call("POST", fmt.Sprintf("/api/v1/trades/%d/decline", id2), m.wang, `{"reason":"Promised to my neighbour, sorry"}`); r.Status != 200 || r.JSON(t)["reason"] != "Promised to my neighbour, sorry" {
		t.Fatalf("decline: %d %s", r.Status, r.Body)
	}
	if r := m.call("POST", fmt.Sprintf("/api/v1/trades/%d/accept", id2), m.wang, ""); r.Status != 409 {
		t.Fatalf("accept a declined trade: %d", r.Status)
	}
	r = m.reserve(t, m.res, item, 1, d1, "")
	id3 := int(r.JSON(t)["id"].(float64))
	step3 := fmt.Sprintf("/api/v1/trades/%d/", id3)
	m.call("POST", step3+"accept", m.wang, "")
	if it := m.call("GET", itemURL, "", "").JSON(t); it["status"] != "reserved" || it["available"].(float64) != 0 {
		t.Fatalf("all held: %v", it)
	}
	if r := m.reserve(t, m.res, item, 1, d1, ""); r.Status != 409 {
		t.Fatalf("reserve a held item: %d %s", r.Status, r.Body)
	}
	if r := m.call("POST", step3+"cancel", m.res, `{}`); r.Status != 422 {
		t.Fatalf("cancel without a reason: %d", r.Status)
	}
	if r := m.call("POST", step3+"cancel", m.res, `{"reason":"My bike was fixed by a friend"}`); r.Status != 200 {
		t.Fatalf("cancel: %d %s", r.Status, r.Body)
	}
	if it := m.call("GET", itemURL, "", "").JSON(t); it["status"] != "available" || it["available"].(float64) != 1 {
		t.Fatalf("after cancel: %v", it)
	}
	list := m.call("GET", "/api/v1/trades", m.wang, "").JSON(t)["trades"].([]any)
	if len(list) != 3 {
		t.Fatalf("the stall's trades: %d", len(list))
	}
}

func TestReservationBadInputChangesNothing(t *testing.T) {
	m := newMarket(t)
	past, d1, d2, cancelled := tradeDays(t, m)
	item := m.itemQ(t, "Enamel mug", 2)
	withdrawn := m.itemQ(t, "Old lamp", 1)
	if r := m.call("DELETE", fmt.Sprintf("/api/v1/items/%d", withdrawn), m.wang, ""); r.Status != 204 {
		t.Fatalf("withdraw: %d", r.Status)
	}
	path := fmt.Sprintf("/api/v1/items/%d/reservations", item)
	for _, tt := range []struct {
		name, token, path, body string
		status                  int
	}{
		{"anonymous", "", path, fmt.Sprintf(`{"quantity":1,"market_day":%q}`, d1), 401},
		{"own stall", m.wang, path, fmt.Sprintf(`{"quantity":1,"market_day":%q}`, d1), 403},
		{"no such item", m.res, "/api/v1/items/999/reservations", fmt.Sprintf(`{"quantity":1,"market_day":%q}`, d1), 404},
		{"withdrawn item", m.res, fmt.Sprintf("/api/v1/items/%d/reservations", withdrawn), fmt.Sprintf(`{"quantity":1,"market_day":%q}`, d1), 409},
		{"more than there is", m.res, path, fmt.Sprintf(`{"quantity":3,"market_day":%q}`, d1), 409},
		{"zero", m.res, path, fmt.Sprintf(`{"quantity":0,"market_day":%q}`, d1), 422},
		{"a day the stall does not come", m.res, path, fmt.Sprintf(`{"quantity":1,"market_day":%q}`, d2), 422},
		{"a past day", m.res, path, fmt.Sprintf(`{"quantity":1,"market_day":%q}`, past), 422},
		{"a cancelled day", m.res, path, fmt.Sprintf(`{"quantity":1,"market_day":%q}`, cancelled), 422},
		{"no market that day", m.res, path, `{"quantity":1,"market_day":"2001-01-01"}`, 422},
		{"not a date", m.res, path, `{"quantity":1,"market_day":"Saturday"}`, 422},
		{"no day", m.res, path, `{"quantity":1}`, 422},
		{"quantity is text", m.res, path, fmt.Sprintf(`{"quantity":"one","market_day":%q}`, d1), 422},
		{"long message", m.res, path, fmt.Sprintf(`{"quantity":1,"market_day":%q,"message":%q}`, d1, strings.Repeat("话", 501)), 422},
		{"not JSON", m.res, path, `{"quantity":`, 400},
	} {
		r := m.call("POST", tt.path, tt.token, tt.body)
		if r.Status != tt.status || !strings.Contains(r.Body, `"error"`) {
			t.Errorf("%s: %d %s, want %d", tt.name, r.Status, r.Body, tt.status)
		}
	}
	if list := m.call("GET", "/api/v1/trades", m.res, "").JSON(t)["trades"].([]any); len(list) != 0 {
		t.Fatalf("refused reservations left trades: %v", list)
	}
	if it := m.call("GET", fmt.Sprintf("/api/v1/items/%d", item), "", "").JSON(t); it["status"] != "available" || it["available"].(float64) != 2 {
		t.Fatalf("item changed: %v", it)
	}
	if r := m.call("GET", "/api/v1/trades/999", m.res, ""); r.Status != 404 {
		t.Fatalf("no such trade: %d", r.Status)
	}
}

// TestNeverOversellThroughTheAPI: 100 concurrent reservations, then the stall
// accepts them all concurrently: exactly quantity succeed, every other
// acceptance is a clear 409, and the item never shows a negative remainder.
func TestNeverOversellThroughTheAPI(t *testing.T) {
	// One resident making 200 reservations in a second is what the abuse
	// limits refuse (TestWriteRateLimitsAndCaps); here they are lifted.
	m := newMarketWith(t, "--limits", "reservations=1000/1ms ip-reservations=1000/1ms open-reservations=1000")
	_, d1, _, _ := tradeDays(t, m)
	for _, quantity := range []int{1, 5} {
		item := m.itemQ(t, fmt.Sprintf("Only %d of these", quantity), quantity)
		const n = 100
		ids := make([]int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := m.reserve(t, m.res, item, 1, d1, fmt.Sprintf("request %d", i))
				if r.Status != 201 {
					t.Errorf("reserve %d: %d %s", i, r.Status, r.Body)
					return
				}
				ids[i] = int(r.JSON(t)["id"].(float64))
			}()
		}
		wg.Wait()
		if t.Failed() {
			t.FailNow()
		}
		var mu sync.Mutex
		codes := map[int]int{}
		stop := make(chan struct{})
		watcher := make(chan string, 1)
		go func() { // a reader watching the item while the stall accepts
			for {
				select {
				case <-stop:
					watcher <- ""
					return
				default:
				}
				it := m.call("GET", fmt.Sprintf("/api/v1/items/%d", item), "", "").JSON(t)
				if a, ok := it["available"].(float64); !ok || a < 0 || it["quantity"].(float64) != float64(quantity) {
					watcher <- fmt.Sprint(it)
					return
				}
			}
		}()
		for _, id := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := m.call("POST", fmt.Sprintf("/api/v1/trades/%d/accept", id), m.wang, "")
				mu.Lock()
				codes[r.Status]++
				mu.Unlock()
				if r.Status == http.StatusConflict && !strings.Contains(r.Body, "Not enough left") {
					t.Errorf("a conflict without a clear message: %s", r.Body)
				}
			}()
		}
		wg.Wait()
		close(stop)
		if bad := <-watcher; bad != "" {
			t.Fatalf("a reader saw: %s", bad)
		}
		if codes[200] != quantity || codes[409] != n-quantity || len(codes) != 2 {
			t.Fatalf("quantity %d: answers %v", quantity, codes)
		}
		it := m.call("GET", fmt.Sprintf("/api/v1/items/%d", item), "", "").JSON(t)
		if it["available"].(float64) != 0 || it["quantity"].(float64) != float64(quantity) || it["status"] != "reserved" {
			t.Fatalf("quantity %d: item %v", quantity, it)
		}
	}
}

func TestTradeGraceConfiguration(t *testing.T) {
	envs := map[string]string{"SHIJI_TRADE_GRACE": "soon"}
	err := runWith(t.Context(), []string{"shiji", "serve", "--addr", "127.0.0.1:0", "--data", t.TempDir()},
		env{getenv: func(k string) string { return envs[k] }, stdout: &syncBuffer{}, stderr: &syncBuffer{}})
	if err == nil || !strings.Contains(err.Error(), "SHIJI_TRADE_GRACE") {
		t.Fatalf("a bad SHIJI_TRADE_GRACE: %v", err)
	}
	if _, _, err := runCmd(t, "", "serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--trade-grace", "-1h"); err == nil {
		t.Fatal("a negative --trade-grace was accepted")
	}
	n := startNode(t, "", "--trade-grace", "90m")
	if r := newClient(t, n.URL).get("/healthz"); r.Status != 200 {
		t.Fatalf("healthz %d", r.Status)
	}
}
