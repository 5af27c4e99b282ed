//go:build unix

package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// wrkLoad runs wrk (-t2, conns connections, d) against base, each request a
// random one of paths, with the given headers ("Name: value"), and reads its
// figures.
func wrkLoad(b *testing.B, bin, base string, conns int, d time.Duration, paths, header []string) loadResult {
	var lua strings.Builder
	lua.WriteString("local paths = {\n")
	for _, p := range paths {
		fmt.Fprintf(&lua, "%q,\n", p)
	}
	lua.WriteString(`}
local n = 0
function setup(thread) n = n + 1; thread:set("seed", n) end
function init(args) math.randomseed(seed * 7919) end
function request() return wrk.format("GET", paths[math.random(#paths)]) end
`)
	script := filepath.Join(b.TempDir(), "paths.lua")
	if err := os.WriteFile(script, []byte(lua.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	args := []string{"-t2", fmt.Sprintf("-c%d", conns), fmt.Sprintf("-d%ds", int(d.Seconds())), "--latency", "-s", script}
	for _, h := range header {
		args = append(args, "-H", h)
	}
	out, err := exec.Command(bin, append(args, base)...).CombinedOutput()
	if err != nil {
		b.Fatalf("wrk: %v\n%s", err, out)
	}
	return parseWrk(b, string(out))
}

var (
	wrkRPS     = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	wrkTotal   = regexp.MustCompile(`(\d+) requests in`)
	wrkP99     = regexp.MustCompile(`\n\s+99%\s+([0-9.]+)(us|ms|s)`)
	wrkNon2xx  = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	wrkSockErr = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
)

func parseWrk(b *testing.B, out string) loadResult {
	var r loadResult
	m := wrkRPS.FindStringSubmatch(out)
	t := wrkTotal.FindStringSubmatch(out)
	p := wrkP99.FindStringSubmatch(out)
	if m == nil || t == nil || p == nil {
		b.Fatalf("cannot read wrk's output:\n%s", out)
	}
	r.rps, _ = strconv.ParseFloat(m[1], 64)
	r.n, _ = strconv.ParseInt(t[1], 10, 64)
	v, _ := strconv.ParseFloat(p[1], 64)
	r.p99 = v * map[string]float64{"us": 0.001, "ms": 1, "s": 1000}[p[2]]
	if m := wrkNon2xx.FindStringSubmatch(out); m != nil {
		n, _ := strconv.ParseInt(m[1], 10, 64)
		r.errs += n
	}
	if m := wrkSockErr.FindStringSubmatch(out); m != nil {
		for _, f := range m[1:] {
			n, _ := strconv.ParseInt(f, 10, 64)
			r.errs += n
		}
	}
	return r
}

// goDriver sends GETs from conns goroutines for d, each a random one of
// paths, and measures them; the CPU it spends itself is in cpuSelf.
func goDriver(base string, conns int, d time.Duration, paths, header []string) loadResult {
	hc := insecureClient(conns)
	defer hc.CloseIdleConnections()
	cpu0 := processCPU()
	var mu sync.Mutex
	var lat []time.Duration
	var errs atomic.Int64
	stop := time.Now().Add(d)
	var wg sync.WaitGroup
	for i := 0; i < conns; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(i), 7))
			var mine []time.Duration
			for time.Now().Before(stop) {
				t0 := time.Now()
				req, _ := newGet(base+paths[r.IntN(len(paths))], header)
				resp, err := hc.Do(req)
				if err != nil {
					errs.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					errs.Add(1)
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}(i)
	}
	wg.Wait()
	res := loadResult{errs: errs.Load(), n: int64(len(lat))}
	if len(lat) == 0 {
		return res
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	res.rps = float64(len(lat)) / d.Seconds()
	res.p99 = float64(lat[int(0.99*float64(len(lat)-1))].Microseconds()) / 1000
	// The client's own CPU, estimated as the share of the requests' work it
	// does: it is measured with the server's, in this one process.
	res.cpuSelf = (processCPU() - cpu0) / 2
	return res
}
