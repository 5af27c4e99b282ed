package federation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Delivery retries: exponential backoff from retryBase, capped at retryCap,
// given up after maxAttempts (about two days).
const (
	retryBase   = 10 * time.Second
	retryCap    = 6 * time.Hour
	maxAttempts = 16
	pollEvery   = time.Second
)

// delivery is one claimed row of ap_deliveries.
type delivery struct {
	id, outbox int64
	inbox      string
	host       string
	attempts   int
}

// outcome is how a delivery went.
type outcome struct {
	d        delivery
	status   int
	err      error
	canceled bool
}

// worker sends the queue: it renders due item changes, claims due deliveries
// (at most Config.Workers at once, Config.PerHost per host), signs each at
// send time and records the outcome. A row is deleted only after a 2xx;
// claims are leases in the database, cleared when a worker starts, so a
// crash loses nothing.
type worker struct {
	f        *Federation
	results  chan outcome
	busy     map[string]int
	inflight int
	wg       sync.WaitGroup
	pruned   time.Time
	base     time.Duration
	hosts    []string // hosts with due deliveries at the last look, earliest first
	bodies   bodyCache
}

func newWorker(f *Federation) *worker {
	return &worker{f: f, results: make(chan outcome, 256), busy: map[string]int{}, base: f.retryBase(),
		bodies: bodyCache{m: map[int64]cachedBody{}}}
}

func (f *Federation) retryBase() time.Duration {
	if f.retry > 0 {
		return f.retry
	}
	return retryBase
}

func (w *worker) run(ctx context.Context) {
	f := w.f
	if err := f.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE ap_deliveries SET lease_ms = 0 WHERE lease_ms != 0`)
		return err
	}); err != nil && ctx.Err() == nil {
		f.log.Error("queue: clearing leases", "err", err)
	}
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	soon := time.NewTimer(0)
	defer soon.Stop()
	for {
		select {
		case <-ctx.Done():
			w.drain()
			return
		case <-f.wake:
			w.step(ctx)
		case <-tick.C:
			w.step(ctx)
		case <-soon.C:
			w.step(ctx)
		case o := <-w.results:
			w.record(ctx, w.collect(o))
			if err := w.dispatch(ctx, false); err != nil && ctx.Err() == nil {
				f.log.Error("queue: claiming deliveries", "err", err)
			}
			continue
		}
		if d := w.untilDue(ctx); d > 0 && d < pollEvery {
			soon.Reset(d)
		}
	}
}

// untilDue is how long until the next item change or delivery falls due
// (0 when nothing is waiting or it cannot tell).
func (w *worker) untilDue(ctx context.Context) time.Duration {
	var next sql.NullInt64
	now := w.f.now().UnixMilli()
	err := w.f.db.Read().QueryRowContext(ctx, `SELECT min(t) FROM (
		SELECT min(ready_at_ms) AS t FROM ap_outbox WHERE fanned = 0
		UNION ALL SELECT min(next_at_ms) FROM ap_deliveries WHERE failed_at IS NULL AND lease_ms <= ?)`, now).Scan(&next)
	if err != nil || !next.Valid {
		return 0
	}
	return max(time.Duration(next.Int64-now)*time.Millisecond, time.Millisecond)
}

// step renders due item changes, prunes old de-duplication ids hourly and
// starts as many deliveries as the limits allow.
func (w *worker) step(ctx context.Context) {
	f := w.f
	if ctx.Err() != nil {
		return
	}
	if _, err := f.renderDue(ctx); err != nil && ctx.Err() == nil {
		f.log.Error("queue: rendering item activities", "err", err)
	}
	if now := f.now(); now.Sub(w.pruned) > time.Hour {
		w.pruned = now
		err := f.db.Write(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `DELETE FROM ap_inbox_seen WHERE received_at < ?`, now.Add(-seenTTL).Unix())
			return err
		})
		if err == nil {
			// The ids pruned leave the filter, and it is sized again for
			// those kept.
			err = f.rebuildSeen(ctx)
		}
		if err != nil && ctx.Err() == nil {
			f.log.Error("queue: pruning de-duplication ids", "err", err)
		}
	}
	if err := w.dispatch(ctx, true); err != nil && ctx.Err() == nil {
		f.log.Error("queue: claiming deliveries", "err", err)
	}
}

// collect takes o and every other outcome already waiting.
func (w *worker) collect(o outcome) []outcome {
	out := []outcome{o}
	for {
		select {
		case o := <-w.results:
			out = append(out, o)
		default:
			return out
		}
	}
}

// drain waits for the deliveries in flight and records them (they were
// cancelled: their leases are released without counting an attempt).
func (w *worker) drain() {
	done := make(chan struct{})
	go func() { w.wg.Wait(); close(done) }()
	var all []outcome
	for {
		select {
		case o := <-w.results:
			all = append(all, o)
		case <-done:
			all = append(all, w.collect(outcome{})[1:]...)
			w.record(context.Background(), all)
			return
		}
	}
}

// dispatch claims due deliveries for hosts with free slots and starts them.
// It looks up the hosts with due deliveries when look is set (every step)
// or the last list is used up; otherwise it claims from that list, so the
// answers of a fan-out to N inboxes do not each scan the N rows queued.
func (w *worker) dispatch(ctx context.Context, look bool) error {
	f := w.f
	free := f.cfg.Workers - w.inflight
	if free <= 0 {
		return nil
	}
	now := f.now().UnixMilli()
	if look || len(w.hosts) == 0 {
		if err := w.lookUpHosts(ctx, now); err != nil {
			return err
		}
	}
	if len(w.hosts) == 0 {
		return nil
	}
	var claimed []delivery
	done := map[string]bool{} // hosts with nothing more to claim now
	err := f.db.Write(ctx, func(tx *sql.Tx) error {
		for _, h := range w.hosts {
			n := min(f.cfg.PerHost-w.busy[h], free)
			if n <= 0 {
				continue
			}
			rs, err := tx.QueryContext(ctx, `UPDATE ap_deliveries SET lease_ms = ? WHERE id IN (SELECT id FROM ap_deliveries
				WHERE host = ? AND failed_at IS NULL AND next_at_ms <= ? AND lease_ms <= ? ORDER BY next_at_ms, id LIMIT ?)
				RETURNING id, outbox_id, inbox, attempts`, now+2*w.f.cfg.Timeouts.Delivery.Milliseconds(), h, now, now, n)
			if err != nil {
				return err
			}
			for rs.Next() {
				d := delivery{host: h}
				if err := rs.Scan(&d.id, &d.outbox, &d.inbox, &d.attempts); err != nil {
					rs.Close()
					return err
				}
				claimed = append(claimed, d)
				free--
				n--
			}
			rs.Close()
			if err := rs.Err(); err != nil {
				return err
			}
			done[h] = n > 0
			if free <= 0 {
				break
			}
		}
		return nil
	})
	if err != nil {
		w.hosts = nil
		return err
	}
	left := w.hosts[:0]
	for _, h := range w.hosts {
		if !done[h] {
			left = append(left, h)
		}
	}
	w.hosts = left
	for _, d := range claimed {
		w.busy[d.host]++
		w.inflight++
		w.wg.Add(1)
		go w.deliver(ctx, d)
	}
	return nil
}

// lookUpHosts lists (in w.hosts) up to 512 hosts with deliveries due at now
// and not leased, the earliest due first.
func (w *worker) lookUpHosts(ctx context.Context, now int64) error {
	w.hosts = w.hosts[:0]
	rows, err := w.f.db.Read().QueryContext(ctx, `SELECT host FROM ap_deliveries WHERE failed_at IS NULL AND next_at_ms <= ?
		AND lease_ms <= ? GROUP BY host ORDER BY min(next_at_ms) LIMIT 512`, now, now)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return err
		}
		w.hosts = append(w.hosts, h)
	}
	return rows.Err()
}

// deliver sends one claimed delivery and reports the outcome.
func (w *worker) deliver(ctx context.Context, d delivery) {
	defer w.wg.Done()
	o := outcome{d: d}
	body, signer, err := w.bodies.get(ctx, w.f, d.outbox)
	if err == nil {
		o.status, err = w.f.client.post(ctx, d.inbox, body, signer)
		w.f.deliveryOutcome(ctx, d.host, o.status, err) // a linked market's health (links.go)
	}
	o.err = err
	o.canceled = ctx.Err() != nil
	w.results <- o
}

// record writes the outcomes in one transaction: 2xx deletes the row, a
// permanent failure (410 and most 4xx, a refused address) marks it failed,
// anything else backs off.
func (w *worker) record(ctx context.Context, outs []outcome) {
	f := w.f
	if len(outs) == 0 {
		return
	}
	now := f.now()
	for _, o := range outs {
		if o.d.id == 0 {
			continue
		}
		w.busy[o.d.host]--
		if w.busy[o.d.host] <= 0 {
			delete(w.busy, o.d.host)
		}
		w.inflight--
	}
	var failed []int64 // outbox rows a delivery of failed for good
	err := f.db.Write(context.WithoutCancel(ctx), func(tx *sql.Tx) error {
		failed = failed[:0]
		for _, o := range outs {
			if o.d.id == 0 {
				continue
			}
			var err error
			result := "retry"
			switch {
			case o.err == nil && o.status >= 200 && o.status < 300:
				result = "delivered"
				_, err = tx.Exec(`DELETE FROM ap_deliveries WHERE id = ?`, o.d.id)
			case o.canceled:
				result = "cancelled"
				_, err = tx.Exec(`UPDATE ap_deliveries SET lease_ms = 0 WHERE id = ?`, o.d.id)
			case permanent(o) || o.d.attempts+1 >= maxAttempts:
				result = "failed"
				_, err = tx.Exec(`UPDATE ap_deliveries SET attempts = attempts + 1, lease_ms = 0, failed_at = ?, last_error = ? WHERE id = ?`,
					now.Unix(), describe(o), o.d.id)
				f.log.Warn("delivery failed for good", "inbox", o.d.inbox, "error", describe(o))
				failed = append(failed, o.d.outbox)
			default:
				next := now.Add(backoff(w.base, o.d.attempts+1))
				_, err = tx.Exec(`UPDATE ap_deliveries SET attempts = attempts + 1, lease_ms = 0, next_at_ms = ?, last_error = ? WHERE id = ?`,
					next.UnixMilli(), describe(o), o.d.id)
				f.log.Info("delivery will be retried", "inbox", o.d.inbox, "error", describe(o), "at", next.UTC().Format(time.RFC3339))
			}
			if err != nil {
				return err
			}
			if f.cfg.Metrics != nil {
				f.cfg.Metrics.Delivered(result)
			}
		}
		return nil
	})
	if err != nil {
		f.log.Error("queue: recording deliveries", "err", err)
		return
	}
	for _, id := range failed {
		f.offerRefused(context.WithoutCancel(ctx), id) // trade_out.go
	}
}

// permanent: Mastodon's rule — 4xx other than 401, 408 and 429, and 501, are
// not worth retrying; nor is an address the SSRF guard refuses.
func permanent(o outcome) bool {
	if o.err != nil {
		return isSSRFRefusal(o.err) || errors.Is(o.err, errBlocked) || strings.Contains(o.err.Error(), "unsupported protocol scheme")
	}
	s := o.status
	return s == http.StatusNotImplemented || (s >= 400 && s < 500 && s != 401 && s != 408 && s != 429)
}

func describe(o outcome) string {
	if o.err != nil {
		s := o.err.Error()
		if len(s) > 300 {
			s = s[:300]
		}
		return s
	}
	return fmt.Sprintf("HTTP %d", o.status)
}

// backoff is base·2^(attempt-1), capped.
func backoff(base time.Duration, attempt int) time.Duration {
	d := base
	for i := 1; i < attempt && d < retryCap; i++ {
		d *= 2
	}
	return min(d, retryCap)
}

// bodyCache keeps the bodies of recently sent activities: a fan-out sends
// one body to many inboxes.
type bodyCache struct {
	mu sync.Mutex
	m  map[int64]cachedBody
}

type cachedBody struct {
	body   []byte
	signer string
}

func (c *bodyCache) get(ctx context.Context, f *Federation, id int64) ([]byte, string, error) {
	c.mu.Lock()
	b, ok := c.m[id]
	c.mu.Unlock()
	if ok {
		return b.body, b.signer, nil
	}
	err := f.db.Read().QueryRowContext(ctx, `SELECT body, actor FROM ap_outbox WHERE id = ?`, id).Scan(&b.body, &b.signer)
	if err != nil {
		return nil, "", err
	}
	if b.body == nil {
		return nil, "", errors.New("federation: activity not rendered")
	}
	c.mu.Lock()
	if len(c.m) > 64 {
		clear(c.m)
	}
	c.m[id] = b
	c.mu.Unlock()
	return b.body, b.signer, nil
}
