package data

import (
	"errors"

	"github.com/shiji-market/shiji/node"
	"modernc.org/sqlite"
)

// SQLite's primary result codes for a database that cannot grow: SQLITE_FULL
// (the disk, or max_page_count) and SQLITE_IOERR with ENOSPC underneath.
const (
	sqliteFull  = 13
	sqliteIOErr = 10
)

// IsFull reports whether err says the database (or the disk under it) is
// full. Such a write changed nothing: SQLite rolled it back.
func IsFull(err error) bool {
	if err == nil {
		return false
	}
	if node.ErrorCode(err) == node.EFULL {
		return true
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code()&0xff == sqliteFull
	}
	return false
}

// full turns a storage-full error into an EFULL node error that still wraps
// the original (for the log); other errors pass through unchanged.
func full(err error) error {
	if err == nil || node.ErrorCode(err) == node.EFULL || !IsFull(err) {
		return err
	}
	return node.Full(err)
}
