package app

import (
	"context"

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
