// Package themes holds shiji's embedded themes: HTML templates, CSS and small
// vanilla JavaScript, one folder per theme. An organiser can override any file
// by placing one at DATA/themes/<theme>/<same path>.
package themes

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

//go:embed default
var embedded embed.FS

// Names lists the embedded themes.
func Names() []string {
	entries, _ := fs.ReadDir(embedded, ".")
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	return names
}

// Open returns the files of theme name, with files under overrideDir (if it
// exists) taking the place of the embedded ones of the same path.
func Open(name, overrideDir string) (fs.FS, error) {
	base, err := fs.Sub(embedded, name)
	if err != nil {
		return nil, err
	}
	if _, err := fs.Stat(embedded, name); err != nil {
		return nil, fmt.Errorf("themes: no theme named %q", name)
	}
	o := overlay{base: base}
	if overrideDir != "" {
		if st, err := os.Stat(overrideDir); err == nil && st.IsDir() {
			o.top = os.DirFS(filepath.Clean(overrideDir))
		}
	}
	return o, nil
}

// overlay reads from top first, then base; directory listings are merged.
type overlay struct{ top, base fs.FS }

func (o overlay) Open(name string) (fs.File, error) {
	if o.top != nil {
		if f, err := o.top.Open(name); err == nil {
			if st, err := f.Stat(); err == nil && !st.IsDir() {
				return f, nil
			}
			f.Close()
		}
	}
	return o.base.Open(name)
}

func (o overlay) ReadDir(name string) ([]fs.DirEntry, error) {
	seen := map[string]fs.DirEntry{}
	var errs []error
	for _, f := range []fs.FS{o.base, o.top} {
		if f == nil {
			continue
		}
		entries, err := fs.ReadDir(f, name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, e := range entries {
			seen[e.Name()] = e
		}
	}
	if len(seen) == 0 && len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	out := make([]fs.DirEntry, 0, len(seen))
	for _, e := range seen {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out, nil
}
