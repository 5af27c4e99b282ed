package app

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/shiji-market/shiji/node"
)

// ItemsTagged lists the items with a tag (not withdrawn), newest first, a
// page of perPage starting at page 1, and how many there are; anyone may.
func (a *App) ItemsTagged(ctx context.Context, tag string, page, perPage int) ([]*node.Item, int, error) {
	if page < 1 || page > 10000 {
		return nil, 0, node.Errorf(node.EINVALID, "page must be a positive number.")
	}
	return a.DB.ItemsTagged(ctx, tag, perPage, (page-1)*perPage)
}

// StallFederator is what a Federator may also do: tell followers elsewhere
// that a stall changed (its name, story, photos or pinned items), so their
// servers fetch its profile again. Like every Federator method it must not
// fail the user's action.
type StallFederator interface {
	StallChanged(ctx context.Context, stall node.StallID)
}

// stallChanged tells the Federator, when it sends stall changes.
func (a *App) stallChanged(ctx context.Context, stall node.StallID) {
	if f, ok := a.Fed.(StallFederator); ok {
		f.StallChanged(context.WithoutCancel(ctx), stall)
	}
}

// PinItem pins an item to the top of its stall (pin false: unpins it), as
// Mastodon's pinned posts; its stall's featured collection lists the pinned
// items. Stallholders of the stall, organisers and moderators may; at most
// node.MaxPins a stall (ECONFLICT); a withdrawn item cannot be pinned
// (EINVALID).
func (a *App) PinItem(ctx context.Context, acc *node.Account, id node.ItemID, pin bool) error {
	if acc == nil {
		return node.Errorf(node.EUNAUTHORIZED, "Please log in first.")
	}
	it, err := a.DB.Item(ctx, id)
	if err != nil {
		return err
	}
	st, err := a.DB.Stall(ctx, it.Stall)
	if err != nil {
		return err
	}
	if !st.CanEdit(acc) {
		return node.Errorf(node.EFORBIDDEN, "Only the stall's stallholders pin its items.")
	}
	if pin && it.Status == node.ItemWithdrawn {
		return node.Errorf(node.EINVALID, "A withdrawn item cannot be pinned.")
	}
	if err := a.DB.PinItem(ctx, id, pin); err != nil {
		return err
	}
	a.stallChanged(ctx, st.ID)
	return nil
}

// MaxWarningLen caps an item's content warning.
const MaxWarningLen = 200

// SetItemWarning sets the content warning other servers show before the
// item ("" for none): the stall's stallholders, organisers and moderators.
// Longer than MaxWarningLen is EINVALID. Followers elsewhere get an Update.
func (a *App) SetItemWarning(ctx context.Context, acc *node.Account, id node.ItemID, warning string) error {
	it, err := a.EditableItem(ctx, acc, id)
	if err != nil {
		return err
	}
	warning = strings.TrimSpace(warning)
	if n := utf8.RuneCountInString(warning); n > MaxWarningLen {
		return node.Errorf(node.EINVALID, "A content warning may be at most %d characters long (this one has %d).", MaxWarningLen, n)
	}
	if err := a.DB.SetItemWarning(ctx, id, warning); err != nil {
		return err
	}
	a.itemChanged(ctx, it, "update")
	return nil
}
