package main

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// worldStroll returns the market links of the items of a page of the world
// stroll, as user ("" = a visitor).
func worldStroll(t *testing.T, f *fedNode, user, q string) []string {
	t.Helper()
	r := f.call("GET", "/api/v1/world/wander?"+q, user, "")
	if r.Status != 200 {
		t.Fatalf("world wander %s = %d %s", q, r.Status, r.Body)
	}
	var out []string
	for _, it := range r.JSON(t)["items"].([]any) {
		out = append(out, fmt.Sprint(it.(map[string]any)["market"].(map[string]any)["link"]))
	}
	return out
}

// Market links and the world stroll over the API and the pages, on two
// markets: only the organiser links (a resident 403, a visitor 401, bad
// input 4xx changing nothing); the linked market's days are listed and in
// /world.ics; a resident hides the market from their strolls and brings it
// back; "walk this market" and "this market only"; bad stroll parameters;
// unlinking and blocking from the organiser's page.
func TestWorldLinksAPIAndPages(t *testing.T) {
	// A's links are answered at once by B: A waits for the answer however
	// loaded the machine (a link still pending is asked again, not linked).
	a := newFedNodeWith(t, []string{"--federation-waits", linkedFedWaits}, "mei:organiser", "wang:stallholder", "ajie:resident")
	b := newFedNode(t, "mei:organiser", "li:stallholder")
	fillStall(t, a, "wang", "Old Wang's Bicycles", "Bell", "Pump", "Saddle", "Lamp")
	fillStall(t, b, "li", "Li's Teapots", "Blue teapot", "Clay cup", "Tea tray")
	if r := b.call("PUT", "/api/v1/market/schedule", "mei",
		`{"timezone":"Asia/Taipei","weekly":[{"weekday":"saturday","start":"08:00","end":"13:00"}]}`); r.Status != 200 {
		t.Fatalf("schedule = %d %s", r.Status, r.Body)
	}
	addr := `{"acct":"market@` + b.host() + `"}`
	if r := a.call("POST", "/api/v1/market/links", "ajie", addr); r.Status != 403 {
		t.Fatalf("a resident links = %d", r.Status)
	}
	if r := a.call("POST", "/api/v1/market/links", "", addr); r.Status != 401 {
		t.Fatalf("a visitor links = %d", r.Status)
	}
	if r := a.call("POST", "/api/v1/market/links", "mei", `{"acct":"market@`+b.host()+`", "x":`); r.Status != 400 {
		t.Fatalf("broken JSON = %d", r.Status)
	}
	if c := a.count(`SELECT count(*) FROM world_links`); c != 0 {
		t.Fatalf("refused links stored: %d", c)
	}
	// The organiser's form: a refused address is kept with the message.
	mei := webLogIn(t, a.n.URL, "mei")
	r := mei.postForm("/world", "/world/links", url.Values{"address": {"market@" + a.host()}})
	if r.Status != 422 {
		t.Fatalf("linking itself = %d", r.Status)
	}
	mustContain(t, "refused link form", r.Body, `value="market@`+a.host()+`"`, `role="alert"`)
	r = mei.postForm("/world", "/world/links", url.Values{"address": {"market@" + b.host()}})
	if r.Status != 303 {
		t.Fatalf("link from the page = %d %s", r.Status, r.Body)
	}
	// Again through the API: it exists (200).
	r = a.call("POST", "/api/v1/market/links", "mei", addr)
	if r.Status != 200 || r.JSON(t)["state"] != "linked" {
		t.Fatalf("link again = %d %s", r.Status, r.Body)
	}
	link := int(r.JSON(t)["id"].(float64))
	waitForIn(t, 30*time.Second, "B's items and days on A", func() bool {
		l := a.call("GET", fmt.Sprintf("/api/v1/market/links/%d", link), "", "").JSON(t)
		return l["items"] == 3.0 && l["next_day"] != nil && l["syncing"] == false
	})
	l := a.call("GET", "/api/v1/market/links", "", "").JSON(t)["links"].([]any)[0].(map[string]any)
	day := l["next_day"].(map[string]any)
	if day["timezone"] != l["timezone"] || day["start"] == "" || l["walk"] == "" {
		t.Fatalf("link = %v", l)
	}
	// B's organiser sees that A links with B and links back from the page.
	bmei := webLogIn(t, b.n.URL, "mei")
	waitForIn(t, 30*time.Second, "A among the markets following B", func() bool {
		return strings.Contains(bmei.get("/world").Body, "Link back")
	})
	mustContain(t, "B's world page", bmei.get("/world").Body, "@market@"+a.host())
	if r := bmei.postForm("/world", "/world/links", url.Values{"address": {a.n.URL + "/market"}}); r.Status != 303 {
		t.Fatalf("link back = %d %s", r.Status, r.Body)
	}
	if bl := b.call("GET", "/api/v1/market/links", "", "").JSON(t)["links"].([]any); len(bl) != 1 ||
		bl[0].(map[string]any)["links_back"] != true || bl[0].(map[string]any)["last_error"] != nil {
		t.Fatalf("B's links = %v", bl)
	}
	for _, bad := range []string{"limit=10abc", "limit=0", "limit=501"} {
		if r := a.call("GET", "/api/v1/world/days?"+bad, "", ""); r.Status != 422 {
			t.Fatalf("world days %s = %d", bad, r.Status)
		}
	}
	days := a.call("GET", "/api/v1/world/days", "", "").JSON(t)["days"].([]any)
	if len(days) == 0 || days[0].(map[string]any)["market"].(map[string]any)["acct"] != "market@"+b.host() {
		t.Fatalf("world days = %v", days)
	}
	ics := a.c.get("/world.ics")
	if ics.Status != 200 || !strings.HasPrefix(ics.Header.Get("Content-Type"), "text/calendar") {
		t.Fatalf("world.ics = %d %s", ics.Status, ics.Header.Get("Content-Type"))
	}
	mustContain(t, "world.ics", ics.Body, "BEGIN:VEVENT", "DTSTART:", b.n.URL+"/days/", "08:00–13:00")
	mustContain(t, "home page", a.c.get("/").Body, "The world market", "market@"+b.host(), fmt.Sprintf("/world/wander?market=%d", link))

	// The world stroll: both markets; a resident hides B and sees A only,
	// then brings it back; visitors always see both.
	both := func(ms []string) bool {
		return strings.Contains(strings.Join(ms, ","), "0") && strings.Contains(strings.Join(ms, ","), fmt.Sprint(link))
	}
	if ms := worldStroll(t, a, "ajie", "seed=1"); !both(ms) {
		t.Fatalf("world stroll = %v", ms)
	}
	if r := a.call("PUT", fmt.Sprintf("/api/v1/world/hidden/%d", link), "ajie", ""); r.Status != 204 {
		t.Fatalf("hide = %d %s", r.Status, r.Body)
	}
	if r := a.call("PUT", "/api/v1/world/hidden/999", "ajie", ""); r.Status != 404 {
		t.Fatalf("hide an unknown market = %d", r.Status)
	}
	if r := a.call("PUT", fmt.Sprintf("/api/v1/world/hidden/%d", link), "", ""); r.Status != 401 {
		t.Fatalf("a visitor hides = %d", r.Status)
	}
	for _, m := range worldStroll(t, a, "ajie", "seed=1") {
		if m != "0" {
			t.Fatalf("a hidden market's item in the stroll: %v", m)
		}
	}
	if ms := worldStroll(t, a, "", "seed=1"); !both(ms) {
		t.Fatalf("a visitor's world stroll = %v", ms)
	}
	// Walking the hidden market itself still works.
	for _, m := range worldStroll(t, a, "ajie", fmt.Sprintf("seed=1&market=%d", link)) {
		if m != fmt.Sprint(link) {
			t.Fatalf("B's own stroll shows %v", m)
		}
	}
	ajie := webLogIn(t, a.n.URL, "ajie")
	mustContain(t, "world stroll page with a hidden market", ajie.get("/world/wander?seed=1").Body, "1 linked market(s) left out")
	if r := ajie.postForm("/world", fmt.Sprintf("/world/markets/%d/show", link), url.Values{}); r.Status != 303 {
		t.Fatalf("show = %d", r.Status)
	}
	if ms := worldStroll(t, a, "ajie", "seed=1"); !both(ms) {
		t.Fatalf("after showing again = %v", ms)
	}
	for _, m := range worldStroll(t, a, "", "seed=3&market=here") {
		if m != "0" {
			t.Fatalf("this market only shows %v", m)
		}
	}
	for _, q := range []string{"market=abc", "market=-2", "seed=x", "page=-1"} {
		if r := a.call("GET", "/api/v1/world/wander?"+q, "", ""); r.Status != 422 {
			t.Fatalf("world wander %s = %d", q, r.Status)
		}
	}
	if r := a.call("GET", "/api/v1/world/wander?market=999", "", ""); r.Status != 404 {
		t.Fatalf("unknown market = %d", r.Status)
	}
	page := a.c.get("/world/wander?seed=1")
	mustContain(t, "world stroll page", page.Body, "Stroll the world", "Walk this market", "Blue teapot", `class="item-card world-card elsewhere"`)

	// Residents cannot unlink or block; the organiser blocks B's server from
	// the page: the link and its catalogue go, B is blocked.
	if r := a.call("DELETE", fmt.Sprintf("/api/v1/market/links/%d", link), "ajie", ""); r.Status != 403 {
		t.Fatalf("a resident unlinks = %d", r.Status)
	}
	r = mei.postForm("/world", fmt.Sprintf("/world/links/%d/block", link), url.Values{"reason": {"spam"}})
	if r.Status != 303 {
		t.Fatalf("block = %d %s", r.Status, r.Body)
	}
	if c := a.count(`SELECT count(*) FROM world_links`) + a.count(`SELECT count(*) FROM world_items`); c != 0 {
		t.Fatalf("after blocking: %d rows left", c)
	}
	blocks := a.call("GET", "/api/v1/admin/blocks", "mei", "").JSON(t)["blocks"].([]any)
	if len(blocks) != 1 || blocks[0].(map[string]any)["target"] != b.host() || blocks[0].(map[string]any)["reason"] != "spam" {
		t.Fatalf("blocks = %v", blocks)
	}
	if r := a.call("POST", "/api/v1/market/links", "mei", addr); r.Status != 403 {
		t.Fatalf("linking a blocked market = %d", r.Status)
	}
	for _, m := range worldStroll(t, a, "", "seed=1") {
		if m != "0" {
			t.Fatalf("a blocked market's item: %v", m)
		}
	}
}

// Bad world flags stop serve before the database is opened, naming the flag.
func TestWorldFlagsBadValues(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--world-photos", "lots"}, nil, "--world-photos"},
		{[]string{"--world-photos", "10KB"}, nil, "at least 1MB"},
		{[]string{"--world-items", "0"}, nil, "--world-items"},
		{[]string{"--world-pages", "-3"}, nil, "--world-pages"},
		{[]string{"--world-ttl", "1m"}, nil, "--world-ttl"},
		{[]string{"--world-refresh", "1s"}, nil, "--world-refresh"},
		{nil, map[string]string{"SHIJI_WORLD_ITEMS": "many"}, "SHIJI_WORLD_ITEMS"},
		{nil, map[string]string{"SHIJI_WORLD_TTL": "soon"}, "SHIJI_WORLD_TTL"},
		{[]string{"--trust-ca", "/nonexistent/ca.pem"}, nil, "--trust-ca"},
	} {
		data := t.TempDir()
		var out, errOut syncBuffer
		args := append([]string{"shiji", "serve", "--addr", "127.0.0.1:0", "--data", data}, tc.args...)
		err := runWith(t.Context(), args, env{getenv: func(k string) string { return tc.env[k] }, stdin: strings.NewReader(""), stdout: &out, stderr: &errOut})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("serve %v %v: %v, want an error naming %q", tc.args, tc.env, err, tc.want)
		}
		if strings.Contains(out.String(), "listening") {
			t.Errorf("serve %v listened", tc.args)
		}
	}
	garbage := filepath.Join(t.TempDir(), "ca.pem")
	writeFile(t, garbage, "not a certificate\n")
	if _, _, err := runCmd(t, "", "serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--trust-ca", garbage); err == nil ||
		!strings.Contains(err.Error(), "no PEM certificate") {
		t.Errorf("a CA file without certificates: %v", err)
	}
	out, errOut, _ := runCmd(t, "", "serve", "--help")
	if help := out + errOut; !strings.Contains(help, "-world-items") || !strings.Contains(help, "SHIJI_TRUST_CA") {
		t.Errorf("serve --help does not explain the world flags:\n%s", help)
	}
}
