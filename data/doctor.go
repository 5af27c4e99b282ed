package data

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Inspection is what `shiji doctor` learns of a database file without
// changing it.
type Inspection struct {
	Problems []string // what PRAGMA integrity_check found; none when it is sound
	Applied  []int    // the migrations the file has
	Known    []int    // the migrations this binary has
	Missing  []int    // known but not applied: serve applies them
	Unknown  []int    // applied but unknown: the file is newer than the binary
}

// InspectForDoctor opens the database at path read-only, checks its integrity and
// compares its migrations with the binary's. It changes nothing (no
// migration runs); a file that is not a database is an error.
func InspectForDoctor(ctx context.Context, path string) (*Inspection, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?mode=ro&_pragma=busy_timeout(5000)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	in := &Inspection{}
	rows, err := db.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return nil, fmt.Errorf("%s is not a readable SQLite database: %w", path, err)
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return nil, err
		}
		if s != "ok" {
			in.Problems = append(in.Problems, s)
		}
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		in.Problems = append(in.Problems, err.Error())
	}
	rows.Close()
	if len(in.Problems) > 0 {
		return in, nil
	}
	vrows, err := db.QueryContext(ctx, `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		return nil, fmt.Errorf("%s is an SQLite database but not a shiji one: %w", path, err)
	}
	defer vrows.Close()
	for vrows.Next() {
		var v int
		if err := vrows.Scan(&v); err != nil {
			return nil, err
		}
		in.Applied = append(in.Applied, v)
	}
	if err := vrows.Err(); err != nil {
		return nil, err
	}
	names, _ := fs.Glob(migrationsFS, "migrations/*.sql")
	for _, n := range names {
		num, _, _ := strings.Cut(filepath.Base(n), "_")
		if v, err := strconv.Atoi(num); err == nil {
			in.Known = append(in.Known, v)
		}
	}
	sort.Ints(in.Known)
	applied := map[int]bool{}
	for _, v := range in.Applied {
		applied[v] = true
	}
	known := map[int]bool{}
	for _, v := range in.Known {
		known[v] = true
		if !applied[v] {
			in.Missing = append(in.Missing, v)
		}
	}
	for _, v := range in.Applied {
		if !known[v] {
			in.Unknown = append(in.Unknown, v)
		}
	}
	return in, nil
}

// ActorKey returns the public key (PEM) stored for one of the node's actors
// ("instance", "market", …) in the database at path, read-only; "" when it
// has none yet.
func ActorKey(ctx context.Context, path, actor string) (string, error) {
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		return "", err
	}
	defer db.Close()
	var pem string
	err = db.QueryRowContext(ctx, `SELECT public_pem FROM ap_keys WHERE actor = ?`, actor).Scan(&pem)
	if err == sql.ErrNoRows {
		return "", nil
	}
	return pem, err
}

// KnownPeers returns up to n hosts of other servers this node has talked
// to (actors it knows), for checking the clock against.
func KnownPeers(ctx context.Context, path string, n int) ([]string, error) {
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT id FROM ap_actors ORDER BY fetched_at DESC LIMIT 200`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var hosts []string
	seen := map[string]bool{}
	for rows.Next() && len(hosts) < n {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		if u, err := url.Parse(id); err == nil && u.Host != "" && !seen[u.Host] {
			seen[u.Host] = true
			hosts = append(hosts, u.Scheme+"://"+u.Host)
		}
	}
	return hosts, rows.Err()
}
