package data

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shiji-market/shiji/node"
)

func TestBackupIsAConsistentSnapshotWhileWriting(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	if _, err := db.w.ExecContext(ctx, `CREATE TABLE ledger (n INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	// Each write transaction adds the same row twice: a snapshot that cut one
	// in half would hold an odd count.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 5000; i++ {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Microsecond):
			}
			if err := db.write(ctx, func(tx *sql.Tx) error {
				for range 2 {
					if _, err := tx.ExecContext(ctx, `INSERT INTO ledger(n) VALUES (?)`, i); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	dir := t.TempDir()
	for i := range 2 {
		time.Sleep(20 * time.Millisecond)
		dest := filepath.Join(dir, "copy"+string(rune('a'+i))+".db")
		if err := Backup(ctx, db.Path(), dest); err != nil {
			t.Fatal(err)
		}
		c, err := Inspect(ctx, dest)
		if err != nil {
			t.Fatal(err)
		}
		if c.Schema != SchemaVersion() || c.Accounts != 0 {
			t.Errorf("contents = %+v, want schema %d", c, SchemaVersion())
		}
		copyDB, err := Open(ctx, dest, time.Now)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := copyDB.r.QueryRowContext(ctx, `SELECT count(*) FROM ledger`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		copyDB.Close()
		if n%2 != 0 {
			t.Errorf("snapshot %d holds %d rows: half a transaction", i, n)
		}
	}
	close(stop)
	wg.Wait()
}

func TestBackupErrors(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	dir := t.TempDir()
	if err := Backup(ctx, filepath.Join(dir, "missing.db"), filepath.Join(dir, "x.db")); node.ErrorCode(err) != node.ENOTFOUND {
		t.Errorf("missing source: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "missing.db")); !os.IsNotExist(err) {
		t.Errorf("Backup created the missing source: %v", err)
	}
	taken := filepath.Join(dir, "taken.db")
	if err := os.WriteFile(taken, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Backup(ctx, db.Path(), taken); node.ErrorCode(err) != node.ECONFLICT {
		t.Errorf("existing destination: %v", err)
	}
	if b, _ := os.ReadFile(taken); string(b) != "keep me" {
		t.Errorf("destination overwritten: %q", b)
	}
	if err := Backup(ctx, db.Path(), filepath.Join(dir, "no", "such", "dir.db")); err == nil {
		t.Error("backup into a missing directory succeeded")
	}
}

func TestInspectRefusesWhatIsNotAShijiDatabase(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.db")
	if err := os.WriteFile(junk, []byte(strings.Repeat("not a database ", 200)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Inspect(ctx, junk); node.ErrorCode(err) != node.EINVALID {
		t.Errorf("junk: %v", err)
	}
	if _, err := Inspect(ctx, filepath.Join(dir, "missing.db")); node.ErrorCode(err) != node.ENOTFOUND {
		t.Errorf("missing: %v", err)
	}
	other := filepath.Join(dir, "other.db")
	odb, err := Open(ctx, other, time.Now) // a shiji database, then made into another one
	if err != nil {
		t.Fatal(err)
	}
	if _, err := odb.w.ExecContext(ctx, `DROP TABLE photos`); err != nil {
		t.Fatal(err)
	}
	odb.Close()
	if _, err := Inspect(ctx, other); node.ErrorCode(err) != node.EINVALID || !strings.Contains(err.Error(), "not a shiji") {
		t.Errorf("other: %v", err)
	}
}

func TestCheckUnusedSeesAnIdleNode(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "shiji.db")
	db, err := Open(ctx, path, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrations(ctx); err != nil { // a read, then idle
		t.Fatal(err)
	}
	if err := CheckUnused(ctx, path); node.ErrorCode(err) != node.ECONFLICT {
		t.Errorf("while open: %v", err)
	}
	db.Close()
	if err := CheckUnused(ctx, path); err != nil {
		t.Errorf("after close: %v", err)
	}
	if err := CheckUnused(ctx, path+"-missing"); node.ErrorCode(err) != node.ENOTFOUND {
		t.Errorf("missing: %v", err)
	}
	junk := filepath.Join(t.TempDir(), "junk.db")
	if err := os.WriteFile(junk, []byte(strings.Repeat("not a database ", 200)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := CheckUnused(ctx, junk); node.ErrorCode(err) != node.EINVALID {
		t.Errorf("junk: %v", err)
	}
	// The check leaves the database usable.
	db, err = Open(ctx, path, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
}
