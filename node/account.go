package node

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// AccountID identifies a local account.
type AccountID int64

// Role is what an account may do in the market.
type Role string

// The roles, from most to least powerful.
const (
	RoleOrganiser   Role = "organiser"
	RoleModerator   Role = "moderator"
	RoleStallholder Role = "stallholder"
	RoleResident    Role = "resident"
)

// ParseRole returns the role named s, or EINVALID.
func ParseRole(s string) (Role, error) {
	switch r := Role(strings.ToLower(strings.TrimSpace(s))); r {
	case RoleOrganiser, RoleModerator, RoleStallholder, RoleResident:
		return r, nil
	}
	return "", Errorf(EINVALID, "Unknown role %q: use organiser, moderator, stallholder or resident.", s)
}

// Moderates reports whether the role may moderate (organisers and moderators).
func (r Role) Moderates() bool { return r == RoleOrganiser || r == RoleModerator }

// Account is a local person.
type Account struct {
	ID          AccountID
	Name        string // unique handle, [a-z0-9_], 2–30 characters
	DisplayName string
	Role        Role
	Lang        string // preferred UI language tag, "" = from the browser
	CreatedAt   time.Time
	// Pending: a sign-up that waits for a moderator's approval (it cannot
	// log in yet). Set only by the sign-up itself.
	Pending bool
}

// Shown is the name to show: the display name, or the handle.
func (a *Account) Shown() string {
	if a.DisplayName != "" {
		return a.DisplayName
	}
	return a.Name
}

// ValidateName checks an account handle: 2–30 characters of a–z, 0–9 and _,
// starting with a letter. It returns EINVALID with a readable message.
func ValidateName(name string) error {
	if n := utf8.RuneCountInString(name); n < 2 || n > 30 {
		return Errorf(EINVALID, "A name must be 2 to 30 characters long.")
	}
	for i, r := range name {
		ok := (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9' && i > 0) || (r == '_' && i > 0)
		if !ok {
			return Errorf(EINVALID, "A name may use only lowercase letters a–z, digits and _, and must start with a letter.")
		}
	}
	return nil
}

// ValidateDisplayName checks a display name: at most 60 characters, no control characters.
func ValidateDisplayName(s string) error {
	if utf8.RuneCountInString(s) > 60 {
		return Errorf(EINVALID, "A display name may be at most 60 characters long.")
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return Errorf(EINVALID, "A display name may not contain control characters.")
		}
	}
	return nil
}

// MinPasswordLen is the shortest password accepted.
const MinPasswordLen = 10

// ValidatePassword refuses empty, short, overlong and obviously weak passwords
// (the account's own name, a single repeated character, well-known ones).
func ValidatePassword(password, name string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case strings.TrimSpace(password) == "":
		return Errorf(EINVALID, "The password is empty.")
	case n < MinPasswordLen:
		return Errorf(EINVALID, "The password is too short: use at least %d characters.", MinPasswordLen)
	case len(password) > 256:
		return Errorf(EINVALID, "The password is too long: use at most 256 bytes.")
	}
	lower := strings.ToLower(password)
	if name != "" && strings.Contains(lower, strings.ToLower(name)) {
		return Errorf(EINVALID, "The password is too weak: it contains the account name.")
	}
	distinct := map[rune]bool{}
	for _, r := range lower {
		distinct[r] = true
	}
	if len(distinct) < 4 {
		return Errorf(EINVALID, "The password is too weak: use more different characters.")
	}
	for _, w := range weakPasswords {
		if lower == w {
			return Errorf(EINVALID, "The password is too weak: it is one of the most common passwords.")
		}
	}
	return nil
}

var weakPasswords = [...]string{
	"1234567890", "12345678910", "123456789a", "qwertyuiop", "password12", "password123",
	"1q2w3e4r5t", "qwerty1234", "iloveyou12", "abcdefghij", "0123456789", "a123456789",
	"passw0rd123", "administrator", "letmein123", "1qaz2wsx3edc", "qwertyuiop123", "abc1234567",
}

// SignupMode says who may create an account.
type SignupMode string

// Sign-up modes.
const (
	SignupOpen   SignupMode = "open"
	SignupInvite SignupMode = "invite"
	SignupClosed SignupMode = "closed"
)

// ParseSignupMode returns the mode named s, or EINVALID.
func ParseSignupMode(s string) (SignupMode, error) {
	switch m := SignupMode(s); m {
	case SignupOpen, SignupInvite, SignupClosed:
		return m, nil
	}
	return "", Errorf(EINVALID, "Unknown sign-up mode %q: use open, invite or closed.", s)
}

// Invitation lets someone sign up with a given role, once, before it expires.
type Invitation struct {
	Code      string
	Role      Role
	CreatedBy AccountID
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedBy    AccountID // 0 while unused
}

// Usable reports whether the invitation can still be used at now.
func (i *Invitation) Usable(now time.Time) error {
	if i.UsedBy != 0 {
		return Errorf(ECONFLICT, "This invitation has already been used.")
	}
	if !now.Before(i.ExpiresAt) {
		return Errorf(EINVALID, "This invitation has expired.")
	}
	return nil
}
