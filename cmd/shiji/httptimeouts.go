package main

import (
	"fmt"
	"slices"
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
	err := parseDurations("SHIJI_HTTP_TIMEOUTS", s, "header=10s read=60s idle=120s",
		[]namedDuration{{"header", &t.header}, {"read", &t.read}, {"idle", &t.idle}})
	return t, err
}

// A namedDuration is one setting of a list of durations (parseDurations).
type namedDuration struct {
	name string
	d    *time.Duration
}

// parseDurations reads a setting of durations by name, "header=10s
// read=60s" (spaces or commas between), into the durations named in set;
// what names the setting in errors, and example is a good value. A
// duration is positive and at most 24 hours.
func parseDurations(what, s, example string, set []namedDuration) error {
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' }) {
		k, v, ok := strings.Cut(f, "=")
		d, err := time.ParseDuration(v)
		if !ok || err != nil || d <= 0 || d > 24*time.Hour {
			return fmt.Errorf("%s: %q: write a name and a positive duration up to 24h, as in %q", what, f, example)
		}
		i := slices.IndexFunc(set, func(n namedDuration) bool { return n.name == k })
		if i < 0 {
			names := make([]string, len(set))
			for j, n := range set {
				names[j] = n.name
			}
			return fmt.Errorf("%s: unknown %q: use %s", what, k, strings.Join(names, ", "))
		}
		*set[i].d = d
	}
	return nil
}
