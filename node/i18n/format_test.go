package i18n

import (
	"testing"
	"time"

	"github.com/shiji-market/shiji/node"
)

func TestFormatsFollowTheLanguage(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	zh, en := c.Localizer("zh-Hans"), c.Localizer("en")
	day := time.Date(2026, 12, 5, 14, 30, 0, 0, time.UTC)
	for _, tt := range []struct{ got, want string }{
		{zh.Date(day), "12月5日 周六"},
		{en.Date(day), "Sat 5 Dec"},
		{zh.DateTime(day), "12月5日 周六 14:30"},
		{en.DateTime(day), "Sat 5 Dec, 14:30"},
		{zh.Price(node.Price{Kind: node.PriceAmount, Minor: 8800, Currency: "CNY"}), "¥88"},
		{en.Price(node.Price{Kind: node.PriceAmount, Minor: 8800, Currency: "CNY"}), "CN¥88.00"},
		{zh.Price(node.Price{Kind: node.PriceAmount, Minor: 128850, Currency: "CNY"}), "¥1,288.50"},
		{en.Price(node.Price{Kind: node.PriceAmount, Minor: 1250, Currency: "EUR"}), "€12.50"},
		{en.Price(node.Price{Kind: node.PriceAmount, Minor: 1200, Currency: "JPY"}), "¥1,200"},
		{zh.Price(node.Price{Kind: node.PriceAmount, Minor: 500, Currency: "USD"}), "US$5"},
		{zh.Price(node.Price{Kind: node.PriceFree}), "免费送"},
		{en.Price(node.Price{Kind: node.PriceSwap}), "Swap"},
		{en.Number(12345), "12,345"},
		{c.Localizer("zh-Hant").Date(day), "12月5日 週六"},
		{c.Localizer("zh-Hant").Price(node.Price{Kind: node.PriceAmount, Minor: 8800, Currency: "TWD"}), "$88"},
		{en.T("map.unplaced", "N", 1), "1 stall has no place on the map yet."},
		{en.T("map.unplaced", "N", 3), "3 stalls have no place on the map yet."},
		{zh.T("map.unplaced", "N", 1), zh.T("map.unplaced", "N", 1)},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
