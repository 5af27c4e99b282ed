package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
)

const userUsage = `Usage: shiji user add NAME --role organiser|moderator|stallholder|resident [--data DIR]

Creates an account. The password is read from standard input (one line), e.g.
  echo 'a long secret phrase' | shiji user add mei --role organiser

Environment:
  SHIJI_DATA   the data directory (default ./var), as --data
`

func user(ctx context.Context, args []string, e env) error {
	if len(args) == 0 || args[0] != "add" {
		if len(args) > 0 && (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
			fmt.Fprint(e.stdout, userUsage)
			return nil
		}
		fmt.Fprint(e.stderr, "shiji: user needs a subcommand\n\n"+userUsage)
		return errUsage
	}
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	role := fs.String("role", "", "the account's role: organiser, moderator, stallholder or resident")
	dataDir := fs.String("data", "", "data directory (env SHIJI_DATA, default ./var)")
	// Accept NAME before or after the flags.
	rest := args[1:]
	var name string
	if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		name, rest = rest[0], rest[1:]
	}
	if err := parseFlags(fs, rest, e, userUsage); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if name == "" && fs.NArg() > 0 {
		name = fs.Arg(0)
	}
	if name == "" || fs.NArg() > 1 || (name != "" && fs.NArg() == 1 && fs.Arg(0) != name) {
		fmt.Fprint(e.stderr, "shiji: user add needs exactly one NAME\n\n"+userUsage)
		return errUsage
	}
	r, err := node.ParseRole(*role)
	if *role == "" {
		err = node.Errorf(node.EINVALID, "--role is required (organiser, moderator, stallholder or resident).")
	}
	if err != nil {
		return errors.New(node.ErrorMessage(err))
	}
	password, err := bufio.NewReader(e.stdin).ReadString('\n')
	if err != nil && password == "" {
		return errors.New("no password on standard input: pipe one line, e.g. echo 'a long secret phrase' | shiji user add NAME --role resident")
	}
	password = strings.TrimRight(password, "\r\n")
	if err := node.ValidatePassword(password, name); err != nil {
		return errors.New(node.ErrorMessage(err))
	}
	dir := firstNonEmpty(*dataDir, e.getenv("SHIJI_DATA"), "./var")
	db, err := data.Open(ctx, filepath.Join(dir, "shiji.db"), time.Now)
	if err != nil {
		return err
	}
	defer db.Close()
	acc, err := app.New(db, time.Now).AddAccount(ctx, name, r, password)
	if err != nil {
		if node.ErrorCode(err) == node.EINTERNAL {
			return err
		}
		return errors.New(node.ErrorMessage(err))
	}
	fmt.Fprintf(e.stdout, "created %s @%s (id %d)\n", acc.Role, acc.Name, acc.ID)
	return nil
}
