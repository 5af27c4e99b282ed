package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// BenchmarkStreamFanout holds many live streams on one group chat and posts
// messages into it at a steady rate, measuring how late each message reaches
// each stream and how much memory the streams take. Clients and server share
// this process, so bytes/client counts both ends of each connection.
//
//	go test -run XXX -bench StreamFanout -benchtime 1x ./cmd/shiji
//	SHIJI_STREAM_CLIENTS=1000 SHIJI_STREAM_RATE=10 SHIJI_STREAM_MESSAGES=100 (defaults)
func BenchmarkStreamFanout(b *testing.B) {
	clients := envInt("SHIJI_STREAM_CLIENTS", 1000)
	rate := envInt("SHIJI_STREAM_RATE", 10)
	messages := envInt("SHIJI_STREAM_MESSAGES", 100)
	dir := b.TempDir()
	posters := 15 // posting is rate-limited per account (a burst of 10, then one every 2 s): spread it
	for i := 0; i <= posters; i++ {
		if _, e, err := runCmd(b, "a long secret phrase\n", "user", "add", fmt.Sprintf("member%02d", i), "--role", "resident", "--data", dir); err != nil {
			b.Fatal(err, e)
		}
	}
	n := startNode(b, dir)
	c := newClient(b, n.URL)
	tokens := make([]string, posters+1)
	for i := range tokens {
		tokens[i] = c.postJSON("/api/v1/sessions", fmt.Sprintf(`{"name":"member%02d","password":"a long secret phrase"}`, i)).JSON(b)["token"].(string)
	}
	room := int(c.postJSON("/api/v1/conversations", `{"kind":"group","name":"Market square"}`, "Authorization", "Bearer "+tokens[0]).JSON(b)["id"].(float64))
	for _, tok := range tokens[1:] {
		c.postJSON(fmt.Sprintf("/api/v1/conversations/%d/members", room), ``, "Authorization", "Bearer "+tok)
	}

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	goroutinesBefore := runtime.NumGoroutine()

	// Every stream belongs to member00 and watches the room.
	var mu sync.Mutex
	var delays []time.Duration
	sent := make([]time.Time, messages)
	var sentMu sync.RWMutex
	ready := make(chan struct{}, clients)
	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: 0}
	hc := &http.Client{Transport: tr}
	var conns []func()
	for i := 0; i < clients; i++ {
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/v1/stream?watch=%d", n.URL, room), nil)
		req.Header.Set("Authorization", "Bearer "+tokens[0])
		resp, err := hc.Do(req)
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("stream %d: %v", i, err)
		}
		conns = append(conns, func() { resp.Body.Close() })
		go func() {
			r := bufio.NewReaderSize(resp.Body, 1024)
			ready <- struct{}{}
			for {
				line, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if !strings.HasPrefix(line, "data: ") {
					continue
				}
				at := time.Now()
				var m struct {
					BodyHTML string `json:"body_html"`
				}
				json.Unmarshal([]byte(line[6:]), &m)
				k, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(m.BodyHTML), "<p>msg "), "</p>"))
				if err != nil || k < 0 || k >= messages {
					continue
				}
				sentMu.RLock()
				d := at.Sub(sent[k])
				sentMu.RUnlock()
				mu.Lock()
				delays = append(delays, d)
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < clients; i++ {
		<-ready
	}
	time.Sleep(200 * time.Millisecond)
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	perClient := (int64(after.HeapInuse) + int64(after.StackInuse) - int64(before.HeapInuse) - int64(before.StackInuse)) / int64(clients)

	b.ResetTimer()
	tick := time.NewTicker(time.Second / time.Duration(rate))
	for k := 0; k < messages; k++ {
		<-tick.C
		sentMu.Lock()
		sent[k] = time.Now()
		sentMu.Unlock()
		tok := tokens[1+k%posters]
		r := c.postJSON(fmt.Sprintf("/api/v1/conversations/%d/messages", room), fmt.Sprintf(`{"body":"msg %d"}`, k), "Authorization", "Bearer "+tok)
		if r.Status != 201 {
			b.Fatalf("post %d: %d %s", k, r.Status, r.Body)
		}
	}
	tick.Stop()
	want := clients * messages
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		got := len(delays)
		mu.Unlock()
		if got >= want {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.StopTimer()
	mu.Lock()
	sort.Slice(delays, func(i, j int) bool { return delays[i] < delays[j] })
	got := len(delays)
	pct := func(p float64) float64 {
		if got == 0 {
			return 0
		}
		return float64(delays[int(p*float64(got-1))].Microseconds()) / 1000
	}
	b.ReportMetric(float64(clients), "clients")
	b.ReportMetric(float64(got)/float64(want)*100, "%delivered")
	b.ReportMetric(pct(0.5), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(perClient), "bytes/client")
	b.ReportMetric(float64(runtime.NumGoroutine()-goroutinesBefore)/float64(clients), "goroutines/client")
	mu.Unlock()
	for _, cl := range conns {
		cl()
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
