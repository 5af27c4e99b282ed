package federation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
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
	return scanRemoteActor(f.db.Read().QueryRowContext(ctx, `SELECT `+remoteActorCols+` FROM ap_actors WHERE id = ?`, id))
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

// actorByKey returns the owner of the public key keyID (fresh reports that it
// was fetched just now). GoToSocial's keyIds are documents of their own
// (…/main-key, with an owner); Mastodon's are fragments of the actor (#main-key).
func (f *Federation) actorByKey(ctx context.Context, keyID string, refresh bool) (*remoteActor, bool, error) {
	if !refresh {
		a, err := scanRemoteActor(f.db.QueryRow(ctx, `SELECT `+remoteActorCols+` FROM ap_actors WHERE key_id = ?`, keyID))
		if err == nil {
			return a, false, nil
		} else if !errors.Is(err, sql.ErrNoRows) {
			return nil, false, err
		}
	}
	docURL, _, _ := strings.Cut(keyID, "#")
	if f.u.localPath(docURL) != "" || !strings.HasPrefix(docURL, "http") {
		return nil, false, fmt.Errorf("federation: key %q is not a remote key", keyID)
	}
	m, err := f.client.getJSON(ctx, docURL, "", keyInstance)
	if err != nil {
		return nil, false, err
	}
	owner := docURL
	if _, isActor := m["inbox"]; !isActor {
		// A key document: its owner is the actor.
		owner = str(m, "owner")
		if owner == "" {
			return nil, false, fmt.Errorf("federation: key %s has no owner", keyID)
		}
		m = nil
	} else if id := str(m, "id"); id != docURL {
		// An actor served at its key's URL: fetch it from its own id.
		owner, m = id, nil
	}
	if !sameHost(owner, keyID) {
		return nil, false, fmt.Errorf("federation: key %s is owned by %s on another host", keyID, owner)
	}
	var a *remoteActor
	if m != nil {
		a, err = f.storeActorDoc(ctx, docURL, m)
	} else {
		a, err = f.fetchActor(ctx, owner)
	}
	if err != nil {
		return nil, false, err
	}
	if a.KeyID != keyID {
		return nil, false, fmt.Errorf("federation: actor %s does not hold the key %s", a.ID, keyID)
	}
	return a, true, nil
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
	if p := at.GetW3IDSecurityV1PublicKey(); p != nil {
		for it := p.Begin(); it != p.End(); it = it.Next() {
			if !it.IsW3IDSecurityV1PublicKey() {
				continue
			}
			k := it.Get()
			owner := ""
			if o := k.GetW3IDSecurityV1Owner(); o != nil && o.GetIRI() != nil {
				owner = o.GetIRI().String()
			}
			if owner != a.ID {
				continue
			}
			a.KeyID = idOf(k)
			if pem := k.GetW3IDSecurityV1PublicKeyPem(); pem != nil {
				a.PublicKeyPEM = pem.Get()
			}
			break
		}
	}
	switch {
	case a.Inbox == "" || !sameHost(a.Inbox, a.ID):
		return nil, fmt.Errorf("federation: actor %s has no inbox on its host", a.ID)
	case a.KeyID == "" || a.PublicKeyPEM == "":
		return nil, fmt.Errorf("federation: actor %s has no public key it owns", a.ID)
	case !sameHost(a.KeyID, a.ID):
		return nil, fmt.Errorf("federation: actor %s has a key on another host", a.ID)
	}
	if a.SharedInbox != "" && !sameHost(a.SharedInbox, a.ID) {
		a.SharedInbox = ""
	}
	if _, err := parsePublicKeyPEM(a.PublicKeyPEM); err != nil {
		return nil, fmt.Errorf("federation: actor %s: %w", a.ID, err)
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
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("federation: cache actor %s: %w", a.ID, err)
	}
	return a, nil
}
