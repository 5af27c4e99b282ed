package main

import (
	"os"
	"strings"
	"testing"
)

// The default demo market (200 stalls, 2,000 items and their pictures)
// takes a good part of a minute of CPU to load under the race detector.
// Tests that need a demo market but do not test its loading serve a copy of
// one loaded once for the package by `shiji serve --demo` (the same program
// and flags as theirs). The tests of the loading itself (its output, its
// logins, its refusal to load twice) still start with --demo on an empty
// directory.

var demoTemplate struct {
	demoDir        // as worldDemo's, without its password (the tests that need it load their own)
	stdout  string // what serve --demo printed while it loaded the demo
}

// demoTemplateDir is a data directory in which `shiji serve --demo` loaded
// the demo market and stopped, made on first use and removed by TestMain.
// It is never served: tests serve copies of it.
func demoTemplateDir(t *testing.T) string {
	t.Helper()
	demoTemplate.once.Do(func() {
		dir, err := os.MkdirTemp("", "shiji-demo-template-")
		if err != nil {
			demoTemplate.err = err.Error()
			return
		}
		demoTemplate.dir = dir
		// Cleared once the demo is loaded: a start that fails ends the
		// calling test (t.Fatal) and leaves this for the others.
		demoTemplate.err = "serve --demo did not load the demo market (see the first test that asked for it)"
		n := startNode(t, dir, "--demo")
		n.Stop(t)
		demoTemplate.stdout = n.Stdout.String()
		if strings.Contains(demoTemplate.stdout, "loaded the demo market") {
			demoTemplate.err = ""
		}
	})
	if demoTemplate.err != "" {
		t.Fatalf("the demo market for the tests: %s", demoTemplate.err)
	}
	return demoTemplate.dir
}

// demoTemplateStdout is what `shiji serve --demo` printed when it loaded
// the default demo market into an empty data directory (demoTemplateDir).
func demoTemplateStdout(t *testing.T) string {
	t.Helper()
	demoTemplateDir(t)
	return demoTemplate.stdout
}

// startDemoNode serves a copy of the default demo market, as
// `shiji serve --demo` on an empty data directory would (the copy was
// loaded by it), with extra serve flags. The node stops when the test ends.
func startDemoNode(t *testing.T, extra ...string) *testNode {
	t.Helper()
	dir := t.TempDir()
	copyTree(t, demoTemplateDir(t), dir)
	return startNode(t, dir, extra...)
}

// removeDemoTemplate removes the demo markets loaded for the package's
// tests (TestMain, after the tests): the default one and worldDemo's.
func removeDemoTemplate() {
	if demoTemplate.dir != "" {
		os.RemoveAll(demoTemplate.dir)
	}
	worldDemos.mu.Lock()
	defer worldDemos.mu.Unlock()
	for _, d := range worldDemos.bySize {
		if d.dir != "" {
			os.RemoveAll(d.dir)
		}
	}
}
