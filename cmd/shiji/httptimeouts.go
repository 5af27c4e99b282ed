package main

import (
	"fmt"
	"strings"
	"time"
)

// httpTimeouts are the HTTP server's limits against slow and greedy clients
// (slowloris, a body trickling in, idle keep-alive connections, huge
// headers).
type httpTimeouts struct {
	header, read, idle time.Duration
	maxHeaderBytes     int
}

// defaultHTTPTimeouts: 10 s for the headers, 60 s for a whole request, 120 s
// idle; no write timeout (live streams run for hours); 64 KiB of headers.
func defaultHTTPTimeouts() httpTimeouts {
	return httpTimeouts{header: 10 * time.Second, read: 60 * time.Second, idle: 120 * time.Second, maxHeaderBytes: 64 << 10}
}

// parseHTTPTimeouts reads SHIJI_HTTP_TIMEOUTS, "header=10s read=60s
// idle=120s" (any of them, spaces or commas between), over the defaults.
func parseHTTPTimeouts(s string) (httpTimeouts, error) {
	t := defaultHTTPTimeouts()
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' }) {
		k, v, ok := strings.Cut(f, "=")
		d, err := time.ParseDuration(v)
		if !ok || err != nil || d <= 0 || d > 24*time.Hour {
			return t, fmt.Errorf("SHIJI_HTTP_TIMEOUTS: %q: write header=10s, read=60s or idle=120s", f)
		}
		switch k {
		case "header":
			t.header = d
		case "read":
			t.read = d
		case "idle":
			t.idle = d
		default:
			return t, fmt.Errorf("SHIJI_HTTP_TIMEOUTS: unknown %q: use header, read and idle", k)
		}
	}
	return t, nil
}
