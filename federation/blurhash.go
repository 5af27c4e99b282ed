package federation

import (
	"image"
	_ "image/jpeg" // the thumbnails are JPEG or PNG
	_ "image/png"
	"os"
	"sync"

	"github.com/buckket/go-blurhash"
	"github.com/shiji-market/shiji/node"
)

// blurhashes remembers the blurhash of each photo (by its content hash): it
// is computed once, from the smallest thumbnail, the first time the photo
// goes out.
type blurhashes struct {
	mu sync.Mutex
	m  map[string]string
}

// blurhash is the photo's blurhash (what Mastodon shows while the picture
// loads), or "" when the photo cannot be read (no media store, a missing
// file).
func (f *Federation) blurhash(p node.Photo) string {
	f.hashes.mu.Lock()
	h, ok := f.hashes.m[p.Hash]
	f.hashes.mu.Unlock()
	if ok || f.cfg.Media == nil {
		return h
	}
	if path, err := f.cfg.Media.Path(p.Hash + "-s." + p.Ext); err == nil {
		if file, err := os.Open(path); err == nil {
			img, _, err := image.Decode(file)
			file.Close()
			if err == nil {
				h, _ = blurhash.Encode(4, 3, img)
			}
		}
	}
	f.hashes.mu.Lock()
	if f.hashes.m == nil || len(f.hashes.m) > 10000 {
		f.hashes.m = map[string]string{}
	}
	f.hashes.m[p.Hash] = h
	f.hashes.mu.Unlock()
	return h
}
