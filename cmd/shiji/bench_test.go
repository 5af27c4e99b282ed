package main

import (
	"net/http"
	"testing"
	"time"
)

// BenchmarkStartupToFirst200 measures `shiji serve` on an empty database from
// the call to run to the first 200 from /healthz (database created, migrated,
// theme parsed, listening).
func BenchmarkStartupToFirst200(b *testing.B) {
	hc := &http.Client{Timeout: 5 * time.Second}
	for i := 0; i < b.N; i++ {
		start := time.Now()
		n := startNode(b, b.TempDir())
		for {
			resp, err := hc.Get(n.URL + "/healthz")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					break
				}
			}
			if time.Since(start) > 30*time.Second {
				b.Fatal("no 200 within 30s")
			}
			time.Sleep(time.Millisecond)
		}
		b.StopTimer()
		n.Stop(b)
		b.StartTimer()
	}
}
