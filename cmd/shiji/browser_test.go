package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// chromium finds a Chromium binary: $SHIJI_CHROMIUM, then the usual names.
// Without one the browser tests skip, unless SHIJI_BROWSER_TESTS=1 (as in CI),
// where they fail.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("SHIJI_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("SHIJI_BROWSER_TESTS") == "1" {
		t.Fatal("SHIJI_BROWSER_TESTS=1 but no Chromium found: install Debian's chromium (apt-get install chromium) or set SHIJI_CHROMIUM")
	}
	t.Skip("no Chromium found; set SHIJI_BROWSER_TESTS=1 to make this a failure")
	return ""
}

// browser starts headless Chromium for the test and returns a tab context.
func browser(t *testing.T) context.Context {
	t.Helper()
	exe := chromium(t)
	// Not t.TempDir: Chromium may still write to its profile while exiting.
	profile, err := os.MkdirTemp("", "shiji-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(profile),
		chromedp.NoSandbox, // CI runs as root
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("no-first-run", true),
		chromedp.WindowSize(390, 844), // a phone: the theme is mobile-first
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelT(); cancelB(); cancelA(); os.RemoveAll(profile) })
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	return ctx
}

// screenshot saves a PNG of the page into $SHIJI_SCREENSHOTS (if set).
func screenshot(t *testing.T, ctx context.Context, name string) {
	dir := os.Getenv("SHIJI_SCREENSHOTS")
	if dir == "" {
		return
	}
	var png []byte
	if err := chromedp.Run(ctx, chromedp.FullScreenshot(&png, 100)); err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
}

func acceptLanguage(lang string) chromedp.Action {
	return network.SetExtraHTTPHeaders(network.Headers{"Accept-Language": lang})
}

func TestBrowserSignUpLogInAndHomeInBothLanguages(t *testing.T) {
	ctx := browser(t)
	n := startNode(t, "", "--demo")
	var h1, welcome, body string

	// Sign up in English.
	err := chromedp.Run(ctx,
		network.Enable(), acceptLanguage("en-US,en;q=0.9"),
		chromedp.Navigate(n.URL+"/signup"),
		chromedp.WaitVisible(`input[name=name]`),
		chromedp.SendKeys(`input[name=name]`, "xiaoming"),
		chromedp.SendKeys(`input[name=display_name]`, "Xiao Ming"),
		chromedp.SendKeys(`input[name=password]`, "plum blossom tea"),
		chromedp.Click(`form[action="/signup"] button[type=submit]`),
		chromedp.WaitVisible(`section.welcome h2`),
		chromedp.Text(`section.welcome h2`, &welcome),
		chromedp.Text(`h1`, &h1),
	)
	if err != nil {
		t.Fatalf("sign up: %v\nstderr: %s", err, n.Stderr)
	}
	screenshot(t, ctx, "home-en-signed-in")
	if welcome != "Good to see you, Xiao Ming" || h1 != "Wutong Lane Weekend Market" {
		t.Fatalf("after sign-up: h1 %q, welcome %q", h1, welcome)
	}

	// Log out, then log in again.
	err = chromedp.Run(ctx,
		chromedp.Click(`form[action="/logout"] button`),
		chromedp.WaitVisible(`a[href="/login"]`),
		chromedp.Navigate(n.URL+"/login"),
		chromedp.WaitVisible(`input[name=password]`),
		chromedp.SendKeys(`input[name=name]`, "xiaoming"),
		chromedp.SendKeys(`input[name=password]`, "not my password"),
		chromedp.Click(`form[action="/login"] button[type=submit]`),
		chromedp.WaitVisible(`p.error`),
		chromedp.Text(`p.error`, &body),
	)
	if err != nil {
		t.Fatalf("wrong login: %v", err)
	}
	if !strings.Contains(body, "Wrong name or password") {
		t.Fatalf("wrong password message: %q", body)
	}
	err = chromedp.Run(ctx,
		chromedp.SendKeys(`input[name=password]`, "plum blossom tea"),
		chromedp.Click(`form[action="/login"] button[type=submit]`),
		chromedp.WaitVisible(`section.welcome h2`),
		chromedp.Text(`section.welcome h2`, &welcome),
	)
	if err != nil || welcome != "Good to see you, Xiao Ming" {
		t.Fatalf("log in: %v, welcome %q", err, welcome)
	}

	// The same home in Chinese for a browser that asks for it.
	var lang string
	err = chromedp.Run(ctx,
		acceptLanguage("zh-CN,zh;q=0.9"),
		chromedp.Navigate(n.URL+"/"),
		chromedp.WaitVisible(`section.welcome h2`),
		chromedp.Text(`h1`, &h1),
		chromedp.Text(`section.welcome h2`, &welcome),
		chromedp.AttributeValue(`html`, "lang", &lang, nil),
	)
	if err != nil {
		t.Fatalf("zh home: %v", err)
	}
	screenshot(t, ctx, "home-zh-signed-in")
	if h1 != "梧桐里周末市集" || welcome != "Xiao Ming，又见面了" || lang != "zh-Hans" {
		t.Fatalf("zh home: h1 %q welcome %q lang %q", h1, welcome, lang)
	}

	// Logged out, a visitor in Chinese switches the page to English in the footer.
	var before string
	err = chromedp.Run(ctx,
		chromedp.Click(`form[action="/logout"] button`),
		chromedp.WaitVisible(`a[href="/login"]`),
		chromedp.Navigate(n.URL+"/login"),
		chromedp.WaitVisible(`h1`),
		chromedp.Text(`h1`, &before),
		chromedp.Click(`footer button[value=en]`),
		chromedp.WaitVisible(`html[lang=en]`),
		chromedp.Text(`h1`, &h1),
	)
	if err != nil || before != "登录" || h1 != "Log in" {
		t.Fatalf("language switch: %v, h1 %q then %q", err, before, h1)
	}
	screenshot(t, ctx, "login-en")
}
