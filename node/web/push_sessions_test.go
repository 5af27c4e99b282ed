package web

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/node"
)

// A device's notifications end with the session it subscribed in: ending
// that session from elsewhere, logging out everywhere else or changing the
// password stops them (a phone logged out from afar no longer shows the
// excerpts of private messages), and deleting the account ends every
// subscription and the private calendar link.
func TestPushEndsWithItsSession(t *testing.T) {
	s, a := newTestServer(t, "default")
	s.cfg.PushKey = "BPushKeyForTheTest"
	ctx := context.Background()
	acc, err := a.AddAccount(ctx, "lin", node.RoleResident, "a long secret phrase")
	if err != nil {
		t.Fatal(err)
	}
	p256 := "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM"
	subscribe := func(token, device string) {
		t.Helper()
		req := httptest.NewRequest("POST", "/api/v1/push/subscriptions", strings.NewReader(
			`{"endpoint":"https://push.example/`+device+`","keys":{"p256dh":"`+p256+`","auth":"tBHItJI5svbpez7KI4CCXg"}}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != 201 {
			t.Fatalf("subscribe %s: %d %s", device, rec.Code, rec.Body)
		}
	}
	devices := func() string {
		t.Helper()
		subs, err := a.DB.PushSubscriptions(ctx, acc.ID)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, p := range subs {
			out = append(out, strings.TrimPrefix(p.Endpoint, "https://push.example/"))
		}
		sort.Strings(out)
		return strings.Join(out, " ")
	}
	session := func() string {
		t.Helper()
		tok, err := a.StartSession(ctx, acc, "api", "")
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	laptop, phone, tablet := session(), session(), session()
	subscribe(laptop, "laptop")
	subscribe(phone, "phone")
	subscribe(tablet, "tablet")
	subscribe(phone, "old-tablet")
	subscribe(phone, "tablet") // signed in again on the tablet with the phone's token: it follows that session now
	if got := devices(); got != "laptop old-tablet phone tablet" {
		t.Fatalf("devices = %q", got)
	}
	// Ending the tablet's first session ends nothing now: its device moved.
	if err := a.EndSession(ctx, acc, data.SessionIDOf(tablet)); err != nil {
		t.Fatal(err)
	}
	if got := devices(); got != "laptop old-tablet phone tablet" {
		t.Errorf("after ending a session no device is on: %q", got)
	}
	// Ending the phone's session from the laptop ends the phone's devices.
	if err := a.EndSession(ctx, acc, data.SessionIDOf(phone)); err != nil {
		t.Fatal(err)
	}
	if got := devices(); got != "laptop" {
		t.Errorf("after ending the phone's session: %q, want laptop", got)
	}
	// Log out everywhere else, then change the password.
	subscribe(session(), "phone")
	if _, err := a.EndOtherSessions(ctx, acc, laptop); err != nil {
		t.Fatal(err)
	}
	if got := devices(); got != "laptop" {
		t.Errorf("after logging out everywhere else: %q, want laptop", got)
	}
	subscribe(session(), "phone")
	if _, err := a.ChangePassword(ctx, acc, "a long secret phrase", "another long phrase", laptop); err != nil {
		t.Fatal(err)
	}
	if got := devices(); got != "laptop" {
		t.Errorf("after the password change: %q, want laptop", got)
	}
	// Deleting the account ends everything, the private calendar too.
	if _, err := a.DB.CalendarToken(ctx, acc.ID, false, func() string { return "calendar-token-of-lin" }); err != nil {
		t.Fatal(err)
	}
	if err := a.DeleteAccount(ctx, acc, "another long phrase", nil, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	if got := devices(); got != "" {
		t.Errorf("after deleting the account: %q", got)
	}
	if _, err := a.DB.CalendarAccount(ctx, "calendar-token-of-lin"); err == nil {
		t.Error("the deleted account's calendar link still works")
	}
}
