package web

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

// The access log's JSON strings are encoding/json's, whatever they hold.
func TestAppendJSONString(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	pieces := []string{"a", "旧书", "<b>", "&", `"`, `\`, "\n", "\t", "\x00", "\x1f", "\xff", "\u2028", "\u2029", "/items/1?q=%E8", "é"}
	for i := 0; i < 2000; i++ {
		var sb strings.Builder
		for j := r.IntN(6); j >= 0; j-- {
			sb.WriteString(pieces[r.IntN(len(pieces))])
		}
		want, _ := json.Marshal(sb.String())
		if got := appendJSONString(nil, sb.String()); string(got) != string(want) {
			t.Fatalf("appendJSONString(%q) = %s, want %s", sb.String(), got, want)
		}
	}
}

// An access line is one JSON object with slog's keys, written without
// allocating.
func TestAccessLogLine(t *testing.T) {
	var out bytes.Buffer
	s := &Server{cfg: Config{Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)), AccessLog: &out}}
	f := newFrontDoor(s)
	req := httptest.NewRequest("GET", "/items/5?q=%E6%97%A7", nil)
	f.log(req, 200, 1500*time.Microsecond, "192.0.2.1", "abc-1")
	var line map[string]any
	if err := json.Unmarshal(out.Bytes(), &line); err != nil {
		t.Fatalf("not JSON: %s", out.Bytes())
	}
	for k, v := range map[string]any{"level": "INFO", "msg": "request", "method": "GET", "uri": "/items/5?q=%E6%97%A7",
		"status": 200.0, "latency": 1.5e6, "ip": "192.0.2.1", "id": "abc-1"} {
		if line[k] != v {
			t.Errorf("%s = %v, want %v (%s)", k, line[k], v, out.Bytes())
		}
	}
	if _, err := time.Parse(time.RFC3339Nano, line["time"].(string)); err != nil {
		t.Errorf("time: %v", err)
	}
	s.cfg.AccessLog = io.Discard
	if n := testing.AllocsPerRun(200, func() { f.log(req, 200, time.Millisecond, "192.0.2.1", "abc-1") }); n != 0 {
		t.Errorf("an access line costs %v allocations", n)
	}
}

// Routes mounted from outside (federation answers inbox POSTs and
// ActivityPub fetches in a Pre middleware, before echo's routing) pass the
// front door too: they are logged with their status, get a request id and
// the security headers, and a panic in them is a 500, not a dropped
// connection.
func TestFrontDoorCoversMountedRoutes(t *testing.T) {
	var out syncBuffer
	s, _ := newTestServerWith(t, "default", func(cfg *Config) {
		cfg.AccessLog = &out
		cfg.Mount = func(e *echo.Echo) {
			e.Pre(func(next echo.HandlerFunc) echo.HandlerFunc {
				return func(c echo.Context) error {
					switch c.Request().URL.Path {
					case "/inbox":
						return c.JSON(http.StatusUnauthorized, map[string]string{"error": "not signed"})
					case "/boom":
						panic("mounted handler failed")
					}
					return next(c)
				}
			})
		}
	})
	for _, tc := range []struct {
		method, path string
		status       int
	}{{"POST", "/inbox", 401}, {"GET", "/boom", 500}, {"GET", "/no-such-page", 404}} {
		out.Reset()
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, strings.NewReader("{}")))
		if rec.Code != tc.status {
			t.Errorf("%s %s: status %d, want %d", tc.method, tc.path, rec.Code, tc.status)
		}
		if rec.Header().Get(echo.HeaderXRequestID) == "" || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s %s: no request id or security headers: %v", tc.method, tc.path, rec.Header())
		}
		var line map[string]any
		if err := json.Unmarshal(out.Bytes(), &line); err != nil {
			t.Fatalf("%s %s: no access line: %q", tc.method, tc.path, out.String())
		}
		if line["uri"] != tc.path || line["status"] != float64(tc.status) {
			t.Errorf("%s %s: logged %v", tc.method, tc.path, line)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) Reset() { b.mu.Lock(); b.b.Reset(); b.mu.Unlock() }

func (b *syncBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.b.Bytes())
}

func (b *syncBuffer) String() string { return string(b.Bytes()) }
