// Command hant keeps the Traditional Chinese (zh-Hant, Taiwan usage)
// catalogues complete: for every locales/PART.zh-Hans.json (and
// zh-Hans.json) it writes locales/PART.zh-Hant.json, converting each message
// zh-Hant lacks from Simplified with OpenCC's s2twp conversion
// (github.com/longbridgeapp/opencc: characters, then Taiwan phrasing). A
// message already in zh-Hant is kept as it is (a person may have reworded
// it); one no longer in zh-Hans is removed. Run it from the repository root
// after adding messages, and read the diff:
//
//	go run ./node/i18n/hant
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/longbridgeapp/opencc"
)

func main() {
	log.SetFlags(0)
	cc, err := opencc.New("s2twp")
	if err != nil {
		log.Fatal(err)
	}
	dir := filepath.Join("node", "i18n", "locales")
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	added, removed, err := convertDir(dir, cc.Convert)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("zh-Hant: %d messages converted from zh-Hans, %d removed\n", added, removed)
}

// fixed are messages that must not be converted word for word.
var fixed = map[string]string{"lang.self": "繁體中文"}

// convertDir brings every zh-Hant file in dir up to its zh-Hans file.
func convertDir(dir string, convert func(string) (string, error)) (added, removed int, err error) {
	files, err := filepath.Glob(filepath.Join(dir, "*zh-Hans.json"))
	if err != nil {
		return 0, 0, err
	}
	sort.Strings(files)
	for _, src := range files {
		dst := strings.TrimSuffix(src, "zh-Hans.json") + "zh-Hant.json"
		a, r, err := convertFile(src, dst, convert)
		if err != nil {
			return added, removed, fmt.Errorf("%s: %w", src, err)
		}
		added, removed = added+a, removed+r
	}
	return added, removed, nil
}

func convertFile(src, dst string, convert func(string) (string, error)) (added, removed int, err error) {
	hans, order, err := readOrdered(src)
	if err != nil {
		return 0, 0, err
	}
	hant := map[string]json.RawMessage{}
	if b, err := os.ReadFile(dst); err == nil {
		if err := json.Unmarshal(b, &hant); err != nil {
			return 0, 0, fmt.Errorf("%s: %w", dst, err)
		}
	} else if !os.IsNotExist(err) {
		return 0, 0, err
	}
	for id := range hant {
		if _, ok := hans[id]; !ok {
			delete(hant, id)
			removed++
		}
	}
	for _, id := range order {
		if _, ok := hant[id]; ok {
			continue
		}
		v, err := convertValue(hans[id], convert)
		if err != nil {
			return 0, 0, fmt.Errorf("%q: %w", id, err)
		}
		if f, ok := fixed[id]; ok {
			v, _ = json.Marshal(f)
		}
		hant[id] = v
		added++
	}
	var buf bytes.Buffer
	buf.WriteString("{\n")
	for i, id := range order {
		k, _ := json.Marshal(id)
		var v bytes.Buffer
		enc := json.NewEncoder(&v)
		enc.SetEscapeHTML(false)
		var val any
		json.Unmarshal(hant[id], &val)
		enc.Encode(val)
		fmt.Fprintf(&buf, "  %s: %s", k, strings.TrimSpace(v.String()))
		if i < len(order)-1 {
			buf.WriteString(",")
		}
		buf.WriteString("\n")
	}
	buf.WriteString("}\n")
	if old, err := os.ReadFile(dst); err == nil && bytes.Equal(old, buf.Bytes()) {
		return added, removed, nil
	}
	return added, removed, os.WriteFile(dst, buf.Bytes(), 0o644)
}

// convertValue converts a message: a string, or an object of plural forms
// (whose "id" and "description" stay).
func convertValue(raw json.RawMessage, convert func(string) (string, error)) (json.RawMessage, error) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		t, err := convert(s)
		if err != nil {
			return nil, err
		}
		return marshal(t)
	}
	var m map[string]string
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("not a message: %s", raw)
	}
	for k, v := range m {
		if k == "id" || k == "description" || k == "hash" {
			continue
		}
		t, err := convert(v)
		if err != nil {
			return nil, err
		}
		m[k] = t
	}
	return marshal(m)
}

func marshal(v any) (json.RawMessage, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSpace(b.Bytes()), nil
}

// readOrdered reads a flat JSON object, keeping its keys' order.
func readOrdered(path string) (map[string]json.RawMessage, []string, error) {
	b, err := fs.ReadFile(os.DirFS(filepath.Dir(path)), filepath.Base(path))
	if err != nil {
		return nil, nil, err
	}
	m := map[string]json.RawMessage{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if _, err := dec.Token(); err != nil { // {
		return nil, nil, err
	}
	var order []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, err
		}
		order = append(order, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, nil, err
		}
	}
	return m, order, nil
}
