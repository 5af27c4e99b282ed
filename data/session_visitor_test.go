package data

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shiji-market/shiji/node"
)

// A page reader's session is kept in memory between writes, and every
// write shows on the next read: a logout, the other sessions ended, a new
// password, a follow, a block, a new display name, the session's expiry,
// and a write by another process once it has been noticed. The readers'
// copies never reach the cache, and two tokens never cross.
func TestSessionVisitorKeptUntilAWrite(t *testing.T) {
	ctx := context.Background()
	var clock atomic.Int64
	clock.Store(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC).Unix())
	db, err := Open(ctx, filepath.Join(t.TempDir(), "shiji.db"), func() time.Time { return time.Unix(clock.Load(), 0) })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	wang, mei, st := visitorMarket(t, db)
	for tok, id := range map[string]node.AccountID{"wang-1": wang.ID, "wang-2": wang.ID, "mei-1": mei.ID, "mei-2": mei.ID} {
		if err := db.CreateSession(ctx, tok, id, "web", time.Hour, "test"); err != nil {
			t.Fatal(err)
		}
	}
	read := func(tok string) *Visitor {
		t.Helper()
		v, err := db.SessionVisitor(ctx, tok, "web")
		if err != nil {
			t.Fatalf("%s: %v", tok, err)
		}
		return v
	}
	ended := func(tok, after string) {
		t.Helper()
		if v, err := db.SessionVisitor(ctx, tok, "web"); node.ErrorCode(err) != node.EUNAUTHORIZED {
			t.Fatalf("after %s, %s still reads as %+v (%v)", after, tok, v, err)
		}
	}
	// Kept: a second read is a copy of the first, and changing it
	// changes nothing kept.
	v := read("wang-1")
	if v.Name != "wang" || v.Shown() != "Old Wang" {
		t.Fatalf("wang-1 reads as %+v", v.Account)
	}
	v.Name, v.DisplayName, v.Follows = "someone", "Someone", true
	if again := read("wang-1"); again.Name != "wang" || again.Shown() != "Old Wang" || again.Follows || again == v {
		t.Fatalf("a reader's change reached the kept session: %+v %+v", again, again.Account)
	}
	if m := read("mei-1"); m.ID != mei.ID || m.Name != "mei" {
		t.Fatalf("mei-1 reads as %+v", m.Account)
	}
	if w := read("wang-1"); w.ID != wang.ID {
		t.Fatalf("wang-1 reads as %+v after mei-1", w.Account)
	}
	if _, err := db.SessionVisitor(ctx, "wang-1", "api"); node.ErrorCode(err) != node.EUNAUTHORIZED {
		t.Fatalf("a web session read as an API token: %v", err)
	}

	// What the reader's pages show of them.
	if err := db.Follow(ctx, mei.ID, st.ID); err != nil {
		t.Fatal(err)
	}
	if m := read("mei-1"); !m.Follows {
		t.Fatal("a follow did not show on the next read")
	}
	if err := db.Block(ctx, mei.ID, wang.ID); err != nil {
		t.Fatal(err)
	}
	if m := read("mei-1"); !m.Blocks {
		t.Fatal("a block did not show on the next read")
	}
	if err := db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE accounts SET display_name = 'Wang the Elder' WHERE id = ?`, wang.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if w := read("wang-1"); w.Shown() != "Wang the Elder" {
		t.Fatalf("a new display name did not show on the next read: %q", w.Shown())
	}

	// Sessions ending.
	read("wang-2")
	if err := db.DeleteSession(ctx, "wang-1"); err != nil {
		t.Fatal(err)
	}
	ended("wang-1", "a logout")
	read("wang-2")
	if _, err := db.EndOtherSessions(ctx, wang.ID, "wang-2"); err != nil {
		t.Fatal(err)
	}
	read("wang-2")
	read("mei-2")
	if _, err := db.SetPassword(ctx, mei.ID, "new hash", "mei-1"); err != nil {
		t.Fatal(err)
	}
	ended("mei-2", "a new password")
	read("mei-1")

	// Expiry, without a write.
	read("wang-2")
	clock.Add(int64(time.Hour / time.Second))
	ended("wang-2", "its expiry")
	ended("mei-1", "its expiry")
	clock.Add(-int64(time.Hour/time.Second) + 1)

	// A write by another process, once noticed.
	if err := db.CreateSession(ctx, "mei-3", mei.ID, "web", time.Hour, "test"); err != nil {
		t.Fatal(err)
	}
	if err := db.NoticeOtherWriters(ctx); err != nil {
		t.Fatal(err)
	}
	read("mei-3")
	other, err := sql.Open("sqlite", "file:"+db.Path()+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.ExecContext(ctx, `UPDATE accounts SET disabled = 1 WHERE id = ?`, mei.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.NoticeOtherWriters(ctx); err != nil {
		t.Fatal(err)
	}
	ended("mei-3", "the account was disabled by another process")
}

// What the top of a signed-in page counts shows on the next read after a
// write to any table the reader's query reads (the 'visitors' counter,
// migration 0081), and a write to anything else (the inbox's notes and
// de-duplication marks, the delivery queue) leaves the kept reader be.
func TestSessionVisitorCountsShowAtOnce(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "shiji.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	wang, mei, st := visitorMarket(t, db)
	it := &node.Item{Stall: st.ID, Title: "Lamp", Quantity: 1, Price: node.Price{Kind: node.PriceFree}}
	if err := db.CreateItem(ctx, it); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateSession(ctx, "mei-1", mei.ID, "web", time.Hour, "test"); err != nil {
		t.Fatal(err)
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if err := db.Write(ctx, func(tx *sql.Tx) error { _, err := tx.ExecContext(ctx, q, args...); return err }); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	read := func() *Visitor {
		t.Helper()
		v, err := db.SessionVisitor(ctx, "mei-1", "web")
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	read()
	for _, q := range []string{
		`INSERT INTO ap_inbox_seen(id, received_at) VALUES ('https://remote.test/a/1', 1)`,
		`INSERT INTO ap_notes(id, actor, name, published, updated, received_at) VALUES ('https://remote.test/n/1', 'https://remote.test/u', 'Lamp', 1, 1, 1)`,
		`UPDATE sessions SET last_used_at = 99 WHERE account_id = ` + fmt.Sprint(int64(mei.ID)),
	} {
		v0 := db.Versions().Visitors
		exec(q)
		if v := db.Versions().Visitors; v != v0 {
			t.Errorf("%s moved the visitors counter (%d to %d)", q, v0, v)
		}
		sum := sha256.Sum256([]byte("mei-1"))
		if _, ok := db.visitors.get(sum, "web", db.visitorStamp(), time.Now().Unix()); !ok {
			t.Errorf("after %s the reader kept was dropped", q)
		}
	}

	// Unread messages: a conversation, a message to mei, read, muted.
	exec(`INSERT INTO conversations(id, kind, created_at, last_message_at) VALUES (7, 'private', 1, 1)`)
	exec(`INSERT INTO members(conversation_id, account_id, joined_at) VALUES (7, ?, 1), (7, ?, 1)`, mei.ID, wang.ID)
	exec(`INSERT INTO messages(id, conversation_id, author_id, author_name, body, created_at) VALUES (70, 7, ?, 'wang', 'still here?', 2)`, wang.ID)
	if v := read(); v.Unread != 1 {
		t.Fatalf("after a message to her, mei reads %d unread", v.Unread)
	}
	exec(`UPDATE members SET last_read = 70 WHERE conversation_id = 7 AND account_id = ?`, mei.ID)
	if v := read(); v.Unread != 0 {
		t.Fatalf("after reading it, mei reads %d unread", v.Unread)
	}
	v0 := db.Versions().Visitors // reading the chat again changes nothing read
	exec(`UPDATE members SET last_read = max(last_read, 70) WHERE conversation_id = 7 AND account_id = ?`, mei.ID)
	if v := db.Versions().Visitors; v != v0 {
		t.Errorf("reading a chat already read moved the visitors counter (%d to %d)", v0, v)
	}
	exec(`INSERT INTO messages(id, conversation_id, author_id, author_name, body, created_at) VALUES (71, 7, ?, 'wang', 'hello?', 3)`, wang.ID)
	if v := read(); v.Unread != 1 {
		t.Fatalf("after a second message, mei reads %d unread", v.Unread)
	}
	exec(`UPDATE messages SET deleted_at = 4 WHERE id = 71`)
	if v := read(); v.Unread != 0 {
		t.Fatalf("after it was deleted, mei reads %d unread", v.Unread)
	}
	exec(`INSERT INTO messages(id, conversation_id, author_id, author_name, body, created_at) VALUES (72, 7, ?, 'wang', 'hello!', 5)`, wang.ID)
	read()
	exec(`UPDATE members SET muted = 1 WHERE conversation_id = 7 AND account_id = ?`, mei.ID)
	if v := read(); v.Unread != 0 {
		t.Fatalf("after muting, mei reads %d unread", v.Unread)
	}
	// Notifications, a reservation, a hidden market.
	exec(`INSERT INTO notifications(id, account_id, kind, created_at) VALUES (5, ?, 'follow', 1)`, mei.ID)
	if v := read(); v.Notices != 1 {
		t.Fatalf("after a notification, mei reads %d", v.Notices)
	}
	exec(`UPDATE notifications SET read_at = 2 WHERE id = 5`)
	if v := read(); v.Notices != 0 {
		t.Fatalf("after reading it, mei reads %d notifications", v.Notices)
	}
	exec(`INSERT INTO trades(item_id, stall_id, buyer_id, quantity, day, starts_at, closes_at, status, created_at, updated_at)
		VALUES (?, ?, ?, 1, '2026-05-02', 1, 2, 'requested', 1, 1)`, it.ID, st.ID, mei.ID)
	if v := read(); !v.Reserved {
		t.Fatal("after a reservation, mei reads as never having reserved")
	}
	exec(`INSERT INTO world_links(id, actor, host, follow_id, state, created_at) VALUES (3, 'https://far.test/market', 'far.test', 'https://here.test/f/1', 'linked', 1)`)
	exec(`INSERT INTO world_hidden(account_id, link_id) VALUES (?, 3)`, mei.ID)
	if v := read(); !v.Hides {
		t.Fatal("after hiding a market, mei reads as hiding none")
	}
	exec(`DELETE FROM world_hidden WHERE account_id = ?`, mei.ID)
	if v := read(); v.Hides {
		t.Fatal("after showing it again, mei still reads as hiding one")
	}
	exec(`UPDATE accounts SET role = 'stallholder' WHERE id = ?`, mei.ID)
	if v := read(); v.Role != node.RoleStallholder {
		t.Fatalf("after a new role, mei reads as %q", v.Role)
	}
}

// visitorMarket makes the stallholder wang ("Old Wang"), the resident mei
// and wang's stall.
func visitorMarket(t *testing.T, db *DB) (wang, mei *node.Account, st *node.Stall) {
	t.Helper()
	ctx := context.Background()
	wang = &node.Account{Name: "wang", DisplayName: "Old Wang", Role: node.RoleStallholder}
	mei = &node.Account{Name: "mei", Role: node.RoleResident}
	for _, a := range []*node.Account{wang, mei} {
		if err := db.CreateAccount(ctx, a, "x", ""); err != nil {
			t.Fatal(err)
		}
	}
	alley := &node.Alley{Slug: "vintage", Name: node.Text{"en": "Vintage"}, Colour: "#8a5a44"}
	if err := db.CreateAlley(ctx, alley); err != nil {
		t.Fatal(err)
	}
	st = &node.Stall{Name: "Old Wang's", Alley: alley.ID}
	if err := db.CreateStall(ctx, st, wang.ID); err != nil {
		t.Fatal(err)
	}
	return wang, mei, st
}
