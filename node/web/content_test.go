package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/themes"
)

// On a theme whose layout is its own (not framed whole), a signed-in
// reader's page content is kept per kind of reader: each reader gets their
// own CSRF token and their own following state, and a follow shows on the
// next read.
func TestKeptContentOnAnOwnTheme(t *testing.T) {
	dir := t.TempDir()
	layout, err := os.ReadFile(filepath.Join("..", "..", "themes", "default", "templates", "layout.html"))
	if err != nil {
		t.Fatal(err)
	}
	own := strings.Replace(string(layout), "<body>", "<body class=\"own-theme\">", 1)
	if err := os.MkdirAll(filepath.Join(dir, "templates"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "templates", "layout.html"), []byte(own), 0o644); err != nil {
		t.Fatal(err)
	}
	s, a := newTestServerWith(t, "default", func(c *Config) {
		fs, err := themes.Open("default", dir)
		if err != nil {
			t.Fatal(err)
		}
		c.Theme = fs
	})
	if s.pages["stall"].stock {
		t.Fatal("a theme with its own layout is taken for the default")
	}
	ctx := context.Background()
	org, err := a.AddAccount(ctx, "organiser_one", node.RoleOrganiser, "a long secret phrase")
	if err != nil {
		t.Fatal(err)
	}
	alley := &node.Alley{Slug: "vintage", Name: node.Text{"en": "Vintage"}, Colour: "#8a5a44"}
	if err := a.CreateAlley(ctx, org, alley); err != nil {
		t.Fatal(err)
	}
	st := &node.Stall{Name: "Old Wang", Story: "Since 1988.", Alley: alley.ID, OpenToday: true}
	if err := a.CreateStall(ctx, org, st); err != nil {
		t.Fatal(err)
	}
	type reader struct {
		acc      *node.Account
		session  string
		csrf     string
		follower bool
	}
	var readers []*reader
	for _, name := range []string{"reader_one", "reader_two"} {
		acc, err := a.AddAccount(ctx, name, node.RoleResident, "a long secret phrase")
		if err != nil {
			t.Fatal(err)
		}
		tok, err := a.StartSession(ctx, acc, "web", "test")
		if err != nil {
			t.Fatal(err)
		}
		readers = append(readers, &reader{acc: acc, session: tok, csrf: "TOKEN" + strings.ToUpper(name)})
	}
	token := regexp.MustCompile(`name="_csrf" value="([^"]+)"`)
	read := func(step string, r *reader) {
		t.Helper()
		for i := 0; i < 2; i++ {
			req := httptest.NewRequest("GET", node.StallPath(st.ID), nil)
			req.AddCookie(&http.Cookie{Name: sessionCookie, Value: r.session})
			req.AddCookie(&http.Cookie{Name: csrfCookie, Value: r.csrf})
			w := httptest.NewRecorder()
			s.ServeHTTP(w, req)
			body := w.Body.String()
			if w.Code != 200 || !strings.Contains(body, "own-theme") {
				t.Fatalf("%s: GET stall = %d %.300s", step, w.Code, body)
			}
			tokens := token.FindAllStringSubmatch(body, -1)
			if len(tokens) < 2 {
				t.Fatalf("%s: %s's page has %d form tokens", step, r.acc.Name, len(tokens))
			}
			for _, tk := range tokens {
				if tk[1] != r.csrf {
					t.Fatalf("%s: %s's page holds the token %q, not theirs", step, r.acc.Name, tk[1])
				}
			}
			if got := strings.Contains(body, `name="unfollow" value="1"`); got != r.follower {
				t.Fatalf("%s: %s's page shows following %v, want %v", step, r.acc.Name, got, r.follower)
			}
		}
	}
	for _, r := range readers {
		read("before", r)
	}
	if err := a.Follow(ctx, readers[0].acc, st.ID, true); err != nil {
		t.Fatal(err)
	}
	readers[0].follower = true
	for _, r := range readers {
		read("after a follow", r)
	}
	if n := s.frames.count("content\x00stall"); n == 0 {
		t.Fatal("no stall content was kept")
	}
}

// count is how many kept fragments have keys starting with prefix.
func (fc *fragmentCache) count(prefix string) int {
	fc.mu.RLock()
	defer fc.mu.RUnlock()
	n := 0
	for k := range fc.m {
		if strings.HasPrefix(k, prefix) {
			n++
		}
	}
	return n
}
