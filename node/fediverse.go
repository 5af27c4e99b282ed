package node

import (
	"net"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/idna"
)

// Block kinds: a whole server, or one account on it.
const (
	BlockDomain  = "domain"
	BlockAccount = "account"
)

// Block is the organiser's block of a remote server or account: its
// activities are refused, nothing is sent to it and nothing fetched from it.
type Block struct {
	ID        int64
	Kind      string // BlockDomain or BlockAccount
	Target    string // a host name (and port), or an actor's IRI
	Acct      string // name@host of a blocked account, when known
	Reason    string
	CreatedAt time.Time
	PurgedAt  *time.Time // when what the market kept from it was removed
}

// MaxBlockReasonLen caps a block's reason.
const MaxBlockReasonLen = 500

// FollowRequest is a follow of a stall that approves its followers by hand,
// waiting for a stallholder's answer.
type FollowRequest struct {
	ID        int64
	Stall     StallID
	Follower  string // the remote actor's IRI
	Acct      string // name@host, when known
	Name      string // its display name, when known
	URL       string // its profile page, when known
	CreatedAt time.Time
}

// NormalizeDomain turns what an organiser types for a server ("Social.Example",
// "https://social.example/", "社区.example", "127.0.0.1:8443") into the host name
// blocks compare against: lower case, ASCII (punycode), with a port only when
// one was given. Anything else is EINVALID.
func NormalizeDomain(s string) (string, error) {
	s = strings.TrimSpace(s)
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	}
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimPrefix(s, "@")
	if i := strings.LastIndex(s, "@"); i >= 0 { // name@host: the host
		s = s[i+1:]
	}
	s = strings.TrimSuffix(strings.ToLower(s), ".")
	host, port := s, ""
	if h, p, err := net.SplitHostPort(s); err == nil {
		host, port = h, p
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return "", Errorf(EINVALID, "%q is not a server's name.", s)
		}
	}
	if host == "" {
		return "", Errorf(EINVALID, "Give the server's name, such as social.example.")
	}
	if net.ParseIP(host) == nil {
		ascii, err := idna.Lookup.ToASCII(host)
		if err != nil || !strings.Contains(ascii, ".") && ascii != "localhost" {
			return "", Errorf(EINVALID, "%q is not a server's name.", host)
		}
		host = ascii
	}
	if port != "" {
		return net.JoinHostPort(host, port), nil
	}
	return host, nil
}

// DomainBlocked reports whether host (of a URL, with or without a port) is
// domain or one of its subdomains. A domain with a port blocks only that
// host and port.
func DomainBlocked(domain, host string) bool {
	host = strings.ToLower(host)
	if _, _, err := net.SplitHostPort(domain); err == nil {
		return host == domain
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	return host == domain || strings.HasSuffix(host, "."+domain)
}

// RemoteActor is an actor on another server as people here see it.
type RemoteActor struct {
	ID   string // its IRI
	Acct string // name@host, when known
	Name string
	URL  string // its profile page (its IRI when it has none)
	Icon string
	Type string // Person, Organization (a shiji stall), Group (a market) …
}

// RemoteFollow is a local account's follow of a remote actor.
type RemoteFollow struct {
	ID        int64
	Actor     RemoteActor
	State     string // pending or accepted
	CreatedAt time.Time
}

// RemoteImage is a picture of a remote note.
type RemoteImage struct {
	URL, MediaType, Alt string
	Width, Height       int
}

// RemotePrice is the price of a remote item (from its FEP-0837 Proposal).
type RemotePrice struct{ Amount, Currency string }

// RemoteNote is a public note (another market's item, a post) in a home
// timeline.
type RemoteNote struct {
	ID, URL, Name      string
	Content            string // sanitised HTML
	Images             []RemoteImage
	Tags               []string
	Price              *RemotePrice
	Published, Updated time.Time
	Actor              RemoteActor
	Via                *RemoteActor // the market that announced it, if any
}

// RemoteWrite is a message written here to someone elsewhere: a question on
// one of their notes (InReplyTo) or a private message.
type RemoteWrite struct {
	Message      *Message
	Conversation ConversationID // the writer's side of the exchange
	APID         string         // the message's Note id
	InReplyTo    string         // the note asked about ("" for a private message)
	To           string         // the remote actor's IRI
	Acct         string         // its name@host
}

// RemoteEvent is a market day of another market (its ActivityPub Event).
type RemoteEvent struct {
	ID, URL, Name string
	Start, End    time.Time // in the market's time zone when it gave one
	Place         string
	Cancelled     bool
	Market        RemoteActor
}

// RemoteReport is a report from another server (an ActivityPub Flag) about
// one of the market's stalls, items, people or messages, for the moderators.
type RemoteReport struct {
	ID      int64
	Server  string // the host it came from
	Actor   string // who sent it (often the server's instance actor)
	Reason  string // plain text
	Objects []string
	// What it is about here (0 when not).
	Stall        StallID
	Item         ItemID
	Message      MessageID
	Account      AccountID
	StallName    string
	ItemTitle    string
	Excerpt      string // of the message
	Conversation ConversationID
	AccountName  string
	CreatedAt    time.Time
	Resolved     bool
	Action       string
}
