package federation

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/go-fed/activity/streams"
	"github.com/go-fed/activity/streams/vocab"
	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
)

// Stalls move between markets as Mastodon accounts do (its "account
// migration"): the new stall first names the old one among its other
// addresses (alsoKnownAs); then the old market sends a Move
// {actor, object: the old stall, target: the new one} to the old stall's
// followers, whose servers check the new actor's alsoKnownAs and follow it
// instead. The old actor stays, with movedTo, and its page redirects.

var _ app.Mover = (*Federation)(nil)

// ResolveActor returns the actor IRI of an address on another server
// (name@host, or the actor's URL), after fetching the actor: ENOTFOUND
// when it cannot be fetched, EINVALID for this market's own actors
// (app.Mover).
func (f *Federation) ResolveActor(ctx context.Context, address string) (string, error) {
	id := strings.TrimSpace(address)
	switch {
	case id == "":
		return "", node.Errorf(node.EINVALID, "Give an address such as stall-3@market.example, or an actor's URL.")
	case strings.HasPrefix(id, "https://") || strings.HasPrefix(id, "http://"):
		if f.u.localPath(id) != "" {
			return "", node.Errorf(node.EINVALID, "%s is on this market.", id)
		}
	default:
		var err error
		if id, err = f.lookupAcct(ctx, id); err != nil {
			return "", err
		}
	}
	if f.isBlocked(ctx, id) {
		return "", node.Errorf(node.EFORBIDDEN, "The organiser has blocked %s.", id)
	}
	ra, err := f.remoteActor(ctx, id, true)
	if err != nil {
		f.log.Info("resolve actor: unavailable", "actor", id, "err", err)
		return "", node.Errorf(node.ENOTFOUND, "Cannot fetch the actor %s.", id)
	}
	return ra.ID, nil
}

// MoveStall moves the stall st to the actor at address on another market
// (app.Mover): the new actor must name st's actor in its alsoKnownAs
// (EINVALID otherwise: nothing changes). In one transaction the stall is
// marked moved (data.MoveStallTx), a Move goes to its followers elsewhere,
// and the people here who followed it now follow the new actor (a Follow
// from each of them). It returns the new actor's IRI.
func (f *Federation) MoveStall(ctx context.Context, st *node.Stall, address string) (string, error) {
	target, err := f.ResolveActor(ctx, address)
	if err != nil {
		return "", err
	}
	origin := f.u.stall(st.ID)
	doc, err := f.client.getJSON(ctx, target, "", keyInstance) // fresh: the alias may be minutes old
	if err != nil {
		return "", node.Errorf(node.ENOTFOUND, "Cannot fetch the actor %s.", target)
	}
	if !contains(iris(doc["alsoKnownAs"]), origin) {
		return "", node.Errorf(node.EINVALID, "%s does not name this stall (%s) as one of its addresses yet: add this stall's address as an alias on the new market first, then move.", target, origin)
	}
	ra, err := f.remoteActor(ctx, target, false)
	if err != nil {
		return "", node.Errorf(node.ENOTFOUND, "Cannot fetch the actor %s.", target)
	}
	key := stallKey(st.ID)
	err = f.db.Write(ctx, func(tx *sql.Tx) error {
		locals, err := data.MoveStallTx(ctx, tx, st.ID, target, f.now().Unix())
		if err != nil {
			return err
		}
		inboxes, err := followerInboxesTx(ctx, tx, key)
		if err != nil {
			return err
		}
		moveID := f.u.activity(newToken())
		body, err := docBytes(moveActivity(moveID, origin, target, f.u.followers(origin)))
		if err != nil {
			return err
		}
		if err := f.enqueueTx(ctx, tx, outgoing{actor: key, kind: "move", activity: moveID, public: true, body: body, inboxes: inboxes}); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM ap_follow_requests WHERE actor = ?`, key); err != nil {
			return err
		}
		for _, acc := range locals {
			if err := f.followQuietlyTx(ctx, tx, acc, ra); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	f.kick()
	f.log.Info("stall moved", "stall", origin, "to", target)
	return target, nil
}

// moveActivity is actor's Move of itself to target.
func moveActivity(id, actor, target, followers string) vocab.ActivityStreamsMove {
	a := streams.NewActivityStreamsMove()
	a.SetJSONLDId(idProp(id))
	a.SetActivityStreamsActor(actorProp(actor))
	o := streams.NewActivityStreamsObjectProperty()
	o.AppendIRI(iri(actor))
	a.SetActivityStreamsObject(o)
	t := streams.NewActivityStreamsTargetProperty()
	t.AppendIRI(iri(target))
	a.SetActivityStreamsTarget(t)
	a.SetActivityStreamsTo(toProp(followers))
	return a
}

// followQuietlyTx makes the local account follow the remote actor ra, in
// tx, unless it does already: a pending follow and a Follow from its
// Person, without waiting for the Accept.
func (f *Federation) followQuietlyTx(ctx context.Context, tx *sql.Tx, acc node.AccountID, ra *remoteActor) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM ap_following WHERE account_id = ? AND actor = ?`, acc, ra.ID).Scan(&n); err != nil || n > 0 {
		return err
	}
	var name string
	if err := tx.QueryRowContext(ctx, `SELECT name FROM accounts WHERE id = ? AND disabled = 0`, acc).Scan(&name); errors.Is(err, sql.ErrNoRows) {
		return nil
	} else if err != nil {
		return err
	}
	followID := f.u.activity(newToken())
	if _, err := tx.ExecContext(ctx, `INSERT INTO ap_following(account_id, actor, follow_id, state, created_at) VALUES (?, ?, ?, 'pending', ?)`,
		acc, ra.ID, followID, f.now().Unix()); err != nil {
		return err
	}
	body, err := docBytes(follow(followID, f.u.person(name), ra.ID))
	if err != nil {
		return err
	}
	return f.enqueueTx(ctx, tx, outgoing{actor: accountKey(acc), kind: "follow", activity: followID, body: body, inboxes: []string{ra.Inbox}})
}

// onMove: an actor people here follow moved to another actor (Mastodon's
// account migration, or a stall moving between markets). The Move must be
// the actor's own (object = actor = signer) and the target must name the
// old actor in its alsoKnownAs; then each local follower stops following
// the old actor (an Undo) and follows the new one: a stall of this market
// directly, one elsewhere with a Follow. A Move of an actor nobody here
// follows, or whose target does not confirm it, changes nothing (and is
// answered 202, as Mastodon does); a malformed one is EINVALID.
func (f *Federation) onMove(ctx context.Context, signer *remoteActor, a vocab.ActivityStreamsMove) error {
	obj := firstObject(a)
	if obj == nil {
		return node.Errorf(node.EINVALID, "A Move needs an object.")
	}
	origin := iriOf(obj)
	if origin != signer.ID {
		return node.Errorf(node.EINVALID, "A Move must move its own actor.")
	}
	var target string
	if tp := a.GetActivityStreamsTarget(); tp != nil && tp.Len() > 0 {
		target = iriOf(tp.Begin())
	}
	if target == "" || target == origin {
		return node.Errorf(node.EINVALID, "A Move needs a target other than its actor.")
	}
	var followers []node.AccountID
	rows, err := f.db.Read().QueryContext(ctx, `SELECT account_id FROM ap_following WHERE actor = ? ORDER BY account_id`, origin)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id node.AccountID
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		followers = append(followers, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(followers) == 0 {
		return nil
	}
	// The target, here or elsewhere, must say it is the origin too. A Move
	// that cannot be confirmed is logged and ignored (202, as Mastodon
	// answers it).
	ignore := func(reason string) error {
		f.log.InfoContext(ctx, "Move not taken", "from", origin, "to", target, "reason", reason)
		return nil
	}
	var local *node.Stall
	var ra *remoteActor
	if p := f.u.localPath(target); p != "" {
		ref, ok := parseActorPath(p)
		if !ok || ref.kind != "stall" || ref.boxPath != "" {
			return ignore("the target is not a stall here")
		}
		if local, err = f.db.Stall(ctx, ref.stall); node.ErrorCode(err) == node.ENOTFOUND {
			return ignore("no such stall here")
		} else if err != nil {
			return err
		}
		if local.Closed() || !contains(local.AlsoKnownAs, origin) {
			return ignore("the stall does not name the old actor among its addresses")
		}
	} else {
		if f.isBlocked(ctx, target) {
			return ignore("the target is blocked here")
		}
		doc, err := f.client.getJSON(ctx, target, "", keyInstance)
		if err != nil {
			return ignore("the target cannot be fetched: " + err.Error())
		}
		if !contains(iris(doc["alsoKnownAs"]), origin) {
			return ignore("the target does not name the old actor in alsoKnownAs")
		}
		if ra, err = f.remoteActor(ctx, target, false); err != nil {
			return ignore("the target is not an actor: " + err.Error())
		}
	}
	err = f.db.Write(ctx, func(tx *sql.Tx) error {
		for _, acc := range followers {
			if err := f.unfollowTx(ctx, tx, acc, origin, signer); err != nil {
				return err
			}
			if local != nil {
				if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO stall_follows(account_id, stall_id, created_at) VALUES (?, ?, ?)`,
					acc, local.ID, f.now().Unix()); err != nil {
					return err
				}
				continue
			}
			if err := f.followQuietlyTx(ctx, tx, acc, ra); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	f.kick()
	f.log.Info("followed actor moved; its followers here follow the new one", "from", origin, "to", target, "followers", len(followers))
	return nil
}

// unfollowTx ends acc's follow of the remote actor and sends it an Undo.
func (f *Federation) unfollowTx(ctx context.Context, tx *sql.Tx, acc node.AccountID, actor string, ra *remoteActor) error {
	var followID, name string
	err := tx.QueryRowContext(ctx, `SELECT fo.follow_id, a.name FROM ap_following fo JOIN accounts a ON a.id = fo.account_id
		WHERE fo.account_id = ? AND fo.actor = ?`, acc, actor).Scan(&followID, &name)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	} else if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM ap_following WHERE account_id = ? AND actor = ?`, acc, actor); err != nil {
		return err
	}
	person := f.u.person(name)
	undoID := f.u.activity(newToken())
	body, err := docBytes(undo(undoID, person, follow(followID, person, actor), actor))
	if err != nil {
		return err
	}
	return f.enqueueTx(ctx, tx, outgoing{actor: accountKey(acc), kind: "undo", activity: undoID, body: body, inboxes: []string{ra.Inbox}})
}

// iris reads a JSON value that is an IRI, an object with an id, or a list
// of them.
func iris(v any) []string {
	switch x := v.(type) {
	case []any:
		var out []string
		for _, e := range x {
			if s := refOf(e); s != "" {
				out = append(out, s)
			}
		}
		return out
	default:
		if s := refOf(x); s != "" {
			return []string{s}
		}
	}
	return nil
}
