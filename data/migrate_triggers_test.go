package data

import (
	"context"
	"io/fs"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// Every trigger a migration creates is in the final schema unless a later
// migration drops it by name: a migration that rebuilds a table (SQLite
// cannot alter a column's constraints) takes the table's triggers with it,
// and the page caches would then miss the writes they stand for.
func TestMigrationsKeepEveryTrigger(t *testing.T) {
	created := regexp.MustCompile(`(?i)CREATE\s+TRIGGER\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)`)
	dropped := regexp.MustCompile(`(?i)DROP\s+TRIGGER\s+(?:IF\s+EXISTS\s+)?(\w+)`)
	files, err := fs.Glob(migrationsFS, "migrations/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("migrations: %v %v", files, err)
	}
	sort.Strings(files)
	want := map[string]string{}
	for _, f := range files {
		b, err := fs.ReadFile(migrationsFS, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range created.FindAllStringSubmatch(string(b), -1) {
			want[strings.ToLower(m[1])] = f
		}
		for _, m := range dropped.FindAllStringSubmatch(string(b), -1) {
			delete(want, strings.ToLower(m[1]))
		}
	}
	db := openTest(t)
	rows, err := db.r.QueryContext(context.Background(), `SELECT lower(name) FROM sqlite_master WHERE type = 'trigger'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	have := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		have[n] = true
	}
	var missing []string
	for n, f := range want {
		if !have[n] {
			missing = append(missing, n+" (from "+f+")")
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("%d triggers are gone from the schema (a later migration rebuilt their table without them): %s",
			len(missing), strings.Join(missing, ", "))
	}
}
