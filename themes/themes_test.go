package themes

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func TestOverrideWins(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "static"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "static", "shiji.css"), []byte("body{color:red}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "static", "extra.css"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Open("default", dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := fs.ReadFile(f, "static/shiji.css")
	if err != nil || string(b) != "body{color:red}" {
		t.Fatalf("override not used: %q %v", b, err)
	}
	names, err := fs.Glob(f, "templates/*.html")
	if err != nil || len(names) == 0 {
		t.Fatalf("embedded templates not listed through the overlay: %v %v", names, err)
	}
	if _, err := fs.Stat(f, "static/extra.css"); err != nil {
		t.Fatalf("new file in the override not visible: %v", err)
	}
	plain, _ := Open("default", filepath.Join(dir, "missing"))
	b, _ = fs.ReadFile(plain, "static/shiji.css")
	if string(b) == "body{color:red}" || len(b) == 0 {
		t.Fatalf("embedded css not served without override")
	}
	if _, err := Open("nope", ""); err == nil {
		t.Fatal("unknown theme opened")
	}
}
