package federation

import (
	"context"
	"fmt"
	"html"
	"net"
	"strings"
	"time"

	"github.com/go-fed/activity/streams"
	"github.com/go-fed/activity/streams/vocab"
	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/node"
)

// localActor is what an actor document is made of.
type localActor struct {
	key          string // ap_keys key: market, instance, stall:ID, account:ID
	typ          string // Group, Organization, Person, Application
	id           string
	username     string // preferredUsername
	name         string
	summary      string // sanitised HTML
	url          string
	icon         *node.Photo
	header       *node.Photo // the profile's header image
	published    time.Time
	discoverable bool
	approves     bool // manuallyApprovesFollowers: follows wait for an answer
	alsoKnownAs  []string
	movedTo      string // the actor it moved to (move.go)
}

// loadActor loads the local actor ref names; ENOTFOUND when there is none.
func (f *Federation) loadActor(ctx context.Context, ref actorRef) (*localActor, error) {
	switch ref.kind {
	case keyMarket, keyInstance:
		m, err := f.db.Market(ctx)
		if err != nil {
			return nil, err
		}
		lang := firstLang(m)
		a := &localActor{key: keyMarket, typ: "Group", id: f.u.market(), username: "market",
			name: m.Name.In(lang, m.Languages...), url: f.u.home(), discoverable: true}
		desc := m.Description.In(lang, m.Languages...)
		if city := m.City.In(lang, m.Languages...); city != "" {
			desc = city + "\n\n" + desc
		}
		a.summary = string(f.md.HTML(desc))
		if ref.kind == keyInstance {
			a.key, a.typ, a.id, a.username, a.discoverable = keyInstance, "Application", f.u.instance(), f.instanceUsername(), false
			a.summary = html.EscapeString("The shiji node of " + a.name + "; it signs this node's requests.")
		}
		return a, nil
	case "stall":
		s, err := f.db.Stall(ctx, ref.stall)
		if err != nil {
			return nil, err
		}
		if s.Gone {
			return nil, node.Errorf(node.EGONE, "This stall has closed.")
		}
		a := &localActor{key: stallKey(s.ID), typ: "Organization", id: f.u.stall(s.ID), username: f.u.stallHandle(s.ID),
			name: s.Name, summary: string(f.md.HTML(s.Story)), url: f.u.stall(s.ID), published: s.CreatedAt, discoverable: s.MovedTo == "",
			approves: s.ApproveFollowers, alsoKnownAs: s.AlsoKnownAs, movedTo: s.MovedTo}
		if len(s.Photos) > 0 {
			a.icon, a.header = &s.Photos[0], &s.Photos[0]
		}
		if len(s.Photos) > 1 {
			a.header = &s.Photos[1]
		}
		return a, nil
	case "person":
		acc, _, err := f.db.AccountByName(ctx, ref.name)
		if node.ErrorCode(err) == node.ENOTFOUND {
			if gone, gerr := f.db.AccountGone(ctx, ref.name); gerr == nil && gone {
				return nil, node.Errorf(node.EGONE, "This account was deleted.")
			}
		}
		if err != nil {
			return nil, err
		}
		return f.personActor(ctx, acc)
	}
	return nil, node.Errorf(node.ENOTFOUND, "No such actor.")
}

func (f *Federation) personActor(ctx context.Context, acc *node.Account) (*localActor, error) {
	a := &localActor{key: accountKey(acc.ID), typ: "Person", id: f.u.person(acc.Name), username: acc.Name,
		name: acc.Shown(), url: f.u.base + node.ProfilePath(acc.Name), published: acc.CreatedAt} // the profile page
	stalls, err := f.db.Stalls(ctx, data.StallFilter{Holder: acc.ID, Limit: 50})
	if err != nil {
		return nil, err
	}
	var links []string
	for _, s := range stalls {
		links = append(links, fmt.Sprintf(`<a href="%s">%s</a>`, html.EscapeString(f.u.stall(s.ID)), html.EscapeString(s.Name)))
	}
	if len(links) > 0 {
		a.summary = "<p>" + strings.Join(links, " · ") + "</p>"
	}
	return a, nil
}

// instanceUsername is the instance actor's preferredUsername: the host
// name, as Mastodon does it.
func (f *Federation) instanceUsername() string {
	if h, _, err := net.SplitHostPort(f.host); err == nil {
		return h
	}
	return f.host
}

func firstLang(m *node.Market) string {
	if len(m.Languages) > 0 && m.Languages[0] != "" {
		return m.Languages[0]
	}
	return node.Languages[0]
}

// actorType is what the four go-fed actor types have in common.
type actorType interface {
	vocab.Type
	SetJSONLDId(vocab.JSONLDIdProperty)
	SetActivityStreamsPreferredUsername(vocab.ActivityStreamsPreferredUsernameProperty)
	SetActivityStreamsName(vocab.ActivityStreamsNameProperty)
	SetActivityStreamsSummary(vocab.ActivityStreamsSummaryProperty)
	SetActivityStreamsInbox(vocab.ActivityStreamsInboxProperty)
	SetActivityStreamsOutbox(vocab.ActivityStreamsOutboxProperty)
	SetActivityStreamsFollowers(vocab.ActivityStreamsFollowersProperty)
	SetActivityStreamsFollowing(vocab.ActivityStreamsFollowingProperty)
	SetActivityStreamsIcon(vocab.ActivityStreamsIconProperty)
	SetActivityStreamsUrl(vocab.ActivityStreamsUrlProperty)
	SetActivityStreamsPublished(vocab.ActivityStreamsPublishedProperty)
	SetTootDiscoverable(vocab.TootDiscoverableProperty)
	SetW3IDSecurityV1PublicKey(vocab.W3IDSecurityV1PublicKeyProperty)
	GetUnknownProperties() map[string]interface{}
}

// actorDocument renders the actor as JSON-LD (its key is made if needed).
func (f *Federation) actorDocument(ctx context.Context, a *localActor) (map[string]any, error) {
	key, err := f.keys.get(ctx, a.key)
	if err != nil {
		return nil, err
	}
	var t actorType
	switch a.typ {
	case "Group":
		t = streams.NewActivityStreamsGroup()
	case "Organization":
		t = streams.NewActivityStreamsOrganization()
	case "Application":
		t = streams.NewActivityStreamsApplication()
	default:
		t = streams.NewActivityStreamsPerson()
	}
	t.SetJSONLDId(idProp(a.id))
	pu := streams.NewActivityStreamsPreferredUsernameProperty()
	pu.SetXMLSchemaString(a.username)
	t.SetActivityStreamsPreferredUsername(pu)
	name := streams.NewActivityStreamsNameProperty()
	name.AppendXMLSchemaString(a.name)
	t.SetActivityStreamsName(name)
	summary := streams.NewActivityStreamsSummaryProperty()
	summary.AppendXMLSchemaString(a.summary)
	t.SetActivityStreamsSummary(summary)
	inbox := streams.NewActivityStreamsInboxProperty()
	inbox.SetIRI(iri(f.u.inbox(a.id)))
	t.SetActivityStreamsInbox(inbox)
	outbox := streams.NewActivityStreamsOutboxProperty()
	outbox.SetIRI(iri(f.u.outbox(a.id)))
	t.SetActivityStreamsOutbox(outbox)
	followers := streams.NewActivityStreamsFollowersProperty()
	followers.SetIRI(iri(f.u.followers(a.id)))
	t.SetActivityStreamsFollowers(followers)
	following := streams.NewActivityStreamsFollowingProperty()
	following.SetIRI(iri(f.u.following(a.id)))
	t.SetActivityStreamsFollowing(following)
	if a.url != "" {
		u := streams.NewActivityStreamsUrlProperty()
		u.AppendIRI(iri(a.url))
		t.SetActivityStreamsUrl(u)
	}
	if a.icon != nil {
		icon := streams.NewActivityStreamsIconProperty()
		icon.AppendActivityStreamsImage(f.image(*a.icon))
		t.SetActivityStreamsIcon(icon)
	}
	if !a.published.IsZero() {
		p := streams.NewActivityStreamsPublishedProperty()
		p.Set(a.published.UTC())
		t.SetActivityStreamsPublished(p)
	}
	d := streams.NewTootDiscoverableProperty()
	d.Set(a.discoverable)
	t.SetTootDiscoverable(d)
	pk := streams.NewW3IDSecurityV1PublicKey()
	pk.SetJSONLDId(idProp(f.u.keyID(a.id)))
	owner := streams.NewW3IDSecurityV1OwnerProperty()
	owner.SetIRI(iri(a.id))
	pk.SetW3IDSecurityV1Owner(owner)
	pem := streams.NewW3IDSecurityV1PublicKeyPemProperty()
	pem.Set(key.publicPEM)
	pk.SetW3IDSecurityV1PublicKeyPem(pem)
	pkp := streams.NewW3IDSecurityV1PublicKeyProperty()
	pkp.AppendW3IDSecurityV1PublicKey(pk)
	t.SetW3IDSecurityV1PublicKey(pkp)
	// v1.0.0 has no typed endpoints, manuallyApprovesFollowers or indexable
	// (STACK.md §1.2.9): unknown properties are serialised as they are.
	u := t.GetUnknownProperties()
	u["endpoints"] = map[string]any{"sharedInbox": f.u.sharedInbox()}
	u["manuallyApprovesFollowers"] = a.approves
	u["indexable"] = a.discoverable
	if len(a.alsoKnownAs) > 0 { // move.go
		u["alsoKnownAs"] = a.alsoKnownAs
	}
	if a.movedTo != "" {
		u["movedTo"] = a.movedTo
	}
	m, err := serialize(t)
	if err != nil {
		return nil, err
	}
	// Profile fields, header image and, for a stall, its pinned items and
	// an avatar of its own when it has no photo (profile.go).
	m["attachment"] = append([]any{}, f.profileFields(ctx, a)...)
	if a.header != nil {
		m["image"] = f.imageMap(*a.header)
	}
	if stall, ok := stallOfKey(a.key); ok {
		m["featured"] = a.id + "/featured"
		if a.icon == nil {
			m["icon"] = map[string]any{"type": "Image", "mediaType": "image/png", "url": f.u.stall(stall) + "/avatar.png",
				"width": avatarSize, "height": avatarSize}
		}
	}
	return m, nil
}

// imageMap is a photo as a serialised Image.
func (f *Federation) imageMap(p node.Photo) map[string]any {
	m := map[string]any{"type": "Image", "mediaType": photoMediaType(p.Ext), "url": f.u.photo(p)}
	if p.Width > 0 && p.Height > 0 {
		m["width"], m["height"] = p.Width, p.Height
	}
	if p.Alt != "" {
		m["name"] = p.Alt
	}
	if h := f.blurhash(p); h != "" {
		m["blurhash"] = h
	}
	return m
}

// image is a photo as an ActivityStreams Image with alt text and size.
func (f *Federation) image(p node.Photo) vocab.ActivityStreamsImage {
	img := streams.NewActivityStreamsImage()
	u := streams.NewActivityStreamsUrlProperty()
	u.AppendIRI(iri(f.u.photo(p)))
	img.SetActivityStreamsUrl(u)
	mt := streams.NewActivityStreamsMediaTypeProperty()
	mt.Set(photoMediaType(p.Ext))
	img.SetActivityStreamsMediaType(mt)
	if p.Alt != "" {
		n := streams.NewActivityStreamsNameProperty()
		n.AppendXMLSchemaString(p.Alt)
		img.SetActivityStreamsName(n)
	}
	if p.Width > 0 && p.Height > 0 {
		w := streams.NewActivityStreamsWidthProperty()
		w.Set(p.Width)
		img.SetActivityStreamsWidth(w)
		h := streams.NewActivityStreamsHeightProperty()
		h.Set(p.Height)
		img.SetActivityStreamsHeight(h)
	}
	return img
}

func photoMediaType(ext string) string {
	switch strings.ToLower(ext) {
	case "png":
		return "image/png"
	case "gif":
		return "image/gif"
	case "webp":
		return "image/webp"
	}
	return "image/jpeg"
}
