package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

var (
	countsRE = regexp.MustCompile(`(\d+) accounts, (\d+) stalls, (\d+) items`)
	mediaRE  = regexp.MustCompile(`\d+ media files`)
)

// counts returns the accounts, stalls and items a backup or restore printed.
func counts(t *testing.T, out string) (accounts, stalls, items int) {
	t.Helper()
	m := countsRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no counts in %q", out)
	}
	accounts, _ = strconv.Atoi(m[1])
	stalls, _ = strconv.Atoi(m[2])
	items, _ = strconv.Atoi(m[3])
	return accounts, stalls, items
}

func TestBackupWhileServingAndRestore(t *testing.T) {
	m := newMarket(t)
	stall := fmt.Sprintf("/api/v1/stalls/%d", int(m.stall))
	r := m.call("POST", stall+"/items", m.wang, `{"title":"1980s Phoenix bicycle bell 凤凰自行车铃","price":{"amount":"12.50","currency":"CNY"}}`)
	if r.Status != http.StatusCreated {
		t.Fatalf("create item = %d %s", r.Status, r.Body)
	}
	first := int(r.JSON(t)["id"].(float64))
	up := m.upload(fmt.Sprintf("/api/v1/items/%d/photos", first), m.wang, jpegWithGPS(t), "The bell")
	if up.Status != http.StatusCreated {
		t.Fatalf("upload = %d %s", up.Status, up.Body)
	}
	photoURL, err := url.Parse(up.JSON(t)["url"].(string))
	if err != nil {
		t.Fatal(err)
	}
	photo := m.c.get(photoURL.Path)
	if photo.Status != 200 || len(photo.Body) < 100 {
		t.Fatalf("photo = %d, %d bytes", photo.Status, len(photo.Body))
	}
	css := "/* the organiser's colours */ body { background: #f4ecd8 }\n"
	writeFile(t, filepath.Join(m.n.Data, "themes", "default", "static", "shiji.css"), css)

	// A stallholder keeps listing items while the backup runs.
	var created atomic.Int64
	stop, done := make(chan struct{}), make(chan error, 1)
	go func() {
		hc := &http.Client{Timeout: 30 * time.Second}
		for i := 0; i < 1000; i++ {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			req, _ := http.NewRequest("POST", m.n.URL+stall+"/items", strings.NewReader(fmt.Sprintf(`{"title":"Enamel mug %d","price":{"amount":"3","currency":"CNY"}}`, i)))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+m.wang)
			resp, err := hc.Do(req)
			if err != nil {
				done <- err
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusCreated {
				done <- fmt.Errorf("create item %d = %d", i, resp.StatusCode)
				return
			}
			created.Add(1)
		}
		done <- nil
	}()
	waitFor(t, func() bool { return created.Load() >= 3 })
	file := filepath.Join(t.TempDir(), "market.tar.gz")
	before := int(created.Load())
	out, errOut, err := runCmd(t, "", "backup", "--data", m.n.Data, file)
	after := int(created.Load())
	close(stop)
	if werr := <-done; werr != nil {
		t.Fatal(werr)
	}
	if err != nil {
		t.Fatalf("backup: %v\n%s", err, errOut)
	}
	t.Log(strings.TrimSpace(out))
	mustContain(t, "backup output", out, "backed up", file, "1 theme files")
	accounts, stalls, items := counts(t, out)
	mediaFiles := mediaRE.FindString(out)
	if mediaFiles == "" || strings.HasPrefix(mediaFiles, "0 ") {
		t.Fatalf("no photos in the backup: %s", out)
	}
	// The snapshot holds every item created before it started and none of
	// those created after it ended; one request may have been in flight.
	if accounts != 4 || stalls != 1 || items < 1+before || items > 1+after+1 {
		t.Fatalf("backup holds %d accounts, %d stalls, %d items; want 4, 1 and %d to %d items\n%s", accounts, stalls, items, 1+before, 2+after, out)
	}
	if after == before {
		t.Logf("no item was created during the backup (%d before)", before)
	}
	if st, err := os.Stat(file); err != nil || st.Mode().Perm()&0o077 != 0 {
		t.Errorf("backup file mode = %v, %v; want private (it holds password hashes and keys)", st.Mode(), err)
	}
	if names, _ := filepath.Glob(filepath.Join(filepath.Dir(file), ".*")); len(names) > 0 {
		t.Errorf("temporary files left: %v", names)
	}
	m.n.Stop(t)

	restored := filepath.Join(t.TempDir(), "restored")
	out, errOut, err = runCmd(t, "", "restore", "--data", restored, file)
	if err != nil {
		t.Fatalf("restore: %v\n%s", err, errOut)
	}
	t.Log(strings.TrimSpace(out))
	mustContain(t, "restore output", out, "restored", mediaFiles, "1 theme files")
	if a, s, i := counts(t, out); a != accounts || s != stalls || i != items {
		t.Fatalf("restore counts %d, %d, %d; backup counted %d, %d, %d", a, s, i, accounts, stalls, items)
	}
	if ents, _ := os.ReadDir(restored); len(ents) != 3 {
		t.Errorf("restored directory holds %v, want media, shiji.db and themes", ents)
	}

	n := startNode(t, restored)
	c := newClient(t, n.URL)
	if r := c.postJSON("/api/v1/sessions", `{"name":"wang","password":"a long secret phrase"}`); r.Status != 201 {
		t.Fatalf("log in on the restored node = %d %s", r.Status, r.Body)
	}
	got := c.get(fmt.Sprintf("/api/v1/items/%d", first))
	if got.Status != 200 {
		t.Fatalf("item %d on the restored node = %d %s", first, got.Status, got.Body)
	}
	mustContain(t, "restored item", got.Body, "Phoenix bicycle bell", photoURL.Path)
	// Items are numbered in order: the last one in the snapshot is there, the
	// next one is not.
	if r := c.get(fmt.Sprintf("/api/v1/items/%d", first+items-1)); r.Status != 200 {
		t.Errorf("last item %d = %d", first+items-1, r.Status)
	}
	if r := c.get(fmt.Sprintf("/api/v1/items/%d", first+items)); r.Status != 404 {
		t.Errorf("item %d after the snapshot = %d", first+items, r.Status)
	}
	if r := c.get(photoURL.Path); r.Status != 200 || r.Body != photo.Body {
		t.Errorf("restored photo = %d, %d bytes; want the %d bytes served before", r.Status, len(r.Body), len(photo.Body))
	}
	if r := c.get("/static/shiji.css"); !strings.Contains(r.Body, "the organiser's colours") {
		t.Errorf("theme override not restored: %d %.80q", r.Status, r.Body)
	}
}

// tarEntry is one entry of an archive a test builds.
type tarEntry struct {
	name string
	typ  byte // tar.TypeReg when 0
	body []byte
	link string
}

func writeTar(t *testing.T, path string, compress bool, entries ...tarEntry) {
	t.Helper()
	var buf bytes.Buffer
	var w io.Writer = &buf
	var zw *gzip.Writer
	if compress {
		zw = gzip.NewWriter(&buf)
		w = zw
	}
	tw := tar.NewWriter(w)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Typeflag: e.typ, Linkname: e.link, Mode: 0o644, ModTime: time.Now()}
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(e.body))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(e.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if zw != nil {
		zw.Close()
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// readTar returns the regular files of the .tar.gz at path.
func readTar(t *testing.T, path string) map[string][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return files
		} else if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			files[h.Name] = b
		}
	}
}

// tree describes every file and directory under dir: path, mode, size and
// a hash of the content; "" if dir does not exist.
func tree(t *testing.T, dir string) string {
	t.Helper()
	var lines []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		line := fmt.Sprintf("%s %v", path, info.Mode())
		if info.Mode().IsRegular() {
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			line += fmt.Sprintf(" %d %x", len(b), sha256.Sum256(b))
		}
		lines = append(lines, line)
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) {
		return ""
	} else if err != nil {
		t.Fatal(err)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// smallDataDir makes a data directory with one account and one photo file,
// without a node.
func smallDataDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data")
	if _, e, err := runCmd(t, "a long secret phrase\n", "user", "add", "mei", "--role", "organiser", "--data", dir); err != nil {
		t.Fatal(err, e)
	}
	writeFile(t, filepath.Join(dir, "media", "0123456789abcdef0123456789abcdef.jpg"), "not really a jpeg")
	return dir
}

func TestBackupBadInput(t *testing.T) {
	dir := smallDataDir(t)
	dataBefore := tree(t, dir)
	out := t.TempDir()
	taken := filepath.Join(out, "taken.tar.gz")
	writeFile(t, taken, "an older backup")
	notDir := filepath.Join(out, "plain-file")
	writeFile(t, notDir, "x")
	outBefore := tree(t, out)

	for _, tc := range []struct {
		name    string
		args    []string
		usage   bool
		wantErr string
	}{
		{"no file", []string{"backup", "--data", dir}, true, "needs exactly one FILE"},
		{"no arguments", []string{"backup"}, true, "needs exactly one FILE"},
		{"two files", []string{"backup", "--data", dir, filepath.Join(out, "a.tar"), filepath.Join(out, "b.tar")}, true, "needs exactly one FILE"},
		{"bad flag", []string{"backup", "--dta", dir, filepath.Join(out, "a.tar")}, true, "flag provided but not defined"},
		{"not a tar name", []string{"backup", "--data", dir, filepath.Join(out, "market.zip")}, false, "ending in .tar.gz"},
		{"file exists", []string{"backup", "--data", dir, taken}, false, "already exists"},
		{"no such directory", []string{"backup", "--data", dir, filepath.Join(out, "missing", "b.tar.gz")}, false, "there is no directory"},
		{"parent is a file", []string{"backup", "--data", dir, filepath.Join(notDir, "b.tar.gz")}, false, "cannot write"},
		{"inside media", []string{"backup", "--data", dir, filepath.Join(dir, "media", "b.tar.gz")}, false, "put it outside the data directory"},
		{"no database", []string{"backup", "--data", filepath.Join(out, "empty"), filepath.Join(out, "b.tar.gz")}, false, "there is no database"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, errOut, err := runCmd(t, "", tc.args...)
			switch {
			case tc.usage && (!errors.Is(err, errUsage) || !strings.Contains(errOut, tc.wantErr) || !strings.Contains(errOut, "Usage: shiji backup")):
				t.Errorf("err = %v, stderr %q; want the usage and %q", err, errOut, tc.wantErr)
			case !tc.usage && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("err = %v; want %q", err, tc.wantErr)
			}
			if got := tree(t, out); got != outBefore {
				t.Errorf("the destination directory changed:\n%s\nwas\n%s", got, outBefore)
			}
			if got := tree(t, dir); got != dataBefore {
				t.Errorf("the data directory changed:\n%s\nwas\n%s", got, dataBefore)
			}
		})
	}
	if os.Geteuid() != 0 {
		locked := t.TempDir()
		os.Chmod(locked, 0o500)
		defer os.Chmod(locked, 0o700)
		if _, _, err := runCmd(t, "", "backup", "--data", dir, filepath.Join(locked, "b.tar.gz")); err == nil || !strings.Contains(err.Error(), "cannot write") {
			t.Errorf("unwritable directory: %v", err)
		}
		if ents, _ := os.ReadDir(locked); len(ents) != 0 {
			t.Errorf("unwritable directory holds %v", ents)
		}
	} else {
		t.Log("running as root: an unwritable directory cannot be tested")
	}
	if o, _, err := runCmd(t, "", "backup", "--help"); err != nil || !strings.Contains(o, "Usage: shiji backup") || !strings.Contains(o, "--data") {
		t.Errorf("backup --help = %v %q", err, o)
	}
}

func TestRestoreBadInput(t *testing.T) {
	src := smallDataDir(t)
	work := t.TempDir()
	good := filepath.Join(work, "good.tar.gz")
	if _, e, err := runCmd(t, "", "backup", "--data", src, good); err != nil {
		t.Fatal(err, e)
	}
	db := readTar(t, good)["shiji.db"]
	if len(db) == 0 {
		t.Fatal("no shiji.db in the backup")
	}
	raw, _ := os.ReadFile(good)

	// A database from a future shiji: a migration this one does not know.
	future := filepath.Join(work, "future.db")
	if err := os.WriteFile(future, db, 0o600); err != nil {
		t.Fatal(err)
	}
	fdb, err := sql.Open("sqlite", future)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fdb.Exec(`INSERT INTO schema_migrations(version, name, applied_at) VALUES (9999, '9999_future.sql', 0)`); err != nil {
		t.Fatal(err)
	}
	fdb.Close()
	futureDB, _ := os.ReadFile(future)

	evil := filepath.Join(work, "evil")
	abs := filepath.Join(work, "absolute-evil")
	dbEntry := tarEntry{name: "shiji.db", body: db}
	for _, tc := range []struct {
		name    string
		make    func(path string)
		wantErr string
	}{
		{"missing file", func(string) {}, "there is no backup file"},
		{"empty file", func(p string) { writeFile(t, p, "") }, "holds no shiji.db"},
		{"text", func(p string) { writeFile(t, p, "just some notes, not an archive\n") }, "not a backup written by shiji backup"},
		{"random bytes", func(p string) { writeFile(t, p, strings.Repeat("\x8f\x00garbage", 300)) }, "not a backup written by shiji backup"},
		{"gzipped text", func(p string) {
			var b bytes.Buffer
			zw := gzip.NewWriter(&b)
			zw.Write(bytes.Repeat([]byte("hello "), 500))
			zw.Close()
			writeFile(t, p, b.String())
		}, "not a backup written by shiji backup"},
		{"truncated", func(p string) { writeFile(t, p, string(raw[:len(raw)/2])) }, "damaged"},
		{"dot-dot", func(p string) { writeTar(t, p, true, dbEntry, tarEntry{name: "../evil", body: []byte("x")}) }, `"../evil" is not a plain relative path`},
		{"dot-dot inside media", func(p string) {
			// From the hidden directory the archive is unpacked into, inside
			// target, this is work/evil.
			writeTar(t, p, true, dbEntry, tarEntry{name: "media/../../../evil", body: []byte("x")})
		}, "not a plain relative path"},
		{"absolute path", func(p string) { writeTar(t, p, true, dbEntry, tarEntry{name: abs, body: []byte("x")}) }, "absolute path"},
		{"symlink", func(p string) {
			writeTar(t, p, false, dbEntry, tarEntry{name: "media/passwd", typ: tar.TypeSymlink, link: "/etc/passwd"})
		}, "symbolic link"},
		{"symlink then write through it", func(p string) {
			writeTar(t, p, true, tarEntry{name: "media", typ: tar.TypeSymlink, link: work}, tarEntry{name: "media/evil", body: []byte("x")}, dbEntry)
		}, "symbolic link"},
		{"hard link", func(p string) {
			writeTar(t, p, true, dbEntry, tarEntry{name: "media/db", typ: tar.TypeLink, link: "shiji.db"})
		}, "hard link"},
		{"device", func(p string) { writeTar(t, p, true, dbEntry, tarEntry{name: "media/null", typ: tar.TypeChar}) }, "not a regular file"},
		{"outside", func(p string) { writeTar(t, p, true, dbEntry, tarEntry{name: "etc/passwd", body: []byte("x")}) }, "outside shiji.db, media/ and themes/"},
		{"stale wal", func(p string) { writeTar(t, p, true, dbEntry, tarEntry{name: "shiji.db-wal", body: []byte("x")}) }, "outside"},
		{"twice", func(p string) { writeTar(t, p, true, dbEntry, dbEntry) }, "appears twice"},
		{"no database", func(p string) { writeTar(t, p, true, tarEntry{name: "media/a.jpg", body: []byte("x")}) }, "holds no shiji.db"},
		{"database is junk", func(p string) {
			writeTar(t, p, true, tarEntry{name: "shiji.db", body: bytes.Repeat([]byte("junk"), 1024)})
		}, "not an SQLite database"},
		{"database from a newer shiji", func(p string) { writeTar(t, p, true, tarEntry{name: "shiji.db", body: futureDB}) }, "written by a newer shiji"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "backup.tar.gz")
			tc.make(file)
			target := filepath.Join(work, "target")
			_, _, err := runCmd(t, "", "restore", "--data", target, file)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("err = %v; want %q", err, tc.wantErr)
			}
			if _, err := os.Lstat(target); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("the data directory was created: %s", tree(t, target))
			}
			for _, p := range []string{evil, abs, filepath.Join(work, "media")} {
				if _, err := os.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("%s was written", p)
				}
			}
		})
	}

	// Usage errors.
	if _, errOut, err := runCmd(t, "", "restore", "--data", filepath.Join(work, "target")); !errors.Is(err, errUsage) || !strings.Contains(errOut, "needs exactly one FILE") {
		t.Errorf("restore without FILE = %v %q", err, errOut)
	}
	if o, _, err := runCmd(t, "", "restore", "--help"); err != nil || !strings.Contains(o, "--force") {
		t.Errorf("restore --help = %v %q", err, o)
	}

	// An existing data directory needs --force, and is left alone without it.
	before := tree(t, src)
	if _, _, err := runCmd(t, "", "restore", "--data", src, good); err == nil || !strings.Contains(err.Error(), "not empty") || !strings.Contains(err.Error(), "--force") {
		t.Errorf("restore into a full directory = %v", err)
	}
	if got := tree(t, src); got != before {
		t.Errorf("the data directory changed:\n%s\nwas\n%s", got, before)
	}
	// An empty existing directory is fine; FILE may come before the flags.
	empty := filepath.Join(work, "empty")
	if err := os.Mkdir(empty, 0o750); err != nil {
		t.Fatal(err)
	}
	if out, e, err := runCmd(t, "", "restore", good, "--data", empty); err != nil || !strings.Contains(out, "1 accounts") {
		t.Errorf("restore into an empty directory = %v %q %q", err, out, e)
	}
}

func TestRestoreForce(t *testing.T) {
	src := smallDataDir(t)
	file := filepath.Join(t.TempDir(), "b.tar")
	if _, e, err := runCmd(t, "", "backup", "--data", src, file); err != nil {
		t.Fatal(err, e)
	}
	n := startNode(t, "")
	newClient(t, n.URL).postJSON("/api/v1/sessions", `{"name":"nobody","password":"wrong wrong wrong"}`)
	names := func() []string {
		ents, _ := os.ReadDir(n.Data)
		var s []string
		for _, e := range ents {
			s = append(s, e.Name())
		}
		return s
	}
	was := names()
	siblings := func() []string {
		m, _ := filepath.Glob(n.Data + ".before-restore-*")
		return m
	}

	// Never under a running node, even with --force.
	_, _, err := runCmd(t, "", "restore", "--force", "--data", n.Data, file)
	if err == nil || !strings.Contains(err.Error(), "open in another process") {
		t.Fatalf("restore --force under a running node = %v", err)
	}
	if got := names(); strings.Join(got, " ") != strings.Join(was, " ") {
		t.Errorf("data directory now holds %v, was %v", got, was)
	}
	if s := siblings(); len(s) > 0 {
		t.Errorf("set aside while running: %v", s)
	}
	if r := newClient(t, n.URL).get("/"); r.Status != 200 {
		t.Errorf("node after the refused restore: %d", r.Status)
	}

	// Stopped, the old contents go aside and the backup comes in.
	n.Stop(t)
	old := tree(t, n.Data)
	out, e, err := runCmd(t, "", "restore", "--force", "--data", n.Data, file)
	if err != nil {
		t.Fatalf("restore --force: %v %s", err, e)
	}
	s := siblings()
	if len(s) != 1 {
		t.Fatalf("set aside into %v", s)
	}
	mustContain(t, "restore --force output", out, "moved the previous contents", s[0], "1 accounts", "1 media files")
	if got := strings.ReplaceAll(tree(t, s[0]), s[0], n.Data); got != old {
		t.Errorf("set-aside contents differ:\n%s\nwas\n%s", got, old)
	}
	if _, err := os.Stat(filepath.Join(n.Data, "media", "0123456789abcdef0123456789abcdef.jpg")); err != nil {
		t.Errorf("restored photo: %v", err)
	}
	n2 := startNode(t, n.Data)
	if r := newClient(t, n2.URL).postJSON("/api/v1/sessions", `{"name":"mei","password":"a long secret phrase"}`); r.Status != 201 {
		t.Errorf("log in after restore --force = %d %s", r.Status, r.Body)
	}

	// --force over a damaged database (no node can be serving it) sets it
	// aside; into an empty directory it sets nothing aside.
	damaged := filepath.Join(t.TempDir(), "damaged")
	writeFile(t, filepath.Join(damaged, "shiji.db"), strings.Repeat("not a database ", 300))
	if _, e, err := runCmd(t, "", "restore", "--force", "--data", damaged, file); err != nil {
		t.Errorf("restore --force over a damaged database: %v %s", err, e)
	}
	if m, _ := filepath.Glob(damaged + ".before-restore-*"); len(m) != 1 {
		t.Errorf("damaged database set aside into %v", m)
	}
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.Mkdir(empty, 0o750); err != nil {
		t.Fatal(err)
	}
	if out, e, err := runCmd(t, "", "restore", "--force", "--data", empty, file); err != nil || strings.Contains(out, "moved") {
		t.Errorf("restore --force into an empty directory: %v %q %s", err, out, e)
	}
	if m, _ := filepath.Glob(empty + ".before-restore-*"); len(m) != 0 {
		t.Errorf("an empty directory was set aside into %v", m)
	}
}
