package i18n

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
)

// Messages are filled by fill, not by go-i18n's Localize (shiji read its
// catalogues with go-i18n before): Localize runs text/template, whose calls of methods by name make the linker keep every
// exported method of every type in the binary (about 10 MB of go-fed's
// vocabulary). A message's only template syntax is a named argument,
// "{{.Name}}", which checkMessage enforces when a catalogue is loaded.

// fill replaces each {{.Name}} in src by data's Name as fmt.Sprint writes it,
// or "<no value>" when data has no Name (what text/template wrote).
func fill(src string, data map[string]any) string {
	if !strings.Contains(src, "{{") {
		return src
	}
	var b strings.Builder
	b.Grow(len(src) + 16)
	for {
		i := strings.Index(src, "{{")
		if i < 0 {
			b.WriteString(src)
			return b.String()
		}
		j := strings.Index(src[i:], "}}")
		if j < 0 { // checkMessage refuses this; write it as it is
			b.WriteString(src)
			return b.String()
		}
		b.WriteString(src[:i])
		name, _ := placeholder(src[i+2 : i+j])
		if v, ok := data[name]; ok {
			fmt.Fprint(&b, v)
		} else {
			b.WriteString("<no value>")
		}
		src = src[i+j+2:]
	}
}

// placeholder returns the argument name of an action's text (what stands
// between "{{" and "}}"), and whether it is one: ".Name", spaces around it
// allowed.
func placeholder(action string) (string, bool) {
	a := strings.TrimSpace(action)
	if len(a) < 2 || a[0] != '.' {
		return "", false
	}
	for _, r := range a[1:] {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return "", false
		}
	}
	return a[1:], true
}

// checkMessage fails when a form of m uses template syntax other than
// {{.Name}}.
func checkMessage(m *catMessage) error {
	for _, s := range []string{m.Zero, m.One, m.Two, m.Few, m.Many, m.Other} {
		for rest := s; ; {
			i := strings.Index(rest, "{{")
			if i < 0 {
				break
			}
			j := strings.Index(rest[i:], "}}")
			if j < 0 {
				return fmt.Errorf("%q: a {{ without }}", m.ID)
			}
			if _, ok := placeholder(rest[i+2 : i+j]); !ok {
				return fmt.Errorf("%q: {{%s}} is not an argument like {{.Name}} (the only template syntax messages take)", m.ID, rest[i+2:i+j])
			}
			rest = rest[i+j+2:]
		}
	}
	return nil
}

// pluralForm is the form of m that the count n takes in tag's language under
// CLDR's cardinal rules, or "" when m does not have that form or n is not a
// whole number (an integer, or a string of one).
func pluralForm(tag language.Tag, m *catMessage, n any) string {
	var i int64
	switch v := reflect.ValueOf(n); {
	case v.CanInt():
		i = v.Int()
	case v.CanUint():
		i = int64(v.Uint())
	case v.Kind() == reflect.String:
		p, err := strconv.ParseInt(v.String(), 10, 64)
		if err != nil {
			return ""
		}
		i = p
	default:
		return ""
	}
	if i < 0 {
		i = -i
	}
	// MatchPlural takes the integer digits as an int; large counts keep
	// their last digits, which are what the rules look at.
	if i > 1e9 {
		i = i%1e9 + 1e9
	}
	switch plural.Cardinal.MatchPlural(tag, int(i), 0, 0, 0, 0) {
	case plural.Zero:
		return m.Zero
	case plural.One:
		return m.One
	case plural.Two:
		return m.Two
	case plural.Few:
		return m.Few
	case plural.Many:
		return m.Many
	}
	return m.Other
}
