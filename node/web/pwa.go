package web

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"net/http"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
)

// The installable app: a Web App Manifest, the service worker (the theme's
// static/sw.js, served at the root so that it controls every page, with the
// shell to keep offline filled in) and the offline page.

// themeColour is the default theme's red, the colour of the app's bar.
const themeColour = "#b8322a"

func (s *Server) manifest(c echo.Context) error {
	p, err := s.newPage(c, "", nil)
	if err != nil {
		return err
	}
	short := p.MarketName
	if utf8.RuneCountInString(short) > 12 {
		short = string([]rune(short)[:12])
	}
	icon := func(name, sizes, purpose string) map[string]string {
		m := map[string]string{"src": p.Static("icons/" + name), "sizes": sizes, "type": "image/png"}
		if purpose != "" {
			m["purpose"] = purpose
		}
		return m
	}
	m := map[string]any{
		"id": "/", "name": p.MarketName, "short_name": short, "description": p.T("footer.about"),
		"lang": p.Lang, "dir": "ltr", "start_url": "/", "scope": "/", "display": "standalone",
		"background_color": "#fbf7f0", "theme_color": themeColour, "categories": []string{"shopping", "social", "lifestyle"},
		"icons": []map[string]string{icon("icon-192.png", "192x192", ""), icon("icon-512.png", "512x512", ""),
			icon("maskable-512.png", "512x512", "maskable")},
	}
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=3600")
	c.Response().Header().Add("Vary", "Accept-Language, Cookie")
	return c.Blob(http.StatusOK, "application/manifest+json", b)
}

// serviceWorker serves static/sw.js with its shell (the offline page, the
// theme's CSS, scripts and icons, at their versioned addresses) and a
// version that changes whenever one of them does, so browsers update it.
func (s *Server) serviceWorker(c echo.Context) error {
	src, err := fs.ReadFile(s.cfg.Theme, "static/sw.js")
	if err != nil {
		return echo.ErrNotFound
	}
	p := &view{static: s.static}
	shell := []string{"/offline", "/alleys.css"}
	var names []string
	for name := range s.static {
		if name != "sw.js" && (strings.HasSuffix(name, ".css") || strings.HasSuffix(name, ".js") || strings.HasPrefix(name, "icons/")) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	h := sha256.New()
	h.Write(src)
	for _, n := range names {
		shell = append(shell, p.Static(n))
		h.Write([]byte(p.Static(n)))
	}
	list, _ := json.Marshal(shell)
	out := strings.Replace(string(src), "__SHELL__", string(list), 1)
	out = strings.Replace(out, "__VERSION__", hex.EncodeToString(h.Sum(nil))[:12], 1)
	c.Response().Header().Set("Cache-Control", "no-cache")
	c.Response().Header().Set("Service-Worker-Allowed", "/")
	return c.Blob(http.StatusOK, "text/javascript; charset=utf-8", []byte(out))
}

func (s *Server) offlinePage(c echo.Context) error {
	return s.render(c, http.StatusOK, "offline", "offline.title", nil)
}
