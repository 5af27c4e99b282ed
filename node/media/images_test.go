package media_test

// Test images, built in code.

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"testing"
)

var (
	red  = color.NRGBA{R: 255, A: 255}
	blue = color.NRGBA{B: 255, A: 255}
)

// halves returns a w×h image whose left half is left and right half is right.
func halves(w, h int, left, right color.NRGBA) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			if x < w/2 {
				m.SetNRGBA(x, y, left)
			} else {
				m.SetNRGBA(x, y, right)
			}
		}
	}
	return m
}

// noise returns a w×h opaque image of random pixels, seeded so that it is the
// same image for the same seed.
func noise(w, h int, seed uint64) *image.NRGBA {
	r := rand.New(rand.NewPCG(seed, seed))
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range m.Pix {
		m.Pix[i] = byte(r.Uint32())
	}
	for i := 3; i < len(m.Pix); i += 4 {
		m.Pix[i] = 255
	}
	return m
}

// photo returns a w×h opaque image of smooth colour, which compresses and
// scales like a photo rather than like noise; seed shifts the colours.
func photo(w, h int, seed uint8) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.SetNRGBA(x, y, color.NRGBA{R: uint8(x*255/w) + seed, G: uint8(y*255/h) + 3*seed, B: uint8(x+y) + 7*seed, A: 255})
		}
	}
	return m
}

func encJPEG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encPNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// gpsMarker is stored in the GPS IFD of exifJPEG.
const gpsMarker = "SHIJI-GPS-52.520008N-13.404954E"

// exifJPEG returns a JPEG of img with an APP1 EXIF segment right after SOI: IFD0
// holds Orientation=orientation and a pointer to a GPS IFD, which holds
// GPSMapDatum=gpsMarker.
func exifJPEG(t testing.TB, img image.Image, orientation uint16) []byte {
	t.Helper()
	be := binary.BigEndian
	var tiff []byte
	tiff = append(tiff, "MM"...)
	tiff = be.AppendUint16(tiff, 42)
	tiff = be.AppendUint32(tiff, 8) // IFD0 offset
	// IFD0 at 8: two entries.
	const gpsIFD = 8 + 2 + 2*12 + 4
	tiff = be.AppendUint16(tiff, 2)
	tiff = be.AppendUint16(tiff, 0x0112) // Orientation
	tiff = be.AppendUint16(tiff, 3)      // SHORT
	tiff = be.AppendUint32(tiff, 1)
	tiff = be.AppendUint16(tiff, orientation)
	tiff = be.AppendUint16(tiff, 0)
	tiff = be.AppendUint16(tiff, 0x8825) // GPSInfo IFD pointer
	tiff = be.AppendUint16(tiff, 4)      // LONG
	tiff = be.AppendUint32(tiff, 1)
	tiff = be.AppendUint32(tiff, gpsIFD)
	tiff = be.AppendUint32(tiff, 0) // no next IFD
	// GPS IFD: one entry pointing to the marker string.
	const str = gpsIFD + 2 + 12 + 4
	tiff = be.AppendUint16(tiff, 1)
	tiff = be.AppendUint16(tiff, 0x0012) // GPSMapDatum
	tiff = be.AppendUint16(tiff, 2)      // ASCII
	tiff = be.AppendUint32(tiff, uint32(len(gpsMarker)+1))
	tiff = be.AppendUint32(tiff, str)
	tiff = be.AppendUint32(tiff, 0)
	if len(tiff) != str {
		t.Fatalf("EXIF layout: string at %d, want %d", len(tiff), str)
	}
	tiff = append(tiff, gpsMarker+"\x00"...)

	payload := append([]byte("Exif\x00\x00"), tiff...)
	seg := []byte{0xff, 0xe1}
	seg = be.AppendUint16(seg, uint16(len(payload)+2))
	seg = append(seg, payload...)

	plain := encJPEG(t, img)
	out := append([]byte{}, plain[:2]...) // SOI
	out = append(out, seg...)
	return append(out, plain[2:]...)
}

// pngChunk returns a PNG chunk with its length and CRC.
func pngChunk(typ string, data []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	b = append(b, typ...)
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[4:]))
}

// bombPNG returns a small PNG whose IHDR claims w×h RGB pixels, followed by a
// little compressed data: a decoder that trusts the header allocates w×h×3
// bytes.
func bombPNG(w, h uint32) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 2, 0, 0, 0) // 8 bits, RGB, deflate, adaptive, no interlace
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(make([]byte, 1<<16))
	zw.Close()
	b := []byte("\x89PNG\r\n\x1a\n")
	b = append(b, pngChunk("IHDR", ihdr)...)
	b = append(b, pngChunk("IDAT", z.Bytes())...)
	return append(b, pngChunk("IEND", nil)...)
}

// bombJPEG returns a small JPEG whose SOF0 header is patched to claim w×h.
func bombJPEG(t testing.TB, w, h uint16) []byte {
	b := encJPEG(t, noise(16, 16, 1))
	i := bytes.Index(b, []byte{0xff, 0xc0})
	if i < 0 {
		t.Fatal("no SOF0 in the JPEG")
	}
	binary.BigEndian.PutUint16(b[i+5:], h)
	binary.BigEndian.PutUint16(b[i+7:], w)
	return b
}

// bombGIF returns a small GIF whose logical screen is patched to claim w×h.
func bombGIF(t testing.TB, w, h uint16) []byte {
	b := encGIF(t, paletted(4, 4, red, false))
	binary.LittleEndian.PutUint16(b[6:], w)
	binary.LittleEndian.PutUint16(b[8:], h)
	return b
}

// paletted returns a w×h image of colour c; with transparentLeft its left
// half is transparent.
func paletted(w, h int, c color.NRGBA, transparentLeft bool) *image.Paletted {
	m := image.NewPaletted(image.Rect(0, 0, w, h), color.Palette{c, color.NRGBA{}})
	if transparentLeft {
		for y := range h {
			for x := range w / 2 {
				m.SetColorIndex(x, y, 1)
			}
		}
	}
	return m
}

// encGIF encodes frames as a GIF, animated if there are several.
func encGIF(t testing.TB, frames ...*image.Paletted) []byte {
	t.Helper()
	var b bytes.Buffer
	g := &gif.GIF{Image: frames, Delay: make([]int, len(frames))}
	if err := gif.EncodeAll(&b, g); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// Tiny WebP files, as used by Modernizr's feature tests: 1×1 each.
var (
	webpLossless1x1 = mustBase64("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")         // VP8L, transparent
	webpLossy1x1    = mustBase64("UklGRiIAAABXRUJQVlA4IBYAAAAwAQCdASoBAAEADsD+JaQAA3AAAAAA") // VP8, grey
	webpAlpha1x1    = mustBase64("UklGRkoAAABXRUJQVlA4WAoAAAAQAAAAAAAAAAAAQUxQSAwAAAARBxAR/Q9ERP8DAABWUDggGAAAABQBAJ0BKgEAAQAAAP4AAA3AAP7mtQAAAA==")
)

func mustBase64(s string) []byte {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// bitWriter writes bits least significant first, as VP8L wants them.
type bitWriter struct {
	b   []byte
	acc uint64
	n   uint
}

func (w *bitWriter) put(v uint32, n uint) {
	w.acc |= uint64(v) << w.n
	w.n += n
	for w.n >= 8 {
		w.b = append(w.b, byte(w.acc))
		w.acc >>= 8
		w.n -= 8
	}
}

func (w *bitWriter) bytes() []byte {
	if w.n > 0 {
		w.b = append(w.b, byte(w.acc))
	}
	return w.b
}

// solidWebP returns a lossless WebP of w×h pixels, all of colour c. Each of its
// five prefix codes is a simple code of one symbol, which takes no bits per
// pixel, so the file is a few dozen bytes whatever its size.
func solidWebP(w, h int, c color.NRGBA) []byte {
	var bw bitWriter
	bw.put(0x2f, 8) // VP8L signature
	bw.put(uint32(w-1), 14)
	bw.put(uint32(h-1), 14)
	alpha := uint32(0)
	if c.A != 255 {
		alpha = 1
	}
	bw.put(alpha, 1)
	bw.put(0, 3) // version
	bw.put(0, 1) // no transform
	bw.put(0, 1) // no colour cache
	bw.put(0, 1) // no meta prefix codes
	for _, sym := range []uint8{c.G, c.R, c.B, c.A} {
		bw.put(1, 1) // simple code
		bw.put(0, 1) // one symbol
		bw.put(1, 1) // of 8 bits
		bw.put(uint32(sym), 8)
	}
	bw.put(1, 1) // distance: simple code
	bw.put(0, 1) // one symbol
	bw.put(0, 1) // of 1 bit
	bw.put(0, 1) // symbol 0
	data := bw.bytes()

	le := binary.LittleEndian
	chunk := append([]byte("VP8L"), le.AppendUint32(nil, uint32(len(data)))...)
	chunk = append(chunk, data...)
	if len(data)%2 == 1 {
		chunk = append(chunk, 0)
	}
	out := append([]byte("RIFF"), le.AppendUint32(nil, uint32(4+len(chunk)))...)
	out = append(out, "WEBP"...)
	return append(out, chunk...)
}
