// Package i18n is shiji's message catalogue: every UI string, error messages
// included, comes from here, in zh-Hans, zh-Hant and en; an organiser may
// override messages or add a language from the data directory (LoadWith). Language choice: the account's setting, then a chosen
// language cookie, then Accept-Language, then the market's first language.
package i18n

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"

	"golang.org/x/text/language"
)

//go:embed locales/*.json
var localesFS embed.FS

// Catalog holds every message in every language.
type Catalog struct {
	raw     map[string]map[string]*catMessage // language → id → message, as loaded
	tags    []language.Tag
	names   []string
	matcher language.Matcher
	locs    map[string]*Localizer // one per catalogue language, shared
	matched sync.Map              // preference string → language name or "" (bounded by maxMatched)
	nmatch  int64
	mu      sync.Mutex
}

// maxMatched bounds how many distinct preference strings Match remembers.
const maxMatched = 4096

// Load parses the embedded catalogues: locales/LANG.json and any number of
// locales/PART.LANG.json (one file per feature, so features do not share a
// file). It fails when one is broken, when a message is defined twice for a
// language, or when a language lacks a message another has.
func Load() (*Catalog, error) { return LoadWith(nil) }

// LoadWith is Load followed by the organiser's catalogues from overrides
// (the data directory's locales/, nil for none), read the same way: a
// message there replaces the embedded one with the same id, and a file for
// a language shiji does not ship adds that language, which must then have
// every message. An error names the file.
func LoadWith(overrides fs.FS) (*Catalog, error) {
	c := &Catalog{raw: map[string]map[string]*catMessage{}}
	keys := map[string]map[string]bool{} // language → message ids
	if err := c.add(localesFS, "locales", keys, false); err != nil {
		return nil, err
	}
	if overrides != nil {
		if err := c.add(overrides, ".", keys, true); err != nil {
			return nil, err
		}
	}
	for a, ka := range keys {
		for b, kb := range keys {
			for k := range ka {
				if !kb[k] {
					hint := ""
					if b == "zh-Hant" {
						hint = " (go run ./node/i18n/hant fills zh-Hant from zh-Hans)"
					}
					return nil, fmt.Errorf("i18n: %q is in %s but missing in %s%s", k, a, b, hint)
				}
			}
		}
	}
	// zh-Hans first: the default when nothing matches is the first tag.
	c.matcher = language.NewMatcher(c.tags)
	c.locs = make(map[string]*Localizer, len(c.names))
	for _, n := range c.names {
		c.locs[n] = c.newLocalizer(n, n)
	}
	return c, nil
}

// add parses every *.json file in dir of fsys into the bundle, recording the
// ids per language in keys. With replace, an id already known replaces the
// message; without, it is an error.
func (c *Catalog) add(fsys fs.FS, dir string, keys map[string]map[string]bool, replace bool) error {
	files, err := fs.Glob(fsys, path.Join(dir, "*.json"))
	if err != nil {
		return err
	}
	// The languages' own files (LANG.json) first, so the languages keep
	// their order whatever the feature files are called.
	sort.SliceStable(files, func(i, j int) bool {
		return strings.Count(path.Base(files[i]), ".") == 1 && strings.Count(path.Base(files[j]), ".") > 1
	})
	for _, f := range files {
		raw, err := fs.ReadFile(fsys, f)
		if err != nil {
			return err
		}
		tag, msgs, err := parseFile(path.Base(f), raw)
		if err != nil {
			return fmt.Errorf("i18n: %s: %w", f, err)
		}
		name := tag.String()
		if keys[name] == nil {
			c.names = append(c.names, name)
			c.tags = append(c.tags, tag)
			keys[name] = map[string]bool{}
		}
		if c.raw[name] == nil {
			c.raw[name] = map[string]*catMessage{}
		}
		for _, m := range msgs {
			if err := checkMessage(m); err != nil {
				return fmt.Errorf("i18n: %s: %w", f, err)
			}
			if keys[name][m.ID] && !replace {
				return fmt.Errorf("i18n: %s: %q is defined twice for %s", f, m.ID, name)
			}
			keys[name][m.ID] = true
			c.raw[name][m.ID] = m
		}
	}
	return nil
}

// Languages are the catalogue's language tags, e.g. "en", "zh-Hans".
func (c *Catalog) Languages() []string { return c.names }

// Messages returns every message of lang as a catalogue file holds it: id →
// text, or id → plural forms ("one", "other", …). A starting point for a
// new language or an override file.
func (c *Catalog) Messages(lang string) map[string]any {
	out := map[string]any{}
	for id, m := range c.raw[lang] {
		forms := map[string]string{}
		for form, v := range map[string]string{"zero": m.Zero, "one": m.One, "two": m.Two, "few": m.Few, "many": m.Many, "other": m.Other} {
			if v != "" {
				forms[form] = v
			}
		}
		if len(forms) == 1 && forms["other"] != "" {
			out[id] = m.Other
		} else {
			out[id] = forms
		}
	}
	return out
}

// Has reports whether lang (as Languages says it) is in the catalogue.
func (c *Catalog) Has(lang string) bool { return slices.Contains(c.names, lang) }

// LanguageName is the language's name in itself ("English", "简体中文"),
// its message lang.self.
func (c *Catalog) LanguageName(lang string) string { return c.Localizer(lang).T("lang.self") }

// Match returns the best catalogue language for the given preferences, each a
// language tag or an Accept-Language header value, tried in order; fallback
// when none matches.
func (c *Catalog) Match(fallback string, prefs ...string) string {
	for _, p := range prefs {
		if p == "" {
			continue
		}
		if n := c.match(p); n != "" {
			return n
		}
	}
	return fallback
}

// match returns the catalogue language for one preference, or "". Browsers
// send a handful of distinct Accept-Language values, so the answers are
// remembered (up to maxMatched of them).
func (c *Catalog) match(p string) string {
	if v, ok := c.matched.Load(p); ok {
		return v.(string)
	}
	n := ""
	if tags, _, err := language.ParseAcceptLanguage(p); err == nil && len(tags) > 0 {
		if _, idx, conf := c.matcher.Match(tags...); conf != language.No {
			n = c.names[idx]
		}
	}
	c.mu.Lock()
	if c.nmatch < maxMatched {
		if _, loaded := c.matched.LoadOrStore(p, n); !loaded {
			c.nmatch++
		}
	}
	c.mu.Unlock()
	return n
}

// Localizer translates into one language. It is safe for concurrent use.
type Localizer struct {
	Lang  string
	tag   language.Tag           // the catalogue language it reads, for plural rules
	msgs  map[string]*catMessage // that language's messages
	plain sync.Map               // message id → its text, for messages asked for without arguments
}

// Localizer returns the Localizer for lang (a catalogue language; the one
// instance is shared), or a new one for another tag, reading the catalogue
// language that best matches it (English when none does).
func (c *Catalog) Localizer(lang string) *Localizer {
	if l := c.locs[lang]; l != nil {
		return l
	}
	n := c.match(lang)
	if n == "" {
		n = language.English.String()
	}
	return c.newLocalizer(lang, n)
}

// newLocalizer is a Localizer named lang reading the catalogue language n.
func (c *Catalog) newLocalizer(lang, n string) *Localizer {
	l := &Localizer{Lang: lang, msgs: c.raw[n]}
	if i := slices.Index(c.names, n); i >= 0 {
		l.tag = c.tags[i]
	}
	return l
}

// T returns the message id, with args as name/value pairs for its template
// ("{{.Name}}"). An argument named N is also the count that chooses the
// plural form. A missing message returns the id itself, so it shows up in
// tests rather than as an empty string.
func (l *Localizer) T(id string, args ...any) string {
	if len(args) == 0 {
		if v, ok := l.plain.Load(id); ok {
			return v.(string)
		}
		s := l.t(id, nil)
		if s != id { // ids that are missing are not remembered: the map stays as big as the catalogue
			l.plain.Store(id, s)
		}
		return s
	}
	return l.t(id, args)
}

func (l *Localizer) t(id string, args []any) string {
	var data map[string]any
	if len(args) > 0 {
		data = make(map[string]any, len(args)/2)
		for i := 0; i+1 < len(args); i += 2 {
			data[fmt.Sprint(args[i])] = args[i+1]
		}
	}
	m := l.msgs[id]
	if m == nil {
		return id
	}
	src := m.Other
	if n, ok := data["N"]; ok { // {{.N}} chooses the plural form ("one", "other")
		if f := pluralForm(l.tag, m, n); f != "" {
			src = f
		}
	}
	if src == "" {
		return id
	}
	return fill(src, data)
}
