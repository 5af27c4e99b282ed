package app

import (
	"context"

	"github.com/shiji-market/shiji/node"
)

// InstanceInfo returns the node's rules and contact (anyone may read them).
func (a *App) InstanceInfo(ctx context.Context) (*node.InstanceInfo, error) {
	return a.DB.InstanceInfo(ctx)
}

// SetInstanceInfo stores the node's rules and contact: the organiser only.
// Bad input is EINVALID and changes nothing.
func (a *App) SetInstanceInfo(ctx context.Context, acc *node.Account, in node.InstanceInfo) (*node.InstanceInfo, error) {
	if acc == nil || acc.Role != node.RoleOrganiser {
		return nil, node.Errorf(node.EFORBIDDEN, "Only the organiser sets the market's rules and contact.")
	}
	if err := a.DB.SetInstanceInfo(ctx, &in); err != nil {
		return nil, err
	}
	return &in, nil
}
