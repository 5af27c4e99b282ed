package web

import (
	"io"

	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/media"
)

// photoStore adapts the media store to the app's Photos, decoding at most two
// uploads at a time (a 40-megapixel photo takes a few hundred MB to decode).
type photoStore struct {
	st  *media.Store
	sem chan struct{}
}

func newPhotoStore(st *media.Store) *photoStore {
	return &photoStore{st: st, sem: make(chan struct{}, 2)}
}

func (p *photoStore) Save(r io.Reader) (node.Photo, error) {
	p.sem <- struct{}{}
	defer func() { <-p.sem }()
	ph, err := p.st.Save(r)
	if err != nil {
		return node.Photo{}, err
	}
	return node.Photo{Hash: ph.Hash, Ext: ph.Ext, Width: ph.Width, Height: ph.Height}, nil
}

// Delete removes a photo's files (app.PhotoFiles).
func (p *photoStore) Delete(ph node.Photo) error {
	return p.st.Delete(media.Photo{Hash: ph.Hash, Ext: ph.Ext, Width: ph.Width, Height: ph.Height})
}
