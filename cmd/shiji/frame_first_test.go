package main

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// Plain readers (nothing of their own on a page but their names and token)
// are answered from one kept frame before the page's handler runs: each gets
// their own names and token, gzipped or not as they ask; a write shows on
// the next read; a reader who follows the stall, blocked someone or has a
// stroll of their own (no seed in the address) is not given the plain
// readers' page, and theirs is not given to the others. The stroll API is
// everyone's alike.
func TestPlainReadersShareFramesBeforeTheHandler(t *testing.T) {
	m := newMarket(t)
	id := m.itemQ(t, "Copper kettle", 2)
	itemPath, stallPath := fmt.Sprintf("/items/%d", id), fmt.Sprintf("/stalls/%d", int(m.stall))
	signup := func(name string) *client {
		c := newClient(t, m.n.URL)
		if r := c.postForm("/signup", "/signup", url.Values{"name": {name}, "password": {"a long secret phrase"}}); r.Status != 303 {
			t.Fatalf("sign-up %s = %d %.300s", name, r.Status, r.Body)
		}
		return c
	}
	pei, qiu := signup("pei"), signup("qiu")
	token := regexp.MustCompile(`name="_csrf" value="([^"]+)"`)
	read := func(step string, who *client, name, path string, header ...string) response {
		t.Helper()
		r := who.get(path, header...)
		if r.Status != 200 {
			t.Fatalf("%s: %s GET %s = %d", step, name, path, r.Status)
		}
		if !strings.Contains(r.Body, `content="`+name+`"`) {
			t.Fatalf("%s: %s's GET %s does not name them:\n%.3000s", step, name, path, r.Body)
		}
		want := who.csrf("/account")
		for _, tk := range token.FindAllStringSubmatch(r.Body, -1) {
			if tk[1] != want {
				t.Fatalf("%s: %s's GET %s holds the token %q, not theirs (%q)", step, name, path, tk[1], want)
			}
		}
		return r
	}
	paths := []string{itemPath, stallPath, "/", "/search?q=kettle", "/wander?seed=3"}
	for _, p := range paths {
		read("first", pei, "pei", p)
		r := read("shared", qiu, "qiu", p)
		if r.Header.Get("X-Shiji-Cache") != "hit" {
			t.Fatalf("qiu's GET %s after pei's was not answered from the kept frame (X-Shiji-Cache %q)", p, r.Header.Get("X-Shiji-Cache"))
		}
		// A client that does not take gzip gets the page unpacked.
		r = read("identity", qiu, "qiu", p, "Accept-Encoding", "identity")
		if r.Header.Get("Content-Encoding") != "" || !strings.Contains(r.Body, "</html>") {
			t.Fatalf("GET %s without gzip: Content-Encoding %q, body %.300s", p, r.Header.Get("Content-Encoding"), r.Body)
		}
	}
	// What a frame shows is what the reader may do here: the form to
	// reserve and to ask, not the stall's tools.
	r := read("forms", qiu, "qiu", itemPath)
	mustContain(t, "qiu's item page", r.Body, "Copper kettle", "Ask privately", `action="/items/`+fmt.Sprint(id)+`/thread"`)
	if strings.Contains(r.Body, "Edit the item") {
		t.Fatal("a plain reader's item page shows the stall's tools")
	}

	// A question, a price change: on both readers' next read.
	askAndReprice(t, m, id)
	for _, who := range []struct {
		c    *client
		name string
	}{{pei, "pei"}, {qiu, "qiu"}, {pei, "pei"}} {
		mustContain(t, who.name+"'s item page after the question", read("question", who.c, who.name, itemPath).Body,
			"Does it whistle?", "¥42.00")
	}

	// qiu follows the stall: qiu's page says so, pei's (still the plain
	// readers' frame) does not.
	if r := qiu.postForm(stallPath, stallPath+"/follow", url.Values{}); r.Status != 303 {
		t.Fatalf("follow = %d %.300s", r.Status, r.Body)
	}
	for i := 0; i < 2; i++ {
		mustContain(t, "qiu's stall page", read("follow", qiu, "qiu", stallPath).Body, "Following (stop)")
		if b := read("follow", pei, "pei", stallPath).Body; !strings.Contains(b, "Follow this stall") || strings.Contains(b, "Following (stop)") {
			t.Fatalf("pei's stall page after qiu followed it:\n%.3000s", b)
		}
	}

	// pei blocks li: li's question leaves pei's item page, and only pei's.
	if r := pei.postForm("/account", "/blocks", url.Values{"name": {"li"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("block = %d %.300s", r.Status, r.Body)
	}
	for i := 0; i < 2; i++ {
		if b := read("block", pei, "pei", itemPath).Body; strings.Contains(b, "Does it whistle?") {
			t.Fatal("pei's item page shows the question of someone pei blocked")
		}
		mustContain(t, "qiu's item page after pei blocked li", read("block", qiu, "qiu", itemPath).Body, "Does it whistle?")
	}

	// A stroll without a seed in its address is each reader's own.
	seedOf := regexp.MustCompile(`data-seed="(\d+)"`)
	seeds := map[string]bool{}
	for _, who := range []struct {
		c    *client
		name string
	}{{qiu, "qiu"}, {pei, "pei"}, {qiu, "qiu"}, {pei, "pei"}} {
		b := read("own stroll", who.c, who.name, "/wander").Body
		s := seedOf.FindStringSubmatch(b)
		if s == nil {
			t.Fatalf("%s's stroll has no seed:\n%.2000s", who.name, b)
		}
		u, _ := url.Parse(m.n.URL)
		var mine string
		for _, ck := range who.c.hc.Jar.Cookies(u) {
			if ck.Name == "shiji_seed" {
				mine = ck.Value
			}
		}
		if s[1] != mine {
			t.Fatalf("%s's stroll has the seed %s, their cookie %q", who.name, s[1], mine)
		}
		seeds[s[1]] = true
	}
	if len(seeds) != 2 {
		t.Fatalf("two readers' own strolls had the seeds %v", seeds)
	}

	// The stroll API is the same for everyone: a signed-in reader gets the
	// page kept for visitors.
	anon := newClient(t, m.n.URL)
	want := anon.get("/api/v1/wander?seed=5")
	for i, who := range []*client{qiu, pei} {
		r := who.get("/api/v1/wander?seed=5")
		if r.Status != 200 || r.Body != want.Body || r.Header.Get("X-Shiji-Cache") != "hit" {
			t.Fatalf("signed-in GET of the stroll API (%d) = %d, cache %q, body %.300s, want %.300s", i, r.Status,
				r.Header.Get("X-Shiji-Cache"), r.Body, want.Body)
		}
	}
}

// A reader's session is kept in memory between writes (data.SessionVisitor),
// and never outlives its end: after a logout, or a new password chosen on
// another device, the old cookie reads the item page as a visitor's, at
// once, though the page was answered from a kept frame just before.
func TestKeptSessionEndsWithLogoutAndNewPassword(t *testing.T) {
	m := newMarket(t)
	itemPath := fmt.Sprintf("/items/%d", m.itemQ(t, "Enamel mug", 1))
	if r := newClient(t, m.n.URL).postForm("/signup", "/signup", url.Values{"name": {"pei"}, "password": {"a long secret phrase"}}); r.Status != 303 {
		t.Fatalf("sign-up = %d %.300s", r.Status, r.Body)
	}
	login := func() *client {
		c := newClient(t, m.n.URL)
		if r := c.postForm("/login", "/login", url.Values{"name": {"pei"}, "password": {"a long secret phrase"}}); r.Status != 303 {
			t.Fatalf("login = %d %.300s", r.Status, r.Body)
		}
		return c
	}
	cookie := func(c *client) string {
		u, _ := url.Parse(m.n.URL)
		for _, ck := range c.hc.Jar.Cookies(u) {
			if ck.Name == "shiji_session" {
				return ck.Value
			}
		}
		t.Fatal("no session cookie")
		return ""
	}
	// as reads the item page with a session cookie of its own and says
	// whether it was pei's page.
	as := func(token string) bool {
		t.Helper()
		r := newClient(t, m.n.URL).get(itemPath, "Cookie", "shiji_session="+token)
		if r.Status != 200 {
			t.Fatalf("GET %s = %d", itemPath, r.Status)
		}
		return strings.Contains(r.Body, `content="pei"`)
	}
	laptop, phone := login(), login()
	old := cookie(laptop)
	for i := 0; i < 3; i++ {
		if !as(old) {
			t.Fatalf("read %d: the item page does not name its reader", i)
		}
	}
	if r := laptop.postForm(itemPath, "/logout", url.Values{}); r.Status != 303 {
		t.Fatalf("logout = %d %.300s", r.Status, r.Body)
	}
	if as(old) {
		t.Fatal("after the logout, the old cookie still reads as pei")
	}
	if !as(cookie(phone)) {
		t.Fatal("the logout on the laptop ended the phone's session")
	}

	tablet := login()
	held := cookie(tablet)
	for i := 0; i < 2; i++ {
		if !as(held) {
			t.Fatal("the tablet's session does not read as pei")
		}
	}
	if r := phone.postForm("/account", "/account/password", url.Values{"current": {"a long secret phrase"}, "new": {"another long secret phrase"}}); r.Status != 303 && r.Status != 200 {
		t.Fatalf("new password = %d %.300s", r.Status, r.Body)
	}
	if as(held) {
		t.Fatal("after a new password on the phone, the tablet's old cookie still reads as pei")
	}
	if !as(cookie(phone)) {
		t.Fatal("the phone's own session ended with its new password")
	}
}
