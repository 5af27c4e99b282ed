package web

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
)

// threadData is a public thread as the item and stall pages show it.
type threadData struct {
	Conversation *node.Conversation
	Messages     []*node.Message
	Action       string // where the question form posts
}

func (s *Server) threadFor(c echo.Context, item node.ItemID, stall node.StallID) (*threadData, error) {
	id, err := s.app.DB.FindThread(c.Request().Context(), item, stall)
	if err != nil {
		return nil, err
	}
	return s.thread(c, item, stall, id)
}

// thread is threadFor with the thread's id known (0: nobody has asked yet).
func (s *Server) thread(c echo.Context, item node.ItemID, stall node.StallID, id node.ConversationID) (*threadData, error) {
	d := &threadData{Action: "/stalls/" + strconv.FormatInt(int64(stall), 10) + "/thread"}
	if item != 0 {
		d.Action = "/items/" + strconv.FormatInt(int64(item), 10) + "/thread"
	}
	if id == 0 {
		return d, nil // the thread is created by the first question
	}
	var err error
	d.Conversation, d.Messages, err = s.app.Messages(c.Request().Context(), account(c), id, 0, 100)
	if err == nil && d.Conversation.Member {
		countsChanged(c) // reading it marked it read
	}
	return d, err
}

// postToThread handles the question form on an item or stall page.
func (s *Server) postToThread(kind string) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c, kind)
		if err != nil {
			return err
		}
		in := app.PostInput{Body: c.FormValue("body")}
		back := node.StallPath(node.StallID(id))
		if kind == "item" {
			in.Item, back = node.ItemID(id), node.ItemPath(node.ItemID(id))
		} else {
			in.Stall = node.StallID(id)
		}
		if r, err := strconv.ParseInt(c.FormValue("reply_to"), 10, 64); err == nil {
			in.ReplyTo = node.MessageID(r)
		}
		if _, err := s.app.Post(c.Request().Context(), account(c), in); err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, back+"#thread")
	}
}

func (s *Server) conversationsPage(c echo.Context) error {
	ctx := c.Request().Context()
	acc := account(c)
	mine, err := s.app.DB.Conversations(ctx, acc.ID, 200)
	if err != nil {
		return err
	}
	groups, err := s.app.DB.Groups(ctx, acc.ID, 100)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "conversations", "chat.title", map[string]any{"Mine": mine, "Groups": groups})
}

// startPrivatePage: "ask privately about this" and "write to" forms.
func (s *Server) startPrivatePage(c echo.Context) error {
	var item node.ItemID
	if v, err := strconv.ParseInt(c.FormValue("item"), 10, 64); err == nil {
		item = node.ItemID(v)
	}
	var with []string
	if w := c.FormValue("with"); w != "" {
		with = append(with, w)
	}
	conv, err := s.app.StartPrivate(c.Request().Context(), account(c), with, item)
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, app.ConversationPath(conv))
}

func (s *Server) createGroupPage(c echo.Context) error {
	conv, err := s.app.CreateGroup(c.Request().Context(), account(c), c.FormValue("name"), c.FormValue("description"))
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, app.ConversationPath(conv))
}

type conversationPageData struct {
	Conversation *node.Conversation
	Messages     []*node.Message
	Members      []memberRow // here first, then elsewhere; removed ones last
	Item         *node.Item
	Older        node.MessageID
	CanModerate  bool
	CanOpen      bool         // the owner may open (or close) this group chat to other markets
	RoomAcct     string       // what people elsewhere follow, when it is open
	Trade        node.TradeID // the trade this private chat belongs to, if any
}

// memberRow is one member as the conversation page lists them. Printed as
// is ({{.}}, as themes did when members were names), it is the name.
type memberRow struct {
	Name      string // name here, or user@host
	Elsewhere bool   // a member on another server (a group chat open to other markets)
	Removed   bool   // removed by the chat's moderators: listed to them, to be let back in
	Removable bool   // the reader may remove them
}

func (m memberRow) String() string { return m.Name }

func (s *Server) conversationPage(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := convID(c)
	if err != nil {
		return err
	}
	before, _, err := paging(c)
	if err != nil {
		return err
	}
	conv, err := s.app.ReadConversation(ctx, account(c), id)
	if err != nil {
		return err
	}
	if conv.Kind == node.Thread {
		return c.Redirect(http.StatusSeeOther, app.ConversationPath(conv))
	}
	d := conversationPageData{Conversation: conv}
	if conv.Member {
		if conv, d.Messages, err = s.app.Messages(ctx, account(c), id, before, 50); err != nil {
			return err
		}
		countsChanged(c) // reading it marked it read
		d.Conversation = conv
		if len(d.Messages) == 50 {
			d.Older = d.Messages[0].ID
		}
	}
	acc := account(c)
	d.CanModerate = app.ModeratesConversation(acc, conv)
	if d.Members, err = s.memberRows(ctx, acc, conv, d.CanModerate); err != nil {
		return err
	}
	if conv.Kind == node.Group && conv.RoomElsewhere == "" && conv.Role == "owner" {
		d.CanOpen = s.app.Fed != nil
	}
	if conv.Federated {
		d.RoomAcct = s.app.RoomAcct(conv)
	}
	if conv.Item != 0 {
		d.Item, _ = s.app.DB.Item(ctx, conv.Item)
	}
	if conv.Kind == node.Private {
		if d.Trade, err = s.app.DB.TradeByConversation(ctx, id); err != nil {
			return err
		}
	}
	p, err := s.newPage(c, "", d)
	if err != nil {
		return err
	}
	p.Title = conv.Name
	if p.Title == "" {
		p.Title = p.T("chat.private")
	}
	return s.write(c, http.StatusOK, "conversation", p)
}

func (s *Server) postMessagePage(c echo.Context) error {
	id, err := convID(c)
	if err != nil {
		return err
	}
	in := app.PostInput{Conversation: id, Body: c.FormValue("body")}
	if r, err := strconv.ParseInt(c.FormValue("reply_to"), 10, 64); err == nil {
		in.ReplyTo = node.MessageID(r)
	}
	if f, err := formPhoto(c); err != nil {
		return err
	} else if f != nil {
		defer f.Close()
		p, err := s.photos.Save(f)
		if err != nil {
			return err
		}
		p.Alt = c.FormValue("alt")
		in.Photos = []node.Photo{p}
	}
	if _, err := s.app.Post(c.Request().Context(), account(c), in); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/conversations/%d#bottom", id))
}

// memberRows lists a conversation's members: people here (the owner and
// moderators cannot be removed from the page, nor can the reader remove
// themself: they leave), then members elsewhere of a group chat open to
// other markets or followed from here; removed members elsewhere only to
// those who may let them back in.
func (s *Server) memberRows(ctx context.Context, acc *node.Account, conv *node.Conversation, moderate bool) ([]memberRow, error) {
	ms, err := s.app.DB.Members(ctx, conv.ID)
	if err != nil {
		return nil, err
	}
	group := conv.Kind == node.Group
	rows := make([]memberRow, 0, len(ms))
	for _, m := range ms {
		rows = append(rows, memberRow{Name: m.Name,
			Removable: moderate && group && m.Account != acc.ID && m.Role != "owner" && m.Role != "moderator"})
	}
	if !group || (!conv.Federated && conv.RoomElsewhere == "") {
		return rows, nil
	}
	rm, err := s.app.DB.RoomMembers(ctx, conv.ID)
	if err != nil {
		return nil, err
	}
	var removed []memberRow
	for _, m := range rm {
		r := memberRow{Name: cmp.Or(m.Name, m.Actor), Elsewhere: true, Removed: m.Removed}
		// A room followed from here is moderated where it lives.
		r.Removable = moderate && conv.RoomElsewhere == "" && !m.Removed
		switch {
		case m.Following && !m.Removed:
			rows = append(rows, r)
		case m.Removed && moderate && conv.RoomElsewhere == "":
			removed = append(removed, r)
		}
	}
	return append(rows, removed...), nil
}

// membershipPage handles join, leave, mute and unmute forms, and the
// moderators' remove and let-back-in forms, and the owner's open and close.
func (s *Server) membershipPage(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := convID(c)
	if err != nil {
		return err
	}
	switch c.Param("action") {
	case "join":
		err = s.app.Join(ctx, account(c), id)
	case "leave":
		err = s.app.Leave(ctx, account(c), id)
		if err == nil {
			return c.Redirect(http.StatusSeeOther, "/conversations")
		}
	case "mute":
		err = s.app.Mute(ctx, account(c), id, true)
	case "unmute":
		err = s.app.Mute(ctx, account(c), id, false)
	case "remove":
		err = s.app.RemoveMember(ctx, account(c), id, c.FormValue("name"))
	case "readmit":
		err = s.app.ReadmitMember(ctx, account(c), id, c.FormValue("name"))
	case "open", "close":
		_, err = s.app.FederateRoom(ctx, account(c), id, c.Param("action") == "open")
	default:
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/conversations/%d", id))
}

// messageActionPage handles delete and report forms on a message.
func (s *Server) messageActionPage(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := msgID(c)
	if err != nil {
		return err
	}
	m, err := s.app.DB.Message(ctx, id)
	if err != nil {
		return err
	}
	switch c.Param("action") {
	case "delete":
		err = s.app.DeleteMessage(ctx, account(c), id)
	case "report":
		_, err = s.app.Report(ctx, account(c), id, c.FormValue("reason"))
	default:
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	conv, err := s.app.DB.Conversation(ctx, m.Conversation, 0)
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, app.ConversationPath(conv))
}

func (s *Server) notificationsPage(c echo.Context) error {
	ctx := c.Request().Context()
	ns, err := s.app.DB.Notifications(ctx, account(c).ID, 100)
	if err != nil {
		return err
	}
	if err := s.app.DB.ReadNotifications(ctx, account(c).ID); err != nil {
		return err
	}
	countsChanged(c)
	return s.render(c, http.StatusOK, "notifications", "notify.title", map[string]any{"Notifications": ns})
}

func (s *Server) resolveReportPage(c echo.Context) error {
	id, err := pathID(c, "report")
	if err != nil {
		return err
	}
	if err := s.app.ResolveReport(c.Request().Context(), account(c), id, c.FormValue("action")); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/moderation")
}

func (s *Server) blockPage(c echo.Context) error {
	var err error
	if c.FormValue("unblock") == "1" {
		err = s.app.Unblock(c.Request().Context(), account(c), c.FormValue("name"))
	} else {
		err = s.app.Block(c.Request().Context(), account(c), c.FormValue("name"))
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/account?saved=1")
}
