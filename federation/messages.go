package federation

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-fed/activity/streams"
	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
)

// Outbound conversation notes (issue 7, phase 2). Every message written here
// is a Note at BASE/messages/ID. When a local account writes in a public
// thread that has remote participants (remote authors of its messages), or
// in a private chat with a remote actor, MessagePosted queues a Create{Note}
// for them; MessageChanged sends its edits (Update{Note}) and its deletion
// (Delete{Tombstone}) to the same people, signed by the same actor.

// messageAudience is who a message's Note is by and for.
type messageAudience struct {
	key, actor string   // the local actor that signs (a stall when a holder answers for it, else the person) and its IRI
	to, cc     []string // addressing
	remotes    []string // remote actor IRIs the Note is delivered to (and mentions)
	inReplyTo  string
	public     bool
}

// MessagePosted implements app.Federator: a local account's message in a
// conversation with remote participants goes to them. It never fails the
// caller: errors are logged.
func (f *Federation) MessagePosted(ctx context.Context, c *node.Conversation, m *node.Message) {
	if m.Author == 0 {
		return
	}
	if c.Kind == node.Group {
		if err := f.roomPosted(ctx, c, m); err != nil { // room.go
			f.log.Error("cannot send a group chat's message", "message", m.ID, "conversation", c.ID, "err", err)
		}
		return
	}
	if err := f.queueMessage(ctx, c, m, "create"); err != nil {
		f.log.Error("cannot queue a message", "message", m.ID, "conversation", c.ID, "err", err)
	}
}

// MessageChanged implements app.Federator: the edit (kind "update") or the
// deletion ("delete") of a message written here goes to the remote
// participants of its conversation, as an Update{Note} (the Note rendered
// again: same id, with updated) or a Delete{Tombstone}, signed by the actor
// that signed its Create. Messages taken in from elsewhere (no local author)
// are never sent. It never fails the caller: errors are logged.
func (f *Federation) MessageChanged(ctx context.Context, c *node.Conversation, m *node.Message, kind string) {
	if c.Kind == node.Group && kind == "delete" {
		if err := f.roomDeleted(ctx, c, m); err != nil { // room.go
			f.log.Error("cannot send a group chat's deletion", "message", m.ID, "conversation", c.ID, "err", err)
		}
		return
	}
	if m.Author == 0 || c.Kind == node.Group || (kind != "update" && kind != "delete") {
		return
	}
	if err := f.queueMessage(ctx, c, m, kind); err != nil {
		f.log.Error("cannot queue a message change", "message", m.ID, "kind", kind, "conversation", c.ID, "err", err)
	}
}

// queueMessage queues the Create, Update or Delete of a local message's Note
// for the remote participants of its conversation (messageAudience), if
// there are any.
func (f *Federation) queueMessage(ctx context.Context, c *node.Conversation, m *node.Message, kind string) error {
	aud, err := f.messageAudience(ctx, c, m)
	if err != nil || aud == nil || len(aud.remotes) == 0 {
		return err
	}
	var inboxes []string
	for _, r := range aud.remotes {
		ra, err := f.cachedActor(ctx, r)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		} else if err != nil {
			return err
		}
		inboxes = append(inboxes, ra.deliveryInbox())
	}
	var note map[string]any
	if kind != "delete" {
		if note, err = f.messageNote(ctx, c, m, aud); err != nil {
			return err
		}
	}
	at := map[string]time.Time{"create": m.CreatedAt, "update": m.EditedAt, "delete": m.DeletedAt}[kind]
	if at.IsZero() {
		at = f.now()
	}
	o := outgoing{actor: aud.key, kind: kind, activity: f.u.activity(newToken()), public: aud.public, inboxes: inboxes}
	if o.body, err = f.messageActivity(kind, o.activity, aud, f.u.message(m.ID), note, at); err != nil {
		return err
	}
	if kind == "create" {
		err = f.db.Write(ctx, func(tx *sql.Tx) error { return f.enqueueTx(ctx, tx, o) })
	} else {
		fresh := outgoing{actor: aud.key, kind: "create", activity: f.u.activity(newToken()), public: aud.public}
		if kind == "update" {
			if fresh.body, err = f.messageActivity("create", fresh.activity, aud, f.u.message(m.ID), note, m.CreatedAt); err != nil {
				return err
			}
		}
		err = f.db.Write(ctx, func(tx *sql.Tx) error {
			return f.queueChangeTx(ctx, tx, f.u.message(m.ID), m.CreatedAt, o, fresh)
		})
	}
	if err == nil {
		f.kick()
	}
	return err
}

// messageActivity renders Create{Note}, Update{Note} or Delete{Tombstone} of
// the Note noteID, addressed as the Note is.
func (f *Federation) messageActivity(kind, id string, aud *messageAudience, noteID string, note map[string]any, at time.Time) ([]byte, error) {
	a := changeActivity(kind)
	a.SetJSONLDId(idProp(id))
	a.SetActivityStreamsActor(actorProp(aud.actor))
	a.SetActivityStreamsTo(toProp(aud.to...))
	if len(aud.cc) > 0 {
		a.SetActivityStreamsCc(ccProp(aud.cc...))
	}
	a.SetActivityStreamsPublished(publishedProp(at))
	doc, err := serialize(a)
	if err != nil {
		return nil, err
	}
	if kind == "delete" {
		ts, err := noteTombstone(noteID)
		if err != nil {
			return nil, err
		}
		delete(ts, "@context")
		doc["object"] = ts
	} else {
		doc["object"] = note
	}
	return json.Marshal(doc)
}

// noteTombstone is what is left of a deleted message's Note.
func noteTombstone(id string) (map[string]any, error) {
	ts := streams.NewActivityStreamsTombstone()
	ts.SetJSONLDId(idProp(id))
	ft := streams.NewActivityStreamsFormerTypeProperty()
	ft.AppendXMLSchemaString("Note")
	ts.SetActivityStreamsFormerType(ft)
	return serialize(ts)
}

// queueChangeTx queues o, the Update or Delete of the Note noteID (of a
// message written at since), after what is still waiting to go about that
// Note, so that the last word arrives last (the queue itself keeps no order):
//
//   - deliveries of its earlier Create and Updates that are waiting (not
//     being sent) are dropped: an inbox still owed the Create gets fresh,
//     a Create rendered now, instead of the Update, and no Delete (it never
//     had the Note); earlier Updates are superseded;
//   - a Delete also empties the earlier activities themselves (they carry
//     the text, and are served at their ids and listed in the outbox);
//   - to an inbox where an earlier one is being sent right now, o waits
//     until that lease ends.
func (f *Federation) queueChangeTx(ctx context.Context, tx *sql.Tx, noteID string, since time.Time, o, fresh outgoing) error {
	rows, err := tx.QueryContext(ctx, `SELECT o.id, o.kind, coalesce(d.id, 0), coalesce(d.inbox, ''), coalesce(d.lease_ms, 0)
		FROM ap_outbox o LEFT JOIN ap_deliveries d ON d.outbox_id = o.id AND d.failed_at IS NULL
		WHERE o.actor = ? AND o.item_id IS NULL AND o.kind IN ('create', 'update') AND o.created_at >= ?
		AND json_extract(CAST(o.body AS TEXT), '$.object.id') = ?`, o.actor, since.Add(-time.Minute).Unix(), noteID)
	if err != nil {
		return fmt.Errorf("federation: earlier activities of %s: %w", noteID, err)
	}
	now := f.now().UnixMilli()
	var earlier, drop []any
	hold := map[string]int64{} // inbox → when the earlier activity being sent there is done
	owed := map[string]bool{}  // inboxes that have not had the Create yet
	for rows.Next() {
		var outbox, delivery, lease int64
		var kind, inbox string
		if err := rows.Scan(&outbox, &kind, &delivery, &inbox, &lease); err != nil {
			rows.Close()
			return err
		}
		earlier = append(earlier, outbox)
		switch {
		case delivery == 0:
		case lease > now:
			hold[inbox] = max(hold[inbox], lease)
			if kind == "update" { // superseded; a Create being sent stays, in case it has to be sent again
				drop = append(drop, delivery)
			}
		default:
			drop = append(drop, delivery)
			owed[inbox] = owed[inbox] || kind == "create"
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if o.kind == "delete" && len(earlier) > 0 {
		// Emptied, not deleted: outbox ids are not to be used again (the
		// worker caches bodies by id).
		in := `(` + placeholders(len(earlier)) + `)`
		if _, err := tx.ExecContext(ctx, `DELETE FROM ap_deliveries WHERE outbox_id IN `+in, earlier...); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE ap_outbox SET body = NULL, public = 0 WHERE id IN `+in, earlier...); err != nil {
			return err
		}
	} else if len(drop) > 0 {
		if _, err := tx.ExecContext(ctx, `DELETE FROM ap_deliveries WHERE id IN (`+placeholders(len(drop))+`)`, drop...); err != nil {
			return err
		}
	}
	if len(owed) > 0 {
		var rest []string
		for _, inbox := range o.inboxes {
			if !owed[inbox] || hold[inbox] != 0 {
				rest = append(rest, inbox)
			}
		}
		o.inboxes = rest
		if o.kind == "update" {
			for inbox := range owed {
				fresh.inboxes = append(fresh.inboxes, inbox)
			}
			if err := f.enqueueTx(ctx, tx, fresh); err != nil {
				return err
			}
		}
	}
	if err := f.enqueueTx(ctx, tx, o); err != nil {
		return err
	}
	for inbox, until := range hold {
		if _, err := tx.ExecContext(ctx, `UPDATE ap_deliveries SET next_at_ms = max(next_at_ms, ?) WHERE inbox = ?
			AND outbox_id IN (SELECT id FROM ap_outbox WHERE activity IN (?, ?))`, until, inbox, o.activity, fresh.activity); err != nil {
			return err
		}
	}
	return nil
}

// placeholders is "?, ?, …" for n arguments.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// messageAudience works out who signs a message's Note and whom it is for;
// nil when the conversation has nobody elsewhere in it (and is private).
func (f *Federation) messageAudience(ctx context.Context, c *node.Conversation, m *node.Message) (*messageAudience, error) {
	a := &messageAudience{key: accountKey(m.Author), actor: f.u.person(m.AuthorName)}
	if m.FromStall && c.Stall != 0 {
		a.key, a.actor = stallKey(c.Stall), f.u.stall(c.Stall)
	}
	var err error
	if m.ReplyTo != 0 {
		if a.inReplyTo, err = f.messageIRI(ctx, m.ReplyTo); err != nil {
			return nil, err
		}
	}
	switch c.Kind {
	case node.Thread:
		rows, err := f.db.Read().QueryContext(ctx, `SELECT DISTINCT am.actor FROM ap_messages am JOIN messages x ON x.id = am.message_id
			WHERE x.conversation_id = ? ORDER BY am.actor`, c.ID)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				return nil, err
			}
			a.remotes = append(a.remotes, s)
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
		a.public, a.to, a.cc = true, []string{publicIRI}, append([]string{f.u.followers(a.actor)}, a.remotes...)
		if a.inReplyTo == "" {
			if c.Item != 0 {
				a.inReplyTo = f.u.item(c.Item)
			} else {
				a.inReplyTo = f.u.stall(c.Stall)
			}
		}
		return a, nil
	case node.Private:
		var actor, context string
		err := f.db.Read().QueryRowContext(ctx, `SELECT actor, context FROM ap_conversations WHERE conversation_id = ?`, c.ID).Scan(&actor, &context)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		} else if err != nil {
			return nil, err
		}
		a.remotes = []string{actor}
		if a.inReplyTo == "" { // the last word from elsewhere, else what the chat is about
			err := f.db.Read().QueryRowContext(ctx, `SELECT ap_id FROM messages WHERE conversation_id = ? AND ap_id IS NOT NULL AND id < ?
				ORDER BY id DESC LIMIT 1`, c.ID, m.ID).Scan(&a.inReplyTo)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return nil, err
			}
			if a.inReplyTo == "" {
				a.inReplyTo = context
			}
		}
		if context != "" { // a question on a remote public thread
			a.public, a.to, a.cc = true, []string{publicIRI}, []string{actor}
		} else {
			a.to = []string{actor}
		}
		return a, nil
	}
	return nil, nil
}

// messageIRI is the ActivityPub id of a message: its Note's id elsewhere, or
// ours.
func (f *Federation) messageIRI(ctx context.Context, id node.MessageID) (string, error) {
	var apID string
	err := f.db.Read().QueryRowContext(ctx, `SELECT coalesce(ap_id, '') FROM messages WHERE id = ?`, id).Scan(&apID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	} else if err != nil {
		return "", err
	}
	if apID != "" {
		return apID, nil
	}
	return f.u.message(id), nil
}

// messageNote renders a local message as a Note: the Markdown as sanitised
// HTML, after a line of mentions of the remote participants (Mastodon shows
// a direct message only with its Mention tags; receivers drop a leading
// line of mentions, as shiji does).
func (f *Federation) messageNote(ctx context.Context, c *node.Conversation, m *node.Message, aud *messageAudience) (map[string]any, error) {
	n := streams.NewActivityStreamsNote()
	id := f.u.message(m.ID)
	n.SetJSONLDId(idProp(id))
	at := streams.NewActivityStreamsAttributedToProperty()
	at.AppendIRI(iri(aud.actor))
	n.SetActivityStreamsAttributedTo(at)
	n.SetActivityStreamsTo(toProp(aud.to...))
	if len(aud.cc) > 0 {
		n.SetActivityStreamsCc(ccProp(aud.cc...))
	}
	if aud.inReplyTo != "" {
		irt := streams.NewActivityStreamsInReplyToProperty()
		irt.AppendIRI(iri(aud.inReplyTo))
		n.SetActivityStreamsInReplyTo(irt)
	}
	n.SetActivityStreamsPublished(publishedProp(m.CreatedAt))
	if !m.EditedAt.IsZero() {
		up := streams.NewActivityStreamsUpdatedProperty()
		up.Set(m.EditedAt.UTC())
		n.SetActivityStreamsUpdated(up)
	}
	u := streams.NewActivityStreamsUrlProperty()
	if c.Kind == node.Thread {
		u.AppendIRI(iri(f.u.base + app.ConversationPath(c)))
	} else {
		u.AppendIRI(iri(id))
	}
	n.SetActivityStreamsUrl(u)
	if len(m.Photos) > 0 {
		att := streams.NewActivityStreamsAttachmentProperty()
		for _, p := range m.Photos {
			att.AppendActivityStreamsImage(f.image(p))
		}
		n.SetActivityStreamsAttachment(att)
	}
	var mentions strings.Builder
	var tags []any
	for _, r := range aud.remotes {
		name, href := r, r
		if ra, err := f.cachedActor(ctx, r); err == nil {
			name = "@" + acctOf(ra)
			if ra.URL != "" && strings.HasPrefix(ra.URL, "http") {
				href = ra.URL
			}
		}
		tags = append(tags, map[string]any{"type": "Mention", "href": r, "name": name})
		if mentions.Len() > 0 {
			mentions.WriteString(" ")
		}
		fmt.Fprintf(&mentions, `<span class="h-card"><a href="%s" class="u-url mention">%s</a></span>`, html.EscapeString(href), html.EscapeString(name))
	}
	content := string(f.md.HTML(m.Body))
	if mentions.Len() > 0 {
		content = "<p>" + mentions.String() + "</p>" + content
	}
	cp := streams.NewActivityStreamsContentProperty()
	cp.AppendXMLSchemaString(content)
	n.SetActivityStreamsContent(cp)
	doc, err := serialize(n)
	if err != nil {
		return nil, err
	}
	delete(doc, "@context")
	if len(tags) > 0 {
		doc["tag"] = tags
	}
	doc["sensitive"] = false
	// To the millisecond, as a room's messages (go-fed writes seconds): two
	// messages of one second from two markets read in the order written.
	doc["published"] = m.CreatedAt.UTC().Format(publishedMillis)
	return doc, nil
}

// getMessage serves GET /messages/ID: a message written here in a public
// thread, as a Note (410 with a Tombstone once deleted). Private messages and
// messages from elsewhere are not served (404).
func (f *Federation) getMessage(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return f.answer(c, node.Errorf(node.ENOTFOUND, "No such message."))
	}
	m, err := f.db.Message(ctx, node.MessageID(id))
	if err != nil {
		return f.answer(c, err)
	}
	conv, err := f.db.Conversation(ctx, m.Conversation, 0)
	if err != nil {
		return f.answer(c, err)
	}
	if served, err := f.serveRoomMessage(c, conv, m); served { // room_compat.go
		return f.answer(c, err)
	}
	if m.Author == 0 || conv.Kind != node.Thread {
		return f.answer(c, node.Errorf(node.ENOTFOUND, "No such message."))
	}
	if m.Deleted() {
		doc, err := noteTombstone(f.u.message(m.ID))
		if err != nil {
			return f.answer(c, err)
		}
		return f.answer(c, writeAS(c.Response(), http.StatusGone, doc))
	}
	aud, err := f.messageAudience(ctx, conv, m)
	if err != nil {
		return f.answer(c, err)
	}
	note, err := f.messageNote(ctx, conv, m, aud)
	if err != nil {
		return f.answer(c, err)
	}
	note["@context"] = jsonLDContext()
	return f.answer(c, writeAS(c.Response(), http.StatusOK, note))
}

// remoteMessageJSON is what the remote-writing endpoints answer.
type remoteMessageJSON struct {
	ID           node.MessageID      `json:"id"`
	Conversation node.ConversationID `json:"conversation"`
	APID         string              `json:"ap_id"`
	InReplyTo    string              `json:"in_reply_to,omitempty"`
	To           string              `json:"to"`
	Acct         string              `json:"acct"`
}

// decodeBody reads a small JSON request body into v.
func decodeBody(c echo.Context, v any, example string) error {
	if err := json.NewDecoder(http.MaxBytesReader(c.Response(), c.Request().Body, 64<<10)).Decode(v); err != nil {
		return node.Errorf(node.EINVALID, "Send a JSON object such as %s.", example)
	}
	return nil
}

// apiRemoteReply: POST /api/v1/remote/replies {"in_reply_to": IRI or URL of
// a remote note (an item elsewhere), "body"} (Ask). 201 with the message.
func (f *Federation) apiRemoteReply(c echo.Context) error {
	var in struct {
		InReplyTo string `json:"in_reply_to"`
		Body      string `json:"body"`
	}
	if err := decodeBody(c, &in, `{"in_reply_to": "https://market.example/items/1", "body": "Is it still there?"}`); err != nil {
		return err
	}
	w, err := f.Ask(c.Request().Context(), account(c), in.InReplyTo, in.Body)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toRemoteMessageJSON(w))
}

// apiRemoteMessage: POST /api/v1/remote/messages {"to": "user@host" or an
// actor IRI, "body"} (Write). 201 with the message.
func (f *Federation) apiRemoteMessage(c echo.Context) error {
	var in struct {
		To   string `json:"to"`
		Body string `json:"body"`
	}
	if err := decodeBody(c, &in, `{"to": "stall-1@market.example", "body": "Hello"}`); err != nil {
		return err
	}
	w, err := f.Write(c.Request().Context(), account(c), in.To, in.Body)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toRemoteMessageJSON(w))
}

func toRemoteMessageJSON(w *node.RemoteWrite) remoteMessageJSON {
	return remoteMessageJSON{ID: w.Message.ID, Conversation: w.Conversation, APID: w.APID, InReplyTo: w.InReplyTo, To: w.To, Acct: w.Acct}
}

// Ask writes a public reply as acc's Person to a remote note (an item
// elsewhere), to the note's author. acc's side of the exchange is a private
// conversation of its own, one per remote note; the answers come back into
// it (app.Fediverse).
func (f *Federation) Ask(ctx context.Context, acc *node.Account, note, body string) (*node.RemoteWrite, error) {
	if acc == nil {
		return nil, node.Errorf(node.EUNAUTHORIZED, "Please log in first.")
	}
	target := strings.TrimSpace(note)
	if !strings.HasPrefix(target, "https://") && !strings.HasPrefix(target, "http://") {
		return nil, node.Errorf(node.EINVALID, "\"in_reply_to\" must be the http(s) address of a note elsewhere.")
	}
	if f.u.localPath(target) != "" {
		return nil, node.Errorf(node.EINVALID, "That is on this market; write in its thread here.")
	}
	if _, err := node.ValidateMessageBody(body); err != nil {
		return nil, err
	}
	if f.isBlocked(ctx, target) {
		return nil, node.Errorf(node.EFORBIDDEN, "The organiser has blocked %s.", hostOf(target))
	}
	obj, err := f.client.getJSON(ctx, target, "", keyInstance)
	if err != nil {
		f.log.Info("remote reply: object unavailable", "object", target, "err", err)
		return nil, node.Errorf(node.ENOTFOUND, "Cannot fetch %s.", target)
	}
	id, author := str(obj, "id"), refOf(obj["attributedTo"])
	if id == "" || author == "" || !sameHost(id, target) || !sameHost(author, id) {
		return nil, node.Errorf(node.EINVALID, "%s is not a note with an author.", target)
	}
	ra, err := f.remoteActor(ctx, author, false)
	if err != nil {
		f.log.Info("remote reply: author unavailable", "actor", author, "err", err)
		return nil, node.Errorf(node.ENOTFOUND, "Cannot fetch the author %s.", author)
	}
	return f.writeRemote(ctx, acc, ra, id, body)
}

// Write writes a private message as acc's Person to a remote actor (an
// address such as stall-1@market.example, or its URL), in the private
// conversation between them (created on first use; the answers come back
// into it) (app.Fediverse).
func (f *Federation) Write(ctx context.Context, acc *node.Account, to, body string) (*node.RemoteWrite, error) {
	if acc == nil {
		return nil, node.Errorf(node.EUNAUTHORIZED, "Please log in first.")
	}
	if _, err := node.ValidateMessageBody(body); err != nil {
		return nil, err
	}
	actorID := strings.TrimSpace(to)
	switch {
	case actorID == "":
		return nil, node.Errorf(node.EINVALID, "Say whom to write to: \"to\", an address such as stall-1@market.example or an actor's URL.")
	case strings.HasPrefix(actorID, "https://") || strings.HasPrefix(actorID, "http://"):
		if f.u.localPath(actorID) != "" {
			return nil, node.Errorf(node.EINVALID, "That is on this market; write to them here.")
		}
	default:
		var err error
		if actorID, err = f.lookupAcct(ctx, actorID); err != nil {
			return nil, err
		}
	}
	if f.isBlocked(ctx, actorID) {
		return nil, node.Errorf(node.EFORBIDDEN, "The organiser has blocked %s.", actorID)
	}
	ra, err := f.remoteActor(ctx, actorID, false)
	if err != nil {
		f.log.Info("remote message: actor unavailable", "actor", actorID, "err", err)
		return nil, node.Errorf(node.ENOTFOUND, "Cannot fetch the actor %s.", actorID)
	}
	return f.writeRemote(ctx, acc, ra, "", body)
}

// writeRemote posts body as acc in its conversation with ra about context
// ("" = a private chat); App.Post then calls MessagePosted, which sends it.
func (f *Federation) writeRemote(ctx context.Context, acc *node.Account, ra *remoteActor, context, body string) (*node.RemoteWrite, error) {
	if room, err := f.db.RoomOf(ctx, ra.ID); err == nil && context == "" {
		// A group chat elsewhere that acc follows (room.go): written in its
		// mirror here, and sent to the room, which announces it.
		m, err := f.app.Post(ctx, acc, app.PostInput{Conversation: room, Body: body})
		if err != nil {
			return nil, err
		}
		return &node.RemoteWrite{Message: m, Conversation: room, APID: f.u.message(m.ID), To: ra.ID, Acct: acctOf(ra)}, nil
	}
	conv, err := f.privateChat(ctx, privateKey{actor: ra.ID, local: accountKey(acc.ID), context: context,
		chat: app.RemoteChat{Account: acc.ID}})
	if err != nil {
		return nil, err
	}
	m, err := f.app.Post(ctx, acc, app.PostInput{Conversation: conv, Body: body})
	if err != nil {
		return nil, err
	}
	return &node.RemoteWrite{Message: m, Conversation: conv, APID: f.u.message(m.ID), InReplyTo: context, To: ra.ID, Acct: acctOf(ra)}, nil
}
