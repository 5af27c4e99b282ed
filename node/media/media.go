// Package media is shiji's one photo pipeline, used for item, stall and
// message photos alike.
//
// A photo goes in through [Store.Save], which takes an upload of any size and
// checks it before it costs anything: the bytes are capped while reading, the
// type is sniffed from the content (never from a file name), and the pixel
// count is checked from the image header before any pixel is decoded, so a
// decompression bomb is refused without allocating it. An accepted photo is
// decoded, turned upright from its EXIF orientation, scaled down to at most
// [MaxSide] pixels on its longest side and encoded afresh, which drops all
// metadata (EXIF, GPS, comments, colour profiles). It is then written to the
// store's directory under a content-hashed name together with one thumbnail
// for each of [Sizes], and [Store.Handler] serves those files with cache
// headers that let browsers keep them for a year.
package media

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/disintegration/imaging"

	"github.com/shiji-market/shiji/node"

	// Decoders for the accepted types that imaging does not register itself.
	_ "image/gif"

	_ "golang.org/x/image/webp"
)

// MaxSide is the longest side, in pixels, of a stored full-size photo. Larger
// uploads are scaled down to it.
const MaxSide = 2560

// JPEGQuality is the quality photos and their thumbnails are encoded with when
// they are stored as JPEG.
const JPEGQuality = 82

// Size is a thumbnail size the theme uses.
type Size struct {
	Name string // "s", "m" or "l"; the suffix of the file name
	Long int    // the longest side in pixels
}

// Sizes returns the thumbnail sizes, smallest first: s (320 px), m (800 px)
// and l (1600 px) on the longest side. Each call returns a fresh slice.
func Sizes() []Size {
	return []Size{{"s", 320}, {"m", 800}, {"l", 1600}}
}

// Limits caps what Save accepts.
type Limits struct {
	MaxBytes  int64 // the largest upload in bytes; 0 means the default
	MaxPixels int   // the most pixels (width × height); 0 means the default
}

// DefaultLimits returns the default limits: 10 MiB and 40 megapixels.
func DefaultLimits() Limits {
	return Limits{MaxBytes: 10 << 20, MaxPixels: 40_000_000}
}

// Photo is a stored photo. It is a value to keep with the record it belongs to;
// its files are found by [Photo.Name].
type Photo struct {
	Hash string // 32 lower-case hex digits: the start of the SHA-256 of the full-size file
	Ext  string // "jpg" or "png"

	// Width and Height are those of the stored full-size image: upright after
	// EXIF orientation and at most MaxSide on the longest side.
	Width, Height int
}

// Name returns the file name of the photo in the given size: "" is the full
// size and "s", "m" and "l" are the thumbnails, as in "3f9a…c2-m.jpg". Name
// does not check size; a name with an unknown size is not found in the store.
func (p Photo) Name(size string) string {
	if size == "" {
		return p.Hash + "." + p.Ext
	}
	return p.Hash + "-" + size + "." + p.Ext
}

// Dims returns the width and height of the photo in the given size ("" for the
// full size), as written by Save, for the width and height attributes of an
// img element. It returns 0, 0 for an unknown size.
func (p Photo) Dims(size string) (w, h int) {
	if size == "" {
		return p.Width, p.Height
	}
	for _, s := range Sizes() {
		if s.Name == size {
			return fitDims(p.Width, p.Height, s.Long)
		}
	}
	return 0, 0
}

// Store keeps photos as files in one directory. It holds no mutable state and
// is safe for concurrent use, also by several processes sharing the directory.
type Store struct {
	dir    string
	limits Limits
}

// NewStore returns a store that keeps its files in dir, creating dir (mode
// 0o750) if it does not exist. Zero fields of l take their value from
// DefaultLimits. It fails with EINVALID if dir is empty or a limit is negative,
// and with an internal error if dir cannot be created.
func NewStore(dir string, l Limits) (*Store, error) {
	if dir == "" {
		return nil, node.Errorf(node.EINVALID, "The photo directory is not set.")
	}
	if l.MaxBytes < 0 || l.MaxPixels < 0 {
		return nil, node.Errorf(node.EINVALID, "The photo limits must not be negative.")
	}
	def := DefaultLimits()
	if l.MaxBytes == 0 {
		l.MaxBytes = def.MaxBytes
	}
	if l.MaxPixels == 0 {
		l.MaxPixels = def.MaxPixels
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("media: create the photo directory: %w", err)
	}
	return &Store{dir: filepath.Clean(dir), limits: l}, nil
}

// Limits returns the limits the store enforces, with defaults filled in.
func (s *Store) Limits() Limits { return s.limits }

// Save reads one uploaded image from r, checks it, cleans it and stores it with
// its thumbnails. It reads at most MaxBytes+1 bytes from r and does not close it.
//
// The image must be a JPEG, PNG, WebP or GIF, judged by its content. It is
// turned upright by its EXIF orientation, scaled down to MaxSide and
// re-encoded without any metadata: an image with transparent pixels as PNG,
// any other as JPEG. Of an animated GIF only the first frame is kept.
// Thumbnails are made for each of Sizes, never larger than the full size.
//
// Files are named by a hash of the stored image and written atomically, so
// saving the same image twice, even at the same time, gives the same Photo
// and leaves the files as they were.
//
// Errors:
//   - EINVALID if r is empty or the image cannot be decoded;
//   - ETOOLARGE if r holds more than MaxBytes, or the image header claims more
//     than MaxPixels (checked before decoding); nothing is written then;
//   - EUNSUPPORTED if the content is not a JPEG, PNG, WebP or GIF image;
//   - an internal error if reading r or writing the files fails.
//
// If r has a Size() int64 method (as *bytes.Reader, *io.SectionReader and
// in-memory multipart files do) an upload over MaxBytes is refused before
// reading and the message states its size.
func (s *Store) Save(r io.Reader) (Photo, error) {
	data, err := s.read(r)
	if err != nil {
		return Photo{}, err
	}
	img, err := s.decode(data)
	if err != nil {
		return Photo{}, err
	}
	ext := "jpg"
	if !opaque(img) {
		ext = "png"
	}
	b := img.Bounds()
	if w, h := fitDims(b.Dx(), b.Dy(), MaxSide); w != b.Dx() || h != b.Dy() {
		img = imaging.Resize(img, w, h, imaging.Lanczos)
	}
	full, err := encode(img, ext)
	if err != nil {
		return Photo{}, err
	}
	sum := sha256.Sum256(full)
	b = img.Bounds()
	p := Photo{Hash: hex.EncodeToString(sum[:16]), Ext: ext, Width: b.Dx(), Height: b.Dy()}
	if s.complete(p) {
		return p, nil
	}

	// Thumbnails, largest first, each scaled from the one before, which is
	// quicker than scaling each from the full size. Their sizes are those
	// imaging.Fit gives the full size (see Photo.Dims).
	sizes := Sizes()
	thumbs := make([][]byte, len(sizes))
	src := img
	for i := len(sizes) - 1; i >= 0; i-- {
		w, h := p.Dims(sizes[i].Name)
		if w == p.Width && h == p.Height {
			thumbs[i] = full // never upscaled
			continue
		}
		src = imaging.Resize(src, w, h, imaging.Lanczos)
		if thumbs[i], err = encode(src, ext); err != nil {
			return Photo{}, err
		}
	}

	// Thumbnails first and the full size last, so that a full-size file
	// on disk means its thumbnails are there too.
	for i, sz := range sizes {
		if err := s.write(p.Name(sz.Name), thumbs[i]); err != nil {
			return Photo{}, err
		}
	}
	if err := s.write(p.Name(""), full); err != nil {
		return Photo{}, err
	}
	syncDir(s.dir)
	return p, nil
}

// names returns the file names of p: the full size, then the thumbnails.
func (p Photo) names() []string {
	names := []string{p.Name("")}
	for _, sz := range Sizes() {
		names = append(names, p.Name(sz.Name))
	}
	return names
}

// complete reports whether all files of p are in the store.
func (s *Store) complete(p Photo) bool {
	for _, name := range p.names() {
		if _, err := os.Lstat(filepath.Join(s.dir, name)); err != nil {
			return false
		}
	}
	return true
}

// read reads all of r up to the byte limit.
func (s *Store) read(r io.Reader) ([]byte, error) {
	limit := s.limits.MaxBytes
	if sr, ok := r.(interface{ Size() int64 }); ok && sr.Size() > limit {
		return nil, node.Errorf(node.ETOOLARGE, "The photo is %s; photos may be at most %s.",
			formatBytes(sr.Size(), true), formatBytes(limit, false))
	}
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("media: read the upload: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, node.Errorf(node.ETOOLARGE, "The photo is too large: photos may be at most %s.",
			formatBytes(limit, false))
	}
	if len(data) == 0 {
		return nil, node.Errorf(node.EINVALID, "The photo is empty; please choose an image file.")
	}
	return data, nil
}

// decode sniffs data, checks its header against the pixel limit and only then
// decodes it, upright.
func (s *Store) decode(data []byte) (image.Image, error) {
	format := sniff(data)
	if format == "" {
		return nil, node.Errorf(node.EUNSUPPORTED,
			"This file is not a photo we can take; please upload a JPEG, PNG, WebP or GIF image.")
	}
	cfg, got, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || got != format {
		return nil, node.Errorf(node.EINVALID,
			"The photo could not be read; the file may be damaged. Please try another one.")
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, node.Errorf(node.EINVALID, "The photo has no pixels; please try another one.")
	}
	if px := int64(cfg.Width) * int64(cfg.Height); px > int64(s.limits.MaxPixels) {
		return nil, node.Errorf(node.ETOOLARGE, "The photo is %d × %d pixels (%s megapixels); photos may be at most %s megapixels.",
			cfg.Width, cfg.Height, formatMegapixels(px, true), formatMegapixels(int64(s.limits.MaxPixels), false))
	}
	img, err := imaging.Decode(bytes.NewReader(data), imaging.AutoOrientation(true))
	if err != nil {
		return nil, node.Errorf(node.EINVALID,
			"The photo could not be read; the file may be damaged or use a feature we do not support. Please try another one.")
	}
	if b := img.Bounds(); b.Empty() {
		return nil, node.Errorf(node.EINVALID, "The photo has no pixels; please try another one.")
	}
	return img, nil
}

// sniff returns the image.RegisterFormat name of the accepted type data starts
// with, or "".
func sniff(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("\xff\xd8\xff")):
		return "jpeg"
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return "png"
	case bytes.HasPrefix(data, []byte("GIF87a")), bytes.HasPrefix(data, []byte("GIF89a")):
		return "gif"
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return "webp"
	}
	return ""
}

// opaque reports whether img has no transparent or translucent pixel.
func opaque(img image.Image) bool {
	if o, ok := img.(interface{ Opaque() bool }); ok {
		return o.Opaque()
	}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if _, _, _, a := img.At(x, y).RGBA(); a != 0xffff {
				return false
			}
		}
	}
	return true
}

// encode encodes img as "jpg" or "png". Neither encoder writes metadata.
// An image encoded as "jpg" must be opaque.
func encode(img image.Image, ext string) ([]byte, error) {
	var buf bytes.Buffer
	var err error
	if ext == "png" {
		err = png.Encode(&buf, img)
	} else {
		if m, ok := img.(*image.NRGBA); ok {
			// Opaque NRGBA pixels are RGBA pixels; image/jpeg has a
			// fast path for *image.RGBA only.
			img = &image.RGBA{Pix: m.Pix, Stride: m.Stride, Rect: m.Rect}
		}
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: JPEGQuality})
	}
	if err != nil {
		return nil, fmt.Errorf("media: encode %s: %w", ext, err)
	}
	return buf.Bytes(), nil
}

// fitDims returns the size imaging.Fit gives a w×h image fitted into a
// long×long box: unchanged if it fits, never larger, at least 1×1.
func fitDims(w, h, long int) (int, int) {
	if w <= 0 || h <= 0 {
		return 0, 0
	}
	if w <= long && h <= long {
		return w, h
	}
	ratio := float64(w) / float64(h)
	var nw, nh int
	if ratio > 1 { // the box is square: its aspect ratio is 1
		nw, nh = long, int(float64(long)/ratio)
	} else {
		nw, nh = int(float64(long)*ratio), long
	}
	// imaging.Resize turns a zero side into one that keeps the aspect ratio,
	// which for a side that truncated to zero is 1 pixel.
	return max(nw, 1), max(nh, 1)
}

// write writes data to the file name in the store atomically, through a
// temporary file renamed into place. An existing file is left alone: names
// are content hashes, so it holds the same bytes.
func (s *Store) write(name string, data []byte) (err error) {
	path := filepath.Join(s.dir, name)
	if _, err := os.Lstat(path); err == nil {
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("media: write %s: %w", name, err)
	}
	f, err := os.CreateTemp(s.dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("media: write %s: %w", name, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
			err = fmt.Errorf("media: write %s: %w", name, err)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Chmod(0o640); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// syncDir makes renames in dir durable where the platform allows it. It is
// best effort: some systems cannot sync a directory.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}

// Path returns the path of the file name in the store after checking that
// name is one Save writes: 32 lower-case hex digits, optionally "-s", "-m" or
// "-l", then ".jpg" or ".png". Anything else, including any path separator or
// "..", fails with ENOTFOUND. Path does not check that the file exists.
func (s *Store) Path(name string) (string, error) {
	if !validName(name) {
		return "", node.Errorf(node.ENOTFOUND, "There is no such photo.")
	}
	return filepath.Join(s.dir, name), nil
}

// validName reports whether name is of the form [0-9a-f]{32}(-[sml])?\.(jpg|png).
func validName(name string) bool {
	stem, ext, ok := strings.Cut(name, ".")
	if !ok || (ext != "jpg" && ext != "png") {
		return false
	}
	hash, size, sized := strings.Cut(stem, "-")
	if sized && size != "s" && size != "m" && size != "l" {
		return false
	}
	if len(hash) != 32 {
		return false
	}
	for i := 0; i < len(hash); i++ {
		if c := hash[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// Delete removes the files of p: the full size and every thumbnail. Files
// that are already gone are not an error, so Delete may be repeated. As names
// are content hashes, the same photo saved for two records shares its files:
// the caller must make sure no other record still uses p. It fails with
// ENOTFOUND if p is not a valid photo and with an internal error if a file
// cannot be removed.
func (s *Store) Delete(p Photo) error {
	var errs []error
	for _, name := range p.names() {
		path, err := s.Path(name)
		if err != nil {
			return err
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("media: delete %s: %w", name, err))
		}
	}
	return errors.Join(errs...)
}

// formatBytes formats n bytes for people, in KB or MB of 1024 and 1024²
// bytes. It rounds up with up and down otherwise: sizes are rounded up and
// limits down, so that a size just over a limit never reads as the limit.
func formatBytes(n int64, up bool) string {
	if n < 1<<20 {
		return formatUnit(float64(n)/(1<<10), up) + " KB"
	}
	return formatUnit(float64(n)/(1<<20), up) + " MB"
}

// formatMegapixels formats n pixels as megapixels (millions of pixels).
func formatMegapixels(n int64, up bool) string {
	return formatUnit(float64(n)/1e6, up)
}

// formatUnit formats v with at most one decimal, rounded up with up and down
// otherwise; whole numbers get no decimal, and from 100 on there is none.
func formatUnit(v float64, up bool) string {
	round := math.Floor
	if up {
		round = math.Ceil
	}
	if v >= 100 {
		return strconv.FormatFloat(round(v), 'f', 0, 64)
	}
	return strconv.FormatFloat(round(v*10)/10, 'f', -1, 64)
}
