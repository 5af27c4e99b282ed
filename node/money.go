package node

import (
	"fmt"
	"math/big"
	"strings"
)

// PriceKind says how an item is offered.
type PriceKind string

// Price kinds.
const (
	PriceAmount PriceKind = "amount" // a decimal amount in a currency
	PriceFree   PriceKind = "free"   // given away
	PriceSwap   PriceKind = "swap"   // swapped for something
	PriceAsk    PriceKind = "ask"    // "ask me"
)

// Price is what an item costs. Minor is the amount in the currency's minor
// unit (fen for CNY, cents for EUR, yen for JPY).
type Price struct {
	Kind     PriceKind
	Minor    int64
	Currency string // ISO 4217, upper case; "" unless Kind is PriceAmount
}

// MaxMinor caps amounts (a market sells things, not houses): 10^11 minor units.
const MaxMinor = 100_000_000_000

// ParsePrice reads an amount such as "12.50" in currency (ISO 4217). It
// refuses unknown currencies, negative amounts, more decimals than the
// currency has and absurd sizes, with EINVALID.
func ParsePrice(amount, currency string) (Price, error) {
	cur := strings.ToUpper(strings.TrimSpace(currency))
	exp, ok := CurrencyExponent(cur)
	if !ok {
		return Price{}, Errorf(EINVALID, "Unknown currency %q: use an ISO 4217 code such as CNY, EUR or USD.", currency)
	}
	amount = strings.TrimSpace(amount)
	if amount == "" {
		return Price{}, Errorf(EINVALID, "The price needs an amount.")
	}
	if strings.HasPrefix(amount, "-") {
		return Price{}, Errorf(EINVALID, "A price cannot be negative.")
	}
	whole, frac, _ := strings.Cut(amount, ".")
	if whole == "" {
		whole = "0"
	}
	if !digits(whole) || (frac != "" && !digits(frac)) || strings.Count(amount, ".") > 1 {
		return Price{}, Errorf(EINVALID, "%q is not an amount: write it like 12.50.", amount)
	}
	frac = strings.TrimRight(frac, "0")
	if len(frac) > exp {
		return Price{}, Errorf(EINVALID, "%s has %d decimal places; %q has more.", cur, exp, amount)
	}
	frac += strings.Repeat("0", exp-len(frac))
	n, ok := new(big.Int).SetString(whole+frac, 10)
	if !ok || n.Cmp(big.NewInt(MaxMinor)) > 0 {
		return Price{}, Errorf(EINVALID, "The amount %q is too large.", amount)
	}
	return Price{Kind: PriceAmount, Minor: n.Int64(), Currency: cur}, nil
}

// ParsePriceKind returns a non-amount price of kind free, swap or ask.
func ParsePriceKind(kind string) (Price, error) {
	switch k := PriceKind(strings.ToLower(strings.TrimSpace(kind))); k {
	case PriceFree, PriceSwap, PriceAsk:
		return Price{Kind: k}, nil
	}
	return Price{}, Errorf(EINVALID, "Unknown price kind %q: use free, swap or ask, or give an amount and a currency.", kind)
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// Amount formats the price's amount as a decimal string ("12.50"), "" for
// non-amount prices.
func (p Price) Amount() string {
	if p.Kind != PriceAmount {
		return ""
	}
	exp, _ := CurrencyExponent(p.Currency)
	s := fmt.Sprintf("%0*d", exp+1, p.Minor)
	if exp == 0 {
		return s
	}
	return s[:len(s)-exp] + "." + s[len(s)-exp:]
}

// String is e.g. "12.50 CNY", "free", "swap", "ask".
func (p Price) String() string {
	if p.Kind == PriceAmount {
		return p.Amount() + " " + p.Currency
	}
	return string(p.Kind)
}

// CurrencyExponent returns the number of minor-unit digits of an active
// ISO 4217 currency code, and false for unknown codes.
func CurrencyExponent(code string) (int, bool) {
	if len(code) != 3 {
		return 0, false
	}
	i := strings.Index(iso4217, code+":")
	if i < 0 || i%6 != 0 {
		return 0, false
	}
	return int(iso4217[i+4] - '0'), true
}

// iso4217 lists active ISO 4217 codes with their minor units, "XXX:n " each.
const iso4217 = "AED:2 AFN:2 ALL:2 AMD:2 ANG:2 AOA:2 ARS:2 AUD:2 AWG:2 AZN:2 BAM:2 BBD:2 BDT:2 BGN:2 BHD:3 " +
	"BIF:0 BMD:2 BND:2 BOB:2 BRL:2 BSD:2 BTN:2 BWP:2 BYN:2 BZD:2 CAD:2 CDF:2 CHF:2 CLP:0 CNY:2 " +
	"COP:2 CRC:2 CUP:2 CVE:2 CZK:2 DJF:0 DKK:2 DOP:2 DZD:2 EGP:2 ERN:2 ETB:2 EUR:2 FJD:2 FKP:2 " +
	"GBP:2 GEL:2 GHS:2 GIP:2 GMD:2 GNF:0 GTQ:2 GYD:2 HKD:2 HNL:2 HTG:2 HUF:2 IDR:2 ILS:2 INR:2 " +
	"IQD:3 IRR:2 ISK:0 JMD:2 JOD:3 JPY:0 KES:2 KGS:2 KHR:2 KMF:0 KPW:2 KRW:0 KWD:3 KYD:2 KZT:2 " +
	"LAK:2 LBP:2 LKR:2 LRD:2 LSL:2 LYD:3 MAD:2 MDL:2 MGA:2 MKD:2 MMK:2 MNT:2 MOP:2 MRU:2 MUR:2 " +
	"MVR:2 MWK:2 MXN:2 MYR:2 MZN:2 NAD:2 NGN:2 NIO:2 NOK:2 NPR:2 NZD:2 OMR:3 PAB:2 PEN:2 PGK:2 " +
	"PHP:2 PKR:2 PLN:2 PYG:0 QAR:2 RON:2 RSD:2 RUB:2 RWF:0 SAR:2 SBD:2 SCR:2 SDG:2 SEK:2 SGD:2 " +
	"SHP:2 SLE:2 SOS:2 SRD:2 SSP:2 STN:2 SVC:2 SYP:2 SZL:2 THB:2 TJS:2 TMT:2 TND:3 TOP:2 TRY:2 " +
	"TTD:2 TWD:2 TZS:2 UAH:2 UGX:0 USD:2 UYU:2 UZS:2 VES:2 VND:0 VUV:0 WST:2 XAF:0 XCD:2 XCG:2 " +
	"XOF:0 XPF:0 YER:2 ZAR:2 ZMW:2 ZWG:2 "
