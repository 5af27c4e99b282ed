package federation

import (
	"bufio"
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/json"
	"flag"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-fed/httpsig"
	"github.com/shiji-market/shiji/node"
)

// TestConformance replays every file of the real servers' payloads
// (shared/fixtures/FOLDER/FILE) and of our own (testdata/conformance) as the
// server would send it, and checks where it lands against
// testdata/conformance/expected.txt. Activities go through the inbox (signed
// requests captured from GoToSocial as they are; others re-signed with a test
// key standing in for the sender's, the body byte for byte, or aimed at our
// stall, item or person where the server's own recipient is named, keeping
// its shape); objects are fetched as the object of a Create; actors and key
// documents go through key resolution; collections are read as outboxes or
// parsed. docs/federation.md's table (server × activity → outcome) is
// generated from the same run: -update-table rewrites it, and a run fails
// when it is stale; -update-expected rewrites expected.txt (review the diff).
func TestConformance(t *testing.T) {
	root := sharedFixtures(t)
	folders, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	type src struct{ folder, dir string }
	var srcs []src
	for _, d := range folders {
		if d.IsDir() {
			srcs = append(srcs, src{d.Name(), filepath.Join(root, d.Name())})
		}
	}
	srcs = append(srcs, src{"shiji", filepath.Join("testdata", "conformance", "shiji")})
	want := readExpected(t)
	var mu sync.Mutex
	got, labels := map[string]string{}, map[string]string{}
	for _, s := range srcs {
		files, err := os.ReadDir(s.dir)
		if err != nil {
			t.Fatal(err)
		}
		env := newConfEnv(t, s.folder, s.dir, nil)
		for _, fi := range files {
			if fi.IsDir() || fi.Name() == "README.md" {
				continue
			}
			name := s.folder + "/" + fi.Name()
			labels[name] = label(fi.Name(), env.readFile(fi.Name()))
			t.Run(name, func(t *testing.T) {
				out := env.replay(t, fi.Name())
				mu.Lock()
				got[name] = out
				mu.Unlock()
				if !*updateExpected && want[name] != out {
					t.Errorf("%s\n got: %s\nwant: %s", name, out, want[name])
				}
			})
		}
	}
	if *updateExpected {
		writeExpected(t, got)
	}
	for name := range want {
		if _, ok := got[name]; !ok && !*updateExpected {
			t.Errorf("%s is expected but no longer exists", name)
		}
	}
	checkTable(t, got, labels)
}

var (
	updateExpected = flag.Bool("update-expected", false, "rewrite testdata/conformance/expected.txt from this run")
	updateTable    = flag.Bool("update-table", false, "rewrite the conformance table in docs/federation.md from this run")
)

const expectedFile = "testdata/conformance/expected.txt"

func readExpected(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile(expectedFile)
	if err != nil && !*updateExpected {
		t.Fatal(err)
	}
	m := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, _ := strings.Cut(line, "\t")
		m[k] = v
	}
	return m
}

func writeExpected(t *testing.T, got map[string]string) {
	var names []string
	for k := range got {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("# TestConformance: FOLDER/FILE<TAB>what shiji does with it (go test ./federation -run Conformance -update-expected)\n")
	for _, k := range names {
		b.WriteString(k + "\t" + got[k] + "\n")
	}
	if err := os.WriteFile(expectedFile, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// confEnv is one node per source folder (activity ids repeat across
// folders), with a stall, two items and two people, following nobody yet.
type confEnv struct {
	t      *testing.T
	folder string
	dir    string
	n      *testNode
	logs   *syncBuffer
	keys   map[string]*rsa.PrivateKey // stand-in keys of remote actors
	actors map[string]map[string]any  // actor documents of this folder, by id
	stall  string                     // IRIs of our stall, items and people
	item   string
	item2  string
	person string
	holder string
	mei    *node.Account
	file   string // the file being replayed
	// ed, when set, is the stand-ins' key instead of RSA (published as an
	// Ed25519 PEM): signing a thousand broken activities with RSA costs
	// minutes under -race.
	ed ed25519.PrivateKey
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// take returns what was logged since the last take.
func (s *syncBuffer) take() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.b.String()
	s.b.Reset()
	return out
}

// newConfEnv builds the node of one source folder; ed, when not nil, is the
// stand-ins' key (see confEnv.ed).
func newConfEnv(t *testing.T, folder, dir string, ed ed25519.PrivateKey) *confEnv {
	base := "https://shiji.test"
	start := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	if folder == "gotosocial-v0.19.2" {
		base = "https://sink.test" // where the captures were sent
		start = fixtureDate(t, "07-inbox-follow.http")
	}
	logs := &syncBuffer{}
	n := newTestNode(t, base, start, func(c *Config) {
		c.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	})
	e := &confEnv{t: t, folder: folder, dir: dir, n: n, logs: logs, keys: map[string]*rsa.PrivateKey{}, actors: map[string]map[string]any{}, ed: ed}
	e.mei = n.account("mei", node.RoleStallholder)
	ajie := n.account("ajie", node.RoleResident)
	if folder == "gotosocial-v0.19.2" {
		n.account("sink", node.RoleResident)
	}
	st := n.stall(e.mei, "Flowers")
	ctx := context.Background()
	for _, title := range []string{"Brass clock", "Tin robot"} {
		it := &node.Item{Stall: st.ID, Title: title, Story: "From my grandmother.", Price: node.Price{Kind: node.PriceAmount, Minor: 1250, Currency: "CNY"},
			Quantity: 1, Tags: []string{"vintage"}}
		if err := n.app.CreateItem(ctx, e.mei, it); err != nil {
			t.Fatal(err)
		}
	}
	e.stall, e.item, e.item2 = n.f.u.stall(st.ID), n.f.u.item(1), n.f.u.item(2)
	e.person, e.holder = n.f.u.person(ajie.Name), n.f.u.person(e.mei.Name)
	// The actors this folder has documents of.
	files, _ := os.ReadDir(dir)
	for _, fi := range files {
		b, err := os.ReadFile(filepath.Join(dir, fi.Name()))
		if err != nil || !strings.HasSuffix(fi.Name(), ".json") {
			continue
		}
		var m map[string]any
		if json.Unmarshal(b, &m) == nil && isActorDoc(m) && str(m, "id") != "" {
			e.actors[str(m, "id")] = m
		}
	}
	e.serveFolder()
	return e
}

// keyOf is the stand-in key of a remote actor; the first call serves the
// actor's document (the folder's own when it has one, with the stand-in
// key in place of its own, else a Mastodon-like Person) at its id.
func (e *confEnv) keyOf(actor string) (*rsa.PrivateKey, string) {
	k := e.keys[actor]
	keyID := actor + "#main-key"
	if doc, ok := e.actors[actor]; ok {
		if pk, ok := listOfFirst(doc["publicKey"]).(map[string]any); ok && str(pk, "id") != "" {
			keyID = str(pk, "id")
		}
	}
	if k != nil {
		return k, keyID
	}
	k = standInKey(e.t)
	e.keys[actor] = k
	doc := map[string]any{"@context": []any{asContextIRI, securityV1IRI}, "id": actor, "type": "Person",
		"preferredUsername": lastSegment(actor), "inbox": actor + "/inbox", "outbox": actor + "/outbox"}
	if own, ok := e.actors[actor]; ok {
		doc = map[string]any{}
		for key, v := range own {
			doc[key] = v
		}
		doc["assertionMethod"] = nil
	}
	var pub crypto.PublicKey = &k.PublicKey
	if e.ed != nil {
		pub = e.ed.Public()
	}
	doc["publicKey"] = map[string]any{"id": keyID, "owner": actor, "publicKeyPem": pemOf(e.t, pub)}
	e.n.net.serve(actor, mustJSON(doc))
	if !strings.Contains(keyID, "#") { // a key document of its own, as GoToSocial serves it
		e.n.net.serve(keyID, mustJSON(map[string]any{"id": actor, "type": "Person", "preferredUsername": lastSegment(actor),
			"publicKey": doc["publicKey"]}))
	}
	return k, keyID
}

func listOfFirst(v any) any {
	if l := listOf(v); len(l) > 0 {
		return l[0]
	}
	return nil
}

func lastSegment(s string) string {
	s = strings.TrimSuffix(s, "/")
	return s[strings.LastIndex(s, "/")+1:]
}

// post sends body to our shared inbox signed by actor's stand-in key.
func (e *confEnv) post(actor string, body []byte) *httptest.ResponseRecorder {
	k, keyID := e.keyOf(actor)
	if e.ed != nil {
		return e.n.do(signWith(e.t, e.n.f.u.sharedInbox(), body, e.n.clock.Now(), keyID, e.ed, httpsig.ED25519, "hs2019"))
	}
	rk := &remoteKey{id: actor, keyID: keyID, priv: k}
	return e.n.do(rk.signedPostBytes(e.t, e.n.f.u.sharedInbox(), body, e.n.clock.Now()))
}

// readFile reads a fixture of the folder.
func (e *confEnv) readFile(name string) []byte {
	b, err := os.ReadFile(filepath.Join(e.dir, name))
	if err != nil {
		e.t.Fatal(err)
	}
	return b
}

// replay runs one file and describes what happened.
func (e *confEnv) replay(t *testing.T, name string) string {
	e.t, e.file = t, name
	e.logs.take()
	// Each file on its own: fixtures of one source reuse ids ("#foo"), and a
	// repeat would only show de-duplication.
	for _, q := range []string{`DELETE FROM ap_inbox_seen`, `DELETE FROM ap_notes`, `DELETE FROM ap_reports`,
		`DELETE FROM messages WHERE ap_id IS NOT NULL`} {
		e.exec(q)
	}
	raw := e.readFile(name)
	if strings.HasSuffix(name, ".http") {
		return e.replayHTTP(name, raw)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return "not JSON: not read"
	}
	if h, ok := m["headers"].(map[string]any); ok && m["body"] != nil { // PeerTube's {headers, body} request
		body, _ := json.Marshal(m["body"])
		_ = h
		return "request (" + str(h, "content-type") + ", body re-encoded, re-signed): " + e.activity(body)
	}
	switch kind := classify(m); kind {
	case "activity":
		return e.activity(raw)
	case "actor":
		return e.resolveActor(m)
	case "key":
		return e.readKey(m)
	case "collection":
		return e.collection(m, raw)
	case "object":
		return e.object(m, raw)
	default:
		return kind
	}
}

// classify says what a JSON file is.
func classify(m map[string]any) string {
	types := listOf(m["type"])
	if len(types) == 0 {
		if _, ok := m["@context"].(map[string]any); ok && len(m) == 1 {
			return "JSON-LD context: parsed, not a payload"
		}
		if m["publicKey"] != nil && m["id"] == nil {
			return "key"
		}
		if m["signature"] != nil {
			return "LD signature fragment: parsed, not a payload"
		}
		return "untyped JSON: not a payload"
	}
	t, _ := types[0].(string)
	switch t {
	case "Create", "Update", "Delete", "Follow", "Accept", "Reject", "Undo", "Like", "Dislike", "Announce", "Flag", "Move",
		"Block", "EmojiReact", "Join", "Leave", "Invite", "Add", "Remove", "Lock", "Resolve", "Warn", "Offer", "TentativeAccept":
		return "activity"
	case "Person", "Service", "Application", "Group", "Organization", "Actor":
		if !isActorDoc(m) && m["publicKey"] != nil && m["inbox"] == nil {
			return "key" // GoToSocial's key document: a minimal Person
		}
		return "actor"
	case "Key", "CryptographicKey", "Multikey":
		return "key"
	case "Collection", "OrderedCollection", "CollectionPage", "OrderedCollectionPage":
		return "collection"
	}
	return "object"
}

// status describes an inbox answer.
func status(w *httptest.ResponseRecorder) string {
	if w.Code == http.StatusAccepted {
		return "202"
	}
	var m map[string]string
	json.Unmarshal(w.Body.Bytes(), &m)
	return strconv.Itoa(w.Code) + " (" + m["error"] + ")"
}

// snapshot of what the inbox can change, for describing what landed.
type confState map[string]int

var confQueries = []struct{ key, less, q string }{
	{"follower added", "follower removed", `SELECT count(*) FROM ap_followers`},
	{"follow request waiting", "follow request withdrawn", `SELECT count(*) FROM ap_follow_requests`},
	{"our follow accepted", "", `SELECT count(*) FROM ap_following WHERE state = 'accepted'`},
	{"", "our follow removed", `SELECT count(*) FROM ap_following`},
	{"question in the item's thread", "", `SELECT count(*) FROM messages x JOIN conversations c ON c.id = x.conversation_id WHERE c.kind = 'thread' AND x.author_id IS NULL`},
	{"private chat message", "", `SELECT count(*) FROM messages x JOIN conversations c ON c.id = x.conversation_id WHERE c.kind = 'private' AND x.author_id IS NULL`},
	{"message edited", "", `SELECT count(*) FROM messages WHERE edited_at IS NOT NULL`},
	{"message deleted", "", `SELECT count(*) FROM messages WHERE deleted_at IS NOT NULL`},
	{"like counted", "like taken back", `SELECT count(*) FROM ap_reactions WHERE kind = 'like'`},
	{"boost counted", "boost taken back", `SELECT count(*) FROM ap_reactions WHERE kind = 'announce'`},
	{"kept in the timeline", "removed from the timeline", `SELECT count(*) FROM ap_notes`},
	{"timeline note edited", "", `SELECT count(*) FROM ap_notes WHERE updated > published`},
	{"market day kept", "market day removed", `SELECT count(*) FROM ap_events`},
	{"report for the moderators", "", `SELECT count(*) FROM ap_reports`},
	{"Accept queued", "", `SELECT count(*) FROM ap_outbox WHERE kind = 'accept'`},
	{"", "actor forgotten", `SELECT count(*) FROM ap_actors`},
}

func (e *confEnv) state() confState {
	s := confState{}
	cols := make([]string, len(confQueries))
	vals := make([]any, len(confQueries))
	n := make([]int, len(confQueries))
	for i, q := range confQueries {
		cols[i], vals[i] = "("+q.q+")", &n[i]
	}
	if err := e.n.db.Read().QueryRow(`SELECT ` + strings.Join(cols, ", ")).Scan(vals...); err != nil {
		e.t.Fatal(err)
	}
	for i, q := range confQueries {
		s[q.q] = n[i]
	}
	return s
}

// landed describes the difference between two states.
func landed(before, after confState) string {
	var parts []string
	for _, q := range confQueries {
		switch d := after[q.q] - before[q.q]; {
		case d > 0 && q.key != "":
			parts = append(parts, q.key)
		case d < 0 && q.less != "":
			parts = append(parts, q.less)
		}
	}
	if len(parts) == 0 {
		return "nothing stored"
	}
	return strings.Join(parts, ", ")
}

// logged checks that a refusal was logged once at info with the server's
// name.
func (e *confEnv) loggedOnce(server string) bool {
	n := 0
	for _, line := range strings.Split(e.logs.take(), "\n") {
		if strings.Contains(line, `"level":"INFO"`) && strings.Contains(line, `"server":"`+server+`"`) {
			n++
		}
	}
	return n == 1
}

var (
	standInOnce sync.Once
	standIn     *rsa.PrivateKey
)

// standInKey is the one key every stand-in actor signs with (making a key
// per actor costs most of the run); actors are still told apart by keyId.
func standInKey(t testing.TB) *rsa.PrivateKey {
	standInOnce.Do(func() { standIn = testKey(t) })
	return standIn
}
