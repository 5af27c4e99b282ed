package markdown

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/shiji-market/shiji/internal/htmlcheck"
)

// Seeds beyond testdata/fuzz: what people write, and what attackers try.
var markdownSeeds = []string{
	"", "Plain story.", "**Phoenix** bicycle bell, 1980s.\n\n- rings\n- shines", "请看 https://x.example/a，谢谢",
	"# 标题\n\n> 引用\n\n```go\nfmt.Println()\n```", "| a | b |\n|---|---|\n| 1 | 2 |", "- [ ] task\n- [x] done",
	`<script>alert(1)</script>`, `[x](javascript:alert(1))`, `![x](data:image/png;base64,AAAA)`, `<img src=x onerror=alert(1)>`,
	"<a href=\"https://x.example\">a</a>", "*a **b* c**", "[a](<b)>)", "<details><summary>x</summary>y</details>",
	"`<b>`", "&lt;script&gt;", "<!-- c -->", "\x00\x01\x02", "<p><b>", "</div></div>", "[x]: javascript:alert(1)\n\n[x]",
}

// FuzzMarkdown: any Markdown renders, and the HTML never holds a script, an
// event handler, a javascript:/data: URL, a style, or an unclosed tag.
func FuzzMarkdown(f *testing.F) {
	for _, s := range markdownSeeds {
		f.Add(s)
	}
	r := New()
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 64<<10 {
			return
		}
		out := string(r.HTML(src))
		if err := htmlcheck.Check(out); err != nil {
			t.Fatalf("HTML(%q) = %q: %v", src, out, err)
		}
		if !utf8.ValidString(out) && utf8.ValidString(src) {
			t.Fatalf("HTML(%q) is not valid UTF-8: %q", src, out)
		}
	})
}

// FuzzSanitize: HTML from another server (a note's content, a profile's
// summary) comes out with the same guarantees as our own Markdown.
func FuzzSanitize(f *testing.F) {
	for _, s := range markdownSeeds {
		f.Add(s)
	}
	for _, s := range []string{
		`<p>Hello <span class="h-card"><a href="https://m.example/@a" class="u-url mention">@<span>a</span></a></span></p>`,
		`<p><a href="https://x.example" target="_blank" rel="nofollow noopener noreferrer">link</a><br>line</p>`,
		`<b>unclosed <i>tags`, `</p></p><p>`, `<table><tr><td>x</table>`, `<a href="x"><a href="y">nested</a></a>`,
		`<p>a<div>b</div>c</p>`, `<math><mi xlink:href="javascript:alert(1)">x</mi></math>`, `<svg><script>alert(1)</script></svg>`,
		`<noscript><p title="</noscript><img src=x onerror=alert(1)>">`, `<img src="https://x.example/a.png" alt="a cat">`,
	} {
		f.Add(s)
	}
	r := New()
	f.Fuzz(func(t *testing.T, in string) {
		if len(in) > 64<<10 {
			return
		}
		out := string(r.Sanitize(in))
		if err := htmlcheck.Check(out); err != nil {
			t.Fatalf("Sanitize(%q) = %q: %v", in, out, err)
		}
		if strings.Contains(strings.ToLower(out), "<script") {
			t.Fatalf("Sanitize(%q) = %q", in, out)
		}
	})
}
