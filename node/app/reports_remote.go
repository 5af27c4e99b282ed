package app

import (
	"context"

	"github.com/shiji-market/shiji/node"
)

// RemoteReports lists the open reports other servers sent about the
// market's stalls, items, people and messages: moderators only. Without
// federation there are none.
func (a *App) RemoteReports(ctx context.Context, acc *node.Account) ([]*node.RemoteReport, error) {
	if acc == nil || !acc.Role.Moderates() {
		return nil, node.Errorf(node.EFORBIDDEN, "Only moderators see reports.")
	}
	fv, err := a.fediverse()
	if err != nil {
		return nil, nil
	}
	return fv.RemoteReports(ctx, false)
}

// ResolveRemoteReport closes a report from another server: "dismiss", or
// "remove" the message it is about (as for a local report; only when it is
// about a message).
func (a *App) ResolveRemoteReport(ctx context.Context, acc *node.Account, id int64, action string) error {
	if acc == nil || !acc.Role.Moderates() {
		return node.Errorf(node.EFORBIDDEN, "Only moderators act on reports.")
	}
	fv, err := a.fediverse()
	if err != nil {
		return err
	}
	r, err := fv.RemoteReport(ctx, id)
	if err != nil {
		return err
	}
	switch action {
	case "dismiss":
	case "remove":
		if r.Message == 0 {
			return node.Errorf(node.EINVALID, "This report is not about a message; open what it is about to act on it.")
		}
		if err := a.removeMessage(ctx, r.Message); err != nil {
			return err
		}
	default:
		return node.Errorf(node.EINVALID, "Unknown action %q: use dismiss or remove.", action)
	}
	return fv.ResolveRemoteReport(ctx, id, acc.ID, action)
}

// ForwardReport sends a local report about a message from another server to
// that server (a Flag from this market), as Mastodon's moderators do; it
// returns the server's name. Moderators only; a message written here is
// EINVALID, a report forwarded before ECONFLICT.
func (a *App) ForwardReport(ctx context.Context, acc *node.Account, id int64) (string, error) {
	if acc == nil || !acc.Role.Moderates() {
		return "", node.Errorf(node.EFORBIDDEN, "Only moderators forward reports.")
	}
	fv, err := a.fediverse()
	if err != nil {
		return "", err
	}
	r, err := a.DB.Report(ctx, id)
	if err != nil {
		return "", err
	}
	return fv.ForwardReport(ctx, r)
}
