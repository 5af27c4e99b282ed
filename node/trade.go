package node

import (
	"strings"
	"time"
	"unicode/utf8"
)

// TradeID identifies a trade (交易).
type TradeID int64

// TradeStatus is where a trade is: requested → accepted → handed_over →
// completed, or declined, cancelled or expired.
type TradeStatus string

// Trade statuses.
const (
	TradeRequested  TradeStatus = "requested"   // the resident asked; the stall has not answered
	TradeAccepted   TradeStatus = "accepted"    // the stall holds the quantity until the market day closes
	TradeHandedOver TradeStatus = "handed_over" // the stall says it handed the item over
	TradeCompleted  TradeStatus = "completed"   // the resident confirmed (or the grace after the day passed)
	TradeDeclined   TradeStatus = "declined"    // the stall said no, with a reason
	TradeCancelled  TradeStatus = "cancelled"   // either side called it off, with a reason
	TradeExpired    TradeStatus = "expired"     // nobody came: the day and its grace passed
)

// TradeStatuses lists every status in the order of a trade's life.
var TradeStatuses = []TradeStatus{TradeRequested, TradeAccepted, TradeHandedOver, TradeCompleted, TradeDeclined, TradeCancelled, TradeExpired}

// Open reports whether a trade in this status can still change.
func (s TradeStatus) Open() bool {
	return s == TradeRequested || s == TradeAccepted || s == TradeHandedOver
}

// Holds reports whether a trade in this status holds its quantity of the item.
func (s TradeStatus) Holds() bool { return s == TradeAccepted || s == TradeHandedOver }

// Limits on trades and notes.
const (
	MaxTradeMessageLen = 500
	MaxReasonLen       = 500
	MaxNoteLen         = 500
	// MaxRemoteWait is how long a reservation of an item on another market
	// waits for the stall's answer before it expires here (its market day
	// is known once the stall accepts).
	MaxRemoteWait = 60 * 24 * time.Hour
	// SoldOutReason is why a request is declined when another reservation
	// took what was left of the item (Trade.SoldOut), in English; its code
	// is ReasonSoldOut, which readers see in their own language.
	SoldOutReason = "Sold to someone else: what is left of this item is held for another reservation."
	// ReasonSoldOut is SoldOutReason's stable code (Trade.ReasonCode).
	ReasonSoldOut = "sold_out"
	// RefusedReason is why a reservation of an item on another market is
	// declined when that market refuses the Offer outright (it blocks this
	// one, or the Offer cannot be delivered): Trade.Refused. Its code is
	// ReasonRefused.
	RefusedReason = "The stall's market did not take this reservation."
	// ReasonRefused is RefusedReason's stable code (Trade.ReasonCode).
	ReasonRefused = "refused"
	// DefaultTradeGrace is how long after its market day closes an open
	// trade expires (SHIJI_TRADE_GRACE changes it).
	DefaultTradeGrace = 24 * time.Hour
)

// Trade is a resident's reservation of an item for a market day, and what
// became of it.
type Trade struct {
	ID           TradeID
	Item         ItemID
	Stall        StallID
	Buyer        AccountID
	Quantity     int
	Day          string    // the market day, YYYY-MM-DD in the market's zone
	StartsAt     time.Time // when that market day opens
	ClosesAt     time.Time // when it closes; the hold ends then (plus the grace)
	Message      string
	Status       TradeStatus
	Reason       string // why it was declined or cancelled
	ReasonCode   string // the reason's code when the market gave it (ReasonSoldOut), else ""
	Conversation ConversationID
	CreatedAt    time.Time
	UpdatedAt    time.Time
	Events       []TradeEvent // its steps, oldest first

	// Remote is the side of the trade that is on another node (FEP-0837);
	// nil for a trade between two people of this market.
	Remote *TradeRemote

	// Filled when loaded, for showing the trade.
	ItemTitle  string
	StallName  string
	BuyerName  string
	BuyerShown string
	Notes      []Note
}

// TradeSide names a side of a trade that is on another node.
type TradeSide string

// The sides of a trade across markets.
const (
	RemoteBuyer TradeSide = "buyer" // the buyer is elsewhere: this node holds the stall (and the authority on quantity)
	RemoteStall TradeSide = "stall" // the item and its stall are elsewhere: this node holds the buyer
)

// TradeRemote is the other side of a trade across markets. On the stall's
// node (Side RemoteBuyer) Buyer is 0 and Actor is the buyer's Person; on
// the buyer's node (Side RemoteStall) Item and Stall are 0 and Actor is the
// stall's actor, ItemIRI the item. The steps are the same as at home: the
// stall's node accepts, declines, hands over and lets expire; the buyer's
// node confirms; either cancels. A step taken elsewhere is applied here
// with by 0 (and isHolder true when the stall took it).
type TradeRemote struct {
	Side      TradeSide
	Actor     string // the other side's actor IRI
	Name      string // its address, user@host
	Shown     string // its display name
	ItemIRI   string // the item's ActivityPub id (Side RemoteStall)
	ItemURL   string // its page on its market
	Offer     string // the FEP-0837 Offer's id
	Agreement string // the Agreement's id, once accepted
}

// TradeEvent is one step of a trade: who moved it to which status, when.
type TradeEvent struct {
	Status     TradeStatus
	Actor      AccountID // 0: the market itself (expiry), or the other side when it is elsewhere (ActorName)
	ActorName  string
	Reason     string
	ReasonCode string // as Trade.ReasonCode
	At         time.Time
}

// ExpiresAt is when an open trade expires with the given grace.
func (t *Trade) ExpiresAt(grace time.Duration) time.Time { return t.ClosesAt.Add(grace) }

// CanReserve checks that quantity of it can be asked for now: the item is on
// the table and that many are not held for others. ECONFLICT otherwise,
// EINVALID for a quantity below one.
func (it *Item) CanReserve(quantity int) error {
	switch {
	case quantity < 1:
		return Errorf(EINVALID, "Reserve at least one.")
	case quantity > MaxQuantity:
		return Errorf(EINVALID, "The quantity may be at most %d.", MaxQuantity)
	case it.Status == ItemWithdrawn:
		return Errorf(ECONFLICT, "This item has been taken off the table; it cannot be reserved.")
	case it.Status == ItemGone:
		return Errorf(ECONFLICT, "This item is gone; it cannot be reserved.")
	case it.Available() == 0:
		return Errorf(ECONFLICT, "All of this item are held for other reservations.")
	case quantity > it.Available():
		return Errorf(ECONFLICT, "Only %d of this item can still be reserved; you asked for %d.", it.Available(), quantity)
	}
	return nil
}

// Available is how many of the item are not held by accepted trades.
func (it *Item) Available() int { return max(0, it.Quantity-it.Held) }

// NewTrade makes a requested trade: buyer reserves quantity of it for day,
// at now. isHolder says whether buyer holds the item's stall (not allowed).
// Errors: EFORBIDDEN, EINVALID, ECONFLICT.
func NewTrade(buyer AccountID, isHolder bool, it *Item, quantity int, day MarketDay, message string, now time.Time) (*Trade, error) {
	if isHolder {
		return nil, Errorf(EFORBIDDEN, "You cannot reserve from your own stall.")
	}
	if err := it.CanReserve(quantity); err != nil {
		return nil, err
	}
	if day.Cancelled {
		return nil, Errorf(EINVALID, "The market day on %s has been cancelled.", day.Date)
	}
	if day.Over(now) {
		return nil, Errorf(EINVALID, "The market day on %s is over; choose an upcoming one.", day.Date)
	}
	message = strings.TrimSpace(message)
	if n := utf8.RuneCountInString(message); n > MaxTradeMessageLen {
		return nil, Errorf(EINVALID, "A message may be at most %d characters long (this one has %d).", MaxTradeMessageLen, n)
	}
	t := &Trade{Item: it.ID, Stall: it.Stall, Buyer: buyer, Quantity: quantity, Day: day.Date, StartsAt: day.Start,
		ClosesAt: day.End, Message: message, ItemTitle: it.Title, StallName: it.StallName}
	t.move(TradeRequested, buyer, "", now)
	t.CreatedAt = t.UpdatedAt
	return t, nil
}

// move records a step.
func (t *Trade) move(to TradeStatus, by AccountID, reason string, now time.Time) {
	t.Status, t.UpdatedAt = to, now
	if reason != "" {
		t.Reason, t.ReasonCode = reason, ""
	}
	t.Events = append(t.Events, TradeEvent{Status: to, Actor: by, Reason: reason, At: now})
}

// LastEvent is the trade's latest step.
func (t *Trade) LastEvent() TradeEvent {
	if len(t.Events) == 0 {
		return TradeEvent{Status: t.Status, At: t.UpdatedAt}
	}
	return t.Events[len(t.Events)-1]
}

// stateWords says what happened to a trade, for error messages.
func (s TradeStatus) stateWords() Word {
	english := map[TradeStatus]string{
		TradeRequested:  "still waiting for the stall's answer",
		TradeAccepted:   "already accepted",
		TradeHandedOver: "already handed over",
		TradeCompleted:  "already completed",
		TradeDeclined:   "declined",
		TradeCancelled:  "cancelled",
		TradeExpired:    "expired",
	}[s]
	if english == "" {
		english = string(s)
	}
	return Word{ID: "word.trade." + string(s), English: english}
}

func validateReason(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	switch n := utf8.RuneCountInString(reason); {
	case n == 0:
		return "", Errorf(EINVALID, "Say why, in a few words (\"reason\").")
	case n > MaxReasonLen:
		return "", Errorf(EINVALID, "A reason may be at most %d characters long (this one has %d).", MaxReasonLen, n)
	}
	return reason, nil
}

// Accept is the stall accepting a requested trade: the quantity is held
// until the market day closes. isHolder says whether by holds the stall.
// Errors: EFORBIDDEN (not the stall, or the resident's own request),
// ECONFLICT (not requested, or the day is over). Whether enough of the item
// is left is checked by the store in the same transaction.
func (t *Trade) Accept(by AccountID, isHolder bool, now time.Time) error {
	switch {
	case !isHolder && by == t.Buyer:
		return Errorf(EFORBIDDEN, "You cannot accept your own reservation: the stall does.")
	case !isHolder:
		return Errorf(EFORBIDDEN, "Only the stall's stallholders can accept a reservation.")
	case t.Status == TradeDeclined && t.ReasonCode == ReasonSoldOut:
		return Errorf(ECONFLICT, "Not enough left: another reservation took what was left, and this one was declined.")
	case t.Status != TradeRequested:
		return Errorf(ECONFLICT, "This reservation is %s; only a requested one can be accepted.", t.Status.stateWords())
	case !now.Before(t.ClosesAt):
		return Errorf(ECONFLICT, "The market day %s is over; this reservation can no longer be accepted.", t.Day)
	}
	t.move(TradeAccepted, by, "", now)
	return nil
}

// Decline is the stall saying no to a requested trade, with a reason.
// Errors: EFORBIDDEN, ECONFLICT, EINVALID (no reason).
func (t *Trade) Decline(by AccountID, isHolder bool, reason string, now time.Time) error {
	if !isHolder {
		return Errorf(EFORBIDDEN, "Only the stall's stallholders can decline a reservation.")
	}
	if t.Status != TradeRequested {
		return Errorf(ECONFLICT, "This reservation is %s; only a requested one can be declined.", t.Status.stateWords())
	}
	reason, err := validateReason(reason)
	if err != nil {
		return err
	}
	t.move(TradeDeclined, by, reason, now)
	return nil
}

// HandOver is the stall marking an accepted trade handed over (usually at
// the stall on the market day). Errors: EFORBIDDEN, ECONFLICT.
func (t *Trade) HandOver(by AccountID, isHolder bool, now time.Time) error {
	switch {
	case !isHolder:
		return Errorf(EFORBIDDEN, "Only the stall's stallholders can mark a reservation handed over.")
	case t.Status == TradeRequested:
		return Errorf(ECONFLICT, "Accept the reservation before handing it over.")
	case t.Status != TradeAccepted:
		return Errorf(ECONFLICT, "This reservation is %s; only an accepted one can be handed over.", t.Status.stateWords())
	}
	t.move(TradeHandedOver, by, "", now)
	return nil
}

// Confirm is the resident confirming the hand-over, which completes the
// trade. Errors: EFORBIDDEN (not the resident), ECONFLICT (not handed over).
func (t *Trade) Confirm(by AccountID, now time.Time) error {
	switch {
	case by != t.Buyer:
		return Errorf(EFORBIDDEN, "Only the person who reserved it confirms the hand-over.")
	case t.Status == TradeRequested || t.Status == TradeAccepted:
		return Errorf(ECONFLICT, "The stall has not marked it handed over yet; confirm once you have it.")
	case t.Status != TradeHandedOver:
		return Errorf(ECONFLICT, "This reservation is %s; there is nothing to confirm.", t.Status.stateWords())
	}
	t.move(TradeCompleted, by, "", now)
	return nil
}

// Cancel is either side calling a requested or accepted trade off, with a
// reason, before its market day is over. Errors: EFORBIDDEN, ECONFLICT, EINVALID.
func (t *Trade) Cancel(by AccountID, isHolder bool, reason string, now time.Time) error {
	switch {
	case by != t.Buyer && !isHolder:
		return Errorf(EFORBIDDEN, "Only the person who reserved it and the stall can cancel a reservation.")
	case t.Status == TradeHandedOver:
		return Errorf(ECONFLICT, "It has been handed over already; it can no longer be cancelled.")
	case t.Status != TradeRequested && t.Status != TradeAccepted:
		return Errorf(ECONFLICT, "This reservation is %s; it can no longer be cancelled.", t.Status.stateWords())
	case !now.Before(t.ClosesAt):
		return Errorf(ECONFLICT, "The market day %s is over; the reservation will expire by itself.", t.Day)
	}
	reason, err := validateReason(reason)
	if err != nil {
		return err
	}
	t.move(TradeCancelled, by, reason, now)
	return nil
}

// Expire ends an open trade whose market day closed more than grace ago: a
// requested or accepted one expires (its hold is released); one handed over
// but never confirmed is completed. It returns false (and changes nothing)
// when the trade is not due.
func (t *Trade) Expire(now time.Time, grace time.Duration) bool {
	if !t.Status.Open() || now.Before(t.ExpiresAt(grace)) {
		return false
	}
	if t.Status == TradeHandedOver {
		t.move(TradeCompleted, 0, "", now)
	} else {
		t.move(TradeExpired, 0, "", now)
	}
	return true
}

// NoteSide says who wrote a thank-you note: the resident (about the stall)
// or the stall (about the resident).
type NoteSide string

// Note sides.
const (
	NoteFromBuyer NoteSide = "buyer"
	NoteFromStall NoteSide = "stall"
)

// Note is a short public thank-you note left after a completed trade. No
// stars, no scores: a warm trace the market leaves.
type Note struct {
	ID        int64
	Trade     TradeID
	Side      NoteSide
	Author    AccountID
	Body      string
	CreatedAt time.Time
	APID      string // its ActivityPub id, on a trade across markets ("" otherwise)

	// Filled when loaded, for showing (AuthorName is also stored for a note
	// written elsewhere, whose Author is 0).
	AuthorName  string
	AuthorShown string
	Stall       StallID
	StallName   string
	Buyer       AccountID
	BuyerName   string
	Item        ItemID
	ItemTitle   string
}

// NewNote makes by's thank-you note on t. isHolder says whether by holds
// the trade's stall. Errors: EFORBIDDEN (not a side of the trade),
// ECONFLICT (not completed), EINVALID (empty or too long). One note per side
// is the store's to enforce.
func (t *Trade) NewNote(by AccountID, isHolder bool, body string, now time.Time) (*Note, error) {
	var side NoteSide
	switch {
	case by == t.Buyer:
		side = NoteFromBuyer
	case isHolder:
		side = NoteFromStall
	default:
		return nil, Errorf(EFORBIDDEN, "Only the two sides of a trade leave notes on it.")
	}
	if t.Status != TradeCompleted {
		return nil, Errorf(ECONFLICT, "Thank-you notes come after the hand-over is confirmed (this reservation is %s).", t.Status.stateWords())
	}
	body = strings.TrimSpace(body)
	switch n := utf8.RuneCountInString(body); {
	case n == 0:
		return nil, Errorf(EINVALID, "The note is empty: a few warm words are enough.")
	case n > MaxNoteLen:
		return nil, Errorf(EINVALID, "A note may be at most %d characters long (this one has %d).", MaxNoteLen, n)
	}
	return &Note{Trade: t.ID, Side: side, Author: by, Body: body, CreatedAt: now}, nil
}

// EndedElsewhere applies, on the buyer's node, the end the stall's node
// reports for a trade across markets when nobody came or confirmed in time:
// a requested or accepted trade expired, a handed-over one completed (as
// Expire does at home; the stall's node is the authority on its market day).
// Errors: EFORBIDDEN (not a trade whose stall is elsewhere), ECONFLICT (not
// open, or an end that does not follow from its status).
func (t *Trade) EndedElsewhere(to TradeStatus, now time.Time) error {
	switch {
	case t.Remote == nil || t.Remote.Side != RemoteStall:
		return Errorf(EFORBIDDEN, "Only the stall's market ends this reservation.")
	case !t.Status.Open():
		return Errorf(ECONFLICT, "This reservation is %s; it cannot change any more.", t.Status.stateWords())
	case to == TradeExpired && t.Status != TradeHandedOver, to == TradeCompleted && t.Status == TradeHandedOver:
	default:
		return Errorf(ECONFLICT, "This reservation is %s; it cannot become %s.", t.Status.stateWords(), to.stateWords())
	}
	t.move(to, 0, "", now)
	return nil
}

// SoldOut declines a requested trade for the market itself, with
// SoldOutReason, once another reservation holds what was left of the item.
// It returns false (and changes nothing) when the trade is not requested.
func (t *Trade) SoldOut(now time.Time) bool {
	return t.declineFor(ReasonSoldOut, SoldOutReason, now)
}

// Refused declines a requested reservation of an item on another market
// for the market itself, with RefusedReason, when that market refused its
// Offer for good. It returns false (and changes nothing) when the trade is
// not requested.
func (t *Trade) Refused(now time.Time) bool {
	return t.declineFor(ReasonRefused, RefusedReason, now)
}

// declineFor declines a requested trade for the market itself, with the
// reason's code and its English words.
func (t *Trade) declineFor(code, reason string, now time.Time) bool {
	if t.Status != TradeRequested {
		return false
	}
	t.move(TradeDeclined, 0, reason, now)
	t.ReasonCode = code
	t.Events[len(t.Events)-1].ReasonCode = code
	return true
}
