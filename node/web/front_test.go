package web

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
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
