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
	answerFollow(a, id, actor, f, to)
	return a
}

// reject is actor's Reject of a Follow (embedded, as Mastodon expects).
func reject(id, actor string, f vocab.ActivityStreamsFollow, to string) vocab.ActivityStreamsReject {
	a := streams.NewActivityStreamsReject()
	answerFollow(a, id, actor, f, to)
	return a
}

// answerFollow fills an Accept or Reject of the Follow f.
func answerFollow(a interface {
	SetJSONLDId(vocab.JSONLDIdProperty)
	SetActivityStreamsActor(vocab.ActivityStreamsActorProperty)
	SetActivityStreamsObject(vocab.ActivityStreamsObjectProperty)
	SetActivityStreamsTo(vocab.ActivityStreamsToProperty)
}, id, actor string, f vocab.ActivityStreamsFollow, to string) {
	a.SetJSONLDId(idProp(id))
	a.SetActivityStreamsActor(actorProp(actor))
	o := streams.NewActivityStreamsObjectProperty()
	o.AppendActivityStreamsFollow(f)
	a.SetActivityStreamsObject(o)
	a.SetActivityStreamsTo(toProp(to))
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

// changer is what Create, Update and Delete share.
type changer interface {
	vocab.Type
	SetJSONLDId(vocab.JSONLDIdProperty)
	SetActivityStreamsActor(vocab.ActivityStreamsActorProperty)
	SetActivityStreamsTo(vocab.ActivityStreamsToProperty)
	SetActivityStreamsCc(vocab.ActivityStreamsCcProperty)
	SetActivityStreamsPublished(vocab.ActivityStreamsPublishedProperty)
}

// changeActivity is an empty Create ("create"), Update ("update") or Delete
// (anything else).
func changeActivity(kind string) changer {
	switch kind {
	case "create":
		return streams.NewActivityStreamsCreate()
	case "update":
		return streams.NewActivityStreamsUpdate()
	}
	return streams.NewActivityStreamsDelete()
}
