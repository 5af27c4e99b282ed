package federation

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
)

// Trades across markets (FEP-0837), the sending side. The buyer's node
// sends an Offer of an Agreement whose Commitment satisfies the item's
// Proposal (ITEM#primary, and ITEM#reciprocal for the price); the stall's
// node answers Accept (result: the Agreement, with its id) or Reject (with
// the reason in content). After that both sides send the Agreement's steps
// as Update{Agreement} (tradeStatus handed_over, completed, expired), a
// cancellation as Undo (of the Offer by the buyer, of the Accept by the
// stall), and thank-you notes as Create{Note} whose context is the
// Agreement. docs/federation.md describes it.

var _ app.TradeFederator = (*Federation)(nil)

// tradeLDContext is jsonLDContext with FEP-0837's Agreement terms and
// shiji's trade status.
func tradeLDContext() []any {
	c := jsonLDContext()
	terms := c[len(c)-1].(map[string]any)
	out := make(map[string]any, len(terms)+8)
	for k, v := range terms {
		out[k] = v
	}
	out["Agreement"] = "vf:Agreement"
	out["Commitment"] = "vf:Commitment"
	out["stipulates"] = "vf:stipulates"
	out["stipulatesReciprocal"] = "vf:stipulatesReciprocal"
	out["satisfies"] = map[string]any{"@id": "vf:satisfies", "@type": "@id"}
	out["tradeStatus"] = "shiji:tradeStatus"
	out["marketDay"] = "shiji:marketDay"
	out["reasonCode"] = "shiji:reasonCode"
	out["offer"] = map[string]any{"@id": "shiji:offer", "@type": "@id"}
	return append(c[:len(c)-1:len(c)-1], out)
}

// quantityJSON is an FEP-0837 resourceQuantity (numbers are strings).
func quantityJSON(n string) map[string]any {
	return map[string]any{"hasUnit": "one", "hasNumericalValue": n}
}

// agreementJSON is the Agreement of trade t on item itemIRI: the primary
// commitment (quantity) and, when a price is asked, the reciprocal one.
// id "" leaves it without an id (the Offer's Agreement, as in FEP-0837).
func agreementJSON(id, itemIRI string, quantity int, price *notePrice) map[string]any {
	a := map[string]any{"type": "Agreement",
		"stipulates": map[string]any{"type": "Commitment", "satisfies": itemIRI + "#primary",
			"resourceQuantity": quantityJSON(strconv.Itoa(quantity))}}
	if price != nil {
		a["stipulatesReciprocal"] = map[string]any{"type": "Commitment", "satisfies": itemIRI + "#reciprocal",
			"resourceQuantity": quantityJSON(price.Amount)}
	}
	if id != "" {
		a["id"] = id
		a["stipulates"].(map[string]any)["id"] = id + "#primary"
		if r, ok := a["stipulatesReciprocal"].(map[string]any); ok {
			r["id"] = id + "#reciprocal"
		}
	}
	return a
}

// ReserveElsewhere implements app.TradeFederator: it fetches the item (a
// Note or any object carrying an FEP-0837 Proposal, signed as the
// instance), stores acc's requested trade in acc's private chat with the
// stall, and queues the Offer to the stall. The stall's node answers.
func (f *Federation) ReserveElsewhere(ctx context.Context, acc *node.Account, item string, quantity int, message string) (*node.Trade, error) {
	target := strings.TrimSpace(item)
	if !strings.HasPrefix(target, "https://") && !strings.HasPrefix(target, "http://") {
		return nil, node.Errorf(node.EINVALID, "\"item\" must be the http(s) ActivityPub id of an item on another market.")
	}
	if f.u.localPath(target) != "" || strings.HasPrefix(target, f.u.base+"/") {
		return nil, node.Errorf(node.EINVALID, "That item is on this market; reserve it from its page here.")
	}
	if f.isBlocked(ctx, target) {
		return nil, node.Errorf(node.EFORBIDDEN, "The organiser has blocked %s.", hostOf(target))
	}
	obj, err := f.client.getJSON(ctx, target, "", keyInstance)
	if err != nil {
		f.log.Info("remote reservation: item unavailable", "item", target, "err", err)
		return nil, node.Errorf(node.ENOTFOUND, "Cannot fetch %s.", target)
	}
	id, author := str(obj, "id"), refOf(obj["attributedTo"])
	prop := proposalOf(obj["proposal"])
	if prop == nil {
		prop = proposalOf(obj["attachment"])
	}
	if str(obj, "type") == "Proposal" {
		prop = obj
	}
	if id == "" || author == "" || !sameHost(id, target) || !sameHost(author, id) {
		return nil, node.Errorf(node.EINVALID, "%s is not an item with a stall.", target)
	}
	if prop == nil || str(prop, "purpose") != "offer" {
		return nil, node.Errorf(node.EINVALID, "%s is not offered: it carries no FEP-0837 Proposal to reserve.", target)
	}
	facts := proposalFacts(prop)
	title := facts.Title
	if title == "" {
		title = truncate(htmlText(str(obj, "name")), 300)
	}
	if title == "" {
		title = target
	}
	stall, err := f.remoteActor(ctx, author, false)
	if err != nil {
		f.log.Info("remote reservation: stall unavailable", "actor", author, "err", err)
		return nil, node.Errorf(node.ENOTFOUND, "Cannot fetch the stall %s.", author)
	}
	pageURL := refOf(obj["url"])
	if pageURL == "" {
		pageURL = id
	}
	remote := node.TradeRemote{Actor: stall.ID, Name: acctOf(stall), Shown: stall.Name, ItemIRI: id, ItemURL: pageURL,
		Offer: f.u.activity(newToken())}
	t, err := f.app.NewTradeElsewhere(acc, title, facts.Available, quantity, message, remote)
	if err != nil {
		return nil, err
	}
	conv, err := f.privateChat(ctx, privateKey{actor: stall.ID, local: accountKey(acc.ID), chat: app.RemoteChat{Account: acc.ID}})
	if err != nil {
		return nil, err
	}
	offer := map[string]any{"@context": tradeLDContext(), "type": "Offer", "id": remote.Offer, "actor": f.u.person(acc.Name),
		"object": agreementJSON("", id, quantity, proposalPrice(prop)), "to": stall.ID, "published": f.now().UTC().Format(time.RFC3339)}
	if t.Message != "" {
		offer["content"] = string(f.md.HTML(t.Message))
	}
	body, err := json.Marshal(offer)
	if err != nil {
		return nil, err
	}
	if err := f.app.DB.CreateRemoteTrade(ctx, t, conv, f.app.Caps.OpenReservations); err != nil {
		return nil, err
	}
	if err := f.sendOne(ctx, accountKey(acc.ID), "offer", remote.Offer, body, stall); err != nil {
		return nil, err
	}
	return f.app.DB.Trade(ctx, t.ID)
}

// sendOne queues one activity, signed by the local actor key, to one remote actor.
func (f *Federation) sendOne(ctx context.Context, key, kind, activity string, body []byte, to *remoteActor) error {
	o := outgoing{actor: key, kind: kind, activity: activity, body: body, inboxes: []string{to.deliveryInbox()}}
	if err := f.db.Write(ctx, func(tx *sql.Tx) error { return f.enqueueTx(ctx, tx, o) }); err != nil {
		return err
	}
	f.kick()
	return nil
}

// tradeSides is who signs the activities of a trade here and whom they go to.
func (f *Federation) tradeSides(ctx context.Context, t *node.Trade) (key, actor string, to *remoteActor, err error) {
	switch t.Remote.Side {
	case node.RemoteBuyer:
		key, actor = stallKey(t.Stall), f.u.stall(t.Stall)
	case node.RemoteStall:
		key, actor = accountKey(t.Buyer), f.u.person(t.BuyerName)
	default:
		return "", "", nil, fmt.Errorf("federation: trade %d has no remote side", t.ID)
	}
	to, err = f.remoteActor(ctx, t.Remote.Actor, false)
	return key, actor, to, err
}

// TradeMoved implements app.TradeFederator: the step just taken here goes
// to the other side. On the stall's node: accepted → Accept{Offer} with
// the Agreement as result; declined → Reject{Offer}; handed over, completed
// and expired → Update{Agreement}; cancelled → Undo{Accept} (Undo{Offer}
// before it was accepted). On the buyer's node: completed (confirmed) →
// Update{Agreement}; cancelled → Undo{Offer}; expiry is the stall's node's
// to decide, so nothing is sent. Errors are logged.
func (f *Federation) TradeMoved(ctx context.Context, t *node.Trade) {
	if t.Remote == nil {
		return
	}
	if err := f.tradeMoved(ctx, t); err != nil {
		f.log.Error("cannot send a trade's step", "trade", t.ID, "status", t.Status, "err", err)
	}
}

func (f *Federation) tradeMoved(ctx context.Context, moved *node.Trade) error {
	t, err := f.db.Trade(ctx, moved.ID) // with all its steps
	if err != nil {
		return err
	}
	r := t.Remote
	seller := r.Side == node.RemoteBuyer
	if !seller && (t.Status == node.TradeExpired || t.Status == node.TradeAccepted || t.Status == node.TradeHandedOver || t.Status == node.TradeDeclined) {
		return nil // the stall's node's steps: they came from there
	}
	key, actor, to, err := f.tradeSides(ctx, t)
	if err != nil {
		return err
	}
	itemIRI := r.ItemIRI
	if seller {
		itemIRI = f.u.item(t.Item)
	}
	doc := map[string]any{"@context": tradeLDContext(), "actor": actor, "to": to.ID, "published": f.now().UTC().Format(time.RFC3339)}
	kind := ""
	switch {
	case seller && t.Status == node.TradeAccepted:
		if r.Agreement == "" {
			return fmt.Errorf("federation: trade %d accepted without an agreement id", t.ID)
		}
		kind = "accept"
		doc["type"], doc["id"], doc["object"] = "Accept", r.Agreement+"#accept", r.Offer
		doc["result"] = f.agreementState(t, itemIRI)
	case seller && t.Status == node.TradeDeclined:
		kind = "reject"
		doc["type"], doc["id"], doc["object"], doc["content"] = "Reject", f.u.activity(newToken()), r.Offer, t.Reason
		if t.ReasonCode != "" {
			doc["reasonCode"] = t.ReasonCode // the buyer's node shows it in its reader's language
		}
	case t.Status == node.TradeCancelled:
		kind = "undo"
		doc["type"], doc["id"] = "Undo", f.u.activity(newToken())
		doc["content"] = t.Reason
		if seller && accepted(t) {
			doc["object"] = map[string]any{"type": "Accept", "id": r.Agreement + "#accept", "actor": actor, "object": r.Offer}
		} else {
			doc["object"] = map[string]any{"type": "Offer", "id": r.Offer}
		}
	case r.Agreement != "" && (t.Status == node.TradeHandedOver || t.Status == node.TradeCompleted || t.Status == node.TradeExpired):
		kind = "update"
		doc["type"], doc["id"], doc["object"] = "Update", f.u.activity(newToken()), f.agreementState(t, itemIRI)
	default:
		return nil // nothing the other side needs (an expiry before any agreement is theirs to see)
	}
	body, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	return f.sendOne(ctx, key, kind, str(doc, "id"), body, to)
}

// agreementState is the Agreement of an accepted trade with where it is:
// tradeStatus, and its market day (marketDay, startTime, endTime).
func (f *Federation) agreementState(t *node.Trade, itemIRI string) map[string]any {
	a := agreementJSON(t.Remote.Agreement, itemIRI, t.Quantity, nil)
	if t.Remote.Side == node.RemoteBuyer {
		a["attributedTo"] = f.u.stall(t.Stall)
	} else {
		a["attributedTo"] = t.Remote.Actor
	}
	a["tradeStatus"] = string(t.Status)
	a["offer"] = t.Remote.Offer
	if t.Day != "" {
		a["marketDay"] = t.Day
		a["startTime"] = t.StartsAt.UTC().Format(time.RFC3339)
		a["endTime"] = t.ClosesAt.UTC().Format(time.RFC3339)
	}
	return a
}

// NoteLeft implements app.TradeFederator: a thank-you note left here on a
// trade across markets goes to the other side as Create{Note} whose context
// is the Agreement (the note is public: it shows on the stall's page).
func (f *Federation) NoteLeft(ctx context.Context, t *node.Trade, n *node.Note) {
	if err := f.noteLeft(ctx, t, n); err != nil {
		f.log.Error("cannot send a thank-you note", "trade", t.ID, "note", n.ID, "err", err)
	}
}

func (f *Federation) noteLeft(ctx context.Context, t *node.Trade, n *node.Note) error {
	if t.Remote == nil || t.Remote.Agreement == "" {
		return nil
	}
	key, _, to, err := f.tradeSides(ctx, t)
	if err != nil {
		return err
	}
	author := f.u.person(n.AuthorName)
	if n.Side == node.NoteFromStall {
		key, author = stallKey(t.Stall), f.u.stall(t.Stall)
	}
	id := f.u.base + "/trades/" + strconv.FormatInt(int64(t.ID), 10) + "/notes/" + strconv.FormatInt(n.ID, 10)
	at := n.CreatedAt.UTC().Format(time.RFC3339)
	doc := map[string]any{"@context": tradeLDContext(), "type": "Create", "id": id + "#create", "actor": author,
		"to": []any{to.ID}, "cc": []any{publicIRI}, "published": at,
		"object": map[string]any{"type": "Note", "id": id, "attributedTo": author, "context": t.Remote.Agreement,
			"content": string(f.md.HTML(n.Body)), "mediaType": "text/html", "to": []any{to.ID}, "cc": []any{publicIRI}, "published": at}}
	body, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	return f.sendOne(ctx, key, "create", str(doc, "id"), body, to)
}

// accepted reports whether the stall accepted t at some step.
func accepted(t *node.Trade) bool {
	for _, ev := range t.Events {
		if ev.Status == node.TradeAccepted {
			return true
		}
	}
	return false
}

// offerRefused is called when a delivery of outbox row id failed for good:
// when it was an Offer (the stall's market refused it: it blocks us, or
// answers 4xx), the reservation still waiting for its answer is declined
// here with node.RefusedReason, so that the buyer is not left waiting.
func (f *Federation) offerRefused(ctx context.Context, outbox int64) {
	var kind, activity string
	if err := f.db.Read().QueryRowContext(ctx, `SELECT kind, activity FROM ap_outbox WHERE id = ?`, outbox).Scan(&kind, &activity); err != nil || kind != "offer" {
		return
	}
	id, ok := f.tradeOf(ctx, activity)
	if !ok {
		return
	}
	t, err := f.db.Trade(ctx, id)
	if err != nil || t.Remote == nil || t.Remote.Side != node.RemoteStall || t.Status != node.TradeRequested {
		return
	}
	_, err = f.app.StepElsewhere(ctx, id, t.Remote.Name, func(t *node.Trade, now time.Time) error {
		t.Refused(now) // answered meanwhile: nothing changes
		return nil
	})
	if err := f.stepped(ctx, id, "offer refused", err); err != nil {
		f.log.Error("cannot decline a refused reservation", "trade", id, "err", err)
	}
}
