package web

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
)

type messageJSON struct {
	ID           node.MessageID      `json:"id"`
	Conversation node.ConversationID `json:"conversation"`
	Author       string              `json:"author"`
	AuthorShown  string              `json:"author_shown"`
	AuthorURL    string              `json:"author_url,omitempty"`
	Remote       bool                `json:"remote"` // written elsewhere on the fediverse
	FromStall    bool                `json:"from_stall"`
	Body         string              `json:"body"`
	BodyHTML     string              `json:"body_html"`
	ReplyTo      node.MessageID      `json:"reply_to,omitempty"`
	Photos       []photoJSON         `json:"photos"`
	CreatedAt    time.Time           `json:"created_at"`
	EditedAt     *time.Time          `json:"edited_at,omitempty"`
	Deleted      bool                `json:"deleted"`
}

func (s *Server) messageJSON(m *node.Message) messageJSON {
	out := messageJSON{ID: m.ID, Conversation: m.Conversation, Author: m.AuthorName, AuthorShown: m.AuthorShown, AuthorURL: m.AuthorURL,
		Remote: m.Author == 0 && m.AuthorURL != "", FromStall: m.FromStall, Body: m.Body, BodyHTML: string(s.cfg.Markdown.HTML(m.Body)), ReplyTo: m.ReplyTo,
		Photos: s.photosJSON(m.Photos), CreatedAt: m.CreatedAt, Deleted: m.Deleted()}
	if !m.EditedAt.IsZero() {
		out.EditedAt = &m.EditedAt
	}
	if m.Deleted() {
		out.BodyHTML = ""
	}
	return out
}

type conversationJSON struct {
	ID            node.ConversationID   `json:"id"`
	Kind          node.ConversationKind `json:"kind"`
	Name          string                `json:"name,omitempty"`
	Description   string                `json:"description,omitempty"`
	Item          node.ItemID           `json:"item,omitempty"`
	Stall         node.StallID          `json:"stall,omitempty"`
	Members       int                   `json:"members"`
	Member        bool                  `json:"member"`
	Muted         bool                  `json:"muted"`
	Unread        int                   `json:"unread"`
	LastMessageAt time.Time             `json:"last_message_at"`
	URL           string                `json:"url"`
	Federated     bool                  `json:"federated,omitempty"` // a group chat opened to other markets
	Acct          string                `json:"acct,omitempty"`      // its address elsewhere, room-ID@host
	Room          string                `json:"room,omitempty"`      // the room elsewhere this group chat follows
}

func (s *Server) conversationJSON(c *node.Conversation) conversationJSON {
	return conversationJSON{ID: c.ID, Kind: c.Kind, Name: c.Name, Description: c.Description, Item: c.Item, Stall: c.Stall,
		Members: c.Members, Member: c.Member, Muted: c.Muted, Unread: c.Unread, LastMessageAt: c.LastMessageAt, URL: s.abs(app.ConversationPath(c)),
		Federated: c.Federated, Acct: s.app.RoomAcct(c), Room: c.RoomElsewhere}
}

// paging reads before (a message id) and limit (1..100, default 50).
func paging(c echo.Context) (node.MessageID, int, error) {
	var before int64
	if b := c.QueryParam("before"); b != "" {
		v, err := strconv.ParseInt(b, 10, 64)
		if err != nil || v <= 0 {
			return 0, 0, node.Errorf(node.EINVALID, "\"before\" must be a message id.")
		}
		before = v
	}
	limit := 50
	if l := c.QueryParam("limit"); l != "" {
		v, err := strconv.Atoi(l)
		if err != nil {
			return 0, 0, node.Errorf(node.EINVALID, "\"limit\" must be a whole number.")
		}
		limit = min(max(v, 1), 100)
	}
	return node.MessageID(before), limit, nil
}

func (s *Server) messagesResponse(c echo.Context, conv *node.Conversation, ms []*node.Message) error {
	out := make([]messageJSON, 0, len(ms))
	for _, m := range ms {
		out = append(out, s.messageJSON(m))
	}
	return c.JSON(http.StatusOK, map[string]any{"conversation": s.conversationJSON(conv), "messages": out})
}

// apiThread serves GET/POST /api/v1/items/:id/thread and /api/v1/stalls/:id/thread.
func (s *Server) apiThread(kind string) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		id, err := pathID(c, kind)
		if err != nil {
			return err
		}
		var item node.ItemID
		var stall node.StallID
		if kind == "item" {
			item = node.ItemID(id)
		} else {
			stall = node.StallID(id)
		}
		if c.Request().Method == http.MethodPost {
			var in struct {
				Body    string         `json:"body"`
				ReplyTo node.MessageID `json:"reply_to"`
			}
			if err := decodeJSON(c, &in); err != nil {
				return err
			}
			m, err := s.app.Post(ctx, account(c), app.PostInput{Item: item, Stall: stall, Body: in.Body, ReplyTo: in.ReplyTo})
			if err != nil {
				return err
			}
			return c.JSON(http.StatusCreated, s.messageJSON(m))
		}
		before, limit, err := paging(c)
		if err != nil {
			return err
		}
		if item != 0 {
			_, err = s.app.DB.Item(ctx, item)
		} else {
			_, err = s.app.DB.Stall(ctx, stall)
		}
		if err != nil {
			return err
		}
		tid, err := s.app.DB.FindThread(ctx, item, stall)
		if err != nil {
			return err
		}
		if tid == 0 { // nobody has asked yet
			return c.JSON(http.StatusOK, map[string]any{"conversation": nil, "messages": []messageJSON{}})
		}
		conv, ms, err := s.app.Messages(ctx, account(c), tid, before, limit)
		if err != nil {
			return err
		}
		return s.messagesResponse(c, conv, ms)
	}
}

func (s *Server) apiCreateConversation(c echo.Context) error {
	var in struct {
		Kind        string      `json:"kind"`
		With        []string    `json:"with"`
		Item        node.ItemID `json:"item"`
		Name        string      `json:"name"`
		Description string      `json:"description"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	var conv *node.Conversation
	var err error
	switch node.ConversationKind(in.Kind) {
	case node.Private:
		conv, err = s.app.StartPrivate(c.Request().Context(), account(c), in.With, in.Item)
	case node.Group:
		conv, err = s.app.CreateGroup(c.Request().Context(), account(c), in.Name, in.Description)
	default:
		err = node.Errorf(node.EINVALID, "\"kind\" must be \"private\" or \"group\" (public threads need no creating).")
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, s.conversationJSON(conv))
}

func (s *Server) apiConversations(c echo.Context) error {
	ctx := c.Request().Context()
	mine, err := s.app.DB.Conversations(ctx, account(c).ID, 200)
	if err != nil {
		return err
	}
	groups, err := s.app.DB.Groups(ctx, account(c).ID, 100)
	if err != nil {
		return err
	}
	out := map[string][]conversationJSON{"conversations": {}, "groups": {}}
	for _, cv := range mine {
		out["conversations"] = append(out["conversations"], s.conversationJSON(cv))
	}
	for _, cv := range groups {
		out["groups"] = append(out["groups"], s.conversationJSON(cv))
	}
	return c.JSON(http.StatusOK, out)
}

func convID(c echo.Context) (node.ConversationID, error) {
	id, err := pathID(c, "conversation")
	return node.ConversationID(id), err
}

func (s *Server) apiConversation(c echo.Context) error {
	id, err := convID(c)
	if err != nil {
		return err
	}
	conv, err := s.app.ReadConversation(c.Request().Context(), account(c), id)
	if err != nil {
		return err
	}
	out := map[string]any{"conversation": s.conversationJSON(conv)}
	if conv.Kind != node.Thread && (conv.Member || conv.Kind == node.Group) {
		ms, err := s.app.DB.Members(c.Request().Context(), id)
		if err != nil {
			return err
		}
		names := make([]map[string]string, 0, len(ms))
		for _, m := range ms {
			names = append(names, map[string]string{"name": m.Name, "role": m.Role})
		}
		out["members"] = names
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) apiMessages(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := convID(c)
	if err != nil {
		return err
	}
	if c.Request().Method == http.MethodPost {
		var in struct {
			Body    string         `json:"body"`
			ReplyTo node.MessageID `json:"reply_to"`
		}
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
		m, err := s.app.Post(ctx, account(c), app.PostInput{Conversation: id, Body: in.Body, ReplyTo: in.ReplyTo})
		if err != nil {
			return err
		}
		return c.JSON(http.StatusCreated, s.messageJSON(m))
	}
	before, limit, err := paging(c)
	if err != nil {
		return err
	}
	conv, ms, err := s.app.Messages(ctx, account(c), id, before, limit)
	if err != nil {
		return err
	}
	return s.messagesResponse(c, conv, ms)
}

func (s *Server) apiJoin(c echo.Context) error {
	id, err := convID(c)
	if err != nil {
		return err
	}
	if err := s.app.Join(c.Request().Context(), account(c), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) apiLeaveOrRemove(c echo.Context) error {
	id, err := convID(c)
	if err != nil {
		return err
	}
	if name := c.Param("name"); name != "me" && name != account(c).Name {
		err = s.app.RemoveMember(c.Request().Context(), account(c), id, name)
	} else {
		err = s.app.Leave(c.Request().Context(), account(c), id)
	}
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) apiMute(c echo.Context) error {
	id, err := convID(c)
	if err != nil {
		return err
	}
	var in struct {
		Muted *bool `json:"muted"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.Muted == nil {
		return node.Errorf(node.EINVALID, "Send {\"muted\": true} or {\"muted\": false}.")
	}
	if err := s.app.Mute(c.Request().Context(), account(c), id, *in.Muted); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func msgID(c echo.Context) (node.MessageID, error) {
	id, err := pathID(c, "message")
	return node.MessageID(id), err
}

func (s *Server) apiEditMessage(c echo.Context) error {
	id, err := msgID(c)
	if err != nil {
		return err
	}
	var in struct {
		Body string `json:"body"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	m, err := s.app.EditMessage(c.Request().Context(), account(c), id, in.Body)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.messageJSON(m))
}

func (s *Server) apiDeleteMessage(c echo.Context) error {
	id, err := msgID(c)
	if err != nil {
		return err
	}
	if err := s.app.DeleteMessage(c.Request().Context(), account(c), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) apiReport(c echo.Context) error {
	id, err := msgID(c)
	if err != nil {
		return err
	}
	var in struct {
		Reason string `json:"reason"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	r, err := s.app.Report(c.Request().Context(), account(c), id, in.Reason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"id": r.ID})
}

func (s *Server) apiReports(c echo.Context) error {
	rs, err := s.app.Reports(c.Request().Context(), account(c))
	if err != nil {
		return err
	}
	out := make([]map[string]any, 0, len(rs))
	for _, r := range rs {
		out = append(out, map[string]any{"id": r.ID, "message": r.Message, "conversation": r.Conversation, "reason": r.Reason,
			"excerpt": r.Excerpt, "author": r.Author, "created_at": r.CreatedAt})
	}
	return c.JSON(http.StatusOK, map[string]any{"reports": out})
}

func (s *Server) apiResolveReport(c echo.Context) error {
	return resolveReport(c, s.app.ResolveReport)
}

// resolveReport answers POST …/reports/ID/resolve {"action"} with resolve
// (a report of ours or one from another server): 204, or the error.
func resolveReport(c echo.Context, resolve func(context.Context, *node.Account, int64, string) error) error {
	id, err := pathID(c, "report")
	if err != nil {
		return err
	}
	var in struct {
		Action string `json:"action"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if err := resolve(c.Request().Context(), account(c), id, in.Action); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) apiBlock(c echo.Context) error {
	if c.Request().Method == http.MethodDelete {
		if err := s.app.Unblock(c.Request().Context(), account(c), c.Param("name")); err != nil {
			return err
		}
		return c.NoContent(http.StatusNoContent)
	}
	var in struct {
		Name string `json:"name"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if err := s.app.Block(c.Request().Context(), account(c), in.Name); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) apiNotifications(c echo.Context) error {
	ctx := c.Request().Context()
	if c.Request().Method == http.MethodPost {
		if err := s.app.DB.ReadNotifications(ctx, account(c).ID); err != nil {
			return err
		}
		return c.NoContent(http.StatusNoContent)
	}
	ns, err := s.app.DB.Notifications(ctx, account(c).ID, 100)
	if err != nil {
		return err
	}
	msgs, unread, err := s.app.DB.Unread(ctx, account(c).ID)
	if err != nil {
		return err
	}
	out := make([]map[string]any, 0, len(ns))
	for _, n := range ns {
		out = append(out, map[string]any{"id": n.ID, "kind": n.Kind, "conversation": n.Conversation, "message": n.Message,
			"actor": n.Actor, "excerpt": n.Excerpt, "created_at": n.CreatedAt, "read": n.Read})
	}
	return c.JSON(http.StatusOK, map[string]any{"notifications": out, "unread_notifications": unread, "unread_messages": msgs})
}

// apiStream is the signed-in account's one live stream (Server-Sent Events):
// "message" events for its conversations, and those of ?watch=ID (a
// conversation it may read) as it happens.
func (s *Server) apiStream(c echo.Context) error {
	acc := account(c)
	topics := []string{app.AccountTopic(acc.ID)}
	if w := c.QueryParam("watch"); w != "" {
		v, err := strconv.ParseInt(w, 10, 64)
		if err != nil || v <= 0 {
			return node.Errorf(node.EINVALID, "\"watch\" must be a conversation id.")
		}
		conv, err := s.app.ReadConversation(c.Request().Context(), acc, node.ConversationID(v))
		if err != nil {
			return err
		}
		if conv.Kind == node.Group && !conv.Member {
			return node.Errorf(node.EFORBIDDEN, "Join this group chat to follow it live.")
		}
		topics = append(topics, app.ConversationTopic(conv.ID))
	}
	sub := s.app.Live.SubscribeAll(64, topics...)
	defer s.app.Live.Unsubscribe(sub)
	return s.stream(c, sub)
}
