package main

import (
	"strings"
	"testing"
)

// TestPageOutStartupCode: the executable's read-only mappings are advised
// (the test binary's own, some MB), and the program runs on afterwards:
// code and read-only data come back on first use; writable data is left
// alone (the strings built before are intact).
func TestPageOutStartupCode(t *testing.T) {
	before := strings.Repeat("市集", 1000)
	n := pageOutStartupCode()
	if n < 1<<20 {
		t.Fatalf("paged out %d bytes of the executable, want its code at least", n)
	}
	if strings.Repeat("市集", 1000) != before || len(serveUsage) == 0 {
		t.Fatal("data changed after paging out")
	}
}
