package app

import (
	"context"
	"database/sql"
	"strings"

	"github.com/shiji-market/shiji/node"
)

// Federator tells the rest of the world (the fediverse) about changes to the
// market. It must not fail the user's action: implementations log their own
// errors and return quickly (the sending happens later).
type Federator interface {
	// ItemChanged is called after an item's change is stored; kind is
	// "create", "update" or "delete".
	ItemChanged(ctx context.Context, it *node.Item, kind string)
	// MessagePosted is called after a local account's message is stored in
	// c; messages in conversations with remote participants are sent to them.
	MessagePosted(ctx context.Context, c *node.Conversation, m *node.Message)
	// MessageChanged is called after a local account's message in c is
	// edited (kind "update") or deleted ("delete", m is then the tombstone);
	// whoever was sent the message is sent the change. Never called for
	// messages taken in from elsewhere.
	MessageChanged(ctx context.Context, c *node.Conversation, m *node.Message, kind string)
}

// itemChanged tells the Federator, when there is one, that it changed.
func (a *App) itemChanged(ctx context.Context, it *node.Item, kind string) {
	if a.Fed != nil && it != nil {
		a.Fed.ItemChanged(context.WithoutCancel(ctx), it, kind)
	}
}

// messageChanged tells the Federator, when there is one, that a message
// written here was edited or deleted. Messages by remote authors (no local
// author) are theirs to change: they are never sent on.
func (a *App) messageChanged(ctx context.Context, c *node.Conversation, m *node.Message, kind string) {
	if a.Fed != nil && c != nil && m != nil && (m.Author != 0 || c.Kind == node.Group) { // a room's moderators delete for everyone
		a.Fed.MessageChanged(context.WithoutCancel(ctx), c, m, kind)
	}
}

// RoomFederator opens group chats to other markets (FEP-1b12). The
// Federator implements it when it federates.
type RoomFederator interface {
	// RoomAcct is the address of group chat id as a Group actor, room-ID@host.
	RoomAcct(id node.ConversationID) string
	// RemoveFromRoom removes a member elsewhere (user@host or actor IRI) from
	// group chat c, which is opened to other markets; ENOTFOUND when they are
	// not one.
	RemoveFromRoom(ctx context.Context, c *node.Conversation, who string) error
	// ReadmitToRoom lifts the removal of a member elsewhere (user@host or
	// actor IRI) of group chat c: they may follow it again. ENOTFOUND when
	// they never were a member, ECONFLICT when they were not removed.
	ReadmitToRoom(ctx context.Context, c *node.Conversation, who string) error
}

// rooms returns the federation layer's group chats, or EUNSUPPORTED.
func (a *App) rooms() (RoomFederator, error) {
	if rf, ok := a.Fed.(RoomFederator); ok {
		return rf, nil
	}
	return nil, node.Errorf(node.EUNSUPPORTED, "This node does not federate.")
}

// RoomAcct is group chat c's address elsewhere when it is opened to other
// markets ("" otherwise).
func (a *App) RoomAcct(c *node.Conversation) string {
	rf, err := a.rooms()
	if err != nil || c == nil || !c.Federated {
		return ""
	}
	return rf.RoomAcct(c.ID)
}

// FederateRoom opens group chat id to other markets (on true; false closes
// it to new members elsewhere): its owner only. Errors: EUNAUTHORIZED,
// ENOTFOUND, EFORBIDDEN (not the owner), EINVALID (not a group chat, or one
// that mirrors a room elsewhere), EUNSUPPORTED (no federation).
func (a *App) FederateRoom(ctx context.Context, acc *node.Account, id node.ConversationID, on bool) (*node.Conversation, error) {
	c, err := a.ReadConversation(ctx, acc, id)
	if err != nil {
		return nil, err
	}
	switch {
	case c.Kind != node.Group || c.RoomElsewhere != "":
		return nil, node.Errorf(node.EINVALID, "Only a group chat of this market can be opened to other markets.")
	case c.Role != "owner":
		return nil, node.Errorf(node.EFORBIDDEN, "Only the group chat's owner opens it to other markets.")
	}
	if _, err := a.rooms(); err != nil {
		return nil, err
	}
	if err := a.DB.SetFederated(ctx, id, on); err != nil {
		return nil, err
	}
	return a.ReadConversation(ctx, acc, id)
}

// ActorDeleter is a Federator that tells other servers about deleted
// accounts.
type ActorDeleter interface {
	// DeleteActorsTx queues, in tx, the Delete of acc's Person and of the
	// Organizations of stalls (which close with the account) to every
	// server that knew them. It is called in the transaction that deletes
	// the account, before the account's data is removed.
	DeleteActorsTx(ctx context.Context, tx *sql.Tx, acc *node.Account, stalls []node.StallID) error
}

// Exporter is a Federator that renders a person's ActivityPub documents for
// their export.
type Exporter interface {
	// ExportActivityPub returns the Person (actor.json) and an
	// OrderedCollection of their public activities (outbox.json).
	ExportActivityPub(ctx context.Context, acc *node.Account) (actor, outbox []byte, err error)
}

// Mover is a Federator that moves stalls to other markets.
type Mover interface {
	// ResolveActor returns the actor IRI of an address elsewhere (name@host
	// or a URL), after fetching it.
	ResolveActor(ctx context.Context, address string) (string, error)
	// MoveStall moves st to the actor at address, which must name st as
	// one of its addresses (alsoKnownAs); it returns that actor's IRI.
	MoveStall(ctx context.Context, st *node.Stall, address string) (string, error)
}

// ReadmitMember lets a group chat's owner or moderators (or the market's)
// take back a member elsewhere they removed: the removal is lifted, and the
// person may join again by following the room (until then their messages
// are still refused). Errors: EFORBIDDEN (not a moderator of it), EINVALID
// (a name here: people here join by themselves), ENOTFOUND, ECONFLICT (not
// removed), EUNSUPPORTED.
func (a *App) ReadmitMember(ctx context.Context, acc *node.Account, id node.ConversationID, name string) error {
	c, err := a.ReadConversation(ctx, acc, id)
	if err != nil {
		return err
	}
	if !ModeratesConversation(acc, c) {
		return node.Errorf(node.EFORBIDDEN, "Only this group's owner and moderators can let people back in.")
	}
	if !strings.Contains(strings.TrimPrefix(name, "@"), "@") && !strings.HasPrefix(name, "http") {
		return node.Errorf(node.EINVALID, "Only members elsewhere (user@host) are let back in; people here join the group chat themselves.")
	}
	if !c.Federated {
		return node.Errorf(node.ENOTFOUND, "%s was never a member of this group chat.", name)
	}
	rf, err := a.rooms()
	if err != nil {
		return err
	}
	return rf.ReadmitToRoom(ctx, c, name)
}
