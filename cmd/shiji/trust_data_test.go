package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readTarGz reads a .tar.gz body into name → content.
func readTarGz(t *testing.T, body string) map[string][]byte {
	t.Helper()
	gz, err := gzip.NewReader(strings.NewReader(body))
	if err != nil {
		t.Fatalf("the export is not gzip: %v", err)
	}
	tr := tar.NewReader(gz)
	out := map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the export is not a whole tar: %v", err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out[h.Name] = b
	}
	return out
}

func jsonOf(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("not JSON (%v): %s", err, b)
	}
}

// A resident and a stallholder see and end their sessions and tokens,
// change their password (which logs them out elsewhere), download
// everything of theirs, and delete their accounts; what is left is what the
// other side needs, and the names stay taken.
func TestPeopleControlTheirData(t *testing.T) {
	m := newMarket(t)
	stall := int(m.stall)
	_, d1, _, _ := tradeDays(t, m)
	item := m.itemQ(t, "Enamel teapot", 2)
	if r := m.upload(fmt.Sprintf("/api/v1/items/%d/photos", item), m.wang, jpegWithGPS(t), "the teapot"); r.Status != 201 {
		t.Fatalf("photo: %d %s", r.Status, r.Body)
	}
	photoURL := m.call("GET", fmt.Sprintf("/api/v1/items/%d", item), "", "").JSON(t)["photos"].([]any)[0].(map[string]any)["url"].(string)
	photoFile := photoURL[strings.LastIndex(photoURL, "/")+1:]
	if r := m.call("POST", fmt.Sprintf("/api/v1/items/%d/thread", item), m.res, `{"body":"Does the lid fit well?"}`); r.Status != 201 {
		t.Fatalf("question: %d %s", r.Status, r.Body)
	}
	if r := m.call("POST", fmt.Sprintf("/api/v1/items/%d/thread", item), m.wang, `{"body":"Snug as a bug."}`); r.Status != 201 {
		t.Fatalf("answer: %d %s", r.Status, r.Body)
	}
	r := m.reserve(t, m.res, item, 1, d1, "Saturday morning?")
	if r.Status != 201 {
		t.Fatalf("reserve: %d %s", r.Status, r.Body)
	}
	trade := int(r.JSON(t)["id"].(float64))
	if r := m.call("POST", fmt.Sprintf("/api/v1/trades/%d/accept", trade), m.wang, ""); r.Status != 200 {
		t.Fatalf("accept: %d %s", r.Status, r.Body)
	}

	// Sessions: ajie has a token (from newMarket), a named one and a browser.
	r = m.c.postJSON("/api/v1/sessions", `{"name":"ajie","password":"a long secret phrase","label":"my phone"}`)
	if r.Status != 201 {
		t.Fatalf("second token: %d %s", r.Status, r.Body)
	}
	phone := r.JSON(t)["token"].(string)
	browser := webLogIn(t, m.n.URL, "ajie")
	if r := m.c.postJSON("/api/v1/sessions", fmt.Sprintf(`{"name":"ajie","password":"a long secret phrase","label":%q}`, strings.Repeat("x", 61))); r.Status != 422 {
		t.Fatalf("a 61-character label: %d %s", r.Status, r.Body)
	}
	list := func(token string) []map[string]any {
		t.Helper()
		r := m.call("GET", "/api/v1/me/sessions", token, "")
		if r.Status != 200 {
			t.Fatalf("sessions: %d %s", r.Status, r.Body)
		}
		var out struct{ Sessions []map[string]any }
		jsonOf(t, []byte(r.Body), &out)
		return out.Sessions
	}
	ss := list(m.res)
	if len(ss) != 3 {
		t.Fatalf("ajie has %d sessions, want 3 (the refused label made none): %v", len(ss), ss)
	}
	var phoneID, browserID string
	current := 0
	for _, s := range ss {
		switch {
		case s["label"] == "my phone":
			phoneID = s["id"].(string)
		case s["kind"] == "web":
			browserID = s["id"].(string)
		}
		if s["current"] == true {
			current++
		}
	}
	if phoneID == "" || browserID == "" || current != 1 {
		t.Fatalf("sessions = %v", ss)
	}
	if p := browser.get("/account"); p.Status != 200 || !strings.Contains(p.Body, "my phone") || !strings.Contains(p.Body, `action="/account/sessions/`+phoneID+`/end"`) {
		t.Fatalf("the account page does not list the sessions: %d", p.Status)
	}
	// Someone else's session id is unknown to them.
	if r := m.call("DELETE", "/api/v1/me/sessions/"+phoneID, m.wang, ""); r.Status != 404 {
		t.Fatalf("wang ends ajie's session: %d %s", r.Status, r.Body)
	}
	if r := m.call("DELETE", "/api/v1/me/sessions/"+phoneID, m.res, ""); r.Status != 204 {
		t.Fatalf("revoke the phone: %d %s", r.Status, r.Body)
	}
	if r := m.call("GET", "/api/v1/account", phone, ""); r.Status != 401 {
		t.Fatalf("the revoked token still works: %d", r.Status)
	}

	// A password change ends every other session, and only with the right
	// current password.
	if r := m.call("POST", "/api/v1/me/password", m.res, `{"current":"wrong one","new":"a brand new passphrase"}`); r.Status != 403 {
		t.Fatalf("wrong current password: %d %s", r.Status, r.Body)
	}
	if r := m.call("POST", "/api/v1/me/password", m.res, `{"current":"a long secret phrase","new":"short"}`); r.Status != 422 {
		t.Fatalf("weak new password: %d %s", r.Status, r.Body)
	}
	if p := browser.get("/account"); p.Status != 200 {
		t.Fatalf("refused changes logged the browser out: %d", p.Status)
	}
	r = m.call("POST", "/api/v1/me/password", m.res, `{"current":"a long secret phrase","new":"a brand new passphrase"}`)
	if r.Status != 200 || r.JSON(t)["ended"].(float64) != 1 {
		t.Fatalf("change password: %d %s", r.Status, r.Body)
	}
	if p := browser.get("/account"); p.Status != 303 {
		t.Fatalf("the browser is still logged in after the password change: %d", p.Status)
	}
	if r := m.call("GET", "/api/v1/account", m.res, ""); r.Status != 200 {
		t.Fatalf("the token that changed it was logged out: %d", r.Status)
	}
	if r := m.c.postJSON("/api/v1/sessions", `{"name":"ajie","password":"a long secret phrase"}`); r.Status != 401 {
		t.Fatalf("the old password still works: %d", r.Status)
	}
	// Log out everywhere else, from the page.
	browser = webLogIn2(t, m.n.URL, "ajie", "a brand new passphrase")
	if r := browser.postForm("/account", "/account/sessions/end-others", url.Values{}); r.Status != 303 {
		t.Fatalf("log out everywhere else: %d %s", r.Status, r.Body)
	}
	if r := m.call("GET", "/api/v1/account", m.res, ""); r.Status != 401 {
		t.Fatalf("the token survived 'log out everywhere else': %d", r.Status)
	}
	if p := browser.get("/account"); p.Status != 200 {
		t.Fatalf("the browser that logged out the others was logged out: %d", p.Status)
	}
	m.res = m.c.postJSON("/api/v1/sessions", `{"name":"ajie","password":"a brand new passphrase"}`).JSON(t)["token"].(string)

	// The stallholder's export: everything of theirs, readable.
	r = m.call("GET", "/api/v1/me/export", m.wang, "")
	if r.Status != 200 || r.Header.Get("Content-Type") != "application/gzip" || !strings.Contains(r.Header.Get("Content-Disposition"), "shiji-wang-") {
		t.Fatalf("export: %d %v", r.Status, r.Header)
	}
	files := readTarGz(t, r.Body)
	for _, name := range []string{"README.txt", "account.json", "actor.json", "outbox.json", "stalls.json", "items.json", "messages.json",
		"trades.json", "notes.json", "following_accounts.csv", "blocked_accounts.csv", "media/" + photoFile} {
		if _, ok := files[name]; !ok {
			t.Errorf("the export has no %s (it has %d files)", name, len(files))
		}
	}
	var actor map[string]any
	jsonOf(t, files["actor.json"], &actor)
	if actor["type"] != "Person" || actor["id"] != m.n.URL+"/users/wang" {
		t.Errorf("actor.json = %v", actor)
	}
	var outbox struct {
		Type         string
		TotalItems   int
		OrderedItems []map[string]any
	}
	jsonOf(t, files["outbox.json"], &outbox)
	var kinds []string
	for _, a := range outbox.OrderedItems {
		kinds = append(kinds, fmt.Sprint(a["type"], " ", a["object"].(map[string]any)["type"]))
	}
	if outbox.Type != "OrderedCollection" || outbox.TotalItems != 2 || len(outbox.OrderedItems) != 2 {
		t.Errorf("outbox.json: %s %d %v", outbox.Type, outbox.TotalItems, kinds) // the answer and the item
	}
	var stalls, items, msgs, trades []map[string]any
	jsonOf(t, files["stalls.json"], &stalls)
	jsonOf(t, files["items.json"], &items)
	jsonOf(t, files["messages.json"], &msgs)
	jsonOf(t, files["trades.json"], &trades)
	if len(stalls) != 1 || len(items) != 1 || len(msgs) != 1 || len(trades) != 1 || msgs[0]["body"] != "Snug as a bug." {
		t.Errorf("export: %d stalls, %d items, %d messages %v, %d trades", len(stalls), len(items), len(msgs), msgs, len(trades))
	}
	onDisk := m.c.get(strings.TrimPrefix(photoURL, m.n.URL))
	if !bytes.Equal(files["media/"+photoFile], []byte(onDisk.Body)) {
		t.Errorf("media/%s in the export is not the photo served", photoFile)
	}
	if bytes.Contains([]byte(r.Body), []byte("argon2id")) {
		t.Error("the export carries a password hash")
	}
	// Without a login: 401; from the page: the same archive.
	if r := m.call("GET", "/api/v1/me/export", "", ""); r.Status != 401 {
		t.Errorf("anonymous export: %d", r.Status)
	}
	if r := webLogIn(t, m.n.URL, "wang").get("/account/export"); r.Status != 200 || len(readTarGz(t, r.Body)) != len(files) {
		t.Errorf("the page's export: %d", r.Status)
	}

	// The resident deletes their account: the wrong password changes nothing.
	if r := m.call("DELETE", "/api/v1/me", m.res, `{"password":"a long secret phrase"}`); r.Status != 403 {
		t.Fatalf("delete with the wrong password: %d %s", r.Status, r.Body)
	}
	if r := m.call("GET", "/api/v1/account", m.res, ""); r.Status != 200 {
		t.Fatalf("a refused deletion deleted something: %d", r.Status)
	}
	if r := m.call("DELETE", "/api/v1/me", m.res, `{"password":"a brand new passphrase"}`); r.Status != 204 {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	if r := m.call("GET", "/api/v1/account", m.res, ""); r.Status != 401 {
		t.Fatalf("the deleted account's token works: %d", r.Status)
	}
	if r := m.c.postJSON("/api/v1/sessions", `{"name":"ajie","password":"a brand new passphrase"}`); r.Status != 401 {
		t.Fatalf("the deleted account logs in: %d", r.Status)
	}
	tr := m.call("GET", fmt.Sprintf("/api/v1/trades/%d", trade), m.wang, "").JSON(t)
	if tr["status"] != "cancelled" || tr["message"] != "" || tr["item"].(map[string]any)["title"] != "Enamel teapot" {
		t.Fatalf("the deleted resident's trade = %v", tr)
	}
	if it := m.call("GET", fmt.Sprintf("/api/v1/items/%d", item), "", "").JSON(t); it["available"].(float64) != 2 {
		t.Fatalf("the cancelled trade still holds: %v", it["available"])
	}
	thread := m.call("GET", fmt.Sprintf("/api/v1/items/%d/thread", item), "", "").JSON(t)["messages"].([]any)
	q, a := thread[0].(map[string]any), thread[1].(map[string]any)
	if q["deleted"] != true || q["body"] != "" || q["author"] == "ajie" || a["body"] != "Snug as a bug." {
		t.Fatalf("thread after the deletion: %v", thread)
	}
	if strings.Contains(m.c.get(fmt.Sprintf("/items/%d", item)).Body, "Does the lid fit") {
		t.Fatal("the item page still shows the deleted question")
	}
	// The name stays taken.
	signup := newClient(t, m.n.URL)
	if r := signup.postForm("/signup", "/signup", url.Values{"name": {"ajie"}, "password": {"another long phrase"}}); r.Status != 409 {
		t.Fatalf("signing up as the deleted name: %d", r.Status)
	}

	// The organiser is the only one: they cannot leave the market orphaned.
	if r := m.call("DELETE", "/api/v1/me", m.org, `{"password":"a long secret phrase"}`); r.Status != 409 {
		t.Fatalf("the only organiser deletes their account: %d %s", r.Status, r.Body)
	}

	// The stallholder deletes theirs from the page: the stall closes, its
	// photos are gone from the disk, its page says so.
	wb := webLogIn(t, m.n.URL, "wang")
	if p := wb.get("/account/delete"); p.Status != 200 || !strings.Contains(p.Body, `name="confirm"`) {
		t.Fatalf("the confirmation page: %d", p.Status)
	}
	if r := wb.postForm("/account/delete", "/account/delete", url.Values{"password": {"a long secret phrase"}}); r.Status != 422 {
		t.Fatalf("deleting without the confirmation box: %d", r.Status)
	}
	if r := wb.postForm("/account/delete", "/account/delete", url.Values{"password": {"a long secret phrase"}, "confirm": {"1"}}); r.Status != 200 {
		t.Fatalf("deleting from the page: %d %s", r.Status, r.Body)
	}
	if r := m.c.get(fmt.Sprintf("/stalls/%d", stall)); r.Status != 410 {
		t.Fatalf("the closed stall's page: %d", r.Status)
	}
	if r := m.call("GET", fmt.Sprintf("/api/v1/stalls/%d", stall), "", ""); r.Status != 410 {
		t.Fatalf("the closed stall in the API: %d", r.Status)
	}
	it := m.call("GET", fmt.Sprintf("/api/v1/items/%d", item), "", "").JSON(t)
	if it["status"] != "withdrawn" || (it["story"] != nil && it["story"] != "") || len(it["photos"].([]any)) != 0 {
		t.Fatalf("the closed stall's item = %v", it)
	}
	if _, err := os.Stat(filepath.Join(m.n.Data, "media", photoFile)); !os.IsNotExist(err) {
		t.Fatalf("the closed stall's photo is still on disk: %v", err)
	}
	if r := m.call("GET", "/api/v1/search?q=teapot", "", ""); strings.Contains(r.Body, "Enamel") {
		t.Fatalf("search still finds the closed stall's item: %s", r.Body)
	}
	if tr := m.call("GET", fmt.Sprintf("/api/v1/trades/%d", trade), m.org, ""); tr.Status != 404 {
		t.Fatalf("someone else reads the trade: %d", tr.Status)
	}
}

// webLogIn2 logs in a browser-like client with a password.
func webLogIn2(t *testing.T, base, name, password string) *client {
	t.Helper()
	c := newClient(t, base)
	r := c.postForm("/login", "/login", url.Values{"name": {name}, "password": {password}})
	if r.Status != 303 {
		t.Fatalf("login %s: %d %s", name, r.Status, r.Body)
	}
	return c
}
