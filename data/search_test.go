package data

import (
	"context"
	"fmt"
	"testing"

	"github.com/shiji-market/shiji/node"
)

func TestWordsText(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"凤凰牌自行车", " 凤  凰  牌  自  行  车 "},
		{"一箱旧书。Old books!", " 一  箱  旧  书 。Old books!"},
		{"旧a书", " 旧 a \uE000 书 "},
		{"旧 书", " 旧   \uE000 书 "},
		{"bicycle \uE000", "bicycle  "},
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
