package main

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/shiji-market/shiji/internal/freshdb"
)

// newLimitedMarket is newMarket on a node started with --limits.
func newLimitedMarket(t *testing.T, limits string) *market {
	t.Helper()
	dir := freshdb.Dir(t)
	for _, u := range []struct{ name, role string }{{"mei", "organiser"}, {"wang", "stallholder"}, {"li", "stallholder"}, {"ajie", "resident"}} {
		if _, e, err := runCmd(t, "a long secret phrase\n", "user", "add", u.name, "--role", u.role, "--data", dir); err != nil {
			t.Fatal(err, e)
		}
	}
	m := &market{n: startNode(t, dir, "--limits", limits)}
	m.c = newClient(t, m.n.URL)
	login := func(name string) string {
		r := m.c.postJSON("/api/v1/sessions", fmt.Sprintf(`{"name":%q,"password":"a long secret phrase"}`, name))
		if r.Status != 201 {
			t.Fatalf("login %s: %d %s", name, r.Status, r.Body)
		}
		return r.JSON(t)["token"].(string)
	}
	m.org, m.wang, m.li, m.res = login("mei"), login("wang"), login("li"), login("ajie")
	if r := m.call("POST", "/api/v1/alleys", m.org, `{"slug":"vintage","name":{"en":"Vintage"}}`); r.Status != 201 {
		t.Fatalf("alley: %d %s", r.Status, r.Body)
	}
	r := m.call("POST", "/api/v1/stalls", m.wang, `{"name":"Old Wang's Bicycles","alley":"vintage","open_today":true}`)
	if r.Status != 201 {
		t.Fatalf("stall: %d %s", r.Status, r.Body)
	}
	m.stall = r.JSON(t)["id"].(float64)
	return m
}

func mustLimited(t *testing.T, what string, r response) {
	t.Helper()
	if r.Status != 429 {
		t.Fatalf("%s: %d %s, want 429", what, r.Status, r.Body)
	}
	if s, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || s < 1 {
		t.Fatalf("%s: Retry-After = %q", what, r.Header.Get("Retry-After"))
	}
}

// Writes are limited per account and per address, each kind in its own
// buckets; a refused write changes nothing and says when to come back; an
// open market caps open reservations and group chats per person.
func TestWriteRateLimitsAndCaps(t *testing.T) {
	m := newLimitedMarket(t, "messages=3/1h ip-messages=5/1h items=4/1h writes=100/1h open-reservations=1 groups=1")
	stall := int(m.stall)
	_, d1, _, _ := tradeDays(t, m) // a "writes" call
	items := []int{m.itemQ(t, "Bell", 1), m.itemQ(t, "Lamp", 1)}
	// Items (the stall, its days and two items so far): the fifth in the hour
	// is refused, and not stored.
	r := m.call("POST", fmt.Sprintf("/api/v1/stalls/%d/items", stall), m.wang, `{"title":"Kettle","price":{"kind":"free"}}`)
	mustLimited(t, "fourth item", r)
	if !strings.Contains(r.Body, "going too fast") {
		t.Fatalf("the 429 does not say why: %s", r.Body)
	}
	if r := m.call("GET", fmt.Sprintf("/api/v1/stalls/%d", stall), "", ""); strings.Contains(r.Body, "Kettle") {
		t.Fatal("a refused item was stored")
	}
	// Messages: three per account, five per address.
	thread := fmt.Sprintf("/api/v1/items/%d/thread", items[0])
	for i := 0; i < 3; i++ {
		if r := m.call("POST", thread, m.res, fmt.Sprintf(`{"body":"question %d"}`, i)); r.Status != 201 {
			t.Fatalf("question %d: %d %s", i, r.Status, r.Body)
		}
	}
	mustLimited(t, "ajie's fourth message", m.call("POST", thread, m.res, `{"body":"one more"}`))
	for i := 0; i < 2; i++ {
		if r := m.call("POST", thread, m.wang, fmt.Sprintf(`{"body":"answer %d"}`, i)); r.Status != 201 {
			t.Fatalf("wang's answer %d (his own bucket is full): %d %s", i, r.Status, r.Body)
		}
	}
	mustLimited(t, "the address's sixth message", m.call("POST", thread, m.li, `{"body":"hello"}`))
	if n := len(m.call("GET", thread, "", "").JSON(t)["messages"].([]any)); n != 5 {
		t.Fatalf("the thread has %d messages, want 5", n)
	}
	// A form from a page gets a themed 429 page with Retry-After.
	b := webLogIn(t, m.n.URL, "li")
	r = b.postForm(fmt.Sprintf("/items/%d", items[0]), fmt.Sprintf("/items/%d/thread", items[0]), url.Values{"body": {"from the page"}})
	mustLimited(t, "a page's form", r)
	if !strings.Contains(r.Body, "<html") {
		t.Fatalf("the page's 429 is not a page: %s", r.Body)
	}
	// Other kinds of write have their own buckets.
	if r := m.call("POST", fmt.Sprintf("/api/v1/stalls/%d/follow", stall), m.res, ""); r.Status != 204 {
		t.Fatalf("a follow after the messages ran out: %d %s", r.Status, r.Body)
	}

	// One open reservation per resident here.
	if r := m.reserve(t, m.res, items[0], 1, d1, ""); r.Status != 201 {
		t.Fatalf("first reservation: %d %s", r.Status, r.Body)
	}
	r = m.reserve(t, m.res, items[1], 1, d1, "")
	if r.Status != 409 || !strings.Contains(r.Body, "reservations open") {
		t.Fatalf("second open reservation: %d %s", r.Status, r.Body)
	}
	var trade int
	for _, x := range m.call("GET", "/api/v1/trades", m.res, "").JSON(t)["trades"].([]any) {
		trade = int(x.(map[string]any)["id"].(float64))
	}
	if r := m.call("POST", fmt.Sprintf("/api/v1/trades/%d/cancel", trade), m.res, `{"reason":"changed my mind"}`); r.Status != 200 {
		t.Fatalf("cancel: %d %s", r.Status, r.Body)
	}
	if r := m.reserve(t, m.res, items[1], 1, d1, ""); r.Status != 201 {
		t.Fatalf("a reservation once the first is cancelled: %d %s", r.Status, r.Body)
	}
	// One group chat per account.
	if r := m.call("POST", "/api/v1/conversations", m.res, `{"kind":"group","name":"Bicycle menders"}`); r.Status != 201 {
		t.Fatalf("first group: %d %s", r.Status, r.Body)
	}
	if r := m.call("POST", "/api/v1/conversations", m.res, `{"kind":"group","name":"Tea drinkers"}`); r.Status != 409 {
		t.Fatalf("second group: %d %s", r.Status, r.Body)
	}
	if r := m.call("POST", "/api/v1/conversations", m.li, `{"kind":"group","name":"Tea drinkers"}`); r.Status != 201 {
		t.Fatalf("someone else's group: %d %s", r.Status, r.Body)
	}
}

func TestLimitsFlagIsChecked(t *testing.T) {
	for _, tc := range []struct{ flag, want string }{
		{"bogus=1/1s", "unknown; known limits are"},
		{"messages=0/1s", "BURST from 1"},
		{"groups=none", "whole number"},
	} {
		_, _, err := runCmd(t, "", "serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--limits", tc.flag)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("--limits %s: %v, want an error with %q", tc.flag, err, tc.want)
		}
	}
}

// The organiser of an open market holds new accounts for approval and asks
// a question only locals can answer; an invitation skips both.
func TestSignupProtection(t *testing.T) {
	m := newMarket(t)
	const prot = "/api/v1/admin/signup-protection"
	for _, tc := range []struct {
		token, body string
		status      int
	}{
		{m.res, `{"approval":true}`, 403},
		{m.wang, `{"approval":true}`, 403},
		{m.org, `{"question":"Which bakery is at the corner?"}`, 422},
		{m.org, `{"answers":["Old Li's"]}`, 422},
		{m.org, `{"question":"` + strings.Repeat("?", 301) + `","answers":["x"]}`, 422},
		{m.org, `{"approval":true,"question":"Which bakery is at the corner of our lane?","answers":["Old Li's", "老李家"]}`, 200},
	} {
		if r := m.call("PUT", prot, tc.token, tc.body); r.Status != tc.status {
			t.Fatalf("PUT %s as %s: %d %s, want %d", tc.body, tc.token[:4], r.Status, r.Body, tc.status)
		}
	}
	if r := m.call("GET", prot, m.org, "").JSON(t); r["approval"] != true || len(r["answers"].([]any)) != 2 {
		t.Fatalf("protection = %v", r)
	}
	c := newClient(t, m.n.URL)
	page := c.get("/signup")
	mustContain(t, "the sign-up page", page.Body, "Which bakery is at the corner of our lane?", `name="answer"`)
	form := func(name, answer string) response {
		return c.postForm("/signup", "/signup", url.Values{"name": {name}, "password": {"a long secret phrase"}, "answer": {answer}})
	}
	if r := form("xiao", ""); r.Status != 422 || !strings.Contains(r.Body, "answer the market") {
		t.Fatalf("no answer: %d", r.Status)
	}
	if r := form("xiao", "the big one"); r.Status != 422 || !strings.Contains(r.Body, "not the answer") {
		t.Fatalf("a wrong answer: %d", r.Status)
	}
	if r := m.c.postJSON("/api/v1/sessions", `{"name":"xiao","password":"a long secret phrase"}`); r.Status != 401 {
		t.Fatalf("a refused sign-up made an account: %d", r.Status)
	}
	if r := form("xiao", "  old lis "); r.Status != 202 || !strings.Contains(r.Body, "@xiao") {
		t.Fatalf("the right answer: %d %s", r.Status, r.Body)
	}
	if r := form("bob", "老李家"); r.Status != 202 {
		t.Fatalf("the other answer: %d", r.Status)
	}
	if r := form("xiao", "old lis"); r.Status != 409 {
		t.Fatalf("a waiting name is taken: %d", r.Status)
	}
	r := m.c.postJSON("/api/v1/sessions", `{"name":"xiao","password":"a long secret phrase"}`)
	if r.Status != 403 || !strings.Contains(r.Body, "approval") {
		t.Fatalf("a waiting account logs in: %d %s", r.Status, r.Body)
	}
	if r := m.c.postJSON("/api/v1/sessions", `{"name":"xiao","password":"not the password"}`); r.Status != 401 {
		t.Fatalf("a waiting account with a wrong password: %d %s", r.Status, r.Body)
	}
	// The queue: moderators only.
	if r := m.call("GET", "/api/v1/admin/signups", m.res, ""); r.Status != 403 {
		t.Fatalf("a resident reads the queue: %d", r.Status)
	}
	queue := m.call("GET", "/api/v1/admin/signups", m.org, "").JSON(t)["signups"].([]any)
	if len(queue) != 2 || queue[0].(map[string]any)["name"] != "xiao" || queue[0].(map[string]any)["answer"] != "old lis" {
		t.Fatalf("queue = %v", queue)
	}
	xiao := int(queue[0].(map[string]any)["id"].(float64))
	bob := int(queue[1].(map[string]any)["id"].(float64))
	mod := webLogIn(t, m.n.URL, "mei")
	if p := mod.get("/moderation"); !strings.Contains(p.Body, "@xiao") || !strings.Contains(p.Body, fmt.Sprintf("/admin/signups/%d/approve", xiao)) {
		t.Fatalf("the moderation page has no queue")
	}
	if r := mod.postForm("/moderation", fmt.Sprintf("/admin/signups/%d/approve", xiao), url.Values{}); r.Status != 303 {
		t.Fatalf("approve from the page: %d %s", r.Status, r.Body)
	}
	if r := m.call("POST", fmt.Sprintf("/api/v1/admin/signups/%d/approve", xiao), m.org, ""); r.Status != 404 {
		t.Fatalf("approving twice: %d", r.Status)
	}
	if r := m.call("POST", fmt.Sprintf("/api/v1/admin/signups/%d/reject", bob), m.res, ""); r.Status != 403 {
		t.Fatalf("a resident rejects: %d", r.Status)
	}
	if r := m.call("POST", fmt.Sprintf("/api/v1/admin/signups/%d/reject", bob), m.org, ""); r.Status != 200 {
		t.Fatalf("reject: %d %s", r.Status, r.Body)
	}
	if r := m.c.postJSON("/api/v1/sessions", `{"name":"xiao","password":"a long secret phrase"}`); r.Status != 201 {
		t.Fatalf("the approved account logs in: %d %s", r.Status, r.Body)
	}
	if r := form("bob", "old lis"); r.Status != 202 {
		t.Fatalf("a rejected name is free again: %d", r.Status)
	}
	// An invitation skips the question and the approval.
	if r := mod.postForm("/account", "/admin/invitations", url.Values{"role": {"resident"}}); r.Status != 303 {
		t.Fatalf("invite: %d", r.Status)
	}
	found := regexp.MustCompile(`/signup\?invite=([A-Z2-7]+)`).FindStringSubmatch(mod.get("/account").Body)
	if found == nil {
		t.Fatal("no invitation on the account page")
	}
	code := found[1]
	r = c.postForm("/signup", "/signup", url.Values{"name": {"guest"}, "password": {"a long secret phrase"}, "invite": {code}})
	if r.Status != 303 {
		t.Fatalf("sign-up with an invitation: %d %s", r.Status, r.Body)
	}
}
