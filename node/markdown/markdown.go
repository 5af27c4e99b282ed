// Package markdown turns user-written Markdown into safe HTML. It is the only
// place in shiji allowed to produce template.HTML from user text.
package markdown

import (
	"bytes"
	template "github.com/shiji-market/shiji/internal/template/html"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	gmhtml "github.com/yuin/goldmark/renderer/html"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Renderer renders Markdown with GFM and CJK extensions, drops raw HTML and
// sanitises the result. It is safe for concurrent use.
type Renderer struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
}

// New returns a Renderer.
func New() *Renderer {
	p := bluemonday.UGCPolicy()
	p.RequireNoFollowOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	p.RequireNoReferrerOnLinks(false)
	p.AllowURLSchemes("http", "https", "mailto")
	// bluemonday adds rel="nofollow noopener" (noopener with target=_blank);
	// "ugc" marks user-generated content for search engines.
	p.AddSpaceWhenStrippingTag(true)
	return &Renderer{
		md: goldmark.New(
			goldmark.WithExtensions(extension.GFM, extension.CJK),
			goldmark.WithRendererOptions(gmhtml.WithHardWraps()), // no WithUnsafe(): raw HTML is dropped
		),
		policy: p,
	}
}

// HTML renders src. Raw HTML, scripts, event handlers, javascript: and data:
// URLs never survive; links get rel="nofollow noopener ugc".
func (r *Renderer) HTML(src string) template.HTML {
	var buf bytes.Buffer
	if err := r.md.Convert([]byte(src), &buf); err != nil {
		return template.HTML(template.HTMLEscapeString(src))
	}
	out := r.policy.SanitizeBytes(buf.Bytes())
	out = bytes.ReplaceAll(out, []byte(`rel="nofollow noopener"`), []byte(`rel="nofollow noopener ugc"`))
	out = bytes.ReplaceAll(out, []byte(`rel="nofollow"`), []byte(`rel="nofollow noopener ugc"`))
	return template.HTML(out)
}

// Sanitize cleans HTML from elsewhere (e.g. a remote server) with the same
// policy. The HTML is first parsed as a browser would (inside a div) and
// written out again, so that what comes out is well-formed: an unclosed tag
// from elsewhere cannot swallow the rest of our page.
func (r *Renderer) Sanitize(h string) template.HTML {
	if out, ok := plainHTML(h); ok {
		return template.HTML(out)
	}
	return template.HTML(r.sanitize(h))
}

// sanitize is Sanitize the full way: parsed, rendered, then sanitised.
func (r *Renderer) sanitize(h string) []byte {
	out := r.policy.SanitizeBytes(wellFormed(h))
	out = bytes.ReplaceAll(out, []byte(`rel="nofollow noopener"`), []byte(`rel="nofollow noopener ugc"`))
	out = bytes.ReplaceAll(out, []byte(`rel="nofollow"`), []byte(`rel="nofollow noopener ugc"`))
	return out
}

// wellFormed parses h as the content of a div, as the HTML5 parser of a
// browser does (closing what is left open, dropping end tags that close
// nothing), and renders it again.
func wellFormed(h string) []byte {
	body := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	nodes, err := html.ParseFragment(strings.NewReader(h), body)
	if err != nil {
		return []byte(template.HTMLEscapeString(h))
	}
	var buf bytes.Buffer
	for _, n := range nodes {
		if err := html.Render(&buf, n); err != nil {
			return []byte(template.HTMLEscapeString(h))
		}
	}
	return buf.Bytes()
}
