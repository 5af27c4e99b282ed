package main

import (
	"context"
	"fmt"

	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
)

// The demo's public logins: a stallholder and a resident, so that a
// newcomer sees the market from behind a stall in the first five minutes.
// The passwords are fixed and printed: only ever in the demo market, which
// says on every page that it is one.
const (
	demoResidentName     = "xiaolin"
	demoResidentPassword = "wutong-resident-demo"
	demoStallPassword    = "wutong-stall-demo"
)

// demoLogin is one printed login.
type demoLogin struct{ Role, Name, Password string }

// demoLogins marks the freshly loaded demo market as the demo, gives the
// first stall that comes to the next market day a stallholder who can log
// in, adds a resident who can, and leaves the stallholder something to do:
// a question on one item and a reservation request for another.
func demoLogins(ctx context.Context, db *data.DB) ([]demoLogin, error) {
	a := app.New(db, nil)
	if err := db.SetDemo(ctx, true); err != nil {
		return nil, err
	}
	days, err := a.UpcomingDays(ctx, 6)
	if err != nil || len(days) == 0 {
		return nil, fmt.Errorf("demo logins: no market days: %v", err)
	}
	var stall *node.Stall
	var items []*node.Item
	var day string
	for _, d := range days {
		if stall, items, err = stallWithTwoItems(ctx, a, d.Date); err != nil {
			return nil, err
		}
		if stall != nil {
			day = d.Date
			break
		}
	}
	if stall == nil {
		return nil, fmt.Errorf("demo logins: no stall with two items comes to the next market days")
	}
	holder, err := db.Account(ctx, stall.Holders[0])
	if err != nil {
		return nil, err
	}
	if err := db.SetPasswordHash(ctx, holder.ID, app.HashPassword(demoStallPassword)); err != nil {
		return nil, err
	}
	resident, err := a.AddAccount(ctx, demoResidentName, node.RoleResident, demoResidentPassword)
	if err != nil {
		return nil, err
	}
	if err := db.UpdateAccountProfile(ctx, resident.ID, "小林 Lin", ""); err != nil {
		return nil, err
	}
	if _, err := a.Post(ctx, resident, app.PostInput{Item: items[0].ID,
		Body: "请问这个还在吗？周六可以来看看吗？ Is this still here — can I come and see it on Saturday?"}); err != nil {
		return nil, err
	}
	if _, err := a.Reserve(ctx, resident, items[1].ID, app.ReserveInput{Quantity: 1, Day: day,
		Message: "我想要这个，周六见！ I'd love this one, see you on the day!"}); err != nil {
		return nil, err
	}
	return []demoLogin{
		{Role: "stallholder of " + stall.Name, Name: holder.Name, Password: demoStallPassword},
		{Role: "resident", Name: resident.Name, Password: demoResidentPassword},
	}, nil
}

// stallWithTwoItems finds a stall that comes on date with two available
// items (nil when none does), with its stallholders loaded.
func stallWithTwoItems(ctx context.Context, a *app.App, date string) (*node.Stall, []*node.Item, error) {
	stalls, err := a.DayStalls(ctx, date)
	if err != nil {
		return nil, nil, err
	}
	for _, st := range stalls {
		items, err := a.DB.Items(ctx, data.ItemFilter{Stall: st.ID, Status: node.ItemAvailable, Limit: 2})
		if err != nil {
			return nil, nil, err
		}
		if len(items) < 2 {
			continue
		}
		if st, err = a.DB.Stall(ctx, st.ID); err != nil {
			return nil, nil, err
		}
		if len(st.Holders) > 0 {
			return st, items, nil
		}
	}
	return nil, nil, nil
}
