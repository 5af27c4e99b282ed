package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/shiji-market/shiji/node/app"
	"github.com/shiji-market/shiji/node/i18n"
)

// setupTokenFor returns a new one-time token for the web setup when the
// market has no organiser yet, and "" when it has one.
func setupTokenFor(ctx context.Context, a *app.App) (string, error) {
	st, err := a.SetupState(ctx)
	if err != nil || st.Organiser {
		return "", err
	}
	return app.NewToken(20), nil
}

// loadCatalog loads the embedded catalogues with the organiser's overrides
// from DATA/locales/ (missing: none).
func loadCatalog(dataDir string) (*i18n.Catalog, error) {
	dir := filepath.Join(dataDir, "locales")
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return i18n.Load()
	case err != nil:
		return nil, err
	case !fi.IsDir():
		return nil, fmt.Errorf("%s is not a directory of message catalogues", dir)
	}
	c, err := i18n.LoadWith(os.DirFS(dir))
	if err != nil {
		return nil, fmt.Errorf("the catalogues in %s: %w", dir, err)
	}
	return c, nil
}
