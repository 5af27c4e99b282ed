package main

import (
	"testing"
)

// TestHeadAnswersAsGet: a HEAD request (link checkers, uptime monitors,
// curl -I) gets what a GET of the same page would, headers and status,
// without a body: before the page is kept, and after. Until this test
// every page answered HEAD with 405.
func TestHeadAnswersAsGet(t *testing.T) {
	n := startDemoNode(t)
	c := newClient(t, n.URL)
	for _, tc := range []struct{ path, accept string }{
		{"/", ""},
		{"/items/1", ""},
		{"/stalls/1", ""},
		{"/wander?seed=7", ""},
		{"/search?q=bell", ""},
		{"/map", ""},
		{"/static/sw.js", ""},
		{"/manifest.webmanifest", ""},
		{"/.well-known/nodeinfo", ""},
		{"/stalls/1", "application/activity+json"},
		{"/items/999999999", ""}, // not found: the same 404 either way
	} {
		h := []string{"Accept-Encoding", "gzip"}
		if tc.accept != "" {
			h = append(h, "Accept", tc.accept)
		}
		// The first HEAD finds nothing kept; a page first sent unpacked is
		// kept packed (pagecache.go), so each HEAD is held against the GET
		// that follows it, in the same state.
		first := c.do("HEAD", tc.path, nil, h...)
		c.get(tc.path, h...)
		again := c.do("HEAD", tc.path, nil, h...)
		get := c.get(tc.path, h...)
		if get.Status == 405 || get.Status >= 500 {
			t.Fatalf("GET %s: %d", tc.path, get.Status)
		}
		for i, head := range []response{first, again} {
			if head.Status != get.Status {
				t.Errorf("HEAD %s (%d): %d, GET %d", tc.path, i, head.Status, get.Status)
			}
			if head.Body != "" {
				t.Errorf("HEAD %s (%d) has a body of %d bytes", tc.path, i, len(head.Body))
			}
			for _, k := range []string{"Content-Type", "Content-Encoding", "Cache-Control", "Vary"} {
				if k == "Content-Encoding" && i == 0 {
					continue
				}
				if head.Header.Get(k) != get.Header.Get(k) {
					t.Errorf("HEAD %s (%d): %s %q, GET %q", tc.path, i, k, head.Header.Get(k), get.Header.Get(k))
				}
			}
		}
		// Once the page is kept, a HEAD says its length as the GET does.
		if l := get.Header.Get("Content-Length"); l != "" && again.Header.Get("Content-Length") != l {
			t.Errorf("HEAD %s: Content-Length %q, GET %q", tc.path, again.Header.Get("Content-Length"), l)
		}
	}
}
