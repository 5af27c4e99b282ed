package template

import (
	"strings"
	"testing"
)

type mtInner struct{ N int }

func (i *mtInner) Twice() int         { return 2 * i.N }
func (i mtInner) Plus(k int) int      { return i.N + k }
func (i *mtInner) Fail() (int, error) { return 0, errFail }

type mtOuter struct {
	*mtInner
	Name string
}

type mtFailErr struct{}

func (mtFailErr) Error() string { return "it failed" }

var errFail error = mtFailErr{}

func init() {
	RegisterMethods(func(x *mtInner, name string) any {
		switch name {
		case "Twice":
			return x.Twice
		case "Plus":
			return x.Plus
		case "Fail":
			return x.Fail
		}
		return nil
	})
	RegisterMethods(func(x *mtOuter, name string) any {
		switch name {
		case "Twice":
			return x.Twice
		case "Plus":
			return x.Plus
		}
		return nil
	})
}

// TestRegisteredMethods: templates call registered methods on pointers,
// addressable and unaddressable values, interfaces and promoted through
// embedding, with arguments; an unregistered name is a field or an error;
// a nil embedded pointer is an error, not a crash.
func TestRegisteredMethods(t *testing.T) {
	in := &mtInner{N: 3}
	for _, c := range []struct {
		tmpl string
		data any
		want string
	}{
		{"{{.Twice}}", in, "6"},
		{"{{.Plus 4}}", in, "7"},
		{"{{.Plus 4}}", *in, "7"},                  // not addressable: a copy
		{"{{.Twice}}", map[string]any{"x": 1}, ""}, // a map: no such key
		{"{{.X.Twice}} {{.X.Plus 1}}", map[string]any{"X": mtInner{N: 5}}, "10 6"},
		{"{{.Twice}} {{.Name}}", &mtOuter{mtInner: in, Name: "a"}, "6 a"},
		{"{{range .}}{{.Twice}}{{end}}", []mtInner{{1}, {2}}, "24"}, // addressable elements
		{"{{.Twice}}", any(in), "6"},
		{"{{3 | .Plus}}", in, "6"},
	} {
		tm := Must(New("t").Option("missingkey=zero").Parse(c.tmpl))
		var b strings.Builder
		if err := tm.Execute(&b, c.data); err != nil {
			t.Errorf("%s on %#v: %v", c.tmpl, c.data, err)
			continue
		}
		if got := strings.ReplaceAll(b.String(), "<no value>", ""); got != c.want {
			t.Errorf("%s on %#v = %q, want %q", c.tmpl, c.data, got, c.want)
		}
	}
	for _, c := range []struct {
		tmpl string
		data any
		want string
	}{
		{"{{.Nope}}", in, "can't evaluate field Nope"},
		{"{{.Fail}}", in, "it failed"},
		{"{{.Twice}}", &mtOuter{}, "nil pointer"}, // promoted through a nil pointer
		{"{{.Plus}}", in, "wrong number of args"},
	} {
		var b strings.Builder
		err := Must(New("t").Parse(c.tmpl)).Execute(&b, c.data)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s on %#v: error %v, want one containing %q", c.tmpl, c.data, err, c.want)
		}
	}
}
