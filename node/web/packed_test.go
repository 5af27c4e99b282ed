package web

import (
	"bytes"
	"compress/gzip"
	"hash/crc32"
	"html/template"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/shiji-market/shiji/node"
)

// A packed frame, written gzipped or plain with a reader's bits in place
// of the marks, is the frame's text with those bits in place of the marks:
// gzip's reader checks the combined CRC-32 and the length.
func TestPackedFrameIsTheSplicedPage(t *testing.T) {
	s := &Server{markPrefix: "Zq8mark"}
	s.csrfMark, s.nameMark, s.shownMark = s.markPrefix+"CSRF", s.markPrefix+"NAME", s.markPrefix+"SHOW"
	rng := rand.New(rand.NewPCG(1, 2))
	words := []string{"<p>", "市集", "kettle ", s.csrfMark, s.nameMark, s.shownMark, s.markPrefix, s.markPrefix + "XY",
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
		want.WriteString(strings.NewReplacer(s.csrfMark, p.csrf(), s.nameMark, "ajie",
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
