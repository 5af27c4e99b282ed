package i18n

import (
	"errors"
	"fmt"

	"github.com/shiji-market/shiji/node"
)

// Error returns err's message in the localizer's language: a *node.Error's
// format is its id in the catalogues (locales/errors.LANG.json), its Word
// and *node.Error arguments are translated too. An internal error (or any
// error that is not a *node.Error) is the generic error.500.body, so that
// nothing internal leaks; a message the catalogues lack is the English one.
func (l *Localizer) Error(err error) string {
	var e *node.Error
	if err == nil {
		return ""
	}
	if !errors.As(err, &e) || e.Code == node.EINTERNAL {
		return l.T("error.500.body")
	}
	if e.Format == "" {
		return e.Message
	}
	format, ok := l.lookup(e.Format)
	if !ok {
		return e.Message
	}
	args := make([]any, len(e.Args))
	for i, a := range e.Args {
		switch v := a.(type) {
		case node.Word:
			if w, ok := l.lookup(v.ID); ok {
				args[i] = w
			} else {
				args[i] = v.English
			}
		case *node.Error:
			args[i] = l.Error(v)
		default:
			args[i] = a
		}
	}
	return fmt.Sprintf(format, args...)
}

// lookup returns the message id without template data, and whether the
// catalogue has it.
func (l *Localizer) lookup(id string) (string, bool) {
	m := l.msgs[id]
	if m == nil || m.Other == "" {
		return "", false
	}
	return fill(m.Other, nil), true
}
