package main

import (
	"crypto/x509"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/shiji-market/shiji/node"
)

// The world market's serve flags: the limits of the catalogue of linked
// markets, and the certificate authorities to trust for other servers.

const worldUsage = `  SHIJI_TRUST_CA    PEM certificates of authorities to trust, besides the system's, for https to other
                    servers (a LAN's own CA; tests)
  SHIJI_WORLD_ITEMS items kept in the catalogue per linked market (default 50000)
  SHIJI_WORLD_PHOTOS thumbnail bytes kept per linked market, such as 64MB (default)
  SHIJI_WORLD_PAGES outbox pages read from a linked market per read (default 1000)
  SHIJI_WORLD_TTL   drop catalogue items not shown again for this long (default 168h)
  SHIJI_WORLD_REFRESH read linked markets' outboxes again this often (default 24h)
`

type worldFlags struct {
	trustCA      string
	items, pages int
	photos       string
	ttl, refresh time.Duration
	limits       node.WorldLimits // resolved
	roots        *x509.CertPool   // resolved; nil: the system's
}

func (w *worldFlags) register(fs *flag.FlagSet) {
	def := node.DefaultWorldLimits()
	fs.StringVar(&w.trustCA, "trust-ca", "", "PEM file of certificate authorities to trust, besides the system's, for https to other servers (env SHIJI_TRUST_CA)")
	fs.IntVar(&w.items, "world-items", def.Items, "items kept in the catalogue per linked market (env SHIJI_WORLD_ITEMS)")
	fs.StringVar(&w.photos, "world-photos", "64MB", "thumbnail bytes kept per linked market, such as 64MB or 1GB (env SHIJI_WORLD_PHOTOS)")
	fs.IntVar(&w.pages, "world-pages", def.BackfillPages, "outbox pages read from a linked market per read (env SHIJI_WORLD_PAGES)")
	fs.DurationVar(&w.ttl, "world-ttl", def.ItemTTL, "drop catalogue items not shown again for this long (env SHIJI_WORLD_TTL)")
	fs.DurationVar(&w.refresh, "world-refresh", def.Refresh, "read linked markets' outboxes again this often (env SHIJI_WORLD_REFRESH)")
}

// resolve applies the environment (flags win), checks every value and reads
// the CA file. Errors name the flag.
func (w *worldFlags) resolve(fs *flag.FlagSet, e env) error {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	envInt := func(name, key string, dst *int) error {
		if v := e.getenv(key); v != "" && !set[name] {
			n, err := strconv.Atoi(v)
			if err != nil {
				return fmt.Errorf("%s %q: use a whole number", key, v)
			}
			*dst = n
		}
		return nil
	}
	envDur := func(name, key string, dst *time.Duration) error {
		if v := e.getenv(key); v != "" && !set[name] {
			d, err := time.ParseDuration(v)
			if err != nil {
				return fmt.Errorf("%s %q: use a duration such as 24h", key, v)
			}
			*dst = d
		}
		return nil
	}
	if err := envInt("world-items", "SHIJI_WORLD_ITEMS", &w.items); err != nil {
		return err
	}
	if err := envInt("world-pages", "SHIJI_WORLD_PAGES", &w.pages); err != nil {
		return err
	}
	if err := envDur("world-ttl", "SHIJI_WORLD_TTL", &w.ttl); err != nil {
		return err
	}
	if err := envDur("world-refresh", "SHIJI_WORLD_REFRESH", &w.refresh); err != nil {
		return err
	}
	if v := e.getenv("SHIJI_WORLD_PHOTOS"); v != "" && !set["world-photos"] {
		w.photos = v
	}
	photos, err := parseBytes(w.photos)
	switch {
	case err != nil:
		return fmt.Errorf("--world-photos %q: use a size such as 64MB or 1GB", w.photos)
	case w.items < 1 || w.items > 10_000_000:
		return fmt.Errorf("--world-items %d: use 1 to 10000000", w.items)
	case w.pages < 1 || w.pages > 100_000:
		return fmt.Errorf("--world-pages %d: use 1 to 100000", w.pages)
	case photos < 1<<20:
		return fmt.Errorf("--world-photos %q: use at least 1MB", w.photos)
	case w.ttl < time.Hour:
		return fmt.Errorf("--world-ttl %s: use at least 1h", w.ttl)
	case w.refresh < time.Minute:
		return fmt.Errorf("--world-refresh %s: use at least 1m", w.refresh)
	}
	w.limits = node.WorldLimits{Items: w.items, PhotoBytes: photos, BackfillPages: w.pages, ItemTTL: w.ttl, Refresh: w.refresh}
	w.trustCA = firstNonEmpty(w.trustCA, e.getenv("SHIJI_TRUST_CA"))
	if w.trustCA != "" {
		pem, err := os.ReadFile(w.trustCA)
		if err != nil {
			return fmt.Errorf("--trust-ca: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return fmt.Errorf("--trust-ca %s: no PEM certificate in it", w.trustCA)
		}
		w.roots = pool
	}
	return nil
}

// parseBytes reads a size: a number of bytes, or with KB, MB or GB (of 1024).
func parseBytes(s string) (int64, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		m      int64
	}{{"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.m
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > (1<<50)/mult {
		return 0, fmt.Errorf("not a size: %q", s)
	}
	return n * mult, nil
}
