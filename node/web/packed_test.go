package web

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"hash/crc32"
	"html/template"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"unsafe"

	"github.com/shiji-market/shiji/node"
)

// A packed frame, written gzipped or plain with a reader's bits in place
// of the marks, is the frame's text with those bits in place of the marks:
// gzip's reader checks the combined CRC-32 and the length.
func TestPackedFrameIsTheSplicedPage(t *testing.T) {
	s := &Server{markPrefix: "Zq8mark"}
	s.csrfMark, s.nameMark, s.shownMark = s.markPrefix+"CSRF", s.markPrefix+"NAME", s.markPrefix+"SHOW"
	s.cutMark = s.markPrefix + "CUT_"
	rng := rand.New(rand.NewPCG(1, 2))
	words := []string{"<p>", "市集", "kettle ", s.csrfMark, s.nameMark, s.shownMark, s.cutMark, s.cutMark, s.markPrefix, s.markPrefix + "XY",
		strings.Repeat("the same words again ", 40), "\n", "&amp;"}
	for round := 0; round < 300; round++ {
		var b strings.Builder
		for n := rng.IntN(60); n > 0; n-- {
			b.WriteString(words[rng.IntN(len(words))])
		}
		if round%50 == 0 { // a value longer than one stored block
			b.WriteString(s.shownMark)
		}
		text := b.String()
		shown := `A <Jie> & "co"`
		if round%50 == 0 {
			shown = strings.Repeat("长", 30000)
		}
		p := &page{view: &view{}, csrf: func() string { return "tok" + strings.Repeat("x", round) }}
		p.Account = &node.Account{Name: "ajie", DisplayName: shown}
		var want bytes.Buffer
		want.WriteString(strings.NewReplacer(s.csrfMark, p.csrf(), s.nameMark, "ajie", s.cutMark, "",
			s.shownMark, template.HTMLEscapeString(shown)).Replace(text))

		f := s.pack(text)
		vals := frameValues(p.csrf, p.Account)
		var gz bytes.Buffer
		f.writeGzip(&gz, vals)
		zr, err := gzip.NewReader(&gz)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if d := firstDiff(string(got), want.String()); d >= 0 {
			t.Fatalf("round %d: the gzipped frame differs at byte %d of %d (%d wanted): %q", round, d, len(got), want.Len(),
				string(got[d:min(len(got), d+80)]))
		}
		var plain bytes.Buffer
		if err := f.writePlain(&plain, vals); err != nil || plain.String() != want.String() {
			t.Fatalf("round %d: the plain frame differs (%v) at byte %d", round, err, firstDiff(plain.String(), want.String()))
		}
	}
}

// Frames that hold the same fragment (between cut marks) or the same text
// between marks hold the same bytes for it, kept once: the second frame's
// size counts only its own parts; each is still its own page.
func TestFramesShareTheirCommonParts(t *testing.T) {
	s := &Server{markPrefix: "Zq8mark"}
	s.csrfMark, s.nameMark, s.shownMark = s.markPrefix+"CSRF", s.markPrefix+"NAME", s.markPrefix+"SHOW"
	s.cutMark = s.markPrefix + "CUT_"
	head := s.cutMark + strings.Repeat(`<link rel="stylesheet" href="/static/shiji.css">`, 20) + s.cutMark
	top := `<nav>` + s.nameMark + strings.Repeat(`<a href="/wander">Stroll</a>`, 20) + s.shownMark + `</nav>`
	page := func(title, body string) string {
		return "<title>" + title + "</title>" + head + top + "<main>" + body + s.csrfMark + "</main>"
	}
	a := s.pack(page("Kettle", strings.Repeat("A copper kettle. ", 50)))
	b := s.pack(page("Teapot", strings.Repeat("A clay teapot, old. ", 50)))
	shared := 0
	for _, pa := range a.parts {
		for _, pb := range b.parts {
			if pa == pb && len(pa) > 0 && unsafe.StringData(pa) == unsafe.StringData(pb) {
				shared += len(pa)
			}
		}
	}
	if shared == 0 || b.size >= a.size || a.size-b.size < shared/2 {
		t.Fatalf("two frames share %d bytes; sizes %d and %d", shared, a.size, b.size)
	}
	vals := frameValues(func() string { return "tok" }, &node.Account{Name: "ajie", DisplayName: "A Jie"})
	for i, f := range []*packedFrame{a, b} {
		var plain bytes.Buffer
		if err := f.writePlain(&plain, vals); err != nil {
			t.Fatal(err)
		}
		want := strings.NewReplacer(s.csrfMark, "tok", s.nameMark, "ajie", s.shownMark, "A Jie", s.cutMark, "").
			Replace(page([]string{"Kettle", "Teapot"}[i], strings.Repeat([]string{"A copper kettle. ", "A clay teapot, old. "}[i], 50)))
		if plain.String() != want {
			t.Fatalf("frame %d differs at byte %d", i, firstDiff(plain.String(), want))
		}
	}
	// The table of parts stays bounded.
	for i := 0; i < 3*maxSharedParts; i++ {
		s.pack(fmt.Sprintf("<p>%d</p>", i) + s.cutMark + "the same" + s.cutMark)
	}
	if n := len(s.shared.parts); n > maxSharedParts {
		t.Fatalf("%d parts kept, at most %d wanted", n, maxSharedParts)
	}
	// The part every one of them held stayed through the sweeps.
	last := s.pack("<p>last</p>" + s.cutMark + "the same" + s.cutMark)
	if p := s.shared.parts[last.parts[1]]; p == nil || unsafe.StringData(p.s) != unsafe.StringData(last.parts[1]) {
		t.Fatal("the part every frame held was swept out")
	}
}

func TestCRCCombine(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 200; i++ {
		a, b := make([]byte, rng.IntN(5000)), make([]byte, rng.IntN(70000))
		for j := range a {
			a[j] = byte(rng.Uint32())
		}
		for j := range b {
			b[j] = byte(rng.Uint32())
		}
		want := crc32.ChecksumIEEE(append(bytes.Clone(a), b...))
		if got := multmodp(x8nmodp(len(b)), crc32.ChecksumIEEE(a)) ^ crc32.ChecksumIEEE(b); got != want {
			t.Fatalf("combine(%d, %d bytes) = %08x, want %08x", len(a), len(b), got, want)
		}
	}
}

// firstDiff returns the first byte where a and b differ, -1 when alike.
func firstDiff(a, b string) int {
	for i := 0; i < min(len(a), len(b)); i++ {
		if a[i] != b[i] {
			return i
		}
	}
	if len(a) != len(b) {
		return min(len(a), len(b))
	}
	return -1
}
