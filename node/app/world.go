package app

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/shiji-market/shiji/node"
)

// The world market (世界市集): links with markets elsewhere, kept by the
// federation layer (WorldLinker), and the world stroll over this market and
// the catalogue of the linked ones (world_stroll.go).

// WorldLinker is the federation layer's side of market links. Without
// federation the use cases answer EUNSUPPORTED.
type WorldLinker interface {
	// Link links this market with the market at address (market@host or
	// its actor's URL); created is false when the link existed.
	Link(ctx context.Context, by *node.Account, address string) (l *node.MarketLink, created bool, err error)
	// Unlink ends a link; its items leave the catalogue.
	Unlink(ctx context.Context, id node.LinkID) error
	// BlockLink ends a link and blocks the market's server.
	BlockLink(ctx context.Context, id node.LinkID, reason string, by node.AccountID) (*node.Block, error)
}

func (a *App) linker() (WorldLinker, error) {
	if l, ok := a.Fed.(WorldLinker); ok {
		return l, nil
	}
	return nil, node.Errorf(node.EUNSUPPORTED, "This node does not federate, so it cannot link with other markets.")
}

// mayLink: the organiser decides which markets to link with.
func mayLink(acc *node.Account) error {
	switch {
	case acc == nil:
		return node.Errorf(node.EUNAUTHORIZED, "Please log in first.")
	case acc.Role != node.RoleOrganiser:
		return node.Errorf(node.EFORBIDDEN, "Only the organiser links this market with other markets.")
	}
	return nil
}

// LinkMarket links this market with another by its address (organiser
// only): EINVALID for a malformed or local address or one that is not a
// market, ENOTFOUND when nobody answers there, EFORBIDDEN for others and
// for a blocked server.
func (a *App) LinkMarket(ctx context.Context, acc *node.Account, address string) (*node.MarketLink, bool, error) {
	if err := mayLink(acc); err != nil {
		return nil, false, err
	}
	address = strings.TrimSpace(address)
	if utf8.RuneCountInString(address) > 500 {
		return nil, false, node.Errorf(node.EINVALID, "That address is too long.")
	}
	l, err := a.linker()
	if err != nil {
		return nil, false, err
	}
	return l.Link(ctx, acc, address)
}

// UnlinkMarket ends a link (organiser only); ENOTFOUND for an unknown one.
func (a *App) UnlinkMarket(ctx context.Context, acc *node.Account, id node.LinkID) error {
	if err := mayLink(acc); err != nil {
		return err
	}
	l, err := a.linker()
	if err != nil {
		return err
	}
	return l.Unlink(ctx, id)
}

// BlockMarket ends a link and blocks the market's server (organiser only;
// a reason up to node.MaxBlockReasonLen characters).
func (a *App) BlockMarket(ctx context.Context, acc *node.Account, id node.LinkID, reason string) (*node.Block, error) {
	if err := mayLink(acc); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) > node.MaxBlockReasonLen {
		return nil, node.Errorf(node.EINVALID, "Keep the reason under %d characters.", node.MaxBlockReasonLen)
	}
	l, err := a.linker()
	if err != nil {
		return nil, err
	}
	if _, err := a.DB.MarketLink(ctx, id); err != nil {
		return nil, err
	}
	return l.BlockLink(ctx, id, reason, acc.ID)
}

// MarketLinks lists the market's links, with their next market day and,
// for acc (nil: nobody), whether acc hides each from their strolls.
func (a *App) MarketLinks(ctx context.Context, acc *node.Account) ([]*node.MarketLink, error) {
	var id node.AccountID
	if acc != nil {
		id = acc.ID
	}
	return a.DB.MarketLinks(ctx, id, a.Now())
}

// MarketLink returns one link; ENOTFOUND when there is none.
func (a *App) MarketLink(ctx context.Context, id node.LinkID) (*node.MarketLink, error) {
	return a.DB.MarketLink(ctx, id)
}

// HideMarket keeps a linked market out of acc's own strolls (hidden) or
// lets it back in; ENOTFOUND for an unknown link.
func (a *App) HideMarket(ctx context.Context, acc *node.Account, id node.LinkID, hidden bool) error {
	if acc == nil {
		return node.Errorf(node.EUNAUTHORIZED, "Please log in first.")
	}
	return a.DB.SetLinkHidden(ctx, acc.ID, id, hidden)
}

// LinkedDays is the coming market days of the linked markets, soonest
// first (limit 1 to 500).
func (a *App) LinkedDays(ctx context.Context, limit int) ([]*node.RemoteEvent, error) {
	if limit < 1 || limit > 500 {
		return nil, node.Errorf(node.EINVALID, "Show 1 to 500 market days at a time.")
	}
	return a.DB.WorldDays(ctx, a.Now(), limit)
}

// Federates reports whether this node federates (links, follows elsewhere).
func (a *App) Federates() bool {
	_, ok := a.Fed.(Fediverse)
	return ok
}
