package markdown

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
)

func TestHTMLIsHarmless(t *testing.T) {
	r := New()
	corpus := []string{
		`<script>alert(1)</script>`,
		`<img src=x onerror=alert(1)>`,
		`[click](javascript:alert(1))`,
		`[click](JaVaScRiPt:alert(1))`,
		`[click](  javascript:alert(1))`,
		`![x](data:image/png;base64,iVBORw0KGgo=)`,
		`[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)`,
		`<a href="javascript:alert(1)">x</a>`,
		`<div onclick="alert(1)">x</div>`,
		`<iframe src="https://evil.example"></iframe>`,
		`<svg onload=alert(1)>`,
		`**unclosed [link](http://x.example "t" onmouseover=alert(1)`,
		"```\n<script>alert(1)</script>\n",
		`<style>body{display:none}</style>`,
		`[x](vbscript:msgbox)`,
		`<<script>script>alert(1)<</script>/script>`,
		`<a href="&#106;avascript:alert(1)">x</a>`,
		`[x](&#106;avascript:alert(1))`,
	}
	for _, src := range corpus {
		out := string(r.HTML(src))
		if msg := harmful(out); msg != "" {
			t.Errorf("HTML(%q) = %q: %s", src, out, msg)
		}
	}
}

// harmful parses h as a browser would and reports the first dangerous element,
// attribute or URL it finds.
func harmful(h string) string {
	z := html.NewTokenizer(strings.NewReader(h))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			switch tok.Data {
			case "script", "style", "iframe", "svg", "object", "embed", "form", "input", "math":
				return "element " + tok.Data
			}
			for _, a := range tok.Attr {
				k, v := strings.ToLower(a.Key), strings.ToLower(strings.TrimSpace(a.Val))
				if strings.HasPrefix(k, "on") || k == "style" || k == "srcdoc" {
					return "attribute " + k
				}
				if (k == "href" || k == "src") && v != "" && !strings.HasPrefix(v, "http://") &&
					!strings.HasPrefix(v, "https://") && !strings.HasPrefix(v, "mailto:") && !strings.HasPrefix(v, "/") && !strings.HasPrefix(v, "#") {
					return "url " + v
				}
			}
		}
	}
}

func TestHTMLRenders(t *testing.T) {
	r := New()
	tests := []struct{ src, want string }{
		{"**旧书**", "<strong>旧书</strong>"},
		{"[site](https://example.org)", `rel="nofollow noopener ugc"`},
		{"line one\nline two", "<br"},
		{"# 标题", "<h1"},
		{"~~gone~~", "<del>gone</del>"},
	}
	for _, tt := range tests {
		if got := string(r.HTML(tt.src)); !strings.Contains(got, tt.want) {
			t.Errorf("HTML(%q) = %q, want it to contain %q", tt.src, got, tt.want)
		}
	}
}
