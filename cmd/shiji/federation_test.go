package main

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/internal/freshdb"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
)

// fedNode is a node for the federation tests: a fixed loopback port (so it
// can be restarted at the same URL), private networks allowed.
type fedNode struct {
	t      *testing.T
	dir    string
	addr   string
	n      *testNode
	c      *client
	tokens map[string]string
	flags  []string // more flags for serve
}

func freeAddr(t *testing.T) string { return freeAddrOn(t, "127.0.0.1") }

// freeAddrOn is a free port on another loopback address (127.0.0.2 …):
// browsers keep cookies by host name, not port, so two markets in one
// browser need two host names.
func freeAddrOn(t *testing.T, host string) string {
	ln, err := net.Listen("tcp", host+":0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func newFedNode(t *testing.T, users ...string) *fedNode {
	t.Helper()
	return newFedNodeWith(t, nil, users...)
}

// newFedNodeWith starts a node with more serve flags.
func newFedNodeWith(t *testing.T, flags []string, users ...string) *fedNode {
	t.Helper()
	f := &fedNode{t: t, dir: freshdb.Dir(t), addr: freeAddr(t), tokens: map[string]string{}, flags: flags}
	addUsers(t, f.dir, f.tokens, users...)
	f.start()
	return f
}

// addUsers adds accounts ("name:role") with the password "a long secret
// phrase" to the database in dir before its node starts, and an API session
// for each into tokens: what `shiji user add` and logging in through the API
// store, without hashing the password twice for each (argon2id costs about
// half a second under the race detector; the hash is made once, see
// testPasswordHash). The commands and the login have tests of their own.
func addUsers(t *testing.T, dir string, tokens map[string]string, users ...string) {
	t.Helper()
	if len(users) == 0 {
		return
	}
	ctx := context.Background()
	db, err := data.Open(ctx, filepath.Join(dir, "shiji.db"), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a := app.New(db, time.Now)
	for _, u := range users {
		name, role, _ := strings.Cut(u, ":")
		r, err := node.ParseRole(role)
		if err != nil {
			t.Fatalf("user %s: %v", u, err)
		}
		acc := &node.Account{Name: name, Role: r}
		if err := node.ValidateName(name); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateAccount(ctx, acc, testPasswordHash(), ""); err != nil {
			t.Fatal(err)
		}
		if tokens[name], err = a.StartSession(ctx, acc, "api", "shiji tests"); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// testPasswordHash is app.HashPassword("a long secret phrase"), made once
// per test binary.
var testPasswordHash = sync.OnceValue(func() string { return app.HashPassword("a long secret phrase") })

// fedWaits are the federation waits (--federation-waits) of the tests'
// federating nodes: an item change is sent 200 ms after it is made instead
// of 2 s (the tests wait for it), and a request to another node may take
// minutes, as it may on a heavily loaded machine: the tests' own polled
// waits bound them, not the program's timeouts. A follow waits for its
// Accept as long as by default (5 s; tests of follows approved by hand see
// them pending); the tests that need it accepted poll for it.
const fedWaits = "settle=200ms connect=1m header=2m fetch=2m delivery=2m"

// linkedFedWaits are fedWaits for markets that link each other and whose
// follows are all answered at once: a link or a follow waits up to 2 min
// for the Accept, so that it is linked (accepted) when the call returns
// however loaded the machine.
const linkedFedWaits = fedWaits + " follow=2m"

func (f *fedNode) start() {
	f.n = startNode(f.t, f.dir, append([]string{"--allow-private-networks", "--addr", f.addr, "--federation-waits", fedWaits}, f.flags...)...)
	f.c = newClient(f.t, f.n.URL)
}

func (f *fedNode) host() string { return strings.TrimPrefix(f.n.URL, "http://") }

// call makes an API call as user ("" = anonymous).
func (f *fedNode) call(method, path, user, body string) response {
	f.t.Helper()
	h := []string{"Content-Type", "application/json"}
	if user != "" {
		h = append(h, "Authorization", "Bearer "+f.tokens[user])
	}
	return f.c.do(method, path, strings.NewReader(body), h...)
}

// db opens the node's database read-only, to look at its queue.
func (f *fedNode) db() *sql.DB {
	f.t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(f.dir, "shiji.db")+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { db.Close() })
	return db
}

func (f *fedNode) count(q string, args ...any) int {
	f.t.Helper()
	db := f.db()
	var n int
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

// timeline returns the titles (names) in user's home timeline, newest first,
// and the raw items.
func (f *fedNode) timeline(user string) ([]string, []any) {
	f.t.Helper()
	r := f.call("GET", "/api/v1/timeline", user, "")
	if r.Status != 200 {
		f.t.Fatalf("timeline = %d %s", r.Status, r.Body)
	}
	items := r.JSON(f.t)["items"].([]any)
	var names []string
	for _, it := range items {
		names = append(names, it.(map[string]any)["name"].(string))
	}
	return names, items
}

// waitForIn polls cond until it holds. d is how long it may take on a quiet
// machine; the wait goes on for at least hangGuard, as the deadline is a
// guard against a hang, not a measure (a test that wants something not to
// happen checks after an observable moment instead).
func waitForIn(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	d = max(d, hangGuard)
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("timed out after %s waiting for %s", d, what)
}

const asAccept = `application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"`

// Two markets on loopback: a resident of B follows a stall of A by its
// address, A's stallholder lists items, they reach B's home timeline; B is
// down for a while and A restarts, and nothing is lost; after the unfollow,
// nothing more is sent.
func TestTwoMarketsFederate(t *testing.T) {
	a := newFedNode(t, "mei:organiser", "wang:stallholder")
	b := newFedNode(t, "ajie:resident")
	if r := a.call("POST", "/api/v1/alleys", "mei", `{"slug":"vintage","name":{"en":"Vintage"}}`); r.Status != 201 {
		t.Fatalf("alley: %d %s", r.Status, r.Body)
	}
	r := a.call("POST", "/api/v1/stalls", "wang", `{"name":"Old Wang's Bicycles","story":"Since **1988**.","alley":"vintage","open_today":true}`)
	if r.Status != 201 {
		t.Fatalf("stall: %d %s", r.Status, r.Body)
	}
	stallID := int(r.JSON(t)["id"].(float64))
	stallActor := fmt.Sprintf("%s/stalls/%d", a.n.URL, stallID)

	// ajie on B follows the stall and the market of A by address.
	var follows []float64
	for _, acct := range []string{fmt.Sprintf("stall-%d@%s", stallID, a.host()), "market@" + a.host()} {
		r = b.call("POST", "/api/v1/follows", "ajie", fmt.Sprintf(`{"acct":%q}`, acct))
		if r.Status != 201 {
			t.Fatalf("follow %s = %d %s", acct, r.Status, r.Body)
		}
		fl := r.JSON(t)
		follows = append(follows, fl["id"].(float64))
		waitForIn(t, 10*time.Second, acct+" to accept", func() bool {
			for _, x := range b.call("GET", "/api/v1/follows", "ajie", "").JSON(t)["follows"].([]any) {
				if m := x.(map[string]any); m["id"] == fl["id"] && m["state"] == "accepted" {
					return true
				}
			}
			return false
		})
	}
	if fl := b.call("GET", "/api/v1/follows", "ajie", "").JSON(t)["follows"].([]any); fl[1].(map[string]any)["actor"] != stallActor ||
		fl[1].(map[string]any)["name"] != "Old Wang's Bicycles" || fl[1].(map[string]any)["acct"] != fmt.Sprintf("stall-%d@%s", stallID, a.host()) {
		t.Fatalf("follows = %v", fl)
	}
	followers := func() float64 {
		r := a.c.get(fmt.Sprintf("/stalls/%d/followers", stallID), "Accept", asAccept)
		return r.JSON(t)["totalItems"].(float64)
	}
	if got := followers(); got != 1 {
		t.Fatalf("stall followers on A = %v", got)
	}
	// Unknown addresses are clear errors.
	if r := b.call("POST", "/api/v1/follows", "ajie", `{"acct":"nobody@`+a.host()+`"}`); r.Status != 404 {
		t.Fatalf("unknown acct = %d %s", r.Status, r.Body)
	}
	if r := b.call("POST", "/api/v1/follows", "ajie", `{"acct":"not an address"}`); r.Status != 422 && r.Status != 400 {
		t.Fatalf("bad acct = %d %s", r.Status, r.Body)
	}

	// wang lists an item with a photo; it appears on B within seconds, once
	// (the stall's Create and the market's Announce are the same note).
	start := time.Now()
	r = a.call("POST", fmt.Sprintf("/api/v1/stalls/%d/items", stallID), "wang",
		`{"title":"Phoenix bell","story":"From my father's bicycle.","price":{"amount":"12.50","currency":"CNY"},"quantity":1,"tags":["vintage","自行车"]}`)
	if r.Status != 201 {
		t.Fatalf("item = %d %s", r.Status, r.Body)
	}
	item := int(r.JSON(t)["id"].(float64))
	up := (&market{n: a.n, c: a.c}).upload(fmt.Sprintf("/api/v1/items/%d/photos", item), a.tokens["wang"], jpegWithGPS(t), "The bell, a little rusty")
	if up.Status != 201 {
		t.Fatalf("photo = %d %s", up.Status, up.Body)
	}
	// The item may come first and its photo in an Update (the upload may
	// come after the item's settle time): wait for both.
	waitForIn(t, 15*time.Second, "the item and its photo on B", func() bool {
		names, items := b.timeline("ajie")
		return len(names) == 1 && len(items[0].(map[string]any)["attachments"].([]any)) == 1
	})
	t.Logf("item reached B's timeline in %s", time.Since(start).Round(time.Millisecond))
	_, items := b.timeline("ajie")
	got := items[0].(map[string]any)
	price, _ := got["price"].(map[string]any)
	atts := got["attachments"].([]any)
	if got["name"] != "Phoenix bell" || got["url"] != fmt.Sprintf("%s/items/%d", a.n.URL, item) || price["amount"] != "12.50" ||
		price["currency"] != "CNY" || len(atts) != 1 || atts[0].(map[string]any)["alt"] != "The bell, a little rusty" ||
		got["actor"].(map[string]any)["acct"] != fmt.Sprintf("stall-%d@%s", stallID, a.host()) ||
		!strings.Contains(got["content"].(string), "From my father") || fmt.Sprint(got["tags"]) != "[vintage 自行车]" {
		t.Fatalf("timeline item = %v", got)
	}

	// A price change updates it.
	if r := a.call("PATCH", fmt.Sprintf("/api/v1/items/%d", item), "wang", `{"price":{"amount":"10","currency":"CNY"}}`); r.Status != 200 {
		t.Fatalf("patch = %d %s", r.Status, r.Body)
	}
	waitForIn(t, 15*time.Second, "the new price on B", func() bool {
		_, items := b.timeline("ajie")
		p, _ := items[0].(map[string]any)["price"].(map[string]any)
		return p["amount"] == "10.00"
	})

	// B goes down; wang lists another item; A cannot deliver and retries.
	b.n.Stop(t)
	r = a.call("POST", fmt.Sprintf("/api/v1/stalls/%d/items", stallID), "wang", `{"title":"Brass lamp","price":{"kind":"swap"},"quantity":1}`)
	if r.Status != 201 {
		t.Fatalf("item 2 = %d %s", r.Status, r.Body)
	}
	waitForIn(t, 15*time.Second, "a failed delivery on A", func() bool {
		return a.count(`SELECT count(*) FROM ap_deliveries WHERE attempts > 0 AND failed_at IS NULL`) > 0
	})
	// A restarts too (the queue is in its database), then B comes back.
	a.n.Stop(t)
	a.start()
	b.start()
	waitForIn(t, 30*time.Second, "item 2 on B after the restarts", func() bool { names, _ := b.timeline("ajie"); return len(names) == 2 })
	if names, _ := b.timeline("ajie"); names[0] != "Brass lamp" {
		t.Fatalf("timeline = %v", names)
	}

	// ajie unfollows both; A forgets the follower; new items are not sent to B.
	for _, id := range follows {
		if r := b.call("DELETE", fmt.Sprintf("/api/v1/follows/%d", int(id)), "ajie", ""); r.Status != 204 {
			t.Fatalf("unfollow = %d %s", r.Status, r.Body)
		}
	}
	if r := b.call("DELETE", fmt.Sprintf("/api/v1/follows/%d", int(follows[0])), "ajie", ""); r.Status != 404 {
		t.Fatalf("second unfollow = %d", r.Status)
	}
	waitForIn(t, 15*time.Second, "A to drop the follower", func() bool {
		return followers() == 0 && a.count(`SELECT count(*) FROM ap_followers`) == 0
	})
	r = a.call("POST", fmt.Sprintf("/api/v1/stalls/%d/items", stallID), "wang", `{"title":"Tin whistle","price":{"kind":"free"},"quantity":1}`)
	if r.Status != 201 {
		t.Fatalf("item 3 = %d %s", r.Status, r.Body)
	}
	item3 := int(r.JSON(t)["id"].(float64))
	defer func() {
		if t.Failed() {
			rows, _ := a.db().Query(`SELECT id, activity, kind, item_id, fanned, ready_at_ms, length(body) FROM ap_outbox`)
			for rows != nil && rows.Next() {
				var id, item, fanned, ready, n sql.NullInt64
				var act, kind string
				rows.Scan(&id, &act, &kind, &item, &fanned, &ready, &n)
				t.Logf("outbox %v %s %s item %v fanned %v ready %v len %v", id, act, kind, item, fanned, ready, n)
			}
			t.Logf("A stderr: %s", a.n.Stderr)
		}
	}()
	waitForIn(t, 15*time.Second, "A to render item 3", func() bool {
		return a.count(`SELECT count(*) FROM ap_outbox WHERE fanned = 1 AND kind = 'create' AND item_id = ?`, item3) == 1
	})
	var activity string
	a.db().QueryRow(`SELECT activity FROM ap_outbox WHERE kind = 'create' AND item_id = ?`, item3).Scan(&activity)
	if n := a.count(`SELECT count(*) FROM ap_deliveries d JOIN ap_outbox o ON o.id = d.outbox_id WHERE o.activity = ?`, activity); n != 0 {
		t.Fatalf("item 3 was queued for %d inboxes after the unfollow", n)
	}
	time.Sleep(500 * time.Millisecond)
	if n := b.count(`SELECT count(*) FROM ap_inbox_seen WHERE id = ?`, activity); n != 0 {
		t.Fatal("B received item 3 after unfollowing")
	}
	if names, _ := b.timeline("ajie"); len(names) != 0 {
		t.Fatalf("timeline after unfollowing = %v", names)
	}
	u, _ := url.Parse(activity)
	if r := a.c.get(u.Path); r.Status != 200 || !strings.Contains(r.Body, "Tin whistle") {
		t.Fatalf("GET %s = %d", u.Path, r.Status)
	}
}
