package web

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
	"github.com/shiji-market/shiji/node/live"
	"github.com/shiji-market/shiji/node/wander"
)

// Seeds are integers 0 ≤ S < 2^53, so that JSON clients keep them exact.
const maxSeed = 1<<53 - 1

// maxPage bounds how far a stroll can be paged (24 × 100,000 items).
const maxPage = 100_000

const seedCookie = "shiji_seed"

func newSeed() uint64 {
	var b [8]byte
	rand.Read(b[:])
	return binary.LittleEndian.Uint64(b[:]) & maxSeed
}

// parseSeed reads a seed parameter; "" is not an error (ok=false).
func parseSeed(s string) (seed uint64, ok bool, err error) {
	if s == "" {
		return 0, false, nil
	}
	v, perr := strconv.ParseUint(s, 10, 64)
	if perr != nil || v > maxSeed {
		return 0, false, node.Errorf(node.EINVALID, "The seed %q is not valid: use a whole number from 0 to %d.", s, uint64(maxSeed))
	}
	return v, true, nil
}

// strollParams reads seed, page and limit. A missing seed comes from the
// visitor's cookie (or a new one); limit is clamped to 1..60 (default 24).
func (s *Server) strollParams(c echo.Context, cookie bool) (seed uint64, page, limit int, err error) {
	seed, ok, err := parseSeed(c.QueryParam("seed"))
	if err != nil {
		return 0, 0, 0, err
	}
	if !ok {
		noCache(c) // the visitor's own stroll (from the cookie) or a new one
	}
	if !ok && cookie {
		if ck, cerr := c.Cookie(seedCookie); cerr == nil {
			seed, ok, _ = parseSeed(ck.Value)
		}
	}
	if !ok {
		seed = newSeed()
		if cookie {
			s.setCookie(c, seedCookie, strconv.FormatUint(seed, 10), 12*3600)
		}
	}
	page, limit = 0, 24
	if p := c.QueryParam("page"); p != "" {
		v, perr := strconv.Atoi(p)
		if perr != nil || v < 0 || v > maxPage {
			return 0, 0, 0, node.Errorf(node.EINVALID, "The page %q is not valid: use a whole number from 0 to %d.", p, maxPage)
		}
		page = v
	}
	if l := c.QueryParam("limit"); l != "" {
		v, perr := strconv.Atoi(l)
		if perr != nil {
			return 0, 0, 0, node.Errorf(node.EINVALID, "The limit %q is not a whole number.", l)
		}
		limit = min(max(v, 1), wander.MaxLimit)
	}
	return seed, page, limit, nil
}

type ambience struct {
	Wanderers int
	OpenCount int
	Open      []app.StallRef
}

func (s *Server) ambience(c echo.Context) (ambience, error) {
	f, err := s.app.Floor(c.Request().Context())
	if err != nil {
		return ambience{}, err
	}
	a := ambience{Wanderers: s.app.Live.Count(app.Ambience), OpenCount: len(f.Open)}
	for i, id := range f.Open {
		if i == 8 {
			break
		}
		a.Open = append(a.Open, app.StallRef{ID: id, Name: f.Names[id]})
	}
	return a, nil
}

type wanderPageData struct {
	Items      []*node.Item
	Seed       uint64
	Page, Next int
	Seen       string // stall ids on this page, for the surprise
	LastItem   node.ItemID
	Ambience   ambience
}

func (s *Server) wanderPage(c echo.Context) error {
	seed, page, limit, err := s.strollParams(c, true)
	if err != nil {
		return err
	}
	items, err := s.stroll(c, seed, page, limit)
	if err != nil {
		return err
	}
	d := wanderPageData{Items: items, Seed: seed, Page: page, Next: page + 1}
	var seen []string
	for _, it := range items {
		seen = append(seen, strconv.FormatInt(int64(it.Stall), 10))
		d.LastItem = it.ID
	}
	d.Seen = strings.Join(seen, ",")
	if d.Ambience, err = s.ambience(c); err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "private, no-store")
	return s.render(c, http.StatusOK, "wander", "nav.wander", d)
}

// newWalk starts a new stroll with a fresh seed.
func (s *Server) newWalk(c echo.Context) error {
	seed := newSeed()
	s.setCookie(c, seedCookie, strconv.FormatUint(seed, 10), 12*3600)
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/wander?seed=%d", seed))
}

// surpriseParams reads from (an item id) and seen (comma-separated stall ids).
func surpriseParams(c echo.Context) (node.ItemID, []node.StallID, error) {
	var from node.ItemID
	if f := c.QueryParam("from"); f != "" {
		v, err := strconv.ParseInt(f, 10, 64)
		if err != nil || v <= 0 {
			return 0, nil, node.Errorf(node.EINVALID, "\"from\" must be an item id.")
		}
		from = node.ItemID(v)
	}
	var seen []node.StallID
	for _, p := range strings.Split(c.QueryParam("seen"), ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		v, err := strconv.ParseInt(p, 10, 64)
		if err != nil || v <= 0 {
			return 0, nil, node.Errorf(node.EINVALID, "\"seen\" must be stall ids separated by commas.")
		}
		if len(seen) < 200 {
			seen = append(seen, node.StallID(v))
		}
	}
	return from, seen, nil
}

func (s *Server) surprise(c echo.Context) error {
	seed, _, _, err := s.strollParams(c, true)
	if err != nil {
		return err
	}
	from, seen, err := surpriseParams(c)
	if err != nil {
		return err
	}
	it, err := s.app.Surprise(c.Request().Context(), seed^uint64(time.Now().UnixNano())&maxSeed, from, seen)
	if node.ErrorCode(err) == node.ENOTFOUND {
		return c.Redirect(http.StatusSeeOther, "/wander")
	} else if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, node.ItemPath(it.ID)+"?surprise=1")
}

func (s *Server) apiWander(c echo.Context) error {
	seed, page, limit, err := s.strollParams(c, false)
	if err != nil {
		return err
	}
	items, err := s.stroll(c, seed, page, limit)
	if err != nil {
		return err
	}
	// {"items":[...],"limit":L,"next":"…","page":P,"seed":S}, the items'
	// JSON kept with them in the item cache.
	var b bytes.Buffer
	b.WriteString(`{"items":[`)
	for i, it := range items {
		if i > 0 {
			b.WriteByte(',')
		}
		j, err := s.listedJSON(c, it)
		if err != nil {
			return err
		}
		b.Write(j)
	}
	next, _ := json.Marshal(fmt.Sprintf("%s/api/v1/wander?seed=%d&page=%d&limit=%d", s.cfg.BaseURL, seed, page+1, limit))
	fmt.Fprintf(&b, `],"limit":%d,"next":%s,"page":%d,"seed":%d}`+"\n", limit, next, page, seed)
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, b.Bytes())
}

// stroll returns a page of the stroll's items, as listings show them.
func (s *Server) stroll(c echo.Context, seed uint64, page, limit int) ([]*node.Item, error) {
	ids, err := s.app.StrollIDs(c.Request().Context(), seed, page, limit)
	if err != nil {
		return nil, err
	}
	return s.loadItems(c, ids)
}

func (s *Server) apiSurprise(c echo.Context) error {
	seed, _, _, err := s.strollParams(c, false)
	if err != nil {
		return err
	}
	from, seen, err := surpriseParams(c)
	if err != nil {
		return err
	}
	it, err := s.app.Surprise(c.Request().Context(), seed, from, seen)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.itemJSON(it, true))
}

func (s *Server) apiNeighbours(c echo.Context) error {
	id, err := pathID(c, "stall")
	if err != nil {
		return err
	}
	if _, err := s.app.DB.Stall(c.Request().Context(), node.StallID(id)); err != nil {
		return err
	}
	prev, next, ok, err := s.app.Neighbours(c.Request().Context(), node.StallID(id))
	if err != nil {
		return err
	}
	out := map[string]any{"prev": nil, "next": nil}
	if ok {
		out["prev"] = stallRefJSON{ID: prev.ID, Name: prev.Name, URL: s.abs(node.StallPath(prev.ID))}
		out["next"] = stallRefJSON{ID: next.ID, Name: next.Name, URL: s.abs(node.StallPath(next.ID))}
	}
	return c.JSON(http.StatusOK, out)
}

// ambienceStream is the live ambience as Server-Sent Events: "wanderers"
// ({"count"}) when the number of people wandering changes, "stall"
// ({"id","name","open","url"}) when a stall opens or closes, "question"
// ({"id","body","url"}) when a public question is asked or answered.
func (s *Server) ambienceStream(c echo.Context) error {
	sub := s.app.Live.Subscribe(app.Ambience, 32)
	defer s.app.Live.Unsubscribe(sub)
	return s.stream(c, sub, live.NewEvent("wanderers", map[string]int{"count": s.app.Live.Count(app.Ambience)}))
}

// stream writes events from sub as Server-Sent Events until the client goes,
// the server shuts down, or the subscriber falls behind (the browser's
// EventSource then reconnects and gets a fresh state).
func (s *Server) stream(c echo.Context, sub *live.Sub, first ...live.Event) error {
	w := c.Response()
	h := w.Header()
	h.Set(echo.HeaderContentType, "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	write := func(ev live.Event) error {
		if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", ev.Type, ev.Data); err != nil {
			return err
		}
		w.Flush()
		return nil
	}
	fmt.Fprint(w, "retry: 3000\n\n")
	w.Flush()
	for _, ev := range first {
		if err := write(ev); err != nil {
			return nil
		}
	}
	ping := time.NewTicker(25 * time.Second)
	defer ping.Stop()
	ctx := c.Request().Context()
	var last *byte // one publish on two of a subscriber's topics arrives twice: send it once
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.streamsDone:
			return nil
		case ev := <-sub.C:
			if len(ev.Data) > 0 && &ev.Data[0] == last {
				continue
			}
			if len(ev.Data) > 0 {
				last = &ev.Data[0]
			}
			if err := write(ev); err != nil {
				return nil
			}
		case <-ping.C:
			if _, err := fmt.Fprint(w, ": ping\n\n"); err != nil {
				return nil
			}
			w.Flush()
		}
	}
}

// neighbours returns the previous and next stall along the alley, or nil.
func (s *Server) neighbours(c echo.Context, st *node.Stall) (*struct{ Prev, Next *stallRef }, error) {
	prev, next, ok, err := s.app.Neighbours(c.Request().Context(), st.ID)
	if err != nil || !ok {
		return nil, err
	}
	return &struct{ Prev, Next *stallRef }{&stallRef{prev.ID, prev.Name}, &stallRef{next.ID, next.Name}}, nil
}
