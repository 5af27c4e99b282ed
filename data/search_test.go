package data

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/shiji-market/shiji/node"
)

func TestWordsText(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"凤凰牌", " 凤  凤凰  凰  凰牌  牌 "},
		{"一箱旧书。Old books!", " 一  一箱  箱  箱旧  旧  旧书  书 。Old books!"},
		{"旧a书", " 旧 a 书 "},
		{"旧 书", " 旧   书 "},
		{"bicycle", "bicycle"},
		{"", ""},
	} {
		if got := wordsText(tt.in); got != tt.want {
			t.Errorf("wordsText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// Words of one or two CJK letters are found where the letters stand
// together, mixed with Latin words; a common word with a rare filter pages
// through the index until it finds a page of results.
func TestSearchShortWordsAndPaging(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	acc := &node.Account{Name: "wang", Role: node.RoleStallholder}
	if err := db.CreateAccount(ctx, acc, "x", ""); err != nil {
		t.Fatal(err)
	}
	alley := &node.Alley{Slug: "books", Name: node.Text{"en": "Books"}, Colour: "#123456"}
	if err := db.CreateAlley(ctx, alley); err != nil {
		t.Fatal(err)
	}
	st := &node.Stall{Name: "Stall", Alley: alley.ID}
	if err := db.CreateStall(ctx, st, acc.ID); err != nil {
		t.Fatal(err)
	}
	add := func(title, story string, status node.ItemStatus) node.ItemID {
		it := &node.Item{Stall: st.ID, Title: title, Story: story, Price: node.Price{Kind: node.PriceFree}, Quantity: 1, Status: node.ItemAvailable}
		if err := db.CreateItem(ctx, it); err != nil {
			t.Fatal(err)
		}
		if status != node.ItemAvailable {
			it.Status = status
			if err := db.UpdateItem(ctx, it); err != nil {
				t.Fatal(err)
			}
		}
		return it.ID
	}
	books := add("一箱旧书", "七十年代的连环画。", node.ItemAvailable)
	apart := add("旧a书", "", node.ItemAvailable)
	radio := add("Old radio 旧收音机", "Still plays 书 songs.", node.ItemAvailable)
	var gone []node.ItemID
	for i := 0; i < 300; i++ { // many available matches, a few gone ones among the oldest
		st := node.ItemAvailable
		if i < 3 {
			st = node.ItemGone
		}
		id := add(fmt.Sprintf("Vintage lamp %d", i), "A lamp.", st)
		if i < 3 {
			gone = append(gone, id)
		}
	}
	search := func(text string, status node.ItemStatus) []node.ItemID {
		t.Helper()
		items, _, err := db.Search(ctx, SearchQuery{Text: text, Status: status})
		if err != nil {
			t.Fatal(err)
		}
		var ids []node.ItemID
		for _, it := range items {
			ids = append(ids, it.ID)
		}
		return ids
	}
	for _, tt := range []struct {
		q      string
		status node.ItemStatus
		want   []node.ItemID
	}{
		{"旧书", "", []node.ItemID{books}},
		{"书", "", []node.ItemID{radio, apart, books}},
		{"旧 old", "", []node.ItemID{radio}},
		{"收音机 radio", "", []node.ItemID{radio}},
		{"lamp", node.ItemGone, []node.ItemID{gone[2], gone[1], gone[0]}},
		{"A", node.ItemGone, []node.ItemID{gone[2], gone[1], gone[0]}},
		{"la", node.ItemGone, []node.ItemID{gone[2], gone[1], gone[0]}},
		{"ra", "", []node.ItemID{radio}},
		{"%", "", nil},
	} {
		if got := search(tt.q, tt.status); fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("search %q (%s) = %v, want %v", tt.q, tt.status, got, tt.want)
		}
	}
	if got := search("lamp", ""); len(got) != 48 || got[0] <= got[47] {
		t.Errorf("search lamp: %d results, not the newest first: %v", len(got), got)
	}
}

// Every CJK word of one to four letters finds exactly the items that hold
// those letters together (in the title, story, tags or stall name): words of
// one or two letters as tokens of the words index (letters and pairs of
// letters), longer ones in the trigram index; letters that are common but
// never stand together find nothing. An edit is found at once.
func TestSearchCJKWordsExact(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	acc := &node.Account{Name: "li", Role: node.RoleStallholder}
	if err := db.CreateAccount(ctx, acc, "x", ""); err != nil {
		t.Fatal(err)
	}
	alley := &node.Alley{Slug: "books", Name: node.Text{"en": "Books"}, Colour: "#123456"}
	if err := db.CreateAlley(ctx, alley); err != nil {
		t.Fatal(err)
	}
	st := &node.Stall{Name: "老李书摊", Alley: alley.ID}
	if err := db.CreateStall(ctx, st, acc.ID); err != nil {
		t.Fatal(err)
	}
	texts := [][3]string{
		{"一箱旧书", "七十年代的连环画，书很旧。", "旧书"},
		{"旧a书", "书 旧", ""},
		{"凤凰牌自行车", "骑了二十年的车，车铃还响。", "自行车 bicycle"},
		{"搪瓷杯", "杯子上写着「为人民服务」", "旧物"},
		{"Old radio 旧收音机", "Still plays 书 songs.", ""},
	}
	var items []*node.Item
	for _, tx := range texts {
		it := &node.Item{Stall: st.ID, Title: tx[0], Story: tx[1], Tags: strings.Fields(tx[2]), Price: node.Price{Kind: node.PriceFree},
			Quantity: 1, Status: node.ItemAvailable}
		if err := db.CreateItem(ctx, it); err != nil {
			t.Fatal(err)
		}
		items = append(items, it)
	}
	holds := func(it *node.Item, w string) bool {
		for _, s := range append([]string{it.Title, it.Story, st.Name}, it.Tags...) {
			if strings.Contains(s, w) {
				return true
			}
		}
		return false
	}
	check := func(w string) {
		t.Helper()
		got, stalls, err := db.Search(ctx, SearchQuery{Text: w, Limit: 200})
		if err != nil {
			t.Fatalf("search %q: %v", w, err)
		}
		var want, found []node.ItemID
		for i := len(items) - 1; i >= 0; i-- {
			if holds(items[i], w) {
				want = append(want, items[i].ID)
			}
		}
		for _, it := range got {
			found = append(found, it.ID)
		}
		if fmt.Sprint(found) != fmt.Sprint(want) {
			t.Errorf("search %q = %v, want %v", w, found, want)
		}
		if wantStall := strings.Contains(st.Name, w); (len(stalls) == 1) != wantStall {
			t.Errorf("search %q found %d stalls, want the stall: %v", w, len(stalls), wantStall)
		}
	}
	words := map[string]bool{"书旧": true, "车车": true, "旧书旧": true, "摊旧": true, "李书": true, "书摊": true}
	for _, it := range items {
		for _, s := range append([]string{it.Title, it.Story}, it.Tags...) {
			rs := []rune(s)
			for i := range rs {
				for n := 1; n <= 4 && i+n <= len(rs); n++ {
					w := string(rs[i : i+n])
					if cjkOnly(w) {
						words[w] = true
					}
				}
			}
		}
	}
	for w := range words {
		check(w)
	}
	// An edit: the title's new letters are found, its old ones no longer.
	items[1].Title = "书旧了"
	if err := db.UpdateItem(ctx, items[1]); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"书旧", "旧了", "书旧了", "旧a书", "a书"} {
		check(w)
	}
}

func cjkOnly(w string) bool {
	for _, r := range w {
		if !isCJK(r) {
			return false
		}
	}
	return w != ""
}
