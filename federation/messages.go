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

	"github.com/go-fed/activity/streams"
	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
)

// Outbound conversation notes (issue 7, phase 2). Every message written here
// is a Note at BASE/messages/ID. When a local account writes in a public
// thread that has remote participants (remote authors of its messages), or
// in a private chat with a remote actor, MessagePosted queues a Create{Note}
// for them.

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
	if m.Author == 0 || c.Kind == node.Group {
		return
	}
	err := f.queueMessage(ctx, c, m)
	if err != nil {
		f.log.Error("cannot queue a message", "message", m.ID, "conversation", c.ID, "err", err)
	}
}

func (f *Federation) queueMessage(ctx context.Context, c *node.Conversation, m *node.Message) error {
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
	note, err := f.messageNote(ctx, c, m, aud)
	if err != nil {
		return err
	}
	a := streams.NewActivityStreamsCreate()
	id := f.u.activity(newToken())
	a.SetJSONLDId(idProp(id))
	a.SetActivityStreamsActor(actorProp(aud.actor))
	a.SetActivityStreamsTo(toProp(aud.to...))
	if len(aud.cc) > 0 {
		a.SetActivityStreamsCc(ccProp(aud.cc...))
	}
	a.SetActivityStreamsPublished(publishedProp(m.CreatedAt))
	doc, err := serialize(a)
	if err != nil {
		return err
	}
	doc["object"] = note
	body, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	err = f.db.Write(ctx, func(tx *sql.Tx) error {
		return f.enqueueTx(ctx, tx, outgoing{actor: aud.key, kind: "create", activity: id, public: aud.public, body: body, inboxes: inboxes})
	})
	if err == nil {
		f.kick()
	}
	return err
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
	if m.Author == 0 || conv.Kind != node.Thread {
		return f.answer(c, node.Errorf(node.ENOTFOUND, "No such message."))
	}
	if m.Deleted() {
		ts := streams.NewActivityStreamsTombstone()
		ts.SetJSONLDId(idProp(f.u.message(m.ID)))
		ft := streams.NewActivityStreamsFormerTypeProperty()
		ft.AppendXMLSchemaString("Note")
		ts.SetActivityStreamsFormerType(ft)
		doc, err := serialize(ts)
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
// a remote note (an item elsewhere), "body"} writes a public reply as the
// signed-in account's Person to the note's author. The account's side of the
// exchange is a private conversation of its own, one per remote note; the
// answers come back into it. 201 with the message.
func (f *Federation) apiRemoteReply(c echo.Context) error {
	ctx := c.Request().Context()
	acc := account(c)
	if acc == nil {
		return node.Errorf(node.EUNAUTHORIZED, "Please log in first.")
	}
	var in struct {
		InReplyTo string `json:"in_reply_to"`
		Body      string `json:"body"`
	}
	if err := decodeBody(c, &in, `{"in_reply_to": "https://market.example/items/1", "body": "Is it still there?"}`); err != nil {
		return err
	}
	target := strings.TrimSpace(in.InReplyTo)
	if !strings.HasPrefix(target, "https://") && !strings.HasPrefix(target, "http://") {
		return node.Errorf(node.EINVALID, "\"in_reply_to\" must be the http(s) address of a note elsewhere.")
	}
	if f.u.localPath(target) != "" {
		return node.Errorf(node.EINVALID, "That is on this market; write in its thread here.")
	}
	if _, err := node.ValidateMessageBody(in.Body); err != nil {
		return err
	}
	obj, err := f.client.getJSON(ctx, target, "", keyInstance)
	if err != nil {
		f.log.Info("remote reply: object unavailable", "object", target, "err", err)
		return node.Errorf(node.ENOTFOUND, "Cannot fetch %s.", target)
	}
	id, author := str(obj, "id"), refOf(obj["attributedTo"])
	if id == "" || author == "" || !sameHost(id, target) || !sameHost(author, id) {
		return node.Errorf(node.EINVALID, "%s is not a note with an author.", target)
	}
	ra, err := f.remoteActor(ctx, author, false)
	if err != nil {
		f.log.Info("remote reply: author unavailable", "actor", author, "err", err)
		return node.Errorf(node.ENOTFOUND, "Cannot fetch the author %s.", author)
	}
	return f.writeRemote(c, acc, ra, id, in.Body)
}

// apiRemoteMessage: POST /api/v1/remote/messages {"to": "user@host" or an
// actor IRI, "body"} writes a private message as the signed-in account's
// Person, in the private conversation between them (created on first use;
// the answers come back into it). 201 with the message.
func (f *Federation) apiRemoteMessage(c echo.Context) error {
	ctx := c.Request().Context()
	acc := account(c)
	if acc == nil {
		return node.Errorf(node.EUNAUTHORIZED, "Please log in first.")
	}
	var in struct {
		To   string `json:"to"`
		Body string `json:"body"`
	}
	if err := decodeBody(c, &in, `{"to": "stall-1@market.example", "body": "Hello"}`); err != nil {
		return err
	}
	if _, err := node.ValidateMessageBody(in.Body); err != nil {
		return err
	}
	actorID := strings.TrimSpace(in.To)
	switch {
	case actorID == "":
		return node.Errorf(node.EINVALID, "Say whom to write to: \"to\", an address such as stall-1@market.example or an actor's URL.")
	case strings.HasPrefix(actorID, "https://") || strings.HasPrefix(actorID, "http://"):
		if f.u.localPath(actorID) != "" {
			return node.Errorf(node.EINVALID, "That is on this market; write to them here.")
		}
	default:
		var err error
		if actorID, err = f.lookupAcct(ctx, actorID); err != nil {
			return err
		}
	}
	ra, err := f.remoteActor(ctx, actorID, false)
	if err != nil {
		f.log.Info("remote message: actor unavailable", "actor", actorID, "err", err)
		return node.Errorf(node.ENOTFOUND, "Cannot fetch the actor %s.", actorID)
	}
	return f.writeRemote(c, acc, ra, "", in.Body)
}

// writeRemote posts body as acc in its conversation with ra about context
// ("" = a private chat); App.Post then calls MessagePosted, which sends it.
func (f *Federation) writeRemote(c echo.Context, acc *node.Account, ra *remoteActor, context, body string) error {
	ctx := c.Request().Context()
	conv, err := f.privateChat(ctx, privateKey{actor: ra.ID, local: accountKey(acc.ID), context: context,
		chat: app.RemoteChat{Account: acc.ID}})
	if err != nil {
		return err
	}
	m, err := f.app.Post(ctx, acc, app.PostInput{Conversation: conv, Body: body})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, remoteMessageJSON{ID: m.ID, Conversation: conv, APID: f.u.message(m.ID), InReplyTo: context,
		To: ra.ID, Acct: acctOf(ra)})
}
