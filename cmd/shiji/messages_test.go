package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOrganisersCataloguesWithoutRebuilding: files in DATA/locales/ change
// wording and add a language at start-up; `shiji messages` gives the
// starting point; an incomplete new language stops serve, naming what it
// lacks.
func TestOrganisersCataloguesWithoutRebuilding(t *testing.T) {
	dir := t.TempDir()
	out, _, err := runCmd(t, "", "messages", "--data", dir, "en")
	if err != nil {
		t.Fatal(err)
	}
	var en map[string]any
	if err := json.Unmarshal([]byte(out), &en); err != nil || en["home.welcome"] != "Welcome to the market" || len(en) < 500 {
		t.Fatalf("messages en: %v, %d messages", err, len(en))
	}
	if _, _, err := runCmd(t, "", "messages", "--data", dir, "tlh"); err == nil {
		t.Error("messages of a language there is none of")
	}
	loc := filepath.Join(dir, "locales")
	os.MkdirAll(loc, 0o755)
	// A changed message, and a new language made from the English file.
	os.WriteFile(filepath.Join(loc, "en.json"), []byte(`{"home.welcome": "Welcome to our lane"}`), 0o644)
	en["home.welcome"], en["lang.self"] = "Bienvenue au marché", "Français"
	fr, _ := json.Marshal(en)
	os.WriteFile(filepath.Join(loc, "fr.json"), fr, 0o644)
	n := startNode(t, dir)
	c := newClient(t, n.URL)
	if body := c.get("/").Body; !strings.Contains(body, "Welcome to our lane") || !strings.Contains(body, ">Français</button>") {
		t.Fatalf("the override or the new language is missing:\n%s", body)
	}
	c.lang = "fr-FR,fr;q=0.9"
	if body := c.get("/").Body; !strings.Contains(body, "Bienvenue au marché") || !strings.Contains(body, `<html lang="fr">`) {
		t.Fatalf("the French page:\n%s", body)
	}
	n.Stop(t)

	// An incomplete language stops serve with a clear message.
	os.WriteFile(filepath.Join(loc, "de.json"), []byte(`{"home.welcome": "Willkommen"}`), 0o644)
	err = run(context.Background(), []string{"shiji", "serve", "--addr", "127.0.0.1:0", "--data", dir}, noEnv, &syncBuffer{}, &syncBuffer{})
	if err == nil || !strings.Contains(err.Error(), "missing in de") || !strings.Contains(err.Error(), "locales") {
		t.Fatalf("serve with an incomplete language: %v", err)
	}
}
