package app

import (
	"context"
	"io"

	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/live"
)

// canHoldStall: stallholders, moderators and organisers may open stalls.
func canHoldStall(acc *node.Account) error {
	if acc == nil {
		return node.Errorf(node.EUNAUTHORIZED, "Please log in first.")
	}
	if acc.Role == node.RoleResident {
		return node.Errorf(node.EFORBIDDEN, "Only stallholders can open a stall; ask the organiser for a stallholder invitation.")
	}
	return nil
}

// CreateStall opens a stall held by acc; a stall without an alley in a
// market without alleys stands in the default alley (node.DefaultAlley).
// Errors: EUNAUTHORIZED, EFORBIDDEN, EINVALID.
func (a *App) CreateStall(ctx context.Context, acc *node.Account, s *node.Stall) error {
	if err := canHoldStall(acc); err != nil {
		return err
	}
	s.Spot = nil // the organiser places stalls
	if err := a.defaultAlley(ctx, s); err != nil {
		return err
	}
	return a.DB.CreateStall(ctx, s, acc.ID)
}

// EditableStall loads a stall acc may change (ENOTFOUND, EFORBIDDEN).
func (a *App) EditableStall(ctx context.Context, acc *node.Account, id node.StallID) (*node.Stall, error) {
	if acc == nil {
		return nil, node.Errorf(node.EUNAUTHORIZED, "Please log in first.")
	}
	s, err := a.DB.Stall(ctx, id)
	if err != nil {
		return nil, err
	}
	if !s.CanEdit(acc) {
		return nil, node.Errorf(node.EFORBIDDEN, "Only this stall's stallholders can change it.")
	}
	if err := stillHere(s); err != nil {
		return nil, err
	}
	return s, nil
}

// StallChange is a partial update of a stall; nil fields stay as they are.
type StallChange struct {
	Name      *string
	Story     *string
	Alley     *node.AlleyID
	OpenToday *bool
	// ApproveFollowers: followers elsewhere wait for a stallholder's answer.
	// Turning it off accepts everyone still waiting.
	ApproveFollowers *bool
}

// UpdateStall applies ch to stall id as acc.
func (a *App) UpdateStall(ctx context.Context, acc *node.Account, id node.StallID, ch StallChange) (*node.Stall, error) {
	s, err := a.EditableStall(ctx, acc, id)
	if err != nil {
		return nil, err
	}
	profile := s.Name + "\x00" + s.Story
	if ch.Name != nil {
		s.Name = *ch.Name
	}
	if ch.Story != nil {
		s.Story = *ch.Story
	}
	if ch.Alley != nil {
		s.Alley = *ch.Alley
	}
	wasOpen := s.OpenToday
	if ch.OpenToday != nil {
		s.OpenToday = *ch.OpenToday
	}
	wasApproving := s.ApproveFollowers
	if ch.ApproveFollowers != nil {
		s.ApproveFollowers = *ch.ApproveFollowers
	}
	if err := a.DB.UpdateStall(ctx, s); err != nil {
		return nil, err
	}
	if wasApproving && !s.ApproveFollowers {
		a.acceptWaitingFollowers(ctx, s)
	}
	if profile != s.Name+"\x00"+s.Story || wasApproving != s.ApproveFollowers {
		a.stallChanged(ctx, s.ID) // followers elsewhere fetch its profile again
	}
	if s.OpenToday != wasOpen {
		a.Live.Publish(Ambience, live.NewEvent("stall", map[string]any{
			"id": s.ID, "name": s.Name, "open": s.OpenToday, "url": node.StallPath(s.ID)}))
	}
	return s, nil
}

// PlaceStall puts a stall on the floor plan: organisers and moderators only.
func (a *App) PlaceStall(ctx context.Context, acc *node.Account, id node.StallID, spot *node.Spot) error {
	if acc == nil || !acc.Role.Moderates() {
		return node.Errorf(node.EFORBIDDEN, "Only the organiser places stalls on the floor plan.")
	}
	return a.DB.PlaceStall(ctx, id, spot)
}

// AddStallHolder lets a stallholder of the stall (or a moderator) add another
// stallholder by name.
func (a *App) AddStallHolder(ctx context.Context, acc *node.Account, id node.StallID, name string) error {
	if _, err := a.EditableStall(ctx, acc, id); err != nil {
		return err
	}
	other, _, err := a.DB.AccountByName(ctx, name)
	if err != nil {
		return err
	}
	if other.Role == node.RoleResident {
		return node.Errorf(node.EINVALID, "@%s is a resident; only stallholders can hold a stall.", other.Name)
	}
	return a.DB.AddStallHolder(ctx, id, other.ID)
}

// CreateAlley adds an alley: organiser only.
func (a *App) CreateAlley(ctx context.Context, acc *node.Account, al *node.Alley) error {
	if acc == nil || acc.Role != node.RoleOrganiser {
		return node.Errorf(node.EFORBIDDEN, "Only the organiser lays out the alleys.")
	}
	return a.DB.CreateAlley(ctx, al)
}

// SetFloorPlan sets the floor plan's size: organiser only.
func (a *App) SetFloorPlan(ctx context.Context, acc *node.Account, w, h int) error {
	if acc == nil || acc.Role != node.RoleOrganiser {
		return node.Errorf(node.EFORBIDDEN, "Only the organiser changes the floor plan.")
	}
	return a.DB.SetFloorPlan(ctx, w, h)
}

// CreateItem lists an item on stall it.Stall as acc.
func (a *App) CreateItem(ctx context.Context, acc *node.Account, it *node.Item) error {
	if _, err := a.EditableStall(ctx, acc, it.Stall); err != nil {
		return err
	}
	it.Status = node.ItemAvailable
	if err := a.DB.CreateItem(ctx, it); err != nil {
		return err
	}
	a.itemChanged(ctx, it, "create")
	return nil
}

// EditableItem loads an item acc may change.
func (a *App) EditableItem(ctx context.Context, acc *node.Account, id node.ItemID) (*node.Item, error) {
	if acc == nil {
		return nil, node.Errorf(node.EUNAUTHORIZED, "Please log in first.")
	}
	it, err := a.DB.Item(ctx, id)
	if err != nil {
		return nil, err
	}
	if _, err := a.EditableStall(ctx, acc, it.Stall); err != nil {
		if node.ErrorCode(err) == node.EFORBIDDEN {
			return nil, node.Errorf(node.EFORBIDDEN, "Only this stall's stallholders can change its items.")
		}
		return nil, err
	}
	return it, nil
}

// ItemChange is a partial update of an item; nil fields stay as they are.
type ItemChange struct {
	Title    *string
	Story    *string
	Price    *node.Price
	Quantity *int
	Tags     *[]string
	Status   *node.ItemStatus
}

// UpdateItem applies ch to item id as acc.
func (a *App) UpdateItem(ctx context.Context, acc *node.Account, id node.ItemID, ch ItemChange) (*node.Item, error) {
	it, err := a.EditableItem(ctx, acc, id)
	if err != nil {
		return nil, err
	}
	if ch.Title != nil {
		it.Title = *ch.Title
	}
	if ch.Story != nil {
		it.Story = *ch.Story
	}
	if ch.Price != nil {
		it.Price = *ch.Price
	}
	if ch.Quantity != nil {
		it.Quantity = *ch.Quantity
	}
	if ch.Tags != nil {
		it.Tags = *ch.Tags
	}
	if ch.Status != nil {
		it.Status = *ch.Status
	}
	if err := a.DB.UpdateItem(ctx, it); err != nil {
		return nil, err
	}
	a.itemChanged(ctx, it, "update")
	return a.DB.Item(ctx, id)
}

// WithdrawItem takes an item off the table (its page stays, marked withdrawn).
func (a *App) WithdrawItem(ctx context.Context, acc *node.Account, id node.ItemID) error {
	st := node.ItemWithdrawn
	it, err := a.UpdateItem(ctx, acc, id, ItemChange{Status: &st})
	a.itemChanged(ctx, it, "delete")
	return err
}

// Photos is the photo pipeline the app stores uploads through (node/media).
type Photos interface {
	Save(r io.Reader) (node.Photo, error)
}

// AddItemPhoto stores an uploaded photo and appends it to the item.
func (a *App) AddItemPhoto(ctx context.Context, acc *node.Account, id node.ItemID, ph Photos, r io.Reader, alt string) (node.Photo, error) {
	it, err := a.EditableItem(ctx, acc, id)
	if err != nil {
		return node.Photo{}, err
	}
	if len(it.Photos) >= node.MaxPhotos {
		return node.Photo{}, node.Errorf(node.EINVALID, "An item may have at most %d photos.", node.MaxPhotos)
	}
	return a.addPhoto(ctx, "item", int64(id), ph, r, alt)
}

// AddStallPhoto stores an uploaded photo and appends it to the stall.
func (a *App) AddStallPhoto(ctx context.Context, acc *node.Account, id node.StallID, ph Photos, r io.Reader, alt string) (node.Photo, error) {
	s, err := a.EditableStall(ctx, acc, id)
	if err != nil {
		return node.Photo{}, err
	}
	if len(s.Photos) >= node.MaxPhotos {
		return node.Photo{}, node.Errorf(node.EINVALID, "A stall may have at most %d photos.", node.MaxPhotos)
	}
	p, err := a.addPhoto(ctx, "stall", int64(id), ph, r, alt)
	if err == nil && len(s.Photos) < 2 {
		a.stallChanged(ctx, id) // a new avatar or header
	}
	return p, err
}

func (a *App) addPhoto(ctx context.Context, kind string, id int64, ph Photos, r io.Reader, alt string) (node.Photo, error) {
	if err := node.ValidateAlt(alt); err != nil {
		return node.Photo{}, err
	}
	p, err := ph.Save(r)
	if err != nil {
		return node.Photo{}, err
	}
	p.Alt = alt
	if err := a.DB.AddPhoto(ctx, kind, id, p); err != nil {
		return node.Photo{}, err
	}
	return p, nil
}

// Search runs a search; see data.Search.
func (a *App) Search(ctx context.Context, q data.SearchQuery) ([]*node.Item, []*node.Stall, error) {
	return a.DB.Search(ctx, q)
}
