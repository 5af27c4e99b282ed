package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// hungUp reads conn until the server closes it (or within seconds, fails).
func hungUp(t *testing.T, conn net.Conn, within time.Duration, what string) {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(within))
	_, err := io.Copy(io.Discard, conn)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("%s: the server still holds the connection after %s", what, within)
	}
}

// Slow and greedy clients cannot hold the node: headers that trickle in
// (slowloris), a body that trickles in, an idle keep-alive connection are
// each cut off by the server's timeouts, oversized headers are 431, and the
// node answers others all along.
func TestSlowClientsAreCutOff(t *testing.T) {
	n := startNodeEnv(t, "", map[string]string{"SHIJI_HTTP_TIMEOUTS": "header=1s read=2s idle=2s"})
	addr := strings.TrimPrefix(n.URL, "http://")
	dial := func() net.Conn {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	// Slowloris: a header line every 300 ms, never the blank line.
	loris := dial()
	fmt.Fprintf(loris, "GET / HTTP/1.1\r\nHost: %s\r\n", addr)
	stop := make(chan struct{})
	go func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(300 * time.Millisecond):
			}
			if _, err := fmt.Fprintf(loris, "X-Drip-%d: a\r\n", i); err != nil {
				return
			}
		}
	}()
	// A body that trickles in: a byte every 300 ms of 1,000.
	slowBody := dial()
	fmt.Fprintf(slowBody, "POST /login HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n", addr)
	go func() {
		for i := 0; i < 1000; i++ {
			select {
			case <-stop:
				return
			case <-time.After(300 * time.Millisecond):
			}
			if _, err := slowBody.Write([]byte("a")); err != nil {
				return
			}
		}
	}()
	// An idle keep-alive connection after one request.
	idle := dial()
	fmt.Fprintf(idle, "GET /healthz HTTP/1.1\r\nHost: %s\r\n\r\n", addr)
	resp, err := http.ReadResponse(bufio.NewReader(idle), nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz on the idle connection: %v", err)
	}
	resp.Body.Close()
	// Meanwhile everyone else is served.
	c := newClient(t, n.URL)
	for i := 0; i < 5; i++ {
		if r := c.get("/healthz"); r.Status != 200 {
			t.Fatalf("healthz while slow clients hang on: %d", r.Status)
		}
	}
	hungUp(t, loris, hangGuard, "headers a line at a time")
	hungUp(t, slowBody, hangGuard, "a body a byte at a time")
	hungUp(t, idle, hangGuard, "an idle keep-alive connection")
	close(stop)

	// Headers over 64 KiB: 431, and the node goes on.
	big := dial()
	fmt.Fprintf(big, "GET / HTTP/1.1\r\nHost: %s\r\nX-Big: %s\r\n\r\n", addr, strings.Repeat("a", 100<<10))
	resp, err = http.ReadResponse(bufio.NewReader(big), nil)
	if err != nil || resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("100 KiB of headers: %v %v", err, resp)
	}
	if r := c.get("/healthz"); r.Status != 200 {
		t.Fatalf("healthz after the huge headers: %d", r.Status)
	}
	// A bad SHIJI_HTTP_TIMEOUTS is refused with a clear message.
	_, _, err = runCmdEnv(t, map[string]string{"SHIJI_HTTP_TIMEOUTS": "header=soon"}, "serve", "--addr", "127.0.0.1:0", "--data", t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "SHIJI_HTTP_TIMEOUTS") {
		t.Fatalf("a bad SHIJI_HTTP_TIMEOUTS: %v", err)
	}
}
