package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

// errUsage means the usage has already been printed; exit non-zero quietly.
var errUsage = errors.New("usage")

// env is how a command reads its environment and standard streams.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// run is the whole program: main only calls it. args[0] is the program name.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return runWith(ctx, args, env{getenv: getenv, stdin: os.Stdin, stdout: stdout, stderr: stderr})
}

const mainUsage = `shiji — a community market node (市集)

Usage:
  shiji serve [--addr 127.0.0.1:8080] [--data DIR] [--base-url URL] [--demo] [--tls-cert FILE --tls-key FILE]
  shiji setup [--data DIR] [--organiser NAME] [--name TEXT] [--timezone ZONE] [--alleys …] [--days …] …
  shiji user add NAME --role organiser|moderator|stallholder|resident [--data DIR]
  shiji demo [--data DIR] [--stalls N] [--items N] [--seed S]
  shiji doctor [--data DIR] [--base-url URL] [--peer URL] [--ca FILE] [--min-free SIZE]
  shiji messages [--data DIR] LANG
  shiji backup [--data DIR] FILE.tar.gz
  shiji restore [--data DIR] [--force] FILE.tar.gz
  shiji version

Run "shiji COMMAND --help" for a command's flags and environment variables.
`

func runWith(ctx context.Context, args []string, e env) error {
	if len(args) < 2 {
		fmt.Fprint(e.stderr, mainUsage)
		return errUsage
	}
	cmd, rest := args[1], args[2:]
	switch cmd {
	case "serve":
		return serve(ctx, rest, e)
	case "user":
		return user(ctx, rest, e)
	case "setup":
		return setupCmd(ctx, rest, e)
	case "doctor":
		return doctorCmd(ctx, rest, e)
	case "messages":
		return messagesCmd(ctx, rest, e)
	case "demo":
		return demoCmd(ctx, rest, e)
	case "backup":
		return backupCmd(ctx, rest, e)
	case "restore":
		return restoreCmd(ctx, rest, e)
	case "version", "--version", "-version":
		fmt.Fprintf(e.stdout, "shiji %s\n", version)
		return nil
	case "help", "-h", "--help", "-help":
		fmt.Fprint(e.stdout, mainUsage)
		return nil
	}
	fmt.Fprintf(e.stderr, "shiji: unknown command %q\n\n%s", cmd, mainUsage)
	return errUsage
}

// parseFlags parses fs; --help prints the usage to stdout and ends the command
// successfully (errHelp), a bad flag prints the error and usage to stderr.
func parseFlags(fs *flag.FlagSet, args []string, e env, usage string) error {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(e.stdout, usage)
		printDefaults(fs, e.stdout)
		return flag.ErrHelp
	case err != nil:
		fmt.Fprintf(e.stderr, "shiji: %v\n\n%s", err, usage)
		printDefaults(fs, e.stderr)
		return errUsage
	}
	return nil
}

func printDefaults(fs *flag.FlagSet, w io.Writer) {
	fmt.Fprintln(w, "\nFlags:")
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

// firstNonEmpty returns the first non-empty string.
func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}
