package main

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/shiji-market/shiji/node/app"
	"github.com/shiji-market/shiji/node/media"
)

// openRaw opens the database in dir read-only, for looking at its rows.
func openRaw(t *testing.T, dir string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "shiji.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// digest hashes the market's alleys, stalls, items, photos and accounts
// (without password hashes) in id order, with times relative to the
// market's present.
func digest(t *testing.T, dir string) string {
	t.Helper()
	db := openRaw(t, dir)
	h := sha256.New()
	for _, q := range []string{
		`SELECT name, city, description, floor_w, floor_h, configured FROM market`,
		`SELECT id, slug, name, colour, position FROM alleys ORDER BY id`,
		`SELECT id, name, display_name, role, lang, created_at - (SELECT updated_at FROM market) FROM accounts ORDER BY id`,
		`SELECT id, name, story, alley_id, x, y, open_today, created_at - (SELECT updated_at FROM market) FROM stalls ORDER BY id`,
		`SELECT account_id, stall_id FROM stall_holders ORDER BY stall_id, account_id`,
		`SELECT id, stall_id, title, story, price_kind, price_minor, currency, quantity, tags, status,
			created_at - (SELECT updated_at FROM market), updated_at - created_at FROM items ORDER BY id`,
		`SELECT owner_kind, owner_id, position, hash, ext, width, height, alt FROM photos ORDER BY owner_kind, owner_id, position`,
	} {
		rows, err := db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		n := 0
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(h, "%v\n", vals)
			n++
		}
		rows.Close()
		if n == 0 {
			t.Fatalf("no rows for %s", q)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

var passwordRE = regexp.MustCompile(`log in as organiser with password (\S+)`)

func TestDemoCommand(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	// The two loads run at once (each draws its pictures on all cores, but
	// writes its market on one).
	var outA, errA, outB, errB string
	var errRunA, errRunB error
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		outA, errA, errRunA = runCmd(t, "", "demo", "--data", a, "--stalls", "30", "--items", "300", "--seed", "7")
	}()
	go func() {
		defer wg.Done()
		outB, errB, errRunB = runCmd(t, "", "demo", "--data", b, "--stalls", "30", "--items", "300", "--seed", "7")
	}()
	wg.Wait()
	if errRunA != nil || errRunB != nil {
		t.Fatalf("demo: %v, %v\n%s\n%s", errRunA, errRunB, errA, errB)
	}
	mustContain(t, "demo output", outA, "30 stalls", "300 items", "log in as organiser with password")
	mustContain(t, "demo progress", errA, "\r[", "100% items 300/300")
	if da, db := digest(t, a), digest(t, b); da != db {
		t.Errorf("the same seed gave two markets: %s and %s", da, db)
	}

	// The organiser can log in with the password printed, which is new each time.
	pa, pb := passwordRE.FindStringSubmatch(outA), passwordRE.FindStringSubmatch(outB)
	if pa == nil || pb == nil || pa[1] == pb[1] {
		t.Fatalf("organiser passwords %v and %v", pa, pb)
	}
	var hash string
	if err := openRaw(t, a).QueryRow(`SELECT password_hash FROM accounts WHERE name = 'organiser' AND role = 'organiser'`).Scan(&hash); err != nil {
		t.Fatal(err)
	}
	if !app.CheckPassword(hash, pa[1]) {
		t.Error("the printed password does not open the organiser's account")
	}

	t.Run("skewed, on the plan", func(t *testing.T) { checkStallsAndItems(t, a) })
	t.Run("photos on disk", func(t *testing.T) { checkPhotoFiles(t, a) })
	t.Run("refuses a second time", func(t *testing.T) {
		before, files := digest(t, a), countFiles(t, filepath.Join(a, "media"))
		_, errOut, err := runCmd(t, "", "demo", "--data", a, "--stalls", "30", "--items", "300", "--seed", "8")
		if err == nil || !strings.Contains(err.Error(), "already holds a market") {
			t.Fatalf("demo into a market = %v\n%s", err, errOut)
		}
		if digest(t, a) != before || countFiles(t, filepath.Join(a, "media")) != files {
			t.Error("the refused demo changed the data directory")
		}
	})
}

// checkStallsAndItems: every stall has an item and its own spot on the
// plan, and a few stalls hold many items.
func checkStallsAndItems(t *testing.T, dir string) {
	db := openRaw(t, dir)
	rows, err := db.Query(`SELECT s.id, s.x, s.y, count(i.id) FROM stalls s LEFT JOIN items i ON i.stall_id = s.id GROUP BY s.id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var w, h int
	if err := db.QueryRow(`SELECT floor_w, floor_h FROM market`).Scan(&w, &h); err != nil {
		t.Fatal(err)
	}
	spots := map[[2]int]bool{}
	var counts []int
	for rows.Next() {
		var id, n int
		var x, y sql.NullInt64
		if err := rows.Scan(&id, &x, &y, &n); err != nil {
			t.Fatal(err)
		}
		if n < 1 {
			t.Errorf("stall %d has no items", id)
		}
		if !x.Valid || x.Int64 < 0 || y.Int64 < 0 || int(x.Int64) >= w || int(y.Int64) >= h {
			t.Errorf("stall %d is at (%v, %v), not on the %d×%d plan", id, x, y, w, h)
		}
		spot := [2]int{int(x.Int64), int(y.Int64)}
		if spots[spot] {
			t.Errorf("two stalls on %v", spot)
		}
		spots[spot] = true
		counts = append(counts, n)
	}
	if len(counts) != 30 {
		t.Fatalf("%d stalls", len(counts))
	}
	slices.Sort(counts)
	if median, top := counts[len(counts)/2], counts[len(counts)-1]; top < 10*median {
		t.Errorf("items per stall %v: the biggest (%d) is not 10× the median (%d)", counts, top, median)
	}
}

// checkPhotoFiles: every photo row's files (and thumbnails) are on disk.
func checkPhotoFiles(t *testing.T, dir string) {
	rows, err := openRaw(t, dir).Query(`SELECT DISTINCT hash, ext, width, height FROM photos`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var p media.Photo
		if err := rows.Scan(&p.Hash, &p.Ext, &p.Width, &p.Height); err != nil {
			t.Fatal(err)
		}
		if p.Width != 640 || p.Height != 480 {
			t.Errorf("photo %s is %d×%d", p.Hash, p.Width, p.Height)
		}
		for _, size := range []string{"", "s", "m", "l"} {
			if _, err := os.Stat(filepath.Join(dir, "media", p.Name(size))); err != nil {
				t.Errorf("photo file: %v", err)
			}
		}
		n++
	}
	if n == 0 {
		t.Fatal("no photos")
	}
	var missing int
	if err := openRaw(t, dir).QueryRow(`SELECT
		(SELECT count(*) FROM items WHERE id NOT IN (SELECT owner_id FROM photos WHERE owner_kind = 'item')) +
		(SELECT count(*) FROM stalls WHERE id NOT IN (SELECT owner_id FROM photos WHERE owner_kind = 'stall'))`).Scan(&missing); err != nil {
		t.Fatal(err)
	}
	if missing > 0 {
		t.Errorf("%d stalls and items have no photo", missing)
	}
}

func countFiles(t *testing.T, dir string) int {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

func TestDemoBadFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--stalls", "0"}, "between 1 and 20000"},
		{[]string{"--stalls", "20001"}, "between 1 and 20000"},
		{[]string{"--stalls", "-3"}, "between 1 and 20000"},
		{[]string{"--stalls", "10", "--items", "9"}, "at least one item"},
		{[]string{"--items", "2000001"}, "at most 2000000"},
		{[]string{"--stalls", "many"}, "invalid value"},
		{[]string{"--seed", "-1"}, "invalid value"},
		{[]string{"--colour", "red"}, "not defined"},
		{[]string{"extra"}, "takes no arguments"},
	} {
		dir := t.TempDir()
		_, errOut, err := runCmd(t, "", append([]string{"demo", "--data", dir}, c.args...)...)
		if err == nil {
			t.Errorf("demo %v succeeded", c.args)
			continue
		}
		if msg := err.Error() + errOut; !strings.Contains(msg, c.want) {
			t.Errorf("demo %v: %q does not say %q", c.args, msg, c.want)
		}
		if entries, _ := os.ReadDir(dir); len(entries) > 0 {
			t.Errorf("demo %v wrote into the data directory", c.args)
		}
	}
}

func TestDemoHelp(t *testing.T) {
	out, _, err := runCmd(t, "", "demo", "--help")
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "demo --help", out, "--stalls", "--items", "--seed", "--data", "SHIJI_DATA", "organiser")
	out, _, _ = runCmd(t, "", "help")
	mustContain(t, "shiji help", out, "shiji demo")
}
