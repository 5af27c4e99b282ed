package app

import (
	"context"
	"strings"

	"github.com/shiji-market/shiji/node"
)

// signUpProtected creates acc for a sign-up without an invitation, as the
// sign-up protection says: the question must be answered, and with approval
// on, the account waits (Pending).
func (a *App) signUpProtected(ctx context.Context, acc *node.Account, in SignUpInput) (*node.Account, error) {
	p, err := a.DB.SignupProtection(ctx)
	if err != nil {
		return nil, err
	}
	if !p.Accepts(in.Answer) {
		if in.Answer == "" {
			return nil, node.Errorf(node.EINVALID, "Please answer the market's question: %s", p.Question)
		}
		return nil, node.Errorf(node.EINVALID, "That is not the answer the market expects. Ask someone at the market, or ask for an invitation.")
	}
	if !p.Approval {
		if err := a.DB.CreateAccount(ctx, acc, HashPassword(in.Password), ""); err != nil {
			return nil, err
		}
		return acc, nil
	}
	if err := a.DB.CreatePendingAccount(ctx, acc, HashPassword(in.Password), truncateRunes(strings.TrimSpace(in.Answer), node.MaxSignupAnswerLen)); err != nil {
		return nil, err
	}
	acc.Pending = true
	return acc, nil
}

// logInPending is LogIn's answer for a name without an active account: a
// pending sign-up with the right password is told it waits (EFORBIDDEN);
// anything else is the usual EUNAUTHORIZED, after as long as a real check.
func (a *App) logInPending(ctx context.Context, name, password string) error {
	hash, err := a.DB.PendingAccountHash(ctx, name)
	switch {
	case node.ErrorCode(err) == node.ENOTFOUND:
		CheckPassword(dummyHash, password)
	case err != nil:
		return err
	case CheckPassword(hash, password):
		return node.Errorf(node.EFORBIDDEN, "Your sign-up is waiting for a moderator's approval; you can log in once it is approved.")
	}
	return node.Errorf(node.EUNAUTHORIZED, "Wrong name or password.")
}

// SignupProtection returns the market's sign-up protection; the organiser
// and moderators may read it (EFORBIDDEN otherwise).
func (a *App) SignupProtection(ctx context.Context, by *node.Account) (*node.SignupProtection, error) {
	if by == nil || !by.Role.Moderates() {
		return nil, node.Errorf(node.EFORBIDDEN, "Only the organiser and moderators can see the sign-up protection.")
	}
	return a.DB.SignupProtection(ctx)
}

// PublicSignupQuestion is the question the sign-up form asks ("" = none).
func (a *App) PublicSignupQuestion(ctx context.Context) (string, error) {
	p, err := a.DB.SignupProtection(ctx)
	if err != nil {
		return "", err
	}
	return p.Question, nil
}

// SetSignupProtection lets the organiser require approval of new accounts
// and set the question only locals can answer. EFORBIDDEN for anyone else,
// EINVALID for a bad question or answers.
func (a *App) SetSignupProtection(ctx context.Context, by *node.Account, p *node.SignupProtection) error {
	if by == nil || by.Role != node.RoleOrganiser {
		return node.Errorf(node.EFORBIDDEN, "Only the organiser can change who may sign up.")
	}
	return a.DB.SetSignupProtection(ctx, p)
}

// PendingAccounts is the queue of sign-ups waiting for approval, for the
// organiser and moderators (EFORBIDDEN otherwise).
func (a *App) PendingAccounts(ctx context.Context, by *node.Account) ([]*node.PendingAccount, error) {
	if by == nil || !by.Role.Moderates() {
		return nil, node.Errorf(node.EFORBIDDEN, "Only the organiser and moderators can see the sign-ups waiting.")
	}
	return a.DB.PendingAccounts(ctx)
}

// AnswerSignup approves or rejects a waiting sign-up (organiser and
// moderators). ENOTFOUND when it is not waiting (answered already).
func (a *App) AnswerSignup(ctx context.Context, by *node.Account, id node.AccountID, approve bool) (*node.PendingAccount, error) {
	if by == nil || !by.Role.Moderates() {
		return nil, node.Errorf(node.EFORBIDDEN, "Only the organiser and moderators can approve sign-ups.")
	}
	return a.DB.AnswerPendingAccount(ctx, id, approve)
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}
