package main

import (
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

// smallDisk mounts a tmpfs of size (e.g. "24m") at a new directory and
// unmounts it when the test ends. It skips the test where that is not
// possible (not root, or no mount in this container): data/full_test.go
// checks the database's side without it.
func smallDisk(t *testing.T, size string) string {
	t.Helper()
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		t.Skip("a real full disk needs root to mount a tmpfs (data/full_test.go covers a full database without it)")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v: %s); data/full_test.go covers a full database", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", dir, err, out)
		}
	})
	return dir
}

// fill writes a file in dir until the disk has no room left, and returns it.
func fill(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	block := make([]byte, 64<<10)
	for i := 0; i < 1<<16; i++ {
		if _, err := f.Write(block); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			break
		}
	}
	for i := 0; i < 1<<12; i++ { // and the last bytes
		if _, err := f.Write(block[:512]); err != nil {
			break
		}
	}
	return path
}

// The disk fills up under a running node (a real tmpfs): writes are refused
// with 507 and a log line, nothing acknowledged is lost, reads go on, the
// database stays whole, and once there is room again the node takes writes
// without a restart.
func TestDiskFull(t *testing.T) {
	disk := smallDisk(t, "24m")
	dir := filepath.Join(disk, "data")
	for _, u := range []struct{ name, role string }{{"mei", "organiser"}, {"wang", "stallholder"}} {
		if _, e, err := runCmd(t, "a long secret phrase\n", "user", "add", u.name, "--role", u.role, "--data", dir); err != nil {
			t.Fatal(err, e)
		}
	}
	m := &market{n: startNode(t, dir)}
	m.c = newClient(t, m.n.URL)
	login := func(name string) string {
		r := m.c.postJSON("/api/v1/sessions", fmt.Sprintf(`{"name":%q,"password":"a long secret phrase"}`, name))
		if r.Status != 201 {
			t.Fatalf("login %s: %d %s", name, r.Status, r.Body)
		}
		return r.JSON(t)["token"].(string)
	}
	m.org, m.wang = login("mei"), login("wang")
	if r := m.call("POST", "/api/v1/alleys", m.org, `{"slug":"vintage","name":{"en":"Vintage"}}`); r.Status != 201 {
		t.Fatalf("alley: %d %s", r.Status, r.Body)
	}
	r := m.call("POST", "/api/v1/stalls", m.wang, `{"name":"Old Wang's Bicycles","alley":"vintage"}`)
	if r.Status != 201 {
		t.Fatalf("stall: %d %s", r.Status, r.Body)
	}
	m.stall = r.JSON(t)["id"].(float64)
	items := fmt.Sprintf("/api/v1/stalls/%d/items", int(m.stall))
	story := strings.Repeat("From my father's Phoenix bicycle, which he rode to the market every Saturday. ", 200)
	var acked []int
	post := func(i int) response {
		return m.call("POST", items, m.wang, fmt.Sprintf(`{"title":"Bell %d","story":%q,"price":{"kind":"free"}}`, i, story))
	}
	for i := 0; i < 5; i++ {
		if r := post(i); r.Status != 201 {
			t.Fatalf("item %d: %d %s", i, r.Status, r.Body)
		} else {
			acked = append(acked, int(r.JSON(t)["id"].(float64)))
		}
	}

	filler := fill(t, disk)
	var refused response
	for i := 5; i < 2000; i++ { // the WAL has room of its own for a while
		r := post(i)
		if r.Status == 201 {
			acked = append(acked, int(r.JSON(t)["id"].(float64)))
			continue
		}
		refused = r
		break
	}
	if refused.Status != 507 || !strings.Contains(refused.Body, "storage is full") {
		t.Fatalf("a write on a full disk: %d %s", refused.Status, refused.Body)
	}
	if !strings.Contains(m.n.Stderr.String(), "storage full") {
		t.Fatal("no log line says the storage is full")
	}
	if r := m.upload(fmt.Sprintf("/api/v1/items/%d/photos", acked[0]), m.wang, jpegWithGPS(t), "a bell"); r.Status != 507 {
		t.Fatalf("a photo on a full disk: %d %s", r.Status, r.Body)
	}
	// Reads go on.
	for _, p := range []string{"/", fmt.Sprintf("/stalls/%d", int(m.stall)), fmt.Sprintf("/items/%d", acked[0]), "/api/v1/search?q=Bell"} {
		if r := m.c.get(p); r.Status != 200 {
			t.Fatalf("GET %s on a full disk: %d", p, r.Status)
		}
	}
	// Logging in is a write too: a clear page says why it failed.
	lc := newClient(t, m.n.URL)
	if r := lc.postForm("/login", "/login", url.Values{"name": {"wang"}, "password": {"a long secret phrase"}}); r.Status != 507 ||
		!strings.Contains(r.Body, "disk is full") {
		t.Fatalf("a login on a full disk: %d", r.Status)
	}
	checkDB := func(when string) {
		t.Helper()
		db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "shiji.db")+"?mode=ro&_pragma=busy_timeout(5000)")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var check string
		if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
			t.Fatalf("integrity_check %s: %q %v", when, check, err)
		}
		for _, id := range acked {
			var n int
			db.QueryRow(`SELECT count(*) FROM items WHERE id = ?`, id).Scan(&n)
			if n != 1 {
				t.Fatalf("%s: acknowledged item %d is lost", when, id)
			}
		}
	}
	checkDB("on a full disk")

	// Room again: writes work, without a restart.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	if r := post(9999); r.Status != 201 {
		t.Fatalf("a write once there is room: %d %s", r.Status, r.Body)
	} else {
		acked = append(acked, int(r.JSON(t)["id"].(float64)))
	}
	if r := m.upload(fmt.Sprintf("/api/v1/items/%d/photos", acked[0]), m.wang, jpegWithGPS(t), "a bell"); r.Status != 201 {
		t.Fatalf("a photo once there is room: %d %s", r.Status, r.Body)
	}
	m.n.Stop(t)
	checkDB("after a clean stop")
	t.Logf("%d items acknowledged, the write after them refused with 507, all there after recovery", len(acked))
}
