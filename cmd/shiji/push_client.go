package main

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"time"

	"code.dny.dev/ssrf"
	"github.com/shiji-market/shiji/node/app"
	"github.com/shiji-market/shiji/node/i18n"
	"github.com/shiji-market/shiji/node/push"
)

// newPusher builds the Web Push sender: its HTTP client refuses private and
// loopback addresses at dial time (a push endpoint is an address a browser
// gave us) unless allowPrivate, follows no redirects and times out.
func newPusher(ctx context.Context, a *app.App, cat *i18n.Catalog, baseURL string, allowPrivate bool, logger *slog.Logger, m push.Metrics) (*push.Pusher, error) {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if !allowPrivate {
		d.Control = ssrf.New().Safe
	}
	hc := &http.Client{
		Timeout: 20 * time.Second,
		Transport: &http.Transport{Proxy: nil, DialContext: d.DialContext, ForceAttemptHTTP2: true,
			TLSHandshakeTimeout: 10 * time.Second, MaxIdleConnsPerHost: 4, IdleConnTimeout: 90 * time.Second},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return push.New(ctx, push.Pusher{App: a, Catalog: cat, Client: hc, BaseURL: baseURL, Logger: logger, Metrics: m})
}
