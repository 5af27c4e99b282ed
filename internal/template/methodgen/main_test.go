//go:build !race

// Not under the race detector: loading every package's types takes minutes
// there. .ci/run runs this test on its own without -race.

package main

import (
	"os"
	"strings"
	"testing"
)

// TestMethodTablesUpToDate runs the go:generate line of
// internal/template/text with -check: it fails when a template_methods.go
// misses a method (a template calling it would fail at run time) or lists
// one that is gone.
func TestMethodTablesUpToDate(t *testing.T) {
	src, err := os.ReadFile("../text/methods.go")
	if err != nil {
		t.Fatal(err)
	}
	const prefix = "//go:generate go run ../methodgen "
	var line string
	for _, l := range strings.Split(string(src), "\n") {
		if strings.HasPrefix(l, prefix) {
			line = l[len(prefix):]
		}
	}
	if line == "" {
		t.Fatal("no go:generate line in ../text/methods.go")
	}
	f := strings.Fields(line)
	var std string
	var pats []string
	for i := 0; i < len(f); i++ {
		if f[i] == "-std" && i+1 < len(f) {
			std = f[i+1]
			i++
			continue
		}
		pats = append(pats, f[i])
	}
	if err := run(pats, std, true); err != nil {
		t.Fatal(err)
	}
}
