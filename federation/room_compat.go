package federation

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/node"
)

// Rooms for microblogging servers. Mastodon and GoToSocial do not read
// FEP-1b12's Announce{Create{Note}}: Mastodon's Announce handler takes the
// object's id as the boosted status and fetches it (a Create is not a
// status), and only boosts a status that is public or unlisted. So, as Lemmy
// does for its communities, the room also sends every message as a plain
// boost, Announce{Note} (the Note embedded, with its id), whose id is
// derived from the Note's, so that a moderator's deletion can take the boost
// back (Undo{Announce}); the Notes of a room are unlisted (Public in cc),
// as the room accepts anyone who follows it; and a room's messages are
// served at their ids. A member on Mastodon or GoToSocial answers with a
// Note inReplyTo a room message or mentioning the room (roomOfNote).

// compatAnnounceID is the id of the room's plain boost of the Note noteID:
// the same every time, so it can be undone.
func (f *Federation) compatAnnounceID(room node.ConversationID, noteID string) string {
	sum := sha256.Sum256([]byte(noteID))
	return f.u.room(room) + "/boosts/" + hex.EncodeToString(sum[:12])
}

// roomShare sends a message of the room to its members' servers: the
// author's create Announced (FEP-1b12), and its note boosted (roomBoost).
func (f *Federation) roomShare(ctx context.Context, room node.ConversationID, create, note map[string]any) error {
	if err := f.roomSend(ctx, room, "announce", f.roomAnnounce(room, create)); err != nil {
		return err
	}
	return f.roomBoost(ctx, room, note)
}

// roomUnshare takes a message of the room back from its members' servers:
// a Delete of noteID Announced by the room (FEP-1b12), and its boost
// undone (roomUnboost).
func (f *Federation) roomUnshare(ctx context.Context, room node.ConversationID, noteID string) error {
	rid := f.u.room(room)
	del := map[string]any{"type": "Delete", "id": f.u.activity(newToken()), "actor": rid, "object": noteID,
		"to": []any{f.u.followers(rid)}, "audience": rid}
	if err := f.roomSend(ctx, room, "announce", f.roomAnnounce(room, del)); err != nil {
		return err
	}
	return f.roomUnboost(ctx, room, noteID)
}

// roomBoost sends the room's plain boost of note (Announce{Note}) to its
// members' servers.
func (f *Federation) roomBoost(ctx context.Context, room node.ConversationID, note map[string]any) error {
	id := str(note, "id")
	if id == "" {
		return nil
	}
	obj := map[string]any{}
	for k, v := range note {
		if k != "@context" {
			obj[k] = v
		}
	}
	an := f.roomAnnounce(room, obj)
	an["id"] = f.compatAnnounceID(room, id)
	return f.roomSend(ctx, room, "announce", an)
}

// roomUnboost takes the room's plain boost of noteID back.
func (f *Federation) roomUnboost(ctx context.Context, room node.ConversationID, noteID string) error {
	rid := f.u.room(room)
	undo := map[string]any{"type": "Undo", "id": f.u.activity(newToken()), "actor": rid,
		"object": map[string]any{"type": "Announce", "id": f.compatAnnounceID(room, noteID), "actor": rid, "object": noteID},
		"to":     []any{f.u.followers(rid)}, "cc": []any{publicIRI}, "audience": rid}
	return f.roomSend(ctx, room, "undo", undo)
}

// roomOfNote is the federated room here a member's Note is written in, and
// the message of it the Note answers (0 when none): the room when the Note
// is addressed to it (audience, to, cc) or mentions it; else, for a public
// Note, the room of the message it is inReplyTo (Mastodon addresses a reply
// to the author it answers, not to the room). A non-public reply to a room
// message is not for the room (it is a private answer to its author).
func (f *Federation) roomOfNote(ctx context.Context, create, note map[string]any) (node.ConversationID, node.MessageID) {
	room := f.roomAddressed(ctx, note)
	if room == 0 {
		room = f.roomAddressed(ctx, create)
	}
	if room == 0 {
		for _, t := range listOf(note["tag"]) {
			if tm, ok := t.(map[string]any); ok && str(tm, "type") == "Mention" {
				if r := f.roomOfIRI(ctx, str(tm, "href")); r != 0 {
					room = r
					break
				}
			}
		}
	}
	conv, reply := f.roomMessageOf(ctx, refOf(note["inReplyTo"]))
	switch {
	case room == 0 && conv != 0 && isPublicNote(note):
		return conv, reply
	case room != 0 && conv == room:
		return room, reply
	}
	return room, 0
}

// isPublicNote: Public is among the Note's addressees.
func isPublicNote(note map[string]any) bool {
	for _, k := range []string{"to", "cc"} {
		for _, v := range listOf(note[k]) {
			if isPublicIRI(refOf(v)) {
				return true
			}
		}
	}
	return false
}

// roomMessageOf finds the message iri names (one of ours by its URL, or one
// taken in by its id) when it is in a federated room here.
func (f *Federation) roomMessageOf(ctx context.Context, iri string) (node.ConversationID, node.MessageID) {
	if iri == "" {
		return 0, 0
	}
	var conv node.ConversationID
	var id node.MessageID
	q := `SELECT x.conversation_id, x.id FROM messages x JOIN conversations c ON c.id = x.conversation_id
		WHERE x.ap_id = ? AND c.federated = 1 AND c.kind = 'group'`
	arg := any(iri)
	if mm := messagePathRE.FindStringSubmatch(f.u.localPath(iri)); mm != nil {
		n, _ := strconv.ParseInt(mm[1], 10, 64)
		q = `SELECT x.conversation_id, x.id FROM messages x JOIN conversations c ON c.id = x.conversation_id
			WHERE x.id = ? AND c.federated = 1 AND c.kind = 'group'`
		arg = n
	}
	if err := f.db.Read().QueryRowContext(ctx, q, arg).Scan(&conv, &id); err != nil {
		return 0, 0
	}
	return conv, id
}

// serveRoomMessage answers GET /messages/ID for a message of a group chat
// opened to other markets (or of a mirror of one elsewhere, written here):
// its Note, as the room sent it, so that servers fetching what the room
// boosted (Mastodon fetches the object of an Announce) find it. served is
// false for other messages.
func (f *Federation) serveRoomMessage(c echo.Context, conv *node.Conversation, m *node.Message) (served bool, err error) {
	if conv.Kind != node.Group || m.Author == 0 {
		return false, nil
	}
	var roomIRI string
	switch {
	case conv.Federated:
		roomIRI = f.u.room(conv.ID)
	case conv.RoomElsewhere != "":
		ra, err := f.remoteActor(c.Request().Context(), conv.RoomElsewhere, false)
		if err != nil {
			return true, err
		}
		roomIRI = ra.ID
	default:
		return false, nil
	}
	if m.Deleted() {
		doc, err := noteTombstone(f.u.message(m.ID))
		if err != nil {
			return true, err
		}
		return true, writeAS(c.Response(), http.StatusGone, doc)
	}
	create, err := f.roomMessage(c.Request().Context(), roomIRI, m)
	if err != nil {
		return true, err
	}
	note := create["object"].(map[string]any)
	note["@context"] = jsonLDContext()
	return true, writeAS(c.Response(), http.StatusOK, note)
}
