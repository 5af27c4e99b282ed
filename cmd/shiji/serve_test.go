package main

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shiji-market/shiji/internal/freshdb"
)

// serve --demo on an empty data directory loads the demo market (the
// package's copy of it: demoTemplateDir, started as here) and serves it.
func TestDemoHomeInChineseAndEnglish(t *testing.T) {
	loaded := demoTemplateStdout(t)
	n := startDemoNode(t)
	c := newClient(t, n.URL)
	c.lang = "zh-CN,zh;q=0.9,en;q=0.5"
	r := c.get("/")
	if r.Status != 200 {
		t.Fatalf("GET / = %d", r.Status)
	}
	mustContain(t, "zh home", r.Body, `lang="zh-Hans"`, "梧桐里周末市集", "欢迎来逛市集", "上海")
	c.lang = "en-GB,en;q=0.8"
	r = c.get("/")
	mustContain(t, "en home", r.Body, `lang="en"`, "Wutong Lane Weekend Market", "Welcome to the market")
	if strings.Contains(r.Body, "欢迎来逛市集") {
		t.Fatal("English page shows Chinese UI text")
	}
	mustContain(t, "stdout", loaded, "loaded the demo market")
	// serve --demo prints the demo's logins (TestDemoLogins tries them).
	mustContain(t, "serve --demo's output", loaded, "or as the resident: xiaolin with password wutong-resident-demo",
		"or as the stallholder of ")
	if r := c.get("/healthz"); r.Status != 200 {
		t.Fatalf("/healthz = %d", r.Status)
	}
	// Security headers on every page.
	for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "X-Request-Id"} {
		if r.Header.Get(h) == "" {
			t.Errorf("missing header %s", h)
		}
	}
}

func TestDemoLoadsOnlyIntoAnEmptyDatabase(t *testing.T) {
	// A copy of a data directory serve --demo loaded and stopped.
	dir := t.TempDir()
	copyTree(t, demoTemplateDir(t), dir)
	n := startNode(t, dir, "--demo")
	mustContain(t, "stdout", n.Stdout.String(), "not loading the demo again")
}

func TestAPIMarket(t *testing.T) {
	n := startDemoNode(t)
	c := newClient(t, n.URL)
	m := c.get("/api/v1/market").JSON(t)
	if m["name"] != "Wutong Lane Weekend Market" || m["timezone"] != "Asia/Shanghai" || m["city"] == "" || m["description"] == "" {
		t.Fatalf("market = %v", m)
	}
	if langs, _ := m["languages"].([]any); len(langs) != 2 {
		t.Fatalf("languages = %v", m["languages"])
	}
	c.lang = "zh-CN"
	if m := c.get("/api/v1/market").JSON(t); m["name"] != "梧桐里周末市集" {
		t.Fatalf("zh market name = %v", m["name"])
	}
}

func TestUserAddThenAPISessionAndBearer(t *testing.T) {
	dir := t.TempDir()
	out, errOut, err := runCmd(t, "a long secret phrase\n", "user", "add", "mei", "--role", "organiser", "--data", dir)
	if err != nil {
		t.Fatalf("user add: %v %s", err, errOut)
	}
	mustContain(t, "user add output", out, "created organiser @mei")
	n := startNode(t, dir)
	c := newClient(t, n.URL)

	r := c.postJSON("/api/v1/sessions", `{"name":"mei","password":"a long secret phrase"}`)
	if r.Status != http.StatusCreated {
		t.Fatalf("POST /api/v1/sessions = %d %s", r.Status, r.Body)
	}
	body := r.JSON(t)
	tok, _ := body["token"].(string)
	acc, _ := body["account"].(map[string]any)
	if tok == "" || acc["name"] != "mei" || acc["role"] != "organiser" {
		t.Fatalf("session = %v", body)
	}
	me := c.get("/api/v1/account", "Authorization", "Bearer "+tok)
	if me.Status != 200 || me.JSON(t)["name"] != "mei" {
		t.Fatalf("GET /api/v1/account = %d %s", me.Status, me.Body)
	}
	// A wrong password, an unknown name, a wrong token: 401 with a JSON error.
	for _, b := range []string{`{"name":"mei","password":"not the password"}`, `{"name":"nobody","password":"a long secret phrase"}`} {
		r := c.postJSON("/api/v1/sessions", b)
		if r.Status != http.StatusUnauthorized || r.JSON(t)["error"] == "" {
			t.Fatalf("bad credentials %s = %d %s", b, r.Status, r.Body)
		}
	}
	if r := c.get("/api/v1/account", "Authorization", "Bearer nope"); r.Status != 401 || r.JSON(t)["error"] == "" {
		t.Fatalf("bad token = %d %s", r.Status, r.Body)
	}
	if r := c.get("/api/v1/account"); r.Status != 401 {
		t.Fatalf("no token = %d %s", r.Status, r.Body)
	}
	// Logging the token out ends it.
	if r := c.do("DELETE", "/api/v1/sessions/current", nil, "Authorization", "Bearer "+tok); r.Status != 204 {
		t.Fatalf("DELETE session = %d %s", r.Status, r.Body)
	}
	if r := c.get("/api/v1/account", "Authorization", "Bearer "+tok); r.Status != 401 {
		t.Fatalf("ended token still works: %d", r.Status)
	}
}

func TestUserAddRefusesBadInput(t *testing.T) {
	dir := freshdb.Dir(t)
	if _, e, err := runCmd(t, "a long secret phrase\n", "user", "add", "lin", "--role", "resident", "--data", dir); err != nil {
		t.Fatalf("first add: %v %s", err, e)
	}
	tests := []struct {
		name, stdin string
		args        []string
		want        string
	}{
		{"duplicate", "another long secret\n", []string{"user", "add", "lin", "--role", "resident"}, "already taken"},
		{"duplicate other case", "another long secret\n", []string{"user", "add", "LIN", "--role", "resident"}, ""},
		{"empty password", "\n", []string{"user", "add", "wu", "--role", "resident"}, "empty"},
		{"no stdin", "", []string{"user", "add", "wu", "--role", "resident"}, "no password"},
		{"short password", "short\n", []string{"user", "add", "wu", "--role", "resident"}, "too short"},
		{"common password", "1234567890\n", []string{"user", "add", "wu", "--role", "resident"}, "too weak"},
		{"password is the name", "wuwuwu-password\n", []string{"user", "add", "wuwuwu", "--role", "resident"}, "account name"},
		{"unknown role", "a long secret phrase\n", []string{"user", "add", "wu", "--role", "king"}, "Unknown role"},
		{"missing role", "a long secret phrase\n", []string{"user", "add", "wu"}, "--role is required"},
		{"bad name", "a long secret phrase\n", []string{"user", "add", "Wu Wei!", "--role", "resident"}, "lowercase"},
		{"unknown flag", "a long secret phrase\n", []string{"user", "add", "wu", "--role", "resident", "--colour", "red"}, "flag provided but not defined"},
		{"no name", "a long secret phrase\n", []string{"user", "add", "--role", "resident"}, "exactly one NAME"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, err := runCmd(t, tt.stdin, append(tt.args, "--data", dir)...)
			if err == nil {
				t.Fatalf("succeeded: %s", out)
			}
			if msg := err.Error() + errOut; !strings.Contains(msg, tt.want) {
				t.Fatalf("error %q does not say %q", msg, tt.want)
			}
		})
	}
	// Nothing was created: wu cannot log in, lin still can.
	n := startNode(t, dir)
	c := newClient(t, n.URL)
	if r := c.postJSON("/api/v1/sessions", `{"name":"wu","password":"a long secret phrase"}`); r.Status != 401 {
		t.Fatalf("refused account exists: %d", r.Status)
	}
	if r := c.postJSON("/api/v1/sessions", `{"name":"lin","password":"a long secret phrase"}`); r.Status != 201 {
		t.Fatalf("first account lost: %d %s", r.Status, r.Body)
	}
}

func TestCommandLine(t *testing.T) {
	out, _, err := runCmd(t, "", "version")
	if err != nil || !strings.HasPrefix(out, "shiji ") {
		t.Fatalf("version = %q %v", out, err)
	}
	for _, args := range [][]string{{"--help"}, {"serve", "--help"}, {"user", "add", "--help"}, {"user", "--help"}} {
		out, _, err := runCmd(t, "", args...)
		if err != nil || !strings.Contains(out, "Usage") {
			t.Errorf("%v: %q %v", args, out, err)
		}
	}
	out, _, _ = runCmd(t, "", "serve", "--help")
	mustContain(t, "serve --help", out, "SHIJI_ADDR", "SHIJI_DATA", "SHIJI_BASE_URL", "--demo")
	for _, args := range [][]string{{}, {"fly"}, {"serve", "--port", "1"}, {"serve", "extra"}, {"user", "remove", "x"}} {
		_, errOut, err := runCmd(t, "", args...)
		if err == nil {
			t.Errorf("%v succeeded", args)
		}
		if !strings.Contains(errOut, "Usage") {
			t.Errorf("%v: no usage on stderr: %q", args, errOut)
		}
	}
}

func TestServeNamesADatabaseItCannotOpen(t *testing.T) {
	dir := t.TempDir()
	// The data directory is a file.
	file := filepath.Join(dir, "not-a-dir")
	writeFile(t, file, "x")
	_, _, err := runCmd(t, "", "serve", "--addr", "127.0.0.1:0", "--data", file)
	if err == nil || !strings.Contains(err.Error(), file) {
		t.Fatalf("err = %v, want it to name %s", err, file)
	}
	// The database path is a directory.
	d2 := filepath.Join(dir, "d2")
	if err := os.MkdirAll(filepath.Join(d2, "shiji.db"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, _, err = runCmd(t, "", "serve", "--addr", "127.0.0.1:0", "--data", d2)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(d2, "shiji.db")) {
		t.Fatalf("err = %v, want it to name the database path", err)
	}
}

func TestEnvironmentConfiguresServe(t *testing.T) {
	dir := t.TempDir()
	envs := map[string]string{"SHIJI_ADDR": "127.0.0.1:0", "SHIJI_DATA": dir, "SHIJI_BASE_URL": "https://market.example"}
	stdout := &syncBuffer{}
	ctx, cancel := contextWithCancel()
	done := make(chan error, 1)
	go func() {
		done <- runWith(ctx, []string{"shiji", "serve"}, env{getenv: func(k string) string { return envs[k] }, stdout: stdout, stderr: &syncBuffer{}})
	}()
	waitFor(t, func() bool { return strings.Contains(stdout.String(), "listening") })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	mustContain(t, "stdout", stdout.String(), "public URL https://market.example", "data "+dir, "stopped")
	if _, err := os.Stat(filepath.Join(dir, "shiji.db")); err != nil {
		t.Fatalf("SHIJI_DATA not used: %v", err)
	}
}

func TestThemeOverridesFromTheDataDirectory(t *testing.T) {
	dir := freshdb.Dir(t)
	writeFile(t, filepath.Join(dir, "themes", "default", "static", "shiji.css"), "body{background:#123456}")
	n := startNode(t, dir)
	c := newClient(t, n.URL)
	home := c.get("/").Body
	i := strings.Index(home, "/static/shiji.css")
	href := home[i : i+strings.Index(home[i:], `"`)]
	if r := c.get(href); r.Status != 200 || r.Body != "body{background:#123456}" {
		t.Fatalf("override not served: %d %q", r.Status, r.Body)
	}
	if r := c.get(href); !strings.Contains(r.Header.Get("Cache-Control"), "immutable") {
		t.Fatalf("hashed static not cached long: %q", r.Header.Get("Cache-Control"))
	}
	n.Stop(t)

	// A broken template stops start-up with a message naming the file.
	writeFile(t, filepath.Join(dir, "themes", "default", "templates", "home.html"), `{{define "content"}}{{.Nope`)
	_, _, err := runCmd(t, "", "serve", "--addr", "127.0.0.1:0", "--data", dir)
	if err == nil || !strings.Contains(err.Error(), "home.html") {
		t.Fatalf("broken template: err = %v", err)
	}
}

func TestSignUpLogInLogOut(t *testing.T) {
	n := startDemoNode(t)
	c := newClient(t, n.URL)
	r := c.postForm("/signup", "/signup", url.Values{"name": {"xiaoming"}, "display_name": {"小明"}, "password": {"plum blossom tea"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("signup = %d %s", r.Status, r.Body)
	}
	mustContain(t, "home after signup", c.get("/").Body, "Good to see you, 小明")
	if r := c.get("/account"); r.Status != 200 || !strings.Contains(r.Body, "@xiaoming") {
		t.Fatalf("/account = %d", r.Status)
	}
	// Log out, then the account page asks to log in.
	if r := c.postForm("/", "/logout", url.Values{}); r.Status != http.StatusSeeOther {
		t.Fatalf("logout = %d", r.Status)
	}
	if r := c.get("/account"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
		t.Fatalf("/account after logout = %d %s", r.Status, r.Header.Get("Location"))
	}
	// Wrong password: the login form again with a clear message and 401.
	r = c.postForm("/login", "/login", url.Values{"name": {"xiaoming"}, "password": {"wrong password!"}})
	if r.Status != http.StatusUnauthorized {
		t.Fatalf("wrong password = %d", r.Status)
	}
	mustContain(t, "login error", r.Body, "Wrong name or password")
	r = c.postForm("/login", "/login", url.Values{"name": {"xiaoming"}, "password": {"plum blossom tea"}, "next": {"/account"}})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/account" {
		t.Fatalf("login = %d %s", r.Status, r.Header.Get("Location"))
	}
	// An open redirect through next is refused.
	c2 := newClient(t, n.URL)
	r = c2.postForm("/login", "/login", url.Values{"name": {"xiaoming"}, "password": {"plum blossom tea"}, "next": {"//evil.example/"}})
	if r.Header.Get("Location") != "/" {
		t.Fatalf("open redirect: %s", r.Header.Get("Location"))
	}
	// Session cookie flags.
	for _, ck := range r.Header.Values("Set-Cookie") {
		if strings.HasPrefix(ck, "shiji_session=") && (!strings.Contains(ck, "HttpOnly") || !strings.Contains(ck, "SameSite=Lax")) {
			t.Fatalf("session cookie flags: %s", ck)
		}
	}
	// Signing up twice with one name: 409 and the form keeps what was typed.
	c3 := newClient(t, n.URL)
	r = c3.postForm("/signup", "/signup", url.Values{"name": {"xiaoming"}, "display_name": {"另一个小明"}, "password": {"plum blossom tea"}})
	if r.Status != http.StatusConflict {
		t.Fatalf("duplicate signup = %d", r.Status)
	}
	mustContain(t, "duplicate signup form", r.Body, "already taken", "另一个小明")
}
