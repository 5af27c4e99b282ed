package i18n

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"golang.org/x/text/language"
)

// catMessage is one message of a catalogue in one language: its text, or its
// plural forms (CLDR's zero, one, two, few, many and other).
type catMessage struct {
	ID                               string
	Zero, One, Two, Few, Many, Other string
}

// pluralKeys are the keys of a message object that are its forms; the
// others that go-i18n's files may carry are ignored.
var pluralKeys = map[string]bool{"zero": true, "one": true, "two": true, "few": true, "many": true, "other": true}
var ignoredKeys = map[string]bool{"description": true, "hash": true, "id": true}

// parseFile reads a catalogue file named like PART.LANG.json or LANG.json:
// a JSON object of id → text, id → plural forms ({"one": …, "other": …}),
// or id → an object of more ids (joined with dots), as go-i18n's files are.
func parseFile(name string, raw []byte) (language.Tag, []*catMessage, error) {
	parts := strings.Split(strings.TrimSuffix(name, ".json"), ".")
	tag, err := language.Parse(parts[len(parts)-1])
	if err != nil {
		return language.Und, nil, fmt.Errorf("the file name does not end in a language tag: %w", err)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil {
		return language.Und, nil, err
	}
	var out []*catMessage
	if err := parseMessages("", top, &out); err != nil {
		return language.Und, nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return tag, out, nil
}

func parseMessages(prefix string, obj map[string]json.RawMessage, out *[]*catMessage) error {
	for k, v := range obj {
		id := prefix + k
		v = bytes.TrimSpace(v)
		if len(v) > 0 && v[0] == '"' {
			m := &catMessage{ID: id}
			if err := json.Unmarshal(v, &m.Other); err != nil {
				return fmt.Errorf("%q: %w", id, err)
			}
			*out = append(*out, m)
			continue
		}
		var sub map[string]json.RawMessage
		if err := json.Unmarshal(v, &sub); err != nil {
			return fmt.Errorf("%q: want a text, plural forms or more messages", id)
		}
		forms := false
		for fk := range sub {
			if pluralKeys[fk] {
				forms = true
			}
		}
		if !forms {
			if err := parseMessages(id+".", sub, out); err != nil {
				return err
			}
			continue
		}
		m := &catMessage{ID: id}
		for fk, fv := range sub {
			var s string
			if ignoredKeys[fk] {
				continue
			}
			if !pluralKeys[fk] {
				return fmt.Errorf("%q: %q is not a plural form (zero, one, two, few, many, other)", id, fk)
			}
			if err := json.Unmarshal(fv, &s); err != nil {
				return fmt.Errorf("%q: %s: want a text", id, fk)
			}
			switch fk {
			case "zero":
				m.Zero = s
			case "one":
				m.One = s
			case "two":
				m.Two = s
			case "few":
				m.Few = s
			case "many":
				m.Many = s
			case "other":
				m.Other = s
			}
		}
		if m.Other == "" {
			return fmt.Errorf("%q: plural forms without \"other\"", id)
		}
		*out = append(*out, m)
	}
	return nil
}
