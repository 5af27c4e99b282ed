package demo

import (
	"context"
	"time"

	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/node"
)

// demoSchedule is the demo market's week: Saturday mornings and a Friday
// night market.
func demoSchedule() *node.Schedule {
	return &node.Schedule{Weekly: []node.WeeklyRule{
		{Weekday: time.Saturday, Hours: node.Hours{Start: 8 * 60, End: 13 * 60}},
		{Weekday: time.Friday, Hours: node.Hours{Start: 18 * 60, End: 23 * 60}, Label: "夜市 · Night market"},
	}}
}

// writeMarketDays sets the schedule and says which of the next market days
// each stall comes to: the stalls open today come every Saturday, and every
// third of them to the Friday night market too; the others skip the first
// Saturday.
func writeMarketDays(ctx context.Context, db *data.DB, now time.Time) error {
	sched := demoSchedule()
	if err := db.SetSchedule(ctx, sched); err != nil {
		return err
	}
	m, err := db.Market(ctx)
	if err != nil {
		return err
	}
	loc := m.Location()
	days := sched.Upcoming(loc, now, 6)
	today := now.In(loc).Format(node.DateLayout)
	spots, err := db.StallSpots(ctx)
	if err != nil {
		return err
	}
	for i, s := range spots {
		var dates []string
		firstSaturday := true
		for _, d := range days {
			switch {
			case d.Start.Weekday() == time.Saturday && (s.Open || !firstSaturday):
				dates = append(dates, d.Date)
			case d.Start.Weekday() == time.Friday && s.Open && i%3 == 0:
				dates = append(dates, d.Date)
			}
			if d.Start.Weekday() == time.Saturday {
				firstSaturday = false
			}
		}
		if err := db.SetStallDays(ctx, s.Stall, today, dates); err != nil {
			return err
		}
	}
	return nil
}
