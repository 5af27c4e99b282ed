package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// The binary carries none of the libraries only tests and tools use: the
// browser driver of the end-to-end tests, the feed and iCalendar parsers
// that read our output back, the Chinese converter of node/i18n/hant
// (issue 14: the binary stays small).
func TestBinaryLeavesOutTestOnlyLibraries(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	out, err := exec.Command(goTool, "list", "-deps", "-f", "{{.ImportPath}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 100 {
		t.Fatalf("go list found %d packages", len(deps))
	}
	for _, dep := range deps {
		for _, banned := range []string{"github.com/chromedp/", "github.com/mmcdole/gofeed", "github.com/arran4/golang-ical", "github.com/longbridgeapp/opencc"} {
			if strings.HasPrefix(dep, banned) {
				t.Errorf("the binary imports %s", dep)
			}
		}
	}
}

// maxBinaryBytes is issue 14's goal for the stripped binary: 40 MB.
const maxBinaryBytes = 40_000_000

// TestStrippedBinarySize builds shiji as install.sh does (CGO_ENABLED=0,
// -trimpath -ldflags '-s -w') and fails when it is over 40 MB. The usual
// cause of a jump of 10 MB or more is a call of a method by a name known only
// at run time (reflect's MethodByName, text/template or html/template from
// the standard library instead of internal/template): find it with
// go build -ldflags=-dumpdep 2>&1 | grep '<ReflectMethod>'.
func TestStrippedBinarySize(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), "shiji")
	cmd := exec.Command(goTool, "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	fi, err := os.Stat(bin)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("stripped binary: %d bytes", fi.Size())
	if fi.Size() > maxBinaryBytes {
		t.Errorf("the stripped binary is %d bytes, over %d", fi.Size(), maxBinaryBytes)
	}
}
