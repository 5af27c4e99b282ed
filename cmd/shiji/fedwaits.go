package main

import (
	"time"

	"github.com/shiji-market/shiji/federation"
)

// federationWaits are how long federation waits for other servers: the
// outgoing requests' timeouts, a follow's wait for its Accept, and an item
// change's wait before it is sent.
type federationWaits struct {
	timeouts       federation.Timeouts
	follow, settle time.Duration
}

// defaultFederationWaits: 10 s to connect, 20 s to the headers, 20 s for a
// fetch, 30 s for a delivery, 5 s for a follow's Accept, 2 s before an item
// change is sent.
func defaultFederationWaits() federationWaits {
	return federationWaits{timeouts: federation.DefaultTimeouts(), follow: federation.DefaultFollowWait, settle: federation.DefaultSettle}
}

const federationWaitsHelp = "connect=10s header=20s fetch=20s delivery=30s follow=5s settle=2s"

// parseFederationWaits reads SHIJI_FEDERATION_WAITS or --federation-waits
// (named by what in errors), "fetch=60s follow=30s" (any of them, spaces or
// commas between), over w.
func parseFederationWaits(what, s string, w federationWaits) (federationWaits, error) {
	err := parseDurations(what, s, federationWaitsHelp, []namedDuration{
		{"connect", &w.timeouts.Connect}, {"header", &w.timeouts.Header}, {"fetch", &w.timeouts.Fetch},
		{"delivery", &w.timeouts.Delivery}, {"follow", &w.follow}, {"settle", &w.settle}})
	return w, err
}
