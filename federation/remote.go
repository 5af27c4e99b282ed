package federation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/go-fed/activity/streams"
	"github.com/go-fed/activity/streams/vocab"
	"github.com/shiji-market/shiji/node"
)

// actorTTL is how long a fetched remote actor is used before it is fetched
// again (a failed signature fetches it at once).
const actorTTL = 24 * time.Hour

// remoteActor is a remote actor as cached in ap_actors.
type remoteActor struct {
	ID, Type, PreferredUsername, Name, Summary, URL, Icon string
	Inbox, SharedInbox, KeyID, PublicKeyPEM               string
	FetchedAt                                             time.Time
	// Keys are every key the actor holds (set when it was just fetched;
	// ap_actor_keys keeps them). KeyID and PublicKeyPEM are the first RSA
	// key (else the first key).
	Keys []remotePublicKey
}

// deliveryInbox is where activities for this actor go: its shared inbox
// when it has one.
func (a *remoteActor) deliveryInbox() string {
	if a.SharedInbox != "" {
		return a.SharedInbox
	}
	return a.Inbox
}

const remoteActorCols = `id, type, preferred_username, name, summary, url, icon, inbox, shared_inbox, key_id, public_key_pem, fetched_at`

func scanRemoteActor(row interface{ Scan(...any) error }) (*remoteActor, error) {
	var a remoteActor
	var fetched int64
	if err := row.Scan(&a.ID, &a.Type, &a.PreferredUsername, &a.Name, &a.Summary, &a.URL, &a.Icon, &a.Inbox, &a.SharedInbox,
		&a.KeyID, &a.PublicKeyPEM, &fetched); err != nil {
		return nil, err
	}
	a.FetchedAt = time.Unix(fetched, 0)
	return &a, nil
}

// cachedActor returns the cached actor with id, or sql.ErrNoRows.
func (f *Federation) cachedActor(ctx context.Context, id string) (*remoteActor, error) {
	return scanRemoteActor(f.db.QueryRow(ctx, `SELECT `+remoteActorCols+` FROM ap_actors WHERE id = ?`, id))
}

// remoteActor returns the remote actor with id from the cache, fetching it
// (signed by the instance actor) when it is unknown, stale or refresh is set.
// A stale actor that cannot be fetched is still returned.
func (f *Federation) remoteActor(ctx context.Context, id string, refresh bool) (*remoteActor, error) {
	if f.u.localPath(id) != "" {
		return nil, node.Errorf(node.EINVALID, "%s is a local actor.", id)
	}
	a, err := f.cachedActor(ctx, id)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	if a != nil && !refresh && f.now().Sub(a.FetchedAt) < actorTTL {
		return a, nil
	}
	fetched, ferr := f.fetchActor(ctx, id)
	if ferr != nil {
		if a != nil && !refresh {
			return a, nil
		}
		return nil, ferr
	}
	return fetched, nil
}

// keyRefetchEvery is how often one key may be fetched again because a
// signature did not verify with it (rotation): forged requests must not
// make us fetch a key for every one of them.
const keyRefetchEvery = time.Minute

// signerKey returns the key keyID and its owner (fresh reports that it was
// fetched just now). Every shape in the wild is understood:
//
//   - a fragment of the actor (…#main-key: Mastodon, Pleroma, Misskey,
//     Lemmy …): the actor document, which holds the key;
//   - a document of its own that is a minimal actor without an inbox
//     (GoToSocial: …/main-key, whose publicKey names the owner) or a bare
//     Key, CryptographicKey or Multikey with owner (controller): the owner is
//     then fetched and must hold the key;
//   - an actor served at its key's URL under its own id: fetched from its id.
//
// The owner must be on the key's host. With refresh the cache is skipped.
func (f *Federation) signerKey(ctx context.Context, keyID string, refresh bool) (*remoteActor, *remotePublicKey, bool, error) {
	if !refresh {
		if a, k, ok := f.signers.get(keyID, f.now()); ok {
			return a, k, false, nil
		}
		gen := f.signers.generation()
		k := remotePublicKey{ID: keyID}
		err := f.db.QueryRow(ctx, `SELECT actor, kind, public_pem FROM ap_actor_keys WHERE key_id = ?`, keyID).
			Scan(&k.Owner, &k.Kind, &k.PEM)
		if err == nil {
			a, err := f.cachedActor(ctx, k.Owner)
			if err == nil {
				f.signers.put(keyID, a, &k, gen, f.now())
				return a, &k, false, nil
			} else if !errors.Is(err, sql.ErrNoRows) {
				return nil, nil, false, err
			}
		} else if !errors.Is(err, sql.ErrNoRows) {
			return nil, nil, false, err
		}
	}
	docURL, _, _ := strings.Cut(keyID, "#")
	if f.u.localPath(docURL) != "" || (!strings.HasPrefix(docURL, "https://") && !strings.HasPrefix(docURL, "http://")) {
		return nil, nil, false, fmt.Errorf("federation: key %q is not a remote key", keyID)
	}
	m, err := f.client.getJSON(ctx, docURL, "", keyInstance)
	if err != nil {
		return nil, nil, false, err
	}
	var owner string
	var actorDoc map[string]any
	switch id := str(m, "id"); {
	case isActorDoc(m) && id == docURL:
		owner, actorDoc = id, m
	case isActorDoc(m) && id != "":
		owner = id // an actor served at its key's URL: fetched from its own id
	default:
		if owner = keyOwnerIn(m, keyID); owner == "" {
			return nil, nil, false, fmt.Errorf("federation: key %s names no owner", keyID)
		}
	}
	if !sameHost(owner, keyID) {
		return nil, nil, false, fmt.Errorf("federation: key %s is owned by %s on another host", keyID, owner)
	}
	var a *remoteActor
	if actorDoc != nil {
		a, err = f.storeActorDoc(ctx, docURL, actorDoc)
	} else {
		a, err = f.fetchActor(ctx, owner)
	}
	if err != nil {
		return nil, nil, false, err
	}
	for i := range a.Keys {
		if a.Keys[i].ID == keyID {
			return a, &a.Keys[i], true, nil
		}
	}
	return nil, nil, false, fmt.Errorf("federation: actor %s does not hold the key %s", a.ID, keyID)
}

// isActorDoc reports whether a document is a full actor (it has an inbox).
func isActorDoc(m map[string]any) bool {
	s, _ := m["inbox"].(string)
	return s != ""
}

// refetchGate lets a key be fetched again at most once per keyRefetchEvery.
type refetchGate struct {
	mu sync.Mutex
	m  map[string]time.Time
}

// allow records a refetch of key at now, unless one was made recently.
func (g *refetchGate) allow(key string, now time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.m == nil || len(g.m) > 10000 {
		g.m = map[string]time.Time{}
	}
	if last, ok := g.m[key]; ok && now.Sub(last) < keyRefetchEvery && now.Sub(last) >= 0 {
		return false
	}
	g.m[key] = now
	return true
}

// fetchActor fetches the actor id with a signed GET and caches it.
func (f *Federation) fetchActor(ctx context.Context, id string) (*remoteActor, error) {
	m, err := f.client.getJSON(ctx, id, "", keyInstance)
	if err != nil {
		return nil, err
	}
	return f.storeActorDoc(ctx, id, m)
}

// remoteActorType is what the five actor types share.
type remoteActorType interface {
	vocab.Type
	GetActivityStreamsPreferredUsername() vocab.ActivityStreamsPreferredUsernameProperty
	GetActivityStreamsName() vocab.ActivityStreamsNameProperty
	GetActivityStreamsSummary() vocab.ActivityStreamsSummaryProperty
	GetActivityStreamsInbox() vocab.ActivityStreamsInboxProperty
	GetActivityStreamsUrl() vocab.ActivityStreamsUrlProperty
	GetActivityStreamsIcon() vocab.ActivityStreamsIconProperty
	GetW3IDSecurityV1PublicKey() vocab.W3IDSecurityV1PublicKeyProperty
	GetUnknownProperties() map[string]interface{}
}

// parseActor reads an actor document; it must be one of the five actor
// types, have the id it was fetched from, an inbox and a public key it owns.
func (f *Federation) parseActor(ctx context.Context, fetchedFrom string, m map[string]any) (*remoteActor, error) {
	if _, ok := m["@context"]; !ok {
		m["@context"] = asContextIRI // PeerTube and Lemmy leave it out at times; go-fed needs one
	}
	t, err := streams.ToType(ctx, m)
	if err != nil {
		return nil, fmt.Errorf("federation: %s is not an actor: %w", fetchedFrom, err)
	}
	at, ok := t.(remoteActorType)
	if !ok {
		return nil, fmt.Errorf("federation: %s is a %s, not an actor", fetchedFrom, t.GetTypeName())
	}
	switch t.GetTypeName() {
	case "Person", "Service", "Application", "Group", "Organization":
	default:
		return nil, fmt.Errorf("federation: %s is a %s, not an actor", fetchedFrom, t.GetTypeName())
	}
	a := &remoteActor{ID: idOf(t), Type: t.GetTypeName(), FetchedAt: f.now()}
	if a.ID != fetchedFrom {
		return nil, fmt.Errorf("federation: %s has the id %q", fetchedFrom, a.ID)
	}
	if p := at.GetActivityStreamsPreferredUsername(); p != nil {
		a.PreferredUsername = text(p)
	}
	if p := at.GetActivityStreamsName(); p != nil && p.Len() > 0 {
		a.Name = text(p.Begin())
	}
	if p := at.GetActivityStreamsSummary(); p != nil && p.Len() > 0 {
		a.Summary = string(f.md.Sanitize(text(p.Begin())))
	}
	if p := at.GetActivityStreamsInbox(); p != nil && p.GetIRI() != nil {
		a.Inbox = p.GetIRI().String()
	}
	a.URL = firstURL(at.GetActivityStreamsUrl())
	if p := at.GetActivityStreamsIcon(); p != nil {
		for it := p.Begin(); it != p.End(); it = it.Next() {
			if it.IsActivityStreamsImage() {
				a.Icon = firstURL(it.GetActivityStreamsImage().GetActivityStreamsUrl())
				break
			}
		}
	}
	if ep, ok := at.GetUnknownProperties()["endpoints"].(map[string]any); ok {
		a.SharedInbox = str(ep, "sharedInbox")
	}
	a.Keys = publicKeysOf(a.ID, m)
	if len(a.Keys) > 0 { // the first RSA key, else the first key
		a.KeyID, a.PublicKeyPEM = a.Keys[0].ID, a.Keys[0].PEM
	}
	for _, k := range a.Keys {
		if k.Kind == kindRSA {
			a.KeyID, a.PublicKeyPEM = k.ID, k.PEM
			break
		}
	}
	switch {
	case a.Inbox == "" || !sameHost(a.Inbox, a.ID):
		return nil, fmt.Errorf("federation: actor %s has no inbox on its host", a.ID)
	case len(a.Keys) == 0:
		return nil, fmt.Errorf("federation: actor %s has no public key it owns", a.ID)
	}
	if a.SharedInbox != "" && !sameHost(a.SharedInbox, a.ID) {
		a.SharedInbox = ""
	}
	return a, nil
}

// storeActorDoc parses an actor document and caches it.
func (f *Federation) storeActorDoc(ctx context.Context, fetchedFrom string, m map[string]any) (*remoteActor, error) {
	a, err := f.parseActor(ctx, fetchedFrom, m)
	if err != nil {
		return nil, err
	}
	err = f.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO ap_actors(`+remoteActorCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT(id) DO UPDATE SET type = excluded.type, preferred_username = excluded.preferred_username,
			name = excluded.name, summary = excluded.summary, url = excluded.url, icon = excluded.icon, inbox = excluded.inbox,
			shared_inbox = excluded.shared_inbox, key_id = excluded.key_id, public_key_pem = excluded.public_key_pem,
			fetched_at = excluded.fetched_at`,
			a.ID, a.Type, a.PreferredUsername, a.Name, a.Summary, a.URL, a.Icon, a.Inbox, a.SharedInbox, a.KeyID, a.PublicKeyPEM,
			a.FetchedAt.Unix())
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM ap_actor_keys WHERE actor = ?`, a.ID); err != nil {
			return err
		}
		for _, k := range a.Keys {
			// A key id another actor held before moves to this one (the
			// same host vouches for both).
			if _, err := tx.ExecContext(ctx, `INSERT INTO ap_actor_keys(key_id, actor, kind, public_pem) VALUES (?, ?, ?, ?)
				ON CONFLICT(key_id) DO UPDATE SET actor = excluded.actor, kind = excluded.kind, public_pem = excluded.public_pem`,
				k.ID, a.ID, k.Kind, k.PEM); err != nil {
				return err
			}
		}
		return nil
	})
	f.signers.changed()
	if err != nil {
		return nil, fmt.Errorf("federation: cache actor %s: %w", a.ID, err)
	}
	return a, nil
}
