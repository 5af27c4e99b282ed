package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
)

const setupUsage = `Usage: shiji setup [--data DIR] [--organiser NAME] [--name [LANG=]TEXT]... [--city [LANG=]TEXT]...
                   [--opening [LANG=]TEXT]... [--languages zh-Hans,en] [--timezone ZONE] [--currency CODE]
                   [--alleys flowers,vintage,SLUG=Name,...] [--days 'sat 08:00-13:00,fri 18:00-23:00 Night market']
                   [--date '2026-12-24 18:00-22:00 Christmas market']... [--signup open|invite|closed]

First-run setup from the command line, as the web page /setup does it: the
market's name and city in its languages, time zone and currency, opening
hours, its first alleys and market days, and who may sign up. What is not
given stays as it is, so running it again with the same flags changes nothing.
Without flags it prints what setup still lacks.

A market without an organiser needs --organiser NAME: that account is created
with the password read from standard input (one line), e.g.
  echo 'a long secret phrase' | shiji setup --organiser mei --name zh-Hans=梧桐里市集 \
      --name en='Wutong Lane Market' --timezone Asia/Shanghai --alleys flowers,books --days 'sat 08:00-13:00'

--name, --city and --opening take LANG=TEXT (repeat them for each language);
without LANG= the text is in the market's main language. --alleys takes the
suggested alleys (` + "flowers, vintage, food, crafts, books, plants, inventors, kids" + `) and
your own as SLUG=Name. --days replaces the weekly market days ("none" removes
them); --date adds a one-off market day.

Environment:
  SHIJI_DATA   the data directory (default ./var), as --data
`

// texts is a repeatable LANG=TEXT flag.
type texts []string

func (t *texts) String() string     { return strings.Join(*t, ", ") }
func (t *texts) Set(v string) error { *t = append(*t, v); return nil }

var langPrefix = regexp.MustCompile(`^([a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*)=(.*)$`)

// text reads LANG=TEXT flags; main is the language of plain TEXT.
func (t texts) text(main string) node.Text {
	if len(t) == 0 {
		return nil
	}
	out := node.Text{}
	for _, v := range t {
		if m := langPrefix.FindStringSubmatch(v); m != nil {
			out[m[1]] = m[2]
		} else {
			out[main] = v
		}
	}
	return out
}

func setupCmd(ctx context.Context, args []string, e env) error {
	fs := flag.NewFlagSet("setup", flag.ContinueOnError)
	dataDir := fs.String("data", "", "data directory (env SHIJI_DATA, default ./var)")
	organiser := fs.String("organiser", "", "create this organiser account when there is none (password on standard input)")
	var name, city, opening, dates texts
	fs.Var(&name, "name", "the market's name, [LANG=]TEXT (repeatable)")
	fs.Var(&city, "city", "its city, [LANG=]TEXT (repeatable)")
	fs.Var(&opening, "opening", "its opening hours in words, [LANG=]TEXT (repeatable)")
	fs.Var(&dates, "date", "a one-off market day, 'YYYY-MM-DD HH:MM-HH:MM [name]' (repeatable)")
	languages := fs.String("languages", "", "the market's languages, its main one first, e.g. zh-Hans,en")
	timezone := fs.String("timezone", "", "its time zone, e.g. Asia/Shanghai")
	currency := fs.String("currency", "", "its currency (ISO 4217), e.g. CNY")
	alleys := fs.String("alleys", "", "alleys to add: suggested short names or SLUG=Name, comma-separated")
	days := fs.String("days", "", "the weekly market days, e.g. 'sat 08:00-13:00,fri 18:00-23:00 Night market', or none")
	signup := fs.String("signup", "", "who may sign up: open, invite or closed")
	if err := parseFlags(fs, args, e, setupUsage); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "shiji: setup takes no arguments, got %q\n\n%s", fs.Args(), setupUsage)
		return errUsage
	}
	dir := firstNonEmpty(*dataDir, e.getenv("SHIJI_DATA"), "./var")
	db, err := data.Open(ctx, filepath.Join(dir, "shiji.db"), time.Now)
	if err != nil {
		return err
	}
	defer db.Close()
	a := app.New(db, time.Now)
	m, err := db.Market(ctx)
	if err != nil {
		return err
	}
	in := app.SetupInput{Timezone: *timezone, Currency: *currency, Signup: *signup}
	if *languages != "" {
		for _, l := range strings.Split(*languages, ",") {
			if l = strings.TrimSpace(l); l != "" {
				in.Languages = append(in.Languages, l)
			}
		}
	}
	main := m.Languages[0]
	if len(in.Languages) > 0 {
		main = in.Languages[0]
	}
	in.Name, in.City, in.Opening = name.text(main), city.text(main), opening.text(main)
	if err := parseAlleys(&in, *alleys, main); err != nil {
		return cliError(err)
	}
	if *days != "" {
		in.SetWeekly = true
		if in.Weekly, err = parseWeekly(*days); err != nil {
			return cliError(err)
		}
	}
	for _, d := range dates {
		r, err := parseDateRule(d)
		if err != nil {
			return cliError(err)
		}
		in.Dates = append(in.Dates, r)
	}
	changes := false
	fs.Visit(func(f *flag.Flag) { changes = changes || f.Name != "data" })
	acc, err := db.FirstOrganiser(ctx)
	switch {
	case node.ErrorCode(err) == node.ENOTFOUND && *organiser != "":
		password, rerr := bufio.NewReader(e.stdin).ReadString('\n')
		if rerr != nil && password == "" {
			return errors.New("no password on standard input for the organiser: pipe one line, e.g. echo 'a long secret phrase' | shiji setup --organiser NAME")
		}
		password = strings.TrimRight(password, "\r\n")
		if err := node.ValidateName(*organiser); err != nil {
			return cliError(err)
		}
		if err := node.ValidatePassword(password, *organiser); err != nil {
			return cliError(err)
		}
		// Setup first, so that bad flags change nothing; then the account.
		if _, err := a.Setup(ctx, &node.Account{Name: *organiser, Role: node.RoleOrganiser}, in); err != nil {
			return cliError(err)
		}
		if _, err := a.AddAccount(ctx, *organiser, node.RoleOrganiser, password); err != nil {
			return cliError(err)
		}
		fmt.Fprintf(e.stdout, "shiji: created the organiser %s\n", *organiser)
	case node.ErrorCode(err) == node.ENOTFOUND && changes:
		return errors.New("this market has no organiser yet: add --organiser NAME (its password on standard input)")
	case err != nil && node.ErrorCode(err) != node.ENOTFOUND:
		return err
	case changes:
		if *organiser != "" && acc.Name != *organiser {
			fmt.Fprintf(e.stderr, "shiji: the market already has an organiser (%s); --organiser %s is ignored\n", acc.Name, *organiser)
		}
		made, err := a.Setup(ctx, acc, in)
		if err != nil {
			return cliError(err)
		}
		for _, al := range made {
			fmt.Fprintf(e.stdout, "shiji: added the alley %s\n", al.Slug)
		}
	}
	return printSetupState(ctx, a, e)
}

func printSetupState(ctx context.Context, a *app.App, e env) error {
	st, err := a.SetupState(ctx)
	if err != nil {
		return err
	}
	if st.Done() {
		fmt.Fprintln(e.stdout, "shiji: the market is set up")
		return nil
	}
	var missing []string
	for _, p := range []struct {
		done bool
		what string
	}{{st.Organiser, "an organiser (--organiser NAME)"}, {st.Named, "a name (--name)"},
		{st.Alleys, "an alley (--alleys)"}, {st.Days, "market days (--days or --date)"}} {
		if !p.done {
			missing = append(missing, p.what)
		}
	}
	fmt.Fprintf(e.stdout, "shiji: until it has %s, the market tells residents it opens soon\n", strings.Join(missing, ", "))
	return nil
}

func parseAlleys(in *app.SetupInput, list, main string) error {
	suggested := node.SuggestedAlleys()
	for _, v := range strings.Split(list, ",") {
		if v = strings.TrimSpace(v); v == "" {
			continue
		}
		slug, label, custom := strings.Cut(v, "=")
		if i := slices.IndexFunc(suggested, func(a node.Alley) bool { return a.Slug == slug }); i >= 0 && !custom {
			in.Alleys = append(in.Alleys, suggested[i])
			continue
		}
		if !custom {
			return node.Errorf(node.EINVALID, "%q is not a suggested alley; give your own as SLUG=Name.", slug)
		}
		in.Alleys = append(in.Alleys, node.Alley{Slug: slug, Name: node.Text{main: label, "en": label}})
	}
	return nil
}

// parseWeekly reads "sat 08:00-13:00,fri 18:00-23:00 Night market".
func parseWeekly(s string) ([]node.WeeklyRule, error) {
	if strings.TrimSpace(s) == "none" {
		return nil, nil
	}
	var out []node.WeeklyRule
	for _, part := range strings.Split(s, ",") {
		f := strings.Fields(part)
		if len(f) < 2 {
			return nil, node.Errorf(node.EINVALID, "%q is not a market day: write it like sat 08:00-13:00.", part)
		}
		wd, err := node.ParseWeekday(f[0])
		if err != nil {
			return nil, err
		}
		h, err := parseSpan(f[1])
		if err != nil {
			return nil, err
		}
		out = append(out, node.WeeklyRule{Weekday: wd, Hours: h, Label: strings.Join(f[2:], " ")})
	}
	return out, nil
}

// parseDateRule reads "2026-12-24 18:00-22:00 Christmas market".
func parseDateRule(s string) (node.DateRule, error) {
	f := strings.Fields(s)
	if len(f) < 2 {
		return node.DateRule{}, node.Errorf(node.EINVALID, "%q is not a market day: write it like 2026-12-24 18:00-22:00.", s)
	}
	d, err := node.ParseDate(f[0])
	if err != nil {
		return node.DateRule{}, err
	}
	h, err := parseSpan(f[1])
	if err != nil {
		return node.DateRule{}, err
	}
	return node.DateRule{Date: d, Hours: h, Label: strings.Join(f[2:], " ")}, nil
}

func parseSpan(s string) (node.Hours, error) {
	start, end, ok := strings.Cut(s, "-")
	if !ok {
		return node.Hours{}, node.Errorf(node.EINVALID, "%q is not a market day: write it like sat 08:00-13:00.", s)
	}
	st, err := node.ParseClock(start)
	if err != nil {
		return node.Hours{}, err
	}
	en, err := node.ParseClock(end)
	if err != nil {
		return node.Hours{}, err
	}
	return node.Hours{Start: st, End: en}, nil
}
