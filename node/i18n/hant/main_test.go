package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/longbridgeapp/opencc"
)

func TestConvertKeepsWhatPeopleWroteAndDropsWhatIsGone(t *testing.T) {
	cc, err := opencc.New("s2twp")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("shop.zh-Hans.json", `{"a": "这个摊位的软件和信息", "b": "{{.N}} 个摊位", "lang.self": "简体中文", "p": {"other": "旧书"}}`)
	write("shop.zh-Hant.json", `{"b": "{{.N}} 攤（人工潤飾）", "gone": "舊的"}`)
	added, removed, err := convertDir(dir, cc.Convert)
	if err != nil {
		t.Fatal(err)
	}
	if added != 3 || removed != 1 {
		t.Errorf("added %d, removed %d", added, removed)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "shop.zh-Hant.json"))
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got["a"] != "這個攤位的軟體和資訊" {
		t.Errorf("a = %q (want Taiwan phrasing)", got["a"])
	}
	if got["b"] != "{{.N}} 攤（人工潤飾）" || got["gone"] != nil || got["lang.self"] != "繁體中文" {
		t.Errorf("got %v", got)
	}
	if p, _ := got["p"].(map[string]any); p["other"] != "舊書" {
		t.Errorf("plural = %v", got["p"])
	}
	if !strings.HasPrefix(string(b), "{\n  \"a\":") {
		t.Errorf("the order of zh-Hans is not kept:\n%s", b)
	}
	// Again: nothing to do.
	if added, removed, _ := convertDir(dir, cc.Convert); added != 0 || removed != 0 {
		t.Errorf("second run: %d, %d", added, removed)
	}
}
