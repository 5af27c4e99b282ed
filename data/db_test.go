package data

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/shiji-market/shiji/node"
)

func openTest(t testing.TB) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "shiji.db"), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestOpenAppliesPragmasAndMigrationsOnce(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "shiji.db")
	db, err := Open(ctx, path, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct{ pragma, want string }{
		{"journal_mode", "wal"}, {"foreign_keys", "1"}, {"busy_timeout", "5000"}, {"synchronous", "1"},
	} {
		var got string
		if err := db.r.QueryRowContext(ctx, "PRAGMA "+p.pragma).Scan(&got); err != nil || got != p.want {
			t.Errorf("reader PRAGMA %s = %q %v, want %q", p.pragma, got, err, p.want)
		}
		if err := db.w.QueryRowContext(ctx, "PRAGMA "+p.pragma).Scan(&got); err != nil || got != p.want {
			t.Errorf("writer PRAGMA %s = %q %v, want %q", p.pragma, got, err, p.want)
		}
	}
	if _, err := db.r.ExecContext(ctx, `UPDATE market SET timezone = 'UTC'`); err == nil {
		t.Error("the read pool accepted a write")
	}
	v1, _ := db.Migrations(ctx)
	db.Close()
	db, err = Open(ctx, path, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	v2, _ := db.Migrations(ctx)
	if len(v1) == 0 || len(v1) != len(v2) {
		t.Fatalf("migrations %v then %v", v1, v2)
	}
}

func TestConcurrentWritesDoNotFail(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			a := &node.Account{Name: "user" + string(rune('a'+i%26)) + string(rune('a'+i/26)), Role: node.RoleResident}
			errs <- db.CreateAccount(ctx, a, "hash", "")
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := db.CountAccounts(ctx); n != 50 {
		t.Fatalf("accounts = %d", n)
	}
}

func TestInvitationIsUsedOnceInTheSameTransaction(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	org := &node.Account{Name: "mei", Role: node.RoleOrganiser}
	if err := db.CreateAccount(ctx, org, "h", ""); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	inv := &node.Invitation{Code: "CODE", Role: node.RoleStallholder, CreatedBy: org.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := db.CreateInvitation(ctx, inv); err != nil {
		t.Fatal(err)
	}
	a := &node.Account{Name: "bao", Role: node.RoleResident}
	if err := db.CreateAccount(ctx, a, "h", "CODE"); err != nil || a.Role != node.RoleStallholder {
		t.Fatalf("first use: %v role %s", err, a.Role)
	}
	b := &node.Account{Name: "bao2", Role: node.RoleResident}
	if err := db.CreateAccount(ctx, b, "h", "CODE"); node.ErrorCode(err) != node.ECONFLICT {
		t.Fatalf("second use: %v", err)
	}
	// A taken name does not use up an invitation.
	inv2 := &node.Invitation{Code: "CODE2", Role: node.RoleModerator, CreatedBy: org.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	db.CreateInvitation(ctx, inv2)
	if err := db.CreateAccount(ctx, &node.Account{Name: "bao", Role: node.RoleResident}, "h", "CODE2"); node.ErrorCode(err) != node.ECONFLICT {
		t.Fatalf("duplicate name: %v", err)
	}
	if got, _ := db.Invitation(ctx, "CODE2"); got.UsedBy != 0 {
		t.Fatal("failed sign-up used the invitation")
	}
	expired := &node.Invitation{Code: "OLD", Role: node.RoleResident, CreatedBy: org.ID, CreatedAt: now.Add(-time.Hour), ExpiresAt: now.Add(-time.Minute)}
	db.CreateInvitation(ctx, expired)
	if err := db.CreateAccount(ctx, &node.Account{Name: "late", Role: node.RoleResident}, "h", "OLD"); node.ErrorCode(err) != node.EINVALID {
		t.Fatalf("expired: %v", err)
	}
}

// The database holds password hashes, session tokens and private keys: a
// new one and its WAL files are the node's user's alone, and an existing
// one others could read is made private, keeping the group's permissions.
func TestDatabaseFilesArePrivate(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	fresh := filepath.Join(dir, "new", "shiji.db")
	db, err := Open(ctx, fresh, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{fresh, fresh + "-wal", fresh + "-shm"} {
		if fi, err := os.Stat(p); err != nil {
			t.Fatal(err)
		} else if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", filepath.Base(p), fi.Mode().Perm())
		}
	}
	db.Close()
	if err := os.Chmod(fresh, 0o644); err != nil {
		t.Fatal(err)
	}
	db, err = Open(ctx, fresh, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if fi, err := os.Stat(fresh); err != nil {
		t.Fatal(err)
	} else if fi.Mode().Perm() != 0o640 {
		t.Errorf("an existing 0644 database: mode %v, want 0640", fi.Mode().Perm())
	}
}
