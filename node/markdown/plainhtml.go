package markdown

import (
	"strings"

	"golang.org/x/net/html"
)

// plainHTML is Sanitize for the commonest HTML from elsewhere: paragraphs,
// line breaks and text formatting without attributes, properly nested, as
// a followed account's post without links comes (issue 14: an inbox flood
// is mostly such posts, and parsing, rendering and sanitising each costs
// two HTML tokenisers). It reports false for anything else, which then
// takes the full way; when it reports true, what it returns is exactly
// what the full way returns (FuzzPlainHTML checks that).
//
// Text is unescaped and escaped again as html.Render and bluemonday do
// (so "&#39;" comes out "&#39;" and "'" too); <br>, <br/> and <br /> come
// out as <br/>. A <p> may not hold another <p>, and a formatting element
// must close inside the paragraph it opened in: the HTML parser would move
// things otherwise.
func plainHTML(h string) (string, bool) {
	if strings.ContainsAny(h, "\x00\r") {
		return "", false
	}
	var b strings.Builder
	b.Grow(len(h) + len(h)/8)
	var open [8]string // formatting elements open, innermost last
	depth := 0
	inP := false
	for i := 0; i < len(h); {
		j := strings.IndexByte(h[i:], '<')
		if j < 0 {
			j = len(h) - i
		}
		if j > 0 {
			t := h[i : i+j]
			if strings.IndexByte(t, '&') >= 0 {
				t = html.UnescapeString(t)
			}
			b.WriteString(html.EscapeString(t))
			i += j
			continue
		}
		k := strings.IndexByte(h[i:], '>')
		if k < 0 {
			return "", false
		}
		tag := h[i+1 : i+k]
		i += k + 1
		switch {
		case tag == "br" || tag == "br/" || tag == "br /":
			b.WriteString("<br/>")
			continue
		case tag == "p":
			if inP || depth > 0 {
				return "", false
			}
			inP = true
		case tag == "/p":
			if !inP || depth > 0 {
				return "", false
			}
			inP = false
		case plainInline(tag):
			if depth == len(open) {
				return "", false
			}
			open[depth] = tag
			depth++
		case len(tag) > 1 && tag[0] == '/' && plainInline(tag[1:]):
			if depth == 0 || open[depth-1] != tag[1:] {
				return "", false
			}
			depth--
		default:
			return "", false
		}
		b.WriteByte('<')
		b.WriteString(tag)
		b.WriteByte('>')
	}
	if inP || depth > 0 {
		return "", false
	}
	return b.String(), true
}

// plainInline reports whether tag is a formatting element plainHTML takes
// (the sanitising policy keeps each of them, without attributes).
func plainInline(tag string) bool {
	switch tag {
	case "b", "i", "em", "strong", "code", "del", "s", "u", "sub", "sup":
		return true
	}
	return false
}
