package main

import (
	"bufio"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// fillMarket gives the market n stalls in two alleys, each with i items,
// placed on the floor plan in a row per alley.
func fillMarket(t *testing.T, m *market, stalls, items int) []int {
	t.Helper()
	var ids []int
	for s := 0; s < stalls; s++ {
		alley := []string{"vintage", "flowers"}[s%2]
		r := m.call("POST", "/api/v1/stalls", m.li, fmt.Sprintf(`{"name":"Stall %02d","alley":%q,"open_today":true}`, s, alley))
		if r.Status != 201 {
			t.Fatalf("stall: %d %s", r.Status, r.Body)
		}
		id := int(r.JSON(t)["id"].(float64))
		ids = append(ids, id)
		if r := m.call("PUT", fmt.Sprintf("/api/v1/stalls/%d/spot", id), m.org, fmt.Sprintf(`{"x":%d,"y":%d}`, s/2, s%2)); r.Status != 204 {
			t.Fatalf("place: %d %s", r.Status, r.Body)
		}
		for i := 0; i < items; i++ {
			r := m.call("POST", fmt.Sprintf("/api/v1/stalls/%d/items", id), m.li,
				fmt.Sprintf(`{"title":"Thing %d of stall %d","price":{"amount":"%d","currency":"CNY"}}`, i, s, 5+i*40))
			if r.Status != 201 {
				t.Fatalf("item: %d %s", r.Status, r.Body)
			}
		}
	}
	return ids
}

func TestWanderAPI(t *testing.T) {
	m := newMarket(t)
	m.call("DELETE", "/api/v1/items/0", m.wang, "") // no-op: keep the default stall empty
	fillMarket(t, m, 6, 5)
	get := func(q string) map[string]any {
		r := m.call("GET", "/api/v1/wander?"+q, "", "")
		if r.Status != 200 {
			t.Fatalf("wander %s = %d %s", q, r.Status, r.Body)
		}
		return r.JSON(t)
	}
	p0 := get("seed=42&page=0&limit=10")
	if p0["seed"].(float64) != 42 || p0["page"].(float64) != 0 {
		t.Fatalf("echo = %v %v", p0["seed"], p0["page"])
	}
	items := p0["items"].([]any)
	if len(items) != 10 {
		t.Fatalf("limit 10 gave %d items", len(items))
	}
	first := items[0].(map[string]any)
	for _, k := range []string{"id", "title", "url", "stall", "alley", "price", "photos"} {
		if _, ok := first[k]; !ok {
			t.Fatalf("item lacks %q: %v", k, first)
		}
	}
	// Reproducible, never the same stall twice in a row, no repeats across pages.
	if again := get("seed=42&page=0&limit=10"); fmt.Sprint(again["items"]) != fmt.Sprint(p0["items"]) {
		t.Fatal("same seed gave a different page")
	}
	seen := map[float64]bool{}
	var prevStall float64
	for page := 0; page < 3; page++ {
		for _, it := range get(fmt.Sprintf("seed=42&page=%d&limit=10", page))["items"].([]any) {
			im := it.(map[string]any)
			id, stall := im["id"].(float64), im["stall"].(map[string]any)["id"].(float64)
			if seen[id] {
				t.Fatalf("item %v repeated", id)
			}
			if stall == prevStall {
				t.Fatalf("stall %v twice in a row", stall)
			}
			seen[id], prevStall = true, stall
		}
	}
	if len(seen) != 30 {
		t.Fatalf("3 pages of 10 over 30 items showed %d", len(seen))
	}
	if other := get("seed=43&page=0&limit=10"); fmt.Sprint(other["items"]) == fmt.Sprint(p0["items"]) {
		t.Fatal("another seed gave the same walk")
	}
	// Default limit 24, clamped to 60; a missing seed is made up and returned.
	if n := len(get("page=0")["items"].([]any)); n != 24 {
		t.Fatalf("default limit gave %d", n)
	}
	if r := get("seed=1&limit=500"); r["limit"].(float64) != 60 {
		t.Fatalf("limit not clamped: %v", r["limit"])
	}
	if r := get("seed=1&limit=0"); r["limit"].(float64) != 1 {
		t.Fatalf("limit 0 not clamped to 1: %v", r["limit"])
	}
	// Bad input: clear 422s, never a 500.
	for _, q := range []string{"seed=abc", "seed=-1", "seed=99999999999999999999", "seed=1&page=-1", "seed=1&page=x", "seed=1&page=100001", "seed=1&limit=ten"} {
		r := m.call("GET", "/api/v1/wander?"+q, "", "")
		if r.Status != 422 || r.JSON(t)["error"] == "" {
			t.Errorf("wander %s = %d %s", q, r.Status, r.Body)
		}
	}
	// Surprise: another alley than the item it starts from.
	from := first["id"].(float64)
	r := m.call("GET", fmt.Sprintf("/api/v1/wander/surprise?seed=5&from=%d", int(from)), "", "")
	if r.Status != 200 {
		t.Fatalf("surprise = %d %s", r.Status, r.Body)
	}
	if s := r.JSON(t); s["alley"] == first["alley"] {
		t.Fatalf("surprise from alley %v stayed in it", first["alley"])
	}
	if r := m.call("GET", "/api/v1/wander/surprise?seed=5&seen=a,b", "", ""); r.Status != 422 {
		t.Errorf("bad seen = %d", r.Status)
	}
}

func TestWanderEmptyMarketAndNeighbours(t *testing.T) {
	m := newMarket(t)
	// No items yet: a warm empty state, not an error.
	r := m.c.get("/wander")
	if r.Status != 200 {
		t.Fatalf("/wander = %d", r.Status)
	}
	mustContain(t, "empty wander", r.Body, "The tables are still empty")
	if r := m.call("GET", "/api/v1/wander?seed=1", "", ""); r.Status != 200 || len(r.JSON(t)["items"].([]any)) != 0 {
		t.Fatalf("empty API wander = %d %s", r.Status, r.Body)
	}
	if r := m.call("GET", "/api/v1/wander/surprise?seed=1", "", ""); r.Status != 404 {
		t.Fatalf("empty surprise = %d", r.Status)
	}
	ids := fillMarket(t, m, 4, 1) // stalls 0,2 in vintage at x=0,1 (y=0); 1,3 in flowers
	nb := func(id int) (float64, float64) {
		r := m.call("GET", fmt.Sprintf("/api/v1/stalls/%d/neighbours", id), "", "").JSON(t)
		if r["next"] == nil {
			return 0, 0
		}
		return r["prev"].(map[string]any)["id"].(float64), r["next"].(map[string]any)["id"].(float64)
	}
	// Vintage holds the default stall (unplaced, last) and stalls 0 and 2.
	if _, next := nb(ids[0]); int(next) != ids[2] {
		t.Fatalf("next of %d = %v, want %d", ids[0], next, ids[2])
	}
	prev, next := nb(ids[1])
	if int(prev) != ids[3] || int(next) != ids[3] {
		t.Fatalf("flowers alley of two: prev %v next %v, want %d both", prev, next, ids[3])
	}
	if r := m.call("GET", "/api/v1/stalls/99999/neighbours", "", ""); r.Status != 404 {
		t.Fatalf("unknown stall neighbours = %d", r.Status)
	}
	// The stall page links the walk.
	mustContain(t, "stall page", m.c.get(fmt.Sprintf("/stalls/%d", ids[1])).Body, fmt.Sprintf(`rel="next" href="/stalls/%d"`, ids[3]))
}

func TestAmbienceStream(t *testing.T) {
	m := newMarket(t)
	open := func() (*bufio.Reader, func()) {
		req, _ := http.NewRequest("GET", m.n.URL+"/live/ambience", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
			t.Fatalf("content type %q", ct)
		}
		return bufio.NewReader(resp.Body), func() { resp.Body.Close() }
	}
	// next reads events until one of type typ arrives and returns its data.
	next := func(r *bufio.Reader, typ string) string {
		t.Helper()
		done := make(chan string, 1)
		go func() {
			var ev string
			for {
				line, err := r.ReadString('\n')
				if err != nil {
					done <- "EOF"
					return
				}
				line = strings.TrimRight(line, "\n")
				switch {
				case strings.HasPrefix(line, "event: "):
					ev = strings.TrimPrefix(line, "event: ")
				case strings.HasPrefix(line, "data: ") && ev == typ:
					done <- strings.TrimPrefix(line, "data: ")
					return
				}
			}
		}()
		select {
		case d := <-done:
			return d
		case <-time.After(hangGuard):
			t.Fatalf("no %s event within %s", typ, hangGuard)
			return ""
		}
	}
	a, closeA := open()
	defer closeA()
	if d := next(a, "wanderers"); d != `{"count":1}` {
		t.Fatalf("first wanderers = %s", d)
	}
	b, closeB := open()
	if d := next(a, "wanderers"); d != `{"count":2}` {
		t.Fatalf("after a second visitor = %s", d)
	}
	next(b, "wanderers")
	closeB()
	if d := next(a, "wanderers"); d != `{"count":1}` {
		t.Fatalf("after the second left = %s", d)
	}
	// A stall opening shows up live.
	m.call("PATCH", fmt.Sprintf("/api/v1/stalls/%d", int(m.stall)), m.wang, `{"open_today":false}`)
	if d := next(a, "stall"); !strings.Contains(d, `"open":false`) || !strings.Contains(d, "Old Wang") {
		t.Fatalf("stall event = %s", d)
	}
}
