package media_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/image/bmp"

	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/media"
)

// newStore returns a store in a fresh directory, and that directory.
func newStore(t *testing.T, l media.Limits) (*media.Store, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "media")
	s, err := media.NewStore(dir, l)
	if err != nil {
		t.Fatalf("NewStore: %v", err)
	}
	return s, dir
}

func save(t *testing.T, s *media.Store, data []byte) media.Photo {
	t.Helper()
	p, err := s.Save(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("Save: %v", err)
	}
	return p
}

// files returns the names of the files in dir, sorted.
func files(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// names returns the file names of p, sorted.
func names(p media.Photo) []string {
	n := []string{p.Name("")}
	for _, sz := range media.Sizes() {
		n = append(n, p.Name(sz.Name))
	}
	slices.Sort(n)
	return n
}

// load decodes the stored file of p in size and checks its format and size
// against p.
func load(t *testing.T, dir string, p media.Photo, size string) (image.Image, []byte) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, p.Name(size)))
	if err != nil {
		t.Fatal(err)
	}
	img, format, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("decode %s: %v", p.Name(size), err)
	}
	if want := map[string]string{"jpg": "jpeg", "png": "png"}[p.Ext]; format != want {
		t.Errorf("%s is %s, want %s", p.Name(size), format, want)
	}
	w, h := p.Dims(size)
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Errorf("%s is %dx%d, Dims says %dx%d", p.Name(size), b.Dx(), b.Dy(), w, h)
	}
	return img, data
}

// checkStored checks that dir holds exactly the files of p, each decoding to
// its Dims, that thumbnails fit their size and are never larger than the
// full size, and that the hash is that of the full-size file.
func checkStored(t *testing.T, dir string, p media.Photo) {
	t.Helper()
	if got, want := files(t, dir), names(p); !slices.Equal(got, want) {
		t.Fatalf("files = %q, want %q", got, want)
	}
	_, full := load(t, dir, p, "")
	sum := sha256.Sum256(full)
	if want := hex.EncodeToString(sum[:16]); p.Hash != want {
		t.Errorf("Hash = %q, want %q", p.Hash, want)
	}
	if max(p.Width, p.Height) > media.MaxSide {
		t.Errorf("full size is %dx%d, over %d", p.Width, p.Height, media.MaxSide)
	}
	for _, sz := range media.Sizes() {
		img, _ := load(t, dir, p, sz.Name)
		b := img.Bounds()
		if b.Dx() > p.Width || b.Dy() > p.Height {
			t.Errorf("%s: %dx%d is larger than the full %dx%d", sz.Name, b.Dx(), b.Dy(), p.Width, p.Height)
		}
		if long := max(b.Dx(), b.Dy()); long > sz.Long || (long < sz.Long && long != max(p.Width, p.Height)) {
			t.Errorf("%s: %dx%d does not fit %d (full %dx%d)", sz.Name, b.Dx(), b.Dy(), sz.Long, p.Width, p.Height)
		}
	}
}

// wantCode fails t unless err has the given code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := node.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
	var e *node.Error
	if code != node.EINTERNAL && (!errors.As(err, &e) || e.Message == "") {
		t.Fatalf("error %v is not a *node.Error with a message", err)
	}
}

// near reports whether c is want give or take lossy compression, alpha aside.
func near(c color.Color, want color.NRGBA) bool {
	got := color.NRGBAModel.Convert(c).(color.NRGBA)
	d := func(x, y uint8) bool { return int(x)-int(y) < 40 && int(y)-int(x) < 40 }
	return d(got.R, want.R) && d(got.G, want.G) && d(got.B, want.B)
}

func TestSizes(t *testing.T) {
	got := media.Sizes()
	want := []media.Size{{Name: "s", Long: 320}, {Name: "m", Long: 800}, {Name: "l", Long: 1600}}
	if !slices.Equal(got, want) {
		t.Fatalf("Sizes() = %v, want %v", got, want)
	}
	got[0].Long = 1
	if media.Sizes()[0].Long != 320 {
		t.Fatal("Sizes() shares its slice between calls")
	}
	if l := media.DefaultLimits(); l.MaxBytes != 10<<20 || l.MaxPixels != 40_000_000 {
		t.Fatalf("DefaultLimits() = %+v", l)
	}
}

func TestNewStore(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	s, err := media.NewStore(dir, media.Limits{MaxPixels: 5})
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Fatalf("directory not created: %v", err)
	} else if runtime.GOOS != "windows" && fi.Mode().Perm()&^0o750 != 0 {
		t.Errorf("directory mode = %v, want at most %v", fi.Mode().Perm(), os.FileMode(0o750))
	}
	if got := s.Limits(); got != (media.Limits{MaxBytes: 10 << 20, MaxPixels: 5}) {
		t.Errorf("Limits() = %+v, want the default bytes and 5 pixels", got)
	}

	_, err = media.NewStore("", media.Limits{})
	wantCode(t, err, node.EINVALID)
	_, err = media.NewStore(dir, media.Limits{MaxBytes: -1})
	wantCode(t, err, node.EINVALID)

	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o600)
	_, err = media.NewStore(file, media.Limits{})
	wantCode(t, err, node.EINTERNAL)
}

func TestSaveEXIFOrientedAndStripped(t *testing.T) {
	s, dir := newStore(t, media.Limits{})
	// 40×20, red left and blue right; orientation 6 means "rotate 90° clockwise
	// to display", which makes it 20×40, red on top.
	in := exifJPEG(t, halves(40, 20, red, blue), 6)
	if !bytes.Contains(in, []byte("Exif")) || !bytes.Contains(in, []byte(gpsMarker)) {
		t.Fatal("test input has no EXIF or GPS marker")
	}
	if _, err := png.Decode(bytes.NewReader(in)); err == nil {
		t.Fatal("test input decodes as PNG")
	}

	p := save(t, s, in)
	if p.Ext != "jpg" || p.Width != 20 || p.Height != 40 {
		t.Fatalf("Photo = %+v, want a 20x40 jpg", p)
	}
	checkStored(t, dir, p)
	img, _ := load(t, dir, p, "")
	if c := img.At(10, 5); !near(c, red) {
		t.Errorf("top is %v, want red", c)
	}
	if c := img.At(10, 34); !near(c, blue) {
		t.Errorf("bottom is %v, want blue", c)
	}
	for _, name := range files(t, dir) {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{"Exif", gpsMarker, "GPS", "MM\x00\x2a"} {
			if bytes.Contains(data, []byte(bad)) {
				t.Errorf("%s still contains %q", name, bad)
			}
		}
	}
}

func TestSaveEXIFOrientation(t *testing.T) {
	// Orientation 1 keeps the image as it is; 3 turns it upside down.
	s, dir := newStore(t, media.Limits{})
	p := save(t, s, exifJPEG(t, halves(40, 20, red, blue), 1))
	img, _ := load(t, dir, p, "")
	if p.Width != 40 || p.Height != 20 || !near(img.At(5, 10), red) {
		t.Errorf("orientation 1: %dx%d, left %v; want 40x20, red left", p.Width, p.Height, img.At(5, 10))
	}
	p = save(t, s, exifJPEG(t, halves(40, 20, red, blue), 3))
	img, _ = load(t, dir, p, "")
	if p.Width != 40 || p.Height != 20 || !near(img.At(5, 10), blue) {
		t.Errorf("orientation 3: %dx%d, left %v; want 40x20, blue left", p.Width, p.Height, img.At(5, 10))
	}
}

func TestSavePNG(t *testing.T) {
	t.Run("alpha stays PNG", func(t *testing.T) {
		s, dir := newStore(t, media.Limits{})
		m := halves(30, 20, color.NRGBA{}, color.NRGBA{G: 200, A: 128})
		m.SetNRGBA(29, 0, color.NRGBA{G: 200, A: 255})
		p := save(t, s, encPNG(t, m))
		if p.Ext != "png" || p.Width != 30 || p.Height != 20 {
			t.Fatalf("Photo = %+v, want a 30x20 png", p)
		}
		checkStored(t, dir, p)
		img, _ := load(t, dir, p, "")
		for _, c := range []struct {
			x, y int
			want color.NRGBA
		}{{0, 0, color.NRGBA{}}, {20, 10, color.NRGBA{G: 200, A: 128}}, {29, 0, color.NRGBA{G: 200, A: 255}}} {
			if got := color.NRGBAModel.Convert(img.At(c.x, c.y)).(color.NRGBA); got.A != c.want.A || (got.A != 0 && got.G != c.want.G) {
				t.Errorf("pixel (%d,%d) = %v, want %v", c.x, c.y, got, c.want)
			}
		}
	})
	t.Run("opaque becomes JPEG", func(t *testing.T) {
		s, dir := newStore(t, media.Limits{})
		p := save(t, s, encPNG(t, halves(30, 20, red, blue)))
		if p.Ext != "jpg" || p.Width != 30 || p.Height != 20 {
			t.Fatalf("Photo = %+v, want a 30x20 jpg", p)
		}
		checkStored(t, dir, p)
	})
	t.Run("paletted with a transparent entry", func(t *testing.T) {
		s, dir := newStore(t, media.Limits{})
		p := save(t, s, encPNG(t, paletted(8, 6, red, true)))
		if p.Ext != "png" {
			t.Fatalf("Photo = %+v, want a png", p)
		}
		checkStored(t, dir, p)
	})
}

func TestSaveGIF(t *testing.T) {
	t.Run("opaque", func(t *testing.T) {
		s, dir := newStore(t, media.Limits{})
		p := save(t, s, encGIF(t, paletted(24, 16, red, false)))
		if p.Ext != "jpg" || p.Width != 24 || p.Height != 16 {
			t.Fatalf("Photo = %+v, want a 24x16 jpg", p)
		}
		checkStored(t, dir, p)
	})
	t.Run("animated keeps the first frame", func(t *testing.T) {
		s, dir := newStore(t, media.Limits{})
		p := save(t, s, encGIF(t, paletted(24, 16, blue, false), paletted(24, 16, red, false)))
		if p.Ext != "jpg" || p.Width != 24 || p.Height != 16 {
			t.Fatalf("Photo = %+v, want a 24x16 jpg", p)
		}
		img, _ := load(t, dir, p, "")
		if c := img.At(12, 8); !near(c, blue) {
			t.Errorf("pixel = %v, want blue from the first frame", c)
		}
	})
	t.Run("transparent becomes PNG", func(t *testing.T) {
		s, dir := newStore(t, media.Limits{})
		p := save(t, s, encGIF(t, paletted(24, 16, red, true)))
		if p.Ext != "png" {
			t.Fatalf("Photo = %+v, want a png", p)
		}
		img, _ := load(t, dir, p, "")
		if _, _, _, a := img.At(0, 0).RGBA(); a != 0 {
			t.Errorf("left alpha = %d, want 0", a)
		}
		if c := img.At(20, 8); !near(c, red) {
			t.Errorf("right = %v, want red", c)
		}
	})
}

func TestSaveWebP(t *testing.T) {
	for _, c := range []struct {
		name string
		data []byte
		ext  string
		w, h int
		want color.NRGBA // checked at (0, 0) if A != 0
	}{
		{"lossless 1x1", webpLossless1x1, "png", 1, 1, color.NRGBA{}},
		{"lossy 1x1", webpLossy1x1, "jpg", 1, 1, color.NRGBA{}},
		{"lossy with alpha 1x1", webpAlpha1x1, "png", 1, 1, color.NRGBA{}},
		{"lossless opaque 7x3", solidWebP(7, 3, color.NRGBA{R: 0x20, G: 0x80, B: 0xc0, A: 255}), "jpg", 7, 3, color.NRGBA{R: 0x20, G: 0x80, B: 0xc0, A: 255}},
		{"lossless translucent 5x9", solidWebP(5, 9, color.NRGBA{R: 0xff, G: 0x40, A: 0x80}), "png", 5, 9, color.NRGBA{R: 0xff, G: 0x40, A: 0x80}},
		{"lossless 400x100", solidWebP(400, 100, color.NRGBA{R: 0xc0, G: 0xc0, B: 0x10, A: 255}), "jpg", 400, 100, color.NRGBA{R: 0xc0, G: 0xc0, B: 0x10, A: 255}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, dir := newStore(t, media.Limits{})
			p := save(t, s, c.data)
			if p.Ext != c.ext || p.Width != c.w || p.Height != c.h {
				t.Fatalf("Photo = %+v, want a %dx%d %s", p, c.w, c.h, c.ext)
			}
			checkStored(t, dir, p)
			if c.want.A == 0 {
				return
			}
			img, _ := load(t, dir, p, "")
			got := color.NRGBAModel.Convert(img.At(0, 0)).(color.NRGBA)
			if !near(got, c.want) || (c.ext == "png" && got != c.want) {
				t.Errorf("pixel = %v, want %v", got, c.want)
			}
		})
	}
}

func TestSaveRejects(t *testing.T) {
	var bmpData bytes.Buffer
	if err := bmp.Encode(&bmpData, halves(4, 4, red, blue)); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		data string
		code string
	}{
		{"empty", "", node.EINVALID},
		{"text", "hello, this is not a photo\n", node.EUNSUPPORTED},
		{"HTML", "<!DOCTYPE html><html><body><script>alert(1)</script></body></html>", node.EUNSUPPORTED},
		{"SVG", `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>`, node.EUNSUPPORTED},
		{"SVG without prolog", `<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`, node.EUNSUPPORTED},
		{"PDF", "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", node.EUNSUPPORTED},
		{"BMP", bmpData.String(), node.EUNSUPPORTED},
		{"RIFF but not WebP", "RIFF\x10\x00\x00\x00WAVEfmt ", node.EUNSUPPORTED},
		{"JPEG signature only", "\xff\xd8\xff", node.EINVALID},
		{"damaged JPEG", "\xff\xd8\xff\xe0\x00\x10JFIF\x00garbage garbage garbage", node.EINVALID},
		{"damaged PNG", "\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDRjunk", node.EINVALID},
		{"damaged WebP", "RIFF\x10\x00\x00\x00WEBPVP8L\x04\x00\x00\x00\x2f", node.EINVALID},
		{"truncated PNG data", string(bombPNG(1000, 1000)), node.EINVALID},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, dir := newStore(t, media.Limits{})
			_, err := s.Save(strings.NewReader(c.data))
			wantCode(t, err, c.code)
			if got := files(t, dir); len(got) != 0 {
				t.Errorf("files written: %q", got)
			}
		})
	}
}

// sizedReader claims a size and fails the test if it is read.
type sizedReader struct {
	t    *testing.T
	size int64
}

func (r sizedReader) Size() int64 { return r.size }
func (r sizedReader) Read([]byte) (int, error) {
	r.t.Error("the upload was read although its size is over the limit")
	return 0, io.EOF
}

// countingReader is an endless JPEG-looking stream that counts what is read.
type countingReader struct{ n int64 }

func (r *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 0xff
	}
	r.n += int64(len(p))
	return len(p), nil
}

func TestSaveTooManyBytes(t *testing.T) {
	big := encJPEG(t, noise(64, 64, 7))
	if len(big) <= 2000 {
		t.Fatalf("test JPEG is only %d bytes", len(big))
	}
	s, dir := newStore(t, media.Limits{MaxBytes: 2000})

	// Without a size, Save reads one byte past the limit.
	_, err := s.Save(struct{ io.Reader }{bytes.NewReader(big)})
	wantCode(t, err, node.ETOOLARGE)
	if msg := node.ErrorMessage(err); !strings.Contains(msg, "at most 1.9 KB") {
		t.Errorf("message %q does not state the limit", msg)
	}

	// With a size, before reading, and saying how large it is.
	_, err = s.Save(bytes.NewReader(big))
	wantCode(t, err, node.ETOOLARGE)

	// An endless body is read only up to the limit.
	var r countingReader
	_, err = s.Save(&r)
	wantCode(t, err, node.ETOOLARGE)
	if r.n > 2001 {
		t.Errorf("read %d bytes of an endless body with a limit of 2000", r.n)
	}
	if got := files(t, dir); len(got) != 0 {
		t.Errorf("files written: %q", got)
	}

	// Exactly at the limit is fine.
	s, _ = newStore(t, media.Limits{MaxBytes: int64(len(big))})
	if _, err := s.Save(bytes.NewReader(big)); err != nil {
		t.Errorf("Save of exactly MaxBytes: %v", err)
	}

	// The message a user sees for a 31 MB photo.
	s, _ = newStore(t, media.Limits{})
	_, err = s.Save(sizedReader{t, 31 << 20})
	wantCode(t, err, node.ETOOLARGE)
	if got, want := node.ErrorMessage(err), "The photo is 31 MB; photos may be at most 10 MB."; got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
	_, err = s.Save(sizedReader{t, 10<<20 + 1})
	if got, want := node.ErrorMessage(err), "The photo is 10.1 MB; photos may be at most 10 MB."; got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
}

func TestSaveDecompressionBomb(t *testing.T) {
	// Each claims far more pixels than allowed in a file of a few hundred
	// bytes; a decoder trusting the header would allocate gigabytes. The WebP
	// one is a real image: it decodes to 16384×16384 pixels.
	for _, c := range []struct {
		name string
		data []byte
		msg  string
	}{
		{"PNG", bombPNG(50000, 50000), "50000 × 50000 pixels (2500 megapixels)"},
		{"JPEG", bombJPEG(t, 65000, 65000), "65000 × 65000 pixels"},
		{"GIF", bombGIF(t, 65535, 65535), "65535 × 65535 pixels"},
		{"WebP", solidWebP(16384, 16384, red), "16384 × 16384 pixels"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, dir := newStore(t, media.Limits{})
			if len(c.data) > 1024 {
				t.Fatalf("bomb is %d bytes", len(c.data))
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			start := time.Now()
			_, err := s.Save(bytes.NewReader(c.data))
			elapsed := time.Since(start)
			runtime.ReadMemStats(&after)

			wantCode(t, err, node.ETOOLARGE)
			msg := node.ErrorMessage(err)
			if !strings.Contains(msg, c.msg) || !strings.Contains(msg, "at most 40 megapixels") {
				t.Errorf("message = %q, want it to contain %q and the limit", msg, c.msg)
			}
			if elapsed > time.Second {
				t.Errorf("took %v", elapsed)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
				t.Errorf("allocated %d bytes", alloc)
			}
			if got := files(t, dir); len(got) != 0 {
				t.Errorf("files written: %q", got)
			}
		})
	}

	// The pixel cap applies to ordinary images too.
	s, _ := newStore(t, media.Limits{MaxPixels: 399})
	_, err := s.Save(bytes.NewReader(encPNG(t, halves(20, 20, red, blue))))
	wantCode(t, err, node.ETOOLARGE)
	s, _ = newStore(t, media.Limits{MaxPixels: 400})
	if _, err := s.Save(bytes.NewReader(encPNG(t, halves(20, 20, red, blue)))); err != nil {
		t.Errorf("Save of exactly MaxPixels: %v", err)
	}
}

func TestSaveThumbnails(t *testing.T) {
	for _, c := range []struct {
		name      string
		img       image.Image
		fw, fh    int       // the full size
		dims      [3][2]int // s, m, l
		identical []string  // sizes whose file is the full-size file
	}{
		{"wide", photo(1700, 40, 1), 1700, 40, [3][2]int{{320, 7}, {800, 18}, {1600, 37}}, nil},
		{"tall", photo(20, 1650, 2), 20, 1650, [3][2]int{{3, 320}, {9, 800}, {19, 1600}}, nil},
		{"medium", photo(400, 200, 3), 400, 200, [3][2]int{{320, 160}, {400, 200}, {400, 200}}, []string{"m", "l"}},
		{"small", photo(90, 120, 4), 90, 120, [3][2]int{{90, 120}, {90, 120}, {90, 120}}, []string{"s", "m", "l"}},
		{"over MaxSide", photo(30, 2700, 5), 28, 2560, [3][2]int{{3, 320}, {8, 800}, {17, 1600}}, nil},
		{"a line", photo(2000, 1, 6), 2000, 1, [3][2]int{{320, 1}, {800, 1}, {1600, 1}}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, dir := newStore(t, media.Limits{})
			p := save(t, s, encPNG(t, c.img))
			if p.Width != c.fw || p.Height != c.fh {
				t.Fatalf("full size %dx%d, want %dx%d", p.Width, p.Height, c.fw, c.fh)
			}
			checkStored(t, dir, p)
			_, full := load(t, dir, p, "")
			for i, sz := range media.Sizes() {
				img, data := load(t, dir, p, sz.Name)
				if b := img.Bounds(); b.Dx() != c.dims[i][0] || b.Dy() != c.dims[i][1] {
					t.Errorf("%s is %dx%d, want %v", sz.Name, b.Dx(), b.Dy(), c.dims[i])
				}
				if same := bytes.Equal(data, full); same != slices.Contains(c.identical, sz.Name) {
					t.Errorf("%s same bytes as the full size: %v", sz.Name, same)
				}
			}
		})
	}
	if w, h := (media.Photo{Width: 10, Height: 10}).Dims("xl"); w != 0 || h != 0 {
		t.Errorf("Dims of an unknown size = %d, %d", w, h)
	}
}

func TestSaveIdempotent(t *testing.T) {
	in := encJPEG(t, photo(400, 300, 9))
	s, dir := newStore(t, media.Limits{})
	p := save(t, s, in)
	if len(p.Hash) != 32 || strings.Trim(p.Hash, "0123456789abcdef") != "" {
		t.Fatalf("Hash = %q, want 32 lower-case hex digits", p.Hash)
	}
	if want := p.Hash + "-m.jpg"; p.Name("m") != want {
		t.Errorf(`Name("m") = %q, want %q`, p.Name("m"), want)
	}
	if want := p.Hash + ".jpg"; p.Name("") != want {
		t.Errorf(`Name("") = %q, want %q`, p.Name(""), want)
	}

	// Saving again changes nothing, not even the modification times.
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	for _, name := range files(t, dir) {
		if err := os.Chtimes(filepath.Join(dir, name), old, old); err != nil {
			t.Fatal(err)
		}
	}
	if again := save(t, s, in); again != p {
		t.Errorf("second Save = %+v, want %+v", again, p)
	}
	checkStored(t, dir, p)
	for _, name := range files(t, dir) {
		if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || !fi.ModTime().Equal(old) {
			t.Errorf("%s was rewritten", name)
		}
	}

	// The same input gives the same name in another store; other input
	// another name.
	s2, _ := newStore(t, media.Limits{})
	if other := save(t, s2, in); other != p {
		t.Errorf("Save in another store = %+v, want %+v", other, p)
	}
	if other := save(t, s2, encJPEG(t, photo(400, 300, 10))); other.Hash == p.Hash {
		t.Errorf("different photos share the hash %s", p.Hash)
	}

	// A missing thumbnail is written again.
	os.Remove(filepath.Join(dir, p.Name("s")))
	save(t, s, in)
	checkStored(t, dir, p)
}

func TestSaveConcurrent(t *testing.T) {
	in := encJPEG(t, photo(350, 100, 11))
	s, dir := newStore(t, media.Limits{})
	var wg sync.WaitGroup
	photos := make([]media.Photo, 8)
	errs := make([]error, len(photos))
	for i := range photos {
		wg.Go(func() { photos[i], errs[i] = s.Save(bytes.NewReader(in)) })
	}
	wg.Wait()
	for i := range photos {
		if errs[i] != nil || photos[i] != photos[0] {
			t.Errorf("Save %d = %+v, %v; want %+v", i, photos[i], errs[i], photos[0])
		}
	}
	checkStored(t, dir, photos[0]) // no temporary files left either
}

func TestDelete(t *testing.T) {
	s, dir := newStore(t, media.Limits{})
	p := save(t, s, encJPEG(t, photo(400, 300, 12)))
	q := save(t, s, encJPEG(t, photo(30, 30, 13)))
	if err := s.Delete(p); err != nil {
		t.Fatal(err)
	}
	if got := files(t, dir); !slices.Equal(got, names(q)) {
		t.Errorf("after Delete: files = %q, want only %q", got, names(q))
	}
	if err := s.Delete(p); err != nil {
		t.Errorf("second Delete: %v", err)
	}
	wantCode(t, s.Delete(media.Photo{Hash: "../../etc/passwd", Ext: "jpg"}), node.ENOTFOUND)
	wantCode(t, s.Delete(media.Photo{Hash: q.Hash, Ext: "gif"}), node.ENOTFOUND)
	if got := files(t, dir); !slices.Equal(got, names(q)) {
		t.Errorf("files = %q, want %q", got, names(q))
	}
}

func TestPath(t *testing.T) {
	s, dir := newStore(t, media.Limits{})
	const h = "0123456789abcdef0123456789abcdef"
	for _, name := range []string{h + ".jpg", h + ".png", h + "-s.jpg", h + "-m.png", h + "-l.jpg"} {
		got, err := s.Path(name)
		if err != nil || got != filepath.Join(dir, name) {
			t.Errorf("Path(%q) = %q, %v; want %q", name, got, err, filepath.Join(dir, name))
		}
	}
	for _, name := range []string{
		"", ".", "..", "/", "../etc/passwd", "../../etc/passwd", "/etc/passwd",
		"a/" + h + ".jpg", h + ".jpg/", "../" + h + ".jpg", "..\\" + h + ".jpg", h[:31] + "/.jpg",
		strings.ToUpper(h) + ".jpg", h + ".JPG", h + ".jpeg", h + ".gif", h + ".jpg.png", h + ".jpg\x00",
		h[:31] + ".jpg", h + "0.jpg", h + "-x.jpg", h + "-sm.jpg", h + "-.jpg", h + "-s-m.jpg", h + "s.jpg",
		h, h + ".", "g" + h[1:] + ".jpg", " " + h[1:] + ".jpg", ".tmp-123", h + "-S.jpg",
	} {
		got, err := s.Path(name)
		if got != "" {
			t.Errorf("Path(%q) = %q", name, got)
		}
		wantCode(t, err, node.ENOTFOUND)
	}
}
