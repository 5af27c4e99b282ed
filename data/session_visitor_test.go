package data

import (
	"context"
	"database/sql"
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
	wang := &node.Account{Name: "wang", DisplayName: "Old Wang", Role: node.RoleStallholder}
	mei := &node.Account{Name: "mei", Role: node.RoleResident}
	for _, a := range []*node.Account{wang, mei} {
		if err := db.CreateAccount(ctx, a, "x", ""); err != nil {
			t.Fatal(err)
		}
	}
	alley := &node.Alley{Slug: "vintage", Name: node.Text{"en": "Vintage"}, Colour: "#8a5a44"}
	if err := db.CreateAlley(ctx, alley); err != nil {
		t.Fatal(err)
	}
	st := &node.Stall{Name: "Old Wang's", Alley: alley.ID}
	if err := db.CreateStall(ctx, st, wang.ID); err != nil {
		t.Fatal(err)
	}
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
