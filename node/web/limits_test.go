package web

import (
	"testing"

	"github.com/shiji-market/shiji/node/limits"
)

// Each write route is counted in the bucket of what it does; reads in none.
func TestWriteKind(t *testing.T) {
	for _, tc := range []struct{ method, route, want string }{
		{"GET", "/api/v1/items/:id", ""},
		{"HEAD", "/stalls/:id", ""},
		{"POST", "/login", limits.Login},
		{"POST", "/api/v1/sessions", limits.Login},
		{"POST", "/signup", limits.Signup},
		{"POST", "/setup", limits.Signup},
		{"POST", "/api/v1/items/:id/photos", limits.Uploads},
		{"POST", "/api/v1/messages/:id/reports", limits.Reports},
		{"POST", "/messages/:id/:action", limits.Reports},
		{"POST", "/api/v1/blocks", limits.Reports},
		{"POST", "/api/v1/reports/:id/resolve", limits.Writes},
		{"POST", "/reports/remote/:id/resolve", limits.Writes},
		{"POST", "/api/v1/reports/:id/forward", limits.Writes},
		{"POST", "/api/v1/admin/blocks", limits.Writes},
		{"POST", "/api/v1/conversations/:id/messages", limits.Messages},
		{"POST", "/api/v1/items/:id/thread", limits.Messages},
		{"POST", "/api/v1/remote/replies", limits.Messages},
		{"POST", "/api/v1/remote/reservations", limits.Reservations},
		{"POST", "/api/v1/follows", limits.Follows},
		{"POST", "/stalls/:id/follow", limits.Follows},
		{"POST", "/api/v1/items/:id/reservations", limits.Reservations},
		{"POST", "/api/v1/trades/:id/:action", limits.Reservations},
		{"POST", "/api/v1/stalls", limits.Items},
		{"PATCH", "/api/v1/items/:id", limits.Items},
		{"POST", "/api/v1/items/:id/pin", limits.Items},
		{"PUT", "/api/v1/items/:id/content-warning", limits.Items},
		{"POST", "/api/v1/stalls/:id/move", limits.Items},
		{"PUT", "/api/v1/admin/instance", limits.Writes},
		{"DELETE", "/api/v1/me", limits.Writes},
	} {
		if got := writeKind(tc.method, tc.route); got != tc.want {
			t.Errorf("writeKind(%s %s) = %q, want %q", tc.method, tc.route, got, tc.want)
		}
	}
}
