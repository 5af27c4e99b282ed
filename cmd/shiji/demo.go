package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/data/demo"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
)

const demoUsage = `Usage: shiji demo [--data DIR] [--stalls N] [--items N] [--seed S]

Fills an empty database with a demo market: alleys on a floor plan, stalls
and their stallholders, items with stories in Chinese and English, and
photos drawn on the spot. The same seed and sizes give the same market
(its items are listed over the year before the current hour).

It also creates the account "organiser" with a random password, printed once
at the end. The demo stallholders cannot log in.

It refuses, changing nothing, when the database already holds a market or
any account.

Environment:
  SHIJI_DATA   the data directory (default ./var), as --data
`

func demoCmd(ctx context.Context, args []string, e env) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	dataDir := fs.String("data", "", "data directory (env SHIJI_DATA, default ./var)")
	stalls := fs.Int("stalls", demo.DefaultStalls, fmt.Sprintf("number of stalls, 1 to %d", demo.MaxStalls))
	items := fs.Int("items", 0, fmt.Sprintf("number of items, at least one per stall and at most %d (default 10 × stalls)", demo.MaxItems))
	seed := fs.Uint64("seed", demo.DefaultSeed, "seed: the same seed gives the same market")
	if err := parseFlags(fs, args, e, demoUsage); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "shiji: demo takes no arguments, got %q\n\n%s", fs.Args(), demoUsage)
		return errUsage
	}
	itemsSet := false
	fs.Visit(func(f *flag.Flag) { itemsSet = itemsSet || f.Name == "items" })
	if !itemsSet {
		*items = min(10**stalls, demo.MaxItems)
	}
	if err := demo.CheckSize(*stalls, *items); err != nil {
		return errors.New(node.ErrorMessage(err))
	}
	dir := firstNonEmpty(*dataDir, e.getenv("SHIJI_DATA"), "./var")
	opt := demo.Options{Stalls: *stalls, Items: *items, Seed: *seed}

	db, err := data.Open(ctx, filepath.Join(dir, "shiji.db"), time.Now)
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	bar := &progressBar{w: e.stderr}
	password, sum, err := loadDemo(ctx, db, dir, opt, bar.update)
	bar.finish()
	if err != nil {
		if node.ErrorCode(err) != node.EINTERNAL {
			return errors.New(node.ErrorMessage(err))
		}
		return err
	}
	fmt.Fprintf(e.stdout, "shiji: loaded the demo market into %s in %s\n", dir, time.Since(start).Round(10*time.Millisecond))
	fmt.Fprintf(e.stdout, "  %d alleys on a %d×%d floor plan\n", sum.Alleys, sum.PlanW, sum.PlanH)
	fmt.Fprintf(e.stdout, "  %d stalls (%d open today), %d accounts\n", sum.Stalls, sum.OpenToday, sum.Accounts)
	fmt.Fprintf(e.stdout, "  %d items (%d available), listed since %s\n", sum.Items, sum.Available, sum.ItemsSince.Format("2006-01-02"))
	fmt.Fprintf(e.stdout, "  %d photos sharing %d drawn pictures\n", sum.Photos, sum.Pictures)
	fmt.Fprintf(e.stdout, "shiji: log in as %s with password %s\n", sum.Organiser, password)
	return nil
}

// loadDemo loads the demo market with a new random organiser password into
// db, whose data directory is dir, and returns the password.
func loadDemo(ctx context.Context, db *data.DB, dir string, opt demo.Options, progress func(string, int, int)) (string, demo.Summary, error) {
	password := randomPassword()
	opt.OrganiserHash = app.HashPassword(password)
	opt.MediaDir = filepath.Join(dir, "media")
	opt.Progress = progress
	sum, err := demo.Load(ctx, db, opt)
	return password, sum, err
}

// loadDefaultDemo loads the demo market of `serve --demo`: the default size
// and seed.
func loadDefaultDemo(ctx context.Context, db *data.DB, dir string) (string, demo.Summary, error) {
	opt := demo.Options{Stalls: demo.DefaultStalls, Items: demo.DefaultItems, Seed: demo.DefaultSeed}
	return loadDemo(ctx, db, dir, opt, nil)
}

// randomPassword returns a password such as "k7mq-x2vd-9rtp-h4ne": about 79
// bits, easy to type.
func randomPassword() string {
	const letters = "abcdefghjkmnpqrstuvwxyz23456789"
	b := make([]byte, 16)
	rand.Read(b)
	var sb strings.Builder
	for i, c := range b {
		if i > 0 && i%4 == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(letters[int(c)%len(letters)])
	}
	return sb.String()
}

// progressBar draws "[#####.....]  42% items 42000/100000" on one line,
// at most every 100 ms, and at the start and end of each stage.
type progressBar struct {
	w      io.Writer
	last   time.Time
	stage  string
	drawn  bool
	output int
}

func (p *progressBar) update(stage string, done, total int) {
	now := time.Now()
	if stage == p.stage && done < total && now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	p.stage, p.last = stage, now
	pct := 100 * done / max(total, 1)
	const width = 30
	n := width * done / max(total, 1)
	line := fmt.Sprintf("[%s%s] %3d%% %s %d/%d", strings.Repeat("#", n), strings.Repeat(".", width-n), pct, stage, done, total)
	pad := ""
	if len(line) < p.output {
		pad = strings.Repeat(" ", p.output-len(line))
	}
	fmt.Fprintf(p.w, "\r%s%s", line, pad)
	p.output = len(line)
	p.drawn = true
}

// finish ends the bar's line.
func (p *progressBar) finish() {
	if p.drawn {
		fmt.Fprintln(p.w)
	}
}
