package data

import (
	"context"
	"testing"

	"github.com/shiji-market/shiji/node"
)

// Tag pages and a stall's pinned items are listings like the others: one
// query, each item with its first photo, withdrawn items left out.
func TestTaggedAndPinnedItemsCarryTheirFirstPhoto(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	acc := &node.Account{Name: "wang", Role: node.RoleStallholder}
	if err := db.CreateAccount(ctx, acc, "x", ""); err != nil {
		t.Fatal(err)
	}
	alley := &node.Alley{Slug: "brass", Name: node.Text{"en": "Brass"}, Colour: "#123456"}
	if err := db.CreateAlley(ctx, alley); err != nil {
		t.Fatal(err)
	}
	st := &node.Stall{Name: "Bells", Alley: alley.ID}
	if err := db.CreateStall(ctx, st, acc.ID); err != nil {
		t.Fatal(err)
	}
	add := func(title string, tags ...string) *node.Item {
		it := &node.Item{Stall: st.ID, Title: title, Tags: tags, Price: node.Price{Kind: node.PriceFree}, Quantity: 1, Status: node.ItemAvailable}
		if err := db.CreateItem(ctx, it); err != nil {
			t.Fatal(err)
		}
		return it
	}
	bell := add("Bell", "brass", "ok")
	if err := db.AddPhoto(ctx, "item", int64(bell.ID), node.Photo{Hash: "aa11", Ext: "jpg", Width: 4, Height: 3, Alt: "a bell"}); err != nil {
		t.Fatal(err)
	}
	if err := db.AddPhoto(ctx, "item", int64(bell.ID), node.Photo{Hash: "bb22", Ext: "jpg", Width: 4, Height: 3, Alt: "its clapper"}); err != nil {
		t.Fatal(err)
	}
	lamp := add("Lamp", "brass")
	gone := add("Horn", "brass", "ok")
	gone.Status = node.ItemWithdrawn
	if err := db.UpdateItem(ctx, gone); err != nil {
		t.Fatal(err)
	}

	for _, tag := range []string{"brass", "ok"} { // three letters and more through the index; fewer by LIKE
		items, total, err := db.ItemsTagged(ctx, tag, 10, 0)
		if err != nil {
			t.Fatal(tag, err)
		}
		want := map[string]int{"brass": 2, "ok": 1}[tag]
		if total != want || len(items) != want {
			t.Fatalf("%s: %d items of %d, want %d", tag, len(items), total, want)
		}
		last := items[len(items)-1]
		if last.ID != bell.ID || len(last.Photos) != 1 || last.Photos[0].Hash != "aa11" || last.Photos[0].Alt != "a bell" {
			t.Errorf("%s: the bell is %+v, want it with its first photo", tag, last)
		}
	}

	for _, id := range []node.ItemID{lamp.ID, bell.ID} {
		if err := db.PinItem(ctx, id, true); err != nil {
			t.Fatal(err)
		}
	}
	pinned, err := db.PinnedItems(ctx, st.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(pinned) != 2 || pinned[0].ID != bell.ID || pinned[1].ID != lamp.ID {
		t.Fatalf("pinned = %v, want the bell then the lamp", pinned)
	}
	if len(pinned[0].Photos) != 1 || pinned[0].Photos[0].Hash != "aa11" || len(pinned[1].Photos) != 0 {
		t.Errorf("pinned photos = %v / %v, want the bell's first one and none", pinned[0].Photos, pinned[1].Photos)
	}
}
