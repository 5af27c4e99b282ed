// Package markdown turns user-written Markdown into safe HTML. It is the only
// place in shiji allowed to produce template.HTML from user text.
package markdown

import (
	"bytes"
	"html/template"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer/html"
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
			goldmark.WithRendererOptions(html.WithHardWraps()), // no html.WithUnsafe(): raw HTML is dropped
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

// Sanitize cleans HTML from elsewhere (e.g. a remote server) with the same policy.
func (r *Renderer) Sanitize(h string) template.HTML {
	out := r.policy.SanitizeBytes([]byte(h))
	out = bytes.ReplaceAll(out, []byte(`rel="nofollow noopener"`), []byte(`rel="nofollow noopener ugc"`))
	out = bytes.ReplaceAll(out, []byte(`rel="nofollow"`), []byte(`rel="nofollow noopener ugc"`))
	return template.HTML(out)
}
