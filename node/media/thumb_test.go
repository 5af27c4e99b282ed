package media_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/media"
)

// A thumbnail stored on its own: scaled to the longest side asked, named by
// its content with the "s" size, served by Handler, listed by Files and
// removed by Remove; what is not an image is refused and nothing written.
func TestSaveThumb(t *testing.T) {
	s, _ := newStore(t, media.Limits{})
	img := image.NewNRGBA(image.Rect(0, 0, 900, 600))
	for x := 0; x < 900; x++ {
		for y := 0; y < 600; y++ {
			img.Set(x, y, color.NRGBA{uint8(x), uint8(y), 40, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	th, err := s.SaveThumb(bytes.NewReader(b.Bytes()), 320)
	if err != nil {
		t.Fatal(err)
	}
	if th.Width != 320 || th.Height != 213 || !strings.HasSuffix(th.Name, "-s.jpg") || th.Bytes <= 0 {
		t.Fatalf("thumb = %+v", th)
	}
	again, err := s.SaveThumb(bytes.NewReader(b.Bytes()), 320)
	if err != nil || again != th {
		t.Fatalf("the same picture again: %+v %v", again, err)
	}
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/"+th.Name, nil))
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "image/jpeg" || int64(rec.Body.Len()) != th.Bytes {
		t.Fatalf("served %d %s, %d bytes", rec.Code, rec.Header().Get("Content-Type"), rec.Body.Len())
	}
	var names []string
	if err := s.Files(func(name string, _ time.Time) error { names = append(names, name); return nil }); err != nil || len(names) != 1 {
		t.Fatalf("files = %v %v", names, err)
	}
	if _, err := s.SaveThumb(strings.NewReader("<html>not a picture</html>"), 320); node.ErrorCode(err) != node.EUNSUPPORTED {
		t.Fatalf("not a picture: %v", err)
	}
	if err := s.Remove(th.Name); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove(th.Name); err != nil {
		t.Fatalf("removing twice: %v", err)
	}
	if err := s.Remove("../shiji.db"); node.ErrorCode(err) != node.ENOTFOUND {
		t.Fatalf("a path that is not a photo's name: %v", err)
	}
	names = nil
	s.Files(func(name string, _ time.Time) error { names = append(names, name); return nil })
	if len(names) != 0 {
		t.Fatalf("files after removing: %v", names)
	}
}
