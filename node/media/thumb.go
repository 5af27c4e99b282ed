package media

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/disintegration/imaging"
)

// Thumb is a thumbnail stored on its own (SaveThumb), without a full-size
// photo: for pictures copied from elsewhere, where only a thumbnail is shown.
type Thumb struct {
	Name          string // its file name, as Handler serves it
	Width, Height int
	Bytes         int64
}

// SaveThumb reads one image from r, checks it as Save does (byte and pixel
// limits before decoding, the type sniffed from the content), turns it
// upright, scales it to at most long pixels on its longest side and stores
// only that, re-encoded without metadata, under a content-hashed name of the
// "s" size ("HASH-s.jpg"). Errors as Save's.
func (s *Store) SaveThumb(r io.Reader, long int) (Thumb, error) {
	data, err := s.read(r)
	if err != nil {
		return Thumb{}, err
	}
	img, err := s.decode(data)
	if err != nil {
		return Thumb{}, err
	}
	ext := "jpg"
	if !opaque(img) {
		ext = "png"
	}
	b := img.Bounds()
	if w, h := fitDims(b.Dx(), b.Dy(), long); w != b.Dx() || h != b.Dy() {
		img = imaging.Resize(img, w, h, imaging.Lanczos)
	}
	out, err := encode(img, ext)
	if err != nil {
		return Thumb{}, err
	}
	sum := sha256.Sum256(out)
	b = img.Bounds()
	t := Thumb{Name: hex.EncodeToString(sum[:16]) + "-s." + ext, Width: b.Dx(), Height: b.Dy(), Bytes: int64(len(out))}
	if err := s.write(t.Name, out); err != nil {
		return Thumb{}, err
	}
	return t, nil
}

// Remove deletes the file name (a name Path accepts); a file already gone is
// not an error.
func (s *Store) Remove(name string) error {
	path, err := s.Path(name)
	if err != nil {
		return err
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("media: delete %s: %w", name, err)
	}
	return nil
}

// Files calls fn with the name and modification time of every file of the
// store (names Path accepts; temporary files are left out).
func (s *Store) Files(fn func(name string, mod time.Time) error) error {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return fmt.Errorf("media: list %s: %w", filepath.Base(s.dir), err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || !validName(e.Name()) {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		if err := fn(e.Name(), info.ModTime()); err != nil {
			return err
		}
	}
	return nil
}
