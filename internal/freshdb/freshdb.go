// Package freshdb gives tests an empty shiji database that is already
// migrated, for tests only (no package of the binary imports it).
//
// Migrating an empty database costs about 1.3 s of CPU under the race
// detector, and the end-to-end tests start a hundred fresh nodes. The
// migrations run once per test binary, through data.Open as a node's start
// runs them, into a file that is then closed (checkpointed: the WAL is
// empty) and kept in memory; each fresh database is a copy of its bytes,
// written while nothing has it open. A node started on the copy finds every
// migration applied and starts as it would on a database it had migrated
// itself. Tests of the migrations themselves, and of a start on an empty
// directory, open an empty file instead.
package freshdb

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/shiji-market/shiji/data"
)

// DBName is the database's file name in a data directory.
const DBName = "shiji.db"

var template struct {
	once sync.Once
	b    []byte
	err  error
}

// migrated returns the bytes of an empty database with every migration
// applied, made on first use.
func migrated() ([]byte, error) {
	template.once.Do(func() {
		dir, err := os.MkdirTemp("", "shiji-freshdb-")
		if err != nil {
			template.err = err
			return
		}
		defer os.RemoveAll(dir)
		path := filepath.Join(dir, DBName)
		db, err := data.Open(context.Background(), path, time.Now)
		if err != nil {
			template.err = err
			return
		}
		if err := db.Close(); err != nil {
			template.err = err
			return
		}
		if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() > 0 {
			template.err = fmt.Errorf("freshdb: the migrated database left a WAL of %d bytes after closing", fi.Size())
			return
		}
		template.b, template.err = os.ReadFile(path)
	})
	return template.b, template.err
}

// Write writes an empty, migrated database at path (a file that must not
// exist yet; its directory is created). The test fails if it cannot.
func Write(t testing.TB, path string) {
	t.Helper()
	b, err := migrated()
	if err != nil {
		t.Fatalf("freshdb: migrating the template database: %v", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		t.Fatalf("freshdb: %v", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		t.Fatalf("freshdb: %v", err)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("freshdb: %v", err)
	}
}

// Dir returns a new data directory (removed when the test ends) holding an
// empty, migrated database as DBName.
func Dir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	Write(t, filepath.Join(dir, DBName))
	return dir
}
