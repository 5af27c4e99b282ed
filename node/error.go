// Package node holds shiji's domain: the market, its accounts, stalls, items and
// their rules. It imports only the standard library.
package node

import (
	"errors"
	"fmt"
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
)

// Error is a domain error: a code and a message that is safe to show to the user.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("shiji: %s: %s", e.Code, e.Message) }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
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
	default:
		return EINTERNAL
	}
}

// ErrorMessage returns the user-safe message of err: the message of its *Error,
// or a generic message for internal errors.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Something went wrong on our side."
}
