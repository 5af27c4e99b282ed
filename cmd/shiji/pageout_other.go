//go:build !linux

package main

// pageOutStartupCode does nothing outside Linux.
func pageOutStartupCode() int64 { return 0 }
