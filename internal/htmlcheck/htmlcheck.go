// Package htmlcheck tells whether an HTML fragment is safe to put in a page
// as it is: the property the fuzz tests of the Markdown renderer and of the
// sanitiser of remote HTML check, with golang.org/x/net/html's tokenizer
// (the HTML5 tokenizing rules browsers use).
package htmlcheck

import (
	"fmt"
	"strings"

	"golang.org/x/net/html"
)

// void elements never have an end tag.
var void = map[string]bool{"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true, "img": true,
	"input": true, "link": true, "meta": true, "param": true, "source": true, "track": true, "wbr": true}

// forbidden elements run code, load other documents, take input or restyle
// the page.
var forbidden = map[string]bool{"script": true, "style": true, "iframe": true, "frame": true, "frameset": true, "object": true,
	"embed": true, "applet": true, "form": true, "input": true, "button": true, "textarea": true, "select": true, "link": true,
	"meta": true, "base": true, "svg": true, "math": true, "template": true, "noscript": true, "xmp": true, "plaintext": true}

// urlAttrs hold URLs a browser follows or loads.
var urlAttrs = map[string]bool{"href": true, "src": true, "cite": true, "action": true, "formaction": true, "srcset": true,
	"background": true, "poster": true, "xlink:href": true, "data": true, "longdesc": true, "usemap": true, "ping": true}

// Check returns an error naming the first problem of fragment: a script or
// other forbidden element, an event handler or style attribute, a
// javascript:, vbscript: or data: URL, an end tag that closes nothing open,
// or an element left open at the end. nil means none.
func Check(fragment string) error {
	z := html.NewTokenizer(strings.NewReader(fragment))
	var open []string
	for {
		switch z.Next() {
		case html.ErrorToken:
			if len(open) > 0 {
				return fmt.Errorf("unclosed <%s> (open: %v)", open[len(open)-1], open)
			}
			return nil
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			if err := checkTag(tok); err != nil {
				return err
			}
			if tok.Type == html.StartTagToken && !void[tok.Data] {
				open = append(open, tok.Data)
			}
		case html.EndTagToken:
			tok := z.Token()
			if void[tok.Data] {
				continue
			}
			if len(open) == 0 || open[len(open)-1] != tok.Data {
				return fmt.Errorf("</%s> closes nothing open here (open: %v)", tok.Data, open)
			}
			open = open[:len(open)-1]
		}
	}
}

func checkTag(tok html.Token) error {
	if forbidden[tok.Data] {
		return fmt.Errorf("<%s> element", tok.Data)
	}
	for _, a := range tok.Attr {
		key := strings.ToLower(a.Key)
		switch {
		case strings.HasPrefix(key, "on"):
			return fmt.Errorf("<%s %s=…> event handler", tok.Data, key)
		case key == "style":
			return fmt.Errorf("<%s style=…>", tok.Data)
		case urlAttrs[key] && badURL(a.Val):
			return fmt.Errorf("<%s %s=%q>", tok.Data, key, a.Val)
		}
	}
	return nil
}

// badURL reports a URL with a scheme that runs code or smuggles a document,
// as a browser reads it (ignoring whitespace and control characters).
func badURL(v string) bool {
	var b strings.Builder
	for _, r := range v {
		if r > ' ' && r != 0x7f {
			b.WriteRune(r)
		}
	}
	s := strings.ToLower(b.String())
	for _, scheme := range []string{"javascript:", "vbscript:", "data:", "livescript:"} {
		if strings.HasPrefix(s, scheme) || strings.Contains(s, ","+scheme) || strings.Contains(s, " "+scheme) {
			return true
		}
	}
	return false
}
