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
//
// Message is in English. Format and Args are what Errorf was given: the
// format is also the message's id in the catalogues (node/i18n), so the web
// layer shows the message in the reader's language.
type Error struct {
	Code    string
	Message string
	Format  string
	Args    []any
	// RetryAfter, when set on an ETOOMANY error, is how long the client
	// should wait before trying again (the Retry-After header).
	RetryAfter time.Duration
}

func (e *Error) Error() string { return fmt.Sprintf("shiji: %s: %s", e.Code, e.Message) }

// Errorf returns an *Error with the given code and a formatted message.
// format must be a constant string: it is the message's id in the
// catalogues, which a test checks have it in every language. An argument
// that is a Word or an *Error is translated with the message; in Message
// an *Error argument stands for its own Message.
func Errorf(code, format string, args ...any) *Error {
	shown := args
	for i, a := range args {
		if e, ok := a.(*Error); ok {
			if &shown[0] == &args[0] {
				shown = append([]any(nil), args...)
			}
			shown[i] = e.Message
		}
	}
	return &Error{Code: code, Message: fmt.Sprintf(format, shown...), Format: format, Args: args}
}

// After sets how long the client should wait before trying again (an
// ETOOMANY error's Retry-After) and returns e.
func (e *Error) After(d time.Duration) *Error {
	e.RetryAfter = d
	return e
}

// RetryAfter returns how long err asks the client to wait, or 0.
func RetryAfter(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}

// Word is a word or phrase inside an error message that is translated with
// it: ID names it in the catalogues, English is what Message says.
type Word struct{ ID, English string }

// String is the English word.
func (w Word) String() string { return w.English }

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

// diskFull reports whether err is the file system saying it has no room.
func diskFull(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

// Full is the error of a write refused for lack of space; full wraps the
// cause, for the log.
func Full(cause error) error {
	return fmt.Errorf("%w (%w)", Errorf(EFULL, "The market's storage is full, so nothing was saved. Please try again later; the organiser has been told."), cause)
}

// ErrorMessage returns the user-safe message of err: the message of its *Error,
// or a generic message for internal errors.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	if diskFull(err) {
		return ErrorMessage(Full(err))
	}
	return "Something went wrong on our side."
}
