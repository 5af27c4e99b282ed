package app

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/shiji-market/shiji/node"
)

// Sessions lists acc's signed-in browsers and API tokens; the one of
// currentToken is marked.
func (a *App) Sessions(ctx context.Context, acc *node.Account, currentToken string) ([]*node.Session, error) {
	if acc == nil {
		return nil, node.Errorf(node.EUNAUTHORIZED, "Please log in first.")
	}
	return a.DB.Sessions(ctx, acc.ID, currentToken)
}

// EndSession logs acc out of one of their sessions or revokes one of their
// API tokens, by its public id; ENOTFOUND for anyone else's.
func (a *App) EndSession(ctx context.Context, acc *node.Account, id string) error {
	if acc == nil {
		return node.Errorf(node.EUNAUTHORIZED, "Please log in first.")
	}
	return a.DB.EndSession(ctx, acc.ID, id)
}

// EndOtherSessions logs acc out everywhere but the session of keepToken
// ("" = everywhere) and revokes their other API tokens; it returns how many
// it ended.
func (a *App) EndOtherSessions(ctx context.Context, acc *node.Account, keepToken string) (int, error) {
	if acc == nil {
		return 0, node.Errorf(node.EUNAUTHORIZED, "Please log in first.")
	}
	return a.DB.EndOtherSessions(ctx, acc.ID, keepToken)
}

// ChangePassword sets acc's password after checking the current one, and
// ends every other session and API token of theirs (someone who knew the old
// password is logged out). keepToken is the session making the change.
// Errors: EFORBIDDEN for a wrong current password, EINVALID for a weak
// new one.
func (a *App) ChangePassword(ctx context.Context, acc *node.Account, current, next, keepToken string) (ended int, err error) {
	if acc == nil {
		return 0, node.Errorf(node.EUNAUTHORIZED, "Please log in first.")
	}
	hash, err := a.DB.PasswordHash(ctx, acc.ID)
	if err != nil {
		return 0, err
	}
	if !CheckPassword(hash, current) {
		return 0, node.Errorf(node.EFORBIDDEN, "The current password is not right; nothing changed.")
	}
	if err := node.ValidatePassword(next, acc.Name); err != nil {
		return 0, err
	}
	if next == current {
		return 0, node.Errorf(node.EINVALID, "The new password is the same as the current one.")
	}
	return a.DB.SetPassword(ctx, acc.ID, HashPassword(next), keepToken)
}

// MaxTokenLabel is how long an API token's name may be.
const MaxTokenLabel = 60

// LabelToken names the API token token (so its owner knows it in the list).
func (a *App) LabelToken(ctx context.Context, token, label string) error {
	label = strings.TrimSpace(label)
	if utf8.RuneCountInString(label) > MaxTokenLabel {
		return node.Errorf(node.EINVALID, "A token's name may be at most %d characters long.", MaxTokenLabel)
	}
	if label == "" {
		return nil
	}
	return a.DB.LabelSession(ctx, token, label)
}
