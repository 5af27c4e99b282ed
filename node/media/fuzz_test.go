package media_test

import (
	"bytes"
	"image"
	"os"
	"path/filepath"
	"testing"

	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/media"
)

// FuzzSave: any bytes through the photo pipeline. Never a panic; a header
// that claims more pixels than the limit is refused as too large before
// anything is decoded; what is stored decodes, fits MaxSide and carries no
// metadata.
func FuzzSave(f *testing.F) {
	img := photo(40, 30, 7)
	for _, b := range [][]byte{
		encJPEG(f, img), encPNG(f, img), exifJPEG(f, img, 6), encGIF(f, paletted(8, 8, red, true)),
		webpLossless1x1, webpLossy1x1, webpAlpha1x1, solidWebP(5, 3, blue),
		bombPNG(60000, 60000), bombJPEG(f, 60000, 60000), bombGIF(f, 60000, 60000),
		[]byte("GIF89a"), []byte("\x89PNG\r\n\x1a\n"), []byte("\xff\xd8\xff"), []byte("RIFF\x00\x00\x00\x00WEBPVP8 "), {},
	} {
		f.Add(b)
	}
	const maxPixels = 1 << 20 // small: the fuzzer decodes many images a second
	dir := f.TempDir()
	st, err := media.NewStore(dir, media.Limits{MaxBytes: 1 << 20, MaxPixels: maxPixels})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, _, cerr := image.DecodeConfig(bytes.NewReader(data))
		p, err := st.Save(bytes.NewReader(data))
		if cerr == nil && int64(cfg.Width)*int64(cfg.Height) > maxPixels && node.ErrorCode(err) != node.ETOOLARGE && node.ErrorCode(err) != node.EUNSUPPORTED && node.ErrorCode(err) != node.EINVALID {
			t.Fatalf("a %d×%d header: Save = %v, want a refusal before decoding", cfg.Width, cfg.Height, err)
		}
		if cerr == nil && int64(cfg.Width)*int64(cfg.Height) > maxPixels && err == nil {
			t.Fatalf("a %d×%d header was decoded and stored", cfg.Width, cfg.Height)
		}
		if err != nil {
			switch node.ErrorCode(err) {
			case node.EINVALID, node.ETOOLARGE, node.EUNSUPPORTED:
				return
			}
			t.Fatalf("Save: %v (not a clear refusal)", err)
		}
		if p.Width < 1 || p.Height < 1 || p.Width > media.MaxSide || p.Height > media.MaxSide {
			t.Fatalf("stored %d×%d", p.Width, p.Height)
		}
		stored, err := os.ReadFile(filepath.Join(dir, p.Name("")))
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := image.DecodeConfig(bytes.NewReader(stored))
		if err != nil || got.Width != p.Width || got.Height != p.Height {
			t.Fatalf("the stored file: %v %d×%d, want %d×%d", err, got.Width, got.Height, p.Width, p.Height)
		}
		if bytes.Contains(stored, []byte("Exif")) {
			t.Fatal("the stored file carries EXIF")
		}
	})
}
