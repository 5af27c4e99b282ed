package app

import (
	"context"
	"strings"
	"time"

	"github.com/shiji-market/shiji/node"
)

// Session lifetimes.
const (
	WebSessionTTL = 30 * 24 * time.Hour
	APISessionTTL = 90 * 24 * time.Hour
)

// AddAccount creates an account with any role (the command line's `user add`,
// run by whoever holds the server). Errors: EINVALID, ECONFLICT.
func (a *App) AddAccount(ctx context.Context, name string, role node.Role, password string) (*node.Account, error) {
	name = strings.TrimSpace(name)
	if err := node.ValidateName(name); err != nil {
		return nil, err
	}
	if err := node.ValidatePassword(password, name); err != nil {
		return nil, err
	}
	acc := &node.Account{Name: name, Role: role}
	if err := a.DB.CreateAccount(ctx, acc, HashPassword(password), ""); err != nil {
		return nil, err
	}
	return acc, nil
}

// SignUpInput is what a person types into the sign-up form.
type SignUpInput struct {
	Name, DisplayName, Password, Invite, Lang string
	// Answer is the answer to the market's sign-up question, if it asks one
	// (SignupProtection); people with an invitation need none.
	Answer string
}

// SignUp creates a resident account (or the invitation's role) as the market's
// sign-up mode allows. Without an invitation the sign-up protection applies:
// a wrong answer to the sign-up question is EINVALID, and when the organiser
// approves new accounts the account is made Pending (it cannot log in until
// a moderator approves it). Errors: EFORBIDDEN when sign-up is closed or
// needs an invitation, EINVALID, ECONFLICT, ENOTFOUND for an unknown
// invitation.
func (a *App) SignUp(ctx context.Context, in SignUpInput) (*node.Account, error) {
	m, err := a.DB.Market(ctx)
	if err != nil {
		return nil, err
	}
	in.Name, in.Invite = strings.TrimSpace(in.Name), strings.TrimSpace(in.Invite)
	switch {
	case m.Signup == node.SignupClosed && in.Invite == "":
		return nil, node.Errorf(node.EFORBIDDEN, "Sign-up is closed in this market.")
	case m.Signup == node.SignupInvite && in.Invite == "":
		return nil, node.Errorf(node.EFORBIDDEN, "This market is invite-only: you need an invitation code to sign up.")
	}
	if err := node.ValidateName(in.Name); err != nil {
		return nil, err
	}
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	if err := node.ValidateDisplayName(in.DisplayName); err != nil {
		return nil, err
	}
	if err := node.ValidatePassword(in.Password, in.Name); err != nil {
		return nil, err
	}
	acc := &node.Account{Name: in.Name, DisplayName: in.DisplayName, Role: node.RoleResident, Lang: normLang(in.Lang)}
	if in.Invite == "" {
		return a.signUpProtected(ctx, acc, in)
	}
	if err := a.DB.CreateAccount(ctx, acc, HashPassword(in.Password), in.Invite); err != nil {
		return nil, err
	}
	return acc, nil
}

// LogIn checks a name and password. A wrong name or password is EUNAUTHORIZED
// with the same message and about the same time.
func (a *App) LogIn(ctx context.Context, name, password string) (*node.Account, error) {
	acc, hash, err := a.DB.AccountByName(ctx, strings.TrimSpace(name))
	if node.ErrorCode(err) == node.ENOTFOUND {
		return nil, a.logInPending(ctx, strings.TrimSpace(name), password)
	} else if err != nil {
		return nil, err
	}
	if !CheckPassword(hash, password) {
		return nil, node.Errorf(node.EUNAUTHORIZED, "Wrong name or password.")
	}
	return acc, nil
}

// StartSession creates a session of kind "web" or "api" for acc and returns its token.
func (a *App) StartSession(ctx context.Context, acc *node.Account, kind, userAgent string) (string, error) {
	ttl := WebSessionTTL
	if kind == "api" {
		ttl = APISessionTTL
	}
	token := NewToken(32)
	if err := a.DB.CreateSession(ctx, token, acc.ID, kind, ttl, userAgent); err != nil {
		return "", err
	}
	return token, nil
}

// UpdateProfile changes the signed-in account's display name and language.
func (a *App) UpdateProfile(ctx context.Context, acc *node.Account, displayName, lang string) error {
	displayName = strings.TrimSpace(displayName)
	if err := node.ValidateDisplayName(displayName); err != nil {
		return err
	}
	return a.DB.UpdateAccountProfile(ctx, acc.ID, displayName, normLang(lang))
}

// normLang is l spelt as shiji spells its languages, any other valid tag
// as it is (an organiser's language), "" for anything else.
func normLang(l string) string {
	for _, x := range node.Languages {
		if strings.EqualFold(l, x) {
			return x
		}
	}
	if node.ValidLanguageTag(l) {
		return l
	}
	return ""
}

// InvitationTTL is how long an invitation stays usable.
const InvitationTTL = 14 * 24 * time.Hour

// Invite creates an invitation for role. Organisers may invite any role but
// organiser; moderators may invite stallholders and residents. EFORBIDDEN otherwise.
func (a *App) Invite(ctx context.Context, by *node.Account, role node.Role) (*node.Invitation, error) {
	switch {
	case by == nil || !by.Role.Moderates():
		return nil, node.Errorf(node.EFORBIDDEN, "Only the organiser and moderators can invite people.")
	case role == node.RoleOrganiser:
		return nil, node.Errorf(node.EINVALID, "Organisers are added on the server with `shiji user add`.")
	case role == node.RoleModerator && by.Role != node.RoleOrganiser:
		return nil, node.Errorf(node.EFORBIDDEN, "Only the organiser can invite moderators.")
	}
	now := a.Now()
	inv := &node.Invitation{Code: NewToken(10), Role: role, CreatedBy: by.ID, CreatedAt: now, ExpiresAt: now.Add(InvitationTTL)}
	if err := a.DB.CreateInvitation(ctx, inv); err != nil {
		return nil, err
	}
	return inv, nil
}

// SetSignupMode lets the organiser open, restrict or close sign-up.
func (a *App) SetSignupMode(ctx context.Context, by *node.Account, mode string) error {
	if by == nil || by.Role != node.RoleOrganiser {
		return node.Errorf(node.EFORBIDDEN, "Only the organiser can change who may sign up.")
	}
	m, err := node.ParseSignupMode(mode)
	if err != nil {
		return err
	}
	return a.DB.SetSignupMode(ctx, m)
}
