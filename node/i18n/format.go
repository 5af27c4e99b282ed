package i18n

import (
	"fmt"
	"strings"
	"time"

	"github.com/shiji-market/shiji/node"
	"golang.org/x/text/currency"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"
)

// Dates, times, numbers and prices in the localizer's language. The words
// and patterns come from the catalogues (weekday.N, month.N, day.date,
// fmt.datetime, fmt.price, fmt.price.whole), the currency symbols and digit
// grouping from CLDR through golang.org/x/text.

// Date is a date as people of the language write it: "Sat 5 Dec", "12月5日 周六".
func (l *Localizer) Date(t time.Time) string {
	return l.T("day.date", "W", l.T(fmt.Sprintf("weekday.%d", int(t.Weekday()))), "D", t.Day(), "M", int(t.Month()),
		"Month", l.T(fmt.Sprintf("month.%d", int(t.Month()))), "Y", t.Year())
}

// DateTime is a date and a time of day: "Sat 5 Dec, 14:30", "12月5日 周六 14:30".
func (l *Localizer) DateTime(t time.Time) string {
	return l.T("fmt.datetime", "Date", l.Date(t), "Time", t.Format("15:04"))
}

// Number is n with the language's digit grouping: "12,345".
func (l *Localizer) Number(n int64) string {
	return l.printer().Sprint(number.Decimal(n))
}

// Price is an item's price: an amount with the currency's symbol as the
// language writes it ("CN¥88.00" in English, "¥88" in Chinese: whole amounts
// drop their zeros where fmt.price.whole says "short"), or the words for free,
// swap and ask.
func (l *Localizer) Price(p node.Price) string {
	if p.Kind != node.PriceAmount {
		return l.T("price." + string(p.Kind))
	}
	exp, _ := node.CurrencyExponent(p.Currency)
	symbol := p.Currency
	if u, err := currency.ParseISO(p.Currency); err == nil {
		symbol = l.printer().Sprint(currency.Symbol(u))
		symbol = strings.ReplaceAll(symbol, "￥", "¥") // the full-width yen of zh's CLDR data
	}
	div := int64(1)
	for range exp {
		div *= 10
	}
	whole, frac := p.Minor/div, p.Minor%div
	digits := exp
	if frac == 0 && l.T("fmt.price.whole") == "short" {
		digits = 0
	}
	_ = whole
	amount := l.printer().Sprint(number.Decimal(float64(p.Minor)/float64(div), number.Scale(digits)))
	return l.T("fmt.price", "Symbol", symbol, "Amount", amount, "Code", p.Currency)
}

func (l *Localizer) printer() *message.Printer {
	tag, err := language.Parse(l.Lang)
	if err != nil {
		tag = language.English
	}
	return message.NewPrinter(tag)
}
