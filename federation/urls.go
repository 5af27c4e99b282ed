package federation

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/shiji-market/shiji/node"
)

// Every ActivityPub IRI of the node is built here. Actor ids:
//
//	market   BASE/market               (Group)
//	instance BASE/actor                (Application, signs fetches)
//	stall    BASE/stalls/ID            (Organization; the stall's page, content-negotiated)
//	person   BASE/users/NAME           (Person; also served at BASE/@NAME)
//
// Each actor has ID/inbox, ID/outbox, ID/followers and the key ID#main-key.
// Items are Notes at their page BASE/items/ID; messages written here are
// Notes at BASE/messages/ID; other activities live at BASE/activities/TOKEN.
type urls struct{ base string }

func (u urls) market() string               { return u.base + "/market" }
func (u urls) instance() string             { return u.base + "/actor" }
func (u urls) stall(id node.StallID) string { return u.base + node.StallPath(id) }
func (u urls) person(name string) string    { return u.base + "/users/" + name }
func (u urls) item(id node.ItemID) string   { return u.base + node.ItemPath(id) }
func (u urls) day(date string) string       { return u.base + node.DayPath(date) }
func (u urls) message(id node.MessageID) string {
	return u.base + "/messages/" + strconv.FormatInt(int64(id), 10)
}
func (u urls) sharedInbox() string                { return u.base + "/inbox" }
func (u urls) activity(token string) string       { return u.base + "/activities/" + token }
func (u urls) photo(p node.Photo) string          { return u.base + node.PhotoPath(p, "") }
func (u urls) tag(tag string) string              { return u.base + node.TagPath(tag) }
func (u urls) home() string                       { return u.base + "/" }
func (urls) inbox(actor string) string            { return actor + "/inbox" }
func (urls) outbox(actor string) string           { return actor + "/outbox" }
func (urls) followers(actor string) string        { return actor + "/followers" }
func (urls) following(actor string) string        { return actor + "/following" }
func (urls) keyID(actor string) string            { return actor + "#main-key" }
func (u urls) stallHandle(id node.StallID) string { return node.StallHandle(id) }

// Local actor keys, as stored in ap_keys, ap_followers and ap_outbox.
const (
	keyMarket   = "market"
	keyInstance = "instance"
)

func stallKey(id node.StallID) string     { return "stall:" + strconv.FormatInt(int64(id), 10) }
func accountKey(id node.AccountID) string { return "account:" + strconv.FormatInt(int64(id), 10) }

var (
	stallPathRE   = regexp.MustCompile(`^/stalls/([1-9][0-9]{0,17})$`)
	itemPathRE    = regexp.MustCompile(`^/items/([1-9][0-9]{0,17})$`)
	messagePathRE = regexp.MustCompile(`^/messages/([1-9][0-9]{0,17})$`)
	personPathRE  = regexp.MustCompile(`^/(?:users/|@)([a-z][a-z0-9_]{1,29})$`)
	handleRE      = regexp.MustCompile(`^stall-([1-9][0-9]{0,17})$`)
	tagPathRE     = regexp.MustCompile(`^/tags/([^/]{1,60})$`)
	roomPathRE    = regexp.MustCompile(`^/rooms/([1-9][0-9]{0,17})$`)
	roomHandleRE  = regexp.MustCompile(`^room-([1-9][0-9]{0,17})$`)
)

// roomKey is the actor key of a group chat opened to other markets.
func roomKey(id node.ConversationID) string { return "room:" + strconv.FormatInt(int64(id), 10) }

func (u urls) room(id node.ConversationID) string {
	return u.base + "/rooms/" + strconv.FormatInt(int64(id), 10)
}

// localPath returns the path of iri when it is on this node, else "".
func (u urls) localPath(iri string) string {
	if !strings.HasPrefix(iri, u.base+"/") {
		return ""
	}
	p, err := url.Parse(iri)
	if err != nil || p.RawQuery != "" {
		return ""
	}
	return p.Path
}

// actorRef names a local actor without loading it.
type actorRef struct {
	kind    string // "market", "instance", "stall", "person", "room"
	stall   node.StallID
	room    node.ConversationID
	name    string // person's account name
	boxPath string // "", "/inbox", "/outbox", "/followers", "/following", "/featured"
}

// parseActorPath recognises an actor path, optionally followed by a box.
func parseActorPath(p string) (actorRef, bool) {
	var r actorRef
	for _, box := range []string{"/inbox", "/outbox", "/followers", "/following", "/featured"} {
		if strings.HasSuffix(p, box) {
			r.boxPath, p = box, strings.TrimSuffix(p, box)
			break
		}
	}
	switch {
	case p == "/market":
		r.kind = keyMarket
	case p == "/actor":
		r.kind = keyInstance
	case stallPathRE.MatchString(p):
		n, _ := strconv.ParseInt(stallPathRE.FindStringSubmatch(p)[1], 10, 64)
		r.kind, r.stall = "stall", node.StallID(n)
	case roomPathRE.MatchString(p):
		n, _ := strconv.ParseInt(roomPathRE.FindStringSubmatch(p)[1], 10, 64)
		r.kind, r.room = "room", node.ConversationID(n)
	case strings.HasPrefix(p, "/users/") && personPathRE.MatchString(p):
		r.kind, r.name = "person", personPathRE.FindStringSubmatch(p)[1]
	default:
		return r, false
	}
	return r, true
}
