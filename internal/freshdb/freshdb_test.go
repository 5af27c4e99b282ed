package freshdb

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shiji-market/shiji/data"
)

// schema is the database's schema and applied migrations, as text.
func schema(t *testing.T, path string) string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var b strings.Builder
	for _, q := range []string{`SELECT type || ' ' || name || ' ' || coalesce(sql, '') FROM sqlite_master ORDER BY type, name`,
		`SELECT version || ' ' || name FROM schema_migrations ORDER BY version`} {
		rows, err := db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			b.WriteString(s + "\n")
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

// A copy holds what migrating an empty file gives, and a node's start on it
// (data.Open) finds nothing to do and opens it.
func TestCopyIsAMigratedDatabase(t *testing.T) {
	own := filepath.Join(t.TempDir(), DBName)
	start := time.Now()
	db, err := data.Open(context.Background(), own, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	t.Logf("migrating an empty database: %s", time.Since(start).Round(time.Millisecond))

	dir := Dir(t)
	copied := filepath.Join(dir, DBName)
	if got, want := schema(t, copied), schema(t, own); got != want || !strings.Contains(got, "table schema_migrations") {
		t.Fatalf("the copy's schema differs from a migrated database's:\n%s\nwant:\n%s", got, want)
	}
	start = time.Now()
	db, err = data.Open(context.Background(), copied, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	t.Logf("opening a copy: %s", time.Since(start).Round(time.Millisecond))
	// A second copy in the same place is refused: it never overwrites.
	ft := &fatalT{TB: t}
	func() {
		defer func() { recover() }()
		Write(ft, copied)
	}()
	if !ft.failed {
		t.Fatal("Write over an existing database did not fail")
	}
}

// fatalT records a Fatal instead of ending the test.
type fatalT struct {
	testing.TB
	failed bool
}

func (f *fatalT) Helper() {}
func (f *fatalT) Fatal(args ...any) {
	f.failed = true
	panic("fatal")
}
func (f *fatalT) Fatalf(format string, args ...any) {
	f.failed = true
	panic("fatal")
}
