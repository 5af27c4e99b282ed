package federation

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
)

// Group chats across markets (FEP-1b12). A group chat opened to other
// markets is the Group actor BASE/rooms/ID (room-ID@host). People elsewhere
// join by following it (accepted at once, unless a moderator removed them);
// a member writes a Note to the room (to or audience the room), which the
// room takes in and Announces, as received, to its followers (its members'
// servers); a message written here is Announced the same way, as the
// author's Create{Note}. A moderator's removal is a Remove{member} with the
// room's followers as target, a deleted message an Announce{Delete}. On a
// member's node, a room followed by someone there is mirrored in a local
// group chat (ap_rooms): the Announces land in it, and what they write in
// it goes to the room.

var _ app.RoomFederator = (*Federation)(nil)

// roomOfIRI returns the federated room here that iri names, or 0.
func (f *Federation) roomOfIRI(ctx context.Context, iri string) node.ConversationID {
	mm := roomPathRE.FindStringSubmatch(f.u.localPath(iri))
	if mm == nil {
		return 0
	}
	n, _ := strconv.ParseInt(mm[1], 10, 64)
	c, err := f.db.Conversation(ctx, node.ConversationID(n), 0)
	if err != nil || c.Kind != node.Group || !c.Federated {
		return 0
	}
	return c.ID
}

// roomInboxes is where a room's Announces go: its followers' inboxes.
func (f *Federation) roomInboxes(ctx context.Context, room node.ConversationID) ([]string, error) {
	rows, err := f.db.Read().QueryContext(ctx, `SELECT CASE shared_inbox WHEN '' THEN inbox ELSE shared_inbox END FROM ap_followers WHERE actor = ?`, roomKey(room))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// roomSend queues an activity of the room (signed by it) to its followers,
// and to extra inboxes.
func (f *Federation) roomSend(ctx context.Context, room node.ConversationID, kind string, doc map[string]any, extra ...string) error {
	inboxes, err := f.roomInboxes(ctx, room)
	if err != nil {
		return err
	}
	inboxes = append(inboxes, extra...)
	if len(inboxes) == 0 {
		return nil
	}
	doc["@context"] = jsonLDContext()
	body, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	o := outgoing{actor: roomKey(room), kind: kind, activity: str(doc, "id"), body: body, inboxes: inboxes}
	if err := f.db.Write(ctx, func(tx *sql.Tx) error { return f.enqueueTx(ctx, tx, o) }); err != nil {
		return err
	}
	f.kick()
	return nil
}

// roomAnnounce is the room's Announce of activity (kept as it is).
func (f *Federation) roomAnnounce(room node.ConversationID, activity any) map[string]any {
	rid := f.u.room(room)
	return map[string]any{"type": "Announce", "id": f.u.activity(newToken()), "actor": rid, "object": activity,
		"to": []any{f.u.followers(rid)}, "cc": []any{publicIRI}, "audience": rid, "published": f.now().UTC().Format(time.RFC3339)}
}

// roomMessage is a message of a room (here, or mirrored) as the author's
// Create{Note}, addressed to the room (audience) and its followers, and
// unlisted (Public in cc: anyone may follow a room, and Mastodon boosts only
// public or unlisted statuses; room_compat.go).
func (f *Federation) roomMessage(ctx context.Context, roomIRI string, m *node.Message) (map[string]any, error) {
	acc, err := f.db.Account(ctx, m.Author)
	if err != nil {
		return nil, err
	}
	author, id := f.u.person(acc.Name), f.u.message(m.ID)
	at := m.CreatedAt.UTC().Format(publishedMillis)
	note := map[string]any{"type": "Note", "id": id, "attributedTo": author, "content": string(f.md.HTML(m.Body)), "mediaType": "text/html",
		"to": []any{roomIRI}, "cc": []any{f.u.followers(roomIRI), publicIRI}, "audience": roomIRI, "published": at,
		"url": id}
	if m.ReplyTo != 0 {
		if irt, err := f.messageIRI(ctx, m.ReplyTo); err == nil && irt != "" {
			note["inReplyTo"] = irt
		}
	}
	return map[string]any{"@context": asContextIRI, "type": "Create", "id": id + "#create", "actor": author, "object": note,
		"to": []any{roomIRI}, "cc": []any{f.u.followers(roomIRI), publicIRI}, "audience": roomIRI, "published": at}, nil
}

// publishedMillis is how a room message says when it was written: to the
// millisecond (trailing zeros left out), so that members' markets, which
// receive a room's messages in any order, put those of one second in order
// too (xsd:dateTime allows the fraction; Lemmy and Misskey send one).
const publishedMillis = "2006-01-02T15:04:05.999Z07:00"

// writtenAt is when a room message says it was written: its published, or
// its Create's; zero when neither says (node.WrittenAt places it then).
func writtenAt(note, create map[string]any) time.Time {
	for _, o := range []map[string]any{note, create} {
		if t, err := time.Parse(time.RFC3339, str(o, "published")); err == nil {
			return t
		}
	}
	return time.Time{}
}

// roomPosted sends a message written here in a group chat: Announced by
// the room when it is ours, sent to the room when it mirrors one elsewhere.
func (f *Federation) roomPosted(ctx context.Context, c *node.Conversation, m *node.Message) error {
	switch {
	case c.Federated:
		create, err := f.roomMessage(ctx, f.u.room(c.ID), m)
		if err != nil {
			return err
		}
		return f.roomShare(ctx, c.ID, create, create["object"].(map[string]any))
	case c.RoomElsewhere != "":
		ra, err := f.remoteActor(ctx, c.RoomElsewhere, false)
		if err != nil {
			return err
		}
		create, err := f.roomMessage(ctx, ra.ID, m)
		if err != nil {
			return err
		}
		create["@context"] = jsonLDContext()
		body, err := json.Marshal(create)
		if err != nil {
			return err
		}
		return f.sendOne(ctx, accountKey(m.Author), "create", str(create, "id"), body, ra)
	}
	return nil
}

// roomDeleted sends the deletion of a message of a group chat: the room
// here Announces a Delete of it (whoever wrote it); in a mirror, the author
// deletes their own Note at the room.
func (f *Federation) roomDeleted(ctx context.Context, c *node.Conversation, m *node.Message) error {
	noteID := f.u.message(m.ID)
	if ap, err := f.messageAPID(ctx, m.ID); err == nil && ap != "" {
		noteID = ap // a message from elsewhere: its own id
	}
	switch {
	case c.Federated:
		return f.roomUnshare(ctx, c.ID, noteID)
	case c.RoomElsewhere != "" && m.Author != 0:
		ra, err := f.remoteActor(ctx, c.RoomElsewhere, false)
		if err != nil {
			return err
		}
		acc, err := f.db.Account(ctx, m.Author)
		if err != nil {
			return err
		}
		doc := map[string]any{"@context": jsonLDContext(), "type": "Delete", "id": f.u.activity(newToken()), "actor": f.u.person(acc.Name),
			"object": map[string]any{"type": "Tombstone", "id": noteID}, "to": []any{ra.ID}, "audience": ra.ID}
		body, err := json.Marshal(doc)
		if err != nil {
			return err
		}
		return f.sendOne(ctx, accountKey(m.Author), "delete", str(doc, "id"), body, ra)
	}
	return nil
}

// messageAPID is the ActivityPub id a message was taken in with ("" for ours).
func (f *Federation) messageAPID(ctx context.Context, id node.MessageID) (string, error) {
	var ap sql.NullString
	err := f.db.Read().QueryRowContext(ctx, `SELECT ap_id FROM messages WHERE id = ?`, id).Scan(&ap)
	return ap.String, err
}

// RoomAcct implements app.RoomFederator: the room's address, room-ID@host.
func (f *Federation) RoomAcct(id node.ConversationID) string {
	return "room-" + strconv.FormatInt(int64(id), 10) + "@" + f.host
}

// RemoveFromRoom implements app.RoomFederator: a moderator removes a member
// elsewhere (user@host or actor IRI) from room c: they stop being a
// follower, their later messages are refused, and everyone's servers (theirs
// too) receive the room's Remove.
func (f *Federation) RemoveFromRoom(ctx context.Context, c *node.Conversation, who string) error {
	if !c.Federated {
		return node.Errorf(node.ENOTFOUND, "%s is not a member of this group chat.", who)
	}
	var inbox string
	if ra, err := f.cachedActor(ctx, strings.TrimSpace(who)); err == nil {
		who, inbox = ra.ID, ra.deliveryInbox()
	}
	actor, err := f.db.RemoveRoomMember(ctx, c.ID, strings.TrimPrefix(strings.TrimSpace(who), "@"))
	if err != nil {
		return err
	}
	if ra, err := f.cachedActor(ctx, actor); err == nil {
		inbox = ra.deliveryInbox()
	}
	rid := f.u.room(c.ID)
	doc := map[string]any{"type": "Remove", "id": f.u.activity(newToken()), "actor": rid, "object": actor, "target": f.u.followers(rid),
		"to": []any{f.u.followers(rid), actor}, "audience": rid}
	var extra []string
	if inbox != "" {
		extra = append(extra, inbox)
	}
	return f.roomSend(ctx, c.ID, "remove", doc, extra...)
}

// observeRoom handles the activities of group chats across markets
// (handled true): on the room's node, a member's Create{Note} or Delete
// addressed to a room here; on a member's node, what a followed room
// Announces or Removes.
func (f *Federation) observeRoom(ctx context.Context, m map[string]any, signer *remoteActor) (bool, error) {
	typ := str(m, "type")
	obj, _ := m["object"].(map[string]any)
	if mirror, ok := f.roomOf(ctx, signer.ID); ok {
		switch typ {
		case "Announce":
			return true, f.roomAnnounced(ctx, mirror, obj)
		case "Remove":
			return true, f.roomRemoved(ctx, mirror, refOf(m["object"]))
		}
		return false, nil
	}
	switch typ {
	case "Create":
		if obj == nil || !roomPostType(str(obj, "type")) {
			return false, nil
		}
		room, reply := f.roomOfNote(ctx, m, obj)
		if room == 0 {
			return false, nil
		}
		return true, f.roomMemberWrote(ctx, room, reply, m, obj, signer)
	case "Delete":
		id := refOf(m["object"])
		var room node.ConversationID
		err := f.db.Read().QueryRowContext(ctx, `SELECT x.conversation_id FROM messages x JOIN ap_messages am ON am.message_id = x.id
			JOIN conversations c ON c.id = x.conversation_id WHERE x.ap_id = ? AND am.actor = ? AND c.federated = 1`, id, signer.ID).Scan(&room)
		if errors.Is(err, sql.ErrNoRows) {
			// Not here (yet): a member's Delete, sent to the room, of a
			// Note on their own server, that overtook its Create. A hidden
			// tombstone keeps the Create out when it comes, as a mirror's
			// does (roomAnnounced). Nobody can delete another's message
			// this way: the id must be on the signer's server, and the
			// Create is taken only from its author.
			if id == "" || id == signer.ID || !sameHost(id, signer.ID) {
				return false, nil
			}
			if room = f.roomAddressed(ctx, m); room == 0 {
				return false, nil
			}
			if joined, removed, err := f.roomMembership(ctx, room, signer.ID); err != nil || !joined || removed {
				return false, err
			}
			_, err := f.db.TombstoneByAPID(ctx, room, id)
			return true, err
		}
		if err != nil {
			return false, nil
		}
		if _, err := f.db.TombstoneByAPID(ctx, room, id); err != nil {
			return true, err
		}
		return true, f.roomUnshare(ctx, room, id)
	}
	return false, nil
}

// roomMembership reports whether actor joined room here, and whether a
// moderator removed them since.
func (f *Federation) roomMembership(ctx context.Context, room node.ConversationID, actor string) (joined, removed bool, err error) {
	var at sql.NullInt64
	err = f.db.Read().QueryRowContext(ctx, `SELECT removed_at FROM ap_room_members WHERE conversation_id = ? AND actor = ?`, room, actor).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return false, false, nil
	}
	return err == nil, at.Valid, err
}

// roomAddressed is the federated room here an object is for (audience, to
// or cc), or 0.
func (f *Federation) roomAddressed(ctx context.Context, o map[string]any) node.ConversationID {
	for _, k := range []string{"audience", "to", "cc"} {
		for _, v := range listOf(o[k]) {
			if s, ok := v.(string); ok {
				if r := f.roomOfIRI(ctx, s); r != 0 {
					return r
				}
			}
		}
	}
	return 0
}

// roomMemberWrote takes a member's Note (answering message reply, or 0)
// into room and Announces it, as received, to every member's server, and
// boosts it (room_compat.go). Someone who is not a member (never followed,
// or removed) is refused.
func (f *Federation) roomMemberWrote(ctx context.Context, room node.ConversationID, reply node.MessageID, create, note map[string]any, signer *remoteActor) error {
	joined, removed, err := f.roomMembership(ctx, room, signer.ID)
	switch {
	case err != nil:
		return err
	case !joined:
		return node.Errorf(node.EFORBIDDEN, "Follow the group chat to write in it.")
	case removed:
		return node.Errorf(node.EFORBIDDEN, "You were removed from this group chat.")
	}
	id, author := str(note, "id"), refOf(note["attributedTo"])
	if author == "" {
		author = refOf(create["actor"]) // the Note names its author only through its Create
	}
	if id == "" || !sameHost(id, signer.ID) || author != signer.ID {
		return node.Errorf(node.EINVALID, "A message needs an id on its author's server, and its author.")
	}
	body := roomPostBody(note)
	if body == "" {
		return nil
	}
	if _, err := f.app.PostRemote(ctx, app.RemotePost{Conversation: room, APID: id, Actor: signer.ID, AuthorName: acctOf(signer),
		AuthorShown: signer.Name, AuthorURL: cmp.Or(signer.URL, signer.ID), Body: truncateBody(body), ReplyTo: reply,
		Written: writtenAt(note, create)}); err != nil {
		if node.ErrorCode(err) == node.ECONFLICT {
			return nil // taken in before
		}
		return err
	}
	delete(create, "@context")
	if _, ok := create["id"]; !ok {
		create["id"] = id + "#create"
	}
	return f.roomShare(ctx, room, create, note)
}

// roomPostType: what a room takes in as a message: a Note, or a forum
// post (FEP-1b12's Page, an Article) from a member on Lemmy and the like.
func roomPostType(t string) bool { return t == "Note" || t == "Page" || t == "Article" }

// roomPostBody is the text of a room message: a Note's content; a Page's or
// an Article's title, then its content.
func roomPostBody(o map[string]any) string {
	body := strings.TrimSpace(htmlText(str(o, "content")))
	if t := str(o, "type"); t != "Note" {
		if name := strings.TrimSpace(htmlText(str(o, "name"))); name != "" {
			body = strings.TrimSpace(name + "\n\n" + body)
		}
	}
	return body
}

func truncateBody(s string) string {
	if r := []rune(s); len(r) > node.MaxMessageLen {
		return string(r[:node.MaxMessageLen-1]) + "…"
	}
	return s
}

// roomAnnounced takes what a followed room Announces into its mirror: a
// Create{Note} or a plain Note (not our own people's, which are here
// already; a Note comes twice, taken in once) or a Delete. A message takes
// its place by when it was written (writtenAt), not when it arrived: the
// room's deliveries to one market run side by side.
func (f *Federation) roomAnnounced(ctx context.Context, mirror node.ConversationID, inner map[string]any) error {
	if inner == nil {
		return nil // an Announce by IRI only: rooms send what they announce
	}
	switch str(inner, "type") {
	case "Create", "Note", "Page", "Article":
		note := inner // a plain boost of the Note (room_compat.go), or its Create
		if str(inner, "type") == "Create" {
			note, _ = inner["object"].(map[string]any)
		}
		if note == nil || !roomPostType(str(note, "type")) {
			return nil
		}
		id, author := str(note, "id"), refOf(note["attributedTo"])
		if author == "" && str(inner, "type") == "Create" {
			author = refOf(inner["actor"]) // FEP-1b12's own example names the author only there
		}
		if id == "" || author == "" || f.u.localPath(id) != "" || f.u.localPath(author) != "" {
			return nil // one of ours, echoed
		}
		if !sameHost(id, author) || f.isBlocked(ctx, author) {
			return nil
		}
		ra, err := f.remoteActor(ctx, author, false)
		if err != nil {
			f.log.Info("room message: author unavailable", "author", author, "err", err)
			return nil
		}
		body := roomPostBody(note)
		if body == "" {
			return nil
		}
		var create map[string]any // the Create, when the room announced one (a plain boost is the Note alone)
		if str(inner, "type") == "Create" {
			create = inner
		}
		_, err = f.app.PostRemote(ctx, app.RemotePost{Conversation: mirror, APID: id, Actor: ra.ID, AuthorName: acctOf(ra),
			AuthorShown: ra.Name, AuthorURL: cmp.Or(ra.URL, ra.ID), Body: truncateBody(body), Written: writtenAt(note, create)})
		if node.ErrorCode(err) == node.ECONFLICT {
			return nil
		}
		return err
	case "Delete":
		id := refOf(inner["object"])
		if mm := messagePathRE.FindStringSubmatch(f.u.localPath(id)); mm != nil {
			n, _ := strconv.ParseInt(mm[1], 10, 64)
			if msg, err := f.db.Message(ctx, node.MessageID(n)); err == nil && msg.Conversation == mirror && !msg.Deleted() {
				return f.db.DeleteMessage(ctx, msg.ID) // one of ours, deleted by the room's moderators
			}
			return nil
		}
		_, err := f.db.TombstoneByAPID(ctx, mirror, id)
		return err
	case "Remove":
		return f.roomRemoved(ctx, mirror, refOf(inner["object"]))
	}
	return nil
}

// roomRemoved records that a room removed a member: kept as a removed member
// of the mirror; one of our people leaves the mirror and stops following.
func (f *Federation) roomRemoved(ctx context.Context, mirror node.ConversationID, actor string) error {
	if actor == "" {
		return nil
	}
	if err := f.db.AddRoomMember(ctx, mirror, actor, actor); err != nil && node.ErrorCode(err) != node.ECONFLICT {
		return err
	}
	if _, err := f.db.RemoveRoomMember(ctx, mirror, actor); err != nil {
		return err
	}
	ref, ok := parseActorPath(f.u.localPath(actor))
	if !ok || ref.kind != "person" {
		return nil
	}
	acc, _, err := f.db.AccountByName(ctx, ref.name)
	if err != nil {
		return nil
	}
	if err := f.db.RemoveMember(ctx, mirror, acc.ID); err != nil {
		return err
	}
	return f.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM ap_following WHERE account_id = ? AND actor = (SELECT actor FROM ap_rooms WHERE conversation_id = ?)`,
			acc.ID, mirror)
		return err
	})
}

// roomFollowed records a new follower of a room here as its member; a
// member removed before is refused (false).
func (f *Federation) roomFollowed(ctx context.Context, key string, signer *remoteActor) (bool, error) {
	var id node.ConversationID
	if _, err := fmt.Sscanf(key, "room:%d", &id); err != nil {
		return true, nil
	}
	err := f.db.AddRoomMember(ctx, id, signer.ID, acctOf(signer))
	if node.ErrorCode(err) == node.ECONFLICT {
		return false, nil
	}
	return err == nil, err
}

// ReadmitToRoom implements app.RoomFederator: the removal of a member
// elsewhere (user@host or actor IRI) of room c is lifted, so that their
// next Follow is accepted. Nothing is sent: they join again by following.
func (f *Federation) ReadmitToRoom(ctx context.Context, c *node.Conversation, who string) error {
	who = strings.TrimPrefix(strings.TrimSpace(who), "@")
	if ra, err := f.cachedActor(ctx, who); err == nil {
		who = ra.ID
	}
	actor, err := f.db.ReadmitRoomMember(ctx, c.ID, who)
	if err != nil {
		return err
	}
	f.log.Info("room member let back in", "room", f.u.room(c.ID), "member", actor)
	return nil
}
