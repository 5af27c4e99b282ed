package main

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/shiji-market/shiji/internal/freshdb"
)

func TestBadRequestsGetClearErrorsAndChangeNothing(t *testing.T) {
	n := startDemoNode(t)
	c := newClient(t, n.URL)

	// Unknown page: themed 404 in the visitor's language.
	c.lang = "zh-CN"
	r := c.get("/no/such/page")
	if r.Status != 404 || !strings.Contains(r.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("unknown page = %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	mustContain(t, "404 page", r.Body, "这里什么也没有", "梧桐里周末市集", "/static/shiji.css")
	c.lang = "en"
	// Unknown API route: JSON error.
	r = c.get("/api/v1/nope")
	if r.Status != 404 || r.JSON(t)["error"] == "" {
		t.Fatalf("unknown API route = %d %s", r.Status, r.Body)
	}
	// Wrong method.
	if r := c.do("DELETE", "/api/v1/market", nil); r.Status != 404 && r.Status != 405 {
		t.Fatalf("DELETE market = %d", r.Status)
	} else if r.JSON(t)["error"] == "" {
		t.Fatal("no JSON error")
	}

	// Malformed JSON, wrong types, missing fields, empty body, two objects.
	for _, body := range []string{`{"name":`, `{"name": 5, "password": "x"}`, `{"name":"mei"}`, ``, `{} {}`, `[1,2]`, `not json`} {
		r := c.postJSON("/api/v1/sessions", body)
		if r.Status != 400 && r.Status != 422 {
			t.Errorf("body %q = %d %s", body, r.Status, r.Body)
			continue
		}
		if msg, _ := r.JSON(t)["error"].(string); msg == "" {
			t.Errorf("body %q: no error message", body)
		}
	}

	// Oversized body: 413 with a JSON error.
	big := `{"name":"` + strings.Repeat("x", 2<<20) + `","password":"x"}`
	if r := c.postJSON("/api/v1/sessions", big); r.Status != http.StatusRequestEntityTooLarge || r.JSON(t)["error"] == "" {
		t.Fatalf("oversized = %d %.200s", r.Status, r.Body)
	}

	// A form without its CSRF token: 403, themed, nothing created.
	form := url.Values{"name": {"forged"}, "password": {"plum blossom tea"}}
	r = c.do("POST", "/signup", strings.NewReader(form.Encode()), "Content-Type", "application/x-www-form-urlencoded")
	if r.Status != http.StatusForbidden {
		t.Fatalf("signup without CSRF = %d", r.Status)
	}
	mustContain(t, "CSRF page", r.Body, "reload the page")
	// A token from elsewhere is refused too.
	form.Set("_csrf", "made-up-token")
	if r := c.do("POST", "/signup", strings.NewReader(form.Encode()), "Content-Type", "application/x-www-form-urlencoded"); r.Status != http.StatusForbidden {
		t.Fatalf("signup with a wrong CSRF token = %d", r.Status)
	}
	if r := c.postJSON("/api/v1/sessions", `{"name":"forged","password":"plum blossom tea"}`); r.Status != 401 {
		t.Fatalf("forged account exists: %d", r.Status)
	}

	// Bad sign-up input: 422 and the form again.
	for _, v := range []url.Values{
		{"name": {"x"}, "password": {"plum blossom tea"}},
		{"name": {"has space"}, "password": {"plum blossom tea"}},
		{"name": {"okname"}, "password": {"short"}},
		{"name": {"okname"}, "password": {""}},
		{"name": {"okname"}, "password": {"plum blossom tea"}, "display_name": {strings.Repeat("长", 61)}},
	} {
		if r := c.postForm("/signup", "/signup", v); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `class="error"`) {
			t.Errorf("signup %v = %d", v, r.Status)
		}
	}
	// Unknown language.
	if r := c.postPlain("/lang", url.Values{"lang": {"xx-Nope"}}); r.Status != 422 {
		t.Errorf("unknown lang = %d", r.Status)
	}
}

func TestLoginIsRateLimitedPerClientIP(t *testing.T) {
	// The default allowance (20 at once) refilled once an hour, not every
	// 3 s: on a loaded machine forty slow wrong logins (each checks a
	// password hash) took longer than the refill.
	n := startDemoNode(t, "--limits", "ip-login=20/1h")
	c := newClient(t, n.URL)
	var last int
	for i := 0; i < 40; i++ {
		// A spoofed X-Forwarded-For must not give a fresh allowance.
		last = c.postJSON("/api/v1/sessions", `{"name":"mei","password":"wrong password"}`, "X-Forwarded-For", "203.0.113."+string(rune('0'+i%10))).Status
		if last == http.StatusTooManyRequests {
			if i < 15 {
				t.Fatalf("limited after only %d attempts", i)
			}
			break
		}
	}
	if last != http.StatusTooManyRequests {
		t.Fatalf("40 wrong logins, last status %d; want 429", last)
	}
	r := c.postJSON("/api/v1/sessions", `{"name":"mei","password":"wrong password"}`)
	if r.Status != 429 || !strings.Contains(r.JSON(t)["error"].(string), "wait") {
		t.Fatalf("rate-limited response = %d %s", r.Status, r.Body)
	}
}

func TestSignupModesAndInvitations(t *testing.T) {
	dir := freshdb.Dir(t)
	if _, e, err := runCmd(t, "a long secret phrase\n", "user", "add", "mei", "--role", "organiser", "--data", dir); err != nil {
		t.Fatal(err, e)
	}
	n := startNode(t, dir)
	org := newClient(t, n.URL)
	if r := org.postForm("/login", "/login", url.Values{"name": {"mei"}, "password": {"a long secret phrase"}}); r.Status != 303 {
		t.Fatalf("login = %d", r.Status)
	}
	// A resident cannot change the mode.
	res := newClient(t, n.URL)
	res.postForm("/signup", "/signup", url.Values{"name": {"ajie"}, "password": {"plum blossom tea"}})
	if r := res.postForm("/account", "/admin/signup", url.Values{"mode": {"closed"}}); r.Status != 403 {
		t.Fatalf("resident changed sign-up mode: %d", r.Status)
	}
	if r := res.postForm("/account", "/admin/invitations", url.Values{"role": {"stallholder"}}); r.Status != 403 {
		t.Fatalf("resident invited: %d", r.Status)
	}
	if r := org.postForm("/account", "/admin/signup", url.Values{"mode": {"sometimes"}}); r.Status != 422 {
		t.Fatalf("bad mode = %d", r.Status)
	}

	// Invite-only: signing up without a code is refused.
	if r := org.postForm("/account", "/admin/signup", url.Values{"mode": {"invite"}}); r.Status != 303 {
		t.Fatalf("set invite = %d", r.Status)
	}
	anon := newClient(t, n.URL)
	r := anon.postForm("/signup", "/signup", url.Values{"name": {"bao"}, "password": {"plum blossom tea"}})
	if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "invite-only") {
		t.Fatalf("signup without invite = %d", r.Status)
	}
	// The organiser creates a stallholder invitation; it works once.
	if r := org.postForm("/account", "/admin/invitations", url.Values{"role": {"stallholder"}}); r.Status != 303 {
		t.Fatalf("invite = %d", r.Status)
	}
	m := regexp.MustCompile(`/signup\?invite=([A-Z2-7]+)`).FindStringSubmatch(org.get("/account").Body)
	if m == nil {
		t.Fatal("no invitation link on the account page")
	}
	if !strings.Contains(anon.get("/signup?invite="+m[1]).Body, m[1]) {
		t.Fatal("invitation link does not fill in the code")
	}
	r = anon.postForm("/signup", "/signup", url.Values{"name": {"bao"}, "password": {"plum blossom tea"}, "invite": {m[1]}})
	if r.Status != 303 {
		t.Fatalf("signup with invite = %d %s", r.Status, r.Body)
	}
	tok := newClient(t, n.URL).postJSON("/api/v1/sessions", `{"name":"bao","password":"plum blossom tea"}`).JSON(t)
	if acc := tok["account"].(map[string]any); acc["role"] != "stallholder" {
		t.Fatalf("invited role = %v", acc["role"])
	}
	again := newClient(t, n.URL)
	if r := again.postForm("/signup", "/signup", url.Values{"name": {"bao2"}, "password": {"plum blossom tea"}, "invite": {m[1]}}); r.Status != 409 {
		t.Fatalf("reused invitation = %d", r.Status)
	}
	if r := again.postForm("/signup", "/signup", url.Values{"name": {"bao3"}, "password": {"plum blossom tea"}, "invite": {"NOSUCHCODE"}}); r.Status != 404 {
		t.Fatalf("unknown invitation = %d", r.Status)
	}
	// Closed.
	org.postForm("/account", "/admin/signup", url.Values{"mode": {"closed"}})
	if r := again.postForm("/signup", "/signup", url.Values{"name": {"bao4"}, "password": {"plum blossom tea"}}); r.Status != 403 {
		t.Fatalf("closed signup = %d", r.Status)
	}
}

func TestLanguageChoice(t *testing.T) {
	n := startDemoNode(t)
	c := newClient(t, n.URL)
	c.lang = "en"
	// The footer's form carries no token for a visitor who has not signed
	// in (the page stays the same for everyone, and cacheable); another
	// site cannot post it all the same.
	mustContain(t, "home page", c.get("/").Body, `action="/lang"`)
	if strings.Contains(c.get("/").Body, `name="_csrf"`) {
		t.Errorf("the home page of a visitor who has not signed in carries a CSRF token")
	}
	for _, h := range [][]string{{"Sec-Fetch-Site", "cross-site"}, {"Origin", "https://elsewhere.example"}} {
		r := c.do("POST", "/lang", strings.NewReader("lang=zh-Hans&next=/login"), "Content-Type", "application/x-www-form-urlencoded", h[0], h[1])
		if r.Status != http.StatusForbidden {
			t.Errorf("lang posted with %s: %s = %d", h[0], h[1], r.Status)
		}
	}
	mustContain(t, "login after refused posts", c.get("/login").Body, `lang="en"`)
	// Choosing 中文 in the footer wins over Accept-Language.
	if r := c.postPlain("/lang", url.Values{"lang": {"zh-Hans"}, "next": {"/login"}}); r.Status != 303 || r.Header.Get("Location") != "/login" {
		t.Fatalf("lang = %d %s", r.Status, r.Header.Get("Location"))
	}
	mustContain(t, "login in chosen language", c.get("/login").Body, `lang="zh-Hans"`, "登录")
	// A signed-in account's setting wins over the cookie.
	c.postForm("/signup", "/signup", url.Values{"name": {"lan"}, "password": {"plum blossom tea"}})
	c.postForm("/account", "/account", url.Values{"display_name": {"Lan"}, "lang": {"en"}})
	mustContain(t, "account in English", c.get("/account").Body, `lang="en"`, "Your account")
	// Signed in, the footer's form needs its token.
	if r := c.postPlain("/lang", url.Values{"lang": {"zh-Hans"}}); r.Status != http.StatusForbidden {
		t.Errorf("signed-in lang without a token = %d", r.Status)
	}
	if r := c.postForm("/", "/lang", url.Values{"lang": {"zh-Hans"}, "next": {"/account"}}); r.Status != 303 {
		t.Errorf("signed-in lang = %d", r.Status)
	}
}
