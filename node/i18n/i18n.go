// Package i18n is shiji's message catalogue: every UI string comes from here,
// in zh-Hans and en. Language choice: the account's setting, then a chosen
// language cookie, then Accept-Language, then the market's first language.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed locales/*.json
var localesFS embed.FS

// Catalog holds every message in every language.
type Catalog struct {
	bundle  *goi18n.Bundle
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
func Load() (*Catalog, error) {
	b := goi18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("json", json.Unmarshal)
	files, err := fs.Glob(localesFS, "locales/*.json")
	if err != nil {
		return nil, err
	}
	// The languages' own files (LANG.json) first, so the languages keep
	// their order whatever the feature files are called.
	sort.SliceStable(files, func(i, j int) bool {
		return strings.Count(path.Base(files[i]), ".") == 1 && strings.Count(path.Base(files[j]), ".") > 1
	})
	c := &Catalog{bundle: b}
	keys := map[string]map[string]bool{} // language → message ids
	for _, f := range files {
		raw, err := localesFS.ReadFile(f)
		if err != nil {
			return nil, err
		}
		mf, err := b.ParseMessageFileBytes(raw, f)
		if err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", f, err)
		}
		name := mf.Tag.String()
		if keys[name] == nil {
			c.names = append(c.names, name)
			c.tags = append(c.tags, mf.Tag)
			keys[name] = map[string]bool{}
		}
		for _, m := range mf.Messages {
			if keys[name][m.ID] {
				return nil, fmt.Errorf("i18n: %s: %q is defined twice for %s", f, m.ID, name)
			}
			keys[name][m.ID] = true
		}
	}
	for a, ka := range keys {
		for b, kb := range keys {
			for k := range ka {
				if !kb[k] {
					return nil, fmt.Errorf("i18n: %q is in %s but missing in %s", k, a, b)
				}
			}
		}
	}
	// zh-Hans first: the default when nothing matches is the first tag.
	c.matcher = language.NewMatcher(c.tags)
	c.locs = make(map[string]*Localizer, len(c.names))
	for _, n := range c.names {
		c.locs[n] = &Localizer{Lang: n, l: goi18n.NewLocalizer(c.bundle, n)}
	}
	return c, nil
}

// Languages are the catalogue's language tags, e.g. "en", "zh-Hans".
func (c *Catalog) Languages() []string { return c.names }

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
	l     *goi18n.Localizer
	plain sync.Map // message id → its text, for messages asked for without arguments
}

// Localizer returns the Localizer for lang (a catalogue language; the one
// instance is shared), or a new one for another tag.
func (c *Catalog) Localizer(lang string) *Localizer {
	if l := c.locs[lang]; l != nil {
		return l
	}
	return &Localizer{Lang: lang, l: goi18n.NewLocalizer(c.bundle, lang)}
}

// T returns the message id, with args as name/value pairs for its template
// ("{{.Name}}"). A missing message returns the id itself, so it shows up in
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
	s, err := l.l.Localize(&goi18n.LocalizeConfig{MessageID: id, TemplateData: data})
	if err != nil || s == "" {
		return id
	}
	return s
}
