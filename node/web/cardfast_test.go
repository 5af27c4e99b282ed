package web

import (
	"bytes"
	template "github.com/shiji-market/shiji/internal/template/html"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/shiji-market/shiji/node"
)

// The Go cards are the default theme's cards, byte for byte, whatever the
// items hold.
func TestFastCardsAreTheThemesCards(t *testing.T) {
	s, _ := newTestServer(t, "default")
	if !s.fastItemCard || !s.fastStallCard {
		t.Fatalf("the default theme's cards are not recognised (item %v, stall %v)", s.fastItemCard, s.fastStallCard)
	}
	r := rand.New(rand.NewPCG(1, 2))
	pieces := []string{"a", "旧书", "<b>", "&amp;", `"`, "'", "+", "\x00", "\xff", " ", "\n", "é", "\u2028", "{{.}}", "javascript:x", "%20", "=", "`"}
	text := func() string {
		var b strings.Builder
		for i := r.IntN(8); i >= 0; i-- {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		return b.String()
	}
	statuses := []node.ItemStatus{node.ItemAvailable, node.ItemReserved, node.ItemGone, node.ItemWithdrawn, "odd<\"status"}
	for i := 0; i < 2000; i++ {
		it := &node.Item{ID: node.ItemID(r.Int64N(1 << 40)), Stall: node.StallID(r.Int64N(1 << 30)), Title: text(), StallName: text(),
			Status: statuses[r.IntN(len(statuses))]}
		st := &node.Stall{ID: node.StallID(r.Int64N(1 << 30)), Name: text()}
		if r.IntN(3) > 0 {
			p := node.Photo{Hash: "0123abcdef" + text(), Ext: []string{"jpg", "png", "we bp", "jp\"g"}[r.IntN(4)], Alt: text(),
				Width: r.IntN(5000), Height: r.IntN(5000)}
			it.Photos, st.Photos = []node.Photo{p}, []node.Photo{p}
		}
		var want, got bytes.Buffer
		if err := s.partials.ExecuteTemplate(&want, "itemcard", it); err != nil {
			t.Fatal(err)
		}
		if writeItemCard(&got, it) && got.String() != want.String() {
			t.Fatalf("item card differs for %+v:\nGo:       %q\ntemplate: %q", it, got.String(), want.String())
		}
		want.Reset()
		got.Reset()
		if err := s.partials.ExecuteTemplate(&want, "stallcard", st); err != nil {
			t.Fatal(err)
		}
		if writeStallCard(&got, st) && got.String() != want.String() {
			t.Fatalf("stall card differs for %+v:\nGo:       %q\ntemplate: %q", st, got.String(), want.String())
		}
	}
}

// A theme with cards of its own renders them with its templates.
func TestFastCardsOnlyForTheDefaultCards(t *testing.T) {
	s, _ := newTestServer(t, "default")
	funcs := template.FuncMap{"itemPath": node.ItemPath, "stallPath": node.StallPath, "photoPath": node.PhotoPath,
		"firstPhoto": func([]node.Photo) *node.Photo { return nil }}
	own := template.Must(template.New("").Funcs(funcs).Parse(`{{define "itemcard"}}<li>{{.Title}}</li>{{end}}`))
	if isDefaultCard(own, funcs, "itemcard", defaultItemCard) {
		t.Fatal("a theme's own item card was taken for the default")
	}
	if !isDefaultCard(s.partials, funcs, "itemcard", defaultItemCard) {
		t.Fatal("the default item card was not recognised")
	}
}
