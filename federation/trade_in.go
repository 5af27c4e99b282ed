package federation

import (
	"context"
	"encoding/json"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
)

// Trades across markets (FEP-0837), the receiving side: observeTrade takes
// the activities of trades before go-fed's resolver (v1.0.0 knows neither
// Agreement nor Commitment). Every step is applied with the rules of a local
// trade (app.TakeOffer, app.StepElsewhere); only the other side of a trade
// moves it: anything else signed changes nothing.

// observeTrade handles the activity m when it belongs to a trade (handled
// true): an Offer of an Agreement; an Accept, Reject or Undo of one of our
// trades' Offers (or Accepts); an Update of an Agreement; a Create of a
// thank-you Note whose context is an Agreement.
func (f *Federation) observeTrade(ctx context.Context, m map[string]any, signer *remoteActor) (bool, error) {
	obj, _ := m["object"].(map[string]any)
	switch str(m, "type") {
	case "Offer":
		if obj == nil || str(obj, "type") != "Agreement" {
			return false, nil
		}
		return true, f.takeOffer(ctx, m, obj, signer)
	case "Accept", "Reject":
		id, ok := f.tradeOf(ctx, refOf(m["object"]))
		if !ok {
			return false, nil
		}
		return true, f.offerAnswered(ctx, id, m, signer)
	case "Update":
		if obj == nil || str(obj, "type") != "Agreement" {
			return false, nil
		}
		id, ok := f.tradeOf(ctx, str(obj, "id"))
		if !ok {
			id, ok = f.tradeOf(ctx, refOf(obj["offer"]))
		}
		if !ok {
			return true, nil // an agreement we do not know: nothing to change
		}
		return true, f.agreementUpdated(ctx, id, obj, signer)
	case "Undo":
		id, ok := f.tradeOf(ctx, refOf(m["object"]))
		if !ok {
			return false, nil
		}
		return true, f.tradeUndone(ctx, id, m, signer)
	case "Create":
		if obj == nil || str(obj, "type") != "Note" || refOf(obj["context"]) == "" {
			return false, nil
		}
		id, ok := f.tradeOf(ctx, refOf(obj["context"]))
		if !ok {
			return false, nil
		}
		return true, f.tradeNoted(ctx, id, obj, signer)
	}
	return false, nil
}

// tradeOf finds the trade whose Offer, Agreement or Accept (AGREEMENT#accept)
// has the id iri.
func (f *Federation) tradeOf(ctx context.Context, iri string) (node.TradeID, bool) {
	if iri == "" {
		return 0, false
	}
	iri = strings.TrimSuffix(iri, "#accept")
	id, err := f.db.TradeByRemote(ctx, iri)
	return id, err == nil
}

// wholeQuantity reads an FEP-0837 hasNumericalValue (a string, or leniently
// a JSON number) as a positive whole number; EINVALID otherwise.
func wholeQuantity(q any) (int, error) {
	m, _ := q.(map[string]any)
	var s string
	switch v := m["hasNumericalValue"].(type) {
	case string:
		s = strings.TrimSpace(v)
	case float64:
		s = strconv.FormatFloat(v, 'f', -1, 64)
	}
	if unit := str(m, "hasUnit"); unit != "" && unit != "one" {
		return 0, node.Errorf(node.EINVALID, "Quantities are counted in \"one\", not %q.", truncate(unit, 40))
	}
	r, ok := new(big.Rat).SetString(s)
	switch {
	case s == "" || !ok:
		return 0, node.Errorf(node.EINVALID, "The quantity must be a positive whole number (resourceQuantity.hasNumericalValue).")
	case !r.IsInt() || r.Sign() <= 0:
		return 0, node.Errorf(node.EINVALID, "The quantity must be a positive whole number; %s is not.", truncate(s, 20))
	case r.Num().Cmp(big.NewInt(node.MaxQuantity)) > 0:
		return 0, node.Errorf(node.EINVALID, "The quantity may be at most %d.", node.MaxQuantity)
	}
	return int(r.Num().Int64()), nil
}

// takeOffer takes a buyer's Offer of an Agreement for an item here: the
// trade is stored as requested (the stall answers later), or a Reject with
// the reason is sent and nothing is held.
func (f *Federation) takeOffer(ctx context.Context, m, agreement map[string]any, signer *remoteActor) error {
	offerID := str(m, "id")
	if _, ok := f.tradeOf(ctx, offerID); ok {
		return nil // taken already
	}
	stip, _ := agreement["stipulates"].(map[string]any)
	if l := listOf(agreement["stipulates"]); stip == nil && len(l) > 0 {
		stip, _ = l[0].(map[string]any)
	}
	satisfies := refOf(stip["satisfies"])
	var item node.ItemID
	if mm := itemPathRE.FindStringSubmatch(f.u.localPath(satisfies)); mm != nil && strings.HasSuffix(satisfies, "#primary") {
		n, _ := strconv.ParseInt(mm[1], 10, 64)
		item = node.ItemID(n)
	}
	reject := func(err error) error {
		_, msg := errorStatus(err)
		f.log.InfoContext(ctx, "offer rejected", "offer", offerID, "from", signer.ID, "reason", msg)
		return f.rejectOffer(ctx, offerID, item, msg, signer)
	}
	if item == 0 {
		return reject(node.Errorf(node.ENOTFOUND, "The offer names no item of this market (stipulates.satisfies must be an item's #primary intent)."))
	}
	q, err := wholeQuantity(stip["resourceQuantity"])
	if err != nil {
		return reject(err)
	}
	msg := strings.TrimSpace(htmlText(str(m, "content")))
	if utf8.RuneCountInString(msg) > node.MaxTradeMessageLen {
		msg = string([]rune(msg)[:node.MaxTradeMessageLen-1]) + "…"
	}
	remote := node.TradeRemote{Actor: signer.ID, Name: acctOf(signer), Shown: signer.Name, Offer: offerID,
		Agreement: f.u.base + "/agreements/" + newToken()}
	_, err = f.app.TakeOffer(ctx, app.RemoteOffer{Item: item, Quantity: q, Message: msg, Remote: remote,
		OpenChat: func(st *node.Stall) (node.ConversationID, error) {
			return f.privateChat(ctx, privateKey{actor: signer.ID, local: stallKey(st.ID), chat: app.RemoteChat{Stall: st.ID, Item: item}})
		}})
	switch node.ErrorCode(err) {
	case "":
		return nil
	case node.EINVALID, node.ECONFLICT, node.ENOTFOUND, node.EFORBIDDEN:
		return reject(err)
	}
	return err
}

// rejectOffer sends a Reject of an Offer with the reason, signed by the
// item's stall (the market when there is no such item).
func (f *Federation) rejectOffer(ctx context.Context, offerID string, item node.ItemID, reason string, to *remoteActor) error {
	key, actor := keyMarket, f.u.market()
	if item != 0 {
		if it, err := f.db.Item(ctx, item); err == nil {
			key, actor = stallKey(it.Stall), f.u.stall(it.Stall)
		}
	}
	doc := map[string]any{"@context": tradeLDContext(), "type": "Reject", "id": f.u.activity(newToken()), "actor": actor,
		"object": offerID, "content": reason, "to": to.ID, "published": f.now().UTC().Format(time.RFC3339)}
	body, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	return f.sendOne(ctx, key, "reject", str(doc, "id"), body, to)
}

// otherSide loads trade id and checks that signer is its other side; a
// forged step (anyone else) is logged and changes nothing (ok false).
func (f *Federation) otherSide(ctx context.Context, id node.TradeID, signer *remoteActor, typ string) (*node.Trade, bool) {
	t, err := f.db.Trade(ctx, id)
	if err != nil || t.Remote == nil || t.Remote.Actor != signer.ID {
		f.log.InfoContext(ctx, "trade step refused: not the other side", "type", typ, "trade", id, "from", signer.ID)
		return nil, false
	}
	return t, true
}

// stepped logs a step the trade's rules refused (a repeat, or a step that
// no longer applies): the activity is taken, nothing changes.
func (f *Federation) stepped(ctx context.Context, id node.TradeID, typ string, err error) error {
	switch node.ErrorCode(err) {
	case "":
		return nil
	case node.ECONFLICT, node.EFORBIDDEN, node.EINVALID:
		f.log.InfoContext(ctx, "trade step not applied", "type", typ, "trade", id, "reason", err.Error())
		return nil
	}
	return err
}

// reasonOf is the plain text of an activity's content, as a trade's reason.
func reasonOf(m map[string]any, fallback string) string {
	r := strings.TrimSpace(htmlText(str(m, "content")))
	if r == "" {
		r = fallback
	}
	if utf8.RuneCountInString(r) > node.MaxReasonLen {
		r = string([]rune(r)[:node.MaxReasonLen-1]) + "…"
	}
	return r
}

// offerAnswered applies the stall's Accept (with the Agreement, its id and
// market day, in result) or Reject of our Offer.
func (f *Federation) offerAnswered(ctx context.Context, id node.TradeID, m map[string]any, signer *remoteActor) error {
	typ := str(m, "type")
	t, ok := f.otherSide(ctx, id, signer, typ)
	if !ok || t.Remote.Side != node.RemoteStall {
		return nil
	}
	name := acctOf(signer)
	if typ == "Reject" {
		soldOut := str(m, "reasonCode") == node.ReasonSoldOut // sold to someone else: shown in each reader's language
		_, err := f.app.StepElsewhere(ctx, id, name, func(t *node.Trade, now time.Time) error {
			if soldOut && t.SoldOut(now) {
				return nil
			}
			return t.Decline(0, true, reasonOf(m, "The stall declined."), now)
		})
		return f.stepped(ctx, id, typ, err)
	}
	result, _ := m["result"].(map[string]any)
	agreement := str(result, "id")
	if agreement == "" || !sameHost(agreement, signer.ID) {
		return node.Errorf(node.EINVALID, "An Accept of an Offer carries the Agreement, with its id on the stall's server, as its result.")
	}
	_, err := f.app.StepElsewhere(ctx, id, name, func(t *node.Trade, now time.Time) error {
		t.Remote.Agreement = agreement
		setTradeDay(t, result)
		return t.Accept(0, true, now)
	})
	return f.stepped(ctx, id, typ, err)
}

// setTradeDay takes the market day an Agreement names (marketDay,
// startTime, endTime), when it names one.
func setTradeDay(t *node.Trade, a map[string]any) {
	start, err1 := time.Parse(time.RFC3339, str(a, "startTime"))
	end, err2 := time.Parse(time.RFC3339, str(a, "endTime"))
	day := str(a, "marketDay")
	if err1 != nil || err2 != nil || end.Before(start) {
		return
	}
	if _, err := node.ParseDate(day); err != nil {
		day = start.UTC().Format(node.DateLayout)
	}
	t.Day, t.StartsAt, t.ClosesAt = day, start.UTC(), end.UTC()
}

// agreementUpdated applies a step the other side sends as an Update of the
// Agreement: from the stall, handed_over, or the end of its market day
// (expired, completed); from the buyer, completed (the hand-over confirmed).
func (f *Federation) agreementUpdated(ctx context.Context, id node.TradeID, a map[string]any, signer *remoteActor) error {
	t, ok := f.otherSide(ctx, id, signer, "Update")
	if !ok {
		return nil
	}
	status := node.TradeStatus(str(a, "tradeStatus"))
	var step func(t *node.Trade, now time.Time) error
	switch {
	case t.Remote.Side == node.RemoteStall && status == node.TradeHandedOver:
		step = func(t *node.Trade, now time.Time) error { return t.HandOver(0, true, now) }
	case t.Remote.Side == node.RemoteStall && (status == node.TradeExpired || status == node.TradeCompleted):
		step = func(t *node.Trade, now time.Time) error { return t.EndedElsewhere(status, now) }
	case t.Remote.Side == node.RemoteBuyer && status == node.TradeCompleted:
		step = func(t *node.Trade, now time.Time) error { return t.Confirm(0, now) }
	default:
		f.log.InfoContext(ctx, "trade update not used", "trade", id, "status", status, "from", signer.ID)
		return nil
	}
	_, err := f.app.StepElsewhere(ctx, id, acctOf(signer), step)
	return f.stepped(ctx, id, "Update", err)
}

// tradeUndone applies the other side's Undo (of its Offer, or of its
// Accept) as a cancellation with the reason in content.
func (f *Federation) tradeUndone(ctx context.Context, id node.TradeID, m map[string]any, signer *remoteActor) error {
	t, ok := f.otherSide(ctx, id, signer, "Undo")
	if !ok {
		return nil
	}
	holder := t.Remote.Side == node.RemoteStall
	_, err := f.app.StepElsewhere(ctx, id, acctOf(signer), func(t *node.Trade, now time.Time) error {
		return t.Cancel(0, holder, reasonOf(m, "Called off."), now)
	})
	return f.stepped(ctx, id, "Undo", err)
}

// tradeNoted takes the other side's thank-you note on a completed trade.
func (f *Federation) tradeNoted(ctx context.Context, id node.TradeID, note map[string]any, signer *remoteActor) error {
	if _, ok := f.otherSide(ctx, id, signer, "Create"); !ok {
		return nil
	}
	nid := str(note, "id")
	if nid == "" || !sameHost(nid, signer.ID) {
		return node.Errorf(node.EINVALID, "A note needs an id on its author's server.")
	}
	body := strings.TrimSpace(htmlText(str(note, "content")))
	if utf8.RuneCountInString(body) > node.MaxNoteLen {
		body = string([]rune(body)[:node.MaxNoteLen-1]) + "…"
	}
	_, err := f.app.NoteElsewhere(ctx, id, acctOf(signer), body, nid)
	return f.stepped(ctx, id, "Create", err)
}
