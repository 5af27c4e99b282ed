package data

import (
	"context"
	"sort"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/shiji-market/shiji/node"
	"golang.org/x/text/unicode/norm"
)

// containsFold reports whether s holds sub, ignoring case (Unicode simple
// folding, as SQLite's trigram tokenizer does).
func containsFold(s, sub string) bool {
	n := utf8.RuneCountInString(sub)
	rs := []rune(s)
	for i := 0; i+n <= len(rs); i++ {
		if strings.EqualFold(string(rs[i:i+n]), sub) {
			return true
		}
	}
	return false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// FuzzSearch: any search text on a real database (FTS5, trigram) is a clear
// EINVALID or an answer: never an FTS5 syntax error; every item found holds
// every word of the query; for plain ASCII queries every item that holds
// them is found.
func FuzzSearch(f *testing.F) {
	for _, s := range []string{
		"bell", "Bell BICYCLE", "自行车", "自行车 铃", "铃", `"bell"`, `bell"`, "bell*", "bell OR lamp", "bell AND", "NOT bell",
		"NEAR(bell lamp)", "title:bell", "{title}: bell", "^bell", "(bell", "bell)", "-bell", "+bell", "b%l", "b_l", `\`,
		"'; DROP TABLE items; --", "0\x00", "bel\u0301l", "ǅ", "İstanbul", "ß", "ﬀ", strings.Repeat("x", 101), "  ",
	} {
		f.Add(s)
	}
	db := openTest(f)
	ctx := context.Background()
	acc := &node.Account{Name: "wang", Role: node.RoleStallholder}
	if err := db.CreateAccount(ctx, acc, "x", ""); err != nil {
		f.Fatal(err)
	}
	al := &node.Alley{Slug: "vintage", Name: node.Text{"en": "Vintage"}}
	if err := db.CreateAlley(ctx, al); err != nil {
		f.Fatal(err)
	}
	st := &node.Stall{Name: "Old Wang's Bicycles 老王自行车", Story: "Since 1988.", Alley: al.ID}
	if err := db.CreateStall(ctx, st, acc.ID); err != nil {
		f.Fatal(err)
	}
	type text struct{ title, story, tags string }
	corpus := []text{
		{"Phoenix bicycle bell", "From my father's *Phoenix*.", "vintage 自行车"}, {"凤凰自行车铃", "铃声很响 \"quoted\"", "铃"},
		{"Brass lamp", "Lights the stall at night; 100% brass_ware.", "lamp"}, {"İstanbul tea glass", "Straße café ß", "tea"},
		{"NEAR OR AND NOT", "title: story: {braces} (parens) ^caret *star*", "sql"}, {"50% off_sale", `back\slash "and" 'quotes'`, ""},
	}
	for _, c := range corpus {
		it := &node.Item{Stall: st.ID, Title: c.title, Story: c.story, Price: node.Price{Kind: node.PriceFree}, Quantity: 1,
			Status: node.ItemAvailable}
		if c.tags != "" {
			it.Tags = strings.Fields(c.tags)
		}
		if err := db.CreateItem(ctx, it); err != nil {
			f.Fatal(err)
		}
	}
	all, err := db.Items(ctx, ItemFilter{Limit: 100})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, q string) {
		items, _, err := db.Search(ctx, SearchQuery{Text: q})
		if err != nil {
			if node.ErrorCode(err) != node.EINVALID {
				t.Fatalf("Search(%q): %v", q, err)
			}
			return
		}
		words := strings.Fields(searchable(q))
		holds := func(it *node.Item) bool {
			full, _ := db.Item(ctx, it.ID)
			fields := full.Title + "\n" + full.Story + "\n" + strings.Join(full.Tags, " ") + "\n" + st.Name
			for _, w := range words {
				if !containsFold(fields, w) && !strings.Contains(strings.ToLower(fields), strings.ToLower(w)) &&
					!startsAWord(fields, w) {
					return false
				}
			}
			return true
		}
		var got []int64
		for _, it := range items {
			if !holds(it) {
				t.Fatalf("Search(%q) found %q, which does not hold every word", q, it.Title)
			}
			got = append(got, int64(it.ID))
		}
		if !isASCII(q) {
			return
		}
		// Every item that must be found is: words of three characters or
		// more anywhere, shorter words with letters or digits at the start
		// of a word (planSearch); the index may find more (it folds
		// diacritics), which the check above keeps sound.
		mustHold := func(it *node.Item) bool {
			if !holds(it) {
				return false
			}
			full, _ := db.Item(ctx, it.ID)
			tokens := strings.FieldsFunc(strings.ToLower(full.Title+" "+full.Story+" "+strings.Join(full.Tags, " ")+" "+st.Name),
				func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
			for _, w := range words {
				if runes(w) >= 3 || prefixQuery(w) == "" {
					continue
				}
				start := strings.ToLower(strings.Map(func(r rune) rune {
					if unicode.IsLetter(r) || unicode.IsNumber(r) {
						return r
					}
					return -1
				}, w))
				found := false
				for _, tok := range tokens {
					found = found || strings.HasPrefix(tok, start)
				}
				if !found {
					return false
				}
			}
			return true
		}
		found := map[int64]bool{}
		for _, id := range got {
			found[id] = true
		}
		for _, it := range all {
			if mustHold(it) && !found[int64(it.ID)] {
				sort.Slice(got, func(i, j int) bool { return got[i] < got[j] })
				t.Fatalf("Search(%q) = %v, missing %d (%q)", q, got, it.ID, it.Title)
			}
		}
	})
}

// startsAWord reports whether a short word with letters or digits (looked
// up in the words index, planSearch) starts a word of fields: the index
// keeps letters and digits alone (signs split words) and folds case and
// diacritics, so "1!" finds "100%" and "e" finds "école".
func startsAWord(fields, w string) bool {
	if runes(w) >= 3 || prefixQuery(w) == "" {
		return false
	}
	fold := func(s string) string {
		var b strings.Builder
		for _, r := range norm.NFD.String(strings.ToLower(s)) {
			if !unicode.Is(unicode.Mn, r) {
				b.WriteRune(r)
			}
		}
		return b.String()
	}
	alnum := func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) }
	start := strings.Join(strings.FieldsFunc(fold(w), alnum), "")
	for _, tok := range strings.FieldsFunc(fold(fields), alnum) {
		if strings.HasPrefix(tok, start) {
			return true
		}
	}
	return false
}
