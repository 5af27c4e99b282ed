package web

import (
	"bytes"
	template "github.com/shiji-market/shiji/internal/template/html"
	"strconv"

	"github.com/shiji-market/shiji/node"
)

// The default theme's item and stall cards, written in Go byte for byte as
// html/template renders them (cardfast_test.go compares the two on many
// items): a listing of a hundred cards costs a thousand template actions
// otherwise. Used only while the theme's "itemcard" and "stallcard" are the
// default ones; an organiser's own cards go through their template.
const (
	defaultItemCard = `
<li class="item-card status-{{.Status}}">
  <a href="{{itemPath .ID}}">
    {{with firstPhoto .Photos}}<img src="{{photoPath . "s"}}" alt="{{.Alt}}" loading="lazy" width="{{.Width}}" height="{{.Height}}">{{else}}<span class="nophoto" aria-hidden="true">市</span>{{end}}
    <span class="title">{{.Title}}</span>
  </a>
  <span class="meta"><a href="{{stallPath .Stall}}" class="stallname">{{.StallName}}</a></span>
</li>
`
	defaultStallCard = `
<li class="stall-card">
  <a href="{{stallPath .ID}}">
    {{with firstPhoto .Photos}}<img src="{{photoPath . "s"}}" alt="{{.Alt}}" loading="lazy">{{else}}<span class="nophoto" aria-hidden="true">摊</span>{{end}}
    <span class="title">{{.Name}}</span>
  </a>
</li>
`
)

// isDefaultCard reports whether the theme's template name is the default
// card (same text, whatever the theme's file looks like around it).
func isDefaultCard(set *template.Template, funcs template.FuncMap, name, text string) bool {
	t := set.Lookup(name)
	if t == nil || t.Tree == nil || t.Tree.Root == nil {
		return false
	}
	want, err := template.New(name).Funcs(funcs).Parse(text)
	if err != nil {
		return false
	}
	return t.Tree.Root.String() == want.Tree.Root.String()
}

// writeItemCard writes the default item card; false (nothing written) when
// the item holds something only html/template's URL escaping would handle.
func writeItemCard(b *bytes.Buffer, it *node.Item) bool {
	var photo *node.Photo
	if len(it.Photos) > 0 {
		photo = &it.Photos[0]
		if !plainPath(photo.Hash) || !plainPath(photo.Ext) {
			return false
		}
	}
	b.WriteString("\n<li class=\"item-card status-")
	escapeHTML(b, string(it.Status))
	b.WriteString("\">\n  <a href=\"/items/")
	b.WriteString(strconv.FormatInt(int64(it.ID), 10))
	b.WriteString("\">\n    ")
	if photo != nil {
		writeThumb(b, photo)
		b.WriteString("\" loading=\"lazy\" width=\"")
		b.WriteString(strconv.Itoa(photo.Width))
		b.WriteString("\" height=\"")
		b.WriteString(strconv.Itoa(photo.Height))
		b.WriteString("\">")
	} else {
		b.WriteString("<span class=\"nophoto\" aria-hidden=\"true\">市</span>")
	}
	b.WriteString("\n    <span class=\"title\">")
	escapeHTML(b, it.Title)
	b.WriteString("</span>\n  </a>\n  <span class=\"meta\"><a href=\"/stalls/")
	b.WriteString(strconv.FormatInt(int64(it.Stall), 10))
	b.WriteString("\" class=\"stallname\">")
	escapeHTML(b, it.StallName)
	b.WriteString("</a></span>\n</li>\n")
	return true
}

// writeStallCard writes the default stall card; false as writeItemCard.
func writeStallCard(b *bytes.Buffer, st *node.Stall) bool {
	var photo *node.Photo
	if len(st.Photos) > 0 {
		photo = &st.Photos[0]
		if !plainPath(photo.Hash) || !plainPath(photo.Ext) {
			return false
		}
	}
	b.WriteString("\n<li class=\"stall-card\">\n  <a href=\"/stalls/")
	b.WriteString(strconv.FormatInt(int64(st.ID), 10))
	b.WriteString("\">\n    ")
	if photo != nil {
		writeThumb(b, photo)
		b.WriteString("\" loading=\"lazy\">")
	} else {
		b.WriteString("<span class=\"nophoto\" aria-hidden=\"true\">摊</span>")
	}
	b.WriteString("\n    <span class=\"title\">")
	escapeHTML(b, st.Name)
	b.WriteString("</span>\n  </a>\n</li>\n")
	return true
}

// plainPath reports whether s needs no escaping in a URL path or an HTML
// attribute.
func plainPath(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// escapeHTML escapes s for HTML text and quoted attributes exactly as
// html/template does (its htmlReplacementTable).
func escapeHTML(b *bytes.Buffer, s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		var repl string
		switch s[i] {
		case 0:
			repl = "\uFFFD"
		case '"':
			repl = "&#34;"
		case '&':
			repl = "&amp;"
		case '\'':
			repl = "&#39;"
		case '+':
			repl = "&#43;"
		case '<':
			repl = "&lt;"
		case '>':
			repl = "&gt;"
		default:
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(repl)
		last = i + 1
	}
	b.WriteString(s[last:])
}

// writeThumb writes the start of a card's thumbnail, up to its alt text:
// `<img src="/media/HASH-s.EXT" alt="ALT` (the caller closes the tag).
func writeThumb(b *bytes.Buffer, photo *node.Photo) {
	b.WriteString("<img src=\"/media/")
	b.WriteString(photo.Hash)
	b.WriteString("-s.")
	b.WriteString(photo.Ext)
	b.WriteString("\" alt=\"")
	escapeHTML(b, photo.Alt)
}
