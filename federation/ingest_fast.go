package federation

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shiji-market/shiji/node"
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
	v := withoutTag(m)
	if obj, _ := m["object"].(map[string]any); obj != nil {
		if _, tagged := obj["tag"]; tagged {
			v = withObject(v, withoutTag(obj))
		}
	}
	return v
}

// embeddedNote returns the Note a Create or Update carries (an object of
// type "Note" with an http(s) id), to be read by itself: go-fed v1.0.0
// reads an embedded object by trying each of its ~70 types in turn (each
// failing with a formatted error) before Note, ~80 µs an activity; read
// alone, the Note costs what its own properties cost. The activity around
// it is not read by go-fed at all (dispatch).
func embeddedNote(typ string, m map[string]any) map[string]any {
	if typ != "Create" && typ != "Update" {
		return nil
	}
	obj, _ := m["object"].(map[string]any)
	if obj == nil || str(obj, "type") != "Note" {
		return nil
	}
	if id := str(obj, "id"); !strings.HasPrefix(id, "https://") && !strings.HasPrefix(id, "http://") {
		return nil
	}
	return obj
}

// withObject returns m with its object replaced by obj (an IRI, or an
// object's map); m is not changed.
func withObject(m map[string]any, obj any) map[string]any {
	v := make(map[string]any, len(m))
	for k, x := range m {
		v[k] = x
	}
	v["object"] = obj
	return v
}

// withoutTag returns o without its tag array (o is not changed).
func withoutTag(o map[string]any) map[string]any {
	if _, ok := o["tag"]; !ok {
		return o
	}
	v := make(map[string]any, len(o))
	for k, x := range o {
		if k != "tag" {
			v[k] = x
		}
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

// actorFacts is what the inbox asks about a signer on every activity.
type actorFacts struct {
	room     node.ConversationID // the mirror here of the group chat the actor is, or 0
	followed bool                // an account here follows the actor (accepted)
}

// factsCacheMax bounds the actors whose facts are kept.
const factsCacheMax = 4096

// factsCache keeps actorFacts for one Inbox version (migration 0080: it
// moves, in the same transaction, with every change to ap_rooms and
// ap_following, and is published as that commits): facts read for an older
// version are never used.
type factsCache struct {
	mu      sync.Mutex
	version int64
	m       map[string]actorFacts
}

// facts returns the actor's facts, from memory when they were read for the
// current Inbox version.
func (f *Federation) facts(ctx context.Context, actor string) (actorFacts, error) {
	c := &f.actorFacts
	v := f.db.Versions().Inbox // taken before reading: a change meanwhile moves it
	c.mu.Lock()
	fa, ok := c.m[actor]
	ok = ok && c.version == v
	c.mu.Unlock()
	if ok {
		return fa, nil
	}
	fa = actorFacts{}
	room, err := f.db.RoomOf(ctx, actor)
	switch {
	case err == nil:
		fa.room = room
	case node.ErrorCode(err) != node.ENOTFOUND:
		return fa, err
	}
	var n int
	if err := f.db.QueryRow(ctx, sqlFollowedHere, actor).Scan(&n); err != nil {
		return fa, err
	}
	fa.followed = n > 0
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.version != v || c.m == nil || len(c.m) >= factsCacheMax {
		if v < c.version {
			return fa, nil // read for a version already gone
		}
		c.version, c.m = v, make(map[string]actorFacts)
	}
	c.m[actor] = fa
	return fa, nil
}

// roomOf returns the mirror conversation of the group chat elsewhere that
// actor is, or false.
func (f *Federation) roomOf(ctx context.Context, actor string) (node.ConversationID, bool) {
	fa, err := f.facts(ctx, actor)
	return fa.room, err == nil && fa.room != 0
}
