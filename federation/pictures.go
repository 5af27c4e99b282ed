package federation

import (
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/shiji-market/shiji/node"
)

// maxRemotePictures is how many pictures of a remote message are kept.
const maxRemotePictures = 4

// picturesTimeout bounds fetching a message's pictures while its activity
// is taken in (the sender waits for our answer).
const picturesTimeout = 10 * time.Second

// pictures copies a remote note's images into the media store, as the photos
// of the message it becomes: fetched without cookies or a signature through
// the SSRF-safe client, checked, re-encoded without metadata and served from
// here (people's browsers never load them from the other server). A picture
// that cannot be fetched or read is left out.
func (f *Federation) pictures(ctx context.Context, atts []attachment) []node.Photo {
	if f.cfg.Media == nil || len(atts) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, picturesTimeout)
	defer cancel()
	var out []node.Photo
	for _, a := range atts {
		if len(out) == maxRemotePictures {
			break
		}
		p, err := f.picture(ctx, a.URL)
		if err != nil {
			f.log.Info("remote picture not kept", "url", a.URL, "err", err)
			continue
		}
		p.Alt = a.Alt
		if n := []rune(p.Alt); len(n) > node.MaxAltLen {
			p.Alt = string(n[:node.MaxAltLen])
		}
		out = append(out, p)
	}
	return out
}

// picture fetches one image and stores it.
func (f *Federation) picture(ctx context.Context, rawURL string) (node.Photo, error) {
	if !strings.HasPrefix(rawURL, "https://") && !strings.HasPrefix(rawURL, "http://") {
		return node.Photo{}, fmt.Errorf("not an http(s) URL")
	}
	if f.isBlocked(ctx, rawURL) {
		return node.Photo{}, errBlocked
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return node.Photo{}, err
	}
	req.Header.Set("Accept", "image/jpeg, image/png, image/webp, image/gif;q=0.8")
	req.Header.Set("User-Agent", f.userAgent())
	resp, err := f.client.hc.Do(req)
	if err != nil {
		return node.Photo{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return node.Photo{}, &statusError{status: resp.StatusCode, url: rawURL}
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "" && !strings.HasPrefix(mt, "image/") &&
		mt != "application/octet-stream" {
		return node.Photo{}, fmt.Errorf("not an image (%s)", mt)
	}
	f.pictureSem <- struct{}{} // decoding a large image takes a lot of memory: one at a time
	defer func() { <-f.pictureSem }()
	ph, err := f.cfg.Media.Save(resp.Body) // reads at most its byte limit, checks the pixels before decoding
	if err != nil {
		return node.Photo{}, err
	}
	return node.Photo{Hash: ph.Hash, Ext: ph.Ext, Width: ph.Width, Height: ph.Height}, nil
}
