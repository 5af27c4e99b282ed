package federation

import "strings"

// FEP-0837 names what is given in return with resourceConformsTo. A currency
// is its Wikidata item where we know it, else its ISO 4217 URN.
const iso4217URN = "urn:iso:std:iso:4217:"

// wikidataCurrencies lists the Wikidata items of common currencies.
func wikidataCurrencies() map[string]string {
	return map[string]string{
		"CNY": "https://www.wikidata.org/wiki/Q39099",
		"EUR": "https://www.wikidata.org/wiki/Q4916",
		"USD": "https://www.wikidata.org/wiki/Q4917",
		"JPY": "https://www.wikidata.org/wiki/Q8146",
		"GBP": "https://www.wikidata.org/wiki/Q25224",
	}
}

// currencyIRI names an ISO 4217 currency for resourceConformsTo.
func currencyIRI(code string) string {
	if u, ok := wikidataCurrencies()[code]; ok {
		return u
	}
	return iso4217URN + code
}

// currencyOf is the reverse of currencyIRI ("" for anything else).
func currencyOf(iri string) string {
	if c, ok := strings.CutPrefix(iri, iso4217URN); ok && len(c) == 3 {
		return strings.ToUpper(c)
	}
	for code, u := range wikidataCurrencies() {
		if u == iri {
			return code
		}
	}
	return ""
}
