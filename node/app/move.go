package app

import (
	"context"

	"github.com/shiji-market/shiji/node"
)

// stillHere is ECONFLICT for a stall that moved away or closed: it cannot
// be changed here any more.
func stillHere(s *node.Stall) error {
	switch {
	case s.MovedTo != "":
		return node.Errorf(node.ECONFLICT, "This stall has moved to another market (%s); change it there.", s.MovedTo)
	case s.Gone:
		return node.Errorf(node.EGONE, "This stall has closed.")
	}
	return nil
}

// movableStall loads a stall only its own stallholders may move or give
// other addresses (not moderators: moving is the stall's own decision).
func (a *App) movableStall(ctx context.Context, acc *node.Account, id node.StallID) (*node.Stall, Mover, error) {
	if acc == nil {
		return nil, nil, node.Errorf(node.EUNAUTHORIZED, "Please log in first.")
	}
	s, err := a.DB.Stall(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if !s.HeldBy(acc.ID) {
		return nil, nil, node.Errorf(node.EFORBIDDEN, "Only this stall's stallholders can move it.")
	}
	if err := stillHere(s); err != nil {
		return nil, nil, err
	}
	m, ok := a.Fed.(Mover)
	if !ok {
		return nil, nil, node.Errorf(node.EUNSUPPORTED, "This node does not federate: stalls cannot move to other markets.")
	}
	return s, m, nil
}

// AddStallAlias names the actor at address (the stall's old actor on
// another market, as name@host or URL) as the stall's other address
// (alsoKnownAs), so that the old market may move the stall here.
// ECONFLICT when it is named already; EINVALID past five.
func (a *App) AddStallAlias(ctx context.Context, acc *node.Account, id node.StallID, address string) (*node.Stall, error) {
	s, m, err := a.movableStall(ctx, acc, id)
	if err != nil {
		return nil, err
	}
	actor, err := m.ResolveActor(ctx, address)
	if err != nil {
		return nil, err
	}
	for _, x := range s.AlsoKnownAs {
		if x == actor {
			return nil, node.Errorf(node.ECONFLICT, "%s is one of this stall's addresses already.", actor)
		}
	}
	if err := a.DB.SetStallAliases(ctx, id, append(s.AlsoKnownAs, actor)); err != nil {
		return nil, err
	}
	return a.DB.Stall(ctx, id)
}

// RemoveStallAlias forgets one of the stall's other addresses (ENOTFOUND
// when it is not one).
func (a *App) RemoveStallAlias(ctx context.Context, acc *node.Account, id node.StallID, actor string) (*node.Stall, error) {
	s, _, err := a.movableStall(ctx, acc, id)
	if err != nil {
		return nil, err
	}
	var keep []string
	for _, x := range s.AlsoKnownAs {
		if x != actor {
			keep = append(keep, x)
		}
	}
	if len(keep) == len(s.AlsoKnownAs) {
		return nil, node.Errorf(node.ENOTFOUND, "%s is not one of this stall's addresses.", actor)
	}
	if err := a.DB.SetStallAliases(ctx, id, keep); err != nil {
		return nil, err
	}
	return a.DB.Stall(ctx, id)
}

// MoveStall moves the stall to the actor at address on another market (the
// new stall must have named this one as its alias first: EINVALID
// otherwise). Its followers elsewhere are sent a Move and follow the new
// stall; its followers here follow it too; the stall leaves this market's
// floor, listings and wander and its page redirects to the new one. It
// returns the new actor's IRI.
func (a *App) MoveStall(ctx context.Context, acc *node.Account, id node.StallID, address string) (string, error) {
	s, m, err := a.movableStall(ctx, acc, id)
	if err != nil {
		return "", err
	}
	target, err := m.MoveStall(ctx, s, address)
	if err != nil {
		return "", err
	}
	return target, nil
}
