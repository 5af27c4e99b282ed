package federation

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/node"
)

// checkFetch decides who may read our ActivityStreams documents (actors,
// notes, collections, activities, messages). A GET signed with a key on a
// blocked server is refused (403) whatever the mode. With AuthorizedFetch
// (Mastodon's "secure mode") every GET must carry a signature that verifies,
// by an actor that is not blocked (else 401 or 403) — except the instance
// actor's document, which peers fetch unsigned to verify our own signed
// fetches. Answers under AuthorizedFetch are private to caches and vary by
// signature.
func (f *Federation) checkFetch(c echo.Context, instance bool) error {
	r := c.Request()
	ctx := r.Context()
	sig := r.Header.Get("Signature")
	if f.cfg.AuthorizedFetch {
		h := c.Response().Header()
		h.Add("Vary", "Signature")
		h.Set("Cache-Control", "private")
	}
	if host := signatureHost(sig); host != "" && f.blocks(ctx).hostBlocked(host) {
		return node.Errorf(node.EFORBIDDEN, "This market does not serve %s.", host)
	}
	if !f.cfg.AuthorizedFetch || instance {
		return nil
	}
	if sig == "" {
		return node.Errorf(node.EUNAUTHORIZED, "This market answers signed requests only (authorized fetch).")
	}
	if limitBy := signatureHost(sig); limitBy != "" {
		if wait, ok := f.limit.allow(limitBy, f.now()); !ok {
			c.Response().Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
			return node.Errorf(node.ETOOMANY, "Too many requests from %s; slow down.", limitBy)
		}
	}
	sr, err := f.checkRequest(r, nil)
	if err != nil {
		return err
	}
	signer, err := f.verifySigned(ctx, sr)
	if err != nil {
		return err
	}
	if f.isBlocked(ctx, signer.ID) {
		return node.Errorf(node.EFORBIDDEN, "This market does not serve %s.", signer.ID)
	}
	return nil
}

// guardFetch runs checkFetch before an ActivityStreams GET route.
func (f *Federation) guardFetch(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if c.Request().Method != http.MethodGet && c.Request().Method != http.MethodHead {
			return next(c)
		}
		if err := f.checkFetch(c, c.Request().URL.Path == "/actor"); err != nil {
			return f.answer(c, err)
		}
		return next(c)
	}
}
