package media_test

import (
	"bytes"
	"testing"

	"github.com/shiji-market/shiji/node/media"
)

func BenchmarkSave(b *testing.B) {
	in := encJPEG(b, photo(4000, 3000, 0))
	for b.Loop() {
		s, err := media.NewStore(b.TempDir(), media.Limits{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Save(bytes.NewReader(in)); err != nil {
			b.Fatal(err)
		}
	}
}
