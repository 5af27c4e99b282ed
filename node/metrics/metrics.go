// Package metrics is shiji's Prometheus instrumentation
// (github.com/prometheus/client_golang), on a registry of its own (never the
// global one: two nodes may run in one process, as tests do): requests by
// route and status with latency histograms, the delivery queue's depth,
// deliveries by result, inbox activities by type and result, pushes by
// result, live streams, the SQLite pools' waits, the database's size, and
// the Go runtime and process.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/node/live"
)

// Metrics holds the node's collectors. Its methods are safe for concurrent
// use and cheap (a map lookup and an atomic add).
type Metrics struct {
	reg        *prometheus.Registry
	requests   *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	deliveries *prometheus.CounterVec
	inbox      *prometheus.CounterVec
	pushes     *prometheus.CounterVec

	// series caches each route's counter and histogram: the vectors'
	// lookups hash the labels on every call, this does not.
	series sync.Map // requestKey → *requestSeries
}

type requestKey struct {
	route, method string
	status        int
}

type requestSeries struct {
	count   prometheus.Counter
	latency prometheus.Observer
}

// New registers the node's collectors on a new registry; db and hub are read
// when Prometheus scrapes.
func New(db *data.DB, hub *live.Hub, version string) *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		reg: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "shiji_http_requests_total",
			Help: "HTTP requests by route (the route's pattern), method and status."}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "shiji_http_request_duration_seconds",
			Help:    "Time to answer HTTP requests, by route and method (live streams excluded).",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}}, []string{"route", "method"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "shiji_federation_deliveries_total",
			Help: "ActivityPub delivery attempts by result: delivered, retry, failed (for good), cancelled."}, []string{"result"}),
		inbox: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "shiji_federation_inbox_activities_total",
			Help: "Activities posted to the inboxes, by type and result (accepted, or the error that refused them)."}, []string{"type", "result"}),
		pushes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "shiji_push_notifications_total",
			Help: "Web Push notifications by result: sent, gone (the subscription was dropped), failed."}, []string{"result"}),
	}
	reg.MustRegister(m.requests, m.latency, m.deliveries, m.inbox, m.pushes,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		poolCollector{db: db},
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "shiji_federation_queue_depth",
			Help: "Deliveries waiting to be sent (not failed for good)."}, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			n, err := db.DeliveryQueue(ctx)
			if err != nil {
				return -1
			}
			return float64(n)
		}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "shiji_live_streams",
			Help: "Live streams open now (pages and API clients following the market)."}, func() float64 {
			return float64(hub.Subscribers())
		}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "shiji_database_size_bytes",
			Help: "Size of the SQLite database on disk, with its write-ahead log."}, func() float64 {
			return float64(db.SizeBytes())
		}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "shiji_build_info", Help: "Always 1; the version is a label.",
			ConstLabels: prometheus.Labels{"version": version}}, func() float64 { return 1 }),
	)
	return m
}

// Handler serves the metrics in Prometheus's text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg, EnableOpenMetrics: true})
}

// ObserveRequest counts one answered request; route is the route's pattern
// ("/stalls/:id"), never the raw path, so the labels stay few. Streams are
// counted but their (long) durations are not observed.
func (m *Metrics) ObserveRequest(route, method string, status int, d time.Duration, stream bool) {
	if route == "" {
		route = "unmatched"
	}
	k := requestKey{route, method, status}
	v, ok := m.series.Load(k)
	if !ok {
		rs := &requestSeries{count: m.requests.WithLabelValues(route, method, strconv.Itoa(status))}
		if !stream { // a stream's route gets no (empty) latency series
			rs.latency = m.latency.WithLabelValues(route, method)
		}
		v, _ = m.series.LoadOrStore(k, rs)
	}
	rs := v.(*requestSeries)
	rs.count.Inc()
	switch {
	case stream:
	case rs.latency != nil:
		rs.latency.Observe(d.Seconds())
	default:
		m.latency.WithLabelValues(route, method).Observe(d.Seconds())
	}
}

// Delivered counts a delivery attempt (federation.Metrics).
func (m *Metrics) Delivered(result string) { m.deliveries.WithLabelValues(result).Inc() }

// InboxActivity counts an activity posted to an inbox (federation.Metrics);
// types other than the known ones count as "other".
func (m *Metrics) InboxActivity(typ, result string) {
	if !knownTypes[typ] {
		typ = "other"
	}
	m.inbox.WithLabelValues(typ, result).Inc()
}

// Pushed counts a Web Push notification (push.Metrics).
func (m *Metrics) Pushed(result string) { m.pushes.WithLabelValues(result).Inc() }

var knownTypes = map[string]bool{"Create": true, "Update": true, "Delete": true, "Follow": true, "Accept": true,
	"Reject": true, "Undo": true, "Like": true, "Announce": true, "Block": true, "Offer": true, "Add": true,
	"Remove": true, "Flag": true, "Move": true, "EmojiReact": true, "unknown": true}

// poolCollector reports the SQLite pools' statistics: how often and how
// long a query waited for a connection, open and in-use connections; and
// the background WAL checkpoints (data/checkpoint.go).
type poolCollector struct{ db *data.DB }

var (
	poolWaits = prometheus.NewDesc("shiji_sqlite_pool_waits_total",
		"Times a query waited for a free connection, by pool (writer: the one writer connection; reader).", []string{"pool"}, nil)
	poolWaited = prometheus.NewDesc("shiji_sqlite_pool_wait_seconds_total",
		"Time spent waiting for a free connection, by pool.", []string{"pool"}, nil)
	poolOpen = prometheus.NewDesc("shiji_sqlite_pool_open_connections", "Open connections, by pool.", []string{"pool"}, nil)
	poolUsed = prometheus.NewDesc("shiji_sqlite_pool_in_use_connections", "Connections in use, by pool.", []string{"pool"}, nil)
	ckptRuns = prometheus.NewDesc("shiji_sqlite_checkpoints_total",
		"WAL checkpoints run in the background (the writer's commits never checkpoint).", nil, nil)
	ckptFailing = prometheus.NewDesc("shiji_sqlite_checkpoint_failing",
		"1 when the last background WAL checkpoint failed: the WAL file then grows until one succeeds.", nil, nil)
	walFrames = prometheus.NewDesc("shiji_sqlite_wal_frames",
		"Frames in the WAL at the last background checkpoint, and of them not yet copied into the database.", []string{"state"}, nil)
)

func (p poolCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- poolWaits
	ch <- poolWaited
	ch <- poolOpen
	ch <- poolUsed
	ch <- ckptRuns
	ch <- ckptFailing
	ch <- walFrames
}

func (p poolCollector) Collect(ch chan<- prometheus.Metric) {
	w, r := p.db.PoolStats()
	for name, st := range map[string]struct {
		waits      int64
		waited     time.Duration
		open, used int
	}{"writer": {w.WaitCount, w.WaitDuration, w.OpenConnections, w.InUse}, "reader": {r.WaitCount, r.WaitDuration, r.OpenConnections, r.InUse}} {
		ch <- prometheus.MustNewConstMetric(poolWaits, prometheus.CounterValue, float64(st.waits), name)
		ch <- prometheus.MustNewConstMetric(poolWaited, prometheus.CounterValue, st.waited.Seconds(), name)
		ch <- prometheus.MustNewConstMetric(poolOpen, prometheus.GaugeValue, float64(st.open), name)
		ch <- prometheus.MustNewConstMetric(poolUsed, prometheus.GaugeValue, float64(st.used), name)
	}
	cp := p.db.Checkpoints()
	failing := 0.0
	if cp.LastErr != nil {
		failing = 1
	}
	ch <- prometheus.MustNewConstMetric(ckptRuns, prometheus.CounterValue, float64(cp.Runs))
	ch <- prometheus.MustNewConstMetric(ckptFailing, prometheus.GaugeValue, failing)
	ch <- prometheus.MustNewConstMetric(walFrames, prometheus.GaugeValue, float64(cp.WALFrames), "total")
	ch <- prometheus.MustNewConstMetric(walFrames, prometheus.GaugeValue, float64(cp.WALFrames-cp.CopiedFrames), "left")
}
