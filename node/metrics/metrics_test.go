package metrics

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/internal/freshdb"
	"github.com/shiji-market/shiji/node/live"
)

func newMetrics(t testing.TB) *Metrics {
	db, err := data.Open(context.Background(), filepath.Join(freshdb.Dir(t), "shiji.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return New(db, live.New(), "test")
}

// TestLabelsStayFew: unknown activity types and unmatched routes fold into
// one label each, so nobody can grow the series by sending odd requests.
func TestLabelsStayFew(t *testing.T) {
	m := newMetrics(t)
	for _, typ := range []string{"Create", "Zap1", "Zap2", "<script>"} {
		m.InboxActivity(typ, "accepted")
	}
	m.ObserveRequest("", "GET", 404, time.Millisecond, false)
	m.ObserveRequest("/live/ambience", "GET", 200, time.Hour, true)
	if n := testutil.CollectAndCount(m.inbox); n != 2 {
		t.Errorf("%d inbox series, want 2 (Create, other)", n)
	}
	if v := testutil.ToFloat64(m.inbox.WithLabelValues("other", "accepted")); v != 3 {
		t.Errorf("other = %v", v)
	}
	if v := testutil.ToFloat64(m.requests.WithLabelValues("unmatched", "GET", "404")); v != 1 {
		t.Errorf("unmatched = %v", v)
	}
	if n := testutil.CollectAndCount(m.latency); n != 1 {
		t.Errorf("a stream's duration was observed: %d latency series", n)
	}
	// Two nodes in one process: separate registries, no panic.
	other := newMetrics(t)
	other.Delivered("delivered")
	if err := testutil.GatherAndCompare(other.reg, strings.NewReader(`
# HELP shiji_federation_deliveries_total ActivityPub delivery attempts by result: delivered, retry, failed (for good), cancelled.
# TYPE shiji_federation_deliveries_total counter
shiji_federation_deliveries_total{result="delivered"} 1
`), "shiji_federation_deliveries_total"); err != nil {
		t.Error(err)
	}
}

// BenchmarkObserveRequest is the cost the metrics add to every request
// (go test -bench ObserveRequest -benchmem ./node/metrics).
func BenchmarkObserveRequest(b *testing.B) {
	m := newMetrics(b)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.ObserveRequest("/stalls/:id", "GET", 200, 3*time.Millisecond, false)
		}
	})
}
