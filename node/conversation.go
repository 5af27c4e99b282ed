package node

import (
	"strings"
	"time"
	"unicode/utf8"
)

// ConversationID and MessageID identify conversations and their messages.
type (
	ConversationID int64
	MessageID      int64
)

// ConversationKind is one of the three kinds of conversation.
type ConversationKind string

// The kinds: a public thread on an item or a stall, a private chat between a
// few people (and perhaps a stall), a group chat (群聊) anyone may join.
const (
	Thread  ConversationKind = "thread"
	Private ConversationKind = "private"
	Group   ConversationKind = "group"
)

// Conversation is one place where people talk.
type Conversation struct {
	ID            ConversationID
	Kind          ConversationKind
	Item          ItemID  // the item a thread is on, or a private chat is about
	Stall         StallID // the stall a thread is on, or taking part in a private chat
	Name          string  // a group's name
	Description   string  // a group's description
	CreatedBy     AccountID
	CreatedAt     time.Time
	LastMessageAt time.Time
	Members       int // members (groups, private chats)
	// Federated: a group chat opened to other markets, the Group actor
	// room-ID@host (FEP-1b12). RoomElsewhere: this group chat mirrors a
	// room on another market (its actor IRI); its messages go there.
	Federated     bool
	RoomElsewhere string

	// Filled for one reader: their membership and unread count.
	Member bool
	Muted  bool
	Unread int
	Role   string // "owner", "moderator", "member" or "stall"
}

// Message is one message in a conversation.
type Message struct {
	ID           MessageID
	Conversation ConversationID
	Author       AccountID // 0 for a remote author
	AuthorName   string    // the handle (or name@host) shown
	AuthorShown  string    // display name
	AuthorURL    string    // a remote author's profile
	FromStall    bool      // written by one of the thread's or chat's stallholders
	Body         string    // Markdown; "" once deleted
	ReplyTo      MessageID
	Photos       []Photo
	CreatedAt    time.Time // when it was written (WrittenAt), to the millisecond: its place in the conversation
	EditedAt     time.Time
	DeletedAt    time.Time
}

// Deleted reports whether the message is a tombstone.
func (m *Message) Deleted() bool { return !m.DeletedAt.IsZero() }

// MessageClockAhead is how far ahead of this market's clock a message from
// elsewhere may say it was written and be believed: the other market's clock
// may run a little fast, and within this its messages keep their order.
const MessageClockAhead = 5 * time.Minute

// WrittenAt is when a message stored at now was written, to the
// millisecond, in UTC: the time it says (its Note's published, for a message
// from elsewhere), unless it says none (zero) or one more than
// MessageClockAhead after now: then now. A conversation reads in this order,
// so a message cannot put itself below the ones written after it. A message
// may say it was written long ago (it was delayed, or backfilled): it takes
// its place among the older ones.
func WrittenAt(said, now time.Time) time.Time {
	if said.IsZero() || said.After(now.Add(MessageClockAhead)) {
		said = now
	}
	return time.UnixMilli(said.UnixMilli()).UTC()
}

// Limits on messages and rooms.
const (
	MaxMessageLen    = 2000
	MaxRoomNameLen   = 60
	MaxRoomDescLen   = 500
	MaxPrivateWith   = 10
	MessageEditGrace = 15 * time.Minute
)

// ValidateMessageBody checks a message's Markdown.
func ValidateMessageBody(body string) (string, error) {
	body = strings.TrimSpace(body)
	switch n := utf8.RuneCountInString(body); {
	case n == 0:
		return "", Errorf(EINVALID, "The message is empty.")
	case n > MaxMessageLen:
		return "", Errorf(EINVALID, "A message may be at most %d characters long (this one has %d).", MaxMessageLen, n)
	}
	return body, nil
}

// ValidateRoom checks a group chat's name and description.
func ValidateRoom(name, desc string) (string, string, error) {
	name, desc = strings.TrimSpace(name), strings.TrimSpace(desc)
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		return "", "", Errorf(EINVALID, "A group chat needs a name.")
	case n > MaxRoomNameLen:
		return "", "", Errorf(EINVALID, "A group chat's name may be at most %d characters long.", MaxRoomNameLen)
	}
	if utf8.RuneCountInString(desc) > MaxRoomDescLen {
		return "", "", Errorf(EINVALID, "A group chat's description may be at most %d characters long.", MaxRoomDescLen)
	}
	return name, desc, nil
}

// Mentions returns the @names in a message body (lower-cased, unique).
func Mentions(body string) []string {
	var out []string
	seen := map[string]bool{}
	for i := 0; i < len(body); i++ {
		if body[i] != '@' || (i > 0 && isNameByte(body[i-1])) {
			continue
		}
		j := i + 1
		for j < len(body) && isNameByte(body[j]) {
			j++
		}
		if name := strings.ToLower(body[i+1 : j]); ValidateName(name) == nil && !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	return out
}

func isNameByte(b byte) bool {
	return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || b == '_'
}

// Notification tells an account that something happened to it.
type Notification struct {
	ID           int64
	Kind         string // "question", "reply", "private", "mention", "trade"
	Conversation ConversationID
	Message      MessageID
	Actor        string // who did it
	Excerpt      string
	CreatedAt    time.Time
	Read         bool
}

// Report is someone's report of a message.
type Report struct {
	ID           int64
	Message      MessageID
	Conversation ConversationID
	Reporter     AccountID
	Reason       string
	CreatedAt    time.Time
	Resolved     bool
	Action       string
	Excerpt      string
	Author       string
	// Remote: the message came from another server (a moderator may forward
	// the report there); Forwarded: it was.
	Remote    bool
	Forwarded bool
}
