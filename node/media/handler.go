package media

import (
	"errors"
	"io/fs"
	"net/http"
	"os"
	"strings"
)

// Handler returns an http.Handler that serves the store's files: GET or HEAD
// of "/<name>" (or "<name>"), where name is as from Photo.Name. Mount it with
// the prefix stripped, as in
//
//	mux.Handle("/media/", http.StripPrefix("/media", store.Handler()))
//
// A file is served with http.ServeContent, so ranges and conditional requests
// work, with "Cache-Control: public, max-age=31536000, immutable" (names are
// content hashes, so a name never changes its bytes), its Content-Type and
// "X-Content-Type-Options: nosniff". A name Path rejects, such as one with a
// slash or "..", and a missing file get 404; other methods get 405.
func (s *Store) Handler() http.Handler {
	return http.HandlerFunc(s.serve)
}

func (s *Store) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "Method not allowed.", http.StatusMethodNotAllowed)
		return
	}
	name := strings.TrimPrefix(r.URL.Path, "/")
	path, err := s.Path(name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		http.NotFound(w, r)
		return
	} else if err != nil {
		http.Error(w, "Something went wrong on our side.", http.StatusInternalServerError)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		http.NotFound(w, r)
		return
	}

	h := w.Header()
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("ETag", `"`+name+`"`)
	if strings.HasSuffix(name, ".png") {
		h.Set("Content-Type", "image/png")
	} else {
		h.Set("Content-Type", "image/jpeg")
	}
	http.ServeContent(w, r, name, fi.ModTime(), f)
}
