package markdown

import "testing"

// What a followed account's post costs to sanitise on its way in (issue
// 14's ingest): a Mastodon post with a mention, a link and a hashtag.
//
//	go test -run '^$' -bench Sanitize -benchmem ./node/markdown
const benchPost = `<p><span class="h-card" translate="no"><a href="https://market.test/@ajie" class="u-url mention">@<span>ajie</span></a></span> A <b>lamp</b> from the 1970s, still works. 一盏七十年代的台灯。 <a href="https://remote.test/tags/lamp" class="mention hashtag" rel="tag">#<span>lamp</span></a></p><p>See <a href="https://example.com/lamp" rel="nofollow noopener noreferrer" target="_blank"><span class="invisible">https://</span><span class="">example.com/lamp</span></a></p>`

func BenchmarkSanitize(b *testing.B) {
	r := New()
	b.ReportAllocs()
	for b.Loop() {
		r.Sanitize(benchPost)
	}
}

func BenchmarkWellFormed(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		wellFormed(benchPost)
	}
}

// BenchmarkSanitizePlain: a post without links, which plainHTML takes.
func BenchmarkSanitizePlain(b *testing.B) {
	r := New()
	in := `<p>A <b>lamp</b> from the 1970s, still works. It&#39;s heavy.<br>一盏七十年代的台灯。</p><p>Pick-up on market day.</p>`
	b.ReportAllocs()
	for b.Loop() {
		r.Sanitize(in)
	}
}
