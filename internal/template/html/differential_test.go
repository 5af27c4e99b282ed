// Copyright 2026 the shiji authors. Use of this source code is governed by
// the BSD-style licence in the LICENSE file beside this directory.

package template_test

import (
	stdtemplate "html/template"
	"math/rand/v2"
	"strings"
	"testing"

	template "github.com/shiji-market/shiji/internal/template/html"
)

// diffTemplates place {{.}} in every context the escaper distinguishes.
var diffTemplates = []string{
	`<p>{{.}}</p>`,
	`<b title="{{.}}">x</b>`,
	`<b title='{{.}}'>x</b>`,
	`<b title={{.}}>x</b>`,
	`<a href="{{.}}">x</a>`,
	`<a href="/s?q={{.}}&amp;p=1">x</a>`,
	`<a href="http://example.org/{{.}}#{{.}}">x</a>`,
	`<img srcset="{{.}} 2x, /a.png {{.}}">`,
	`<a href='{{.}}' onclick="f({{.}})">x</a>`,
	`<button onclick="alert('{{.}}')">x</button>`,
	`<script>var a = {{.}}; var b = "{{.}}"; var c = '{{.}}';</script>`,
	"<script>var t = `x${ {{.}} }y{{.}}`;</script>",
	`<script>var r = /{{.}}/; // {{.}}
</script>`,
	`<script type="application/ld+json">{"k": {{.}}}</script>`,
	`<p style="color: {{.}}">x</p>`,
	`<p style="background: url('{{.}}')">x</p>`,
	`<style>p { font-family: "{{.}}"; color: {{.}} } /* {{.}} */</style>`,
	`<style>p { background: url({{.}}) }</style>`,
	`<textarea>{{.}}</textarea><title>{{.}}</title>`,
	`<!-- {{.}} --><p {{.}}="v">x</p>`,
	`<input value="{{.}}" {{if .}}checked{{end}}>`,
	`<meta http-equiv="refresh" content="5; url={{.}}">`,
	`<iframe srcdoc="{{.}}"></iframe>`,
	`<svg><a xlink:href="{{.}}">x</a></svg>`,
	`{{define "inner"}}<i>{{.}}</i>{{end}}<div data-x="{{.}}">{{template "inner" .}}</div>`,
}

// diffAtoms are the pieces the generated inputs are made of.
var diffAtoms = []string{
	"", "a", "<", ">", "&", `"`, "'", "`", "\\", "/", "=", " ", "\n", "\t",
	"\x00", "\u2028", "\u2029", "\ufeff", "\ufffd", "é", "市集", "😀",
	"javascript:", "JaVaScRiPt:alert(1)", " javascript:x", "vbscript:", "data:text/html,<b>",
	"http://example.org/a?b=c&d=e#f", "//evil.example", "mailto:a@b", "%41%zz",
	"</script>", "<script>", "</SCRIPT >", "<!--", "-->", "</style>", "<![CDATA[",
	"${x}", "/*", "*/", "//", "expression(alert(1))", "url(x)", "\\0", "#fff",
	"onclick=alert(1)", "x\" onmouseover=\"y", "a,b 2x", "1e3", "-0", "null",
}

// diffInputs returns n strings built from diffAtoms: each atom alone,
// then random concatenations of two to five atoms (a fixed seed, so a
// failure repeats).
func diffInputs(n int) []string {
	in := append([]string(nil), diffAtoms...)
	r := rand.New(rand.NewPCG(2026, 12))
	for len(in) < n {
		var b strings.Builder
		for k := 2 + r.IntN(4); k > 0; k-- {
			b.WriteString(diffAtoms[r.IntN(len(diffAtoms))])
		}
		in = append(in, b.String())
	}
	return in
}

// TestDifferentialStd checks that the fork and the standard library's
// html/template escape the same data to the same bytes in every context:
// generated strings, the same strings as typed content (HTML, JS, URL,
// CSS…, which are the standard library's own types), and other values.
func TestDifferentialStd(t *testing.T) {
	var data []any
	for _, s := range diffInputs(400) {
		data = append(data, s)
	}
	for _, s := range diffAtoms {
		data = append(data, template.HTML(s), template.HTMLAttr(s), template.JS(s),
			template.JSStr(s), template.URL(s), template.CSS(s), template.Srcset(s),
			[]string{s, s}, map[string]string{s: s}, &s)
	}
	data = append(data, nil, 0, -1.5, true, false, []int{1, 2}, struct{ A, b string }{"<a>", "b"})

	runs := 0
	for _, src := range diffTemplates {
		fork, ferr := template.New("t").Parse(src)
		std, serr := stdtemplate.New("t").Parse(src)
		if (ferr == nil) != (serr == nil) {
			t.Fatalf("%s: parse: fork %v, std %v", src, ferr, serr)
		}
		if ferr != nil {
			continue
		}
		for _, d := range data {
			var fb, sb strings.Builder
			ferr := fork.Execute(&fb, d)
			serr := std.Execute(&sb, d)
			runs++
			if fb.String() != sb.String() || errString(ferr) != errString(serr) {
				t.Errorf("%s with %#v:\nfork %q (%v)\nstd  %q (%v)", src, d, fb.String(), ferr, sb.String(), serr)
			}
		}
	}
	t.Logf("%d executions of %d templates compared", runs, len(diffTemplates))
	if runs < len(diffTemplates)*400 {
		t.Fatalf("only %d executions", runs)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
