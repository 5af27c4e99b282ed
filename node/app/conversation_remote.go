package app

import (
	"context"
	"time"

	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/node"
)

// RemotePost is a message written elsewhere on the fediverse, as federation
// hands it over after checking its signature: into a conversation (a private
// chat with the remote author), or into the public thread of an item or
// stall.
type RemotePost struct {
	Conversation node.ConversationID
	Item         node.ItemID  // or: the thread of this item
	Stall        node.StallID // or: the thread of this stall
	ReplyTo      node.MessageID
	APID         string       // the Note's id: a message is taken in once
	Actor        string       // the author's actor IRI (only they may change it)
	AuthorName   string       // user@host
	AuthorShown  string       // display name
	AuthorURL    string       // profile page
	Body         string       // Markdown-safe text
	Photos       []node.Photo // its pictures, copied into the media store
	// Written is when its Note says it was written (published; zero when
	// unsaid): its place in the conversation, as node.WrittenAt rules.
	Written time.Time
}

// PostRemote stores a message by a remote author (no local account), tells
// the stallholders (a "question" in a thread) or the chat's members, and
// sends it live. The caller (federation) has authorised the author. A message
// already taken in (same APID) is ECONFLICT. It does not call the Federator:
// remote messages are not sent on.
func (a *App) PostRemote(ctx context.Context, in RemotePost) (*node.Message, error) {
	if in.APID == "" || in.AuthorName == "" {
		return nil, node.Errorf(node.EINVALID, "A remote message needs an id and an author.")
	}
	body, err := node.ValidateMessageBody(in.Body)
	if err != nil {
		return nil, err
	}
	var c *node.Conversation
	if in.Conversation != 0 {
		c, err = a.DB.Conversation(ctx, in.Conversation, 0)
	} else {
		c, err = a.ThreadOf(ctx, in.Item, in.Stall)
	}
	if err != nil {
		return nil, err
	}
	if c.Kind == node.Group && !c.Federated && c.RoomElsewhere == "" {
		return nil, node.Errorf(node.EFORBIDDEN, "This group chat is not open to other markets.")
	}
	if in.ReplyTo != 0 {
		if p, err := a.DB.Message(ctx, in.ReplyTo); err != nil || p.Conversation != c.ID {
			in.ReplyTo = 0
		}
	}
	m := &node.Message{Conversation: c.ID, AuthorName: in.AuthorName, AuthorShown: in.AuthorShown, AuthorURL: in.AuthorURL,
		Body: body, ReplyTo: in.ReplyTo, Photos: in.Photos}
	nm := &data.NewMessage{Message: m, APID: in.APID, RemoteActor: in.Actor, WrittenAt: in.Written}
	recipients, err := a.notifyFor(ctx, c, m, nm)
	if err != nil {
		return nil, err
	}
	if err := a.DB.PostMessage(ctx, nm); err != nil {
		return nil, err
	}
	a.announce(ctx, c, m, recipients)
	return m, nil
}

// RemoteChat says who the local side of a private chat with a remote actor
// is: a stall (its holders) or one account; Item is what the chat is about.
type RemoteChat struct {
	Stall   node.StallID
	Account node.AccountID
	Item    node.ItemID
	// With: more people here the remote actor wrote to in the same note
	// (holders of other stalls, other people): members of the chat too.
	With []node.AccountID
}

// RemotePrivate returns the private chat with a remote actor (side), opening
// it when there is none: its local members are a stall's holders or one
// account. The chat and its remote side are stored in one transaction.
func (a *App) RemotePrivate(ctx context.Context, in RemoteChat, side data.RemoteSide) (node.ConversationID, error) {
	c := &node.Conversation{Kind: node.Private, Item: in.Item}
	var members []data.Member
	switch {
	case in.Stall != 0:
		st, err := a.DB.Stall(ctx, in.Stall)
		if err != nil {
			return 0, err
		}
		c.Stall = st.ID
		for _, h := range st.Holders {
			members = append(members, data.Member{Account: h, Role: "stall"})
		}
	case in.Account != 0:
		c.CreatedBy = in.Account
		members = []data.Member{{Account: in.Account, Role: "owner"}}
	}
	if len(members) == 0 {
		return 0, node.Errorf(node.EINVALID, "A private chat needs someone here in it.")
	}
	for _, id := range in.With {
		dup := false
		for _, m := range members {
			dup = dup || m.Account == id
		}
		if !dup {
			members = append(members, data.Member{Account: id, Role: "member"})
		}
	}
	return a.DB.RemoteConversation(ctx, side, c, members)
}

// messagePosted tells the Federator, when there is one, about a local message.
func (a *App) messagePosted(ctx context.Context, c *node.Conversation, m *node.Message) {
	if a.Fed != nil && c != nil && m != nil {
		a.Fed.MessagePosted(context.WithoutCancel(ctx), c, m)
	}
}
