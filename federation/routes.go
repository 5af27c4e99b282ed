package federation

import (
	"context"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/node"
)

// Mount adds federation's routes to the node's echo instance (pass it as
// web.Config.Mount). ActivityPub requests for the pages of the market, a
// stall, an item or a person, and POSTs to the inboxes, are taken by a Pre
// middleware before the HTML routes (and before the CSRF check, which does
// not apply to signed server-to-server requests).
func (f *Federation) Mount(e *echo.Echo) {
	e.Pre(f.intercept)
	e.GET("/.well-known/webfinger", f.getWebFinger)
	e.GET("/.well-known/host-meta", f.getHostMeta)
	e.GET("/.well-known/nodeinfo", f.getNodeInfoLinks)
	e.GET("/nodeinfo/2.1", f.getNodeInfo)
	e.GET("/api/v1/instance", f.getInstanceV1)
	e.GET("/api/v2/instance", f.getInstanceV2)
	g := f.guardFetch // blocks and authorized fetch (authorized_fetch.go)
	e.GET("/activities/:token", f.getActivity, g)
	for _, p := range []string{"/market", "/actor", "/users/:name"} {
		e.GET(p, f.getActor, g)
		e.GET(p+"/outbox", f.getOutbox, g)
		e.GET(p+"/followers", f.getFollowers, g)
		e.GET(p+"/following", f.getFollowing, g)
	}
	e.GET("/rooms/:id", f.getActor, g) // group chats opened to other markets (room.go)
	e.GET("/rooms/:id/outbox", f.getOutbox, g)
	e.GET("/rooms/:id/followers", f.getFollowers, g)
	e.GET("/stalls/:id/outbox", f.getOutbox, g)
	e.GET("/stalls/:id/followers", f.getFollowers, g)
	e.GET("/stalls/:id/following", f.getFollowing, g)
	e.GET("/stalls/:id/featured", f.getFeatured, g)
	e.GET("/stalls/:id/avatar.png", f.getAvatar)
	e.GET("/api/v1/follows", f.apiFollows)
	e.POST("/api/v1/follows", f.apiFollow)
	e.DELETE("/api/v1/follows/:id", f.apiUnfollow)
	e.GET("/api/v1/timeline", f.apiTimeline)
	e.GET("/messages/:id", f.getMessage, g)
	// Trades across markets (issue 13): an FEP-0837 Agreement at its id, to
	// its parties (trade_serve.go).
	e.GET("/agreements/:token", f.getAgreement, g)
	e.POST("/api/v1/remote/replies", f.apiRemoteReply)
	e.POST("/api/v1/remote/messages", f.apiRemoteMessage)
}

// intercept serves, ahead of the routes: POSTs to the shared and actor
// inboxes, and GETs asking for ActivityStreams on /, /stalls/ID, /items/ID,
// /@NAME and /days/DATE. Everything else goes on to the web layer.
func (f *Federation) intercept(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		p := r.URL.Path
		switch r.Method {
		case http.MethodPost:
			if p == "/inbox" {
				return f.answer(c, f.postInbox(c, nil))
			}
			if strings.HasSuffix(p, "/inbox") {
				if ref, ok := parseActorPath(p); ok && ref.boxPath == "/inbox" {
					ref.boxPath = ""
					return f.answer(c, f.postInbox(c, &ref))
				}
			}
		case http.MethodGet, http.MethodHead:
			negotiated := p == "/" || stallPathRE.MatchString(p) || itemPathRE.MatchString(p) ||
				(strings.HasPrefix(p, "/@") && personPathRE.MatchString(p)) || dayPathRE.MatchString(p) || tagPathRE.MatchString(p)
			if !negotiated {
				break
			}
			c.Response().Header().Add("Vary", "Accept") // the HTML page too: caches must keep both apart
			if !wantsAS(r.Header.Get("Accept")) {
				break
			}
			if err := f.checkFetch(c, false); err != nil {
				return f.answer(c, err)
			}
			switch {
			case p == "/":
				return f.answer(c, f.serveActor(c, actorRef{kind: keyMarket}))
			case stallPathRE.MatchString(p):
				ref, _ := parseActorPath(p)
				return f.answer(c, f.serveActor(c, ref))
			case itemPathRE.MatchString(p):
				id, _ := strconv.ParseInt(itemPathRE.FindStringSubmatch(p)[1], 10, 64)
				return f.answer(c, f.serveNote(c, node.ItemID(id)))
			case strings.HasPrefix(p, "/@") && personPathRE.MatchString(p):
				return f.answer(c, f.serveActor(c, actorRef{kind: "person", name: personPathRE.FindStringSubmatch(p)[1]}))
			case dayPathRE.MatchString(p):
				return f.answer(c, f.serveDay(c, dayPathRE.FindStringSubmatch(p)[1]))
			case tagPathRE.MatchString(p):
				tag, err := url.PathUnescape(tagPathRE.FindStringSubmatch(p)[1])
				if err != nil {
					return f.answer(c, node.Errorf(node.ENOTFOUND, "No such tag."))
				}
				return f.answer(c, f.serveTag(c, tag))
			}
		}
		return next(c)
	}
}

// answer writes err (if the handler has not answered) as a JSON error with
// the status of its node error code, logging internal errors once.
func (f *Federation) answer(c echo.Context, err error) error {
	if err == nil || c.Response().Committed {
		return nil
	}
	if errors.Is(err, context.Canceled) && c.Request().Context().Err() != nil {
		return nil // the sender went away: nobody to answer
	}
	status, msg := errorStatus(err)
	if d := node.RetryAfter(err); d > 0 {
		c.Response().Header().Set("Retry-After", strconv.Itoa(max(1, int((d+time.Second-1)/time.Second))))
	}
	if f.Explain != nil && strings.HasPrefix(c.Request().URL.Path, "/api/") && status < 500 {
		_, msg = f.Explain(c, err) // people using the API read it in their language
	}
	if status >= 500 {
		f.log.Error("federation request failed", "err", err, "method", c.Request().Method, "path", c.Request().URL.Path)
	} else {
		f.log.Debug("federation request refused", "status", status, "msg", msg, "path", c.Request().URL.Path)
	}
	return c.JSON(status, map[string]string{"error": msg})
}

// errorStatus maps node error codes to HTTP statuses, as node/web does.
func errorStatus(err error) (int, string) {
	var he *echo.HTTPError
	if errors.As(err, &he) {
		return he.Code, http.StatusText(he.Code)
	}
	status := map[string]int{
		node.ECONFLICT: http.StatusConflict, node.EFORBIDDEN: http.StatusForbidden, node.EINVALID: http.StatusBadRequest,
		node.ENOTFOUND: http.StatusNotFound, node.EUNAUTHORIZED: http.StatusUnauthorized, node.ETOOLARGE: http.StatusRequestEntityTooLarge,
		node.ETOOMANY: http.StatusTooManyRequests, node.EUNSUPPORTED: http.StatusUnsupportedMediaType,
		node.EFULL: http.StatusInsufficientStorage, node.EGONE: http.StatusGone,
	}[node.ErrorCode(err)]
	if status == 0 {
		status = http.StatusInternalServerError
	}
	return status, node.ErrorMessage(err)
}

// wantsAS reports whether an Accept header prefers ActivityStreams JSON to
// HTML (by q-value; on a tie, whichever comes first).
func wantsAS(accept string) bool {
	if accept == "" {
		return false
	}
	bestAS, bestHTML := -1.0, -1.0
	posAS, posHTML := -1, -1
	for i, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if s, ok := params["q"]; ok {
			if v, err := strconv.ParseFloat(s, 64); err == nil {
				q = v
			}
		}
		switch {
		case mt == "application/activity+json" || (mt == "application/ld+json" && strings.Contains(params["profile"], "activitystreams")) ||
			mt == "application/ld+json":
			if q > bestAS {
				bestAS, posAS = q, i
			}
		case mt == "text/html" || mt == "application/xhtml+xml":
			if q > bestHTML {
				bestHTML, posHTML = q, i
			}
		}
	}
	if bestAS <= 0 {
		return false
	}
	return bestAS > bestHTML || (bestAS == bestHTML && posAS < posHTML)
}
