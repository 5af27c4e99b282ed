package federation

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/node"
)

// getAgreement serves an FEP-0837 Agreement at its id (/agreements/TOKEN),
// on the stall's node, which made it: the Agreement of the trade with its
// state (tradeStatus, market day), as the Accept's result and the Updates
// carry it. An agreement is between its two parties: only a GET signed by
// the buyer's actor, or by an actor of the buyer's server (the instance
// actor its node fetches with), gets it; anyone else, signed or not, gets
// the 404 an unknown agreement gets, so that nobody learns who reserved
// what. The stall's side reads its trades here, in the API and pages.
func (f *Federation) getAgreement(c echo.Context) error {
	r := c.Request()
	ctx := r.Context()
	notFound := node.Errorf(node.ENOTFOUND, "There is no such agreement.")
	token := c.Param("token")
	if token == "" || strings.ContainsAny(token, "/#?") {
		return f.answer(c, notFound)
	}
	iri := f.u.base + "/agreements/" + token
	id, ok := f.tradeOf(ctx, iri)
	if !ok {
		return f.answer(c, notFound)
	}
	t, err := f.db.Trade(ctx, id)
	if err != nil {
		return f.answer(c, err)
	}
	if t.Remote == nil || t.Remote.Side != node.RemoteBuyer || t.Remote.Agreement != iri {
		return f.answer(c, notFound)
	}
	if r.Header.Get("Signature") == "" {
		return f.answer(c, notFound)
	}
	sr, err := f.checkRequest(r, nil)
	if err != nil {
		return f.answer(c, notFound)
	}
	signer, err := f.verifySigned(ctx, sr)
	if err != nil || (signer.ID != t.Remote.Actor && !sameHost(signer.ID, t.Remote.Actor)) {
		return f.answer(c, notFound)
	}
	doc := f.agreementState(t, f.u.item(t.Item))
	doc["@context"] = tradeLDContext()
	c.Response().Header().Set("Cache-Control", "private, no-store")
	c.Response().Header().Add("Vary", "Signature")
	return f.answer(c, writeAS(c.Response(), http.StatusOK, doc))
}
