package main

import (
	"fmt"
	"strings"
	"testing"
)

// A stall's page shows its 48 newest items and links to the older ones.
func TestStallPageShowsItemsAPageAtATime(t *testing.T) {
	m := newMarket(t)
	for i := 1; i <= 50; i++ {
		m.item(t, fmt.Sprintf("Postcard number %d", i))
	}
	stall := fmt.Sprintf("/stalls/%d", int(m.stall))
	first := m.c.get(stall).Body
	if n := strings.Count(first, `class="item-card`); n != 48 {
		t.Fatalf("the first page shows %d items", n)
	}
	mustContain(t, "first page", first, "Postcard number 50", `href="`+stall+`?page=1"`, "More from this stall")
	if strings.Contains(first, "Postcard number 2<") || strings.Contains(first, `rel="prev"`) {
		t.Fatalf("the first page shows the oldest items or a link back")
	}
	second := m.c.get(stall + "?page=1").Body
	if n := strings.Count(second, `class="item-card`); n != 2 {
		t.Fatalf("the second page shows %d items", n)
	}
	mustContain(t, "second page", second, "Postcard number 1<", "Postcard number 2<", `rel="prev" href="`+stall+`"`)
	if strings.Contains(second, `rel="next"`) {
		t.Fatalf("the last page links to a next one")
	}
	if r := m.c.get(stall + "?page=x"); r.Status != 422 {
		t.Fatalf("page=x = %d", r.Status)
	}
}
