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

// plainSeeds are inputs plainHTML takes, or nearly takes.
var plainSeeds = []string{
	"", "text", "<p>A <b>lamp</b> from the 1970s, still works. 一盏七十年代的台灯。</p>", "<p>It&#39;s &amp; \"quoted\" 'single' &lt;b&gt;</p>",
	"<p>a<br>b<br/>c<br />d</p>", "<p>x</p>\n<p>y</p>", "<p><em>a <strong>b</strong></em> <code>c</code> <del>d</del> <s>e</s> <u>f</u> x<sub>2</sub> y<sup>3</sup></p>",
	"<p>&nbsp;&copy;&#x1F600;&unknown; &amp</p>", "<p><p>nested</p></p>", "<b><p>x</p></b>", "<p><b>x</p></b>", "<p>a</b></p>", "</br>",
	"<P>upper</P>", "<p class=x>attr</p>", "<p>a > b</p>", "<p>a < b</p>", "<p>unclosed", "<b>x", "a\rb", "<p>\x00</p>", "<br>",
	"<p></p>", "<i><b>x</i></b>", "<p>1 &lt; 2 &gt; 0</p>", "&", "<p>&#0;</p>", "<p>&#13;</p>", "<p>\u00a0</p>",
}

// TestPlainHTML: what plainHTML takes comes out as the full way makes it,
// and what it should take it takes.
func TestPlainHTML(t *testing.T) {
	r := New()
	for _, in := range plainSeeds {
		if got, ok := plainHTML(in); ok {
			if want := string(r.sanitize(in)); got != want {
				t.Errorf("plainHTML(%q) = %q, the full way %q", in, got, want)
			}
		}
	}
	for _, in := range []string{"<p>A <b>lamp</b> from the 1970s, still works. 一盏七十年代的台灯。</p>", "<p>It&#39;s</p><p>a<br>b</p>", "plain"} {
		if _, ok := plainHTML(in); !ok {
			t.Errorf("plainHTML(%q) takes the full way", in)
		}
	}
	for _, in := range []string{"<p class=x>a</p>", "<p><p>a</p></p>", `<a href="https://x.example">a</a>`, "<script>x</script>", "<b>x"} {
		if _, ok := plainHTML(in); ok {
			t.Errorf("plainHTML(%q) took it", in)
		}
	}
}

// FuzzPlainHTML: whenever plainHTML takes an input, its answer is the full
// way's, byte for byte.
func FuzzPlainHTML(f *testing.F) {
	for _, s := range append(plainSeeds, markdownSeeds...) {
		f.Add(s)
	}
	r := New()
	f.Fuzz(func(t *testing.T, in string) {
		if len(in) > 16<<10 {
			return
		}
		if got, ok := plainHTML(in); ok {
			if want := string(r.sanitize(in)); got != want {
				t.Fatalf("plainHTML(%q) = %q, the full way %q", in, got, want)
			}
		}
	})
}
