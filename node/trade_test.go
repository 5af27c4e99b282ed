package node

import (
	"strings"
	"testing"
	"time"
)

const (
	buyer  AccountID = 10
	holder AccountID = 20
	other  AccountID = 30
)

var (
	tradeDayStart = time.Date(2026, 12, 12, 8, 0, 0, 0, time.UTC)
	tradeDay      = MarketDay{Date: "2026-12-12", Start: tradeDayStart, End: tradeDayStart.Add(5 * time.Hour)}
	beforeDay     = tradeDayStart.Add(-48 * time.Hour)
	duringDay     = tradeDayStart.Add(time.Hour)
	afterDay      = tradeDay.End.Add(time.Minute)
)

func tradeIn(t *testing.T, s TradeStatus) *Trade {
	t.Helper()
	it := &Item{ID: 1, Stall: 2, Title: "Bell", Quantity: 3, Status: ItemAvailable}
	tr, err := NewTrade(buyer, false, it, 1, tradeDay, "Hold it for me?", beforeDay)
	if err != nil {
		t.Fatal(err)
	}
	tr.Status = s
	return tr
}

func TestTradeStateMachine(t *testing.T) {
	type step func(tr *Trade, now time.Time) error
	accept := func(by AccountID, isHolder bool) step {
		return func(tr *Trade, now time.Time) error { return tr.Accept(by, isHolder, now) }
	}
	decline := func(by AccountID, isHolder bool, reason string) step {
		return func(tr *Trade, now time.Time) error { return tr.Decline(by, isHolder, reason, now) }
	}
	handover := func(by AccountID, isHolder bool) step {
		return func(tr *Trade, now time.Time) error { return tr.HandOver(by, isHolder, now) }
	}
	confirm := func(by AccountID) step {
		return func(tr *Trade, now time.Time) error { return tr.Confirm(by, now) }
	}
	cancel := func(by AccountID, isHolder bool, reason string) step {
		return func(tr *Trade, now time.Time) error { return tr.Cancel(by, isHolder, reason, now) }
	}
	tests := []struct {
		name string
		from TradeStatus
		do   step
		now  time.Time
		to   TradeStatus // the status after; from when the step fails
		code string      // "" = the step succeeds
		msg  string
	}{
		{"stall accepts", TradeRequested, accept(holder, true), beforeDay, TradeAccepted, "", ""},
		{"stall accepts during the day", TradeRequested, accept(holder, true), duringDay, TradeAccepted, "", ""},
		{"resident accepts own request", TradeRequested, accept(buyer, false), beforeDay, TradeRequested, EFORBIDDEN, "your own reservation"},
		{"stranger accepts", TradeRequested, accept(other, false), beforeDay, TradeRequested, EFORBIDDEN, "Only the stall"},
		{"accept a cancelled trade", TradeCancelled, accept(holder, true), beforeDay, TradeCancelled, ECONFLICT, "cancelled"},
		{"accept a declined trade", TradeDeclined, accept(holder, true), beforeDay, TradeDeclined, ECONFLICT, "declined"},
		{"accept twice", TradeAccepted, accept(holder, true), beforeDay, TradeAccepted, ECONFLICT, "already accepted"},
		{"accept after the day", TradeRequested, accept(holder, true), afterDay, TradeRequested, ECONFLICT, "is over"},
		{"accept an expired trade", TradeExpired, accept(holder, true), beforeDay, TradeExpired, ECONFLICT, "expired"},

		{"stall declines", TradeRequested, decline(holder, true, "Sold it yesterday, sorry"), beforeDay, TradeDeclined, "", ""},
		{"decline without a reason", TradeRequested, decline(holder, true, "  "), beforeDay, TradeRequested, EINVALID, "Say why"},
		{"decline an overlong reason", TradeRequested, decline(holder, true, strings.Repeat("x", 501)), beforeDay, TradeRequested, EINVALID, "at most 500"},
		{"resident declines", TradeRequested, decline(buyer, false, "no"), beforeDay, TradeRequested, EFORBIDDEN, ""},
		{"decline an accepted trade", TradeAccepted, decline(holder, true, "no"), beforeDay, TradeAccepted, ECONFLICT, "already accepted"},

		{"stall hands over", TradeAccepted, handover(holder, true), duringDay, TradeHandedOver, "", ""},
		{"hand over before accepting", TradeRequested, handover(holder, true), duringDay, TradeRequested, ECONFLICT, "Accept the reservation"},
		{"resident hands over", TradeAccepted, handover(buyer, false), duringDay, TradeAccepted, EFORBIDDEN, ""},
		{"hand over a cancelled trade", TradeCancelled, handover(holder, true), duringDay, TradeCancelled, ECONFLICT, "cancelled"},

		{"resident confirms", TradeHandedOver, confirm(buyer), duringDay, TradeCompleted, "", ""},
		{"confirm before hand-over", TradeAccepted, confirm(buyer), duringDay, TradeAccepted, ECONFLICT, "not marked it handed over"},
		{"confirm a request", TradeRequested, confirm(buyer), duringDay, TradeRequested, ECONFLICT, "not marked it handed over"},
		{"stall confirms", TradeHandedOver, confirm(holder), duringDay, TradeHandedOver, EFORBIDDEN, "Only the person who reserved"},
		{"confirm twice", TradeCompleted, confirm(buyer), duringDay, TradeCompleted, ECONFLICT, "already completed"},

		{"resident cancels a request", TradeRequested, cancel(buyer, false, "Found one elsewhere"), beforeDay, TradeCancelled, "", ""},
		{"resident cancels an accepted one", TradeAccepted, cancel(buyer, false, "Cannot come"), beforeDay, TradeCancelled, "", ""},
		{"stall cancels an accepted one", TradeAccepted, cancel(holder, true, "It broke"), beforeDay, TradeCancelled, "", ""},
		{"stranger cancels", TradeAccepted, cancel(other, false, "because"), beforeDay, TradeAccepted, EFORBIDDEN, ""},
		{"cancel without a reason", TradeAccepted, cancel(buyer, false, ""), beforeDay, TradeAccepted, EINVALID, "Say why"},
		{"cancel after hand-over", TradeHandedOver, cancel(buyer, false, "changed my mind"), duringDay, TradeHandedOver, ECONFLICT, "handed over"},
		{"cancel after the day", TradeAccepted, cancel(buyer, false, "forgot"), afterDay, TradeAccepted, ECONFLICT, "is over"},
		{"cancel a completed trade", TradeCompleted, cancel(holder, true, "oops"), afterDay, TradeCompleted, ECONFLICT, "already completed"},
	}
	for _, tt := range tests {
		tr := tradeIn(t, tt.from)
		events := len(tr.Events)
		err := tt.do(tr, tt.now)
		if ErrorCode(err) != tt.code {
			t.Errorf("%s: error %v, want code %q", tt.name, err, tt.code)
			continue
		}
		if tt.msg != "" && !strings.Contains(ErrorMessage(err), tt.msg) {
			t.Errorf("%s: message %q does not say %q", tt.name, ErrorMessage(err), tt.msg)
		}
		if tr.Status != tt.to {
			t.Errorf("%s: status %s, want %s", tt.name, tr.Status, tt.to)
		}
		if err != nil && len(tr.Events) != events {
			t.Errorf("%s: a failed step recorded an event", tt.name)
		}
		if err == nil {
			ev := tr.LastEvent()
			if len(tr.Events) != events+1 || ev.Status != tt.to || !ev.At.Equal(tt.now) || ev.Actor == 0 || !tr.UpdatedAt.Equal(tt.now) {
				t.Errorf("%s: event %+v not recorded (updated %v)", tt.name, ev, tr.UpdatedAt)
			}
			if (tt.to == TradeDeclined || tt.to == TradeCancelled) && (ev.Reason == "" || tr.Reason != ev.Reason) {
				t.Errorf("%s: the reason is not kept", tt.name)
			}
		}
	}
}

func TestNewTrade(t *testing.T) {
	it := func(q, held int, st ItemStatus) *Item {
		return &Item{ID: 1, Stall: 2, Title: "Bell", Quantity: q, Held: held, Status: st}
	}
	cancelled := tradeDay
	cancelled.Cancelled = true
	tests := []struct {
		name     string
		isHolder bool
		item     *Item
		q        int
		day      MarketDay
		now      time.Time
		msg      string
		code     string
	}{
		{"ok", false, it(3, 0, ItemAvailable), 2, tradeDay, beforeDay, "", ""},
		{"ok on the day", false, it(1, 0, ItemAvailable), 1, tradeDay, duringDay, "", ""},
		{"own stall", true, it(3, 0, ItemAvailable), 1, tradeDay, beforeDay, "", EFORBIDDEN},
		{"withdrawn", false, it(3, 0, ItemWithdrawn), 1, tradeDay, beforeDay, "", ECONFLICT},
		{"gone", false, it(0, 0, ItemGone), 1, tradeDay, beforeDay, "", ECONFLICT},
		{"more than available", false, it(3, 2, ItemAvailable), 2, tradeDay, beforeDay, "", ECONFLICT},
		{"all held", false, it(2, 2, ItemReserved), 1, tradeDay, beforeDay, "", ECONFLICT},
		{"zero", false, it(3, 0, ItemAvailable), 0, tradeDay, beforeDay, "", EINVALID},
		{"negative", false, it(3, 0, ItemAvailable), -1, tradeDay, beforeDay, "", EINVALID},
		{"past day", false, it(3, 0, ItemAvailable), 1, tradeDay, afterDay, "", EINVALID},
		{"cancelled day", false, it(3, 0, ItemAvailable), 1, cancelled, beforeDay, "", EINVALID},
		{"long message", false, it(3, 0, ItemAvailable), 1, tradeDay, beforeDay, strings.Repeat("话", 501), EINVALID},
	}
	for _, tt := range tests {
		tr, err := NewTrade(buyer, tt.isHolder, tt.item, tt.q, tt.day, tt.msg, tt.now)
		if ErrorCode(err) != tt.code {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.code)
			continue
		}
		if err == nil && (tr.Status != TradeRequested || tr.Day != tradeDay.Date || !tr.ClosesAt.Equal(tradeDay.End) ||
			tr.Quantity != tt.q || len(tr.Events) != 1 || tr.Events[0].Actor != buyer) {
			t.Errorf("%s: trade %+v", tt.name, tr)
		}
	}
}

func TestTradeExpire(t *testing.T) {
	grace := 24 * time.Hour
	due := tradeDay.End.Add(grace)
	for _, tt := range []struct {
		from TradeStatus
		now  time.Time
		ok   bool
		to   TradeStatus
	}{
		{TradeRequested, due, true, TradeExpired},
		{TradeAccepted, due.Add(time.Hour), true, TradeExpired},
		{TradeHandedOver, due, true, TradeCompleted}, // never confirmed: done by time
		{TradeAccepted, due.Add(-time.Second), false, TradeAccepted},
		{TradeAccepted, afterDay, false, TradeAccepted},
		{TradeCancelled, due, false, TradeCancelled},
		{TradeCompleted, due, false, TradeCompleted},
		{TradeDeclined, due, false, TradeDeclined},
	} {
		tr := tradeIn(t, tt.from)
		if ok := tr.Expire(tt.now, grace); ok != tt.ok || tr.Status != tt.to {
			t.Errorf("Expire %s at %v: %v %s, want %v %s", tt.from, tt.now, ok, tr.Status, tt.ok, tt.to)
		}
		if tt.ok && tr.LastEvent().Actor != 0 {
			t.Errorf("expiry is not by the market")
		}
	}
}

func TestNotes(t *testing.T) {
	tr := tradeIn(t, TradeCompleted)
	n, err := tr.NewNote(buyer, false, "  Thank you, the bell rings beautifully!  ", afterDay)
	if err != nil || n.Side != NoteFromBuyer || n.Body != "Thank you, the bell rings beautifully!" {
		t.Fatalf("buyer note: %+v %v", n, err)
	}
	if n, err := tr.NewNote(holder, true, "Lovely to meet you.", afterDay); err != nil || n.Side != NoteFromStall {
		t.Fatalf("stall note: %+v %v", n, err)
	}
	for _, tt := range []struct {
		name     string
		status   TradeStatus
		by       AccountID
		isHolder bool
		body     string
		code     string
	}{
		{"stranger", TradeCompleted, other, false, "hi", EFORBIDDEN},
		{"before completion", TradeHandedOver, buyer, false, "thanks", ECONFLICT},
		{"cancelled trade", TradeCancelled, holder, true, "thanks", ECONFLICT},
		{"empty", TradeCompleted, buyer, false, " ", EINVALID},
		{"long", TradeCompleted, buyer, false, strings.Repeat("谢", 501), EINVALID},
	} {
		if _, err := tradeIn(t, tt.status).NewNote(tt.by, tt.isHolder, tt.body, afterDay); ErrorCode(err) != tt.code {
			t.Errorf("%s: %v, want %s", tt.name, err, tt.code)
		}
	}
}
