package i18n

import (
	"strings"
	"testing"
	"testing/fstest"
)

// TestFill: arguments fill {{.Name}} (spaces allowed), a missing one writes
// "<no value>" as text/template did, N chooses the plural form by the
// language's CLDR rules, and a language that has no such form falls back to
// "other".
func TestFill(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	en, zh := c.Localizer("en"), c.Localizer("zh-Hans")
	for _, tc := range []struct{ got, want string }{
		{en.T("map.unplaced", "N", 1), "1 stall has no place on the map yet."},
		{en.T("map.unplaced", "N", 3), "3 stalls have no place on the map yet."},
		{en.T("map.unplaced", "N", int64(0)), "0 stalls have no place on the map yet."},
		{en.T("map.unplaced", "N", "1"), "1 stall has no place on the map yet."},
		{en.T("map.unplaced"), "<no value> stalls have no place on the map yet."},
		{en.T("no.such.id"), "no.such.id"},
		{c.Localizer("en-GB").T("map.unplaced", "N", 1), "1 stall has no place on the map yet."},
		{fill("{{ .A }}-{{.B}}{{.A}}", map[string]any{"A": 1, "B": "b"}), "1-b1"},
		{fill("no braces", nil), "no braces"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	if s := zh.T("map.unplaced", "N", 1); !strings.Contains(s, "1") || strings.Contains(s, "{{") {
		t.Errorf("zh-Hans map.unplaced N=1 = %q", s)
	}
}

// TestOverrideWithTemplateSyntaxRefused: a message using template syntax
// other than {{.Name}} fails the load and names the file and the message.
func TestOverrideWithTemplateSyntaxRefused(t *testing.T) {
	for _, msg := range []string{`{{if .N}}x{{end}}`, `{{.N | printf "%d"}}`, `{{.N`, `{{ len .N }}`} {
		fs := fstest.MapFS{"en.json": {Data: []byte(`{"map.title": ` + strconvQuote(msg) + `}`)}}
		_, err := LoadWith(fs)
		if err == nil || !strings.Contains(err.Error(), "en.json") || !strings.Contains(err.Error(), "map.title") {
			t.Errorf("override %q: error %v, want one naming en.json and map.title", msg, err)
		}
	}
	fs := fstest.MapFS{"en.json": {Data: []byte(`{"map.title": "Plan of {{ .Market }}"}`)}}
	c, err := LoadWith(fs)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Localizer("en").T("map.title", "Market", "Dongmen"); got != "Plan of Dongmen" {
		t.Errorf("override = %q", got)
	}
}

func strconvQuote(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"`
}
