package main

import (
	"bufio"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// soakStats records latencies per route in windows of the sampling period,
// and every error.
type soakStats struct {
	mu     sync.Mutex
	window map[string][]time.Duration
	total  map[string][]time.Duration
	errors map[string]int
	sample []string // the first few errors, to show
}

func newSoakStats() *soakStats {
	return &soakStats{window: map[string][]time.Duration{}, total: map[string][]time.Duration{}, errors: map[string]int{}}
}

// add records one call of route: its latency, or an error.
func (s *soakStats) add(route string, d time.Duration, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.errors[route]++
		if len(s.sample) < 20 {
			s.sample = append(s.sample, route+": "+err.Error())
		}
		return
	}
	s.window[route] = append(s.window[route], d)
	s.total[route] = append(s.total[route], d)
}

// statusErr is an unexpected HTTP status.
type statusErr struct {
	got, want int
	body      string
}

func (e statusErr) Error() string {
	return fmt.Sprintf("%d (want %d): %.200s", e.got, e.want, e.body)
}

// cut returns the p99 of each route in the window since the last cut, and
// starts a new window.
func (s *soakStats) cut() map[string]time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]time.Duration{}
	for r, ds := range s.window {
		out[r] = percentile(ds, 0.99)
	}
	s.window = map[string][]time.Duration{}
	return out
}

func (s *soakStats) errorCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.errors {
		n += c
	}
	return n
}

func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	c := append([]time.Duration(nil), ds...)
	sort.Slice(c, func(i, j int) bool { return c[i] < c[j] })
	return c[min(len(c)-1, int(float64(len(c))*p))]
}

// procSample is one look at the node process.
type procSample struct {
	at         time.Duration // since the load started
	rssKB      int
	heapKB     int // the Go heap in use (RSS beyond it is SQLite's page caches, stacks and the runtime)
	goroutines int
	fds        int
	walBytes   int64
	p99        map[string]time.Duration
	errors     int
}

// sampleProc reads the node's RSS and open files from /proc, its goroutines
// from its pprof endpoint and the WAL's size.
func sampleProc(pid int, debugURL, dataDir string) (procSample, error) {
	var s procSample
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, err
	}
	for _, l := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			s.rssKB, _ = strconv.Atoi(strings.Fields(l)[1])
		}
	}
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return s, err
	}
	s.fds = len(fds)
	resp, err := http.Get(debugURL + "/debug/pprof/goroutine?debug=1")
	if err != nil {
		return s, err
	}
	first, _ := bufio.NewReader(resp.Body).ReadString('\n')
	resp.Body.Close()
	if _, err := fmt.Sscanf(first, "goroutine profile: total %d", &s.goroutines); err != nil {
		return s, fmt.Errorf("goroutines: %q: %w", first, err)
	}
	resp, err = http.Get(debugURL + "/debug/pprof/heap?debug=1")
	if err != nil {
		return s, err
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var inuse int
		if _, err := fmt.Sscanf(sc.Text(), "# HeapInuse = %d", &inuse); err == nil {
			s.heapKB = inuse >> 10
		}
	}
	resp.Body.Close()
	if st, err := os.Stat(filepath.Join(dataDir, "shiji.db-wal")); err == nil {
		s.walBytes = st.Size()
	}
	return s, nil
}

// meanOf averages f over the samples taken in [from, to).
func meanOf(samples []procSample, from, to time.Duration, f func(procSample) float64) float64 {
	var sum float64
	n := 0
	for _, s := range samples {
		if s.at >= from && s.at < to {
			sum += f(s)
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

// soakReport is the run as a Markdown table: RSS, the Go heap, goroutines,
// WAL, open files and the p99 of the main routes at each sample.
func soakReport(samples []procSample, routes []string) string {
	var b strings.Builder
	b.WriteString("| time | RSS MB | heap MB | goroutines | WAL MB | fds | errors |")
	for _, r := range routes {
		b.WriteString(" p99 " + r + " |")
	}
	b.WriteString("\n|---|---|---|---|---|---|---|")
	for range routes {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, s := range samples {
		fmt.Fprintf(&b, "| %s | %.0f | %.0f | %d | %.1f | %d | %d |", s.at.Round(time.Second), float64(s.rssKB)/1024, float64(s.heapKB)/1024, s.goroutines,
			float64(s.walBytes)/(1<<20), s.fds, s.errors)
		for _, r := range routes {
			fmt.Fprintf(&b, " %s |", s.p99[r].Round(time.Millisecond))
		}
		b.WriteString("\n")
	}
	return b.String()
}

// errStreamEnded is a live stream that the node ended before the load did.
var errStreamEnded = errors.New("the stream ended")

// soakDowns records when the node was down (killed, until it listened
// again and a short grace after), and counts the calls those moments cut
// off. Only a failure to talk to the node is excused, never an answer: a
// 500 during a restart is still an error.
type soakDowns struct {
	mu      sync.Mutex
	since   time.Time      // when the node went down; zero while it is up
	windows [][2]time.Time // [down, up+grace]
	cut     map[string]int // route → calls cut off
}

func (d *soakDowns) begin() {
	d.mu.Lock()
	d.since = time.Now()
	d.mu.Unlock()
}

func (d *soakDowns) end(grace time.Duration) {
	d.mu.Lock()
	d.windows = append(d.windows, [2]time.Time{d.since, time.Now().Add(grace)})
	d.since = time.Time{}
	d.mu.Unlock()
}

// excuses reports whether a call of route, begun at start and failed now
// with err, was cut off by a kill; it counts those it excuses.
func (d *soakDowns) excuses(route string, start time.Time, err error) bool {
	var se statusErr
	if err == nil || errors.As(err, &se) {
		return false
	}
	now := time.Now()
	d.mu.Lock()
	defer d.mu.Unlock()
	cut := !d.since.IsZero()
	for _, w := range d.windows {
		cut = cut || start.Before(w[1]) && now.After(w[0])
	}
	if cut {
		if d.cut == nil {
			d.cut = map[string]int{}
		}
		d.cut[route]++
	}
	return cut
}

func (d *soakDowns) total() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for _, c := range d.cut {
		n += c
	}
	return n
}

// String lists the calls cut off, by route.
func (d *soakDowns) String() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var parts []string
	for r, c := range d.cut {
		parts = append(parts, fmt.Sprintf("%s %d", r, c))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

func roundAll(ds []time.Duration) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = d.Round(time.Millisecond)
	}
	return out
}
