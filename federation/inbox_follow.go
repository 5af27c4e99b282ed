package federation

import (
	"context"
	"database/sql"
	"strings"

	"github.com/go-fed/activity/streams/vocab"
	"github.com/shiji-market/shiji/node"
)

// onFollow: a remote actor follows a stall, the market or a person here. The
// follow is stored and accepted at once, unless it is of a stall that
// approves its followers by hand and the actor does not follow it yet: then
// it waits in ap_follow_requests and the stallholders are notified. A Follow
// of something else is ignored.
func (f *Federation) onFollow(ctx context.Context, signer *remoteActor, a vocab.ActivityStreamsFollow) error {
	obj := firstObject(a)
	if obj == nil {
		return node.Errorf(node.EINVALID, "A Follow needs an object.")
	}
	target, err := f.localActorOf(ctx, iriOf(obj))
	if node.ErrorCode(err) == node.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	followID := idOf(a)
	if followID == "" {
		return node.Errorf(node.EINVALID, "A Follow needs an id.")
	}
	if target.approves {
		if waiting, err := f.requestFollow(ctx, signer, target, followID); err != nil || waiting {
			return err
		}
	}
	if strings.HasPrefix(target.key, "room:") { // a group chat (room.go): a removed member may not come back
		if ok, err := f.roomFollowed(ctx, target.key, signer); err != nil {
			return err
		} else if !ok {
			rejectID := f.u.activity(newToken())
			body, err := docBytes(reject(rejectID, target.id, follow(followID, signer.ID, target.id), signer.ID))
			if err != nil {
				return err
			}
			return f.sendOne(ctx, target.key, "reject", rejectID, body, signer)
		}
	}
	err = f.db.Write(ctx, func(tx *sql.Tx) error {
		return f.acceptFollowTx(ctx, tx, target.key, target.id, followerOf(signer), followID)
	})
	if err != nil {
		return err
	}
	f.kick()
	f.log.Info("new follower", "actor", target.id, "follower", signer.ID)
	return nil
}

// follower is who follows one of our actors, and where to tell them.
type follower struct{ id, inbox, sharedInbox string }

func followerOf(a *remoteActor) follower { return follower{a.ID, a.Inbox, a.SharedInbox} }

func (fl follower) deliveryInbox() string {
	if fl.sharedInbox != "" {
		return fl.sharedInbox
	}
	return fl.inbox
}

// acceptFollowTx stores fl as a follower of the local actor (key, id) and
// queues an Accept of their Follow. Call kick after the commit.
func (f *Federation) acceptFollowTx(ctx context.Context, tx *sql.Tx, key, id string, fl follower, followID string) error {
	acceptID := f.u.activity(newToken())
	body, err := docBytes(accept(acceptID, id, follow(followID, fl.id, id), fl.id))
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO ap_followers(actor, follower, inbox, shared_inbox, follow_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(actor, follower) DO UPDATE SET inbox = excluded.inbox,
		shared_inbox = excluded.shared_inbox, follow_id = excluded.follow_id`,
		key, fl.id, fl.inbox, fl.sharedInbox, followID, f.now().Unix()); err != nil {
		return err
	}
	return f.enqueueTx(ctx, tx, outgoing{actor: key, kind: "accept", activity: acceptID, body: body,
		inboxes: []string{fl.deliveryInbox()}})
}

// onUndo: a remote actor stops following. Undos of other things (likes,
// boosts) are ignored.
func (f *Federation) onUndo(ctx context.Context, signer *remoteActor, a vocab.ActivityStreamsUndo) error {
	obj := firstObject(a)
	if obj == nil {
		return node.Errorf(node.EINVALID, "An Undo needs an object.")
	}
	var followID, targetKey string
	switch {
	case obj.IsActivityStreamsFollow():
		fl := obj.GetActivityStreamsFollow()
		if p := fl.GetActivityStreamsActor(); p != nil && p.Len() > 0 && iriOf(p.Begin()) != signer.ID {
			return node.Errorf(node.EUNAUTHORIZED, "Only the follower can undo a Follow.")
		}
		followID = idOf(fl)
		if o := firstObject(fl); o != nil {
			if t, err := f.localActorOf(ctx, iriOf(o)); err == nil {
				targetKey = t.key
			}
		}
	case obj.IsActivityStreamsLike():
		l := obj.GetActivityStreamsLike()
		if p := l.GetActivityStreamsActor(); p != nil && p.Len() > 0 && iriOf(p.Begin()) != signer.ID {
			return node.Errorf(node.EUNAUTHORIZED, "Only who liked it can undo a Like.")
		}
		return f.unreact(ctx, signer, "like", idOf(l), iriOfFirst(l))
	case obj.IsActivityStreamsAnnounce():
		an := obj.GetActivityStreamsAnnounce()
		if p := an.GetActivityStreamsActor(); p != nil && p.Len() > 0 && iriOf(p.Begin()) != signer.ID {
			return node.Errorf(node.EUNAUTHORIZED, "Only who boosted it can undo a boost.")
		}
		return f.unreact(ctx, signer, "announce", idOf(an), iriOfFirst(an))
	case obj.IsIRI():
		followID = obj.GetIRI().String()
		if err := f.unreact(ctx, signer, "", followID, ""); err != nil { // an Undo naming a Like or boost
			return err
		}
	default:
		return nil
	}
	return f.db.Write(ctx, func(tx *sql.Tx) error {
		// Leaving a group chat (room.go) ends the membership (a removal stays).
		if _, err := tx.ExecContext(ctx, `DELETE FROM ap_room_members WHERE actor = ?1 AND removed_at IS NULL AND 'room:' || conversation_id IN
			(SELECT actor FROM ap_followers WHERE follower = ?1 AND (follow_id = ?2 OR actor = ?3))`, signer.ID, followID, targetKey); err != nil {
			return err
		}
		for _, table := range []string{"ap_followers", "ap_follow_requests"} {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE follower = ? AND (follow_id = ? OR actor = ?)`,
				signer.ID, followID, targetKey); err != nil {
				return err
			}
		}
		return nil
	})
}

// onAccept: a remote actor accepted (ok) or rejected one of our Follows.
func (f *Federation) onAccept(ctx context.Context, signer *remoteActor, a objectProp, ok bool) error {
	obj := firstObject(a)
	if obj == nil {
		return node.Errorf(node.EINVALID, "An Accept or Reject needs an object.")
	}
	followID := iriOf(obj)
	var follower string
	if obj.IsActivityStreamsFollow() {
		fl := obj.GetActivityStreamsFollow()
		if p := fl.GetActivityStreamsActor(); p != nil && p.Len() > 0 {
			follower = iriOf(p.Begin())
		}
		if o := firstObject(fl); o != nil && iriOf(o) != signer.ID {
			return nil // not a Follow of the signer
		}
	} else if !obj.IsIRI() {
		return nil // an Accept of something else (an Offer: later phases)
	}
	if done, err := f.linkAnswered(ctx, signer, followID, follower, ok); done { // our market's Follow (links.go)
		return err
	}
	var account node.AccountID
	if ref, isLocal := parseActorPath(f.u.localPath(follower)); isLocal && ref.kind == "person" {
		if acc, _, err := f.db.AccountByName(ctx, ref.name); err == nil {
			account = acc.ID
		}
	}
	var changed int64
	err := f.db.Write(ctx, func(tx *sql.Tx) error {
		q := `UPDATE ap_following SET state = 'accepted' WHERE actor = ? AND (follow_id = ? OR account_id = ?) AND state = 'pending'`
		if !ok {
			q = `DELETE FROM ap_following WHERE actor = ? AND (follow_id = ? OR account_id = ?)`
		}
		res, err := tx.ExecContext(ctx, q, signer.ID, followID, account)
		if err == nil {
			changed, _ = res.RowsAffected()
		}
		return err
	})
	if err == nil && ok && changed > 0 {
		f.startBackfill(signer.ID) // what is on their table already
	}
	if err == nil && !ok && account != 0 {
		// A group chat elsewhere that refused them (room.go: a removed
		// member): they are not in our copy of it either.
		if mirror, ok := f.roomOf(ctx, signer.ID); ok {
			err = f.db.RemoveMember(ctx, mirror, account)
		}
	}
	return err
}
