package web

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mmcdole/gofeed"
	"github.com/shiji-market/shiji/node"
)

// TestFeedsParseBack serves the market's, a stall's, an alley's and a
// search's feeds in RSS and Atom, and reads each back with gofeed (an
// independent, well-kept parser): titles, links, photos as enclosures, the
// price in the reader's language; pages link them with rel="alternate".
func TestFeedsParseBack(t *testing.T) {
	s, a := newTestServer(t, "default")
	ctx := context.Background()
	org, err := a.AddAccount(ctx, "mei", node.RoleOrganiser, "a long secret phrase")
	if err != nil {
		t.Fatal(err)
	}
	alley := &node.Alley{Slug: "vintage", Name: node.Text{"en": "Vintage", "zh-Hans": "旧物"}}
	if err := a.CreateAlley(ctx, org, alley); err != nil {
		t.Fatal(err)
	}
	st := &node.Stall{Name: "Old Wang", Story: "Since 1988.", Alley: alley.ID}
	if err := a.CreateStall(ctx, org, st); err != nil {
		t.Fatal(err)
	}
	bell := &node.Item{Stall: st.ID, Title: "Brass bell", Story: "It **rings**.", Quantity: 1, Tags: []string{"brass"},
		Price: node.Price{Kind: node.PriceAmount, Minor: 8800, Currency: "CNY"}}
	lamp := &node.Item{Stall: st.ID, Title: "Tin lamp", Story: "Lights the way.", Quantity: 1, Price: node.Price{Kind: node.PriceFree}}
	for _, it := range []*node.Item{bell, lamp} {
		if err := a.CreateItem(ctx, org, it); err != nil {
			t.Fatal(err)
		}
	}
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for i := range img.Pix {
		img.Pix[i] = byte(i)
	}
	img.Set(1, 1, color.White)
	var pngBytes bytes.Buffer
	if err := png.Encode(&pngBytes, img); err != nil {
		t.Fatal(err)
	}
	ph, err := a.AddItemPhoto(ctx, org, bell.ID, s.photos, &pngBytes, "A brass bell on a cloth")
	if err != nil {
		t.Fatal(err)
	}
	get := func(path, lang string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Accept-Language", lang)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		return rec
	}
	stallPath := fmt.Sprintf("/stalls/%d", st.ID)
	for _, tt := range []struct {
		path  string
		items []string
	}{
		{"/items", []string{"Tin lamp", "Brass bell"}},
		{stallPath, []string{"Tin lamp", "Brass bell"}},
		{"/alleys/vintage", []string{"Tin lamp", "Brass bell"}},
	} {
		for _, format := range []string{".rss", ".atom"} {
			for _, lang := range []string{"en", "zh-Hans"} {
				rec := get(tt.path+format, lang)
				if rec.Code != 200 {
					t.Fatalf("%s%s: %d %s", tt.path, format, rec.Code, rec.Body)
				}
				wantType := map[string]string{".rss": "application/rss+xml", ".atom": "application/atom+xml"}[format]
				if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, wantType) {
					t.Errorf("%s%s: Content-Type %q", tt.path, format, ct)
				}
				f, err := gofeed.NewParser().ParseString(rec.Body.String())
				if err != nil {
					t.Fatalf("%s%s does not parse: %v\n%s", tt.path, format, err, rec.Body)
				}
				if want := map[string]string{".rss": "rss", ".atom": "atom"}[format]; f.FeedType != want {
					t.Errorf("%s%s: feed type %q", tt.path, format, f.FeedType)
				}
				var titles []string
				for _, it := range f.Items {
					titles = append(titles, it.Title)
				}
				if strings.Join(titles, ",") != strings.Join(tt.items, ",") {
					t.Errorf("%s%s: items %q, want %q", tt.path, format, titles, tt.items)
				}
				var b *gofeed.Item
				for _, it := range f.Items {
					if it.Title == "Brass bell" {
						b = it
					}
				}
				if b == nil {
					continue
				}
				if b.Link != "http://market.test"+node.ItemPath(bell.ID) {
					t.Errorf("%s%s: link %q", tt.path, format, b.Link)
				}
				if len(b.Enclosures) != 1 || b.Enclosures[0].URL != "http://market.test"+node.PhotoPath(ph, "") ||
					b.Enclosures[0].Type != "image/"+ph.Ext || b.Enclosures[0].Length == "0" || b.Enclosures[0].Length == "" {
					t.Errorf("%s%s: enclosures %+v", tt.path, format, b.Enclosures)
				}
				price := map[string]string{"en": "CN¥88.00", "zh-Hans": "¥88"}[lang]
				if !strings.Contains(b.Description+b.Content, price) {
					t.Errorf("%s%s %s: no price %q in %q / %q", tt.path, format, lang, price, b.Description, b.Content)
				}
				if !strings.Contains(b.Content, "<strong>rings</strong>") {
					t.Errorf("%s%s: the story is not in the content: %q", tt.path, format, b.Content)
				}
			}
		}
	}
	// A search's and a tag's feed.
	for _, path := range []string{"/items.atom?q=bell", "/items.rss?tag=brass"} {
		rec := get(path, "en")
		f, err := gofeed.NewParser().ParseString(rec.Body.String())
		if err != nil || len(f.Items) != 1 || f.Items[0].Title != "Brass bell" {
			t.Errorf("%s: %v %+v\n%s", path, err, f, rec.Body)
		}
	}
	// Nothing there: a clear 404.
	for _, path := range []string{"/stalls/999.atom", "/alleys/nope.rss", "/stalls/x.atom", "/feeds/items/all/json"} {
		if rec := get(path, "en"); rec.Code != http.StatusNotFound {
			t.Errorf("%s: %d", path, rec.Code)
		}
	}
	// Discoverable from the pages.
	for path, want := range map[string]string{"/": `href="/items.atom"`, stallPath: `href="` + stallPath + `.rss"`,
		"/alleys/vintage": `href="/alleys/vintage.atom"`, "/search?q=bell": `href="/items.atom?q=bell"`} {
		body := get(path, "en").Body.String()
		if !strings.Contains(body, `<link rel="alternate" type="application/`) || !strings.Contains(body, want) {
			t.Errorf("%s does not link its feed %s", path, want)
		}
	}
}
