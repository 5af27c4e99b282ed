package federation

import (
	"strings"

	"golang.org/x/net/html"
)

// htmlText turns a remote note's HTML into the plain text a message body
// holds (messages are Markdown, rendered and sanitised on display): text
// only, paragraphs and line breaks kept, Markdown syntax escaped so that the
// text shows as it was written. Mentions before any other text (the
// "@shop@market.example" a reply starts with) are dropped; links keep their
// text. No markup of the sender survives.
func htmlText(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	skip := 0                // depth inside an element whose text is dropped
	hcard := 0               // depth inside a leading h-card mention
	seen := false            // some text has been written
	newline := func(n int) { // runs of blank lines are folded by tidyLines
		if seen {
			b.WriteString(strings.Repeat("\n", n))
		}
	}
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return tidyLines(b.String()) // io.EOF, or the rest is unreadable
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			tag := string(name)
			switch tag {
			case "script", "style", "template", "head", "title":
				if tt == html.StartTagToken {
					skip++
				}
				continue
			case "br":
				newline(1)
				continue
			case "p", "div", "blockquote", "ul", "ol", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "table":
				newline(2)
			case "li", "tr":
				newline(1)
			}
			if hcard > 0 && tt == html.StartTagToken && tag != "img" && tag != "hr" && tag != "wbr" { // void elements have no end
				hcard++
				continue
			}
			if !seen && hasAttr && (tag == "span" || tag == "a") && tt == html.StartTagToken {
				for {
					k, v, more := z.TagAttr()
					if string(k) == "class" && (hasClass(string(v), "h-card") || (tag == "a" && hasClass(string(v), "mention") && !hasClass(string(v), "hashtag"))) {
						hcard = 1
						break
					}
					if !more {
						break
					}
				}
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style", "template", "head", "title":
				if skip > 0 {
					skip--
				}
				continue
			case "p", "div", "blockquote", "ul", "ol", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "table":
				newline(2)
			}
			if hcard > 0 {
				hcard--
			}
		case html.TextToken:
			if skip > 0 || hcard > 0 {
				continue
			}
			raw := string(z.Text())
			t := strings.Join(strings.Fields(raw), " ")
			if startsWithSpace(raw) {
				b.WriteByte(' ')
			}
			if t != "" {
				b.WriteString(escapeMarkdown(t))
				seen = true
				if endsWithSpace(raw) {
					b.WriteByte(' ')
				}
			}
		}
	}
}

// tidyLines trims every line and keeps at most one blank line in a row.
func tidyLines(s string) string {
	var out []string
	blank := 0
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimSpace(l)
		if l == "" {
			blank++
			if blank > 1 || len(out) == 0 {
				continue
			}
		} else {
			blank = 0
			l = escapeLineStart(l)
		}
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}

// escapeLineStart escapes what makes a line into a Markdown block: a list
// item ("- ", "+ ", "1. ", "1) "), a thematic break or a setext heading's
// underline ("---", "==="). The rest of the Markdown syntax is escaped in
// the text itself (escapeMarkdown).
func escapeLineStart(l string) string {
	if l == "" {
		return l
	}
	switch l[0] {
	case '-', '+', '=':
		return `\` + l
	}
	i := 0
	for i < len(l) && i < 10 && l[i] >= '0' && l[i] <= '9' {
		i++
	}
	if i > 0 && i < len(l) && (l[i] == '.' || l[i] == ')') {
		return l[:i] + `\` + l[i:]
	}
	return l
}

func hasClass(list, c string) bool {
	for _, x := range strings.Fields(list) {
		if x == c {
			return true
		}
	}
	return false
}

func startsWithSpace(s string) bool { return s != "" && strings.TrimLeft(s, " \t\r\n") != s }
func endsWithSpace(s string) bool   { return s != "" && strings.TrimRight(s, " \t\r\n") != s }

// markdownEscaper backslash-escapes the characters that would make text
// into Markdown or raw HTML.
var markdownEscaper = strings.NewReplacer(`\`, `\\`, "`", "\\`", `*`, `\*`, `_`, `\_`, `[`, `\[`, `]`, `\]`,
	`<`, `\<`, `>`, `\>`, `#`, `\#`, `~`, `\~`, `|`, `\|`)

func escapeMarkdown(s string) string { return markdownEscaper.Replace(s) }
