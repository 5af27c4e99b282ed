package federation

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/go-fed/activity/streams"
	"github.com/go-fed/activity/streams/vocab"
	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/node"
)

// seenTTL is how long activity ids are remembered for de-duplication.
const seenTTL = 30 * 24 * time.Hour

// postInbox answers a POST to the shared inbox (target nil) or to an actor's
// inbox: 202 when the activity was taken in (or is a duplicate, or of a type
// we ignore), 401 when its signature or signer is wrong, 4xx for bad input.
// Nothing changes unless the answer is 202.
func (f *Federation) postInbox(c echo.Context, target *actorRef) error {
	r := c.Request()
	ctx := r.Context()
	if target != nil {
		if _, err := f.loadActor(ctx, *target); err != nil {
			return err
		}
	}
	if !isASMediaType(r.Header.Get("Content-Type")) {
		return node.Errorf(node.EUNSUPPORTED, "An inbox takes application/activity+json or application/ld+json.")
	}
	limitBy := signatureHost(r.Header.Get("Signature"))
	if limitBy != "" && f.blocks(ctx).hostBlocked(limitBy) {
		return f.refused(ctx, limitBy, node.Errorf(node.EFORBIDDEN, "This market does not take activities from %s.", limitBy))
	}
	if limitBy == "" {
		limitBy = "ip:" + c.RealIP()
	}
	if wait, ok := f.limit.allow(limitBy, f.now()); !ok {
		return f.refused(ctx, limitBy, node.Errorf(node.ETOOMANY, "Too many activities from %s; slow down.", limitBy).After(wait))
	}
	body, err := readCapped(http.MaxBytesReader(c.Response(), r.Body, maxBodyBytes+1), r.ContentLength)
	if err != nil {
		if node.ErrorCode(err) == node.EINTERNAL {
			err = node.Errorf(node.ETOOLARGE, "The activity is larger than %d bytes.", maxBodyBytes)
		}
		return f.refused(ctx, limitBy, err)
	}
	if err := f.ingest(ctx, r, body); err != nil {
		return f.refused(ctx, limitBy, err)
	}
	return c.NoContent(http.StatusAccepted)
}

// refused logs an activity refused by the inbox, once, at info with the
// server it came from (our own failures are logged as errors where they
// are answered), and returns err.
func (f *Federation) refused(ctx context.Context, server string, err error) error {
	if status, msg := errorStatus(err); status < 500 {
		f.log.InfoContext(ctx, "activity refused", "server", server, "status", status, "reason", msg)
	}
	return err
}

// isASMediaType accepts application/activity+json and application/ld+json
// (any profile) and, leniently, application/json.
func isASMediaType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "application/activity+json" || mt == "application/ld+json" || mt == "application/json")
}

// signatureHost is the host of the keyId of a Signature header, or "".
func signatureHost(h string) string {
	if h == "" {
		return ""
	}
	p, err := parseSignature(h)
	if err != nil {
		return ""
	}
	return hostOf(p.keyID)
}

// ingest verifies and takes in one activity (body is the request's body).
// It returns nil (202) for activities taken in, duplicates and ignored ones;
// EUNAUTHORIZED for a bad signature or a signer who is not the actor;
// EINVALID for malformed activities; other errors are ours (500, the sender
// retries).
func (f *Federation) ingest(ctx context.Context, r *http.Request, body []byte) (err error) {
	typ := "unknown"
	if f.cfg.Metrics != nil {
		defer func() {
			result := "accepted"
			if err != nil {
				result = node.ErrorCode(err)
			}
			f.cfg.Metrics.InboxActivity(typ, result)
		}()
	}
	sr, err := f.checkRequest(r, body)
	if err != nil {
		return err
	}
	if d := jsonDepth(body); d > maxJSONDepth {
		return node.Errorf(node.EINVALID, "The activity is nested more than %d levels deep.", maxJSONDepth)
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return node.Errorf(node.EINVALID, "The body is not a JSON object.")
	}
	actorID, id := refOf(m["actor"]), str(m, "id")
	if typ = str(m, "type"); len(typ) > 40 {
		typ = "unknown" // a label, not a place to write
	}
	if actorID == "" || typ == "" {
		return node.Errorf(node.EINVALID, "An activity needs a type (a string) and an actor.")
	}
	if !strings.HasPrefix(id, "https://") && !strings.HasPrefix(id, "http://") {
		return node.Errorf(node.EINVALID, "An activity needs an id (an http(s) IRI): it is how repeats are recognised.")
	}
	if f.isBlocked(ctx, actorID) {
		return node.Errorf(node.EFORBIDDEN, "This market does not take activities from %s.", actorID)
	}
	if typ == "Delete" && refOf(m["object"]) == actorID {
		// An account deleted elsewhere: its key is usually gone too. Only
		// actors we know matter.
		if _, err := f.cachedActor(ctx, actorID); errors.Is(err, sql.ErrNoRows) {
			return nil
		}
	}
	signer, err := f.verifySigned(ctx, sr)
	if err != nil {
		return err
	}
	if signer.ID != actorID {
		return node.Errorf(node.EUNAUTHORIZED, "The request is signed by %s, but the activity's actor is %s.", signer.ID, actorID)
	}
	if !sameHost(id, actorID) {
		return node.Errorf(node.EINVALID, "The activity's id is not on its actor's host.")
	}
	if err := f.checkObjectOrigin(typ, actorID, m["object"]); errors.Is(err, errElsewhere) {
		f.log.InfoContext(ctx, "activity not used", "server", hostOf(actorID), "type", typ, "id", id, "reason", err.Error())
		return nil
	} else if err != nil {
		return err
	}
	if seen, err := f.seenBefore(ctx, id); err != nil || seen {
		return err
	}
	// The mark rides with the activity's first write (one transaction, so
	// one commit of the group writer for both), and the answer is sent only
	// once that has committed: an activity answered 202 is stored, and one
	// lost to a crash before its commit is not marked, so its retry is taken.
	mctx, mark := f.seenRider(ctx, id)
	err = f.dispatch(mctx, m, signer)
	committed := mark.Close()
	if committed {
		f.seen.add(id)
	}
	if errors.Is(err, errDuplicate) || errors.Is(mark.Err(), errDuplicate) {
		return nil // the same activity, taken in meanwhile by another request
	}
	if err != nil {
		if committed {
			f.forgetSeen(ctx, id)
		}
		if c := node.ErrorCode(err); c == node.EINVALID || c == node.EUNAUTHORIZED {
			return err
		}
		return fmt.Errorf("federation: %s %s from %s: %w", typ, id, actorID, err)
	}
	if !committed { // nothing written (an activity ignored): the mark alone
		if _, err := f.markSeen(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// errDuplicate: the activity was taken in by another request meanwhile.
var errDuplicate = errors.New("federation: activity seen before")

// seenBefore reports whether the activity id was taken in before (on a
// reader: a repeat costs the writer nothing), without the reader when the
// filter of ids taken in knows it never was.
func (f *Federation) seenBefore(ctx context.Context, id string) (bool, error) {
	if f.seen.never(id) {
		return false, nil
	}
	var n int
	err := f.db.QueryRow(ctx, sqlSeen, id).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// seenRider returns ctx with the activity's de-duplication mark riding on
// its first write (data.WithRider): that write fails with errDuplicate
// when the activity was marked meanwhile, and so does every later one.
func (f *Federation) seenRider(ctx context.Context, id string) (context.Context, *data.Rider) {
	return data.WithRider(ctx, func(tx *sql.Tx) error {
		res, err := f.db.Exec(ctx, tx, sqlMarkSeen, id, f.now().Unix())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errDuplicate
		}
		return nil
	})
}

// maxJSONDepth is how deeply an activity may nest (an Announce of a Create
// of a Note with tags and icons is about eight deep).
const maxJSONDepth = 32

// jsonDepth is the deepest nesting of arrays and objects in a JSON text
// (strings skipped), read without decoding it.
func jsonDepth(b []byte) int {
	depth, most, inString, escaped := 0, 0, false, false
	for _, c := range b {
		switch {
		case inString:
			if escaped {
				escaped = false
			} else if c == '\\' {
				escaped = true
			} else if c == '"' {
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
			most = max(most, depth)
		case c == '}' || c == ']':
			depth--
		}
	}
	return most
}

// checkObjectOrigin: what a Create, Update or Delete acts on must be its
// actor's, on the actor's host (Mastodon's rule too): never ours, never a
// third server's.
func (f *Federation) checkObjectOrigin(typ, actor string, object any) error {
	if typ != "Create" && typ != "Update" && typ != "Delete" {
		return nil
	}
	id := refOf(object)
	if id == "" {
		return nil // an embedded object without an id: judged by its handler
	}
	if o, ok := object.(map[string]any); ok && typ == "Update" && str(o, "type") == "Agreement" {
		return nil // an FEP-0837 Agreement is the stall's, and both sides update it: only a side of the trade moves it (trade_in.go)
	}
	if f.u.localPath(id) != "" || strings.HasPrefix(id, f.u.base+"/") {
		return node.Errorf(node.EINVALID, "A %s from elsewhere cannot act on %s: it is this market's.", typ, id)
	}
	if !sameHost(id, actor) {
		return errElsewhere // a moderator elsewhere acting on a third server's object: not ours to follow
	}
	return nil
}

// errElsewhere: an activity about a third server's object, taken (202) and
// not used.
var errElsewhere = errors.New("the object is on another server")

// refOf returns the IRI of a JSON value that is an IRI or an object with an id.
func refOf(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		return str(x, "id")
	case []any:
		if len(x) == 1 {
			return refOf(x[0])
		}
	}
	return ""
}

// markSeen records an activity id; fresh is false when it was seen before.
func (f *Federation) markSeen(ctx context.Context, id string) (fresh bool, err error) {
	err = f.db.WritePure(ctx, func(tx *sql.Tx) error {
		res, err := f.db.Exec(ctx, tx, sqlMarkSeen, id, f.now().Unix())
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		fresh = n == 1
		return nil
	})
	if fresh && err == nil {
		f.seen.add(id) // once committed (ingest_seen.go)
	}
	return fresh, err
}

func (f *Federation) forgetSeen(ctx context.Context, id string) {
	f.db.WritePure(context.WithoutCancel(ctx), func(tx *sql.Tx) error {
		_, err := f.db.Exec(ctx, tx, sqlForgetSeen, id)
		return err
	})
}

// dispatch runs the activity through go-fed's JSON resolver to the handler
// of its type; types without one are ignored (go-fed v1.0.0 would answer 400
// for types it does not know: STACK.md §1.2.5).
func (f *Federation) dispatch(ctx context.Context, m map[string]any, signer *remoteActor) error {
	if _, ok := m["@context"]; !ok {
		m["@context"] = asContextIRI // go-fed needs one to read the type
	}
	typ := str(m, "type")
	if u, ok := m["object"].(string); ok && typ == "Create" {
		// A Create naming its object by URL only: fetched (signed), and
		// taken only when it is the actor's.
		obj, err := f.client.getJSON(ctx, u, "", keyInstance)
		if err != nil {
			f.log.InfoContext(ctx, "activity not used", "server", hostOf(signer.ID), "type", typ, "id", str(m, "id"), "reason", err.Error())
			return nil
		}
		if str(obj, "id") != u || !sameHost(u, signer.ID) {
			return node.Errorf(node.EINVALID, "The object of the Create is not what its URL serves.")
		}
		m["object"] = obj
	}
	raw, _ := m["object"].(map[string]any)
	if raw != nil && (typ == "Create" || typ == "Update") {
		if _, ok := raw["@context"]; !ok {
			raw["@context"] = m["@context"]
		}
		if str(raw, "type") == "ChatMessage" {
			// Pleroma's and Lemmy 0.19's private messages: a Note to one
			// person, which go-fed v1.0.0 does not know by that name.
			raw["type"] = "Note"
		}
	}
	if ok, err := f.observeTrade(ctx, m, signer); ok { // trades across markets (trade_in.go)
		return err
	}
	if ok, err := f.observeRoom(ctx, m, signer); ok { // group chats across markets (room.go)
		return err
	}
	if err := f.observeWorld(ctx, m, signer); err != nil { // linked markets' items (catalogue.go)
		return err
	}
	if noteMap := embeddedNote(typ, m); noteMap != nil {
		// The Note is what a Create or Update of one is about: the
		// handlers need nothing of the activity that ingest has not
		// checked (its type, actor, id), so go-fed does not read it; the
		// Note itself is read from its JSON when its shape is plain
		// (note_map.go), else by go-fed by itself.
		n, ok, err := f.noteOf(ctx, noteMap)
		switch {
		case !ok:
			return node.Errorf(node.EINVALID, "The activity cannot be read: %v.", err)
		case err != nil:
			return node.Errorf(node.EINVALID, "The Note cannot be read: %v.", err)
		case typ == "Update":
			return f.updateNote(ctx, signer, n)
		}
		return f.createNote(ctx, signer, n)
	}
	view := goFedView(m)
	res, err := streams.NewJSONResolver(
		func(ctx context.Context, a vocab.ActivityStreamsFollow) error {
			return handled(f.onFollow(ctx, signer, a))
		},
		func(ctx context.Context, a vocab.ActivityStreamsUndo) error { return handled(f.onUndo(ctx, signer, a)) },
		func(ctx context.Context, a vocab.ActivityStreamsAccept) error {
			return handled(f.onAccept(ctx, signer, a, true))
		},
		func(ctx context.Context, a vocab.ActivityStreamsReject) error {
			return handled(f.onAccept(ctx, signer, a, false))
		},
		func(ctx context.Context, a vocab.ActivityStreamsCreate) error {
			return handled(f.onCreate(ctx, signer, a, raw)) // a Create of something other than a Note
		},
		func(ctx context.Context, a vocab.ActivityStreamsUpdate) error {
			return handled(f.onUpdate(ctx, signer, a, raw))
		},
		func(ctx context.Context, a vocab.ActivityStreamsDelete) error {
			return handled(f.onDelete(ctx, signer, a))
		},
		func(ctx context.Context, a vocab.ActivityStreamsAnnounce) error {
			return handled(f.onAnnounce(ctx, signer, a, raw))
		},
		func(ctx context.Context, a vocab.ActivityStreamsLike) error { return handled(f.onLike(ctx, signer, a)) },
		func(ctx context.Context, a vocab.ActivityStreamsMove) error { return handled(f.onMove(ctx, signer, a)) }, // move.go
		func(ctx context.Context, a vocab.ActivityStreamsFlag) error { return handled(f.onFlag(ctx, signer, m)) },
	)
	if err != nil {
		return err
	}
	err = res.Resolve(ctx, view)
	var he *handlerError
	switch {
	case err == nil:
		return nil
	case streams.IsUnmatchedErr(err):
		f.log.InfoContext(ctx, "activity not used", "server", hostOf(signer.ID), "type", str(m, "type"), "id", str(m, "id"))
		return nil
	case errors.As(err, &he):
		return he.err
	}
	return node.Errorf(node.EINVALID, "The activity cannot be read: %v.", err)
}

// handlerError marks errors of our handlers, to tell them from go-fed's
// errors about malformed activities.
type handlerError struct{ err error }

func (e *handlerError) Error() string { return e.err.Error() }

// Unwrap is the handler's error.
func (e *handlerError) Unwrap() error { return e.err }

// handled wraps a handler's error (nil stays nil).
func handled(err error) error {
	if err == nil {
		return nil
	}
	return &handlerError{err}
}

// objectProp is what every activity has.
type objectProp interface {
	GetActivityStreamsObject() vocab.ActivityStreamsObjectProperty
}

// firstObject returns the first value of an activity's object, or nil.
func firstObject(a objectProp) vocab.ActivityStreamsObjectPropertyIterator {
	p := a.GetActivityStreamsObject()
	if p == nil || p.Len() == 0 {
		return nil
	}
	return p.Begin()
}

// localActorOf resolves an IRI of this node to a followable local actor.
func (f *Federation) localActorOf(ctx context.Context, iri string) (*localActor, error) {
	ref, ok := parseActorPath(f.u.localPath(iri))
	if !ok || ref.boxPath != "" || ref.kind == keyInstance {
		return nil, node.Errorf(node.ENOTFOUND, "%s is not an actor here.", iri)
	}
	return f.loadActor(ctx, ref)
}
