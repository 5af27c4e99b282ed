package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/shiji-market/shiji/node"
)

// rawEcoID finds a message id of the ecosystem pages that was not translated.
var rawEcoID = regexp.MustCompile(`\b(setup|app|push|feed|offline|demo|calendar|lang|fmt|word)\.[a-z0-9_.]+[a-z0-9]\b`)

// TestEcosystemPagesRender: setup, the app page, the offline page, the
// manifest and the service worker, in every language.
func TestEcosystemPagesRender(t *testing.T) {
	s, a := newTestServer(t, "default")
	s.cfg.PushKey = "BPushKeyForTheTest"
	ctx := context.Background()
	org, err := a.AddAccount(ctx, "mei", node.RoleOrganiser, "a long secret phrase")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := a.StartSession(ctx, org, "web", "test")
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range s.cfg.Catalog.Languages() {
		for _, p := range []struct {
			path, ctype string
			signed      bool
		}{
			{"/setup", "text/html", true}, {"/account/app", "text/html", true}, {"/offline", "text/html", false},
			{"/manifest.webmanifest", "application/manifest+json", false}, {"/sw.js", "text/javascript", false},
		} {
			req := httptest.NewRequest("GET", p.path, nil)
			req.Header.Set("Accept-Language", lang)
			if p.signed {
				req.AddCookie(&http.Cookie{Name: sessionCookie, Value: tok})
			}
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			body := rec.Body.String()
			if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), p.ctype) {
				t.Errorf("%s %s: %d %s", lang, p.path, rec.Code, rec.Header().Get("Content-Type"))
			}
			if strings.HasPrefix(p.ctype, "text/html") {
				if m := rawEcoID.FindString(body); m != "" || rawMessageID.FindString(body) != "" {
					t.Errorf("%s %s: untranslated %q %q", lang, p.path, m, rawMessageID.FindString(body))
				}
				if !strings.Contains(body, `<link rel="manifest" href="/manifest.webmanifest">`) {
					t.Errorf("%s %s: no manifest link", lang, p.path)
				}
			}
		}
	}
	req := httptest.NewRequest("GET", "/sw.js", nil)
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if sw := rec.Body.String(); strings.Contains(sw, "__SHELL__") || strings.Contains(sw, "__VERSION__") ||
		!strings.Contains(sw, `"/offline"`) || !strings.Contains(sw, "/static/shiji.css?v=") || rec.Header().Get("Service-Worker-Allowed") != "/" {
		t.Errorf("sw.js is not filled in:\n%.400s", sw)
	}
	req = httptest.NewRequest("GET", "/manifest.webmanifest", nil)
	rec = httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	var m struct {
		Name, Display string
		Icons         []struct{ Src, Sizes, Purpose string }
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil || m.Name == "" || m.Display != "standalone" || len(m.Icons) != 3 {
		t.Fatalf("manifest %s: %v", rec.Body, err)
	}
	for _, ic := range m.Icons {
		r := httptest.NewRecorder()
		s.ServeHTTP(r, httptest.NewRequest("GET", ic.Src, nil))
		if r.Code != 200 || r.Header().Get("Content-Type") != "image/png" {
			t.Errorf("icon %s: %d %s", ic.Src, r.Code, r.Header().Get("Content-Type"))
		}
	}
}

// TestPushSubscriptionsAreChecked: the subscribe endpoint takes a browser's
// subscription for the signed-in account and refuses anything else.
func TestPushSubscriptionsAreChecked(t *testing.T) {
	s, a := newTestServer(t, "default")
	s.cfg.PushKey = "BPushKeyForTheTest"
	ctx := context.Background()
	acc, _ := a.AddAccount(ctx, "lin", node.RoleResident, "a long secret phrase")
	p256 := "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM"
	auth := "tBHItJI5svbpez7KI4CCXg"
	for _, tt := range []struct {
		body string
		code int
	}{
		{`{"endpoint":"https://push.example/abc","keys":{"p256dh":"` + p256 + `","auth":"` + auth + `"},"kinds":["answer","trade"]}`, 201},
		{`{"endpoint":"http://push.example/abc","keys":{"p256dh":"` + p256 + `","auth":"` + auth + `"}}`, 422},
		{`{"endpoint":"https://push.example/abc","keys":{"p256dh":"AAAA","auth":"` + auth + `"}}`, 422},
		{`{"endpoint":"https://push.example/abc","keys":{"p256dh":"` + p256 + `","auth":"` + auth + `"},"kinds":["spam"]}`, 422},
		{`not json`, 400},
	} {
		tok, _ := a.StartSession(ctx, acc, "api", "test")
		req := httptest.NewRequest("POST", "/api/v1/push/subscriptions", strings.NewReader(tt.body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Accept-Language", "en")
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != tt.code {
			t.Errorf("%s: %d %s, want %d", tt.body, rec.Code, rec.Body, tt.code)
		}
	}
	subs, err := a.DB.PushSubscriptions(ctx, acc.ID)
	if err != nil || len(subs) != 1 || strings.Join(subs[0].Kinds, ",") != "answer,trade" {
		t.Fatalf("subscriptions %+v %v", subs, err)
	}
}
