package web_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/federation"
	"github.com/shiji-market/shiji/internal/freshdb"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
	"github.com/shiji-market/shiji/node/i18n"
	"github.com/shiji-market/shiji/node/limits"
	"github.com/shiji-market/shiji/node/media"
	"github.com/shiji-market/shiji/node/web"
	"github.com/shiji-market/shiji/themes"
)

// rule is who may call a route (authz_rules_test.go).
type rule struct {
	allow   map[string]bool // roles allowed; anon included for public routes
	deny    int             // the status of signed-in roles not allowed
	denyFor map[string]int  // … unless a role gets another (a party who may see it, but not do this)
	path    string          // the path to call, when the route's own needs other values
	body    string          // a valid body: JSON for /api/, a form otherwise
	upload  bool            // a multipart photo upload
	isLast  bool            // it ends sessions or accounts: run after every other route
	isEvery bool            // every signed-in role (so new roles are included)
	apart   bool            // it sets the browser's session (a login): call it from a copy of the role's browser
}

// The roles of the fixture; anon is nobody signed in.
var roles = []string{"anon", "xiao", "ajie", "li", "wang", "mo", "mei"}

func public() rule { return rule{allow: set(roles...)} }

// signedIn: every signed-in role.
func signedIn() rule { return rule{allow: set(roles[1:]...), deny: 403, isEvery: true} }

// only: just these roles.
func only(r ...string) rule { return rule{allow: set(r...), deny: 403} }

// editors: the stall's stallholder, moderators and the organiser.
func editors() rule { return only("wang", "mo", "mei") }

// moderators: the organiser and moderators.
func moderators() rule { return only("mo", "mei") }

func (r rule) denies(status int) rule { r.deny = status; return r }

// but: role is refused with status instead of the rule's deny status.
func (r rule) but(role string, status int) rule {
	m := map[string]int{role: status}
	for k, v := range r.denyFor {
		m[k] = v
	}
	r.denyFor = m
	return r
}
func (r rule) at(path string) rule   { r.path = path; return r }
func (r rule) with(body string) rule { r.body = body; return r }
func (r rule) photo() rule           { r.upload = true; return r }
func (r rule) last() rule            { r.isLast = true; return r }

// aside: the call sets the browser's cookies (a login): make it from a copy.
func (r rule) aside() rule { r.apart = true; return r }
func (r rule) except(role string) rule {
	a := set()
	for k := range r.allow {
		if k != role {
			a[k] = true
		}
	}
	r.allow = a
	return r
}

func set(rs ...string) map[string]bool {
	m := map[string]bool{}
	for _, r := range rs {
		m[r] = true
	}
	return m
}

// matrix is the node under test and its fixture.
type matrix struct {
	t      *testing.T
	srv    *httptest.Server
	a      *app.App
	vals   map[string]string // {stall}, {item}, … and the values of path parameters
	tokens map[string]string // role → API token
	webs   map[string]*webClient
	n      int    // stand-ins made
	hash   string // of "a long secret phrase", made once (argon2id is slow on purpose)
}

// webClient is a browser: a cookie session and the CSRF token.
type webClient struct {
	hc   *http.Client
	csrf string
}

func newMatrix(t *testing.T) *matrix {
	t.Helper()
	ctx := context.Background()
	dir := freshdb.Dir(t)
	db, err := data.Open(ctx, filepath.Join(dir, "shiji.db"), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	theme, err := themes.Open("default", "")
	if err != nil {
		t.Fatal(err)
	}
	photos, err := media.NewStore(filepath.Join(dir, "media"), media.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	m := &matrix{t: t, vals: map[string]string{}, tokens: map[string]string{}, webs: map[string]*webClient{},
		hash: app.HashPassword("a long secret phrase")}
	m.srv = httptest.NewUnstartedServer(nil)
	base := "http://" + m.srv.Listener.Addr().String()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	m.a = app.New(db, time.Now)
	fed, err := federation.New(federation.Config{App: m.a, BaseURL: base, Logger: log, AllowPrivate: true, Media: photos})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fed.Close)
	m.a.Fed = fed
	lim, err := limits.Parse("messages=100000/1ms writes=100000/1ms items=100000/1ms follows=100000/1ms reports=100000/1ms "+
		"reservations=100000/1ms uploads=100000/1ms ip-login=100000/1ms ip-signup=100000/1ms "+
		"ip-messages=100000/1ms ip-writes=100000/1ms ip-items=100000/1ms ip-follows=100000/1ms ip-reports=100000/1ms "+
		"ip-reservations=100000/1ms ip-uploads=100000/1ms open-reservations=1000 groups=1000", limits.Default())
	if err != nil {
		t.Fatal(err)
	}
	srv, err := web.New(web.Config{App: m.a, Catalog: cat, Theme: theme, Media: photos, BaseURL: base, Logger: log,
		Mount: fed.Mount, Limits: lim})
	if err != nil {
		t.Fatal(err)
	}
	m.srv.Config.Handler = srv
	m.srv.Start()
	t.Cleanup(m.srv.Close)
	m.vals["host"] = m.srv.Listener.Addr().String()
	m.fixture(srv)
	return m
}

// fixture builds what the roles own (see authz_rules_test.go).
func (m *matrix) fixture(srv *web.Server) {
	t, ctx := m.t, context.Background()
	for _, u := range []struct {
		name string
		role node.Role
	}{{"mei", node.RoleOrganiser}, {"mo", node.RoleModerator}, {"wang", node.RoleStallholder}, {"li", node.RoleStallholder},
		{"ajie", node.RoleResident}, {"xiao", node.RoleResident}, {"stranger", node.RoleResident}} {
		if err := m.a.DB.CreateAccount(ctx, &node.Account{Name: u.name, Role: u.role}, m.hash, ""); err != nil {
			t.Fatal(err)
		}
	}
	m.login()
	day := time.Now().UTC().AddDate(0, 0, 2).Format("2006-01-02")
	m.vals["day"] = day
	m.must("POST", "/api/v1/alleys", "mei", `{"slug":"vintage","name":{"en":"Vintage"}}`, 201)
	m.vals["alley"] = "1"
	m.must("PUT", "/api/v1/market/schedule", "mei", fmt.Sprintf(`{"timezone":"UTC","dates":[{"date":%q,"start":"08:00","end":"13:00"}]}`, day), 200)
	m.vals["stall"] = m.id("POST", "/api/v1/stalls", "wang", `{"name":"Old Wang's Bicycles","alley":"vintage"}`)
	m.id("POST", "/api/v1/stalls", "li", `{"name":"Li's Lamps","alley":"vintage"}`)
	m.must("PATCH", "/api/v1/stalls/"+m.vals["stall"], "wang", fmt.Sprintf(`{"market_days":[%q]}`, day), 200)
	m.vals["item"] = m.id("POST", "/api/v1/stalls/"+m.vals["stall"]+"/items", "wang", `{"title":"Phoenix bell","price":{"kind":"free"},"quantity":50}`)
	m.vals["trade"] = m.id("POST", "/api/v1/items/"+m.vals["item"]+"/reservations", "ajie", fmt.Sprintf(`{"quantity":1,"market_day":%q}`, day))
	m.vals["chat"] = m.id("POST", "/api/v1/conversations", "ajie", `{"kind":"private","with":["wang"]}`)
	m.vals["message"] = m.id("POST", "/api/v1/conversations/"+m.vals["chat"]+"/messages", "ajie", `{"body":"See you Saturday"}`)
	m.vals["group"] = m.id("POST", "/api/v1/conversations", "ajie", `{"kind":"group","name":"Bicycle menders"}`)
	m.must("POST", "/api/v1/conversations/"+m.vals["group"]+"/members", "xiao", ``, 204)
	m.must("POST", "/api/v1/conversations/"+m.vals["group"]+"/members", "li", ``, 204)
	m.must("POST", "/api/v1/items/"+m.vals["item"]+"/thread", "ajie", `{"body":"Does it ring?"}`, 201)
	answer := m.id("POST", "/api/v1/items/"+m.vals["item"]+"/thread", "wang", `{"body":"Like a bell."}`)
	m.vals["report"] = m.id("POST", "/api/v1/messages/"+answer+"/reports", "ajie", `{"reason":"rude"}`)
	m.vals["block"] = m.id("POST", "/api/v1/admin/blocks", "mei", `{"domain":"spam.example"}`)
	m.must("PUT", "/api/v1/admin/signup-protection", "mei", `{"approval":true}`, 200)
	for _, name := range []string{"newbie1", "newbie2"} {
		if _, err := m.a.SignUp(ctx, app.SignUpInput{Name: name, Password: "a long secret phrase"}); err != nil {
			t.Fatal(err)
		}
	}
	pending, err := m.a.DB.PendingAccounts(ctx)
	if err != nil || len(pending) != 2 {
		t.Fatalf("pending sign-ups: %v %v", pending, err)
	}
	m.vals["signup"] = fmt.Sprint(pending[0].ID)
	// A follow request for wang's stall and a follow of ajie's elsewhere,
	// as federation stores them.
	err = m.a.DB.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.Exec(`INSERT INTO ap_follow_requests(actor, follower, inbox, follow_id, created_at) VALUES (?, ?, ?, ?, ?)`,
			"stall:"+m.vals["stall"], "https://elsewhere.example/users/zhu", "https://elsewhere.example/users/zhu/inbox",
			"https://elsewhere.example/follows/1", time.Now().Unix())
		if err != nil {
			return err
		}
		id, _ := res.LastInsertId()
		m.vals["request"] = fmt.Sprint(id)
		res, err = tx.Exec(`INSERT INTO ap_following(account_id, actor, follow_id, state, created_at)
			SELECT id, 'https://elsewhere.example/stalls/9', 'http://x/activities/1', 'accepted', 0 FROM accounts WHERE name = 'ajie'`)
		if err != nil {
			return err
		}
		id, _ = res.LastInsertId()
		m.vals["follow"] = fmt.Sprint(id)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	acc, _, err := m.a.DB.AccountByName(ctx, "ajie")
	if err != nil {
		t.Fatal(err)
	}
	spare, err := m.a.StartSession(ctx, acc, "api", "spare")
	if err != nil {
		t.Fatal(err)
	}
	m.vals["session"] = data.SessionIDOf(spare)
}

// login gives every role an API token and a browser session.
func (m *matrix) login() {
	t, ctx := m.t, context.Background()
	m.webs["anon"] = m.browser("")
	for _, r := range roles[1:] {
		acc, _, err := m.a.DB.AccountByName(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		if m.tokens[r], err = m.a.StartSession(ctx, acc, "api", "matrix"); err != nil {
			t.Fatal(err)
		}
		cookie, err := m.a.StartSession(ctx, acc, "web", "matrix")
		if err != nil {
			t.Fatal(err)
		}
		m.webs[r] = m.browser(cookie)
	}
}

// roleOf is the account role each role of the fixture has.
var roleOf = map[string]node.Role{"mei": node.RoleOrganiser, "mo": node.RoleModerator, "wang": node.RoleStallholder,
	"li": node.RoleStallholder, "ajie": node.RoleResident, "xiao": node.RoleResident}

// standIn gives role a new account of the same kind, with fresh sessions:
// the routes that end sessions or delete accounts each get their own.
func (m *matrix) standIn(role string) {
	if role == "anon" {
		return
	}
	ctx := context.Background()
	m.n++
	acc := &node.Account{Name: fmt.Sprintf("%s_%d", role, m.n), Role: roleOf[role]}
	if err := m.a.DB.CreateAccount(ctx, acc, m.hash, ""); err != nil {
		m.t.Fatal(err)
	}
	var err error
	if m.tokens[role], err = m.a.StartSession(ctx, acc, "api", "matrix"); err != nil {
		m.t.Fatal(err)
	}
	cookie, err := m.a.StartSession(ctx, acc, "web", "matrix")
	if err != nil {
		m.t.Fatal(err)
	}
	m.webs[role] = m.browser(cookie)
}

// browser is a client with the session cookie (if any) and a CSRF token.
func (m *matrix) browser(session string) *webClient {
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(m.srv.URL)
	if session != "" {
		jar.SetCookies(u, []*http.Cookie{{Name: "shiji_session", Value: session, Path: "/"}})
	}
	w := &webClient{hc: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	page := "/login" // a form, so a token (signed in, /login sends you home)
	if session != "" {
		page = "/account"
	}
	resp, err := w.hc.Get(m.srv.URL + page)
	if err != nil {
		m.t.Fatal(err)
	}
	resp.Body.Close()
	for _, c := range jar.Cookies(u) {
		if c.Name == "shiji_csrf" {
			w.csrf = c.Value
		}
	}
	if w.csrf == "" {
		m.t.Fatalf("no CSRF cookie from GET %s (%d)", page, resp.StatusCode)
	}
	return w
}

// fill puts the fixture's values in a path or body.
func (m *matrix) fill(s string) string {
	for k, v := range m.vals {
		s = strings.ReplaceAll(s, "{"+k+"}", v)
	}
	return s
}

// pathOf is the path to call for a route: the rule's, or the route's with
// its parameters filled from the fixture by prefix.
func (m *matrix) pathOf(route web.Route, r rule) string {
	if r.path != "" {
		return m.fill(r.path)
	}
	parts := strings.Split(route.Path, "/")
	for i, p := range parts {
		if !strings.HasPrefix(p, ":") && !strings.HasPrefix(p, "@:") {
			continue
		}
		prev := ""
		if i > 0 {
			prev = parts[i-1]
		}
		name := strings.TrimPrefix(strings.TrimPrefix(p, "@"), ":")
		var v string
		switch {
		case p == "@:name" || name == "name":
			v = "ajie"
		case name == "slug":
			v = "vintage"
		case name == "date":
			v = m.vals["day"]
		case name == "token":
			v = "0123456789abcdef01234567"
		case name == "id":
			v = map[string]string{"stalls": m.vals["stall"], "items": m.vals["item"], "trades": m.vals["trade"],
				"conversations": m.vals["chat"], "messages": m.vals["message"], "reports": m.vals["report"],
				"blocks": m.vals["block"], "fed-blocks": m.vals["block"], "signups": m.vals["signup"],
				"follow-requests": m.vals["request"], "follows": m.vals["follow"], "sessions": m.vals["session"]}[prev]
		}
		if v == "" {
			m.t.Fatalf("%s %s: no fixture value for %s after /%s/; give the rule a path with at(...)", route.Method, route.Path, p, prev)
		}
		if strings.HasPrefix(p, "@") {
			v = "@" + v
		}
		parts[i] = v
	}
	return strings.Join(parts, "/")
}

// call makes the request as role and returns the status and Location.
func (m *matrix) call(method, path, role string, r rule) (int, string) {
	api := strings.HasPrefix(path, "/api/")
	var body io.Reader
	ctype := ""
	switch {
	case r.upload:
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		fw, _ := w.CreateFormFile("file", "p.png")
		img := image.NewRGBA(image.Rect(0, 0, 8, 8))
		png.Encode(fw, img)
		w.Close()
		body, ctype = &buf, w.FormDataContentType()
	case r.body != "" || method != http.MethodGet:
		body = strings.NewReader(m.fill(r.body))
		ctype = "application/x-www-form-urlencoded"
		if api {
			ctype = "application/json"
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, m.srv.URL+path, body)
	if err != nil {
		m.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	var hc *http.Client
	if api {
		hc = &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		if role != "anon" {
			req.Header.Set("Authorization", "Bearer "+m.tokens[role])
		}
	} else {
		w := m.webs[role]
		hc = w.hc
		if r.apart { // a copy of the browser: what it sets stays there
			jar, _ := cookiejar.New(nil)
			u, _ := url.Parse(m.srv.URL)
			jar.SetCookies(u, w.hc.Jar.Cookies(u))
			hc = &http.Client{Jar: jar, Timeout: w.hc.Timeout, CheckRedirect: w.hc.CheckRedirect}
		}
		req.Header.Set("X-CSRF-Token", w.csrf)
	}
	resp, err := hc.Do(req)
	if err != nil {
		m.t.Fatalf("%s %s as %s: %v", method, path, role, err)
	}
	resp.Body.Close() // streams end here too
	return resp.StatusCode, resp.Header.Get("Location")
}

func (m *matrix) must(method, path, role, body string, status int) {
	m.t.Helper()
	if got, _ := m.call(method, path, role, rule{body: body}); got != status {
		m.t.Fatalf("fixture: %s %s as %s: %d, want %d", method, path, role, got, status)
	}
}

// id makes a 201 call and returns the id of what it made.
func (m *matrix) id(method, path, role, body string) string {
	m.t.Helper()
	req, _ := http.NewRequest(method, m.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+m.tokens[role])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		m.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 201 {
		m.t.Fatalf("fixture: %s %s as %s: %d %s", method, path, role, resp.StatusCode, b)
	}
	var v struct{ ID any }
	if err := json.Unmarshal(b, &v); err != nil || v.ID == nil {
		m.t.Fatalf("fixture: %s %s: no id in %s", method, path, b)
	}
	return fmt.Sprint(v.ID)
}

// Every route of the node × every role: the roles a rule allows get
// through (not 401 or 403, no redirect to the login, no 500); every other
// signed-in role gets the rule's deny status, and nobody signed in gets 401
// or, for a page, the login. A route without a rule fails the test with
// the line to add to authz_rules_test.go.
func TestAuthorisationMatrix(t *testing.T) {
	m := newMatrix(t)
	srv := m.srv.Config.Handler.(*web.Server)
	type job struct {
		route web.Route
		rule  rule
	}
	var jobs []job
	var missing []string
	covered := map[string]bool{}
	for _, rt := range srv.Routes() {
		key := rt.Method + " " + rt.Path
		r, ok := rules[key]
		if !ok {
			if any, ok := rules["* "+rt.Path]; ok {
				if covered["* "+rt.Path] {
					continue
				}
				covered["* "+rt.Path] = true
				r, rt.Method = any, http.MethodGet
				key = "* " + rt.Path
			} else {
				missing = append(missing, fmt.Sprintf("\t%q: signedIn(), // or public(), only(\"wang\", …).denies(403|404), editors(), moderators(); .with(body), .at(path)", key))
				continue
			}
		}
		covered[key] = true
		jobs = append(jobs, job{rt, r})
	}
	if len(missing) > 0 {
		t.Errorf("%d routes have no rule in the authorisation matrix: add to rules in node/web/authz_rules_test.go:\n%s",
			len(missing), strings.Join(missing, "\n"))
	}
	var stale []string
	for k := range rules {
		if !covered[k] {
			stale = append(stale, k)
		}
	}
	sort.Strings(stale)
	if len(stale) > 0 {
		t.Errorf("rules for routes that no longer exist (remove them from node/web/authz_rules_test.go): %v", stale)
	}

	check := func(j job, role string, allowed bool) {
		path := m.pathOf(j.route, j.rule)
		status, loc := m.call(j.route.Method, path, role, j.rule)
		what := fmt.Sprintf("%s %s as %s", j.route.Method, path, role)
		toLogin := status == http.StatusSeeOther && strings.HasPrefix(loc, "/login")
		switch {
		case allowed:
			if status == 401 || status == 403 || toLogin || status >= 500 {
				t.Errorf("%s: %d %s; the rule allows %s", what, status, loc, role)
			}
		case role == "anon":
			page := j.route.Method == http.MethodGet && !strings.HasPrefix(path, "/api/")
			if page && !toLogin || !page && status != 401 {
				t.Errorf("%s: %d %s; want %s", what, status, loc, map[bool]string{true: "a redirect to /login", false: "401"}[page])
			}
		default:
			want := j.rule.deny
			if d, ok := j.rule.denyFor[role]; ok {
				want = d
			}
			if status != want {
				t.Errorf("%s: %d; want %d (the rule allows only %v)", what, status, want, keys(j.rule.allow))
			}
		}
	}
	// Refusals first (they must change nothing), then the allowed calls,
	// then those that end sessions or accounts, each on fresh sessions.
	for _, j := range jobs {
		for _, role := range roles {
			if !j.rule.allow[role] {
				check(j, role, false)
			}
		}
	}
	var lastJobs []job
	for _, j := range jobs {
		if j.rule.isLast {
			lastJobs = append(lastJobs, j)
			continue
		}
		for _, role := range roles {
			if j.rule.allow[role] {
				check(j, role, true)
			}
		}
	}
	for _, j := range lastJobs {
		for _, role := range roles {
			if j.rule.allow[role] {
				m.standIn(role)
				check(j, role, true)
			}
		}
	}
	t.Logf("%d routes × %d roles checked", len(jobs), len(roles))
}

func keys(m map[string]bool) []string {
	var out []string
	for _, r := range roles {
		if m[r] {
			out = append(out, r)
		}
	}
	return out
}
