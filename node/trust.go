package node

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Session is a signed-in browser ("web") or an API token ("api") as its
// owner sees it in their list. ID is a short public name derived from the
// token's hash (the token itself is never stored).
type Session struct {
	ID         string
	Kind       string // web or api
	Label      string // an API token's name, if given
	UserAgent  string
	CreatedAt  time.Time
	LastUsedAt time.Time // zero: not used since it was made
	ExpiresAt  time.Time
	Current    bool // the session making the request
}

// Limits of sign-up protection.
const (
	MaxSignupQuestionLen = 300
	MaxSignupAnswers     = 20
	MaxSignupAnswerLen   = 100
)

// SignupProtection is how an open market keeps strangers' scripts out: new
// accounts may wait for a moderator's approval, and sign-up may ask a
// question only locals can answer (any of Answers is right).
type SignupProtection struct {
	Approval bool
	Question string
	Answers  []string
}

// Validate trims and checks the protection before it is stored: a question
// needs at least one answer, answers need a question. EINVALID otherwise.
func (p *SignupProtection) Validate() error {
	p.Question = strings.TrimSpace(p.Question)
	if n := utf8.RuneCountInString(p.Question); n > MaxSignupQuestionLen {
		return Errorf(EINVALID, "The sign-up question may be at most %d characters long (this one has %d).", MaxSignupQuestionLen, n)
	}
	var answers []string
	seen := map[string]bool{}
	for _, a := range p.Answers {
		a = strings.TrimSpace(a)
		if a == "" || seen[foldAnswer(a)] {
			continue
		}
		if n := utf8.RuneCountInString(a); n > MaxSignupAnswerLen {
			return Errorf(EINVALID, "An answer may be at most %d characters long.", MaxSignupAnswerLen)
		}
		seen[foldAnswer(a)] = true
		answers = append(answers, a)
	}
	if len(answers) > MaxSignupAnswers {
		return Errorf(EINVALID, "Give at most %d accepted answers.", MaxSignupAnswers)
	}
	switch {
	case p.Question != "" && len(answers) == 0:
		return Errorf(EINVALID, "Give at least one accepted answer to the sign-up question (one per line).")
	case p.Question == "" && len(answers) > 0:
		return Errorf(EINVALID, "Write the question the accepted answers belong to.")
	}
	p.Answers = answers
	return nil
}

// Accepts reports whether answer is one of the accepted answers, compared
// without case, spaces or punctuation (so "Old Li's bakery" = "old lis bakery").
// Without a question every answer is accepted.
func (p *SignupProtection) Accepts(answer string) bool {
	if p.Question == "" {
		return true
	}
	got := foldAnswer(answer)
	if got == "" {
		return false
	}
	for _, a := range p.Answers {
		if foldAnswer(a) == got {
			return true
		}
	}
	return false
}

func foldAnswer(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// PendingAccount is a sign-up waiting for a moderator's approval.
type PendingAccount struct {
	ID          AccountID
	Name        string
	DisplayName string
	Answer      string // their answer to the sign-up question
	CreatedAt   time.Time
}
