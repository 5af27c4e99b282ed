package app

import "context"

// DayFederator is what a Federator may also do: tell followers elsewhere
// about the market days (federation sends them as ActivityStreams Events).
// It is separate from Federator so that a Federator without it still
// satisfies that interface.
type DayFederator interface {
	// MarketDaysChanged is called after the market's schedule is stored.
	// Like every Federator method it must not fail the user's action: it
	// logs its own errors.
	MarketDaysChanged(ctx context.Context)
}

// marketDaysChanged tells the Federator, when it sends market days, that the
// schedule changed.
func (a *App) marketDaysChanged(ctx context.Context) {
	if d, ok := a.Fed.(DayFederator); ok {
		d.MarketDaysChanged(context.WithoutCancel(ctx))
	}
}
