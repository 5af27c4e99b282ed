package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/internal/freshdb"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
	"github.com/shiji-market/shiji/node/i18n"
	"github.com/shiji-market/shiji/node/media"
	"github.com/shiji-market/shiji/themes"
)

// newTestServer builds a server over a fresh demo database with the theme.
func newTestServer(t testing.TB, theme string) (*Server, *app.App) {
	t.Helper()
	return newTestServerWith(t, theme, nil)
}

// newTestServerWith is newTestServer with a change to the configuration
// (a Mount, an access log) made before the server is built.
func newTestServerWith(t testing.TB, theme string, configure func(*Config)) (*Server, *app.App) {
	t.Helper()
	db, err := data.Open(context.Background(), filepath.Join(freshdb.Dir(t), "shiji.db"), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.LoadDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	fs, err := themes.Open(theme, "")
	if err != nil {
		t.Fatal(err)
	}
	photos, err := media.NewStore(filepath.Join(t.TempDir(), "media"), media.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	a := app.New(db, time.Now)
	cfg := Config{App: a, Catalog: cat, Theme: fs, BaseURL: "http://market.test", Media: photos,
		Logger: slog.New(slog.NewTextHandler(testWriter{t}, nil))}
	if configure != nil {
		configure(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s, a
}

// rawMessageID finds a message id that was not translated.
var rawMessageID = regexp.MustCompile(`\b(nav|home|login|signup|form|account|role|admin|error|footer|stall|item|map|search|alley|status|price|wander|trade|day|met|note|profile|follow|weekday|month|schedule|notify|world|conf|mod)\.[a-z0-9._]+\b`)

func TestEveryPageOfEveryThemeRenders(t *testing.T) {
	for _, theme := range themes.Names() {
		s, a := newTestServer(t, theme)
		acc, err := a.AddAccount(context.Background(), "mei", node.RoleOrganiser, "a long secret phrase")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Invite(context.Background(), acc, node.RoleStallholder); err != nil {
			t.Fatal(err)
		}
		tok, err := a.StartSession(context.Background(), acc, "web", "test")
		if err != nil {
			t.Fatal(err)
		}
		alley := &node.Alley{Slug: "vintage", Name: node.Text{"en": "Vintage", "zh-Hans": "旧物"}, Colour: "#8a5a44"}
		if err := a.CreateAlley(context.Background(), acc, alley); err != nil {
			t.Fatal(err)
		}
		st := &node.Stall{Name: "Old Wang", Story: "Since **1988**.", Alley: alley.ID, OpenToday: true}
		if err := a.CreateStall(context.Background(), acc, st); err != nil {
			t.Fatal(err)
		}
		if err := a.PlaceStall(context.Background(), acc, st.ID, &node.Spot{X: 1, Y: 1}); err != nil {
			t.Fatal(err)
		}
		it := &node.Item{Stall: st.ID, Title: "Bell", Story: "Rings.", Price: node.Price{Kind: node.PriceAmount, Minor: 1250, Currency: "CNY"}, Quantity: 2, Tags: []string{"brass"}}
		if err := a.CreateItem(context.Background(), acc, it); err != nil {
			t.Fatal(err)
		}
		stall, item := fmt.Sprintf("/stalls/%d", st.ID), fmt.Sprintf("/items/%d", it.ID)
		day, trade := tradeForThemeTest(t, a, acc, st, it)
		pages := []struct {
			path   string
			signed bool
			status int
		}{
			{"/", false, 200}, {"/", true, 200}, {"/login", false, 200}, {"/signup", false, 200},
			{"/signup?invite=ABC", false, 200}, {"/account", true, 200}, {"/nope", false, 404},
			{"/alleys/vintage", false, 200}, {stall, false, 200}, {stall, true, 200}, {item, false, 200}, {item, true, 200},
			{"/map", false, 200}, {"/search", false, 200}, {"/search?q=bell", false, 200}, {"/search?q=", false, 422},
			{"/stalls/new", true, 200}, {stall + "/edit", true, 200}, {stall + "/items/new", true, 200}, {item + "/edit", true, 200},
			{"/admin/market", true, 200}, {"/alleys/nope", false, 404}, {"/items/999", false, 404},
			{"/wander", false, 200}, {"/wander?seed=7&page=3", false, 200}, {"/wander?seed=x", false, 422},
			{"/days/" + day, false, 200}, {"/days/" + day, true, 200}, {"/days/2001-02-30", false, 404}, {"/days/someday", false, 404},
			{"/trades", true, 200}, {trade, true, 200}, {"/trades/999", true, 404}, {"/met", true, 200},
			{"/@mei", false, 200}, {"/@ajie", true, 200}, {"/@nobody", false, 404}, {"/notifications", true, 200},
			{"/world", false, 200}, {"/world", true, 200}, {"/world/wander", false, 200}, {"/world/wander?market=here&page=2", true, 200},
			{"/world/wander?market=abc", false, 422}, {"/world/wander?market=5", false, 404},
			// Tag pages and the moderation page (issue 11).
			{"/tags/brass", false, 200}, {"/tags/brass?page=2", false, 200}, {"/tags/no%20such%20tag", false, 422},
			{"/tags/brass?page=x", false, 422}, {"/moderation", true, 200},
		}
		for _, lang := range []string{"zh-Hans", "en"} {
			for _, p := range pages {
				req := httptest.NewRequest("GET", p.path, nil)
				req.Header.Set("Accept-Language", lang)
				if p.signed {
					req.AddCookie(&http.Cookie{Name: sessionCookie, Value: tok})
				}
				rec := httptest.NewRecorder()
				s.ServeHTTP(rec, req)
				body := rec.Body.String()
				if rec.Code != p.status {
					t.Errorf("%s %s %s: status %d, want %d", theme, lang, p.path, rec.Code, p.status)
				}
				if !strings.Contains(body, `<html lang="`+lang+`">`) || !strings.Contains(body, "</html>") {
					t.Errorf("%s %s %s: not a whole page in %s", theme, lang, p.path, lang)
				}
				if m := rawMessageID.FindString(body); m != "" {
					t.Errorf("%s %s %s: untranslated message id %q", theme, lang, p.path, m)
				}
			}
		}
	}
}

func TestWantsJSONAndStatusMapping(t *testing.T) {
	tests := []struct {
		err    error
		status int
	}{
		{node.Errorf(node.ENOTFOUND, "x"), 404},
		{node.Errorf(node.ECONFLICT, "x"), 409},
		{node.Errorf(node.EINVALID, "x"), 422},
		{node.Errorf(node.EUNAUTHORIZED, "x"), 401},
		{node.Errorf(node.EFORBIDDEN, "x"), 403},
		{node.Errorf(node.ETOOMANY, "x"), 429},
		{errCSRF, 403},
		{io.ErrUnexpectedEOF, 500},
	}
	for _, tt := range tests {
		if got, msg := classify(tt.err); got != tt.status || msg == "" {
			t.Errorf("classify(%v) = %d %q, want %d", tt.err, got, msg, tt.status)
		}
	}
	if _, msg := classify(io.ErrUnexpectedEOF); strings.Contains(msg, "EOF") {
		t.Errorf("internal error leaks: %q", msg)
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{"/account": "/account", "": "/", "//evil.example": "/", "https://evil.example": "/",
		"/\\evil.example": "/", "/a\r\nSet-Cookie: x": "/", "/wander?seed=1": "/wander?seed=1"} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

// testWriter sends the server's log to the test's log.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// tradeForThemeTest gives the market a schedule (every day, all day), the
// stall two market days, and a completed trade with both thank-you notes; it
// returns the first market day and the trade's page.
func tradeForThemeTest(t *testing.T, a *app.App, org *node.Account, st *node.Stall, it *node.Item) (string, string) {
	t.Helper()
	ctx := context.Background()
	sched := &node.Schedule{}
	for d := time.Sunday; d <= time.Saturday; d++ {
		sched.Weekly = append(sched.Weekly, node.WeeklyRule{Weekday: d, Hours: node.Hours{Start: 0, End: 24 * 60}, Label: "All day"})
	}
	if err := a.SetSchedule(ctx, org, sched); err != nil {
		t.Fatal(err)
	}
	days, err := a.UpcomingDays(ctx, 3)
	if err != nil || len(days) < 3 {
		t.Fatalf("upcoming days %v %v", days, err)
	}
	// Tomorrow, not today: a test running at midnight would see today close.
	if _, err := a.SetStallDays(ctx, org, st.ID, []string{days[1].Date, days[2].Date}); err != nil {
		t.Fatal(err)
	}
	if err := a.SetItemDay(ctx, org, it.ID, days[1].Date); err != nil {
		t.Fatal(err)
	}
	ajie, err := a.AddAccount(ctx, "ajie", node.RoleResident, "a long secret phrase")
	if err != nil {
		t.Fatal(err)
	}
	tr, err := a.Reserve(ctx, ajie, it.ID, app.ReserveInput{Quantity: 1, Day: days[1].Date, Message: "Please keep it for me"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.AcceptTrade(ctx, org, tr.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.HandOverTrade(ctx, org, tr.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.ConfirmTrade(ctx, ajie, tr.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.LeaveNote(ctx, ajie, tr.ID, "It rings like new. 谢谢!"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.LeaveNote(ctx, org, tr.ID, "See you next Saturday."); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Reserve(ctx, ajie, it.ID, app.ReserveInput{Quantity: 1, Day: days[2].Date}); err != nil {
		t.Fatal(err)
	}
	if err := a.Follow(ctx, ajie, st.ID, true); err != nil {
		t.Fatal(err)
	}
	return days[1].Date, fmt.Sprintf("/trades/%d", tr.ID)
}

// TestThemePagesAreCheckedAtStartUp: a page of a theme override that does
// not parse, or defines no "content", stops the start-up naming its file,
// though page sets are built on first use (pageTemplate.set).
func TestThemePagesAreCheckedAtStartUp(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{`{{define "content"}}{{.Nope`, "stall.html"},
		{`{{define "body"}}a stall{{end}}`, `stall.html does not define "content"`},
		{`{{define "content"}}{{nosuchfunc .}}{{end}}`, "stall.html"},
	} {
		dir := t.TempDir()
		writeThemeFile(t, filepath.Join(dir, "templates", "stall.html"), c.text)
		fs, err := themes.Open("default", dir)
		if err != nil {
			t.Fatal(err)
		}
		s := &Server{cfg: Config{Theme: fs}}
		if err := s.parseTemplates(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want an error with %q", c.text, err, c.want)
		}
	}
}

func writeThemeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}
