package web

import (
	"bytes"
	"container/list"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/node/app"
)

// maxCachedPage is the largest response the cache keeps.
const maxCachedPage = 256 << 10

// pageCache keeps whole responses for anonymous readers, keyed by language
// and request URI, each valid while nothing a public page shows has changed
// (the store's Pages version), the number of people wandering is what the
// page says, and time has not passed a market day's edge. Least recently
// used pages go first when the bytes exceed the budget.
type pageCache struct {
	budget int64

	mu    sync.Mutex
	used  int64
	pages map[string]*list.Element // of *cachedPage
	lru   list.List                // front: most recently used

	hits, misses atomic.Int64
}

type cachedPage struct {
	key     string
	status  int
	header  http.Header // Content-Type, Content-Language, Cache-Control
	gz      []byte      // the body, gzipped (gzip.go)
	plain   int         // the body's length
	version int64       // Pages version it was rendered at
	live    int         // people wandering when it was rendered
	until   time.Time   // when a market day's edge changes what it says
	// frame, instead of gz: a signed-in reader's page (writeFrame).
	frame *packedFrame
}

func (p *cachedPage) size() int64 {
	n := int64(len(p.gz) + len(p.key) + 256)
	if p.frame != nil {
		n += int64(p.frame.size)
	}
	return n
}

func newPageCache(budget int64) *pageCache {
	return &pageCache{budget: budget, pages: map[string]*list.Element{}}
}

// get returns the page for key if it is still valid at (version, live, now).
func (pc *pageCache) get(key string, version int64, live int, now time.Time) *cachedPage {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	el := pc.pages[key]
	if el == nil {
		return nil
	}
	p := el.Value.(*cachedPage)
	if p.version != version || p.live != live || !now.Before(p.until) {
		pc.remove(el)
		return nil
	}
	pc.lru.MoveToFront(el)
	return p
}

func (pc *pageCache) put(p *cachedPage) {
	if p.size() > pc.budget/8 {
		return
	}
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if el := pc.pages[p.key]; el != nil {
		pc.remove(el)
	}
	pc.pages[p.key] = pc.lru.PushFront(p)
	pc.used += p.size()
	for pc.used > pc.budget {
		pc.remove(pc.lru.Back())
	}
}

func (pc *pageCache) remove(el *list.Element) {
	p := pc.lru.Remove(el).(*cachedPage)
	delete(pc.pages, p.key)
	pc.used -= p.size()
}

// stats returns the bytes used, the number of pages, hits and misses.
func (pc *pageCache) stats() (used int64, pages int, hits, misses int64) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	return pc.used, len(pc.pages), pc.hits.Load(), pc.misses.Load()
}

// recorder keeps a copy of what a handler writes, up to maxCachedPage.
type recorder struct {
	http.ResponseWriter
	status int
	buf    bytes.Buffer
	over   bool
}

func (r *recorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if !r.over {
		if r.buf.Len()+len(b) > maxCachedPage {
			r.over = true
			r.buf = bytes.Buffer{}
		} else {
			r.buf.Write(b)
		}
	}
	return r.ResponseWriter.Write(b)
}

// cacheHeader tells whether a page came from the page cache ("hit") or was
// rendered ("miss"), for operators and tests.
const cacheHeader = "X-Shiji-Cache"

var hit, miss = []string{"hit"}, []string{"miss"}

// untilKey holds when what a page shows changes by itself (keepUntil).
const untilKey = "keep-until"

// keepUntil says the page shows something that changes at t without a
// write (a linked market's day ending): the page cache keeps it until then
// at most.
func keepUntil(c echo.Context, t time.Time) {
	if cur, ok := c.Get(untilKey).(time.Time); !ok || t.Before(cur) {
		c.Set(untilKey, t)
	}
}

// keptUntil is when a page made at now for this request stops being valid
// by itself: the market's next day's edge, or sooner (keepUntil).
func keptUntil(c echo.Context, snap *app.Snapshot, now time.Time) time.Time {
	_, until := snap.Upcoming(now)
	if t, ok := c.Get(untilKey).(time.Time); ok && t.Before(until) {
		until = t
	}
	return until
}

// noCache marks the response of this request as not to be cached (it
// carries something of the visitor's own, such as a CSRF token).
func noCache(c echo.Context) { c.Set("nocache", true) }

// anonymous reports whether the request carries no credentials: no session
// cookie and no Authorization header.
func anonymous(r *http.Request) bool {
	if r.Header.Get(echo.HeaderAuthorization) != "" {
		return false
	}
	ck, err := r.Cookie(sessionCookie)
	return err != nil || ck.Value == ""
}

// cachePage serves GETs of anonymous visitors from the page cache, and
// keeps what the handler answered when it is cacheable: status 200, no
// cookie set, nothing of the visitor's own (noCache).
func (s *Server) cachePage(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if s.cache == nil || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
			return next(c)
		}
		if !anonymous(r) && c.Get(everyonesKey) == nil {
			if done, err := s.frameFirst(c); done {
				return err
			}
			return next(c)
		}
		ctx := r.Context()
		snap, err := s.app.Snapshot(ctx)
		if err != nil {
			return err
		}
		now := s.app.Now()
		version, live := s.app.DB.Versions().Pages, s.app.Live.Count(app.Ambience)
		lang := s.lang(c, snap.Market)
		key := lang + " " + r.URL.RequestURI()
		w := c.Response()
		if p := s.cache.get(key, version, live, now); p != nil {
			s.hit(w.Header(), p)
			return writeCached(w, r, p)
		}
		s.cache.misses.Add(1)
		w.Header()[cacheHeader] = miss
		rec := &recorder{ResponseWriter: w.Writer, status: http.StatusOK}
		w.Writer = rec
		err = next(c)
		w.Writer = rec.ResponseWriter
		if err != nil || rec.over || rec.status != http.StatusOK || r.Method != http.MethodGet || c.Get("nocache") != nil ||
			w.Header().Get(echo.HeaderSetCookie) != "" {
			return err
		}
		h := http.Header{}
		for _, k := range []string{echo.HeaderContentType, "Content-Language", "Cache-Control", echo.HeaderVary} { // not cacheHeader
			if v := w.Header().Values(k); len(v) > 0 {
				h[k] = slices.Clip(slices.Clone(v))
			}
		}
		// Served gzipped or not by what the client takes (writeCached).
		// Hits share these slices: never append to them.
		h[echo.HeaderVary] = slices.Clip(append(h[echo.HeaderVary], echo.HeaderAcceptEncoding))
		s.cache.put(&cachedPage{key: key, status: rec.status, header: h, gz: gzipped(rec.buf.Bytes()), plain: rec.buf.Len(),
			version: version, live: live, until: keptUntil(c, snap, now)})
		return nil
	}
}

// hit counts an answer from the kept page p and puts p's headers, marked
// as a hit, on the answer's headers h.
func (s *Server) hit(h http.Header, p *cachedPage) {
	s.cache.hits.Add(1)
	for k, v := range p.header { // shared: never appended to
		h[k] = v
	}
	h[cacheHeader] = hit
}

// everyonesKey marks a request whose answer is the same for every reader,
// signed in or not (cacheEveryones).
const everyonesKey = "everyones"

// cacheEveryones is cachePage for a route whose answer never depends on
// who asks (the stroll API: items as everyone sees them): signed-in
// readers are answered from, and fill, the same kept page as visitors.
// Only for routes whose handler reads nothing of the reader.
func (s *Server) cacheEveryones(next echo.HandlerFunc) echo.HandlerFunc {
	cached := s.cachePage(next)
	return func(c echo.Context) error {
		c.Set(everyonesKey, true)
		return cached(c)
	}
}
