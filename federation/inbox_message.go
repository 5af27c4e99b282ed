package federation

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
)

// Inbound notes that belong in conversations (issue 7, phase 2):
//
//   - a public reply to one of our items, stalls or thread messages lands in
//     that item's or stall's public thread;
//   - a reply to a message of a private chat with the signer lands in that
//     chat;
//   - a reply to a remote object a local account asked about (our
//     ap_conversations.context) lands in that account's conversation;
//   - a note addressed only to people (no Public, no followers collection)
//     with one of our stalls or persons among them lands in the private chat
//     between the signer and that stall's holders (or that person), created
//     on the first message.
//
// Everything else goes on to the timeline rules of inbox_note.go.

// messageTarget is where an inbound note goes.
type messageTarget struct {
	post    app.RemotePost
	private *privateKey // set: find or create this private chat
}

// privateKey names a private chat with a remote actor.
type privateKey struct {
	actor, local, context string
	chat                  app.RemoteChat
}

// takeMessage stores a note that belongs in a conversation. It reports
// whether the note was one (then nothing else is done with it).
func (f *Federation) takeMessage(ctx context.Context, signer *remoteActor, n *remoteNote) (bool, error) {
	t, err := f.messageTarget(ctx, signer, n)
	if err != nil || t == nil {
		return false, err
	}
	body := n.Text()
	if utf8.RuneCountInString(body) > node.MaxMessageLen {
		body = string([]rune(body)[:node.MaxMessageLen-1]) + "…"
	}
	if f.messageTaken(ctx, n.ID) {
		return true, nil // taken in before: its pictures are not fetched again
	}
	photos := f.pictures(ctx, n.Attachments)
	if strings.TrimSpace(body) == "" {
		if len(photos) == 0 {
			return true, nil // nothing to show
		}
		body = "📷" // a picture only
	}
	if t.private != nil {
		id, err := f.privateChat(ctx, *t.private)
		if err != nil {
			return true, err
		}
		t.post.Conversation = id
	}
	p := t.post
	p.APID, p.Body, p.Photos = n.ID, body, photos
	p.AuthorName, p.AuthorShown, p.AuthorURL = acctOf(signer), signer.Name, signer.URL
	if p.AuthorShown == "" {
		p.AuthorShown = signer.PreferredUsername
	}
	if p.AuthorURL == "" || !strings.HasPrefix(p.AuthorURL, "http") {
		p.AuthorURL = signer.ID
	}
	p.Actor = signer.ID
	// Its place in the conversation: when the Note says it was written
	// (parseNote gives the arrival time when it says nothing), as a group
	// chat's messages take theirs (node.WrittenAt caps the future).
	p.Written = n.Published
	if _, err := f.app.PostRemote(ctx, p); node.ErrorCode(err) != node.ECONFLICT {
		return true, err
	}
	return true, nil // taken in before
}

// messageTarget works out where a note goes, or nil when it is not a
// conversation note.
func (f *Federation) messageTarget(ctx context.Context, signer *remoteActor, n *remoteNote) (*messageTarget, error) {
	direct := !n.Public
	for _, a := range n.Addressed {
		if strings.HasSuffix(a, "/followers") {
			direct = false // followers-only: not a private message
		}
	}
	locals := f.addressedLocals(ctx, n.Addressed)
	if n.InReplyTo != "" {
		t, err := f.replyTarget(ctx, signer, n, locals)
		if t != nil || err != nil {
			return t, err
		}
	}
	if !direct || len(locals) == 0 {
		return nil, nil
	}
	k := f.privateFor(signer, locals[0], 0)
	// Written to several of us at once: one chat, with all of them in it
	// (the first addressee's holders answer as the stall).
	for _, la := range locals[1:] {
		k.chat.With = append(k.chat.With, f.accountsOf(ctx, la)...)
	}
	return &messageTarget{private: k}, nil
}

// accountsOf is the people here behind a local actor: a stall's holders, or
// the person.
func (f *Federation) accountsOf(ctx context.Context, la *localActor) []node.AccountID {
	if stall, ok := stallOfKey(la.key); ok {
		if st, err := f.db.Stall(ctx, stall); err == nil {
			return st.Holders
		}
		return nil
	}
	if id, ok := strings.CutPrefix(la.key, "account:"); ok {
		n, _ := strconv.ParseInt(id, 10, 64)
		return []node.AccountID{node.AccountID(n)}
	}
	return nil
}

// privateFor is the private chat between signer and a local actor.
func (f *Federation) privateFor(signer *remoteActor, local *localActor, item node.ItemID) *privateKey {
	k := &privateKey{actor: signer.ID, local: local.key}
	if id, ok := strings.CutPrefix(local.key, "stall:"); ok {
		n, _ := strconv.ParseInt(id, 10, 64)
		k.chat = app.RemoteChat{Stall: node.StallID(n), Item: item}
	} else if id, ok := strings.CutPrefix(local.key, "account:"); ok {
		n, _ := strconv.ParseInt(id, 10, 64)
		k.chat = app.RemoteChat{Account: node.AccountID(n), Item: item}
	}
	return k
}

// addressedLocals returns our stalls and people among a note's addressees.
func (f *Federation) addressedLocals(ctx context.Context, addressed []string) []*localActor {
	var out []*localActor
	seen := map[string]bool{}
	for _, a := range addressed {
		ref, ok := parseActorPath(f.u.localPath(a))
		if !ok || ref.boxPath != "" || (ref.kind != "stall" && ref.kind != "person") {
			continue
		}
		la, err := f.loadActor(ctx, ref)
		if err != nil || seen[la.key] {
			continue
		}
		seen[la.key] = true
		out = append(out, la)
	}
	return out
}

// replyTarget places a reply by what it replies to.
func (f *Federation) replyTarget(ctx context.Context, signer *remoteActor, n *remoteNote, locals []*localActor) (*messageTarget, error) {
	to := n.InReplyTo
	p := f.u.localPath(to)
	switch {
	case p != "" && itemPathRE.MatchString(p):
		id, _ := strconv.ParseInt(itemPathRE.FindStringSubmatch(p)[1], 10, 64)
		it, err := f.db.Item(ctx, node.ItemID(id))
		if err != nil {
			return nil, ignoreNotFound(err)
		}
		if n.Public {
			return &messageTarget{post: app.RemotePost{Item: it.ID}}, nil
		}
		st, err := f.loadActor(ctx, actorRef{kind: "stall", stall: it.Stall})
		if err != nil {
			return nil, ignoreNotFound(err)
		}
		return &messageTarget{private: f.privateFor(signer, st, it.ID)}, nil
	case p != "" && stallPathRE.MatchString(p):
		ref, _ := parseActorPath(p)
		st, err := f.loadActor(ctx, ref)
		if err != nil {
			return nil, ignoreNotFound(err)
		}
		if n.Public {
			return &messageTarget{post: app.RemotePost{Stall: ref.stall}}, nil
		}
		return &messageTarget{private: f.privateFor(signer, st, 0)}, nil
	case p != "" && messagePathRE.MatchString(p):
		id, _ := strconv.ParseInt(messagePathRE.FindStringSubmatch(p)[1], 10, 64)
		return f.replyToMessage(ctx, signer, n, node.MessageID(id), locals)
	case p != "":
		return nil, nil
	}
	// A remote message we keep?
	var id node.MessageID
	err := f.db.QueryRow(ctx, `SELECT id FROM messages WHERE ap_id = ?`, to).Scan(&id)
	if err == nil {
		return f.replyToMessage(ctx, signer, n, id, locals)
	} else if !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	// A remote object one of the people addressed asked about.
	for _, la := range locals {
		var conv node.ConversationID
		err := f.db.QueryRow(ctx, `SELECT conversation_id FROM ap_conversations WHERE context = ? AND local = ?`,
			to, la.key).Scan(&conv)
		if err == nil {
			return &messageTarget{post: app.RemotePost{Conversation: conv}}, nil
		} else if !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
	}
	// A reply that came before its parent: the parent is fetched, and when
	// it belongs in one of our conversations it is taken in first (up to
	// parentDepth notes up the thread), then this reply lands under it.
	if f.takeParent(ctx, to) {
		if err := f.db.QueryRow(ctx, `SELECT id FROM messages WHERE ap_id = ?`, to).Scan(&id); err == nil {
			return f.replyToMessage(ctx, signer, n, id, locals)
		}
	}
	return nil, nil
}

// parentDepth is how far up a thread a reply's unknown parents are fetched.
const parentDepth = 3

type parentDepthKey struct{}

// takeParent fetches the remote note iri (signed) and takes it in as a
// message of its author when it belongs in one of our conversations; it
// reports whether it did. Each reply fetches at most parentDepth parents.
func (f *Federation) takeParent(ctx context.Context, iri string) bool {
	depth, _ := ctx.Value(parentDepthKey{}).(int)
	if depth >= parentDepth || !strings.HasPrefix(iri, "http") || f.isBlocked(ctx, iri) {
		return false
	}
	ctx = context.WithValue(ctx, parentDepthKey{}, depth+1)
	m, err := f.client.getJSON(ctx, iri, "", keyInstance)
	if err != nil || str(m, "id") != iri {
		return false
	}
	n, ok, err := f.noteOf(ctx, m)
	if !ok || err != nil || n.Actor == "" || !sameHost(n.Actor, n.ID) || f.isBlocked(ctx, n.Actor) {
		return false
	}
	author, err := f.remoteActor(ctx, n.Actor, false)
	if err != nil {
		return false
	}
	taken, err := f.takeMessage(ctx, author, n)
	if err != nil {
		f.log.Info("parent of a reply not taken in", "server", hostOf(iri), "id", iri, "err", err)
	}
	return taken && err == nil
}

// replyToMessage places a reply to a message we keep: in its public thread
// (a private reply to a thread message goes to a private chat with the
// stall), or in its private chat when the signer is that chat's remote side
// or the chat follows a public remote thread.
func (f *Federation) replyToMessage(ctx context.Context, signer *remoteActor, n *remoteNote, id node.MessageID, locals []*localActor) (*messageTarget, error) {
	m, err := f.db.Message(ctx, id)
	if err != nil {
		return nil, ignoreNotFound(err)
	}
	c, err := f.db.Conversation(ctx, m.Conversation, 0)
	if err != nil {
		return nil, ignoreNotFound(err)
	}
	switch c.Kind {
	case node.Thread:
		if n.Public {
			return &messageTarget{post: app.RemotePost{Conversation: c.ID, ReplyTo: id}}, nil
		}
		st, err := f.loadActor(ctx, actorRef{kind: "stall", stall: c.Stall})
		if err != nil {
			return nil, ignoreNotFound(err)
		}
		return &messageTarget{private: f.privateFor(signer, st, c.Item)}, nil
	case node.Private:
		var actor, context string
		err := f.db.QueryRow(ctx, `SELECT actor, context FROM ap_conversations WHERE conversation_id = ?`, c.ID).Scan(&actor, &context)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		} else if err != nil {
			return nil, err
		}
		if actor == signer.ID || (context != "" && n.Public) {
			return &messageTarget{post: app.RemotePost{Conversation: c.ID, ReplyTo: id}}, nil
		}
	}
	return nil, nil
}

// privateChat finds the private chat of k, or creates it.
func (f *Federation) privateChat(ctx context.Context, k privateKey) (node.ConversationID, error) {
	return f.app.RemotePrivate(ctx, k.chat, data.RemoteSide{Actor: k.actor, Local: k.local, Context: k.context})
}

func ignoreNotFound(err error) error {
	if node.ErrorCode(err) == node.ENOTFOUND {
		return nil
	}
	return err
}

// updateMessage edits a message taken in from the signer; found is false
// when there is none.
func (f *Federation) updateMessage(ctx context.Context, signer *remoteActor, n *remoteNote) (found bool, err error) {
	var id node.MessageID
	err = f.db.QueryRow(ctx, `SELECT x.id FROM messages x JOIN ap_messages am ON am.message_id = x.id
		WHERE x.ap_id = ? AND am.actor = ?`, n.ID, signer.ID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	body := n.Text()
	if utf8.RuneCountInString(body) > node.MaxMessageLen {
		body = string([]rune(body)[:node.MaxMessageLen-1]) + "…"
	}
	if strings.TrimSpace(body) == "" {
		return true, nil
	}
	return true, f.db.EditMessage(ctx, id, body)
}

// tombstoneMessagesTx deletes (leaves tombstones of) the signer's messages:
// the one with ap id, or all of them when id is "".
func tombstoneMessagesTx(ctx context.Context, tx *sql.Tx, now int64, actor, id string) error {
	_, err := tx.ExecContext(ctx, `UPDATE messages SET body = '', deleted_at = ? WHERE deleted_at IS NULL
		AND id IN (SELECT message_id FROM ap_messages WHERE actor = ?) AND (? = '' OR ap_id = ?)`, now, actor, id, id)
	return err
}

// messageTaken reports whether the note with ap id was taken in already.
func (f *Federation) messageTaken(ctx context.Context, id string) bool {
	var n int
	f.db.QueryRow(ctx, `SELECT count(*) FROM messages WHERE ap_id = ?`, id).Scan(&n)
	return n > 0
}
