// Package limits holds shiji's abuse limits: token-bucket rates for writes
// (per account and per client address, by kind of write), the inbox's rate
// per remote host, and caps on what one resident may hold open. The
// organiser changes them with `shiji serve --limits` (SHIJI_LIMITS); the
// defaults suit a neighbourhood market.
package limits

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Rate is a token bucket: Burst requests at once, then one every Every.
type Rate struct {
	Burst int
	Every time.Duration
}

func (r Rate) String() string { return fmt.Sprintf("%d/%s", r.Burst, shortDuration(r.Every)) }

// Kinds of writes, each with its own buckets. A write is counted once, in
// the bucket of its kind, per account ("messages") and per client address
// ("ip-messages"). Login and signup are counted per address only, inbox per
// remote host.
const (
	Messages     = "messages"     // messages, questions, edits, messages to other servers
	Items        = "items"        // stalls and items: create, change, withdraw
	Uploads      = "uploads"      // photos
	Reservations = "reservations" // reservations, trade steps, thank-you notes
	Follows      = "follows"      // follows and follow requests, here and elsewhere
	Reports      = "reports"      // reports and blocks
	Writes       = "writes"       // every other write (account, admin, chats, …)
	Login        = "login"        // logins and new API tokens, per address
	Signup       = "signup"       // sign-ups, per address
	Inbox        = "inbox"        // ActivityPub inbox, per remote host
)

// IP is the name of a kind's per-address bucket.
func IP(kind string) string { return "ip-" + kind }

// Config is every limit of a node.
type Config struct {
	Rates map[string]Rate
	// OpenReservations is how many reservations one resident may have open
	// (requested, accepted or handed over) at once.
	OpenReservations int
	// Groups is how many group chats one account may own.
	Groups int
}

// Default returns the defaults (docs/trust.md lists them): generous for a
// person, tight for a script.
func Default() Config {
	r := func(b int, every time.Duration) Rate { return Rate{b, every} }
	return Config{
		Rates: map[string]Rate{
			Messages: r(10, 2*time.Second), IP(Messages): r(60, 300*time.Millisecond),
			Items: r(200, time.Second), IP(Items): r(1000, 200*time.Millisecond),
			Uploads: r(100, 2*time.Second), IP(Uploads): r(300, 500*time.Millisecond),
			Reservations: r(30, 5*time.Second), IP(Reservations): r(150, time.Second),
			Follows: r(60, 2*time.Second), IP(Follows): r(300, 500*time.Millisecond),
			Reports: r(20, 30*time.Second), IP(Reports): r(60, 5*time.Second),
			Writes: r(120, 500*time.Millisecond), IP(Writes): r(600, 100*time.Millisecond),
			IP(Login): r(20, 3*time.Second), IP(Signup): r(20, 3*time.Second),
			Inbox: r(300, time.Second/30),
		},
		OpenReservations: 20,
		Groups:           10,
	}
}

// Caps are the names of the plain-number limits in Parse.
const (
	CapOpenReservations = "open-reservations"
	CapGroups           = "groups"
)

// Parse reads settings such as "messages=20/1s ip-messages=100/100ms
// open-reservations=5" (separated by spaces or commas) over base. A rate is
// BURST/EVERY (EVERY a Go duration: 2s, 500ms, 1m); BURST/0 turns the bucket
// off. Unknown names and malformed values are errors that say what is
// accepted.
func Parse(s string, base Config) (Config, error) {
	out := Config{Rates: map[string]Rate{}, OpenReservations: base.OpenReservations, Groups: base.Groups}
	for k, v := range base.Rates {
		out.Rates[k] = v
	}
	known := Default().Rates
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' }) {
		name, val, ok := strings.Cut(f, "=")
		name = strings.ToLower(strings.TrimSpace(name))
		if !ok || name == "" || val == "" {
			return base, fmt.Errorf("limit %q: write NAME=BURST/EVERY (such as messages=10/2s) or %s=N", f, CapOpenReservations)
		}
		switch name {
		case CapOpenReservations, CapGroups:
			n, err := strconv.Atoi(val)
			if err != nil || n < 1 || n > 1_000_000 {
				return base, fmt.Errorf("limit %s=%s: use a whole number from 1 to 1000000", name, val)
			}
			if name == CapGroups {
				out.Groups = n
			} else {
				out.OpenReservations = n
			}
			continue
		}
		if _, ok := known[name]; !ok {
			return base, fmt.Errorf("limit %q: unknown; known limits are %s", name, strings.Join(Names(), ", "))
		}
		b, every, ok := strings.Cut(val, "/")
		burst, err := strconv.Atoi(b)
		if !ok || err != nil || burst < 1 || burst > 1_000_000 {
			return base, fmt.Errorf("limit %s=%s: write BURST/EVERY with BURST from 1 to 1000000, such as 10/2s", name, val)
		}
		d, err := time.ParseDuration(every)
		if every == "0" {
			d, err = 0, nil
		}
		if err != nil || d < 0 || d > 24*time.Hour {
			return base, fmt.Errorf("limit %s=%s: EVERY must be a duration such as 2s, 500ms or 1m (0: no limit)", name, val)
		}
		out.Rates[name] = Rate{Burst: burst, Every: d}
	}
	return out, nil
}

// Names lists every setting Parse knows, sorted.
func Names() []string {
	var ns []string
	for k := range Default().Rates {
		ns = append(ns, k)
	}
	ns = append(ns, CapOpenReservations, CapGroups)
	sort.Strings(ns)
	return ns
}

// String writes c as Parse reads it, sorted by name.
func (c Config) String() string {
	var parts []string
	for k, r := range c.Rates {
		parts = append(parts, k+"="+r.String())
	}
	sort.Strings(parts)
	parts = append(parts, fmt.Sprintf("%s=%d", CapOpenReservations, c.OpenReservations), fmt.Sprintf("%s=%d", CapGroups, c.Groups))
	return strings.Join(parts, " ")
}

func shortDuration(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	return d.String()
}
