package federation

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/go-fed/activity/streams"
	"github.com/go-fed/activity/streams/vocab"
)

// newToken returns a random id for an activity IRI.
func newToken() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// docBytes serialises a go-fed value with the fixed @context.
func docBytes(t vocab.Type) ([]byte, error) {
	m, err := serialize(t)
	if err != nil {
		return nil, err
	}
	return json.Marshal(m)
}

func actorProp(id string) vocab.ActivityStreamsActorProperty {
	p := streams.NewActivityStreamsActorProperty()
	p.AppendIRI(iri(id))
	return p
}

func toProp(ids ...string) vocab.ActivityStreamsToProperty {
	p := streams.NewActivityStreamsToProperty()
	for _, id := range ids {
		p.AppendIRI(iri(id))
	}
	return p
}

func ccProp(ids ...string) vocab.ActivityStreamsCcProperty {
	p := streams.NewActivityStreamsCcProperty()
	for _, id := range ids {
		p.AppendIRI(iri(id))
	}
	return p
}

func publishedProp(t time.Time) vocab.ActivityStreamsPublishedProperty {
	p := streams.NewActivityStreamsPublishedProperty()
	p.Set(t.UTC().Truncate(time.Second))
	return p
}

// follow is a Follow of object by actor.
func follow(id, actor, object string) vocab.ActivityStreamsFollow {
	a := streams.NewActivityStreamsFollow()
	a.SetJSONLDId(idProp(id))
	a.SetActivityStreamsActor(actorProp(actor))
	o := streams.NewActivityStreamsObjectProperty()
	o.AppendIRI(iri(object))
	a.SetActivityStreamsObject(o)
	a.SetActivityStreamsTo(toProp(object))
	return a
}

// accept is actor's Accept of a Follow (embedded, as Mastodon expects).
func accept(id, actor string, f vocab.ActivityStreamsFollow, to string) vocab.ActivityStreamsAccept {
	a := streams.NewActivityStreamsAccept()
	a.SetJSONLDId(idProp(id))
	a.SetActivityStreamsActor(actorProp(actor))
	o := streams.NewActivityStreamsObjectProperty()
	o.AppendActivityStreamsFollow(f)
	a.SetActivityStreamsObject(o)
	a.SetActivityStreamsTo(toProp(to))
	return a
}

// undo is actor's Undo of a Follow.
func undo(id, actor string, f vocab.ActivityStreamsFollow, to string) vocab.ActivityStreamsUndo {
	a := streams.NewActivityStreamsUndo()
	a.SetJSONLDId(idProp(id))
	a.SetActivityStreamsActor(actorProp(actor))
	o := streams.NewActivityStreamsObjectProperty()
	o.AppendActivityStreamsFollow(f)
	a.SetActivityStreamsObject(o)
	a.SetActivityStreamsTo(toProp(to))
	return a
}

// reject is actor's Reject of a Follow (embedded, as Mastodon expects).
func reject(id, actor string, f vocab.ActivityStreamsFollow, to string) vocab.ActivityStreamsReject {
	a := streams.NewActivityStreamsReject()
	a.SetJSONLDId(idProp(id))
	a.SetActivityStreamsActor(actorProp(actor))
	o := streams.NewActivityStreamsObjectProperty()
	o.AppendActivityStreamsFollow(f)
	a.SetActivityStreamsObject(o)
	a.SetActivityStreamsTo(toProp(to))
	return a
}
