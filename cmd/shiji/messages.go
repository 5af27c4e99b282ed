package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strings"
)

const messagesUsage = `Usage: shiji messages [--data DIR] LANG

Prints every message of the catalogue of LANG (en, zh-Hans, zh-Hant, …) as
one JSON file, with the organiser's overrides from DATA/locales/ applied: a
starting point for a new language (translate it and save it as
DATA/locales/NEWLANG.json) or for an override file (keep only the messages to
change, in DATA/locales/LANG.json).

Environment:
  SHIJI_DATA   the data directory (default ./var), as --data
`

func messagesCmd(_ context.Context, args []string, e env) error {
	fs := flag.NewFlagSet("messages", flag.ContinueOnError)
	dataDir := fs.String("data", "", "data directory (env SHIJI_DATA, default ./var)")
	if err := parseFlags(fs, args, e, messagesUsage); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() != 1 {
		fmt.Fprint(e.stderr, "shiji: messages needs exactly one LANG\n\n"+messagesUsage)
		return errUsage
	}
	cat, err := loadCatalog(firstNonEmpty(*dataDir, e.getenv("SHIJI_DATA"), "./var"))
	if err != nil {
		return err
	}
	lang := fs.Arg(0)
	if !cat.Has(lang) {
		return fmt.Errorf("no catalogue for %q; there are %s", lang, strings.Join(cat.Languages(), ", "))
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(cat.Messages(lang)); err != nil { // keys sorted
		return err
	}
	_, err = e.stdout.Write(b.Bytes())
	return err
}
