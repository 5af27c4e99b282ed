package web

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/node"
)

// The page cache keeps to its budget, drops the least recently used page
// first, and a page is valid only at the version, wanderer count and time
// it was rendered for.
func TestPageCacheBudgetAndValidity(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	pc := newPageCache(64 << 10)
	body := []byte(strings.Repeat("x", 3000))
	for i := 0; i < 40; i++ {
		pc.put(&cachedPage{key: fmt.Sprint("/p", i), status: 200, gz: body, version: 7, until: now.Add(time.Hour)})
		pc.get("/p0", 7, 0, now) // read all along: kept
	}
	used, n, _, _ := pc.stats()
	if used > 64<<10 || n >= 40 {
		t.Fatalf("cache holds %d pages, %d bytes, over its budget", n, used)
	}
	if pc.get("/p0", 7, 0, now) == nil || pc.get("/p1", 7, 0, now) != nil {
		t.Errorf("the least recently used page was not the one dropped")
	}
	if pc.get("/p39", 8, 0, now) != nil {
		t.Errorf("a page of an older version was served")
	}
	if pc.get("/p38", 7, 1, now) != nil {
		t.Errorf("a page showing another number of wanderers was served")
	}
	if pc.get("/p37", 7, 0, now.Add(time.Hour)) != nil {
		t.Errorf("a page past its market day's edge was served")
	}
	pc.put(&cachedPage{key: "/huge", gz: make([]byte, 32<<10), version: 7, until: now.Add(time.Hour)})
	if pc.get("/huge", 7, 0, now) != nil {
		t.Errorf("a page of half the budget was kept")
	}
}

// The item cache never takes data read before a newer write, and starts
// again empty past its budget.
func TestItemCacheGenerations(t *testing.T) {
	ic := newItemCache(4 << 10)
	it := func(id int64, title string) *node.Item { return &node.Item{ID: node.ItemID(id), Title: title} }
	ic.add(5, []*node.Item{it(1, "old")})
	ic.add(6, []*node.Item{it(1, "new")})
	ic.add(5, []*node.Item{it(2, "read before the write")})
	got, missing := ic.lookup(6, []node.ItemID{1, 2})
	if got[0] == nil || got[0].Title != "new" || got[1] != nil || len(missing) != 1 {
		t.Fatalf("lookup = %v missing %v", got, missing)
	}
	if _, missing := ic.lookup(7, []node.ItemID{1}); len(missing) != 1 {
		t.Fatalf("an item of version 6 was served at 7")
	}
	for i := int64(10); i < 100; i++ {
		ic.add(6, []*node.Item{it(i, strings.Repeat("t", 40))})
	}
	if ic.used > ic.budget {
		t.Fatalf("item cache uses %d of %d bytes", ic.used, ic.budget)
	}
}

// Cached pages are kept gzipped: a client that takes gzip gets them so, one
// that does not gets them as rendered, byte for byte, and both are told
// the answer depends on Accept-Encoding.
func TestCachedPagesGzipped(t *testing.T) {
	page := []byte(strings.Repeat("<p>市集 a page, with words that repeat.</p>\n", 200))
	p := &cachedPage{key: "/x", status: 200, header: http.Header{"Vary": {"Accept-Language", "Accept-Encoding"}},
		gz: gzipped(page), plain: len(page)}
	if len(p.gz) >= len(page)/4 {
		t.Errorf("a page of %d bytes is kept in %d", len(page), len(p.gz))
	}
	for _, ae := range []string{"", "gzip", "br, gzip;q=0.8", "gzip;q=0", "identity", "deflate, GZIP"} {
		req := httptest.NewRequest("GET", "/x", nil)
		if ae != "" {
			req.Header.Set("Accept-Encoding", ae)
		}
		rec := httptest.NewRecorder()
		w := echo.NewResponse(rec, echo.New())
		for k, v := range p.header {
			w.Header()[k] = v
		}
		if err := writeCached(w, req, p); err != nil {
			t.Fatal(err)
		}
		body := rec.Body.Bytes()
		wantGzip := ae == "gzip" || ae == "br, gzip;q=0.8" || ae == "deflate, GZIP"
		if got := rec.Header().Get("Content-Encoding") == "gzip"; got != wantGzip {
			t.Fatalf("Accept-Encoding %q: gzipped %v, want %v", ae, got, wantGzip)
		}
		if wantGzip {
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			if body, err = io.ReadAll(zr); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(body, page) {
			t.Fatalf("Accept-Encoding %q: the page came back as %d other bytes", ae, len(body))
		}
		if rec.Header().Get("Content-Length") != strconv.Itoa(rec.Body.Len()) {
			t.Errorf("Accept-Encoding %q: Content-Length %s for %d bytes", ae, rec.Header().Get("Content-Length"), rec.Body.Len())
		}
	}
}
