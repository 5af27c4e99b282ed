package main

import (
	"context"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/data/demo"
	"github.com/shiji-market/shiji/internal/freshdb"
)

// marketState reads what setup changes, for comparing runs.
func marketState(t *testing.T, dir string) (tz, currency, signup string, alleys []string, weekly, dates int) {
	t.Helper()
	db, err := data.Open(context.Background(), filepath.Join(dir, "shiji.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	m, err := db.Market(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	as, _ := db.Alleys(context.Background())
	for _, a := range as {
		alleys = append(alleys, a.Slug+"="+a.Name["en"])
	}
	s, _ := db.Schedule(context.Background())
	return m.Timezone, m.Currency, string(m.Signup), alleys, len(s.Weekly), len(s.Dates)
}

func TestSetupCommandIsIdempotent(t *testing.T) {
	dir := t.TempDir()
	args := []string{"setup", "--data", dir, "--name", "zh-Hans=梧桐里市集", "--name", "en=Wutong Lane Market",
		"--city", "en=Shanghai", "--timezone", "Asia/Shanghai", "--currency", "cny", "--alleys", "flowers,books,bikes=Bicycles",
		"--days", "sat 08:00-13:00,fri 18:00-23:00 Night market", "--date", "2030-12-24 18:00-22:00 Christmas", "--signup", "invite"}
	// Without an organiser, changes need one.
	if _, _, err := runCmd(t, "", args...); err == nil || !strings.Contains(err.Error(), "--organiser") {
		t.Fatalf("setup without an organiser: %v", err)
	}
	out, _, err := runCmd(t, "plum blossom tea\n", append(args, "--organiser", "mei")...)
	if err != nil || !strings.Contains(out, "created the organiser mei") || !strings.Contains(out, "the market is set up") {
		t.Fatalf("setup: %v\n%s", err, out)
	}
	tz, cur, signup, alleys, weekly, dates := marketState(t, dir)
	want := "Asia/Shanghai CNY invite [flowers=Flowers books=Books bikes=Bicycles] 2 1"
	if got := strings.Join([]string{tz, cur, signup, strings.Join([]string{"[" + strings.Join(alleys, " ") + "]"}, "")}, " ") +
		" " + itoa(weekly) + " " + itoa(dates); got != want {
		t.Fatalf("after setup: %s, want %s", got, want)
	}
	// The same again changes nothing (and adds no alley twice).
	out, _, err = runCmd(t, "", args...)
	if err != nil || strings.Contains(out, "added the alley") {
		t.Fatalf("setup again: %v\n%s", err, out)
	}
	tz2, cur2, signup2, alleys2, weekly2, dates2 := marketState(t, dir)
	if tz2 != tz || cur2 != cur || signup2 != signup || len(alleys2) != len(alleys) || weekly2 != weekly || dates2 != dates {
		t.Fatalf("setup again changed the market: %v %v %v %v %v %v", tz2, cur2, signup2, alleys2, weekly2, dates2)
	}
	// Bad input is refused and changes nothing.
	for _, bad := range [][]string{{"--timezone", "Mars/Base"}, {"--currency", "XYZ"}, {"--days", "someday 8-9"},
		{"--alleys", "nosuchsuggestion"}, {"--signup", "sometimes"}, {"--days", "sat 13:00-13:00"}} {
		if _, _, err := runCmd(t, "", append([]string{"setup", "--data", dir, "--name", "en=Changed"}, bad...)...); err == nil {
			t.Errorf("setup %v was taken", bad)
		}
	}
	if tz3, cur3, _, alleys3, weekly3, _ := marketState(t, dir); tz3 != tz || cur3 != cur || len(alleys3) != 3 || weekly3 != 2 {
		t.Fatalf("refused setups changed the market")
	}
	// Without flags it says how far setup is.
	if out, _, err := runCmd(t, "", "setup", "--data", t.TempDir()); err != nil || !strings.Contains(out, "opens soon") {
		t.Fatalf("status of an empty market: %v\n%s", err, out)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestWebSetupRefusesBadInputAndKeepsWhatWasTyped: the setup form on an
// empty node, through the setup token: a bad time zone changes nothing and
// the form comes back with what was typed; then the market is set up, a
// stallholder opens a stall in a market without alleys (the default alley),
// and the organiser renames it.
func TestWebSetupRefusesBadInputAndKeepsWhatWasTyped(t *testing.T) {
	n := startNode(t, "")
	_, token := n.setupLink(t)
	page := "/setup?token=" + token
	c := newClient(t, n.URL)
	form := url.Values{"token": {token}, "owner_name": {"mei"}, "owner_password": {"plum blossom tea"},
		"main_lang": {"zh-Hans"}, "lang_en": {"1"}, "name_zh-Hans": {"梧桐里市集"}, "name_en": {"Wutong Lane"},
		"timezone": {"Mars/Base"}, "currency": {"CNY"}, "signup": {"open"}, "days_form": {"1"}, "day_6": {"1"},
		"start_6": {"08:00"}, "end_6": {"13:00"}}
	r := c.postForm(page, "/setup", form)
	if r.Status != 422 || !strings.Contains(r.Body, "Unknown time zone") || !strings.Contains(r.Body, `value="梧桐里市集"`) ||
		!strings.Contains(r.Body, `value="mei"`) {
		t.Fatalf("bad time zone: %d\n%s", r.Status, r.Body)
	}
	if st := c.get("/"); strings.Contains(st.Body, "梧桐里市集") || strings.Contains(st.Body, "Wutong Lane") {
		t.Fatal("a refused setup named the market")
	}
	if r := c.postForm("/login", "/login", url.Values{"name": {"mei"}, "password": {"plum blossom tea"}}); r.Status == 303 {
		t.Fatal("a refused setup created the organiser")
	}
	form.Set("timezone", "Asia/Shanghai")
	form.Set("_csrf", "")
	if r := c.postForm(page, "/setup", form); r.Status != 303 {
		t.Fatalf("setup: %d\n%s", r.Status, r.Body)
	}
	home := c.get("/").Body
	if !strings.Contains(home, "Wutong Lane") || !strings.Contains(home, "Finish setting up") || !strings.Contains(home, "at least one alley") {
		t.Fatalf("the organiser's home after setup without alleys:\n%s", home)
	}
	anon := newClient(t, n.URL).get("/").Body
	if !strings.Contains(anon, "The market opens soon") {
		t.Fatalf("a visitor's home:\n%s", anon)
	}
	// The same form again is fine and changes nothing; the token is spent.
	if r := newClient(t, n.URL).get(page); r.Status != 303 {
		t.Fatalf("the token after an organiser exists: %d", r.Status)
	}
	form.Set("_csrf", "")
	if r := c.postForm("/setup", "/setup", form); r.Status != 303 {
		t.Fatalf("setup again: %d\n%s", r.Status, r.Body)
	}
	// A stallholder opens a stall in a market without alleys.
	if _, _, err := runCmd(t, "a long secret phrase\n", "user", "add", "wang", "--role", "stallholder", "--data", n.Data); err != nil {
		t.Fatal(err)
	}
	w := newClient(t, n.URL)
	w.postForm("/login", "/login", url.Values{"name": {"wang"}, "password": {"a long secret phrase"}})
	if body := w.get("/stalls/new").Body; !strings.Contains(body, "no alleys yet") {
		t.Fatalf("the new-stall form without alleys:\n%s", body)
	}
	r = w.postForm("/stalls/new", "/stalls/new", url.Values{"name": {"Old Wang"}, "story": {"Bells."}})
	if r.Status != 303 {
		t.Fatalf("opening a stall without alleys: %d\n%s", r.Status, r.Body)
	}
	alleys := c.get("/api/v1/alleys").Body
	if !strings.Contains(alleys, `"market"`) {
		t.Fatalf("no default alley: %s", alleys)
	}
	id := regexp.MustCompile(`"id":\s*(\d+)`).FindStringSubmatch(alleys)[1]
	r = c.postForm("/setup", "/admin/alleys/"+id, url.Values{"name_en": {"Bell Lane"}, "name_zh-Hans": {"铃铛巷"}, "colour": {"#336699"}})
	if r.Status != 303 || !strings.Contains(c.get("/api/v1/alleys").Body, "Bell Lane") {
		t.Fatalf("renaming the default alley: %d %s", r.Status, r.Body)
	}
	if r := w.postForm("/", "/admin/alleys/"+id, url.Values{"name_en": {"Mine"}}); r.Status != 403 {
		t.Errorf("a stallholder renamed an alley: %d", r.Status)
	}
}

// TestDemoLogins: the demo's stallholder and resident can log in (on a
// small demo market; TestLanguageChoice sees serve --demo print them); the
// stallholder finds a question and a reservation waiting; every page says
// it is the demo.
func TestDemoLogins(t *testing.T) {
	dir := freshdb.Dir(t)
	db, err := data.Open(context.Background(), filepath.Join(dir, "shiji.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := loadDemo(context.Background(), db, dir, demo.Options{Stalls: 12, Items: 60, Seed: 1}, nil); err != nil {
		t.Fatal(err)
	}
	logins, err := demoLogins(context.Background(), db)
	db.Close()
	if err != nil || len(logins) != 2 {
		t.Fatalf("demo logins %v: %v", logins, err)
	}
	m, res := []string{"", logins[0].Name, logins[0].Password}, []string{"", logins[1].Name, logins[1].Password}
	n := startNode(t, dir)
	c := newClient(t, n.URL)
	if body := c.get("/").Body; !strings.Contains(body, `class="demo-banner"`) {
		t.Fatal("the demo does not say it is one")
	}
	if r := c.postForm("/login", "/login", url.Values{"name": {m[1]}, "password": {m[2]}}); r.Status != 303 {
		t.Fatalf("the stallholder cannot log in: %d", r.Status)
	}
	trades := c.get("/api/v1/trades").Body
	notes := c.get("/api/v1/notifications").Body
	if !strings.Contains(trades, `"requested"`) || !strings.Contains(notes, `"question"`) {
		t.Fatalf("nothing waits for the stallholder:\n%s\n%s", trades, notes)
	}
	r := newClient(t, n.URL)
	if resp := r.postForm("/login", "/login", url.Values{"name": {res[1]}, "password": {res[2]}}); resp.Status != 303 {
		t.Fatalf("the resident cannot log in: %d", resp.Status)
	}
}
