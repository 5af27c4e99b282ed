package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var (
	fuzzFuncRE = regexp.MustCompile(`(?m)^func (Fuzz\w+)\(\w+ \*testing\.F\)`)
	fuzzLineRE = regexp.MustCompile(`(?m)^go test -run '\^\$' -fuzz '\^(Fuzz\w+)\$' -fuzztime \S+ (\./\S+)$`)
)

// Every fuzz target of the repository runs in CI: .ci/run has one
// `go test -fuzz` line for it (one target per invocation, a Go rule), in
// its own package, and no line names a target that is gone.
func TestEveryFuzzTargetRunsInCI(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	ci, err := os.ReadFile(filepath.Join(root, ".ci", "run"))
	if err != nil {
		t.Fatal(err)
	}
	inCI := map[string]string{} // target → package
	for _, m := range fuzzLineRE.FindAllStringSubmatch(string(ci), -1) {
		inCI[m[1]] = m[2]
	}
	found := map[string]string{}
	err = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "var" || d.Name() == "testdata") && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		for _, m := range fuzzFuncRE.FindAllStringSubmatch(string(b), -1) {
			found[m[1]] = "./" + filepath.ToSlash(rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) == 0 {
		t.Fatal("no fuzz targets found under " + root)
	}
	for name, pkg := range found {
		if got, ok := inCI[name]; !ok {
			t.Errorf("%s (%s) does not run in CI: add to .ci/run\n\tgo test -run '^$' -fuzz '^%s$' -fuzztime \"$fuzztime\" %s", name, pkg, name, pkg)
		} else if got != pkg {
			t.Errorf(".ci/run fuzzes %s in %s; it is in %s", name, got, pkg)
		}
	}
	for name := range inCI {
		if _, ok := found[name]; !ok {
			t.Errorf(".ci/run fuzzes %s, which no package has any more", name)
		}
	}
}
