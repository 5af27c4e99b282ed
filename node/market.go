package node

import (
	"regexp"
	"slices"
	"strings"
	"time"
)

var languageTag = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)

// Text is a text in several languages, keyed by BCP 47 tag ("zh-Hans", "en").
type Text map[string]string

// In returns the text in lang, else in the first language of fallbacks that has
// it, else any non-empty translation (in a stable order), else "".
func (t Text) In(lang string, fallbacks ...string) string {
	if s := t[lang]; s != "" {
		return s
	}
	for _, l := range fallbacks {
		if s := t[l]; s != "" {
			return s
		}
	}
	for _, l := range Languages {
		if s := t[l]; s != "" {
			return s
		}
	}
	return ""
}

// Languages are the UI languages shiji ships, the default first.
var Languages = []string{"zh-Hans", "en", "zh-Hant"}

// ValidLanguageTag reports whether s looks like a BCP 47 language tag
// ("en", "zh-Hant", "pt-BR"): an organiser may add languages.
func ValidLanguageTag(s string) bool { return languageTag.MatchString(s) }

// Market is the one market a node runs.
type Market struct {
	Name        Text
	City        Text
	Description Text // Markdown
	Opening     Text // when it is open, in words ("Saturdays 8:00–13:00")
	Timezone    string
	Currency    string // ISO 4217: the default currency of new items
	Languages   []string
	Signup      SignupMode
	Configured  bool // false until an organiser (or --demo) has named it
	Demo        bool // the demo market (`serve --demo`): every page says so
	UpdatedAt   time.Time
}

// Location returns the market's time zone, UTC when it is unknown.
func (m *Market) Location() *time.Location {
	if loc, err := time.LoadLocation(m.Timezone); err == nil {
		return loc
	}
	return time.UTC
}

// ValidateMarket checks the market's facts before they are stored.
func ValidateMarket(m *Market) error {
	if strings.TrimSpace(m.Name.In("en")) == "" {
		return Errorf(EINVALID, "The market needs a name.")
	}
	for _, v := range m.Name {
		if len([]rune(v)) > 80 {
			return Errorf(EINVALID, "A market name may be at most 80 characters long.")
		}
	}
	if _, err := time.LoadLocation(m.Timezone); err != nil || m.Timezone == "" {
		return Errorf(EINVALID, "Unknown time zone %q (use a name such as Asia/Shanghai).", m.Timezone)
	}
	if m.Currency == "" {
		m.Currency = "CNY"
	}
	if _, ok := CurrencyExponent(m.Currency); !ok {
		return Errorf(EINVALID, "Unknown currency %q: use an ISO 4217 code such as CNY, EUR or USD.", m.Currency)
	}
	if len(m.Languages) == 0 {
		m.Languages = slices.Clone(Languages)
	}
	for _, l := range m.Languages {
		if !slices.Contains(Languages, l) && !languageTag.MatchString(l) {
			return Errorf(EINVALID, "%q is not a language tag such as zh-Hans or en.", l)
		}
	}
	if _, err := ParseSignupMode(string(m.Signup)); err != nil {
		return err
	}
	return nil
}

// InstanceInfo is what the organiser tells other servers and visitors about
// the node: its rules and whom to contact (/api/v1/instance, NodeInfo).
type InstanceInfo struct {
	Rules          []string
	ContactEmail   string
	ContactAccount string // an account name here, "" for none
}

// Limits of the instance information.
const (
	MaxRules   = 30
	MaxRuleLen = 300
)

// Validate trims the rules (dropping empty ones) and checks the limits and
// the e-mail address's shape; EINVALID names what is wrong.
func (in *InstanceInfo) Validate() error {
	var rules []string
	for _, r := range in.Rules {
		if r = strings.TrimSpace(r); r == "" {
			continue
		}
		if n := len([]rune(r)); n > MaxRuleLen {
			return Errorf(EINVALID, "A rule may be at most %d characters long (one has %d).", MaxRuleLen, n)
		}
		rules = append(rules, r)
	}
	if len(rules) > MaxRules {
		return Errorf(EINVALID, "At most %d rules.", MaxRules)
	}
	in.Rules = rules
	in.ContactEmail = strings.TrimSpace(in.ContactEmail)
	if e := in.ContactEmail; e != "" {
		at := strings.LastIndex(e, "@")
		if at < 1 || at == len(e)-1 || len(e) > 200 || strings.ContainsAny(e, " <>\"\n") || !strings.Contains(e[at:], ".") {
			return Errorf(EINVALID, "%q is not an e-mail address.", e)
		}
	}
	in.ContactAccount = strings.TrimPrefix(strings.TrimSpace(in.ContactAccount), "@")
	return nil
}
