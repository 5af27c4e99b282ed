package main

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// madvPageout is Linux's MADV_PAGEOUT (5.4 and later).
const madvPageout = 21

// pageOutStartupCode asks the kernel to reclaim the pages of shiji's own
// executable that are mapped now (code and read-only data, never the
// writable data). Start-up runs the init functions of some 600 packages and
// parses themes and catalogues, touching about 20 MB of the binary that an
// idle node never reads again; they would stay resident until memory runs
// short. Whatever a request needs afterwards is read back in on first use.
// It returns the bytes advised; an older kernel refuses, which changes
// nothing.
func pageOutStartupCode() int64 {
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		return 0
	}
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return 0
	}
	defer f.Close()
	var total int64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// 00400000-0162c000 r-xp 00000000 fd:01 123 /usr/local/bin/shiji
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || fields[5] != exe || fields[1][1] == 'w' {
			continue
		}
		lo, hi, ok := strings.Cut(fields[0], "-")
		if !ok {
			continue
		}
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 != nil || err2 != nil || end <= start {
			continue
		}
		if _, _, errno := syscall.Syscall(syscall.SYS_MADVISE, uintptr(start), uintptr(end-start), madvPageout); errno == 0 {
			total += int64(end - start)
		}
	}
	return total
}
