package web

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/node/app"
)

// frameFirst answers a plain reader's GET of a cached page (item, stall,
// stroll, home, search…) from its kept frame before the page's handler
// runs: a hit costs the session query (authenticate), one lookup and the
// splice. A plain reader (plainReaderKey, and holding no stall) sees on
// these pages nothing of their own but their names, token and role, so a
// frame made for one is every such reader's: it is keyed by the role, the
// language, the notifications count and the request URI, and is valid for
// the Pages version, the number of people wandering and the market day's
// edge it was made at (pageCache.get), as an anonymous page is. On a miss
// it leaves the key for writeFrame and reports false: the handler runs.
func (s *Server) frameFirst(c echo.Context) (bool, error) {
	r := c.Request()
	a := account(c)
	if r.Method != http.MethodGet || a == nil || c.Get("bearer") != nil {
		return false, nil
	}
	if plain, _ := c.Get(plainReaderKey).(bool); !plain {
		return false, nil
	}
	snap, err := s.app.Snapshot(r.Context())
	if err != nil || snap.HoldsStall(a.ID) {
		return false, err
	}
	counts, _ := c.Get(visitorCountsKey).([2]int)
	lang := s.lang(c, snap.Market)
	key := "frame\x00" + string(a.Role) + "\x00" + lang + "\x00" + strconv.Itoa(counts[1]) + "\x00" + r.URL.RequestURI()
	now := s.app.Now()
	kept := s.cache.get(key, s.app.DB.Versions().Pages, s.app.Live.Count(app.Ambience), now)
	if kept == nil || kept.frame == nil {
		c.Set(frameKeyCtx, key)
		return false, nil
	}
	s.hit(c.Response().Header(), kept)
	buf := s.buffer()
	defer s.release(buf)
	return true, s.writePacked(c, http.StatusOK, kept.frame, lang, a, buf)
}
