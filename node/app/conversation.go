package app

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/live"
)

// AccountTopic is the live topic of one account's stream.
func AccountTopic(id node.AccountID) string { return fmt.Sprintf("account:%d", id) }

// ConversationTopic is the live topic of people watching one conversation.
func ConversationTopic(id node.ConversationID) string { return fmt.Sprintf("conversation:%d", id) }

// ReadConversation loads a conversation acc may read (acc may be nil for
// public threads). Private chats and group messages are for members only;
// someone a member has blocked cannot read a private chat. ENOTFOUND hides
// private chats from outsiders.
func (a *App) ReadConversation(ctx context.Context, acc *node.Account, id node.ConversationID) (*node.Conversation, error) {
	var reader node.AccountID
	if acc != nil {
		reader = acc.ID
	}
	c, err := a.DB.Conversation(ctx, id, reader)
	if err != nil {
		return nil, err
	}
	switch c.Kind {
	case node.Thread:
		return c, nil
	case node.Private:
		if !c.Member {
			return nil, node.Errorf(node.ENOTFOUND, "There is no conversation %d.", id)
		}
		if err := a.notBlockedByMembers(ctx, acc, c); err != nil {
			return nil, err
		}
		return c, nil
	default: // group: anyone sees that it exists; messages are for members
		return c, nil
	}
}

func (a *App) notBlockedByMembers(ctx context.Context, acc *node.Account, c *node.Conversation) error {
	ms, err := a.DB.Members(ctx, c.ID)
	if err != nil {
		return err
	}
	var ids []node.AccountID
	for _, m := range ms {
		if m.Account != acc.ID {
			ids = append(ids, m.Account)
		}
	}
	by, err := a.DB.BlockedBy(ctx, acc.ID, ids)
	if err != nil {
		return err
	}
	if len(by) > 0 {
		return node.Errorf(node.EFORBIDDEN, "Someone in this chat has blocked you.")
	}
	return nil
}

// Messages returns a page of messages acc may read (before = 0: newest), and
// marks them read for a member.
func (a *App) Messages(ctx context.Context, acc *node.Account, id node.ConversationID, before node.MessageID, limit int) (*node.Conversation, []*node.Message, error) {
	c, err := a.ReadConversation(ctx, acc, id)
	if err != nil {
		return nil, nil, err
	}
	if c.Kind == node.Group && !c.Member {
		return nil, nil, node.Errorf(node.EFORBIDDEN, "Join this group chat to read its messages.")
	}
	ms, err := a.DB.Messages(ctx, id, before, limit)
	if err != nil {
		return nil, nil, err
	}
	var newest node.MessageID // the page's newest message, shown or not
	if len(ms) > 0 {
		newest = ms[len(ms)-1].ID
	}
	if acc != nil {
		if blocked, err := a.DB.Blocks(ctx, acc.ID); err == nil && len(blocked) > 0 {
			hide := map[node.AccountID]bool{}
			for _, b := range blocked {
				hide[b.ID] = true
			}
			kept := ms[:0]
			for _, m := range ms {
				if !hide[m.Author] || m.Author == 0 {
					kept = append(kept, m)
				}
			}
			ms = kept
		}
		if c.Member && newest != 0 && before == 0 {
			// The newest page read: through its newest message, and so
			// every message placed before it, also one that arrived late
			// and sits further back than this page (MarkReadThrough), and
			// one of someone blocked, not shown.
			if err := a.DB.MarkReadThrough(ctx, id, acc.ID, newest); err != nil {
				return nil, nil, err
			}
			c.Unread = 0
		}
	}
	return c, ms, nil
}

// ThreadOf returns the public thread of an item (or of a stall when item is
// 0), creating it if needed.
func (a *App) ThreadOf(ctx context.Context, item node.ItemID, stall node.StallID) (*node.Conversation, error) {
	if item != 0 {
		it, err := a.DB.Item(ctx, item)
		if err != nil {
			return nil, err
		}
		stall = it.Stall
	} else if _, err := a.DB.Stall(ctx, stall); err != nil {
		return nil, err
	}
	return a.DB.Thread(ctx, item, stall)
}

// PostInput is a message someone writes.
type PostInput struct {
	Conversation node.ConversationID
	Item         node.ItemID  // or: the thread of this item
	Stall        node.StallID // or: the thread of this stall
	Body         string
	ReplyTo      node.MessageID
	Photos       []node.Photo
}

// Post writes a message as acc: into a conversation acc may post in, or into
// the public thread of an item or stall. Errors: EUNAUTHORIZED, EFORBIDDEN
// (not a member, blocked), ENOTFOUND, EINVALID (empty, too long). Rate limits are the web layer's (node/web/limits.go).
func (a *App) Post(ctx context.Context, acc *node.Account, in PostInput) (*node.Message, error) {
	if acc == nil {
		return nil, node.Errorf(node.EUNAUTHORIZED, "Please log in to write.")
	}
	body, err := node.ValidateMessageBody(in.Body)
	if err != nil {
		return nil, err
	}
	var c *node.Conversation
	if in.Conversation != 0 {
		if c, err = a.ReadConversation(ctx, acc, in.Conversation); err != nil {
			return nil, err
		}
		if c.Kind != node.Thread && !c.Member {
			return nil, node.Errorf(node.EFORBIDDEN, "Join this conversation before writing in it.")
		}
	} else {
		if c, err = a.ThreadOf(ctx, in.Item, in.Stall); err != nil {
			return nil, err
		}
	}
	m := &node.Message{Conversation: c.ID, Author: acc.ID, AuthorName: acc.Name, AuthorShown: acc.DisplayName,
		Body: body, ReplyTo: in.ReplyTo, Photos: in.Photos}
	if c.Stall != 0 {
		if st, err := a.DB.Stall(ctx, c.Stall); err == nil && st.HeldBy(acc.ID) {
			m.FromStall = true
		}
	}
	nm := &data.NewMessage{Message: m}
	recipients, err := a.notifyFor(ctx, c, m, nm)
	if err != nil {
		return nil, err
	}
	if err := a.DB.PostMessage(ctx, nm); err != nil {
		return nil, err
	}
	a.announce(ctx, c, m, recipients)
	a.messagePosted(ctx, c, m)
	return m, nil
}

// notifyFor works out who is told about m, and how.
func (a *App) notifyFor(ctx context.Context, c *node.Conversation, m *node.Message, nm *data.NewMessage) ([]node.AccountID, error) {
	excerpt := m.Body
	if utf8.RuneCountInString(excerpt) > 80 {
		excerpt = string([]rune(excerpt)[:80]) + "…"
	}
	told := map[node.AccountID]bool{m.Author: true}
	add := func(id node.AccountID, kind string) {
		if id == 0 || told[id] {
			return
		}
		told[id] = true
		nm.Notify = append(nm.Notify, node.Notification{Kind: kind, Actor: m.AuthorName, Excerpt: excerpt})
		nm.Notice = append(nm.Notice, id)
	}
	if m.ReplyTo != 0 {
		if parent, err := a.DB.Message(ctx, m.ReplyTo); err == nil {
			add(parent.Author, "reply")
		}
	}
	var members []data.Member
	if c.Kind != node.Thread {
		var err error
		if members, err = a.DB.Members(ctx, c.ID); err != nil {
			return nil, err
		}
	}
	byName := map[string]node.AccountID{}
	for _, mb := range members {
		byName[mb.Name] = mb.Account
	}
	for _, name := range node.Mentions(m.Body) {
		if id, ok := byName[name]; ok {
			add(id, "mention")
		} else if c.Kind == node.Thread {
			if acc, _, err := a.DB.AccountByName(ctx, name); err == nil {
				add(acc.ID, "mention")
			}
		}
	}
	var recipients []node.AccountID
	switch c.Kind {
	case node.Thread:
		st, err := a.DB.Stall(ctx, c.Stall)
		if err != nil {
			return nil, err
		}
		if m.FromStall {
			// An answer: everyone who asked in this thread hears it.
			prev, err := a.DB.Messages(ctx, c.ID, 0, 100)
			if err != nil {
				return nil, err
			}
			for _, p := range prev {
				if !p.FromStall {
					add(p.Author, "reply")
				}
			}
		} else {
			for _, h := range st.Holders {
				add(h, "question")
			}
		}
		recipients = append(recipients, st.Holders...)
	case node.Private:
		for _, mb := range members {
			if !mb.Muted {
				add(mb.Account, "private")
			}
			recipients = append(recipients, mb.Account)
		}
	case node.Group:
		for _, mb := range members {
			recipients = append(recipients, mb.Account)
		}
	}
	for _, id := range nm.Notice {
		recipients = append(recipients, id)
	}
	return recipients, nil
}

// MessageEvent is a message as the live stream sends it.
type MessageEvent struct {
	Conversation node.ConversationID   `json:"conversation"`
	Kind         node.ConversationKind `json:"kind"`
	ID           node.MessageID        `json:"id"`
	Author       string                `json:"author"`
	AuthorShown  string                `json:"author_shown"`
	FromStall    bool                  `json:"from_stall"`
	BodyHTML     string                `json:"body_html"`
	ReplyTo      node.MessageID        `json:"reply_to,omitempty"`
	CreatedAt    time.Time             `json:"created_at"`
	URL          string                `json:"url"`
}

// ConversationPath is where a conversation is read: a thread on its item's or
// stall's page, the others on their own page.
func ConversationPath(c *node.Conversation) string {
	switch {
	case c.Kind == node.Thread && c.Item != 0:
		return node.ItemPath(c.Item) + "#thread"
	case c.Kind == node.Thread:
		return node.StallPath(c.Stall) + "#thread"
	}
	return fmt.Sprintf("/conversations/%d", c.ID)
}

// announce sends the new message live to whoever should see it now.
func (a *App) announce(ctx context.Context, c *node.Conversation, m *node.Message, recipients []node.AccountID) {
	ev := live.NewEvent("message", MessageEvent{Conversation: c.ID, Kind: c.Kind, ID: m.ID, Author: m.AuthorName,
		AuthorShown: m.AuthorShown, FromStall: m.FromStall, BodyHTML: string(a.MD.HTML(m.Body)), ReplyTo: m.ReplyTo,
		CreatedAt: m.CreatedAt, URL: ConversationPath(c)})
	sent := map[node.AccountID]bool{}
	for _, id := range recipients {
		if !sent[id] {
			sent[id] = true
			a.Live.Publish(AccountTopic(id), ev)
		}
	}
	a.Live.Publish(ConversationTopic(c.ID), ev)
	if c.Kind == node.Thread {
		excerpt := m.Body
		if utf8.RuneCountInString(excerpt) > 60 {
			excerpt = string([]rune(excerpt)[:60]) + "…"
		}
		a.Live.Publish(Ambience, live.NewEvent("question", map[string]any{"id": m.ID, "body": excerpt,
			"author": m.AuthorName, "from_stall": m.FromStall, "url": ConversationPath(c)}))
	}
}

// StartPrivate opens a private chat between acc and the named people, and
// with the stall of item (which the chat is then about) when item is not 0.
func (a *App) StartPrivate(ctx context.Context, acc *node.Account, with []string, item node.ItemID) (*node.Conversation, error) {
	if acc == nil {
		return nil, node.Errorf(node.EUNAUTHORIZED, "Please log in first.")
	}
	if len(with) == 0 && item == 0 {
		return nil, node.Errorf(node.EINVALID, "Say who the chat is with (\"with\": names) or which item it is about (\"item\").")
	}
	if len(with) > node.MaxPrivateWith {
		return nil, node.Errorf(node.EINVALID, "A private chat may include at most %d other people; start a group chat instead.", node.MaxPrivateWith)
	}
	c := &node.Conversation{Kind: node.Private, CreatedBy: acc.ID}
	members := []data.Member{{Account: acc.ID, Role: "owner"}}
	seen := map[node.AccountID]bool{acc.ID: true}
	var others []node.AccountID
	for _, name := range with {
		name = strings.TrimPrefix(strings.TrimSpace(name), "@")
		other, _, err := a.DB.AccountByName(ctx, name)
		if err != nil {
			return nil, err
		}
		if !seen[other.ID] {
			seen[other.ID] = true
			members = append(members, data.Member{Account: other.ID, Role: "member"})
			others = append(others, other.ID)
		}
	}
	if item != 0 {
		it, err := a.DB.Item(ctx, item)
		if err != nil {
			return nil, err
		}
		st, err := a.DB.Stall(ctx, it.Stall)
		if err != nil {
			return nil, err
		}
		c.Item, c.Stall = it.ID, st.ID
		for _, h := range st.Holders {
			if !seen[h] {
				seen[h] = true
				members = append(members, data.Member{Account: h, Role: "stall"})
				others = append(others, h)
			}
		}
	}
	if len(others) == 0 {
		return nil, node.Errorf(node.EINVALID, "A private chat needs someone else in it.")
	}
	by, err := a.DB.BlockedBy(ctx, acc.ID, others)
	if err != nil {
		return nil, err
	}
	if len(by) > 0 {
		return nil, node.Errorf(node.EFORBIDDEN, "You cannot message someone who has blocked you.")
	}
	if err := a.DB.CreateConversation(ctx, c, members); err != nil {
		return nil, err
	}
	c.Member, c.Role = true, "owner"
	return c, nil
}

// CreateGroup opens a group chat with acc as its owner; ECONFLICT when acc
// already owns as many as Caps.Groups allows.
func (a *App) CreateGroup(ctx context.Context, acc *node.Account, name, desc string) (*node.Conversation, error) {
	if acc == nil {
		return nil, node.Errorf(node.EUNAUTHORIZED, "Please log in first.")
	}
	name, desc, err := node.ValidateRoom(name, desc)
	if err != nil {
		return nil, err
	}
	c := &node.Conversation{Kind: node.Group, Name: name, Description: desc, CreatedBy: acc.ID}
	if err := a.DB.CreateOwnedGroup(ctx, c, acc.ID, a.Caps.Groups); err != nil {
		return nil, err
	}
	c.Member, c.Role = true, "owner"
	return c, nil
}

// Join adds acc to a group chat. Private chats and threads cannot be joined.
func (a *App) Join(ctx context.Context, acc *node.Account, id node.ConversationID) error {
	c, err := a.ReadConversation(ctx, acc, id)
	if err != nil {
		return err
	}
	switch c.Kind {
	case node.Private:
		return node.Errorf(node.EFORBIDDEN, "This is a private chat; only its people can add others.")
	case node.Thread:
		return node.Errorf(node.EINVALID, "Anyone can write in a public thread; there is nothing to join.")
	}
	return a.DB.AddMember(ctx, id, acc.ID, "member")
}

// Leave takes acc out of a conversation.
func (a *App) Leave(ctx context.Context, acc *node.Account, id node.ConversationID) error {
	return a.DB.RemoveMember(ctx, id, acc.ID)
}

// Mute mutes or unmutes a conversation for acc: EFORBIDDEN when acc is not
// in it, ENOTFOUND when it is a private chat acc may not even see.
func (a *App) Mute(ctx context.Context, acc *node.Account, id node.ConversationID, muted bool) error {
	if _, err := a.ReadConversation(ctx, acc, id); err != nil { // a private chat does not exist for outsiders
		return err
	}
	return a.DB.SetMuted(ctx, id, acc.ID, muted)
}

// ModeratesConversation reports whether acc may moderate c: the market's moderators, and a group's owner and moderators.
func ModeratesConversation(acc *node.Account, c *node.Conversation) bool {
	return acc != nil && (acc.Role.Moderates() || (c.Kind == node.Group && (c.Role == "owner" || c.Role == "moderator")))
}

// RemoveMember lets a group's owner or moderators (or the market's) remove someone.
func (a *App) RemoveMember(ctx context.Context, acc *node.Account, id node.ConversationID, name string) error {
	c, err := a.ReadConversation(ctx, acc, id)
	if err != nil {
		return err
	}
	if !ModeratesConversation(acc, c) {
		return node.Errorf(node.EFORBIDDEN, "Only this group's owner and moderators can remove people.")
	}
	if strings.Contains(strings.TrimPrefix(name, "@"), "@") || strings.HasPrefix(name, "http") { // a member elsewhere
		rf, err := a.rooms()
		if err != nil {
			return err
		}
		return rf.RemoveFromRoom(ctx, c, name)
	}
	other, _, err := a.DB.AccountByName(ctx, name)
	if err != nil {
		return err
	}
	return a.DB.RemoveMember(ctx, id, other.ID)
}

// EditMessage changes a message's body: its author, within the edit window.
// The edit is then sent to whoever elsewhere was sent the message.
func (a *App) EditMessage(ctx context.Context, acc *node.Account, id node.MessageID, body string) (*node.Message, error) {
	m, err := a.DB.Message(ctx, id)
	if err != nil {
		return nil, err
	}
	c, err := a.ReadConversation(ctx, acc, m.Conversation)
	if err != nil {
		return nil, err
	}
	switch {
	case acc == nil || m.Author != acc.ID:
		return nil, node.Errorf(node.EFORBIDDEN, "Only its author can edit a message.")
	case m.Deleted():
		return nil, node.Errorf(node.ECONFLICT, "This message has been deleted.")
	case a.Now().Sub(m.CreatedAt) > node.MessageEditGrace:
		return nil, node.Errorf(node.ECONFLICT, "Messages can be edited for %d minutes after writing them.", int(node.MessageEditGrace.Minutes()))
	}
	if body, err = node.ValidateMessageBody(body); err != nil {
		return nil, err
	}
	if err := a.DB.EditMessage(ctx, id, body); err != nil {
		return nil, err
	}
	if m, err = a.DB.Message(ctx, id); err != nil {
		return nil, err
	}
	if !m.Deleted() { // not deleted meanwhile
		a.messageChanged(ctx, c, m, "update")
	}
	return m, nil
}

// DeleteMessage leaves a tombstone: by its author, a group's owner or
// moderators, or the market's moderators. The deletion of a message written
// here (whoever deletes it) is then sent to whoever elsewhere was sent the
// message; a message from elsewhere is only hidden here.
func (a *App) DeleteMessage(ctx context.Context, acc *node.Account, id node.MessageID) error {
	m, err := a.DB.Message(ctx, id)
	if err != nil {
		return err
	}
	c, err := a.ReadConversation(ctx, acc, m.Conversation)
	if err != nil {
		return err
	}
	if acc == nil || (m.Author != acc.ID && !ModeratesConversation(acc, c)) {
		return node.Errorf(node.EFORBIDDEN, "Only its author and moderators can delete a message.")
	}
	if m.Deleted() {
		return nil // deleted before: nothing more to say
	}
	if err := a.DB.DeleteMessage(ctx, id); err != nil {
		return err
	}
	if m, err = a.DB.Message(ctx, id); err != nil {
		return err
	}
	a.messageChanged(ctx, c, m, "delete")
	return nil
}

// Report lets anyone who can read a message report it to the moderators.
func (a *App) Report(ctx context.Context, acc *node.Account, id node.MessageID, reason string) (*node.Report, error) {
	if acc == nil {
		return nil, node.Errorf(node.EUNAUTHORIZED, "Please log in first.")
	}
	m, err := a.DB.Message(ctx, id)
	if err != nil {
		return nil, err
	}
	c, err := a.ReadConversation(ctx, acc, m.Conversation)
	if err != nil {
		return nil, err
	}
	if c.Kind == node.Group && !c.Member {
		return nil, node.Errorf(node.ENOTFOUND, "There is no message %d.", id)
	}
	if utf8.RuneCountInString(reason) > 500 {
		return nil, node.Errorf(node.EINVALID, "A reason may be at most 500 characters long.")
	}
	r := &node.Report{Message: id, Reporter: acc.ID, Reason: strings.TrimSpace(reason)}
	if err := a.DB.CreateReport(ctx, r); err != nil {
		return nil, err
	}
	return r, nil
}

// Reports lists open reports: moderators only.
func (a *App) Reports(ctx context.Context, acc *node.Account) ([]*node.Report, error) {
	if acc == nil || !acc.Role.Moderates() {
		return nil, node.Errorf(node.EFORBIDDEN, "Only moderators see reports.")
	}
	return a.DB.Reports(ctx, false)
}

// ResolveReport dismisses a report or removes the reported message.
func (a *App) ResolveReport(ctx context.Context, acc *node.Account, id int64, action string) error {
	if acc == nil || !acc.Role.Moderates() {
		return node.Errorf(node.EFORBIDDEN, "Only moderators act on reports.")
	}
	r, err := a.DB.Report(ctx, id)
	if err != nil {
		return err
	}
	switch action {
	case "dismiss":
	case "remove":
		if err := a.removeMessage(ctx, r.Message); err != nil {
			return err
		}
	default:
		return node.Errorf(node.EINVALID, "Unknown action %q: use dismiss or remove.", action)
	}
	return a.DB.ResolveReport(ctx, id, acc.ID, action)
}

// removeMessage deletes a reported message (a moderator's decision); a
// message written here goes from the servers it was sent to too.
func (a *App) removeMessage(ctx context.Context, id node.MessageID) error {
	m, err := a.DB.Message(ctx, id)
	if err != nil || m.Deleted() {
		return err
	}
	if err := a.DB.DeleteMessage(ctx, m.ID); err != nil {
		return err
	}
	c, err := a.DB.Conversation(ctx, m.Conversation, 0)
	if err != nil {
		return err
	}
	if m, err = a.DB.Message(ctx, m.ID); err != nil {
		return err
	}
	a.messageChanged(ctx, c, m, "delete")
	return nil
}

// Block makes acc block the account named name.
func (a *App) Block(ctx context.Context, acc *node.Account, name string) error {
	if acc == nil {
		return node.Errorf(node.EUNAUTHORIZED, "Please log in first.")
	}
	other, _, err := a.DB.AccountByName(ctx, strings.TrimPrefix(name, "@"))
	if err != nil {
		return err
	}
	if other.ID == acc.ID {
		return node.Errorf(node.EINVALID, "You cannot block yourself.")
	}
	return a.DB.Block(ctx, acc.ID, other.ID)
}

// Unblock lifts acc's block of name.
func (a *App) Unblock(ctx context.Context, acc *node.Account, name string) error {
	other, _, err := a.DB.AccountByName(ctx, strings.TrimPrefix(name, "@"))
	if err != nil {
		return err
	}
	return a.DB.Unblock(ctx, acc.ID, other.ID)
}
