package federation

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/shiji-market/shiji/node"
)

// dayStart is a Monday, 17:00 in Shanghai: the next Saturdays within the
// 30 days are 28 November and 5, 12 and 19 December.
var dayStart = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// newDayNode is a node of a market in Shanghai with an organiser, its clock
// frozen at start.
func newDayNode(t *testing.T, start time.Time) (*testNode, *node.Account) {
	t.Helper()
	n := newTestNode(t, "https://market.test", start, nil)
	n.clock.Freeze(start)
	if err := n.db.UpdateMarket(context.Background(), &node.Market{
		Name: node.Text{"zh-Hans": "老城跳蚤市场", "en": "Old Town Flea Market"}, City: node.Text{"zh-Hans": "上海", "en": "Shanghai"},
		Timezone: "Asia/Shanghai", Languages: []string{"zh-Hans", "en"}, Signup: node.SignupOpen}); err != nil {
		t.Fatal(err)
	}
	return n, n.account("org", node.RoleOrganiser)
}

func hours(t *testing.T, start, end string) node.Hours {
	t.Helper()
	s, err := node.ParseClock(start)
	if err != nil {
		t.Fatal(err)
	}
	e, err := node.ParseClock(end)
	if err != nil {
		t.Fatal(err)
	}
	return node.Hours{Start: s, End: e}
}

// dayPosts returns the activities posted to inbox whose type is typ and
// whose object (an Event or Tombstone) has the id dayID ("" = any).
func (n *testNode) dayPosts(inbox, typ, dayID string) []map[string]any {
	var out []map[string]any
	for _, m := range n.posts(inbox, typ) {
		obj, _ := m["object"].(map[string]any)
		if obj == nil || (obj["type"] != "Event" && obj["type"] != "Tombstone") {
			continue
		}
		if dayID == "" || obj["id"] == dayID {
			out = append(out, m)
		}
	}
	return out
}

// dayActivities counts the market's Event activities in the outbox.
func (n *testNode) dayActivities() int {
	return n.count(`SELECT count(*) FROM ap_outbox WHERE actor = 'market' AND kind IN ('create', 'update', 'delete')`)
}

// A follower of the market is told of the market days of the next 30 days,
// of their changes, of a cancellation and of days leaving the schedule, once
// each; the Event is served at the day's page as it was sent.
func TestMarketDaysGoOutAsEvents(t *testing.T) {
	n, org := newDayNode(t, dayStart)
	ctx := context.Background()
	market := n.f.u.market()
	const inbox = "https://remote.test/inbox"
	bo := newRemote(t, n.net, "https://remote.test/users/bo", inbox)
	dee := newRemote(t, n.net, "https://remote.test/users/dee", inbox)
	n.followedBy(t, bo, market)
	n.followedBy(t, dee, market)
	n.run()

	sched := &node.Schedule{
		Weekly: []node.WeeklyRule{{Weekday: time.Saturday, Hours: hours(t, "08:00", "13:00")}},
		Dates:  []node.DateRule{{Date: "2027-01-01", Hours: hours(t, "18:00", "02:00"), Label: "Night market"}},
	}
	if err := n.app.SetSchedule(ctx, org, sched); err != nil {
		t.Fatal(err)
	}
	saturdays := []string{"2026-11-28", "2026-12-05", "2026-12-12", "2026-12-19"}
	waitUntil(t, "four Creates", func() bool { return len(n.dayPosts(inbox, "Create", "")) == 4 })
	for _, d := range saturdays {
		if got := n.dayPosts(inbox, "Create", n.f.u.day(d)); len(got) != 1 {
			t.Fatalf("Creates of %s = %d, want 1 (shared inbox once)", d, len(got))
		}
	}
	if got := n.dayPosts(inbox, "", n.f.u.day("2027-01-01")); len(got) != 0 {
		t.Fatalf("the night market, 39 days ahead, went out: %v", got)
	}

	day := n.f.u.day("2026-11-28")
	create := n.dayPosts(inbox, "Create", day)[0]
	ev := create["object"].(map[string]any)
	followers := []any{market + "/followers"}
	if create["actor"] != market || !reflect.DeepEqual(create["to"], []any{publicIRI}) || !reflect.DeepEqual(create["cc"], followers) {
		t.Fatalf("create = %v", create)
	}
	want := map[string]any{
		"type": "Event", "id": day, "url": day, "name": "老城跳蚤市场 · 11月28日 周六",
		"startTime": "2026-11-28T08:00:00+08:00", "endTime": "2026-11-28T13:00:00+08:00", "timezone": "Asia/Shanghai",
		"attributedTo": market, "actor": market, "to": []any{publicIRI}, "cc": followers,
		"status": "CONFIRMED", "ical:status": "CONFIRMED", "eventStatus": "EventScheduled", "joinMode": "external",
		"externalParticipationUrl": day, "published": "2026-11-23T09:00:00Z", "mediaType": "text/html",
		"summary": "11月28日 周六 · 08:00–13:00 · 上海",
		"location": map[string]any{"type": "Place", "name": "老城跳蚤市场",
			"address": map[string]any{"type": "PostalAddress", "addressLocality": "上海"}},
	}
	for k, v := range want {
		if !reflect.DeepEqual(ev[k], v) {
			t.Errorf("event %s = %#v, want %#v", k, ev[k], v)
		}
	}
	if _, ok := ev["updated"]; ok {
		t.Errorf("a new Event has updated: %v", ev["updated"])
	}
	content, _ := ev["content"].(string)
	for _, s := range []string{"11月28日 周六 · 08:00–13:00 (Asia/Shanghai)", "老城跳蚤市场 · 上海", "还没有摊位说会来。", `<a href="` + day + `">`} {
		if !strings.Contains(content, s) {
			t.Errorf("content lacks %q: %s", s, content)
		}
	}
	mobilizonShape(t, ev)
	for _, p := range n.net.sent() {
		if m := decode(t, p.Body); m["type"] == "Create" && !strings.Contains(p.Req.Header.Get("Signature"), `keyId="`+market+`#main-key"`) {
			t.Fatalf("Create signed as %s", p.Req.Header.Get("Signature"))
		}
	}
	// The day's page answers an ActivityPub Accept with the same Event.
	servedEquals(t, n, "2026-11-28", ev)
	w := n.get("/days/2027-01-01", "Accept", asAccept)
	if w.Code != 200 || decode(t, w.Body.Bytes())["endTime"] != "2027-01-02T02:00:00+08:00" || decode(t, w.Body.Bytes())["published"] != nil {
		t.Fatalf("a day not yet announced = %d %s", w.Code, w.Body)
	}
	if w := n.get("/days/2026-11-29", "Accept", asAccept); w.Code != http.StatusNotFound {
		t.Fatalf("no market day = %d %s", w.Code, w.Body)
	}

	// Sweeps again change nothing, nor does a stall saying it comes (the
	// count is rendered afresh, but is no reason for an Update).
	holder := n.account("wang", node.RoleStallholder)
	st := n.stall(holder, "Bikes")
	if _, err := n.app.SetStallDays(ctx, holder, st.ID, []string{"2026-11-28"}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if q, err := n.f.sweepDays(ctx); err != nil || q != 0 {
			t.Fatalf("sweep again = %d, %v", q, err)
		}
	}
	if c := n.dayActivities(); c != 4 {
		t.Fatalf("market day activities = %d, want 4", c)
	}
	w = n.get("/days/2026-11-28", "Accept", asAccept)
	if c := decode(t, w.Body.Bytes())["content"].(string); !strings.Contains(c, "全部 1 个摊位") {
		t.Fatalf("served content = %s", c)
	}

	// An hour later the Saturdays open an hour later: an Update of each.
	n.clock.Freeze(dayStart.Add(time.Hour))
	sched.Weekly[0].Hours = hours(t, "09:00", "14:00")
	if err := n.app.SetSchedule(ctx, org, sched); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "four Updates", func() bool { return len(n.dayPosts(inbox, "Update", "")) == 4 })
	up := n.dayPosts(inbox, "Update", day)[0]["object"].(map[string]any)
	if up["startTime"] != "2026-11-28T09:00:00+08:00" || up["endTime"] != "2026-11-28T14:00:00+08:00" ||
		up["published"] != "2026-11-23T09:00:00Z" || up["updated"] != "2026-11-23T10:00:00Z" ||
		!strings.Contains(up["content"].(string), "全部 1 个摊位") {
		t.Fatalf("update = %v", up)
	}
	servedEquals(t, n, "2026-11-28", up)

	// 5 December is cancelled: an Update with the cancelled status.
	sched.Cancelled = []string{"2026-12-05"}
	if err := n.app.SetSchedule(ctx, org, sched); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the cancellation", func() bool { return len(n.dayPosts(inbox, "Update", "")) == 5 })
	cancelled := n.dayPosts(inbox, "Update", n.f.u.day("2026-12-05"))
	if len(cancelled) != 2 {
		t.Fatalf("updates of 5 December = %d", len(cancelled))
	}
	var cev map[string]any
	for _, u := range cancelled {
		if o := u["object"].(map[string]any); o["status"] == "CANCELLED" {
			cev = o
		}
	}
	if cev == nil || cev["ical:status"] != "CANCELLED" || cev["eventStatus"] != "EventCancelled" ||
		!strings.HasPrefix(cev["summary"].(string), "取消 · ") || !strings.Contains(cev["content"].(string), "<strong>取消</strong>") {
		t.Fatalf("cancelled = %v", cancelled)
	}
	mobilizonShape(t, cev)
	servedEquals(t, n, "2026-12-05", cev)

	// The Saturdays leave the schedule: a Delete of each day followers have,
	// the cancelled one too; their pages are gone.
	sched.Weekly = nil
	if err := n.app.SetSchedule(ctx, org, sched); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "four Deletes", func() bool { return len(n.dayPosts(inbox, "Delete", "")) == 4 })
	del := n.dayPosts(inbox, "Delete", day)[0]
	if obj := del["object"].(map[string]any); del["actor"] != market || obj["type"] != "Tombstone" || obj["formerType"] != "Event" {
		t.Fatalf("delete = %v", del)
	}
	if w := n.get("/days/2026-11-28", "Accept", asAccept); w.Code != http.StatusGone || decode(t, w.Body.Bytes())["type"] != "Tombstone" {
		t.Fatalf("a deleted day = %d %s", w.Code, w.Body)
	}
	if q, err := n.f.sweepDays(ctx); err != nil || q != 0 {
		t.Fatalf("sweep after the deletes = %d, %v", q, err)
	}
	time.Sleep(100 * time.Millisecond)
	if got := len(n.dayPosts(inbox, "", "")); got != 4+5+4 {
		t.Fatalf("market day activities delivered = %d, want 13", got)
	}
}

// servedEquals checks that the day's page, asked for ActivityStreams, is
// the Event sent (without the @context, which the activity carries).
func servedEquals(t *testing.T, n *testNode, date string, sent map[string]any) {
	t.Helper()
	w := n.get("/days/"+date, "Accept", asAccept)
	if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), contentTypeAS) {
		t.Fatalf("GET /days/%s = %d %s", date, w.Code, w.Body)
	}
	served := decode(t, w.Body.Bytes())
	ctx, _ := json.Marshal(served["@context"])
	if !strings.Contains(string(ctx), `"timezone":"mz:timezone"`) || !strings.Contains(string(ctx), `"https://w3id.org/fep/8a8e/eventStatus"`) {
		t.Fatalf("@context = %s", ctx)
	}
	delete(served, "@context")
	if !reflect.DeepEqual(served, sent) {
		a, _ := json.MarshalIndent(served, "", " ")
		b, _ := json.MarshalIndent(sent, "", " ")
		t.Fatalf("served\n%s\nsent\n%s", a, b)
	}
}

// mobilizonShape checks ev against the properties of a real Mobilizon Event
// (testdata/mobilizon) and what Mobilizon's converter demands of them.
func mobilizonShape(t *testing.T, ev map[string]any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "mobilizon", "event-shape.json"))
	if err != nil {
		t.Fatal(err)
	}
	var shape map[string]string
	if err := json.Unmarshal(b, &shape); err != nil {
		t.Fatal(err)
	}
	for path, typ := range shape {
		var v any = ev
		for _, k := range strings.Split(path, ".") {
			m, _ := v.(map[string]any)
			v = m[k]
		}
		got := "?"
		switch v.(type) {
		case string:
			got = "string"
		case []any:
			got = "array"
		case map[string]any:
			got = "object"
		case bool:
			got = "boolean"
		case float64:
			got = "number"
		case nil:
			got = "missing"
		}
		if got != typ {
			t.Errorf("Mobilizon's Event has %s as %s; ours is %s (%v)", path, typ, got, v)
		}
	}
	for _, k := range []string{"timezone", "status", "externalParticipationUrl"} {
		if s, _ := ev[k].(string); s == "" {
			t.Errorf("%s missing", k)
		}
	}
	if to, _ := ev["to"].([]any); len(to) == 0 || to[0] != publicIRI {
		t.Errorf("to = %v", ev["to"])
	}
	loc := ev["location"].(map[string]any)
	for _, k := range []string{"latitude", "longitude"} {
		if v, ok := loc[k]; ok {
			if _, num := v.(float64); !num {
				t.Errorf("location.%s = %v", k, v)
			}
		}
	}
	if s := ev["status"]; s != "CONFIRMED" && s != "CANCELLED" && s != "TENTATIVE" {
		t.Errorf("status = %v", s)
	}
	if j := ev["joinMode"]; j != "free" && j != "restricted" && j != "invite" && j != "external" {
		t.Errorf("joinMode = %v", j)
	}
	if r := ev["repliesModerationOption"]; r != "allow_all" && r != "moderated" && r != "closed" {
		t.Errorf("repliesModerationOption = %v", r)
	}
	for _, k := range []string{"startTime", "endTime", "published"} {
		if _, err := time.Parse(time.RFC3339, ev[k].(string)); err != nil {
			t.Errorf("%s: %v", k, err)
		}
	}
}

// Run sweeps at start; a day beyond the window goes out once the clock has
// brought it within; a day that is over is left alone.
func TestMarketDayEntersTheWindow(t *testing.T) {
	n, org := newDayNode(t, dayStart)
	ctx := context.Background()
	const inbox = "https://remote.test/inbox"
	bo := newRemote(t, n.net, "https://remote.test/users/bo", inbox)
	n.followedBy(t, bo, n.f.u.market())
	sched := &node.Schedule{Dates: []node.DateRule{
		{Date: "2026-11-27", Hours: hours(t, "18:00", "22:00")},
		{Date: "2027-01-01", Hours: hours(t, "18:00", "02:00"), Label: "Night market"},
	}}
	if err := n.db.SetSchedule(ctx, sched); err != nil { // not through the app: Run's first sweep sends it
		t.Fatal(err)
	}
	n.run()
	waitUntil(t, "the Create of 27 November", func() bool { return len(n.dayPosts(inbox, "Create", n.f.u.day("2026-11-27"))) == 1 })
	night := n.f.u.day("2027-01-01")
	if q, err := n.f.sweepDays(ctx); err != nil || q != 0 || len(n.dayPosts(inbox, "", night)) != 0 {
		t.Fatalf("sweep = %d, %v; night market sent %d times", q, err, len(n.dayPosts(inbox, "", night)))
	}

	// Ten days later the night market is 29 days ahead.
	n.clock.Freeze(dayStart.AddDate(0, 0, 10))
	if q, err := n.f.sweepDays(ctx); err != nil || q != 1 {
		t.Fatalf("sweep ten days later = %d, %v", q, err)
	}
	waitUntil(t, "the night market", func() bool { return len(n.dayPosts(inbox, "Create", night)) == 1 })
	ev := n.dayPosts(inbox, "Create", night)[0]["object"].(map[string]any)
	if ev["name"] != "老城跳蚤市场 · 1月1日 周五 · Night market" || ev["startTime"] != "2027-01-01T18:00:00+08:00" ||
		ev["endTime"] != "2027-01-02T02:00:00+08:00" || ev["published"] != "2026-12-03T09:00:00Z" {
		t.Fatalf("night market = %v", ev)
	}
	// 27 November is over: changing it tells nobody.
	sched.Dates[0].Hours = hours(t, "17:00", "22:00")
	if err := n.app.SetSchedule(ctx, org, sched); err != nil {
		t.Fatal(err)
	}
	if q, err := n.f.sweepDays(ctx); err != nil || q != 0 {
		t.Fatalf("sweep after changing a past day = %d, %v", q, err)
	}
	time.Sleep(50 * time.Millisecond)
	if c := n.dayActivities(); c != 2 || len(n.dayPosts(inbox, "Update", "")) != 0 {
		t.Fatalf("activities = %d, updates %d", c, len(n.dayPosts(inbox, "Update", "")))
	}
}

// A followed remote market's Create and Update of an Event (Mobilizon's,
// Gancio's, another shiji's) are kept as its market days (ap_events) and
// listed for the people who follow it; a cancelled Update marks it, its
// Delete removes it; an Announce of one is not a note; an unfollowed
// market's Events are not kept.
func TestRemoteEventsAreKept(t *testing.T) {
	n := newTestNode(t, "https://market.test", time.Now(), nil)
	ctx := context.Background()
	sink := n.account("sink", node.RoleResident)
	other := newRemote(t, n.net, "https://other.test/market", "https://other.test/inbox")
	stranger := newRemote(t, n.net, "https://stranger.test/market", "")
	if err := n.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO ap_following(account_id, actor, follow_id, state, created_at) VALUES (?, ?, ?, 'accepted', 0)`,
			sink.ID, other.id, "https://market.test/follows/1")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	event := func(by string, status string) map[string]any {
		host := strings.TrimSuffix(by, "/market")
		return map[string]any{
			"id": host + "/days/2026-12-05", "type": "Event", "name": "Other market · Sat 5 Dec",
			"startTime": "2026-12-05T08:00:00+01:00", "endTime": "2026-12-05T13:00:00+01:00", "timezone": "Europe/Paris",
			"attributedTo": by, "to": []any{publicIRI}, "cc": []any{by + "/followers"}, "ical:status": status,
			"location": map[string]any{"type": "Place", "name": "Place du marché",
				"address": map[string]any{"type": "PostalAddress", "addressLocality": "Lyon"}},
		}
	}
	post := func(k *remoteKey, typ, id string, obj any) {
		t.Helper()
		w := n.do(k.signedPost(t, n.f.u.sharedInbox(), map[string]any{"@context": asContextIRI, "type": typ,
			"id": k.id + "/activities/" + id, "actor": k.id, "to": []any{publicIRI}, "object": obj}, n.clock.Now()))
		if w.Code != http.StatusAccepted {
			t.Fatalf("%s = %d %s", typ, w.Code, w.Body)
		}
	}
	post(other, "Create", "a", event(other.id, "CONFIRMED"))
	post(other, "Announce", "b", event(other.id, "CONFIRMED"))
	post(stranger, "Create", "c", event(stranger.id, "CONFIRMED"))
	if c := n.count(`SELECT count(*) FROM ap_notes`); c != 0 {
		t.Fatalf("notes = %d", c)
	}
	evs, err := n.f.Events(ctx, sink.ID, 10)
	if err != nil || len(evs) != 1 {
		t.Fatalf("events = %v %v", evs, err)
	}
	e := evs[0]
	if e.ID != "https://other.test/days/2026-12-05" || e.Name != "Other market · Sat 5 Dec" || e.Place != "Place du marché · Lyon" ||
		e.Start.Format(time.RFC3339) != "2026-12-05T08:00:00+01:00" || e.Cancelled || e.Market.ID != other.id {
		t.Fatalf("event = %+v", e)
	}
	if c := n.count(`SELECT count(*) FROM ap_events WHERE actor = ?`, stranger.id); c != 0 {
		t.Fatalf("an unfollowed market's event was kept")
	}
	post(other, "Update", "d", event(other.id, "CANCELLED"))
	if evs, _ = n.f.Events(ctx, sink.ID, 10); len(evs) != 1 || !evs[0].Cancelled {
		t.Fatalf("after the cancellation: %+v", evs)
	}
	post(other, "Delete", "e", map[string]any{"id": "https://other.test/days/2026-12-05", "type": "Tombstone"})
	if evs, _ = n.f.Events(ctx, sink.ID, 10); len(evs) != 0 {
		t.Fatalf("after the Delete: %+v", evs)
	}
}
