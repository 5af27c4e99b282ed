package federation

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConformanceBrokenInput sends every activity of the corpus with one
// field broken: no id, a type that is not a string, an actor on another host
// than the signing key, a 5 MB content, JSON nested 40 deep, and (for
// Create, Update and Delete) an object id on our own host. Each is refused
// with a clear status, logged once at info with the server's name, and
// changes nothing.
func TestConformanceBrokenInput(t *testing.T) {
	big := []byte(strings.Repeat("市", 5<<20/3)) // spliced in for bigContent: marshalling 5 MB for every file costs minutes under -race
	root := sharedFixtures(t)
	folders, _ := os.ReadDir(root)
	dirs := map[string]string{"shiji": filepath.Join("testdata", "conformance", "shiji")}
	for _, d := range folders {
		if d.IsDir() && d.Name() != "gotosocial-v0.19.2" { // its captures are signed as they are: broken, they fail the digest (tested in signature_test.go)
			dirs[d.Name()] = filepath.Join(root, d.Name())
		}
	}
	type variant struct {
		name   string
		want   int
		break_ func(e *confEnv, m map[string]any) bool
	}
	variants := []variant{
		{"missing id", http.StatusBadRequest, func(e *confEnv, m map[string]any) bool { delete(m, "id"); return true }},
		{"type not a string", http.StatusBadRequest, func(e *confEnv, m map[string]any) bool { m["type"] = 42; return true }},
		{"actor on another host than the key", http.StatusUnauthorized, func(e *confEnv, m map[string]any) bool {
			m["actor"] = "https://elsewhere.example/users/mallory"
			return true
		}},
		{"5 MB content", http.StatusRequestEntityTooLarge, func(e *confEnv, m map[string]any) bool {
			if o, ok := m["object"].(map[string]any); ok {
				o["content"] = bigContent
			} else {
				m["content"] = bigContent
			}
			return true
		}},
		{"nested 40 deep", http.StatusBadRequest, func(e *confEnv, m map[string]any) bool {
			v := m["object"]
			for i := 0; i < 40; i++ {
				v = []any{v}
			}
			m["object"] = v
			return true
		}},
		{"object id on our host", http.StatusBadRequest, func(e *confEnv, m map[string]any) bool {
			switch firstType(m) {
			case "Create", "Update", "Delete":
			default:
				return false
			}
			if o, ok := m["object"].(map[string]any); ok {
				o["id"] = e.item
			} else {
				m["object"] = e.item
			}
			return true
		}},
	}
	for folder, dir := range dirs {
		_, ed, _ := ed25519.GenerateKey(rand.Reader)
		env := newConfEnv(t, folder, dir, ed)
		files, _ := os.ReadDir(dir)
		for _, fi := range files {
			raw, err := os.ReadFile(filepath.Join(dir, fi.Name()))
			var m map[string]any
			if err != nil || json.Unmarshal(raw, &m) != nil || classify(m) != "activity" {
				continue
			}
			actor := refOf(m["actor"])
			if !strings.HasPrefix(actor, "http") {
				continue
			}
			// Refused as it is already (no id, an id on another host):
			// broken further, it may be refused for that first.
			id := str(m, "id")
			alreadyBad := !strings.HasPrefix(id, "http") || !sameHost(id, actor)
			for _, v := range variants {
				t.Run(folder+"/"+fi.Name()+"/"+v.name, func(t *testing.T) {
					env.t, env.file = t, fi.Name()
					env.follows(actor)
					var b map[string]any
					json.Unmarshal(env.aim(m, raw), &b)
					if !v.break_(env, b) {
						t.Skip("does not apply")
					}
					body, _ := json.Marshal(b)
					body = bytes.Replace(body, []byte(bigContent), big, 1)
					before := env.state()
					env.logs.take()
					w := env.post(actor, body)
					if after := env.state(); landed(before, after) != "nothing stored" {
						t.Errorf("%d, but it changed the store: %s", w.Code, landed(before, after))
					}
					if w.Code != v.want && !(alreadyBad && w.Code == http.StatusBadRequest) {
						t.Errorf("= %d %s, want %d", w.Code, w.Body, v.want)
					}
					if !env.loggedOnce(hostOf(actor)) {
						t.Errorf("not logged once at info with the server's name %s", hostOf(actor))
					}
				})
			}
		}
	}
}

// bigContent stands for the 5 MB content until the body is marshalled.
const bigContent = "@@5 MB of content@@"
