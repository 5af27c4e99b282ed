package federation

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/go-fed/activity/streams/vocab"
	"github.com/shiji-market/shiji/node"
)

// Notes that belong in a conversation (replies to our items, stalls and
// messages; private messages to our stalls and people) go to the
// conversations (inbox_message.go). Other notes come in only from actors
// that someone here follows, only when public and only when they are not
// replies.

// onCreate: a followed actor posted (a remote item or a post). dispatch
// reads the Note of a Create of one by itself (noteOf) and calls createNote;
// this is for the Creates go-fed reads whole (of an Event, of an object
// list...).
func (f *Federation) onCreate(ctx context.Context, signer *remoteActor, a vocab.ActivityStreamsCreate, raw map[string]any) error {
	obj := firstObject(a)
	if obj != nil && obj.IsActivityStreamsEvent() && raw != nil {
		return f.onEvent(ctx, signer, raw) // another market's market day
	}
	if obj == nil || !obj.IsActivityStreamsNote() {
		return nil
	}
	n, err := f.parseNote(ctx, obj.GetActivityStreamsNote(), raw)
	if err != nil {
		return node.Errorf(node.EINVALID, "The Note cannot be read: %v.", err)
	}
	return f.createNote(ctx, signer, n)
}

// createNote takes in a Note created elsewhere, read by parseNote or
// noteFromMap.
func (f *Federation) createNote(ctx context.Context, signer *remoteActor, n *remoteNote) error {
	if n.Actor == "" {
		n.Actor = signer.ID // no attributedTo: the actor's, as Mastodon reads it
	}
	if n.Actor != signer.ID {
		return node.Errorf(node.EUNAUTHORIZED, "A Note can only be created by its author.")
	}
	if taken, err := f.takeMessage(ctx, signer, n); taken || err != nil {
		return err
	}
	if !n.Public || n.Reply {
		return nil
	}
	if ok, err := f.followedHere(ctx, signer.ID); err != nil || !ok {
		return err
	}
	return f.storeNote(ctx, n, false)
}

// onUpdate: a note we keep changed, or an actor's profile did. As for
// onCreate, dispatch calls updateNote for an Update of a Note it reads by
// itself.
func (f *Federation) onUpdate(ctx context.Context, signer *remoteActor, a vocab.ActivityStreamsUpdate, raw map[string]any) error {
	obj := firstObject(a)
	if obj == nil {
		return nil
	}
	if iriOf(obj) == signer.ID {
		_, err := f.remoteActor(ctx, signer.ID, true) // the profile changed: fetch it again
		return err
	}
	if obj.IsActivityStreamsEvent() && raw != nil {
		return f.onEvent(ctx, signer, raw)
	}
	if !obj.IsActivityStreamsNote() {
		return nil
	}
	n, err := f.parseNote(ctx, obj.GetActivityStreamsNote(), raw)
	if err != nil {
		return node.Errorf(node.EINVALID, "The Note cannot be read: %v.", err)
	}
	return f.updateNote(ctx, signer, n)
}

// updateNote takes in a Note changed elsewhere, read by parseNote or
// noteFromMap.
func (f *Federation) updateNote(ctx context.Context, signer *remoteActor, n *remoteNote) error {
	if n.ID == signer.ID {
		_, err := f.remoteActor(ctx, signer.ID, true) // the profile changed: fetch it again
		return err
	}
	if n.Actor == "" {
		n.Actor = signer.ID
	}
	if n.Actor != signer.ID {
		return node.Errorf(node.EUNAUTHORIZED, "A Note can only be updated by its author.")
	}
	if found, err := f.updateMessage(ctx, signer, n); found || err != nil {
		return err
	}
	// A conversation note we never got (its Create was lost, or overtaken by
	// this Update): taken in as it is now, as Mastodon does.
	if taken, err := f.takeMessage(ctx, signer, n); taken || err != nil {
		return err
	}
	return f.storeNote(ctx, n, true)
}

// onDelete: a note is gone, or the actor is.
func (f *Federation) onDelete(ctx context.Context, signer *remoteActor, a vocab.ActivityStreamsDelete) error {
	obj := firstObject(a)
	if obj == nil {
		return nil
	}
	id := iriOf(obj)
	if id == signer.ID {
		defer f.signers.changed() // the actor and its keys go
	}
	return f.db.Write(ctx, func(tx *sql.Tx) error {
		if id == signer.ID {
			if err := tombstoneMessagesTx(ctx, tx, f.now().Unix(), signer.ID, ""); err != nil {
				return err
			}
			for _, q := range []string{`DELETE FROM ap_notes WHERE actor = ?1 OR via = ?1`, `DELETE FROM ap_followers WHERE follower = ?1`,
				`DELETE FROM ap_following WHERE actor = ?1`, `DELETE FROM ap_actors WHERE id = ?1`, `DELETE FROM ap_reactions WHERE actor = ?1`,
				`DELETE FROM ap_events WHERE actor = ?1`} {
				if _, err := tx.ExecContext(ctx, q, id); err != nil {
					return err
				}
			}
			return nil
		}
		if id == "" {
			return nil
		}
		if err := tombstoneMessagesTx(ctx, tx, f.now().Unix(), signer.ID, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM ap_events WHERE id = ? AND actor = ?`, id, signer.ID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM ap_notes WHERE id = ? AND actor = ?`, id, signer.ID)
		return err
	})
}

// onAnnounce: a followed actor (a market's Group) shares a note. An embedded
// note is trusted only from the announcer's own host; others are fetched.
func (f *Federation) onAnnounce(ctx context.Context, signer *remoteActor, a vocab.ActivityStreamsAnnounce, raw map[string]any) error {
	obj := firstObject(a)
	if obj == nil {
		return nil
	}
	if ours, err := f.react(ctx, signer, "announce", idOf(a), iriOf(obj)); ours || err != nil {
		return err // a boost of one of our items: counted
	}
	if ok, err := f.followedHere(ctx, signer.ID); err != nil || !ok {
		return err
	}
	id := iriOf(obj)
	var n *remoteNote
	var err error
	if obj.IsActivityStreamsNote() && sameHost(id, signer.ID) {
		n, err = f.parseNote(ctx, obj.GetActivityStreamsNote(), raw)
	} else if id != "" {
		m, ferr := f.client.getJSON(ctx, id, "", keyInstance)
		if ferr != nil {
			f.log.Info("announced object unavailable", "id", id, "err", ferr)
			return nil
		}
		if str(m, "id") != id {
			return nil
		}
		var ok bool
		if n, ok, err = f.noteOf(ctx, m); !ok {
			return nil
		}
	}
	if err != nil {
		return node.Errorf(node.EINVALID, "The Note cannot be read: %v.", err)
	}
	if n == nil {
		return nil
	}
	if !n.Public || n.Reply || n.Actor == "" || !sameHost(n.Actor, n.ID) || f.isBlocked(ctx, n.Actor) {
		return nil
	}
	n.Via = signer.ID
	if err := f.storeNote(ctx, n, false); err != nil {
		return err
	}
	f.knowAuthor(ctx, n.Actor)
	return nil
}

// followedHere reports whether a local account follows the actor (accepted).
func (f *Federation) followedHere(ctx context.Context, actor string) (bool, error) {
	fa, err := f.facts(ctx, actor) // kept for the Inbox version (ingest_fast.go)
	return fa.followed, err
}

// storeNote inserts or replaces a remote note; with onlyUpdate it changes only
// a note already kept (by the same author).
func (f *Federation) storeNote(ctx context.Context, n *remoteNote, onlyUpdate bool) error {
	atts, _ := json.Marshal(n.Attachments)
	tags, _ := json.Marshal(n.Tags)
	if n.Tags == nil {
		tags = []byte("[]")
	}
	if n.Attachments == nil {
		atts = []byte("[]")
	}
	price := ""
	if n.Price != nil {
		b, _ := json.Marshal(n.Price)
		price = string(b)
	}
	return f.db.WritePure(ctx, func(tx *sql.Tx) error { // statements only: it may run twice
		if onlyUpdate {
			_, err := f.db.Exec(ctx, tx, sqlNoteUpdate, n.Name, n.Content, n.URL, string(atts), string(tags), price,
				n.Updated.Unix(), n.ID, n.Actor)
			return err
		}
		_, err := f.db.Exec(ctx, tx, sqlNoteUpsert,
			n.ID, n.Actor, n.Via, n.Name, n.Content, n.URL, string(atts), string(tags), price, n.Published.Unix(), n.Updated.Unix(),
			f.now().Unix())
		return err
	})
}
