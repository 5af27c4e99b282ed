package data

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/shiji-market/shiji/node"
)

// A stall's cards read from the items_cards index are the listing's, and
// each item's first photo follows its photos at once: added, deleted from
// the front (the next one moves up), deleted last (none left).
func TestStallCardsFollowTheFirstPhoto(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	acc := &node.Account{Name: "lin", Role: node.RoleStallholder}
	if err := db.CreateAccount(ctx, acc, "x", ""); err != nil {
		t.Fatal(err)
	}
	alley := &node.Alley{Slug: "cloth", Name: node.Text{"en": "Cloth"}, Colour: "#654321"}
	if err := db.CreateAlley(ctx, alley); err != nil {
		t.Fatal(err)
	}
	st := &node.Stall{Name: "Bolts", Alley: alley.ID}
	if err := db.CreateStall(ctx, st, acc.ID); err != nil {
		t.Fatal(err)
	}
	other := &node.Stall{Name: "Elsewhere", Alley: alley.ID}
	if err := db.CreateStall(ctx, other, acc.ID); err != nil {
		t.Fatal(err)
	}
	var items []*node.Item
	for i := 0; i < 7; i++ {
		it := &node.Item{Stall: st.ID, Title: fmt.Sprint("Bolt ", i), Tags: []string{"cloth"}, Price: node.Price{Kind: node.PriceAmount, Minor: int64(100 * i), Currency: "EUR"},
			Quantity: 1 + i, Status: node.ItemAvailable}
		if i == 5 {
			it.Stall = other.ID
		}
		if err := db.CreateItem(ctx, it); err != nil {
			t.Fatal(err)
		}
		items = append(items, it)
	}
	items[2].Status = node.ItemWithdrawn
	items[3].Status = node.ItemReserved
	for _, it := range items[2:4] {
		if err := db.UpdateItem(ctx, it); err != nil {
			t.Fatal(err)
		}
	}
	first := items[1]
	photo := func(h string) node.Photo {
		return node.Photo{Hash: h, Ext: "jpg", Width: 4, Height: 3, Alt: "alt " + h}
	}
	for _, h := range []string{"aa", "bb", "cc"} {
		if err := db.AddPhoto(ctx, "item", int64(first.ID), photo(h)); err != nil {
			t.Fatal(err)
		}
	}

	// The cards are the listing's, item for item and field for field.
	same := func(step string) {
		t.Helper()
		for _, status := range []node.ItemStatus{node.ItemAvailable, ""} {
			for _, page := range [][2]int{{48, 0}, {2, 0}, {2, 2}, {3, 4}} {
				want, err := db.Items(ctx, ItemFilter{Stall: st.ID, Status: status, Limit: page[0], Offset: page[1]})
				if err != nil {
					t.Fatal(err)
				}
				got, err := db.StallCards(ctx, st, status, page[0], page[1])
				if err != nil {
					t.Fatal(err)
				}
				if fmt.Sprint(cardsText(got)) != fmt.Sprint(cardsText(want)) {
					t.Fatalf("%s, status %q, page %v: cards\n%v\nthe listing\n%v", step, status, page, cardsText(got), cardsText(want))
				}
			}
		}
	}
	firstPhoto := func(step, want string) {
		t.Helper()
		same(step)
		cards, err := db.StallCards(ctx, st, "", 48, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cards {
			if c.ID != first.ID {
				continue
			}
			got := ""
			if len(c.Photos) == 1 {
				got = c.Photos[0].Hash
				if c.Photos[0] != photo(got) {
					t.Errorf("%s: photo %+v", step, c.Photos[0])
				}
			}
			if got != want || len(c.Photos) > 1 {
				t.Fatalf("%s: the card's photos are %v, want %q", step, c.Photos, want)
			}
			return
		}
		t.Fatalf("%s: no card for item %d", step, first.ID)
	}
	firstPhoto("three photos", "aa")
	if _, _, err := db.DeletePhoto(ctx, "item", int64(first.ID), 1); err != nil {
		t.Fatal(err)
	}
	firstPhoto("the second deleted", "aa")
	if _, _, err := db.DeletePhoto(ctx, "item", int64(first.ID), 0); err != nil {
		t.Fatal(err)
	}
	firstPhoto("the first deleted", "cc")
	if _, _, err := db.DeletePhoto(ctx, "item", int64(first.ID), 0); err != nil {
		t.Fatal(err)
	}
	firstPhoto("the last deleted", "")
	if err := db.AddPhoto(ctx, "item", int64(first.ID), photo("dd")); err != nil {
		t.Fatal(err)
	}
	firstPhoto("one added again", "dd")
	first.Title, first.Price.Minor = "Bolt, repriced", 999
	if err := db.UpdateItem(ctx, first); err != nil {
		t.Fatal(err)
	}
	same("repriced")

	// A stall's page of cards is read from the index alone.
	rows, err := db.r.QueryContext(ctx, `EXPLAIN QUERY PLAN SELECT i.id, i.title, i.photo_hash, i.photo_alt FROM items i INDEXED BY items_cards
		WHERE i.stall_id = ? AND i.status = 'available' ORDER BY i.created_at DESC, i.id DESC LIMIT 48`, st.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if p := strings.Join(plan, "; "); !strings.Contains(p, "COVERING INDEX items_cards") || strings.Contains(p, "TEMP B-TREE") {
		t.Errorf("plan: %s", p)
	}
}

func cardsText(items []*node.Item) []string {
	var out []string
	for _, it := range items {
		out = append(out, fmt.Sprintf("%d %d %q %v %d %v %s %d %d %s %d %v", it.ID, it.Stall, it.Title, it.Price, it.Quantity, it.Tags, it.Status,
			it.CreatedAt.Unix(), it.UpdatedAt.Unix(), it.StallName, it.Alley, it.Photos))
	}
	return out
}
