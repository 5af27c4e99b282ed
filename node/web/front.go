package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/shiji-market/shiji/node/app"
)

// frontDoor is the first middleware of every request, in one piece (echo
// makes a closure per middleware per request): a request id, the security
// headers, the body limits of requests that carry a body, a recovered
// panic, and the access log line, written without allocating.
type frontDoor struct {
	s       *Server
	idBase  string       // random, per process
	idSeq   atomic.Int64 // request ids are idBase-N
	headers http.Header  // the security headers, shared (never modified)
	hsts    []string
	// limits are echo's body limits, for requests with a body.
	limitPlain, limitUpload echo.MiddlewareFunc
	bufs                    sync.Pool // of *[]byte, for log lines
}

func newFrontDoor(s *Server) *frontDoor {
	f := &frontDoor{s: s, idBase: app.NewToken(5)}
	f.headers = http.Header{
		"X-Xss-Protection":        {"0"},
		"X-Content-Type-Options":  {"nosniff"},
		"X-Frame-Options":         {"DENY"},
		"Content-Security-Policy": {contentSecurityPolicy(s.cfg.PlainHTTPImages)},
		"Referrer-Policy":         {"strict-origin-when-cross-origin"},
	}
	if age := hstsAge(s.secure); age > 0 {
		f.hsts = []string{fmt.Sprintf("max-age=%d; includeSubdomains", age)}
	}
	f.limitPlain = middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: "1M"})
	// Photo uploads: the photo limit (10 MiB) plus the multipart envelope.
	f.limitUpload = middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: "11M"})
	return f
}

func (f *frontDoor) handle(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		start := time.Now()
		r, w := c.Request(), c.Response()
		h := w.Header()
		id := r.Header.Get(echo.HeaderXRequestID)
		if id == "" {
			id = f.idBase + "-" + strconv.FormatInt(f.idSeq.Add(1), 36)
		}
		h[echo.HeaderXRequestID] = []string{id}
		for k, v := range f.headers {
			h[k] = v
		}
		if f.hsts != nil && c.Scheme() == "https" {
			h[echo.HeaderStrictTransportSecurity] = f.hsts
		}
		defer func() {
			if rec := recover(); rec != nil {
				if rec == http.ErrAbortHandler {
					panic(rec)
				}
				f.s.cfg.Logger.Error("panic", "err", rec, "path", r.URL.Path, "stack", string(debug.Stack()))
				err = fmt.Errorf("panic: %v", rec)
			}
			if err != nil {
				c.Error(err) // the error handler writes the answer, so the log has its status
				err = nil
			}
			f.log(r, w.Status, time.Since(start), c.RealIP(), id)
		}()
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			return next(c)
		}
		if isUpload(c) {
			return f.limitUpload(next)(c)
		}
		return f.limitPlain(next)(c)
	}
}

// log writes the access line: to Config.AccessLog as slog's JSON handler
// would, in one write and without allocating, or else through the logger.
func (f *frontDoor) log(r *http.Request, status int, latency time.Duration, ip, id string) {
	logger, out := f.s.cfg.Logger, f.s.cfg.AccessLog
	if !logger.Enabled(context.Background(), slog.LevelInfo) {
		return
	}
	if out == nil {
		logger.LogAttrs(r.Context(), slog.LevelInfo, "request", slog.String("method", r.Method), slog.String("uri", r.RequestURI),
			slog.Int("status", status), slog.Duration("latency", latency), slog.String("ip", ip), slog.String("id", id))
		return
	}
	bp, _ := f.bufs.Get().(*[]byte)
	if bp == nil {
		b := make([]byte, 0, 512)
		bp = &b
	}
	b := (*bp)[:0]
	b = append(b, `{"time":"`...)
	b = time.Now().AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","level":"INFO","msg":"request","method":`...)
	b = appendJSONString(b, r.Method)
	b = append(b, `,"uri":`...)
	b = appendJSONString(b, r.RequestURI)
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, `,"latency":`...)
	b = strconv.AppendInt(b, int64(latency), 10)
	b = append(b, `,"ip":`...)
	b = appendJSONString(b, ip)
	b = append(b, `,"id":`...)
	b = appendJSONString(b, id)
	b = append(b, "}\n"...)
	out.Write(b)
	*bp = b
	f.bufs.Put(bp)
}

// appendJSONString appends s as a JSON string (as encoding/json writes it,
// HTML-safe, invalid UTF-8 as U+FFFD).
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c >= 0x20 && c != '<' && c != '>' && c != '&':
				b = append(b, c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
