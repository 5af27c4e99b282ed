package main

import (
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
