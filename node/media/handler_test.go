package media_test

import (
	"bytes"
	"image/color"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/shiji-market/shiji/node/media"
)

const immutable = "public, max-age=31536000, immutable"

func get(t *testing.T, h http.Handler, method, target string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, "http://shiji.test/", nil)
	r.URL.Path = target // as a mux or StripPrefix leaves it: unescaped, not cleaned
	r.RequestURI = ""
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestHandler(t *testing.T) {
	s, dir := newStore(t, media.Limits{})
	jpg := save(t, s, encJPEG(t, photo(400, 300, 1)))
	pngPhoto := save(t, s, encPNG(t, halves(30, 20, color.NRGBA{}, color.NRGBA{G: 255, A: 128})))
	if pngPhoto.Ext != "png" {
		t.Fatalf("test photo is %s, want png", pngPhoto.Ext)
	}
	h := s.Handler()

	for _, c := range []struct {
		p    media.Photo
		size string
		typ  string
	}{{jpg, "", "image/jpeg"}, {jpg, "s", "image/jpeg"}, {jpg, "l", "image/jpeg"}, {pngPhoto, "m", "image/png"}} {
		name := c.p.Name(c.size)
		want, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		for _, target := range []string{"/" + name, name} {
			w := get(t, h, http.MethodGet, target)
			if w.Code != http.StatusOK {
				t.Fatalf("GET %s: %d %s", target, w.Code, w.Body)
			}
			hd := w.Header()
			for k, v := range map[string]string{
				"Cache-Control":          immutable,
				"Content-Type":           c.typ,
				"X-Content-Type-Options": "nosniff",
				"Content-Length":         strconv.Itoa(len(want)),
			} {
				if got := hd.Get(k); got != v {
					t.Errorf("GET %s: %s = %q, want %q", target, k, got, v)
				}
			}
			if hd.Get("Last-Modified") == "" || hd.Get("ETag") == "" {
				t.Errorf("GET %s: no Last-Modified or ETag", target)
			}
			if !bytes.Equal(w.Body.Bytes(), want) {
				t.Errorf("GET %s: body differs from the stored file", target)
			}
		}
	}

	name := "/" + jpg.Name("")
	full, _ := os.ReadFile(filepath.Join(dir, jpg.Name("")))

	w := get(t, h, http.MethodHead, name)
	if w.Code != http.StatusOK || w.Body.Len() != 0 || w.Header().Get("Cache-Control") != immutable {
		t.Errorf("HEAD: %d, %d bytes, Cache-Control %q", w.Code, w.Body.Len(), w.Header().Get("Cache-Control"))
	}

	w = get(t, h, http.MethodGet, name, "Range", "bytes=2-11")
	if w.Code != http.StatusPartialContent || !bytes.Equal(w.Body.Bytes(), full[2:12]) {
		t.Errorf("Range: %d, %q", w.Code, w.Body.Bytes())
	}

	etag := get(t, h, http.MethodGet, name).Header().Get("ETag")
	if w = get(t, h, http.MethodGet, name, "If-None-Match", etag); w.Code != http.StatusNotModified {
		t.Errorf("If-None-Match: %d, want 304", w.Code)
	}
	lm := get(t, h, http.MethodGet, name).Header().Get("Last-Modified")
	if w = get(t, h, http.MethodGet, name, "If-Modified-Since", lm); w.Code != http.StatusNotModified {
		t.Errorf("If-Modified-Since: %d, want 304", w.Code)
	}

	w = get(t, h, http.MethodPost, name)
	if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: %d, Allow %q", w.Code, w.Header().Get("Allow"))
	}
}

func TestHandlerNotFound(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "media")
	s, err := media.NewStore(dir, media.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	p := save(t, s, encJPEG(t, photo(40, 30, 1)))
	// Files a traversal would reach: next to the store and inside it.
	secret := "0123456789abcdef0123456789abcdef.jpg"
	os.WriteFile(filepath.Join(root, secret), []byte("secret"), 0o600)
	os.WriteFile(filepath.Join(root, "passwd"), []byte("secret"), 0o600)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("secret"), 0o600)
	os.Mkdir(filepath.Join(dir, "ffffffffffffffffffffffffffffffff.png"), 0o750)
	h := s.Handler()

	for _, target := range []string{
		"/" + strings.Repeat("ab", 16) + ".jpg", // valid but missing
		"/" + p.Hash + ".png",                   // wrong extension for this photo
		"/" + p.Hash + "-xl.jpg",
		"/" + strings.ToUpper(p.Hash) + ".jpg",
		"/../" + secret, "../" + secret, "/../passwd", "/../../etc/passwd", "/..%2f" + secret,
		"/" + p.Hash + ".jpg/", "/x/../" + p.Hash + ".jpg", "//" + p.Hash + ".jpg",
		"/notes.txt", "/", "", "/ffffffffffffffffffffffffffffffff.png",
	} {
		w := get(t, h, http.MethodGet, target)
		if w.Code != http.StatusNotFound {
			t.Errorf("GET %q: %d, want 404", target, w.Code)
		}
		if strings.Contains(w.Body.String(), "secret") {
			t.Errorf("GET %q served a file outside the store", target)
		}
		if w.Header().Get("Cache-Control") == immutable {
			t.Errorf("GET %q: a 404 is cached as immutable", target)
		}
	}
}

// The handler mounted as the web layer will, through a real server: the
// client's request line is not cleaned by the client here.
func TestHandlerMounted(t *testing.T) {
	s, dir := newStore(t, media.Limits{})
	p := save(t, s, encJPEG(t, photo(40, 30, 1)))
	os.WriteFile(filepath.Join(filepath.Dir(dir), "passwd"), []byte("secret"), 0o600)

	mux := http.NewServeMux()
	mux.Handle("/media/", http.StripPrefix("/media", s.Handler()))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	fetch := func(path string) (int, string, string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, srv.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.URL.Opaque = path // sent as it is
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Type"), string(body)
	}
	if code, typ, _ := fetch("/media/" + p.Name("m")); code != http.StatusOK || typ != "image/jpeg" {
		t.Errorf("GET /media/%s: %d %s", p.Name("m"), code, typ)
	}
	for _, path := range []string{"/media/../passwd", "/media/..%2fpasswd", "/media/%2e%2e/passwd", "/media/nothing.jpg"} {
		if code, _, body := fetch(path); code == http.StatusOK || strings.Contains(body, "secret") {
			t.Errorf("GET %s: %d %q", path, code, body)
		}
	}
}
