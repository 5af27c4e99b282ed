package app

import (
	"context"
	"database/sql"

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
	if a.Fed != nil && c != nil && m != nil && m.Author != 0 {
		a.Fed.MessageChanged(context.WithoutCancel(ctx), c, m, kind)
	}
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
