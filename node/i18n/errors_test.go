package i18n

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/shiji-market/shiji/node"
)

// errorFormat is one node.Errorf (or data's notFound) call in the code.
type errorFormat struct {
	format string
	where  string
}

// moduleRoot walks up from the package directory to the go.mod.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the package")
		}
		dir = parent
	}
}

// errorFormats finds every message a user may see as an error: the format
// of each node.Errorf call (and of data's notFound helper) outside tests and
// cmd/ (the command line speaks English), except EINTERNAL ones, which are
// never shown. A format that is not a constant string is reported as bad.
func errorFormats(t *testing.T) (found []errorFormat, bad []string) {
	root := moduleRoot(t)
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() && (rel == "cmd" || strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") && rel != "." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) < 2 {
				return true
			}
			var name string
			switch fn := call.Fun.(type) {
			case *ast.SelectorExpr:
				if x, ok := fn.X.(*ast.Ident); ok && x.Name == "node" {
					name = fn.Sel.Name
				}
			case *ast.Ident:
				if f.Name.Name == "node" || fn.Name == "notFound" {
					name = fn.Name
				}
			}
			switch name {
			case "Errorf":
				if sel, ok := call.Args[0].(*ast.SelectorExpr); ok && sel.Sel.Name == "EINTERNAL" {
					return true
				}
				if id, ok := call.Args[0].(*ast.Ident); ok && id.Name == "EINTERNAL" {
					return true
				}
			case "notFound":
				if f.Name.Name != "data" {
					return true
				}
			default:
				return true
			}
			where := fset.Position(call.Pos()).String()
			where = strings.TrimPrefix(where, root+string(filepath.Separator))
			lit, ok := call.Args[1].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				if f.Name.Name == "data" && isIdent(call.Args[1], "format") {
					return true // the helper itself
				}
				bad = append(bad, where)
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				bad = append(bad, where)
				return true
			}
			found = append(found, errorFormat{format: s, where: where})
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found, bad
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

var verbs = regexp.MustCompile(`%[-+# 0]*(?:\[\d+\])?\d*(?:\.\d+)?[a-zA-Z%]`)

// sampleArgs makes an argument of a fitting type for each verb of format.
func sampleArgs(format string) []any {
	var args []any
	for _, v := range verbs.FindAllString(format, -1) {
		switch v[len(v)-1] {
		case '%':
		case 'd':
			args = append(args, 7)
		default:
			args = append(args, "x")
		}
	}
	return args
}

// TestEveryErrorMessageIsInEveryLanguage is the catalogues' completeness
// test for errors: every message a user can see as an error is in every
// language (locales/errors.LANG.json), and its translation takes the same
// arguments.
func TestEveryErrorMessageIsInEveryLanguage(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	found, bad := errorFormats(t)
	if len(found) < 200 {
		t.Fatalf("found only %d error messages; is the scan broken?", len(found))
	}
	for _, b := range bad {
		t.Errorf("%s: the message of node.Errorf must be a constant string (it is its id in the catalogues)", b)
	}
	var missing []string
	seen := map[string]bool{}
	for _, f := range found {
		if seen[f.format] {
			continue
		}
		seen[f.format] = true
		args := sampleArgs(f.format)
		for _, lang := range c.Languages() {
			tr, ok := c.Localizer(lang).lookup(f.format)
			if !ok {
				missing = append(missing, fmt.Sprintf("%s (%s): %q", lang, f.where, f.format))
				continue
			}
			if out := fmt.Sprintf(tr, args...); strings.Contains(out, "%!") {
				t.Errorf("%s: the translation of %q does not take the same arguments: %q", lang, f.format, out)
			}
		}
	}
	if len(missing) > 0 {
		t.Errorf("%d error messages are missing from the catalogues; add each to locales/errors.LANG.json of every language "+
			"(the English file maps the message to itself):\n%s", len(missing), strings.Join(missing, "\n"))
	}
}

func TestErrorInTheReadersLanguage(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	zh, en := c.Localizer("zh-Hans"), c.Localizer("en")
	e := node.Errorf(node.ENOTFOUND, "There is no item %d.", 42)
	if got := zh.Error(fmt.Errorf("data: wrapped: %w", e)); got != "没有物品 42。" {
		t.Errorf("zh = %q", got)
	}
	if got := en.Error(e); got != "There is no item 42." {
		t.Errorf("en = %q", got)
	}
	// Words and nested errors are translated with the message.
	w := node.Errorf(node.ECONFLICT, "This reservation is %s; only a requested one can be accepted.",
		node.Word{ID: "word.trade.declined", English: "declined"})
	if got := zh.Error(w); got != "这个预订已被拒绝；只有待回复的预订才能接受。" {
		t.Errorf("word: %q", got)
	}
	if w.Message != "This reservation is declined; only a requested one can be accepted." {
		t.Errorf("English: %q", w.Message)
	}
	inner := node.Errorf(node.EINVALID, "The price needs an amount.")
	outer := node.Errorf(node.EINVALID, "The lowest price: %s", inner)
	if got := zh.Error(outer); got != "最低价：价格需要一个金额。" {
		t.Errorf("nested: %q", got)
	}
	if outer.Message != "The lowest price: The price needs an amount." {
		t.Errorf("nested English: %q", outer.Message)
	}
	// Internal errors never leak; a message nobody translated stays English.
	if got := zh.Error(errors.New("disk on fire")); got != zh.T("error.500.body") || strings.Contains(got, "disk") {
		t.Errorf("internal: %q", got)
	}
	if got := zh.Error(node.Errorf(node.EINTERNAL, "secret %d", 1)); strings.Contains(got, "secret") {
		t.Errorf("EINTERNAL: %q", got)
	}
	if got := zh.Error(&node.Error{Code: node.EINVALID, Message: "Plain."}); got != "Plain." {
		t.Errorf("plain: %q", got)
	}
}
