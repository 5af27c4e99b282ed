package data

import (
	"context"
	"database/sql"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shiji-market/shiji/node"
)

// bodies is the bodies of a conversation's messages, as Messages reads them.
func bodies(t *testing.T, db *DB, conv node.ConversationID, before node.MessageID, limit int) []string {
	t.Helper()
	ms, err := db.Messages(context.Background(), conv, before, limit)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range ms {
		out = append(out, m.Body)
	}
	return out
}

// Messages stored before migration 0035 had only the second they arrived:
// the migration makes that their written time, so a conversation reads as
// it did, and messages from elsewhere stored after it take their place by
// when they were written, between the old ones and in pages.
func TestMessagesWrittenAtMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "shiji.db")
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	db, err := Open(ctx, path, clock)
	if err != nil {
		t.Fatal(err)
	}
	acc := &node.Account{Name: "mei", Role: node.RoleResident}
	if err := db.CreateAccount(ctx, acc, "x", ""); err != nil {
		t.Fatal(err)
	}
	c := &node.Conversation{Kind: node.Group, Name: "Swap corner", CreatedBy: acc.ID}
	if err := db.CreateConversation(ctx, c, []Member{{Account: acc.ID, Role: "owner"}}); err != nil {
		t.Fatal(err)
	}
	// The database as it was before 0035: messages with created_at only.
	if err := db.Write(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{`DROP TRIGGER IF EXISTS messages_written_default`, `DROP INDEX messages_written`, `ALTER TABLE messages DROP COLUMN written_at`,
			`DELETE FROM schema_migrations WHERE version = 35`} {
			if _, err := tx.Exec(q); err != nil {
				return err
			}
		}
		for i, body := range []string{"old one", "old two"} {
			if _, err := tx.Exec(`INSERT INTO messages(conversation_id, author_id, author_name, body, created_at) VALUES (?, ?, 'mei', ?, ?)`,
				c.ID, acc.ID, body, now.Add(time.Duration(i)*time.Minute).Unix()); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if db, err = Open(ctx, path, clock); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ms, err := db.Messages(ctx, c.ID, 0, 10)
	if err != nil || len(ms) != 2 || !ms[1].CreatedAt.Equal(now.Add(time.Minute)) {
		t.Fatalf("the old messages after 0035: %v %v", ms, err)
	}
	// Messages from elsewhere, stored later, written between and before.
	now = now.Add(time.Hour)
	for i, w := range []struct {
		body string
		at   time.Time
	}{{"between", ms[0].CreatedAt.Add(30 * time.Second)}, {"first", ms[0].CreatedAt.Add(-time.Millisecond)}, {"unsaid", time.Time{}},
		{"a year ahead", now.AddDate(1, 0, 0)}, {"between too", ms[0].CreatedAt.Add(30 * time.Second)}} {
		m := &node.Message{Conversation: c.ID, AuthorName: "bo@b.test", Body: w.body}
		if err := db.PostMessage(ctx, &NewMessage{Message: m, APID: "https://b.test/notes/" + string(rune('a'+i)), WrittenAt: w.at}); err != nil {
			t.Fatal(err)
		}
		if want := node.WrittenAt(w.at, now); !m.CreatedAt.Equal(want) {
			t.Errorf("%s: CreatedAt %v, want %v", w.body, m.CreatedAt, want)
		}
		now = now.Add(time.Second)
	}
	want := "first|old one|between|between too|old two|unsaid|a year ahead"
	if got := strings.Join(bodies(t, db, c.ID, 0, 10), "|"); got != want {
		t.Errorf("the conversation reads %s, want %s", got, want)
	}
	// Two to a page, from the newest.
	var paged []string
	before := node.MessageID(0)
	for range 5 {
		page, err := db.Messages(ctx, c.ID, before, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for i := len(page) - 1; i >= 0; i-- {
			paged = append([]string{page[i].Body}, paged...)
		}
		before = page[0].ID
	}
	if got := strings.Join(paged, "|"); got != want {
		t.Errorf("page by page it reads %s, want %s", got, want)
	}
	// A message stored without written_at is written when it was stored.
	if err := db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO messages(conversation_id, author_id, author_name, body, created_at) VALUES (?, ?, 'mei', 'stored plainly', ?)`,
			c.ID, acc.ID, ms[0].CreatedAt.Add(45*time.Second).Unix())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	want = "first|old one|between|between too|stored plainly|old two|unsaid|a year ahead"
	if got := strings.Join(bodies(t, db, c.ID, 0, 10), "|"); got != want {
		t.Errorf("with a message stored without written_at it reads %s, want %s", got, want)
	}
}

// A message from elsewhere deleted before it arrived: its tombstone is not
// listed, and the message is not taken in when it comes; an id taken in by
// another conversation is left alone.
func TestTombstoneBeforeTheMessage(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	acc := &node.Account{Name: "mei", Role: node.RoleResident}
	if err := db.CreateAccount(ctx, acc, "x", ""); err != nil {
		t.Fatal(err)
	}
	var convs []node.ConversationID
	for _, name := range []string{"Swap corner", "Bikes"} {
		c := &node.Conversation{Kind: node.Group, Name: name, CreatedBy: acc.ID}
		if err := db.CreateConversation(ctx, c, []Member{{Account: acc.ID, Role: "owner"}}); err != nil {
			t.Fatal(err)
		}
		convs = append(convs, c.ID)
	}
	post := func(conv node.ConversationID, apID, body string) error {
		return db.PostMessage(ctx, &NewMessage{Message: &node.Message{Conversation: conv, AuthorName: "bo@b.test", Body: body}, APID: apID})
	}
	if found, err := db.TombstoneByAPID(ctx, convs[0], "https://b.test/notes/1"); err != nil || found {
		t.Fatalf("a tombstone ahead of its message: found %v, %v", found, err)
	}
	if err := post(convs[0], "https://b.test/notes/1", "deleted before it came"); node.ErrorCode(err) != node.ECONFLICT {
		t.Errorf("the message arriving after its deletion: %v, want ECONFLICT", err)
	}
	if err := post(convs[1], "https://b.test/notes/2", "in the other chat"); err != nil {
		t.Fatal(err)
	}
	if found, err := db.TombstoneByAPID(ctx, convs[0], "https://b.test/notes/2"); err != nil || found {
		t.Fatalf("the other chat's message deleted from this one: found %v, %v", found, err)
	}
	if got := bodies(t, db, convs[0], 0, 10); len(got) != 0 {
		t.Errorf("the chat lists %q", got)
	}
	if got := bodies(t, db, convs[1], 0, 10); len(got) != 1 || got[0] != "in the other chat" {
		t.Errorf("the other chat lists %q", got)
	}
}

// A reply reads below what it answers, even when its server dates it to
// the second and so earlier than its question written here in the same
// second.
func TestReplyReadsBelowItsQuestion(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 10, 0, 7, 349e6, time.UTC)
	db, acc, c := privateChat(t, "ajie", &now)
	q := &node.Message{Conversation: c.ID, Author: acc.ID, AuthorName: "ajie", Body: "Does it still ring?"}
	if err := db.PostMessage(ctx, &NewMessage{Message: q}); err != nil {
		t.Fatal(err)
	}
	now = now.Add(300 * time.Millisecond)
	a := &node.Message{Conversation: c.ID, AuthorName: "stall-1@b.test", Body: "It rings like new.", ReplyTo: q.ID}
	if err := db.PostMessage(ctx, &NewMessage{Message: a, APID: "https://b.test/m/1", WrittenAt: now.Truncate(time.Second)}); err != nil {
		t.Fatal(err)
	}
	if !a.CreatedAt.After(q.CreatedAt) {
		t.Errorf("the answer is written at %v, its question at %v", a.CreatedAt, q.CreatedAt)
	}
	if got := strings.Join(bodies(t, db, c.ID, 0, 10), "|"); got != "Does it still ring?|It rings like new." {
		t.Errorf("the conversation reads %s", got)
	}
}

// A message from elsewhere that arrives late and takes its place further
// back than the newest page is read with that page (MarkReadThrough), as a
// read marker's place says: it does not stay unread out of sight. A
// message newer than the page's newest stays unread.
func TestLateMessageReadWithTheNewestPage(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	db, mei, c := privateChat(t, "mei", &now)
	remote := func(n int, written time.Time) *node.Message {
		m := &node.Message{Conversation: c.ID, AuthorName: "bo@b.test", Body: "m" + strconv.Itoa(n)}
		if err := db.PostMessage(ctx, &NewMessage{Message: m, APID: "https://b.test/m/" + strconv.Itoa(n), WrittenAt: written}); err != nil {
			t.Fatal(err)
		}
		return m
	}
	for i := 1; i <= 5; i++ {
		now = now.Add(time.Minute)
		remote(i, now)
	}
	now = now.Add(time.Minute)
	remote(6, now.Add(-4*time.Minute)) // written before m3, arrived last
	page, err := db.Messages(ctx, c.ID, 0, 3)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(bodies(t, db, c.ID, 0, 3), "|"); got != "m3|m4|m5" {
		t.Fatalf("the newest page reads %s", got)
	}
	if n, _, _ := db.Unread(ctx, mei.ID); n != 6 {
		t.Fatalf("%d unread before reading, want 6", n)
	}
	if err := db.MarkReadThrough(ctx, c.ID, mei.ID, page[len(page)-1].ID); err != nil {
		t.Fatal(err)
	}
	if n, _, _ := db.Unread(ctx, mei.ID); n != 0 {
		t.Errorf("%d unread after reading the newest page, want 0 (the late m6 sits before m3)", n)
	}
	now = now.Add(time.Minute)
	remote(7, now)
	if err := db.MarkReadThrough(ctx, c.ID, mei.ID, page[len(page)-1].ID); err != nil { // the same page again
		t.Fatal(err)
	}
	if n, _, _ := db.Unread(ctx, mei.ID); n != 1 {
		t.Errorf("%d unread, want 1 (m7, newer than the page read)", n)
	}
}

// privateChat is a database whose clock reads *now, with the account name
// and a private chat it is the one member of.
func privateChat(t *testing.T, name string, now *time.Time) (*DB, *node.Account, *node.Conversation) {
	t.Helper()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "shiji.db"), func() time.Time { return *now })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	acc := &node.Account{Name: name, Role: node.RoleResident}
	if err := db.CreateAccount(ctx, acc, "x", ""); err != nil {
		t.Fatal(err)
	}
	c := &node.Conversation{Kind: node.Private, CreatedBy: acc.ID}
	if err := db.CreateConversation(ctx, c, []Member{{Account: acc.ID, Role: "member"}}); err != nil {
		t.Fatal(err)
	}
	return db, acc, c
}
