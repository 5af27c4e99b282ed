package federation

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"code.dny.dev/ssrf"
	"github.com/shiji-market/shiji/node"
)

// Limits of the outgoing client.
const (
	fetchTimeout    = 20 * time.Second
	deliveryTimeout = 30 * time.Second
	maxRedirects    = 3
)

// client is the one HTTP client for fetches and deliveries. Unless
// Config.AllowPrivate is set it refuses, at dial time (so DNS rebinding does
// not help), loopback, private, link-local and other non-global addresses and
// ports other than 80 and 443 (code.dny.dev/ssrf). Bodies are capped at 1 MB
// and redirects at three; a redirected signed GET is signed again.
type client struct {
	f  *Federation
	hc *http.Client
}

type signAsKey struct{}

func newClient(f *Federation) *client {
	rt := f.cfg.Transport
	if rt == nil {
		to := f.cfg.Timeouts
		d := &net.Dialer{Timeout: to.Connect, KeepAlive: 30 * time.Second}
		if !f.cfg.AllowPrivate {
			d.Control = ssrf.New().Safe
		}
		tr := &http.Transport{
			Proxy: nil, DialContext: d.DialContext, ForceAttemptHTTP2: true,
			TLSHandshakeTimeout: to.Connect, ResponseHeaderTimeout: to.Header,
			MaxIdleConns: 256, MaxIdleConnsPerHost: 8, IdleConnTimeout: 90 * time.Second,
		}
		if f.cfg.RootCAs != nil {
			tr.TLSClientConfig = &tls.Config{RootCAs: f.cfg.RootCAs, MinVersion: tls.VersionTLS12}
		}
		rt = tr
	}
	c := &client{f: f}
	c.hc = &http.Client{Transport: rt, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= maxRedirects {
			return fmt.Errorf("stopped after %d redirects", maxRedirects)
		}
		if as, ok := req.Context().Value(signAsKey{}).(string); ok && req.Method == http.MethodGet {
			req.Header.Del("Signature")
			return f.sign(req.Context(), req, as, nil)
		}
		return nil
	}}
	return c
}

// errGone is a 404 or 410 from a remote server: the thing is not there.
var errGone = errors.New("gone")

// statusError is a non-2xx answer.
type statusError struct {
	status int
	url    string
}

func (e *statusError) Error() string { return fmt.Sprintf("%s answered %d", e.url, e.status) }

// getJSON fetches an ActivityStreams (or, with accept, other JSON) document
// with a GET signed by the local actor signAs ("" = unsigned) and decodes it.
// 404 and 410 wrap errGone.
func (c *client) getJSON(ctx context.Context, rawURL, accept, signAs string) (map[string]any, error) {
	return c.getJSONWithin(ctx, rawURL, accept, signAs, c.f.cfg.Timeouts.Fetch)
}

// getJSONWithin is getJSON with its own time limit, for background reads of
// documents that take a server long to make (a page of a market's outbox).
func (c *client) getJSONWithin(ctx context.Context, rawURL, accept, signAs string, timeout time.Duration) (map[string]any, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if signAs != "" {
		ctx = context.WithValue(ctx, signAsKey{}, signAs)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, err
	}
	if req.URL.Scheme != "https" && req.URL.Scheme != "http" {
		return nil, fmt.Errorf("federation: will not fetch %q", rawURL)
	}
	if c.f.isBlocked(ctx, rawURL) {
		return nil, fmt.Errorf("federation: GET %s: %w", rawURL, errBlocked)
	}
	if accept == "" {
		accept = contentTypeAS + ", " + contentTypeLD
	}
	req.Header.Set("Accept", accept)
	req.Header.Set("User-Agent", c.f.userAgent())
	if signAs != "" {
		if err := c.f.sign(ctx, req, signAs, nil); err != nil {
			return nil, err
		}
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("federation: GET %s: %w", rawURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return nil, fmt.Errorf("federation: GET %s: %w (%d)", rawURL, errGone, resp.StatusCode)
	}
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return nil, &statusError{status: resp.StatusCode, url: rawURL}
	}
	body, err := readCapped(resp.Body, resp.ContentLength)
	if err != nil {
		return nil, fmt.Errorf("federation: GET %s: %w", rawURL, err)
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("federation: GET %s: not a JSON object: %w", rawURL, err)
	}
	return m, nil
}

// post delivers body to inbox, signed by the local actor signAs, and returns
// the response status (the body is drained and dropped).
func (c *client) post(ctx context.Context, inbox string, body []byte, signAs string) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, c.f.cfg.Timeouts.Delivery)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, inbox, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	if c.f.isBlocked(ctx, inbox) {
		return 0, fmt.Errorf("federation: POST %s: %w", inbox, errBlocked)
	}
	req.Header.Set("Content-Type", contentTypeLD)
	req.Header.Set("Accept", contentTypeAS+", "+contentTypeLD)
	req.Header.Set("User-Agent", c.f.userAgent())
	if err := c.f.sign(ctx, req, signAs, body); err != nil {
		return 0, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, nil
}

// readCapped reads at most maxBodyBytes; more is ETOOLARGE.
func readCapped(r io.Reader, size int64) ([]byte, error) {
	if size < 0 || size > maxBodyBytes {
		size = 511 // io.ReadAll's first buffer
	}
	// size is a body's Content-Length (-1: unknown): read into a buffer of
	// that size at once, not one grown as it fills (+1: the read that finds
	// the end). A size that lies costs nothing more.
	b := make([]byte, 0, size+1)
	r = io.LimitReader(r, maxBodyBytes+1)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if len(b) > maxBodyBytes {
		return nil, node.Errorf(node.ETOOLARGE, "The document is larger than %d bytes.", maxBodyBytes)
	}
	return b, nil
}

// isSSRFRefusal reports whether err is the guard refusing an address.
func isSSRFRefusal(err error) bool {
	return errors.Is(err, ssrf.ErrProhibitedIP) || errors.Is(err, ssrf.ErrProhibitedPort) ||
		errors.Is(err, ssrf.ErrProhibitedNetwork) || strings.Contains(fmt.Sprint(err), "prohibited")
}
