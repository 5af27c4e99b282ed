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
}

// itemChanged tells the Federator, when there is one, that it changed.
func (a *App) itemChanged(ctx context.Context, it *node.Item, kind string) {
	if a.Fed != nil && it != nil {
		a.Fed.ItemChanged(context.WithoutCancel(ctx), it, kind)
	}
}
