// Package app holds shiji's use cases: each method parses nothing, authorises,
// and acts on the store. The web layer, the command line and federation all
// call the same methods.
package app

import (
	"crypto/rand"
	"encoding/base32"
	"time"

	"github.com/shiji-market/shiji/data"
)

// App is the set of use cases over one store.
type App struct {
	DB  *data.DB
	Now func() time.Time
}

// New returns an App over db with the given clock (time.Now when nil).
func New(db *data.DB, now func() time.Time) *App {
	if now == nil {
		now = time.Now
	}
	return &App{DB: db, Now: now}
}

// NewToken returns a random, URL-safe token with n bytes of entropy.
func NewToken(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand since Go 1.24)
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)
}
