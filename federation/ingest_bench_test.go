//go:build unix

package federation

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/shiji-market/shiji/node"
)

// BenchmarkIngestVsVerify takes in signed Create(Note) activities from 16
// and from 64 concurrent senders (as a flood comes from many servers at
// once; the page benchmarks use 64 connections) and reports the rate next
// to the machine's RSA-2048 verifications per second on all its cores,
// measured before and after in the same run (the ceiling: an inbox can do
// no better than check each signature), the CPU time each costs and how
// many writes a commit of the group writer took (and how many of its
// batches were run twice, a pure write in them having failed: none should).
//
//	go test -run '^$' -bench IngestVsVerify -benchtime 12000x ./federation
//
// SHIJI_INGEST_CPUPROFILE=FILE writes a CPU profile of the timed part alone
// (run one sub-benchmark with -count 1: each run overwrites it).
func BenchmarkIngestVsVerify(b *testing.B) {
	for _, senders := range []int{16, 64} {
		b.Run(fmt.Sprintf("senders=%d", senders), func(b *testing.B) { benchIngestVsVerify(b, senders) })
	}
}

func benchIngestVsVerify(b *testing.B, senders int) {
	n, reqs := ingestSetup(b, b.N+1)
	if w := n.do(reqs[b.N]); w.Code != http.StatusAccepted { // fetch and cache bo's key
		b.Fatalf("warm-up = %d %s", w.Code, w.Body)
	}
	verifies := max(b.N*4, 2000)
	v1, vcpu1 := verifyRate(b, verifies)
	b.ResetTimer()
	batches0, writes0, reruns0 := n.db.WriteBatches()
	if f := os.Getenv("SHIJI_INGEST_CPUPROFILE"); f != "" { // the timed part only
		out, err := os.Create(f)
		if err != nil {
			b.Fatal(err)
		}
		defer out.Close()
		if err := pprof.StartCPUProfile(out); err != nil {
			b.Fatal(err)
		}
	}
	cpu0, w0 := benchCPU(), writeCalls()
	start := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < senders; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < b.N; i = int(next.Add(1) - 1) {
				if w := n.do(reqs[i]); w.Code != http.StatusAccepted {
					b.Errorf("= %d %s", w.Code, w.Body)
					return
				}
			}
		}()
	}
	wg.Wait()
	rate := float64(b.N) / time.Since(start).Seconds()
	cpu, wcalls := benchCPU()-cpu0, writeCalls()-w0
	pprof.StopCPUProfile()
	b.StopTimer()
	v2, vcpu2 := verifyRate(b, verifies)
	ceiling := (v1 + v2) / 2
	b.ReportMetric(rate, "activities/s")
	b.ReportMetric(ceiling, "verifies/s")
	b.ReportMetric(100*rate/ceiling, "%-of-verify")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/activity")
	b.ReportMetric((vcpu1+vcpu2)/2, "cpu-µs/verify")
	if w0 >= 0 {
		b.ReportMetric(float64(wcalls)/float64(b.N), "write-calls/activity")
	}
	if batches, writes, reruns := n.db.WriteBatches(); batches > batches0 {
		b.ReportMetric(float64(writes-writes0)/float64(batches-batches0), "writes/commit")
		b.ReportMetric(float64(reruns-reruns0)/float64(batches-batches0), "reruns/commit")
	}
}

// verifyRate checks n RSA-2048 PKCS#1 v1.5 SHA-256 signatures on every core
// and returns the verifications per second and the CPU µs each took.
func verifyRate(b *testing.B, n int) (float64, float64) {
	k := testKey(b)
	msg := []byte("(request-target): post /inbox\nhost: market.test\ndate: Wed, 25 Nov 2026 02:46:16 GMT\ndigest: SHA-256=wf5sDghOYUA2J8NDoBLvVp8u1Th4QDVVvv+Wehqv+Dk=")
	sum := sha256.Sum256(msg)
	sig, _ := rsa.SignPKCS1v15(nil, k, crypto.SHA256, sum[:])
	cpu0 := benchCPU()
	start := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < runtime.GOMAXPROCS(0); g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				h := sha256.Sum256(msg)
				if err := rsa.VerifyPKCS1v15(&k.PublicKey, crypto.SHA256, h[:], sig); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	return float64(n) / time.Since(start).Seconds(), float64((benchCPU() - cpu0).Microseconds()) / float64(n)
}

func benchCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkFanOutVsBare sends one new item to the followers of fanScale
// through the whole path (queue rows, per-host limits, signing at send time,
// HTTP, recording) and, in the same run and to the same sinks, the same
// number of signed POSTs in a bare loop on as many goroutines as the queue
// has workers (the ceiling), one after the other b.N times each; it reports
// both rates and their ratio.
//
//	go test -run '^$' -bench FanOutVsBare -benchtime 3x ./federation
func BenchmarkFanOutVsBare(b *testing.B) {
	n, wang, st, s, fanFollowers := fanOutSetup(b)
	ctx := context.Background()
	body := []byte(`{"@context":"https://www.w3.org/ns/activitystreams","type":"Create","object":{"type":"Note","content":"a bell"}}`)
	var bare, fan time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		var wg sync.WaitGroup
		var next atomic.Int64
		for g := 0; g < n.f.cfg.Workers; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := int(next.Add(1) - 1); j < fanFollowers; j = int(next.Add(1) - 1) {
					if code, err := n.f.client.post(ctx, s.inbox(j), body, stallKey(st.ID)); err != nil || code != 202 {
						b.Errorf("post = %d %v", code, err)
					}
				}
			}()
		}
		wg.Wait()
		bare += time.Since(start)

		start = time.Now()
		before := s.got.Load()
		it := &node.Item{Stall: st.ID, Title: fmt.Sprintf("Bell %d", i), Price: node.Price{Kind: node.PriceFree}, Quantity: 1}
		if err := n.app.CreateItem(ctx, wang, it); err != nil {
			b.Fatal(err)
		}
		awaitFanOut(b, n, s, before+int64(fanFollowers)) // sent and recorded, within fanOutBound
		fan += time.Since(start)
	}
	fanRate := float64(b.N*fanFollowers) / fan.Seconds()
	bareRate := float64(b.N*fanFollowers) / bare.Seconds()
	b.ReportMetric(fanRate, "deliveries/s")
	b.ReportMetric(bareRate, "bare-posts/s")
	b.ReportMetric(100*fanRate/bareRate, "%-of-bare")
}

// writeCalls is how many write system calls this process has made (Linux's
// /proc/self/io), or -1.
func writeCalls() int64 {
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return -1
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "syscw: "); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err == nil {
				return n
			}
		}
	}
	return -1
}
