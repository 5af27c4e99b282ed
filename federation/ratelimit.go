package federation

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Inbox rate limit per remote host: a burst of 300 activities, then 30 a
// second. Modest for a market node, generous for a busy Mastodon server
// delivering to a shared inbox. Config.InboxRate and InboxBurst change it
// (shiji serve --limit inbox=BURST/EVERY).
const (
	inboxBurst = 300
	inboxRate  = 30
)

// hostLimiter is a token bucket per remote host, forgotten after ten idle
// minutes.
type hostLimiter struct {
	rate  rate.Limit
	burst int
	mu    sync.Mutex
	m     map[string]*hostBucket
	swept time.Time
}

type hostBucket struct {
	l    *rate.Limiter
	seen time.Time
}

func newHostLimiter(r rate.Limit, burst int) *hostLimiter {
	return &hostLimiter{rate: r, burst: burst, m: map[string]*hostBucket{}}
}

// allow takes one token of host's bucket; when there is none it says how
// long until there is.
func (h *hostLimiter) allow(host string, now time.Time) (time.Duration, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if now.Sub(h.swept) > time.Minute {
		for k, b := range h.m {
			if now.Sub(b.seen) > 10*time.Minute {
				delete(h.m, k)
			}
		}
		h.swept = now
	}
	b := h.m[host]
	if b == nil {
		b = &hostBucket{l: rate.NewLimiter(h.rate, h.burst)}
		h.m[host] = b
	}
	b.seen = now
	if b.l.AllowN(now, 1) {
		return 0, true
	}
	r := b.l.ReserveN(now, 1)
	if !r.OK() {
		return time.Minute, false
	}
	wait := r.DelayFrom(now)
	r.CancelAt(now)
	return max(wait, time.Second), false
}
