package main

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

var metricsRE = regexp.MustCompile(`metrics on (http://\S+/metrics)`)

// scrape reads a metrics page with Prometheus's own text parser.
func scrape(t *testing.T, url string, header ...string) map[string]*dto.MetricFamily {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("the metrics do not parse: %v", err)
	}
	return fams
}

// value is the value of the family's metric with these labels (-1: none).
func value(fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	f := fams[name]
	if f == nil {
		return -1
	}
metrics:
	for _, m := range f.Metric {
		for i := 0; i+1 < len(labels); i += 2 {
			found := false
			for _, l := range m.Label {
				if l.GetName() == labels[i] && l.GetValue() == labels[i+1] {
					found = true
				}
			}
			if !found {
				continue metrics
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	return -1
}

// TestMetricsOffThePublicPort: with --metrics-addr the node serves
// Prometheus metrics on that address only: requests by route and status
// with latencies, the delivery queue, the database, the SQLite pools, live
// streams, the Go runtime; the public port has no /metrics.
func TestMetricsOffThePublicPort(t *testing.T) {
	n := startNode(t, "", "--metrics-addr", "127.0.0.1:0")
	m := metricsRE.FindStringSubmatch(n.Stdout.String())
	if m == nil {
		t.Fatalf("no metrics address printed:\n%s", n.Stdout)
	}
	c := newClient(t, n.URL)
	for range 3 {
		c.get("/")
	}
	c.get("/stalls/999")
	c.get("/no/such/page")
	// An unsigned activity is refused, and counted.
	if r := c.do("POST", "/inbox", strings.NewReader(`{"type":"Create","actor":"https://x.example/u","id":"https://x.example/1"}`),
		"Content-Type", "application/activity+json"); r.Status != 401 {
		t.Errorf("unsigned activity: %d", r.Status)
	}
	if r := c.get("/metrics"); r.Status != 404 {
		t.Errorf("/metrics on the public port without a token: %d", r.Status)
	}
	fams := scrape(t, m[1])
	for _, tt := range []struct {
		name   string
		labels []string
		min    float64
	}{
		{"shiji_http_requests_total", []string{"route", "/", "method", "GET", "status", "200"}, 3},
		{"shiji_http_requests_total", []string{"route", "/stalls/:id", "status", "404"}, 1},
		{"shiji_http_request_duration_seconds", []string{"route", "/"}, 3},
		{"shiji_federation_queue_depth", nil, 0},
		{"shiji_database_size_bytes", nil, 4096},
		{"shiji_sqlite_pool_waits_total", []string{"pool", "writer"}, 0},
		{"shiji_sqlite_pool_open_connections", []string{"pool", "reader"}, 1},
		{"shiji_sqlite_checkpoints_total", nil, 0},
		{"shiji_sqlite_checkpoint_failing", nil, 0},
		{"shiji_sqlite_wal_frames", []string{"state", "left"}, 0},
		{"shiji_live_streams", nil, 0},
		{"go_goroutines", nil, 1},
		{"shiji_build_info", []string{"version", version}, 1},
		{"shiji_federation_inbox_activities_total", []string{"type", "unknown", "result", "unauthorized"}, 1},
	} {
		if v := value(fams, tt.name, tt.labels...); v < tt.min {
			t.Errorf("%s%v = %v, want at least %v", tt.name, tt.labels, v, tt.min)
		}
	}
	// Raw paths never become labels.
	for _, mf := range fams["shiji_http_requests_total"].Metric {
		for _, l := range mf.Label {
			if l.GetName() == "route" && strings.Contains(l.GetValue(), "999") {
				t.Errorf("a raw path is a label: %q", l.GetValue())
			}
		}
	}
}

// TestMetricsBehindAToken: with SHIJI_METRICS_TOKEN the public port serves
// /metrics to that bearer token only (and SHIJI_LOG_FORMAT=text logs text).
func TestMetricsBehindAToken(t *testing.T) {
	const token = "0123456789abcdef-metrics"
	ctx, cancel := context.WithCancel(context.Background())
	out, errb := &syncBuffer{}, &syncBuffer{}
	done := make(chan error, 1)
	getenv := func(k string) string {
		return map[string]string{"SHIJI_METRICS_TOKEN": token, "SHIJI_LOG_FORMAT": "text"}[k]
	}
	go func() {
		done <- run(ctx, []string{"shiji", "serve", "--addr", "127.0.0.1:0", "--data", t.TempDir()}, getenv, out, errb)
	}()
	defer func() { cancel(); <-done }()
	var base string
	for range 9000 {
		if m := listenRE.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if base == "" {
		t.Fatalf("no listen line:\n%s\n%s", out, errb)
	}
	for _, h := range [][]string{nil, {"Authorization", "Bearer wrong-token-xxxxxxxx"}} {
		req, _ := http.NewRequest("GET", base+"/metrics", nil)
		if h != nil {
			req.Header.Set(h[0], h[1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("/metrics with %v: %d", h, resp.StatusCode)
		}
	}
	fams := scrape(t, base+"/metrics", "Authorization", "Bearer "+token)
	if value(fams, "go_goroutines") < 1 {
		t.Errorf("no Go metrics")
	}
	// SHIJI_LOG_FORMAT=text: key=value lines for people.
	if r := newClient(t, base).get("/"); r.Status != 200 {
		t.Fatalf("home: %d", r.Status)
	}
	if log := errb.String(); !strings.Contains(log, "level=INFO msg=request") || strings.Contains(log, `{"time"`) {
		t.Errorf("the log is not text:\n%s", log)
	}
}
