package federation

import (
	"path/filepath"
	"strings"
	"testing"
)

// Our own fixtures, looked at more closely than TestConformance does.
func TestOwnFixturesLandAsTheySay(t *testing.T) {
	e := newConfEnv(t, "shiji", filepath.Join("testdata", "conformance", "shiji"), nil)
	body := func(apID string) (string, int64) {
		var b string
		var reply int64
		if err := e.n.db.Read().QueryRow(`SELECT body, coalesce(reply_to, 0) FROM messages WHERE ap_id = ?`, apID).Scan(&b, &reply); err != nil {
			t.Fatalf("%s: %v", apID, err)
		}
		return b, reply
	}

	// A reply that came before its parent: the parent is fetched and taken
	// in first, the reply lands under it.
	if out := e.replay(t, "01-reply-before-parent.json"); out != "202, question in the item's thread" {
		t.Fatalf("01 = %s", out)
	}
	parent, _ := body("https://masto.example/users/bo/statuses/10")
	child, replyTo := body("https://masto.example/users/wen/statuses/20")
	var parentID int64
	e.n.db.Read().QueryRow(`SELECT id FROM messages WHERE ap_id = ?`, "https://masto.example/users/bo/statuses/10").Scan(&parentID)
	if !strings.Contains(parent, "Does the clock still run?") || !strings.Contains(child, "if bo does not take it") || replyTo != parentID {
		t.Errorf("parent %q, child %q replying to %d (parent %d)", parent, child, replyTo, parentID)
	}

	// Every tag servers send: text and line breaks kept, no markup, nothing
	// of script, style or iframe.
	if out := e.replay(t, "10-create-note-every-html-tag.json"); out != "202, question in the item's thread" {
		t.Fatalf("10 = %s", out)
	}
	b, _ := body("https://masto.example/users/tag/statuses/77")
	for _, want := range []string{"Is it", "brass", "bronze", "Heading", "quoted", "one", "three", "line\nbreak\nagain", "example.org/a", `end & \<tags\>` /* Markdown-escaped: shown as written */} {
		if !strings.Contains(b, want) {
			t.Errorf("the message lacks %q:\n%s", want, b)
		}
	}
	for _, bad := range []string{"<p>", "<script", "alert(", "color:red", "<iframe", "onerror", "<span"} {
		if strings.Contains(b, bad) {
			t.Errorf("the message keeps %q:\n%s", bad, b)
		}
	}

	// content only in contentMap: the Chinese text is kept.
	e.replay(t, "09-create-note-contentmap-only.json")
	var content string
	e.n.db.Read().QueryRow(`SELECT content FROM ap_notes WHERE id = ?`, "https://mk.example/notes/9x1").Scan(&content)
	if !strings.Contains(content, "旧自行车") {
		t.Errorf("contentMap only: kept %q", content)
	}

	// The Flag from Mastodon's instance actor is on the moderation list with
	// its server, about our stall and item.
	e.replay(t, "11-flag-from-instance.json")
	rs, err := e.n.f.RemoteReports(t.Context(), false)
	if err != nil || len(rs) != 1 {
		t.Fatalf("reports %v %v", rs, err)
	}
	if r := rs[0]; r.Server != "masto.example" || r.Stall != 1 || r.Item != 2 || r.Reason != "Counterfeit goods, see the photos." {
		t.Errorf("report = %+v", r)
	}
}
