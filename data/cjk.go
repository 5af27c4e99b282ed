package data

import (
	"database/sql/driver"
	"strings"
	"unicode"
	"unicode/utf8"

	"modernc.org/sqlite"
)

// wordsFunc is the SQL function that turns text into what the words index
// (items_words, stalls_words) holds: wordsText.
const wordsFunc = "shiji_words"

// registerFunctions adds shiji's SQL functions to the driver; connections
// opened afterwards have them. Registering again is harmless.
func registerFunctions() error {
	err := sqlite.RegisterDeterministicScalarFunction(wordsFunc, 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		switch v := args[0].(type) {
		case string:
			return wordsText(v), nil
		case []byte:
			return wordsText(string(v)), nil
		}
		return "", nil
	})
	if err != nil && strings.Contains(err.Error(), "already registered") {
		return nil
	}
	return err
}

// isCJK reports whether r is a Chinese, Japanese or Korean letter: text in
// which words are not set apart by spaces.
func isCJK(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul)
}

// wordsText is what the words index holds of s: each CJK letter as a token
// of its own and each two CJK letters that stand together as another (a
// word of one or two letters is then one token to look up, never a phrase
// of two long doclists, which costs as much when the letters are common
// and never stand together as when they do), the other words as they are
// (the index's tokenizer splits and folds them; a word of one or two Latin
// letters is looked up by its start, "tv"*, from the index's prefixes).
// Words of three letters or more, CJK or not, are the trigram index's.
func wordsText(s string) string {
	var b strings.Builder
	b.Grow(len(s) * 2)
	prev := rune(-1) // the CJK letter just before, or -1
	for _, r := range s {
		if !isCJK(r) {
			b.WriteRune(r)
			prev = -1
			continue
		}
		b.WriteByte(' ')
		if prev >= 0 {
			b.WriteRune(prev)
			b.WriteRune(r)
			b.WriteString("  ")
		}
		b.WriteRune(r)
		b.WriteByte(' ')
		prev = r
	}
	return b.String()
}

// cjkWord is the words index's query for a word of one or two CJK letters
// only (one token: wordsText), or "".
func cjkWord(w string) string {
	n := 0
	for _, r := range w {
		if !isCJK(r) {
			return ""
		}
		n++
	}
	if n == 0 || n > 2 {
		return ""
	}
	return `"` + w + `"`
}

// prefixQuery is the words index's query for the words that start with w
// (a word of one or two letters or digits, no CJK), or "" when w has none.
func prefixQuery(w string) string {
	letters := false
	for _, r := range w {
		if isCJK(r) {
			return ""
		}
		letters = letters || unicode.IsLetter(r) || unicode.IsNumber(r)
	}
	if !letters {
		return ""
	}
	return `"` + strings.ReplaceAll(w, `"`, `""`) + `"*`
}

// runes counts w's characters.
func runes(w string) int { return utf8.RuneCountInString(w) }
