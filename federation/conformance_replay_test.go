package federation

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-fed/activity/streams"
	"github.com/go-fed/httpsig"
)

// serveFolder puts every payload of the folder that has an id on the fake
// network at that id (so objects named only by URL can be fetched), key
// documents at their key's id.
func (e *confEnv) serveFolder() {
	files, _ := os.ReadDir(e.dir)
	for _, fi := range files {
		if !strings.HasSuffix(fi.Name(), ".json") {
			continue
		}
		b := e.readFile(fi.Name())
		var m map[string]any
		if json.Unmarshal(b, &m) != nil {
			continue
		}
		id := str(m, "id")
		if classify(m) == "key" {
			if pk, ok := m["publicKey"].(map[string]any); ok && str(pk, "id") != "" {
				e.n.net.serve(str(pk, "id"), b)
			}
			continue
		}
		if strings.HasPrefix(id, "http") {
			e.n.net.serve(id, b)
		}
		if classify(m) == "object" { // its author is on the network too
			for _, v := range listOf(m["attributedTo"]) {
				if a := refOf(v); strings.HasPrefix(a, "http") && e.actors[a] == nil {
					e.keyOf(a)
				}
			}
		}
	}
}

// audience is every IRI in to and cc of a raw object.
func audience(m map[string]any) []string {
	var out []string
	for _, k := range []string{"to", "cc"} {
		for _, v := range listOf(m[k]) {
			if s := refOf(v); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// follows makes ajie follow actor (accepted), so its public notes land.
func (e *confEnv) follows(actor string) {
	e.n.db.Write(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT OR IGNORE INTO ap_following(account_id, actor, follow_id, state, created_at)
			SELECT id, ?, ?, 'accepted', 0 FROM accounts WHERE name = 'ajie'`, actor, actor+"#shiji-follow")
		return err
	})
}

func (e *confEnv) exec(q string, args ...any) {
	if err := e.n.db.Write(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.Exec(q, args...)
		return err
	}); err != nil {
		e.t.Fatalf("%s: %v", q, err)
	}
}

// aim points an activity that names its own server's recipient (an actor,
// a status) at our stall, item or person instead, keeping its shape, and
// prepares what the activity acts on (a follower to undo, a note to delete,
// our pending follow to accept). It returns the body to send.
func (e *confEnv) aim(m map[string]any, raw []byte) []byte {
	typ := firstType(m)
	actor := refOf(m["actor"])
	rep := map[string]string{}
	foreign := func(iri string) bool {
		return strings.HasPrefix(iri, "http") && !isPublicIRI(iri) && !sameHost(iri, actor) && e.n.f.u.localPath(iri) == ""
	}
	aimAt := func(iri, ours string) {
		if foreign(iri) {
			if _, done := rep[iri]; !done {
				rep[iri] = ours
			}
		}
	}
	obj, _ := m["object"].(map[string]any)
	objRef := refOf(m["object"])
	switch typ {
	case "Follow":
		aimAt(objRef, e.stall)
	case "Like", "Dislike", "EmojiReact":
		aimAt(objRef, e.item)
		e.exec(`DELETE FROM ap_reactions WHERE actor = ?`, actor) // one of each per actor: count this one afresh
	case "Announce":
		// A boost of their server's status is aimed at our item; one of a
		// note the network serves (a third server's) stays as it is.
		if (obj == nil || !isActivityType(firstType(obj))) && !e.n.net.has(objRef) {
			aimAt(objRef, e.item)
		}
		e.exec(`DELETE FROM ap_reactions WHERE actor = ?`, actor)
	case "Create", "Update":
		if obj != nil {
			aimAt(refOf(obj["inReplyTo"]), e.item)
			public := false
			for _, a := range append(audience(m), audience(obj)...) {
				public = public || isPublicIRI(a) || strings.HasSuffix(a, "/followers")
			}
			if !public { // a private message: to its first addressee (often on the sender's own host in test data)
				for _, a := range append(audience(obj), audience(m)...) {
					if a != actor && strings.HasPrefix(a, "http") && e.n.f.u.localPath(a) == "" {
						rep[a] = e.person
						break
					}
				}
			}
		}
	case "Undo":
		if obj != nil {
			inner := refOf(obj["object"])
			switch firstType(obj) {
			case "Follow":
				aimAt(inner, e.stall)
				e.exec(`INSERT OR REPLACE INTO ap_followers(actor, follower, inbox, follow_id, created_at) VALUES ('stall:1', ?, ?, ?, 0)`,
					actor, actor+"/inbox", str(obj, "id"))
			case "Like", "Announce", "Dislike", "EmojiReact":
				aimAt(inner, e.item)
				kind := "like"
				if firstType(obj) == "Announce" {
					kind = "announce"
				}
				e.exec(`INSERT OR REPLACE INTO ap_reactions(item_id, actor, kind, activity, created_at) VALUES (1, ?, ?, ?, 0)`,
					actor, kind, str(obj, "id"))
			}
		} else if objRef != "" {
			e.exec(`INSERT OR REPLACE INTO ap_followers(actor, follower, inbox, follow_id, created_at) VALUES ('stall:1', ?, ?, ?, 0)`,
				actor, actor+"/inbox", objRef)
		}
	case "Accept", "Reject":
		followID := objRef
		if obj != nil && firstType(obj) == "Follow" {
			aimAt(refOf(obj["actor"]), e.person)
		}
		isFollow := (obj != nil && firstType(obj) == "Follow") || (obj == nil && strings.Contains(e.file, "follow"))
		if followID != "" && isFollow {
			e.exec(`DELETE FROM ap_following WHERE actor = ? OR follow_id = ?`, actor, followID)
			e.exec(`INSERT INTO ap_following(account_id, actor, follow_id, state, created_at)
				SELECT id, ?, ?, 'pending', 0 FROM accounts WHERE name = 'ajie'`, actor, followID)
		}
	case "Delete":
		switch {
		case objRef == actor:
			e.keyOf(actor) // a follower is an actor we know
			e.n.f.remoteActor(context.Background(), actor, true)
			e.exec(`INSERT OR REPLACE INTO ap_followers(actor, follower, inbox, follow_id, created_at) VALUES ('stall:1', ?, ?, ?, 0)`,
				actor, actor+"/inbox", actor+"#follow-before")
		case objRef != "":
			e.exec(`INSERT OR IGNORE INTO ap_notes(id, actor, published, updated, received_at) VALUES (?, ?, 0, 0, 0)`, objRef, actor)
		}
	case "Flag":
		ours := []string{e.stall, e.item, e.item2}
		for _, v := range listOf(m["object"]) {
			if iri := refOf(v); foreign(iri) && len(ours) > 0 {
				aimAt(iri, ours[0])
				ours = ours[1:]
			}
		}
	}
	body := raw
	for from, to := range rep {
		qf, _ := json.Marshal(from)
		qt, _ := json.Marshal(to)
		body = bytes.ReplaceAll(body, qf, qt)
	}
	return body
}

func firstType(m map[string]any) string {
	s, _ := listOfFirst(m["type"]).(string)
	return s
}

func isActivityType(t string) bool {
	return classify(map[string]any{"type": t}) == "activity"
}

// activity replays one activity through the shared inbox.
func (e *confEnv) activity(raw []byte) string {
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return "not JSON"
	}
	actor := refOf(m["actor"])
	if actor == "" || !strings.HasPrefix(actor, "http") {
		actor = "https://unknown.example/actor" // signed by someone, so the activity itself is judged
	}
	e.follows(actor)
	body := e.aim(m, raw)
	prefix := ""
	if !bytes.Equal(body, raw) {
		prefix = "aimed at us: "
	}
	if firstType(m) == "Update" {
		e.createBeforeUpdate(actor, body)
	}
	before := e.state()
	gets := e.n.net.getCount(actor)
	e.logs.take()
	w := e.post(actor, body)
	after := e.state()
	what := landed(before, after)
	if firstType(m) == "Update" && refOf(m["object"]) == actor && e.n.net.getCount(actor) > gets && what == "nothing stored" {
		what = "profile fetched again"
	}
	if w.Code != http.StatusAccepted && what != "nothing stored" {
		e.t.Errorf("refused (%d) but changed the store: %s", w.Code, what)
	}
	if w.Code >= 400 && w.Code < 500 && !e.loggedOnce(hostOf(actor)) {
		e.t.Errorf("a refusal (%d) was not logged once at info with the server's name", w.Code)
	}
	if w.Code != http.StatusAccepted {
		return prefix + status(w)
	}
	return prefix + "202, " + what
}

// createBeforeUpdate takes in the note an Update edits, as its Create would
// have, with other text.
func (e *confEnv) createBeforeUpdate(actor string, body []byte) {
	var m map[string]any
	json.Unmarshal(body, &m)
	obj, _ := m["object"].(map[string]any)
	if obj == nil || refOf(obj) == actor || classify(obj) != "object" {
		return
	}
	older := map[string]any{}
	for k, v := range obj {
		older[k] = v
	}
	older["content"] = "<p>before the edit</p>"
	delete(older, "contentMap")
	delete(older, "updated")
	create := map[string]any{"@context": asContextIRI, "id": str(m, "id") + "#created-before", "type": "Create", "actor": actor,
		"object": older, "to": m["to"], "cc": m["cc"]}
	e.post(actor, mustJSON(create))
}

// object is fetched as the object of a Create that names it by URL.
func (e *confEnv) object(m map[string]any, raw []byte) string {
	id := str(m, "id")
	author := refOf(m["actor"])
	if author == "" || !sameHost(author, id) {
		author = ""
		for _, v := range listOf(m["attributedTo"]) {
			if r := refOf(v); r != "" && (author == "" || str(asMap(v), "type") == "Person") {
				author = r
			}
		}
	}
	if author == "" {
		author = refOf(m["attributedTo"])
	}
	if author == "" {
		return "object without an author: not taken in"
	}
	var object any = id
	how := "as the object of a Create, by URL: "
	if !strings.HasPrefix(id, "http") {
		object, how = m, "as the object of a Create, embedded (it has no id): "
	}
	create := map[string]any{"@context": asContextIRI, "id": author + "#create-" + strconv.Itoa(len(raw)), "type": "Create", "actor": author,
		"object": object, "to": m["to"], "cc": m["cc"]}
	return how + e.activity(mustJSON(create))
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// resolveActor runs an actor document through key resolution.
func (e *confEnv) resolveActor(m map[string]any) string {
	id := str(m, "id")
	b := mustJSON(m)
	e.n.net.serve(id, b)
	defer func() {
		e.exec(`DELETE FROM ap_actors WHERE id = ?`, id)
		delete(e.keys, id) // a later activity of it gets a stand-in key afresh
	}()
	keyID := ""
	for _, p := range []string{"publicKey", "assertionMethod"} {
		if k, ok := listOfFirst(m[p]).(map[string]any); ok && keyID == "" {
			keyID = str(k, "id")
		}
	}
	if keyID == "" {
		_, err := e.n.f.parseActor(context.Background(), id, m)
		return "actor without a key: " + refusal(err)
	}
	a, k, _, err := e.n.f.signerKey(context.Background(), keyID, true)
	if err != nil {
		return "key " + keyShape(keyID, id) + ": " + refusal(err)
	}
	kinds := []string{}
	for _, x := range a.Keys {
		kinds = append(kinds, x.Kind)
	}
	return fmt.Sprintf("key %s resolved to %s (%s; keys: %s)", keyShape(keyID, id), a.Type, k.Kind, strings.Join(kinds, ", "))
}

func keyShape(keyID, actor string) string {
	switch {
	case strings.HasPrefix(keyID, actor+"#"):
		return "fragment"
	case strings.Contains(keyID, "#"):
		return "fragment of another document"
	}
	return "document"
}

func refusal(err error) string {
	if err == nil {
		return "read"
	}
	s := err.Error()
	if i := strings.Index(s, "federation: "); i >= 0 {
		s = s[i+len("federation: "):]
	}
	return "refused (" + s + ")"
}

// readKey reads a key document or a bare key.
func (e *confEnv) readKey(m map[string]any) string {
	if pk, ok := m["publicKey"].(map[string]any); ok && str(pk, "id") != "" {
		doc, _, _ := strings.Cut(str(pk, "id"), "#")
		e.n.net.serve(doc, mustJSON(m))
		a, k, _, err := e.n.f.signerKey(context.Background(), str(pk, "id"), true)
		if err != nil {
			return "key document: " + refusal(err)
		}
		e.exec(`DELETE FROM ap_actors WHERE id = ?`, a.ID)
		return fmt.Sprintf("key document (%s): its owner %s holds the key (%s)", firstType(m), a.Type, k.Kind)
	}
	if s, ok := m["publicKey"].(string); ok {
		_, kind, err := parseAnyPublicKeyPEM(s)
		return "bare PEM: " + kind + " " + refusal(err)
	}
	if mb := str(m, "publicKeyMultibase"); mb != "" {
		_, kind, err := decodeMultikey(mb)
		return "Multikey: " + kind + " " + refusal(err)
	}
	_, _, err := parseAnyPublicKeyPEM(str(m, "publicKeyPem"))
	return "bare key: " + refusal(err)
}

// collection reads an outbox as a follow would (backfill); other
// collections are parsed.
func (e *confEnv) collection(m map[string]any, raw []byte) string {
	id := str(m, "id")
	items := len(listOf(m["orderedItems"])) + len(listOf(m["items"]))
	if owner, ok := strings.CutSuffix(id, "/outbox"); ok {
		e.keyOf(owner)
		e.n.net.serve(id, raw)
		e.follows(owner)
		before := e.state()
		kept, err := e.n.f.backfill(context.Background(), owner)
		if err != nil {
			return "outbox: " + refusal(err)
		}
		return fmt.Sprintf("outbox read on follow: %d of %d entries kept (%s)", kept, items, landed(before, e.state()))
	}
	if _, ok := m["@context"]; !ok {
		m["@context"] = asContextIRI
	}
	if _, err := streams.ToType(context.Background(), m); err != nil && !streams.IsUnmatchedErr(err) {
		return "collection: " + refusal(err)
	}
	return fmt.Sprintf("%s of %d entries: parsed, not read", firstType(m), items)
}

// replayHTTP sends a request file: GoToSocial's captures as they are (their
// signatures verify at their Date); other documentation examples re-signed.
func (e *confEnv) replayHTTP(name string, raw []byte) string {
	head, body, _ := bytes.Cut(bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n")), []byte("\n\n"))
	lines := strings.Split(string(head), "\n")
	if k, _, ok := strings.Cut(lines[0], ":"); ok && !strings.Contains(k, " ") { // headers only
		lines = append([]string{"POST /inbox HTTP/1.1"}, lines...)
	}
	method, target, _ := strings.Cut(lines[0], " ")
	target, _, _ = strings.Cut(target, " ")
	h := http.Header{}
	for _, l := range lines[1:] {
		k, v, _ := strings.Cut(l, ": ")
		h.Add(k, v)
	}
	if cl := h.Get("Content-Length"); cl != "" {
		if n, err := strconv.Atoi(cl); err == nil && n <= len(body) {
			body = body[:n]
		}
	}
	if e.folder == "gotosocial-v0.19.2" {
		d, _ := http.ParseTime(h.Get("Date"))
		e.n.clock.Set(d.Add(30 * time.Second))
		host := h.Get("Host")
		h.Del("Host")
		r := httptest.NewRequest(method, "https://"+host+target, bytes.NewReader(body))
		r.Header, r.Host = h, host
		if method == http.MethodGet {
			sr, err := e.n.f.checkRequest(r, nil)
			signer := ""
			if err == nil {
				a, err2 := e.n.f.verifySigned(r.Context(), sr)
				err = err2
				if a != nil {
					signer = a.ID
				}
			}
			r = httptest.NewRequest(method, "https://"+host+target, nil)
			r.Header, r.Host = h, host
			w := e.n.do(r)
			if err != nil {
				return fmt.Sprintf("signed GET %s: %d, signature %s", target, w.Code, refusal(err))
			}
			return fmt.Sprintf("signed GET %s: %d, signature verified (%s)", target, w.Code, lastSegment(signer))
		}
		var m map[string]any
		if json.Unmarshal(body, &m) == nil {
			e.follows(refOf(m["actor"]))
			e.aim(m, body) // what it acts on; the body stays as signed
		}
		before := e.state()
		w := e.n.do(r)
		if w.Code != http.StatusAccepted {
			return "as captured: " + status(w)
		}
		return "as captured: 202, " + landed(before, e.state())
	}
	// Documentation examples: the body as written, re-signed by a stand-in
	// key of the keyId's actor.
	sig := h.Get("Signature")
	if p, err := parseSignature(sig); err == nil && method == http.MethodPost {
		actor, _, _ := strings.Cut(p.keyID, "#")
		w := e.post(actor, body)
		if w.Code != http.StatusAccepted {
			return "POST example, re-signed: " + status(w)
		}
		return "POST example, re-signed: 202"
	} else if err == nil {
		actor, _, _ := strings.Cut(p.keyID, "#")
		k, keyID := e.keyOf(actor)
		r := httptest.NewRequest(method, e.n.f.u.base+"/users/mei", nil)
		r.Header.Set("Date", e.n.clock.Now().UTC().Format(http.TimeFormat))
		r.Header.Set("Host", r.Host)
		s, _, _ := httpsig.NewSigner([]httpsig.Algorithm{httpsig.RSA_SHA256}, httpsig.DigestSha256, []string{httpsig.RequestTarget, "host", "date"}, httpsig.Signature, 0)
		s.SignRequest(k, keyID, r, nil)
		sr, err := e.n.f.checkRequest(r, nil)
		if err == nil {
			_, err = e.n.f.verifySigned(r.Context(), sr)
		}
		return "GET example, re-signed: signature " + refusal(err)
	}
	// No draft-cavage signature (RFC 9421's Signature-Input): as it is.
	r := httptest.NewRequest(method, e.n.f.u.sharedInbox(), bytes.NewReader(body))
	r.Header = h
	w := e.n.do(r)
	return "as written (" + strings.Join(sigHeaders(h), ", ") + "): " + status(w)
}

func sigHeaders(h http.Header) []string {
	var out []string
	for k := range h {
		if strings.HasPrefix(strings.ToLower(k), "signature") {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// label names what a file is for the docs table: the activity and its
// object's type, or the kind of document.
func label(name string, raw []byte) string {
	if strings.HasSuffix(name, ".http") {
		return "HTTP request"
	}
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return "not JSON"
	}
	if b, ok := m["body"].(map[string]any); ok && m["headers"] != nil {
		m = b
	}
	t := firstType(m)
	switch k := classify(m); k {
	case "activity":
		if o, ok := m["object"].(map[string]any); ok && firstType(o) != "" {
			return t + "{" + firstType(o) + "}"
		}
		return t
	case "actor", "key", "collection", "object":
		if t == "" {
			return k
		}
		return t + " (" + k + ")"
	}
	return "other"
}

const tableBegin, tableEnd = "<!-- conformance table: go test ./federation -run Conformance -update-table -->", "<!-- end of conformance table -->"

// checkTable renders the docs table from the outcomes and compares it with
// docs/federation.md (or rewrites it with -update-table).
func checkTable(t *testing.T, got map[string]string, labels map[string]string) {
	type key struct{ folder, label string }
	groups := map[key]map[string]int{}
	for name, out := range got {
		folder, _, _ := strings.Cut(name, "/")
		k := key{folder, labels[name]}
		if groups[k] == nil {
			groups[k] = map[string]int{}
		}
		groups[k][out]++
	}
	var keys []key
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].folder != keys[j].folder {
			return keys[i].folder < keys[j].folder
		}
		return keys[i].label < keys[j].label
	})
	var b strings.Builder
	b.WriteString(tableBegin + "\n\n| source | what it sends | what shiji does (files) |\n|---|---|---|\n")
	for _, k := range keys {
		var outs []string
		for o, n := range groups[k] {
			outs = append(outs, fmt.Sprintf("%s (%d)", o, n))
		}
		sort.Strings(outs)
		fmt.Fprintf(&b, "| %s | %s | %s |\n", k.folder, strings.ReplaceAll(k.label, "|", "/"),
			strings.ReplaceAll(strings.Join(outs, "; "), "|", "/"))
	}
	b.WriteString("\n" + tableEnd)
	doc, err := os.ReadFile("../docs/federation.md")
	if err != nil {
		t.Fatal(err)
	}
	i, j := bytes.Index(doc, []byte(tableBegin)), bytes.Index(doc, []byte(tableEnd))
	if i < 0 || j < i {
		t.Fatalf("docs/federation.md has no conformance table between %q and %q", tableBegin, tableEnd)
	}
	table := b.String()
	if string(doc[i:j+len(tableEnd)]) == table {
		return
	}
	if !*updateTable {
		t.Errorf("docs/federation.md's conformance table is stale: go test ./federation -run Conformance -update-table")
		return
	}
	out := append(append(append([]byte{}, doc[:i]...), table...), doc[j+len(tableEnd):]...)
	if err := os.WriteFile("../docs/federation.md", out, 0o644); err != nil {
		t.Fatal(err)
	}
}
