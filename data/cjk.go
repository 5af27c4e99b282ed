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

// gapMark stands between CJK letters that other text separates, so that a
// phrase of letters matches only letters that stand together. A private-use
// character: a token for the index's unicode61 tokenizer, never typed.
const gapMark = '\uE000'

// wordsText is what the words index holds of s: each CJK letter as a token
// of its own, the other words as they are (the index's tokenizer splits and
// folds them), and gapMark after anything that is not a CJK letter. A
// phrase of letters ("旧 书") then matches exactly where they stand together
// in s, which the trigram index cannot do for one or two letters, and a word
// of one or two Latin letters can be looked up by its start ("tv"*).
func wordsText(s string) string {
	var b strings.Builder
	gap := false
	for _, r := range s {
		if isCJK(r) {
			if gap {
				b.WriteByte(' ')
				b.WriteRune(gapMark)
				gap = false
			}
			b.WriteByte(' ')
			b.WriteRune(r)
			b.WriteByte(' ')
			continue
		}
		if gapMark == r {
			r = ' '
		}
		b.WriteRune(r)
		gap = true
	}
	return b.String()
}

// cjkPhrase is the words index's query for a word of CJK letters only, or "".
func cjkPhrase(w string) string {
	if w == "" {
		return ""
	}
	var b strings.Builder
	b.WriteByte('"')
	for i, r := range w {
		if !isCJK(r) {
			return ""
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}

// prefixQuery is the words index's query for the words that start with w
// (a word of one or two letters or digits, no CJK), or "" when w has none.
func prefixQuery(w string) string {
	letters := false
	for _, r := range w {
		if isCJK(r) || r == gapMark {
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
