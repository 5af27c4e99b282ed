package main

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// A linked market that is slow does not slow this one: B is reached through
// a proxy that holds the second page of its outbox until the test lets it
// go. Meanwhile A's pages, its world stroll (with what the first page
// brought) and its links answer, the link says its outbox is being read,
// and once the page comes the catalogue is complete.
func TestWorldSlowMarket(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.3:0")
	if err != nil {
		t.Fatal(err)
	}
	proxyAddr := ln.Addr().String()
	b := newFedNodeWith(t, []string{"--addr", freeAddrOn(t, "127.0.0.2"), "--base-url", "http://" + proxyAddr}, "mei:organiser", "li:stallholder")
	titles := make([]string, 60)
	for i := range titles {
		titles[i] = fmt.Sprintf("Teacup %d", i+1)
	}
	fillStall(t, b, "li", "Li's Teacups", titles...)

	target, _ := url.Parse(b.n.URL)
	rp := httputil.NewSingleHostReverseProxy(target)
	direct := rp.Director
	rp.Director = func(r *http.Request) { host := r.Host; direct(r); r.Host = host } // B's ids are on the proxy's host
	release := make(chan struct{})
	var held sync.WaitGroup
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/market/outbox" && r.URL.Query().Get("page") == "2" {
			held.Add(1)
			select { // slow: until the test lets it go
			case <-release:
			case <-r.Context().Done():
			}
			held.Done()
		}
		rp.ServeHTTP(w, r)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	a := newFedNode(t, "mei:organiser")
	fillStall(t, a, "mei", "Mei's Lamps", "Lamp")
	r := a.call("POST", "/api/v1/market/links", "mei", `{"acct":"market@`+proxyAddr+`"}`)
	if r.Status != 201 {
		t.Fatalf("link = %d %s", r.Status, r.Body)
	}
	link := int(r.JSON(t)["id"].(float64))
	waitForIn(t, 60*time.Second, "the first page of B's outbox", func() bool {
		l := a.call("GET", fmt.Sprintf("/api/v1/market/links/%d", link), "", "").JSON(t)
		return l["items"] == 50.0 && l["syncing"] == true
	})
	// B holds its second page: A answers all the same.
	for _, p := range []string{"/", "/world", "/world/wander", fmt.Sprintf("/world/wander?market=%d", link), "/api/v1/world/wander?seed=3",
		"/api/v1/market/links"} {
		if r := a.c.get(p); r.Status != 200 {
			t.Fatalf("GET %s while B is slow = %d", p, r.Status)
		}
	}
	if r := a.c.get("/api/v1/world/wander?seed=3"); !strings.Contains(r.Body, "Teacup") || !strings.Contains(r.Body, "Lamp") {
		t.Fatalf("the world stroll while B is slow: %.300s", r.Body)
	}
	close(release)
	waitForIn(t, 60*time.Second, "the rest of B's outbox", func() bool {
		l := a.call("GET", fmt.Sprintf("/api/v1/market/links/%d", link), "", "").JSON(t)
		return l["items"] == 60.0 && l["syncing"] == false && l["stale"] == false
	})
	held.Wait()
}
