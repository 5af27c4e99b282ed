package federation

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/media"
)

// farMarket is a fake shiji market elsewhere: its Group, two stalls, its
// WebFinger, NodeInfo and a paged outbox, all on the fake network.
type farMarket struct {
	t      *testing.T
	n      *testNode
	base   string
	market *remoteKey
	stalls []*remoteKey
	items  []map[string]any // the Notes its outbox lists
}

func newFarMarket(t *testing.T, n *testNode, base string) *farMarket {
	fm := &farMarket{t: t, n: n, base: base}
	fm.market = &remoteKey{id: base + "/market", keyID: base + "/market#main-key", priv: testKey(t)}
	der, _ := x509.MarshalPKIXPublicKey(&fm.market.priv.PublicKey)
	fm.serveJSON(fm.market.id, map[string]any{
		"@context": []any{asContextIRI, securityV1IRI}, "id": fm.market.id, "type": "Group", "preferredUsername": "market",
		"name": "Far Market", "inbox": fm.market.id + "/inbox", "outbox": fm.market.id + "/outbox", "url": base + "/",
		"publicKey": map[string]any{"id": fm.market.keyID, "owner": fm.market.id, "publicKeyPem": string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))},
	})
	fm.serveJSON(base+"/.well-known/webfinger?resource="+url.QueryEscape("acct:market@"+hostOf(base)), map[string]any{
		"subject": "acct:market@" + hostOf(base), "links": []any{map[string]any{"rel": "self", "type": contentTypeAS, "href": fm.market.id}}})
	fm.serveJSON(base+"/.well-known/nodeinfo", map[string]any{"links": []any{map[string]any{"rel": nodeinfoSchema, "href": base + "/nodeinfo/2.1"}}})
	fm.serveJSON(base+"/nodeinfo/2.1", map[string]any{"version": "2.1", "metadata": map[string]any{
		"nodeName": "Far Market", "city": "Tainan", "timezone": "Asia/Taipei", "stalls": 2, "openStalls": 1, "market": fm.market.id}})
	for i := range 2 {
		fm.stalls = append(fm.stalls, newRemote(t, n.net, fmt.Sprintf("%s/stalls/%d", base, i+1), ""))
	}
	return fm
}

func (fm *farMarket) serveJSON(u string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		fm.t.Fatal(err)
	}
	fm.n.net.serve(u, b)
}

// item is an item Note of stall s as shiji sends it since issue 11 (no
// name; the Proposal in its own property, price in currency, "" for none;
// avail left) with a picture.
func (fm *farMarket) item(id, s int, title, amount, currency string, avail int) map[string]any {
	iri := fmt.Sprintf("%s/items/%d", fm.base, id)
	prop := map[string]any{"type": "Proposal", "id": iri + "#proposal", "purpose": "offer", "name": title,
		"publishes": map[string]any{"type": "Intent", "id": iri + "#primary", "action": "transfer", "resourceConformsTo": iri,
			"availableQuantity":    map[string]any{"hasUnit": "one", "hasNumericalValue": fmt.Sprint(avail)},
			"resourceClassifiedAs": fm.base + "/alleys/vintage",
			"hasBeginning":         "2026-12-05T08:00:00+08:00", "hasEnd": "2026-12-05T13:00:00+08:00"}}
	if currency != "" {
		prop["reciprocal"] = map[string]any{"type": "Intent", "action": "transfer", "resourceConformsTo": currencyIRI(currency),
			"resourceQuantity": map[string]any{"hasUnit": "one", "hasNumericalValue": amount}}
	}
	photo := fmt.Sprintf("%s/media/%d.jpg", fm.base, id%3)
	return map[string]any{"id": iri, "type": "Note", "attributedTo": fm.stalls[s].id,
		"content": "<p><strong>" + title + "</strong></p><p>It has a story to tell.</p>", "url": iri,
		"published": "2026-11-20T10:00:00Z", "to": []any{publicIRI}, "cc": []any{fm.stalls[s].id + "/followers"},
		"attachment": []any{map[string]any{"type": "Image", "url": photo, "mediaType": "image/jpeg", "name": "a photo of " + title}},
		"proposal":   prop}
}

// oldShape turns an item Note into the shape shiji sent before issue 11
// (and other markets may still send): a name, the Proposal in attachment.
func oldShape(it map[string]any) map[string]any {
	prop := it["proposal"].(map[string]any)
	delete(it, "proposal")
	it["name"] = prop["name"]
	it["attachment"] = append(it["attachment"].([]any), prop)
	return it
}

// serveOutbox serves the Notes as the market's Announces, per pages.
func (fm *farMarket) serveOutbox(perPage int) {
	out := fm.market.id + "/outbox"
	var pages [][]any
	for i, it := range fm.items {
		if i%perPage == 0 {
			pages = append(pages, nil)
		}
		pages[len(pages)-1] = append(pages[len(pages)-1], map[string]any{"type": "Announce", "id": it["id"].(string) + "#announce",
			"actor": fm.market.id, "object": it})
	}
	fm.serveJSON(out, map[string]any{"id": out, "type": "OrderedCollection", "totalItems": len(fm.items), "first": out + "?page=1"})
	for p, items := range pages {
		pg := map[string]any{"id": fmt.Sprintf("%s?page=%d", out, p+1), "type": "OrderedCollectionPage", "orderedItems": items}
		if p+1 < len(pages) {
			pg["next"] = fmt.Sprintf("%s?page=%d", out, p+2)
		}
		fm.serveJSON(fmt.Sprintf("%s?page=%d", out, p+1), pg)
	}
}

// post delivers an activity signed by k to our shared inbox.
func (fm *farMarket) post(k *remoteKey, a map[string]any) int {
	fm.t.Helper()
	w := fm.n.do(k.signedPost(fm.t, fm.n.f.u.sharedInbox(), a, fm.n.clock.Now()))
	return w.Code
}

func (n *testNode) linkState(actor string) (state, next string) {
	n.t.Helper()
	if err := n.db.Read().QueryRow(`SELECT state, sync_next FROM world_links WHERE actor = ?`, actor).Scan(&state, &next); err != nil {
		n.t.Fatal(err)
	}
	return state, next
}

// A link from the organiser to a market elsewhere, over the fake network:
// the Follow goes out from our Group, their Accept links the markets and
// their outbox (two pages) fills the catalogue, leaving out an item
// announced for another server, one in an unknown currency and one with an
// unreadable price; then their Announce adds an item, a stall's Update
// changes one and another's Update of it changes nothing, an Update that
// sells one and a Delete take them out at once.
func TestMarketLinkAndCatalogue(t *testing.T) {
	ctx := context.Background()
	thumbs, err := media.NewStore(filepath.Join(t.TempDir(), "world"), media.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	n := newTestNode(t, "https://here.test", time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC), func(c *Config) { c.WorldMedia = thumbs })
	org := n.account("mei", node.RoleOrganiser)
	fm := newFarMarket(t, n, "https://far.test")

	// Not a market, a local address, nobody there: refused, nothing stored.
	for _, bad := range []string{"", "not an address", "market@here.test", "nobody@nowhere.test", fm.stalls[0].id} {
		if _, _, err := n.f.Link(ctx, org, bad); err == nil {
			t.Fatalf("Link(%q) succeeded", bad)
		}
	}
	if c := n.count(`SELECT count(*) FROM world_links`); c != 0 {
		t.Fatalf("refused links stored: %d", c)
	}

	n.f.world.linkWait = 0 // nobody answers on the fake network while Link waits
	l, created, err := n.f.Link(ctx, org, "market@far.test")
	if err != nil || !created || l.State != node.LinkPending || l.City != "Tainan" || l.Timezone != "Asia/Taipei" || l.OpenStalls != 1 {
		t.Fatalf("link = %+v %v %v", l, created, err)
	}
	// Asked again while pending (their answer is late): a Follow of its
	// own goes, the link is the same one, still pending.
	again, created, err := n.f.Link(ctx, org, "market@far.test")
	if err != nil || created || again.ID != l.ID || again.State != node.LinkPending {
		t.Fatalf("link again = %+v %v %v", again, created, err)
	}
	if c := n.count(`SELECT count(DISTINCT o.activity) FROM ap_outbox o JOIN ap_deliveries d ON d.outbox_id = o.id WHERE o.kind = 'follow' AND o.actor = 'market'`); c != 2 {
		t.Fatalf("follows queued after asking twice = %d, want 2", c)
	}
	var body []byte
	if err := n.db.Read().QueryRow(`SELECT body FROM ap_outbox WHERE kind = 'follow' AND actor = 'market' ORDER BY id LIMIT 1`).Scan(&body); err != nil {
		t.Fatal(err)
	}
	follow := decode(t, body)
	if follow["actor"] != n.f.u.market() || follow["object"] != fm.market.id {
		t.Fatalf("follow = %v", follow)
	}

	// Their market answers: a stall cannot accept for it; the market can.
	acc := map[string]any{"@context": asContextIRI, "id": fm.base + "/activities/accept-1", "type": "Accept", "actor": fm.market.id,
		"object": follow}
	fake := map[string]any{"@context": asContextIRI, "id": fm.base + "/activities/accept-0", "type": "Accept", "actor": fm.stalls[0].id,
		"object": follow}
	fm.post(fm.stalls[0], fake)
	if st, _ := n.linkState(fm.market.id); st != node.LinkPending {
		t.Fatalf("a stall's Accept made the link %s", st)
	}
	if code := fm.post(fm.market, acc); code != 202 {
		t.Fatalf("accept = %d", code)
	}
	if st, next := n.linkState(fm.market.id); st != node.LinkLinked || next != syncStart {
		t.Fatalf("after the Accept: %s %q", st, next)
	}

	// The outbox: five good items, and three to refuse.
	named := fm.item(2, 1, "Tin robot", "300", "JPY", 2) // a shiji item names its stall in a link
	named["content"] = `<p><strong>Tin robot</strong></p><p>300 JPY · <a href="` + fm.stalls[1].id + `">Lin's <em>Toys</em></a></p>`
	fm.items = []map[string]any{
		fm.item(1, 0, "Brass bell", "25.00", "CNY", 1), named,
		fm.item(3, 0, "Free kittens", "", "", 3), oldShape(fm.item(4, 1, "Old map", "12.5", "EUR", 1)), fm.item(5, 0, "Radio", "40.00", "USD", 1),
	}
	foreign := fm.item(6, 0, "Not theirs", "1.00", "CNY", 1)
	foreign["id"] = "https://elsewhere.test/items/6"
	odd := fm.item(7, 0, "Odd money", "5", "CNY", 1)
	odd["proposal"].(map[string]any)["reciprocal"].(map[string]any)["resourceConformsTo"] = "https://www.wikidata.org/wiki/Q1"
	garbled := fm.item(8, 0, "Garbled price", "a lot", "CNY", 1)
	fm.items = append(fm.items, foreign, odd, garbled)
	fm.serveOutbox(3)
	for _, id := range []int{0, 1, 2} {
		n.net.serveFile(fmt.Sprintf("%s/media/%d.jpg", fm.base, id), "image/jpeg", testJPEG(t, 64+id, 48))
	}
	lk := n.f.links(ctx).byActor[fm.market.id]
	if pages, err := n.f.syncLink(ctx, lk); err != nil || pages != 3 {
		t.Fatalf("read %d pages: %v", pages, err)
	}
	titles := func() map[string]bool {
		out := map[string]bool{}
		rows, err := n.db.Read().Query(`SELECT title FROM world_items`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var s string
			rows.Scan(&s)
			out[s] = true
		}
		return out
	}
	got := titles()
	if len(got) != 5 || got["Not theirs"] || got["Odd money"] || got["Garbled price"] || !got["Free kittens"] {
		t.Fatalf("catalogue after the read: %v", got)
	}
	if c := n.count(`SELECT items FROM world_links`); c != 5 {
		t.Fatalf("the link counts %d items", c)
	}
	if c := n.count(`SELECT sum(items) FROM world_stalls`); c != 5 {
		t.Fatalf("the stalls count %d items", c)
	}
	var amount, currency, alley string
	var dayStart int64
	if err := n.db.Read().QueryRow(`SELECT amount, currency, alley, day_start FROM world_items WHERE title = 'Brass bell'`).
		Scan(&amount, &currency, &alley, &dayStart); err != nil {
		t.Fatal(err)
	}
	if amount != "25.00" || currency != "CNY" || alley != fm.base+"/alleys/vintage" || dayStart != time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC).Unix() {
		t.Fatalf("brass bell: %s %s %s %d", amount, currency, alley, dayStart)
	}
	if _, next := n.linkState(fm.market.id); next != "" {
		t.Fatalf("the read did not finish: %q", next)
	}

	// Stalls are named (one from its item's text, one from its actor),
	// thumbnails copied (the same picture once).
	var name string
	n.db.Read().QueryRow(`SELECT name FROM world_stalls WHERE actor = ?`, fm.stalls[1].id).Scan(&name)
	if name != "Lin's Toys" {
		t.Fatalf("stall named %q from the item's text", name)
	}
	if c, err := n.f.nameStalls(ctx, 10); err != nil || c != 1 {
		t.Fatalf("named %d stalls by their actors: %v", c, err)
	}
	if c := n.count(`SELECT count(*) FROM world_stalls WHERE named_at IS NOT NULL AND name != ''`); c != 2 || name == "" {
		t.Fatalf("named stalls: %d", c)
	}
	for range 3 {
		if _, err := n.f.fetchThumbs(ctx, 16); err != nil {
			t.Fatal(err)
		}
	}
	if c := n.count(`SELECT count(*) FROM world_items WHERE thumb_state = 'kept'`); c != 5 {
		t.Fatalf("kept thumbnails: %d", c)
	}
	files := 0
	thumbs.Files(func(string, time.Time) error { files++; return nil })
	if files != 3 {
		t.Fatalf("%d thumbnail files for 3 pictures", files)
	}

	// Their Announce of a new item; an Announce of another server's item.
	announce := func(id string, note map[string]any) map[string]any {
		return map[string]any{"@context": asContextIRI, "id": fm.base + "/activities/" + id, "type": "Announce", "actor": fm.market.id,
			"object": note, "to": []any{publicIRI}}
	}
	if code := fm.post(fm.market, announce("an-9", fm.item(9, 1, "Kite", "8.00", "CNY", 1))); code != 202 {
		t.Fatalf("announce = %d", code)
	}
	foreign2 := fm.item(10, 1, "Borrowed", "8.00", "CNY", 1)
	foreign2["id"] = "https://elsewhere.test/items/10"
	fm.post(fm.market, announce("an-10", foreign2))
	if got := titles(); !got["Kite"] || got["Borrowed"] {
		t.Fatalf("after the announces: %v", got)
	}

	// Updates: by its stall (new title), by the other stall (ignored), then
	// sold (available 0) and deleted.
	update := func(id string, by *remoteKey, note map[string]any) map[string]any {
		return map[string]any{"@context": asContextIRI, "id": fm.base + "/activities/" + id, "type": "Update", "actor": by.id, "object": note}
	}
	fm.post(fm.stalls[1], update("up-1", fm.stalls[1], fm.item(9, 1, "Red kite", "8.00", "CNY", 1)))
	hijack := fm.item(9, 1, "Stolen kite", "1.00", "CNY", 1)
	hijack["attributedTo"] = fm.stalls[0].id
	fm.post(fm.stalls[0], update("up-2", fm.stalls[0], hijack))
	if got := titles(); !got["Red kite"] || got["Kite"] || got["Stolen kite"] {
		t.Fatalf("after the updates: %v", got)
	}
	fm.post(fm.stalls[1], update("up-3", fm.stalls[1], fm.item(2, 1, "Tin robot", "300", "JPY", 0)))
	del := map[string]any{"@context": asContextIRI, "id": fm.base + "/activities/del-4", "type": "Delete", "actor": fm.stalls[1].id,
		"object": map[string]any{"id": fm.base + "/items/4", "type": "Tombstone"}}
	fm.post(fm.stalls[1], del)
	if got := titles(); got["Tin robot"] || got["Old map"] || len(got) != 4 {
		t.Fatalf("after sold and deleted: %v", got)
	}
	if c := n.count(`SELECT items FROM world_links`); c != 4 {
		t.Fatalf("the link counts %d items", c)
	}

	// The market's following collection lists the link.
	w := n.get("/market/following?page=1", "Accept", contentTypeAS)
	if doc := decode(t, w.Body.Bytes()); fmt.Sprint(doc["orderedItems"]) != fmt.Sprint([]any{fm.market.id}) {
		t.Fatalf("following = %s", w.Body)
	}

	// Unlinking sends an Undo and empties the catalogue.
	if err := n.f.Unlink(ctx, l.ID); err != nil {
		t.Fatal(err)
	}
	if c := n.count(`SELECT count(*) FROM world_items`) + n.count(`SELECT count(*) FROM world_stalls`); c != 0 {
		t.Fatalf("catalogue after unlinking: %d rows", c)
	}
	if c := n.count(`SELECT count(*) FROM ap_outbox WHERE kind = 'undo' AND actor = 'market'`); c != 1 {
		t.Fatalf("undo activities: %d", c)
	}
	if err := n.f.Unlink(ctx, l.ID); node.ErrorCode(err) != node.ENOTFOUND {
		t.Fatalf("unlink twice: %v", err)
	}
}

// linkedFar links n with a fake market and has it accept.
func linkedFar(t *testing.T, n *testNode, fm *farMarket) *linkRef {
	t.Helper()
	for _, k := range []string{keyInstance, keyMarket} { // made now, not while the link waits
		if _, err := n.f.keys.get(context.Background(), k); err != nil {
			t.Fatal(err)
		}
	}
	n.f.world.linkWait = 0 // nobody answers on the fake network while Link waits
	org := n.account("mei", node.RoleOrganiser)
	if _, _, err := n.f.Link(context.Background(), org, fm.market.id); err != nil {
		t.Fatal(err)
	}
	var body []byte
	if err := n.db.Read().QueryRow(`SELECT body FROM ap_outbox WHERE kind = 'follow' AND actor = 'market'`).Scan(&body); err != nil {
		t.Fatal(err)
	}
	fm.post(fm.market, map[string]any{"@context": asContextIRI, "id": fm.base + "/activities/accept", "type": "Accept",
		"actor": fm.market.id, "object": decode(t, body)})
	return n.f.links(context.Background()).byActor[fm.market.id]
}

// The catalogue's limits and a market that fails: at most World.Items items
// per market (the least recently shown go), at most BackfillPages pages per
// read, a read cut off goes on where it stopped (a new node on the same
// database), a market whose outbox is gone or garbage is marked stale and
// keeps its catalogue until it answers again, and thumbnails stay within
// the market's byte cap, the newest items' first.
func TestCatalogueLimitsAndFailures(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	thumbs, err := media.NewStore(filepath.Join(dir, "world"), media.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	tune := func(c *Config) { c.World = node.WorldLimits{Items: 4, BackfillPages: 3}; c.WorldMedia = thumbs }
	n := newTestNodeAt(t, filepath.Join(dir, "shiji.db"), "https://here.test", start, tune)
	fm := newFarMarket(t, n, "https://far.test")
	lk := linkedFar(t, n, fm)
	for i := range 7 {
		it := fm.item(i+1, i%2, fmt.Sprintf("Thing %d", i+1), "1.00", "CNY", 1)
		it["published"] = start.Add(-time.Duration(7-i) * time.Hour).Format(time.RFC3339)
		fm.items = append(fm.items, it)
	}
	fm.serveOutbox(2) // four pages

	// One page, then a "crash": the read is resumable from page 2.
	more, ahead, err := n.f.syncPage(ctx, lk, nil)
	if err != nil || !more || ahead == nil || ahead.url != fm.market.id+"/outbox?page=2" {
		t.Fatalf("first page: %v %v %v", more, ahead, err)
	}
	<-ahead.done // page 2 was fetched while page 1 was stored; the new node reads it again
	if _, next := n.linkState(fm.market.id); next != fm.market.id+"/outbox?page=2" {
		t.Fatalf("after a page, next = %q", next)
	}
	fm.items[0]["name"] = "Changed meanwhile" // page 1 is not read again
	fm.serveOutbox(2)
	n2 := newTestNodeAt(t, filepath.Join(dir, "shiji.db"), "https://here.test", start.Add(time.Minute), tune)
	n2.f.cfg.Transport = n.net // the same fake network
	n2.f.client = newClient(n2.f)
	lk2 := n2.f.links(ctx).byActor[fm.market.id]
	if pages, err := n2.f.syncLink(ctx, lk2); err != nil || pages != 2 {
		t.Fatalf("read %d pages: %v", pages, err)
	}
	// Pages 2 and 3 read (three pages per read), page 4 left for the
	// Announces; the cap of four keeps the four most recently shown.
	var titles []string
	rows, _ := n2.db.Read().Query(`SELECT title FROM world_items ORDER BY title`)
	for rows.Next() {
		var s string
		rows.Scan(&s)
		titles = append(titles, s)
	}
	rows.Close()
	if fmt.Sprint(titles) != "[Thing 3 Thing 4 Thing 5 Thing 6]" {
		t.Fatalf("catalogue = %v", titles)
	}
	if _, next := n2.linkState(fm.market.id); next != "" {
		t.Fatalf("the read did not stop at the page limit: %q", next)
	}

	// The outbox is gone: the market is stale, the catalogue stays; garbage
	// the same; when it answers again it is fresh.
	n2.f.dueSyncs(ctx)
	n2.clock.Add(25 * time.Hour)
	if err := n2.f.dueSyncs(ctx); err != nil {
		t.Fatal(err)
	}
	n.net.serve(fm.market.id+"/outbox", []byte("<html>not json</html>"))
	if _, err := n2.f.syncLink(ctx, lk2); err == nil {
		t.Fatal("a garbage outbox was read")
	}
	var stale *int64
	n2.db.Read().QueryRow(`SELECT stale_since FROM world_links`).Scan(&stale)
	if stale == nil || n2.count(`SELECT count(*) FROM world_items`) != 4 {
		t.Fatalf("after a garbage outbox: stale %v, %d items", stale, n2.count(`SELECT count(*) FROM world_items`))
	}
	n2.clock.Add(8 * 24 * time.Hour) // older than the TTL, but the market is down: kept
	if err := n2.f.sweepCatalogue(ctx); err != nil {
		t.Fatal(err)
	}
	if c := n2.count(`SELECT count(*) FROM world_items`); c != 4 {
		t.Fatalf("a stale market's catalogue was swept: %d left", c)
	}
	fm.serveOutbox(2)
	lk2 = n2.f.links(ctx).byActor[fm.market.id]
	if _, err := n2.f.syncLink(ctx, lk2); err != nil {
		t.Fatal(err)
	}
	n2.db.Read().QueryRow(`SELECT stale_since FROM world_links`).Scan(&stale)
	if stale != nil {
		t.Fatalf("still stale after answering")
	}

}

// Thumbnails stay within the market's byte cap: the newest items keep
// theirs, the oldest listed is evicted first, and an older item than every
// kept one waits.
func TestCatalogueThumbnailCap(t *testing.T) {
	ctx := context.Background()
	thumbs, err := media.NewStore(filepath.Join(t.TempDir(), "world"), media.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	var pics [][]byte
	var sizes []int64
	for i := range 4 {
		b := testJPEG(t, 60+i, 40+i)
		th, err := thumbs.SaveThumb(bytes.NewReader(b), thumbLong) // its size, as the worker will store it
		if err != nil {
			t.Fatal(err)
		}
		pics, sizes = append(pics, b), append(sizes, th.Bytes)
	}
	n := newTestNode(t, "https://here.test", start, func(c *Config) {
		c.WorldMedia = thumbs
		c.World = node.WorldLimits{PhotoBytes: sizes[1] + sizes[2]}
	})
	fm := newFarMarket(t, n, "https://far.test")
	lk := linkedFar(t, n, fm)
	for i := range 3 { // item 0 oldest … item 2 newest, each its own picture
		it := fm.item(i+1, 0, fmt.Sprintf("Thing %d", i), "1.00", "CNY", 1)
		it["published"] = start.Add(time.Duration(i) * time.Hour).Format(time.RFC3339)
		photo := fmt.Sprintf("%s/pics/%d.jpg", fm.base, i)
		it["attachment"].([]any)[0].(map[string]any)["url"] = photo
		n.net.serveFile(photo, "image/jpeg", pics[i])
		fm.items = append(fm.items, it)
	}
	fm.serveOutbox(10)
	if _, err := n.f.syncLink(ctx, lk); err != nil {
		t.Fatal(err)
	}
	states := func() string {
		var out []string
		rows, _ := n.db.Read().Query(`SELECT title, thumb_state FROM world_items ORDER BY title`)
		defer rows.Close()
		for rows.Next() {
			var a, b string
			rows.Scan(&a, &b)
			out = append(out, a+"="+b)
		}
		return strings.Join(out, " ")
	}
	for range 3 {
		if _, err := n.f.fetchThumbs(ctx, 16); err != nil {
			t.Fatal(err)
		}
	}
	if got := states(); got != "Thing 0=evicted Thing 1=kept Thing 2=kept" {
		t.Fatalf("thumbnails: %s", got)
	}
	// A newer item: the oldest kept one (Thing 1) makes room.
	newer := fm.item(9, 1, "Thing 3", "1.00", "CNY", 1)
	newer["published"] = start.Add(5 * time.Hour).Format(time.RFC3339)
	newer["attachment"].([]any)[0].(map[string]any)["url"] = fm.base + "/pics/3.jpg"
	n.net.serveFile(fm.base+"/pics/3.jpg", "image/jpeg", pics[3])
	fm.post(fm.market, map[string]any{"@context": asContextIRI, "id": fm.base + "/activities/an-9", "type": "Announce",
		"actor": fm.market.id, "object": newer})
	if _, err := n.f.fetchThumbs(ctx, 16); err != nil {
		t.Fatal(err)
	}
	got := states()
	var used int64
	n.db.Read().QueryRow(`SELECT sum(thumb_bytes) FROM world_items WHERE thumb_state = 'kept'`).Scan(&used)
	if !strings.Contains(got, "Thing 0=evicted") || !strings.Contains(got, "Thing 3=kept") || used > sizes[1]+sizes[2] {
		t.Fatalf("after a newer item: %s (%d bytes of %d)", got, used, sizes[1]+sizes[2])
	}
	if strings.Contains(got, "Thing 1=kept") && strings.Contains(got, "Thing 2=kept") {
		t.Fatalf("nothing was evicted for the newer item: %s", got)
	}

	// A restored backup has the catalogue but not the copies: they are
	// fetched again.
	kept := n.count(`SELECT count(*) FROM world_items WHERE thumb_state = 'kept'`)
	thumbs.Files(func(name string, _ time.Time) error { return thumbs.Remove(name) })
	if err := n.f.refetchLostThumbs(ctx); err != nil {
		t.Fatal(err)
	}
	if c := n.count(`SELECT count(*) FROM world_items WHERE thumb_state = 'kept'`); c != 0 {
		t.Fatalf("%d thumbnails still kept without their files", c)
	}
	for range 3 {
		if _, err := n.f.fetchThumbs(ctx, 16); err != nil {
			t.Fatal(err)
		}
	}
	if c := n.count(`SELECT count(*) FROM world_items WHERE thumb_state = 'kept'`); c != kept {
		t.Fatalf("after fetching again: %d kept, want %d", c, kept)
	}
}

func TestCatalogueText(t *testing.T) {
	for _, tc := range []struct {
		n              remoteNote
		title, excerpt string
	}{
		{remoteNote{Name: "Bell", html: "<p>Bell</p><p>Rings *loud* #brass</p>"}, "Bell", "Rings *loud* #brass"},
		{remoteNote{html: "Lamp<br>from 1970"}, "Lamp", "from 1970"},
		{remoteNote{Offer: &offerFacts{Title: "Kite"}, html: "Kite<br>flies"}, "Kite", "flies"},
		{remoteNote{}, "·", ""},
	} {
		title, excerpt, _ := catalogueText(&tc.n)
		if title != tc.title || excerpt != tc.excerpt {
			t.Errorf("%+v: %q %q, want %q %q", tc.n, title, excerpt, tc.title, tc.excerpt)
		}
	}
}

// A failed read of an outbox is tried again soon, then less and less often.
func TestSyncBackoff(t *testing.T) {
	for _, c := range []struct {
		failures int
		want     time.Duration
	}{{0, 5 * time.Second}, {1, 5 * time.Second}, {2, 10 * time.Second}, {4, 40 * time.Second}, {11, time.Hour}, {100, time.Hour}} {
		if got := syncBackoff(c.failures); got != c.want {
			t.Errorf("syncBackoff(%d) = %s, want %s", c.failures, got, c.want)
		}
	}
}
