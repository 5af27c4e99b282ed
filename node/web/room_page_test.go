package web_test

import (
	"context"
	"database/sql"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
)

// TestGroupChatPageModeration: a group chat's page lists its members here
// and elsewhere; its owner removes people and lets a member elsewhere back
// in, and opens the chat to other markets, from the page (until now these
// were API only); a plain member sees the list and none of the tools.
func TestGroupChatPageModeration(t *testing.T) {
	m := newMatrix(t)
	ctx := context.Background()
	g := m.vals["group"] // ajie's, with xiao and li
	gid, _ := strconv.ParseInt(g, 10, 64)
	page := func(role string) string {
		t.Helper()
		req, _ := http.NewRequest("GET", m.srv.URL+"/conversations/"+g, nil)
		req.Header.Set("Accept-Language", "en")
		resp, err := m.webs[role].hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s's group chat page: %d\n%s", role, resp.StatusCode, b)
		}
		return string(b)
	}
	form := func(role, action, name string) int {
		t.Helper()
		status, _ := m.call("POST", "/conversations/"+g+"/"+action, role, rule{body: "name=" + url.QueryEscape(name)})
		return status
	}
	mustContain := func(what, body string, wants ...string) {
		t.Helper()
		for _, w := range wants {
			if !strings.Contains(body, w) {
				t.Fatalf("%s does not contain %q:\n%s", what, w, body)
			}
		}
	}
	hasRemove := func(body, name string) bool {
		return strings.Contains(body, `action="/conversations/`+g+`/remove"`) &&
			strings.Contains(body, `name="name" value="`+name+`"><button class="link">Remove`)
	}

	owner := page("ajie")
	mustContain("the owner's page", owner, "@ajie", "@xiao", "@li", "Open to other markets", `action="/conversations/`+g+`/open"`)
	if !hasRemove(owner, "xiao") || hasRemove(owner, "ajie") {
		t.Fatalf("the owner may remove xiao, and not themself:\n%s", owner)
	}
	member := page("xiao")
	mustContain("a member's page", member, "@ajie", "@xiao", "@li")
	if strings.Contains(member, "/remove") || strings.Contains(member, "/open") {
		t.Fatalf("a plain member is shown the moderators' tools:\n%s", member)
	}
	if form("xiao", "remove", "li") != http.StatusForbidden {
		t.Fatal("a plain member removed someone")
	}

	// Open to other markets; bo on another server joins (follows the room).
	if s := form("ajie", "open", ""); s != http.StatusSeeOther {
		t.Fatalf("open: %d", s)
	}
	bo := "https://elsewhere.example/users/bo"
	if err := m.a.DB.AddRoomMember(ctx, node.ConversationID(gid), bo, "bo@elsewhere.example"); err != nil {
		t.Fatal(err)
	}
	err := m.a.DB.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO ap_followers(actor, follower, inbox, follow_id, created_at) VALUES (?, ?, ?, ?, ?)`,
			"room:"+g, bo, bo+"/inbox", "https://elsewhere.example/follows/7", time.Now().Unix())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	owner = page("ajie")
	mustContain("the owner's page, open", owner, "Close to other markets", "people elsewhere join by following @room-"+g+"@",
		"@bo@elsewhere.example", "on another server")
	if !hasRemove(owner, "bo@elsewhere.example") {
		t.Fatalf("the owner cannot remove bo:\n%s", owner)
	}
	mustContain("a member's page, open", page("xiao"), "@bo@elsewhere.example")

	// Removed: bo is listed to the owner only, to be let back in.
	if s := form("ajie", "remove", "bo@elsewhere.example"); s != http.StatusSeeOther {
		t.Fatalf("remove bo: %d", s)
	}
	owner = page("ajie")
	mustContain("the owner's page, bo removed", owner, "@bo@elsewhere.example", "removed", `action="/conversations/`+g+`/readmit"`, "Let back in")
	if hasRemove(owner, "bo@elsewhere.example") {
		t.Fatal("bo, removed, can be removed again")
	}
	if strings.Contains(page("xiao"), "bo@elsewhere.example") {
		t.Fatal("a plain member sees a removed member")
	}
	if s := form("xiao", "readmit", "bo@elsewhere.example"); s != http.StatusForbidden {
		t.Fatalf("a plain member let bo back in: %d", s)
	}
	// A name that was never a member changes nothing and says so.
	if s := form("ajie", "readmit", "nobody@elsewhere.example"); s != http.StatusNotFound {
		t.Fatalf("letting back in someone who never was a member: %d", s)
	}

	// Let back in: no longer listed as removed, nor as a member until they
	// follow the room again.
	if s := form("ajie", "readmit", "bo@elsewhere.example"); s != http.StatusSeeOther {
		t.Fatalf("readmit bo: %d", s)
	}
	var rm []data.RoomMember
	if owner = page("ajie"); strings.Contains(owner, "bo@elsewhere.example") {
		t.Fatalf("bo, let back in but not following, is listed:\n%s", owner)
	}
	rm, err = m.a.DB.RoomMembers(ctx, node.ConversationID(gid))
	if err != nil || len(rm) != 1 || rm[0].Removed || rm[0].Following {
		t.Fatalf("room members after readmit: %+v %v", rm, err)
	}

	// Closed again: the tools say so.
	if s := form("ajie", "close", ""); s != http.StatusSeeOther {
		t.Fatalf("close: %d", s)
	}
	mustContain("the owner's page, closed", page("ajie"), "Open to other markets")
}

// A group chat's page reads in the order its messages were written, though
// one from another market arrived after a newer one; each message carries
// its written time (data-at) for the live script to place the next one; a
// page before a message of another chat is refused with a clear answer.
func TestGroupChatPageReadsInWrittenOrder(t *testing.T) {
	m := newMatrix(t)
	ctx := context.Background()
	g := m.vals["group"] // ajie's, with xiao and li
	gid, _ := strconv.ParseInt(g, 10, 64)
	get := func(path string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", m.srv.URL+path, nil)
		req.Header.Set("Accept-Language", "en")
		hc := m.webs["xiao"].hc
		if strings.HasPrefix(path, "/api/") {
			req.Header.Set("Authorization", "Bearer "+m.tokens["xiao"])
			hc = http.DefaultClient
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if s, _ := m.call("POST", "/conversations/"+g+"/open", "ajie", rule{}); s != http.StatusSeeOther {
		t.Fatalf("open: %d", s)
	}
	now := time.Now()
	for _, w := range []struct {
		body string
		at   time.Time
	}{{"written second, arrived first", now.Add(-time.Minute)}, {"written first, arrived second", now.Add(-2 * time.Minute)}} {
		if _, err := m.a.PostRemote(ctx, app.RemotePost{Conversation: node.ConversationID(gid), APID: "https://elsewhere.example/notes/" + url.PathEscape(w.body),
			Actor: "https://elsewhere.example/users/bo", AuthorName: "bo@elsewhere.example", Body: w.body, Written: w.at}); err != nil {
			t.Fatal(err)
		}
	}
	s, page := get("/conversations/" + g)
	first, second := strings.Index(page, "written first, arrived second"), strings.Index(page, "written second, arrived first")
	if s != http.StatusOK || first < 0 || second < 0 || first > second {
		t.Fatalf("the group chat page (%d) does not read in written order:\n%s", s, page)
	}
	if at := `data-at="` + strconv.FormatInt(now.Add(-2*time.Minute).UnixMilli(), 10) + `"`; !strings.Contains(page[:first], at) {
		t.Errorf("the first message does not carry its written time %s", at)
	}
	var elsewhere int64
	if err := m.a.DB.Read().QueryRow(`SELECT id FROM messages WHERE conversation_id != ? LIMIT 1`, gid).Scan(&elsewhere); err != nil {
		t.Fatal(err)
	}
	if s, body := get("/api/v1/conversations/" + g + "/messages?before=" + strconv.FormatInt(elsewhere, 10)); s != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "is not in this conversation") {
		t.Errorf("a page before a message of another chat: %d %s", s, body)
	}
}
