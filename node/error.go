// Package node holds shiji's domain: the market, its accounts, stalls, items and
// their rules. It imports only the standard library.
package node

import (
	"errors"
	"fmt"
	"syscall"
	"time"
)

// Error codes. Each maps to one HTTP status at the edge (node/web) and to a
// non-zero exit in the command line.
const (
	EMALFORMED    = "malformed"    // the request cannot be parsed (400)
	ECONFLICT     = "conflict"     // the action clashes with the current state (409)
	EFORBIDDEN    = "forbidden"    // signed in, but not allowed (403)
	EINTERNAL     = "internal"     // a bug or an outage; the message is not shown (500)
	EINVALID      = "invalid"      // the input is wrong; the message says how (422)
	ENOTFOUND     = "not_found"    // nothing there (404)
	EUNAUTHORIZED = "unauthorized" // not signed in or wrong credentials (401)
	ETOOLARGE     = "too_large"    // a body or an upload is over its limit (413)
	ETOOMANY      = "too_many"     // rate limited (429)
	EUNSUPPORTED  = "unsupported"  // a media type we do not take (415)
	EFULL         = "storage_full" // the disk (or the database's cap) is full: nothing was written (507)
	EGONE         = "gone"         // it was here and was deleted for good (410)
)

// Error is a domain error: a code and a message that is safe to show to the user.
type Error struct {
	Code    string
	Message string
	// RetryAfter, when set on an ETOOMANY error, is how long the client
	// should wait before trying again (the Retry-After header).
	RetryAfter time.Duration
}

func (e *Error) Error() string { return fmt.Sprintf("shiji: %s: %s", e.Code, e.Message) }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// TooMany returns an ETOOMANY error that asks the client to wait after
// before trying again.
func TooMany(after time.Duration, format string, args ...any) *Error {
	return &Error{Code: ETOOMANY, Message: fmt.Sprintf(format, args...), RetryAfter: after}
}

// RetryAfter returns how long err asks the client to wait, or 0.
func RetryAfter(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	case diskFull(err):
		return EFULL
	default:
		return EINTERNAL
	}
}

// FullMessage is what a write refused for lack of space says.
const FullMessage = "The market's storage is full, so nothing was saved. Please try again later; the organiser has been told."

// diskFull reports whether err is the file system saying it has no room.
func diskFull(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

// ErrorMessage returns the user-safe message of err: the message of its *Error,
// or a generic message for internal errors.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	if diskFull(err) {
		return FullMessage
	}
	return "Something went wrong on our side."
}
