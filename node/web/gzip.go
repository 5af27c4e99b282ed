package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"
)

// The page cache keeps pages gzipped: HTML shrinks five to eight times, so
// the same budget holds that many more pages (a 1,000-stall market's stall
// pages did not fit in it as they were, and each page missed costs a
// thousand times a hit). Browsers, which all ask for gzip, get the bytes as
// kept; a client that does not is sent them unpacked.

var gzWriters = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed)
	return w
}}

var gzReaders sync.Pool // *gzip.Reader

// gzipped returns b gzipped (at the fastest level: a page is packed once
// and read many times).
func gzipped(b []byte) []byte {
	var out bytes.Buffer
	out.Grow(len(b)/4 + 64)
	w := gzWriters.Get().(*gzip.Writer)
	w.Reset(&out)
	w.Write(b)
	w.Close()
	gzWriters.Put(w)
	return out.Bytes()
}

// acceptsGzip reports whether the request's Accept-Encoding takes gzip.
func acceptsGzip(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept-Encoding") {
		for _, part := range strings.Split(v, ",") {
			name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			if !strings.EqualFold(strings.TrimSpace(name), "gzip") {
				continue
			}
			q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}

// writeCached writes a cached page: gzipped to a client that takes it,
// unpacked to one that does not.
func writeCached(w *echo.Response, r *http.Request, p *cachedPage) error {
	h := w.Header()
	if acceptsGzip(r) {
		h[echo.HeaderContentEncoding] = []string{"gzip"}
		h[echo.HeaderContentLength] = []string{strconv.Itoa(len(p.gz))}
		w.WriteHeader(p.status)
		if r.Method == http.MethodGet {
			_, err := w.Write(p.gz)
			return err
		}
		return nil
	}
	h[echo.HeaderContentLength] = []string{strconv.Itoa(p.plain)}
	w.WriteHeader(p.status)
	if r.Method != http.MethodGet {
		return nil
	}
	zr, _ := gzReaders.Get().(*gzip.Reader)
	var err error
	if zr == nil {
		zr, err = gzip.NewReader(bytes.NewReader(p.gz))
	} else {
		err = zr.Reset(bytes.NewReader(p.gz))
	}
	if err != nil {
		return err
	}
	buf := pageBufs.Get().(*[]byte)
	_, err = io.CopyBuffer(w, zr, *buf)
	pageBufs.Put(buf)
	gzReaders.Put(zr)
	return err
}

// pageBufs are copy buffers for unpacking pages.
var pageBufs = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}
