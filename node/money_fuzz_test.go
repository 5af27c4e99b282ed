package node

import "testing"

// FuzzParsePrice: any amount and currency is either a clear EINVALID or a
// price within bounds that formats back to itself.
func FuzzParsePrice(f *testing.F) {
	for _, s := range [][2]string{
		{"12.50", "CNY"}, {"12.5", "cny"}, {".5", "USD"}, {"1500", "JPY"}, {"1.234", "KWD"}, {"1.5", "JPY"}, {"-1", "EUR"},
		{"1e3", "EUR"}, {"1,50", "EUR"}, {" 7 ", " eur "}, {"100000000000", "JPY"}, {"1000000000.01", "CNY"},
		{"0x10", "USD"}, {"１２", "CNY"}, {"1..2", "CNY"}, {"", "CNY"}, {"1", ""}, {"1", "XXX"}, {"1", "D:2"}, {"99999999999999999999999", "USD"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, amount, currency string) {
		p, err := ParsePrice(amount, currency)
		if err != nil {
			if ErrorCode(err) != EINVALID {
				t.Fatalf("ParsePrice(%q, %q): %v, want EINVALID", amount, currency, err)
			}
			return
		}
		if p.Kind != PriceAmount || p.Minor < 0 || p.Minor > MaxMinor {
			t.Fatalf("ParsePrice(%q, %q) = %+v", amount, currency, p)
		}
		if _, ok := CurrencyExponent(p.Currency); !ok {
			t.Fatalf("ParsePrice(%q, %q) kept the unknown currency %q", amount, currency, p.Currency)
		}
		back, err := ParsePrice(p.Amount(), p.Currency)
		if err != nil || back != p {
			t.Fatalf("%+v formats as %q, which parses as %+v, %v", p, p.Amount(), back, err)
		}
	})
}
