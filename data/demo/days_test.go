package demo

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/shiji-market/shiji/node"
)

// The demo market has upcoming market days, and its open stalls come to them.
func TestDemoHasUpcomingMarketDays(t *testing.T) {
	db, dir := openDB(t)
	ctx := context.Background()
	now := time.Now()
	opt := Options{Stalls: 30, Items: 120, Seed: 3, MediaDir: filepath.Join(dir, "media"), OrganiserHash: "x", Now: now}
	if _, err := load(ctx, db, opt, 1); err != nil {
		t.Fatal(err)
	}
	m, err := db.Market(ctx)
	if err != nil {
		t.Fatal(err)
	}
	days := demoSchedule().Upcoming(m.Location(), now, 6)
	if len(days) < 4 {
		t.Fatalf("upcoming days = %v", days)
	}
	today := now.In(m.Location()).Format(node.DateLayout)
	spots, err := db.StallSpots(ctx)
	if err != nil {
		t.Fatal(err)
	}
	attending := 0
	for _, s := range spots {
		dates, err := db.StallDays(ctx, s.Stall, today)
		if err != nil {
			t.Fatal(err)
		}
		if len(dates) > 0 {
			attending++
		}
		if s.Open && len(dates) == 0 {
			t.Errorf("open stall %d comes to no market day", s.Stall)
		}
	}
	if attending != len(spots) {
		t.Errorf("%d of %d stalls come to a market day", attending, len(spots))
	}
}
