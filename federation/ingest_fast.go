package federation

import (
	"sync"
	"sync/atomic"
	"time"
)

// What the inbox does for every signed activity, made cheap (issue 14).
// A CPU profile of BenchmarkIngestVsVerify showed, beside the one RSA
// verification an activity must cost: go-fed reading a Note's tag array
// (~70 µs for one Hashtag: go-fed v1.0.0 does not know the type and tries
// every deserialiser it has, each failing with a formatted error), and the
// signer's key and actor read from the database for every activity (~75 µs).

// goFedView returns the activity as go-fed should read it: the same maps,
// but without the tag arrays of the activity and of its embedded object,
// which our handlers read from the raw JSON (hashtags in parseNote) and
// never through go-fed. The maps given are not changed.
func goFedView(m map[string]any) map[string]any {
	obj, _ := m["object"].(map[string]any)
	_, tagged := m["tag"]
	_, objTagged := obj["tag"]
	if !tagged && !objTagged {
		return m
	}
	v := make(map[string]any, len(m))
	for k, x := range m {
		if k != "tag" {
			v[k] = x
		}
	}
	if objTagged {
		o := make(map[string]any, len(obj))
		for k, x := range obj {
			if k != "tag" {
				o[k] = x
			}
		}
		v["object"] = o
	}
	return v
}

// signerCacheMax bounds the signers kept in memory (one entry per remote
// key that signed something recently).
const signerCacheMax = 4096

// signerCacheTTL bounds how long an entry is used without looking at the
// database again, for writes made by another process (shiji's commands on
// the same data directory); this process's own writes to remote actors
// and keys invalidate every entry at once (signerCache.changed).
const signerCacheTTL = time.Minute

// signerCache remembers, by key id, what signerKey read from the database:
// the key and its owner. It is only a copy of ap_actor_keys and ap_actors:
// every write to those tables calls changed after it commits, and an entry
// read before a change is never used after it.
type signerCache struct {
	gen atomic.Uint64 // moves on every change to remote actors or keys

	mu sync.Mutex
	m  map[string]signerEntry
}

type signerEntry struct {
	actor *remoteActor
	key   remotePublicKey
	gen   uint64    // the generation it was read at
	until time.Time // signerCacheTTL after it was read
}

// generation is the current generation: take it before reading the
// database, and put what was read with it.
func (c *signerCache) generation() uint64 { return c.gen.Load() }

// get returns the cached signer of keyID, if it was read in the current
// generation and not too long ago. The actor returned is a copy.
func (c *signerCache) get(keyID string, now time.Time) (*remoteActor, *remotePublicKey, bool) {
	c.mu.Lock()
	e, ok := c.m[keyID]
	c.mu.Unlock()
	if !ok || e.gen != c.gen.Load() || !now.Before(e.until) {
		return nil, nil, false
	}
	a, k := *e.actor, e.key
	return &a, &k, true
}

// put remembers a signer read from the database in generation gen.
func (c *signerCache) put(keyID string, a *remoteActor, k *remotePublicKey, gen uint64, now time.Time) {
	if gen != c.gen.Load() {
		return // something changed while it was read
	}
	cp := *a
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= signerCacheMax {
		c.m = make(map[string]signerEntry)
	}
	c.m[keyID] = signerEntry{actor: &cp, key: *k, gen: gen, until: now.Add(signerCacheTTL)}
}

// changed invalidates every entry: call it after a write to remote actors
// or their keys has committed.
func (c *signerCache) changed() { c.gen.Add(1) }
