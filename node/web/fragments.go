package web

import (
	"bytes"
	"fmt"
	template "github.com/shiji-market/shiji/internal/template/html"
	"sync"
)

// fragmentCache keeps rendered shared fragments (Fragment) for one Pages
// version, by template, language and key; past its budget, or when the
// version moves, it starts again empty.
type fragmentCache struct {
	budget int64

	mu   sync.RWMutex
	gen  int64
	used int64
	m    map[string]template.HTML
}

func newFragmentCache(budget int64) *fragmentCache {
	return &fragmentCache{budget: budget, m: map[string]template.HTML{}}
}

func (fc *fragmentCache) get(gen int64, key string) (template.HTML, bool) {
	fc.mu.RLock()
	defer fc.mu.RUnlock()
	h, ok := fc.m[key]
	return h, ok && fc.gen == gen
}

func (fc *fragmentCache) put(gen int64, key string, h template.HTML) {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	size := fragSize(key, h)
	switch {
	case gen < fc.gen || size > fc.budget/16:
		return
	case gen > fc.gen:
		fc.gen, fc.used, fc.m = gen, 0, make(map[string]template.HTML, len(fc.m))
	case fc.used+size > fc.budget: // drop fragments at random (map order) until an eighth is free
		for k, old := range fc.m {
			delete(fc.m, k)
			fc.used -= fragSize(k, old)
			if fc.used+size <= fc.budget-fc.budget/8 {
				break
			}
		}
	}
	if old, ok := fc.m[key]; ok {
		fc.used -= fragSize(key, old)
	}
	fc.m[key] = h
	fc.used += size
}

func fragSize(key string, h template.HTML) int64 { return int64(len(key) + len(h) + 64) }

// fragment is what a shared fragment's template gets: the view (language,
// market, helpers) and its data, but nothing of the visitor.
type fragment struct {
	*view
	Data any
}

// Fragment renders the page's template name with data as a fragment every
// visitor sees alike, once per Pages version, language and key: key names
// what data shows (an item's id for the top of its page). The template gets
// the view, not the page: it cannot show the visitor's name, forms or
// tokens, and data must hold only what everyone sees.
func (p *page) Fragment(name string, key any, data any) (template.HTML, error) {
	s := p.s
	k := fmt.Sprint(name, "\x00", p.Lang, "\x00", key)
	if s.fragments != nil {
		if h, ok := s.fragments.get(p.version, k); ok {
			return p.cut(h, key, data), nil
		}
	}
	var b bytes.Buffer
	if err := p.tmpl.ExecuteTemplate(&b, name, &fragment{view: p.view, Data: data}); err != nil {
		return "", err
	}
	h := template.HTML(b.String())
	if s.fragments != nil {
		s.fragments.put(p.version, k, h)
	}
	return p.cut(h, key, data), nil
}

// cut puts a fragment of every page alike (the layout's head, top and
// foot: no key, no data) between cut marks in a frame (writeFrame), so
// that its parts are kept once for all frames (pack). Others are left in
// their part: cut out of the text around it, one of a page of its own
// compresses worse (a frame of an item page 4.2 KB instead of 3.4 KB with
// every fragment cut).
func (p *page) cut(h template.HTML, key, data any) template.HTML {
	if !p.framing || p.s.cutMark == "" || key != "" || data != nil {
		return h
	}
	return template.HTML(p.s.cutMark) + h + template.HTML(p.s.cutMark)
}
