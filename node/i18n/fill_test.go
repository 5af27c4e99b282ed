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

// TestParseFile: texts, plural forms and nested ids as go-i18n's files have
// them; a bad form, a form without "other" or a name without a language tag
// is refused.
func TestParseFile(t *testing.T) {
	tag, msgs, err := parseFile("x.zh-Hant.json", []byte(`{"a": "A", "b": {"one": "1", "other": "n", "description": "d"}, "c": {"d": "CD"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if tag.String() != "zh-Hant" || len(msgs) != 3 || msgs[0].Other != "A" || msgs[1].One != "1" || msgs[1].Other != "n" || msgs[2].ID != "c.d" || msgs[2].Other != "CD" {
		t.Errorf("parseFile = %v %+v %+v %+v", tag, msgs[0], msgs[1], msgs[2])
	}
	for name, src := range map[string]string{
		"en.json":      `{"a": {"one": "1", "lots": "n"}}`,
		"en.json ":     `{"a": {"one": "1"}}`,
		"english.json": `{"a": "A"}`,
		"en.json  ":    `{"a": 3}`,
		"en.json   ":   `[1]`,
	} {
		if _, _, err := parseFile(strings.TrimSpace(name), []byte(src)); err == nil {
			t.Errorf("parseFile(%q, %s) took it", name, src)
		}
	}
}
