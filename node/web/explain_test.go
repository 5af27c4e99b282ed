package web

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestHandlersExplainInTheReadersLanguage: handlers show errors through
// s.explain, which speaks the reader's language; classify (English) is for
// the error handler and tests only.
func TestHandlersExplainInTheReadersLanguage(t *testing.T) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi fs.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range pkgs {
		for name, f := range pkg.Files {
			if name == "errors.go" {
				continue
			}
			ast.Inspect(f, func(n ast.Node) bool {
				if call, ok := n.(*ast.CallExpr); ok {
					if id, ok := call.Fun.(*ast.Ident); ok && id.Name == "classify" {
						t.Errorf("%s: use s.explain(c, err): classify's message is English", fset.Position(call.Pos()))
					}
				}
				return true
			})
		}
	}
}

func TestErrorsInTheReadersLanguage(t *testing.T) {
	s, _ := newTestServer(t, "default")
	for _, tt := range []struct{ lang, path, accept, want string }{
		{"zh-Hans", "/api/v1/items/999", "", "没有物品 999。"},
		{"en", "/api/v1/items/999", "", "There is no item 999."},
		{"zh-Hans", "/api/v1/items/x", "", "没有物品 \"x\"。"},
		{"zh-Hans", "/api/v1/nothing/here", "", "没有 API 接口 GET /api/v1/nothing/here；请看 docs/api.md。"},
		{"zh-Hans", "/items/999", "text/html", "没有物品 999。"},
		{"en", "/alleys/nope", "text/html", "There is no alley &#34;nope&#34;."},
	} {
		req := httptest.NewRequest("GET", tt.path, nil)
		req.Header.Set("Accept-Language", tt.lang)
		if tt.accept != "" {
			req.Header.Set("Accept", tt.accept)
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != http.StatusNotFound {
			t.Errorf("%s %s: status %d", tt.lang, tt.path, rec.Code)
		}
		if tt.accept == "" {
			var body struct{ Error string }
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error != tt.want {
				t.Errorf("%s %s: error %q (%v), want %q", tt.lang, tt.path, body.Error, err, tt.want)
			}
		} else if !strings.Contains(rec.Body.String(), tt.want) {
			t.Errorf("%s %s: the page does not say %q:\n%s", tt.lang, tt.path, tt.want, rec.Body.String())
		}
	}
}
