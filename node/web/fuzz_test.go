package web

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/wander"
)

// FuzzStrollParams: any seed, page and limit in a stroll's URL is a clear
// EINVALID or values in their ranges.
func FuzzStrollParams(f *testing.F) {
	for _, s := range [][3]string{
		{"", "", ""}, {"77", "2", "24"}, {"9007199254740991", "100000", "60"}, {"9007199254740992", "0", "1"},
		{"-1", "-1", "-1"}, {"1e3", "1.5", "x"}, {"18446744073709551616", "100001", "999999999999999999999"},
		{"０", "٣", "0x10"}, {" 7", "3 ", "+5"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	s := &Server{}
	e := echo.New()
	f.Fuzz(func(t *testing.T, seed, page, limit string) {
		q := url.Values{}
		for k, v := range map[string]string{"seed": seed, "page": page, "limit": limit} {
			if v != "" {
				q.Set(k, v)
			}
		}
		c := e.NewContext(httptest.NewRequest(http.MethodGet, "/api/v1/wander?"+q.Encode(), nil), httptest.NewRecorder())
		sd, pg, lim, err := s.strollParams(c, false)
		if err != nil {
			if node.ErrorCode(err) != node.EINVALID {
				t.Fatalf("strollParams(%q, %q, %q): %v", seed, page, limit, err)
			}
			return
		}
		if sd > maxSeed || pg < 0 || pg > maxPage || lim < 1 || lim > wander.MaxLimit {
			t.Fatalf("strollParams(%q, %q, %q) = %d, %d, %d", seed, page, limit, sd, pg, lim)
		}
	})
}

// FuzzPriceJSON: any "price" in the API is a clear EINVALID or a valid price.
func FuzzPriceJSON(f *testing.F) {
	for _, s := range []string{
		`{"amount":"12.50","currency":"CNY"}`, `{"amount":12.5,"currency":"EUR"}`, `{"kind":"free"}`, `{"kind":"swap"}`,
		`{"amount":"1","kind":"free"}`, `{"amount":1e400,"currency":"USD"}`, `{"amount":"-1","currency":"USD"}`, `null`, `[]`, `"x"`,
		`{"amount":"\"1\"","currency":"JPY"}`, `{"amount":{},"currency":"CNY"}`, `{"currency":"CNY"}`, `{}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		p, err := parsePriceJSON(json.RawMessage(raw))
		if err != nil {
			if node.ErrorCode(err) != node.EINVALID {
				t.Fatalf("parsePriceJSON(%s): %v", raw, err)
			}
			return
		}
		switch p.Kind {
		case node.PriceFree, node.PriceSwap, node.PriceAsk:
			if p.Minor != 0 || p.Currency != "" {
				t.Fatalf("parsePriceJSON(%s) = %+v", raw, p)
			}
		case node.PriceAmount:
			if p.Minor < 0 || p.Minor > node.MaxMinor {
				t.Fatalf("parsePriceJSON(%s) = %+v", raw, p)
			}
		default:
			t.Fatalf("parsePriceJSON(%s) = %+v", raw, p)
		}
	})
}

// FuzzSearchAPI: any search the API is sent, on the demo market, is an
// answer or a clear 4xx; never a 500 (an FTS5 syntax error would be one).
func FuzzSearchAPI(f *testing.F) {
	for _, s := range [][4]string{
		{"bell", "", "", ""}, {"自行车 铃", "", "", ""}, {`"quoted"`, "", "", ""}, {"a OR b", "", "", ""}, {"NEAR(a b)", "", "", ""},
		{"title:bell", "", "", ""}, {"bell*", "", "", ""}, {"^bell", "", "", ""}, {"(", "", "", ""}, {"花", "flowers", "1", "100"},
		{"-bell", "1", "", ""}, {"%_\\", "", "abc", ""}, {"x", "", "5", "1"}, {"", "", "", ""}, {"\x00", "", "", ""},
	} {
		f.Add(s[0], s[1], s[2], s[3])
	}
	s, _ := newTestServer(f, "default")
	s.cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil)) // not a line per request in the fuzz log
	f.Fuzz(func(t *testing.T, q, alley, min, max string) {
		v := url.Values{"q": {q}}
		if alley != "" {
			v.Set("alley", alley)
		}
		if min != "" {
			v.Set("min", min)
		}
		if max != "" {
			v.Set("max", max)
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/api/v1/search?"+v.Encode(), nil))
		switch w.Code {
		case http.StatusOK, http.StatusUnprocessableEntity:
		default:
			t.Fatalf("search %q (alley %q, %q–%q): %d %s", q, alley, min, max, w.Code, w.Body)
		}
		var out map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
			t.Fatalf("search %q: not JSON: %s", q, w.Body)
		}
	})
}
