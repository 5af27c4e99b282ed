package app_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
)

// fakeClock is the injected clock: it moves only when the test moves it.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Set(t time.Time) { c.mu.Lock(); c.now = t; c.mu.Unlock() }

type world struct {
	a                *app.App
	db               *data.DB
	path             string
	clock            *fakeClock
	loc              *time.Location
	org, wang, ajie  *node.Account
	stranger         *node.Account
	stall            node.StallID
	saturday, friday string // the next Saturday morning and Friday night market days
}

// newWorld: a market in Asia/Shanghai on Wednesday 2026-12-09 10:00, open on
// Saturdays 08:00–13:00 and Friday nights 18:00–23:00; Old Wang's stall comes
// on Saturday the 12th only.
func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Skip("no time zone data")
	}
	w := &world{path: filepath.Join(t.TempDir(), "shiji.db"), clock: &fakeClock{now: time.Date(2026, 12, 9, 10, 0, 0, 0, loc)}, loc: loc,
		saturday: "2026-12-12", friday: "2026-12-11"}
	w.open(t)
	m := data.DemoMarket()
	if err := w.db.UpdateMarket(ctx, m); err != nil {
		t.Fatal(err)
	}
	acc := func(name string, role node.Role) *node.Account {
		a := &node.Account{Name: name, Role: role}
		if err := w.db.CreateAccount(ctx, a, "not-a-real-hash", ""); err != nil {
			t.Fatal(err)
		}
		return a
	}
	w.org, w.wang, w.ajie, w.stranger = acc("mei", node.RoleOrganiser), acc("wang", node.RoleStallholder), acc("ajie", node.RoleResident), acc("lin", node.RoleResident)
	sched := &node.Schedule{Weekly: []node.WeeklyRule{
		{Weekday: time.Saturday, Hours: node.Hours{Start: 8 * 60, End: 13 * 60}},
		{Weekday: time.Friday, Hours: node.Hours{Start: 18 * 60, End: 23 * 60}, Label: "夜市"},
	}}
	if err := w.a.SetSchedule(ctx, w.wang, sched); node.ErrorCode(err) != node.EFORBIDDEN {
		t.Fatalf("a stallholder sets the schedule: %v", err)
	}
	if err := w.a.SetSchedule(ctx, w.org, sched); err != nil {
		t.Fatal(err)
	}
	al := &node.Alley{Slug: "vintage", Name: node.Text{"en": "Vintage"}}
	if err := w.a.CreateAlley(ctx, w.org, al); err != nil {
		t.Fatal(err)
	}
	st := &node.Stall{Name: "Old Wang's Bicycles", Alley: al.ID}
	if err := w.a.CreateStall(ctx, w.wang, st); err != nil {
		t.Fatal(err)
	}
	w.stall = st.ID
	days, err := w.a.SetStallDays(ctx, w.wang, st.ID, []string{w.saturday})
	if err != nil || len(days) != 1 || days[0].Date != w.saturday {
		t.Fatalf("stall days %v %v", days, err)
	}
	return w
}

func (w *world) open(t *testing.T) {
	t.Helper()
	db, err := data.Open(context.Background(), w.path, w.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	w.db, w.a = db, app.New(db, w.clock.Now)
}

func (w *world) item(t *testing.T, q int) node.ItemID {
	t.Helper()
	it := &node.Item{Stall: w.stall, Title: "Phoenix bicycle bell", Price: node.Price{Kind: node.PriceAsk}, Quantity: q}
	if err := w.a.CreateItem(context.Background(), w.wang, it); err != nil {
		t.Fatal(err)
	}
	return it.ID
}

func (w *world) at(date, clock string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", date+" "+clock, w.loc)
	if err != nil {
		panic(err)
	}
	return t
}

func (w *world) reserveAccepted(t *testing.T, item node.ItemID, q int) *node.Trade {
	t.Helper()
	ctx := context.Background()
	tr, err := w.a.Reserve(ctx, w.ajie, item, app.ReserveInput{Quantity: q, Day: w.saturday, Message: "Hold it for me, please"})
	if err != nil {
		t.Fatal(err)
	}
	if tr, err = w.a.AcceptTrade(ctx, w.wang, tr.ID); err != nil {
		t.Fatal(err)
	}
	return tr
}

func (w *world) status(t *testing.T, id node.TradeID) node.TradeStatus {
	t.Helper()
	tr, err := w.db.Trade(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return tr.Status
}

func TestReservationsRefuseBadInputAndChangeNothing(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	item := w.item(t, 2)
	withdrawn := w.item(t, 1)
	if err := w.a.WithdrawItem(ctx, w.wang, withdrawn); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		acc  *node.Account
		item node.ItemID
		in   app.ReserveInput
		code string
	}{
		{"not logged in", nil, item, app.ReserveInput{Quantity: 1, Day: w.saturday}, node.EUNAUTHORIZED},
		{"no such item", w.ajie, 9999, app.ReserveInput{Quantity: 1, Day: w.saturday}, node.ENOTFOUND},
		{"own stall", w.wang, item, app.ReserveInput{Quantity: 1, Day: w.saturday}, node.EFORBIDDEN},
		{"withdrawn item", w.ajie, withdrawn, app.ReserveInput{Quantity: 1, Day: w.saturday}, node.ECONFLICT},
		{"more than there is", w.ajie, item, app.ReserveInput{Quantity: 3, Day: w.saturday}, node.ECONFLICT},
		{"zero", w.ajie, item, app.ReserveInput{Quantity: 0, Day: w.saturday}, node.EINVALID},
		{"no day", w.ajie, item, app.ReserveInput{Quantity: 1}, node.EINVALID},
		{"a day the stall does not come", w.ajie, item, app.ReserveInput{Quantity: 1, Day: w.friday}, node.EINVALID},
		{"not a market day", w.ajie, item, app.ReserveInput{Quantity: 1, Day: "2026-12-13"}, node.EINVALID},
		{"a past day", w.ajie, item, app.ReserveInput{Quantity: 1, Day: "2026-12-05"}, node.EINVALID},
		{"not a date", w.ajie, item, app.ReserveInput{Quantity: 1, Day: "Saturday"}, node.EINVALID},
	}
	for _, tt := range tests {
		if _, err := w.a.Reserve(ctx, tt.acc, tt.item, tt.in); node.ErrorCode(err) != tt.code {
			t.Errorf("%s: %v, want %s", tt.name, err, tt.code)
		}
	}
	if trs, _ := w.db.Trades(ctx, data.TradeFilter{}); len(trs) != 0 {
		t.Fatalf("refused reservations left %d trades", len(trs))
	}

	// A trade is only for its two sides; a resident cannot accept their own request.
	tr, err := w.a.Reserve(ctx, w.ajie, item, app.ReserveInput{Quantity: 1, Day: w.saturday})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.a.Trade(ctx, w.stranger, tr.ID); node.ErrorCode(err) != node.ENOTFOUND {
		t.Fatalf("a stranger reads the trade: %v", err)
	}
	if _, err := w.a.AcceptTrade(ctx, w.stranger, tr.ID); node.ErrorCode(err) != node.ENOTFOUND {
		t.Fatalf("a stranger accepts: %v", err)
	}
	if _, err := w.a.AcceptTrade(ctx, w.ajie, tr.ID); node.ErrorCode(err) != node.EFORBIDDEN {
		t.Fatalf("the resident accepts their own request: %v", err)
	}
	if _, err := w.a.ConfirmTrade(ctx, w.ajie, tr.ID); node.ErrorCode(err) != node.ECONFLICT {
		t.Fatalf("confirm before hand-over: %v", err)
	}
	if _, err := w.a.CancelTrade(ctx, w.ajie, tr.ID, "Found one elsewhere"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.a.AcceptTrade(ctx, w.wang, tr.ID); node.ErrorCode(err) != node.ECONFLICT {
		t.Fatalf("accept a cancelled trade: %v", err)
	}
	got, _, _ := w.a.Trade(ctx, w.ajie, tr.ID)
	if got.Status != node.TradeCancelled || len(got.Events) != 2 {
		t.Fatalf("after refused steps: %s, %d events", got.Status, len(got.Events))
	}

	// Stall attendance is checked too.
	if _, err := w.a.SetStallDays(ctx, w.wang, w.stall, []string{"2026-12-13"}); node.ErrorCode(err) != node.EINVALID {
		t.Fatalf("attend a day without a market: %v", err)
	}
	if _, err := w.a.SetStallDays(ctx, w.ajie, w.stall, []string{w.friday}); node.ErrorCode(err) != node.EFORBIDDEN {
		t.Fatalf("a resident sets a stall's days: %v", err)
	}
}

func TestExpiryWithAnInjectedClock(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.a.TradeGrace = 24 * time.Hour
	item := w.item(t, 1)
	tr := w.reserveAccepted(t, item, 1)
	if it, _ := w.db.Item(ctx, item); it.Status != node.ItemReserved {
		t.Fatalf("held item is %s", it.Status)
	}
	closes := w.at(w.saturday, "13:00")
	if !tr.ClosesAt.Equal(closes) {
		t.Fatalf("closes at %v, want %v", tr.ClosesAt, closes)
	}
	for _, tt := range []struct {
		now  time.Time
		want int
	}{
		{w.at(w.saturday, "12:59"), 0},
		{closes.Add(23 * time.Hour), 0},
		{closes.Add(24*time.Hour - time.Second), 0},
		{closes.Add(24 * time.Hour), 1},
		{closes.Add(25 * time.Hour), 0}, // once
	} {
		w.clock.Set(tt.now)
		if n, err := w.a.ExpireTrades(ctx); err != nil || n != tt.want {
			t.Fatalf("at %v: expired %d %v, want %d", tt.now, n, err, tt.want)
		}
	}
	got, _, _ := w.a.Trade(ctx, w.ajie, tr.ID)
	if got.Status != node.TradeExpired || got.LastEvent().Actor != 0 || !got.LastEvent().At.Equal(closes.Add(24*time.Hour)) {
		t.Fatalf("trade %s, last step %+v", got.Status, got.LastEvent())
	}
	if it, _ := w.db.Item(ctx, item); it.Status != node.ItemAvailable || it.Held != 0 || it.Quantity != 1 {
		t.Fatalf("released item: %s held %d quantity %d", it.Status, it.Held, it.Quantity)
	}
	// Expired: the stall can no longer hand it over.
	if _, err := w.a.HandOverTrade(ctx, w.wang, tr.ID); node.ErrorCode(err) != node.ECONFLICT {
		t.Fatalf("hand over an expired trade: %v", err)
	}
}

func TestHandedOverButUnconfirmedCompletesAtExpiry(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.a.TradeGrace = 2 * time.Hour // as SHIJI_TRADE_GRACE=2h
	item := w.item(t, 3)
	tr := w.reserveAccepted(t, item, 2)
	w.clock.Set(w.at(w.saturday, "09:30"))
	if _, err := w.a.HandOverTrade(ctx, w.wang, tr.ID); err != nil {
		t.Fatal(err)
	}
	w.clock.Set(w.at(w.saturday, "15:00"))
	if n, err := w.a.ExpireTrades(ctx); err != nil || n != 1 {
		t.Fatalf("expired %d %v", n, err)
	}
	if s := w.status(t, tr.ID); s != node.TradeCompleted {
		t.Fatalf("status %s", s)
	}
	if it, _ := w.db.Item(ctx, item); it.Quantity != 1 || it.Held != 0 || it.Status != node.ItemAvailable {
		t.Fatalf("item: quantity %d held %d %s", it.Quantity, it.Held, it.Status)
	}
}

// TestExpirySurvivesARestart: the deadline is in the database; a new
// process's RunTrades finds it.
func TestExpirySurvivesARestart(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	item := w.item(t, 1)
	tr := w.reserveAccepted(t, item, 1)
	w.db.Close()

	w.clock.Set(w.at(w.saturday, "13:00").Add(w.a.TradeGrace + time.Minute))
	w.open(t) // a new process over the same file
	w.a.TradeSweep = 10 * time.Millisecond
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { w.a.RunTrades(runCtx, nil); close(done) }()
	deadline := time.Now().Add(2 * time.Minute) // a guard against a hang, not a measure
	for w.status(t, tr.ID) != node.TradeExpired {
		if time.Now().After(deadline) {
			t.Fatal("RunTrades did not expire the trade")
		}
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	<-done
	if it, _ := w.db.Item(ctx, item); it.Status != node.ItemAvailable {
		t.Fatalf("item %s", it.Status)
	}
}

func TestNotesMetFollowsAndNextDay(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	item := w.item(t, 1)
	tr := w.reserveAccepted(t, item, 1)
	if _, err := w.a.LeaveNote(ctx, w.ajie, tr.ID, "Thank you!"); node.ErrorCode(err) != node.ECONFLICT {
		t.Fatalf("note before completion: %v", err)
	}
	w.clock.Set(w.at(w.saturday, "09:00"))
	if _, err := w.a.HandOverTrade(ctx, w.wang, tr.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.a.ConfirmTrade(ctx, w.ajie, tr.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.a.LeaveNote(ctx, w.ajie, tr.ID, "The bell rings like new. 谢谢!"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.a.LeaveNote(ctx, w.wang, tr.ID, "Ride safely, see you next Saturday."); err != nil {
		t.Fatal(err)
	}
	if _, err := w.a.LeaveNote(ctx, w.stranger, tr.ID, "Hi"); node.ErrorCode(err) != node.ENOTFOUND {
		t.Fatalf("a stranger's note: %v", err)
	}
	p, err := w.a.Profile(ctx, "ajie")
	if err != nil || len(p.About) != 1 || p.About[0].Body != "Ride safely, see you next Saturday." || len(p.Written) != 1 {
		t.Fatalf("profile %+v %v", p, err)
	}
	met, err := w.a.Met(ctx, w.ajie)
	if err != nil || len(met.Stalls) != 1 || met.Stalls[0].StallName != "Old Wang's Bicycles" || met.Stalls[0].Times[0].ItemTitle != "Phoenix bicycle bell" {
		t.Fatalf("met %+v %v", met, err)
	}

	// Next Saturday: Old Wang comes again, and the resident's home says so.
	w.clock.Set(w.at(w.saturday, "14:00"))
	next := "2026-12-19"
	if _, err := w.a.SetStallDays(ctx, w.wang, w.stall, []string{next}); err != nil {
		t.Fatal(err)
	}
	nd, err := w.a.NextMarketDay(ctx, w.ajie)
	if err != nil || nd.Day.Date != "2026-12-18" {
		t.Fatalf("next day %+v %v", nd, err) // the Friday night market comes first, without Old Wang
	}
	w.clock.Set(w.at("2026-12-18", "23:30"))
	nd, _ = w.a.NextMarketDay(ctx, w.ajie)
	if nd.Day.Date != next || len(nd.Reunions) != 1 || !nd.Reunions[0].Bought || nd.Reunions[0].Follows {
		t.Fatalf("next day %+v", nd)
	}
	if err := w.a.Follow(ctx, w.stranger, w.stall, true); err != nil {
		t.Fatal(err)
	}
	if nd, _ := w.a.NextMarketDay(ctx, w.stranger); len(nd.Reunions) != 1 || !nd.Reunions[0].Follows {
		t.Fatalf("follower's next day %+v", nd)
	}
	if err := w.a.Follow(ctx, w.stranger, 999, true); node.ErrorCode(err) != node.ENOTFOUND {
		t.Fatalf("follow no stall: %v", err)
	}
}

// A reservation on another market with a quantity or a message its rules
// refuse is refused before that market is asked for the item (this node
// does not even federate, and the item's host does not exist).
func TestReserveElsewhereChecksBeforeAsking(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	item := "https://market.invalid/items/1"
	for _, q := range []int{0, -1} {
		if _, err := w.a.ReserveElsewhere(ctx, w.ajie, item, q, ""); node.ErrorCode(err) != node.EINVALID {
			t.Errorf("quantity %d: %v, want EINVALID", q, err)
		}
	}
	long := strings.Repeat("话", node.MaxTradeMessageLen+1)
	if _, err := w.a.ReserveElsewhere(ctx, w.ajie, item, 1, long); node.ErrorCode(err) != node.EINVALID {
		t.Errorf("a message too long: %v, want EINVALID", err)
	}
	if _, err := w.a.ReserveElsewhere(ctx, w.ajie, item, 1, "Is it still here?"); node.ErrorCode(err) != node.EUNSUPPORTED {
		t.Errorf("a good request on a node that does not federate: %v, want EUNSUPPORTED", err)
	}
}
