package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
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
		// A loaded CI machine may take a while to start Chromium; these are
		// deadlines against hangs, not measures of speed.
		chromedp.WSURLReadTimeout(2*time.Minute),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 4*time.Minute)
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

// pageText returns the URL and visible text of the current page, for failure messages.
func pageText(ctx context.Context) string {
	var url, text string
	c, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	chromedp.Run(c, chromedp.Location(&url), chromedp.Evaluate(`document.body ? document.body.innerText : ""`, &text))
	return url + "\n" + text
}

// step runs actions with a budget of hangGuard (a deadline against hangs on a loaded machine) and fails the test with the page's
// text when they do not finish.
func step(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, hangGuard)
	defer cancel()
	if err := chromedp.Run(c, actions...); err != nil {
		t.Fatalf("%s: %v\n%s", what, err, pageText(ctx))
	}
}

func acceptLanguage(lang string) chromedp.Action {
	return network.SetExtraHTTPHeaders(network.Headers{"Accept-Language": lang})
}

func TestBrowserSignUpLogInAndHomeInBothLanguages(t *testing.T) {
	ctx := browser(t)
	n := startDemoNode(t)
	var h1, welcome, body string

	// Sign up in English.
	err := chromedp.Run(ctx,
		network.Enable(), acceptLanguage("en-US,en;q=0.9"),
		chromedp.Navigate(n.URL+"/signup"),
		chromedp.WaitVisible(`input[name=name]`),
		chromedp.SendKeys(`input[name=name]`, "xiaoming"),
		chromedp.SendKeys(`input[name=display_name]`, "Xiao Ming"),
		chromedp.SendKeys(`input[name=password]`, "plum blossom tea"),
		submit(`form[action="/signup"] button[type=submit]`, `section.welcome h2`),
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
		submit(`form[action="/logout"] button`, `a[href="/login"]`),
		chromedp.Navigate(n.URL+"/login"),
		chromedp.WaitVisible(`input[name=password]`),
		chromedp.SendKeys(`input[name=name]`, "xiaoming"),
		chromedp.SendKeys(`input[name=password]`, "not my password"),
		submit(`form[action="/login"] button[type=submit]`, `p.error`),
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
		submit(`form[action="/login"] button[type=submit]`, `section.welcome h2`),
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
		submit(`form[action="/logout"] button`, `a[href="/login"]`),
		chromedp.Navigate(n.URL+"/login"),
		chromedp.WaitVisible(`h1`),
		chromedp.Text(`h1`, &before),
		submit(`footer button[value=en]`, `html[lang=en]`),
		chromedp.Text(`h1`, &h1),
	)
	if err != nil || before != "登录" || h1 != "Log in" {
		t.Fatalf("language switch: %v, h1 %q then %q", err, before, h1)
	}
	screenshot(t, ctx, "login-en")
}

func TestBrowserStallholderOpensAStallAndListsAnItem(t *testing.T) {
	ctx := browser(t)
	m := newMarket(t) // organiser, stallholders wang and li, alleys vintage and flowers
	photo := filepath.Join(t.TempDir(), "bell.jpg")
	if err := os.WriteFile(photo, jpegWithGPS(t), 0o644); err != nil {
		t.Fatal(err)
	}
	// Any dialog (alert/confirm) would mean injected script ran.
	dialogs := 0
	chromedp.ListenTarget(ctx, func(ev any) {
		if d, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			t.Logf("dialog %s: %q on %s", d.Type, d.Message, d.URL)
			dialogs++
			go chromedp.Run(ctx, page.HandleJavaScriptDialog(false))
		}
	})
	xss := "Found in my grandfather's **workshop**.\n\n<script>window.__xss=1;alert(1)</script>\n" +
		"<img src=x onerror=\"window.__xss=2\">\n[click me](javascript:window.__xss=3)\n![pixel](data:image/png;base64,iVBORw0KGgo=)"
	var title, strong, alt, price string
	var xssSet bool
	step(t, ctx, "log in",
		network.Enable(), acceptLanguage("en"),
		chromedp.Navigate(m.n.URL+"/login"),
		chromedp.WaitVisible(`input[name=name]`),
		chromedp.SendKeys(`input[name=name]`, "wang"),
		chromedp.SendKeys(`input[name=password]`, "a long secret phrase"),
		submit(`form[action="/login"] button[type=submit]`, `section.welcome`),
	)
	step(t, ctx, "stall form", chromedp.Navigate(m.n.URL+"/stalls/new"), chromedp.WaitVisible(`input[name=name]`))
	step(t, ctx, "open a stall",
		chromedp.SendKeys(`input[name=name]`, "Bells and Whistles"),
		chromedp.SetValue(`select[name=alley]`, "1"),
		chromedp.SendKeys(`textarea[name=story]`, "I collect *bells* from old bicycles."),
		chromedp.Click(`input[name=open_today]`),
		submit(`form[enctype="multipart/form-data"] button[type=submit]`, `article.stall h1`),
		chromedp.Text(`article.stall h1`, &title),
	)
	if title != "Bells and Whistles" {
		t.Fatalf("open a stall: h1 %q\n%s", title, pageText(ctx))
	}
	screenshot(t, ctx, "stall-new")
	step(t, ctx, "list an item",
		submit(`.owner-actions a.button`, `input[name=title]`),
		chromedp.SendKeys(`input[name=title]`, "Brass bicycle bell"),
		chromedp.SetValue(`textarea[name=story]`, xss),
		chromedp.SetValue(`input[name=amount]`, "12.50"),
		chromedp.SendKeys(`input[name=tags]`, "vintage 自行车"),
		chromedp.SetUploadFiles(`input[name=photo]`, []string{photo}),
		chromedp.SendKeys(`input[name=alt]`, "A brass bell on a wooden table"),
		submit(`form[enctype="multipart/form-data"] button[type=submit]`, `article.item h1`),
		chromedp.Text(`article.item h1`, &title),
		chromedp.Text(`article.item .story strong`, &strong),
		chromedp.Text(`article.item .price`, &price),
		chromedp.AttributeValue(`article.item .gallery img`, "alt", &alt, nil),
		chromedp.Sleep(200*time.Millisecond), // let any onerror handler fire
		chromedp.Evaluate(`window.__xss !== undefined`, &xssSet),
	)
	screenshot(t, ctx, "item-page")
	if title != "Brass bicycle bell" || strong != "workshop" || alt != "A brass bell on a wooden table" || price != "CN¥12.50" {
		t.Fatalf("item page: title %q strong %q alt %q price %q", title, strong, alt, price)
	}
	if xssSet || dialogs > 0 {
		t.Fatalf("script from the story ran (window.__xss set: %v, dialogs: %d)", xssSet, dialogs)
	}
	// The photo in the page is served without EXIF.
	var src string
	if err := chromedp.Run(ctx, chromedp.AttributeValue(`article.item .gallery img`, "src", &src, nil)); err != nil {
		t.Fatal(err)
	}
	if r := m.c.get(src); r.Status != 200 || strings.Contains(r.Body, "GPS-SECRET") || strings.Contains(r.Body, "Exif") {
		t.Fatalf("photo %s: %d, EXIF left: %v", src, r.Status, strings.Contains(r.Body, "Exif"))
	}
	// And the item is findable.
	var found string
	step(t, ctx, "search",
		chromedp.Navigate(m.n.URL+"/search?q=自行车"),
		chromedp.WaitVisible(`ul.items .item-card .title`),
		chromedp.Text(`ul.items .item-card .title`, &found),
	)
	if found != "Brass bicycle bell" {
		t.Fatalf("search found %q", found)
	}
}

func TestBrowserWander(t *testing.T) {
	ctx := browser(t)
	m := newMarket(t)
	fillMarket(t, m, 8, 10) // 80 items: three pages of 24 stay in one lap
	var first, third []string
	var count1 string
	step(t, ctx, "stroll page 1",
		network.Enable(), acceptLanguage("en"),
		chromedp.Navigate(m.n.URL+"/wander?seed=77"),
		chromedp.WaitVisible(`ul.stroll .item-card`),
		chromedp.Evaluate(`[...document.querySelectorAll("ul.stroll .item-card .title")].map(e => e.textContent)`, &first),
		// The live count arrives over SSE: this page is one wanderer.
		chromedp.Poll(`document.querySelector('[data-live="wanderers"]').textContent === "1"`, nil, chromedp.WithPollingTimeout(hangGuard), chromedp.WithPollingInterval(100*time.Millisecond)),
		chromedp.Text(`[data-live="wanderers"]`, &count1),
	)
	screenshot(t, ctx, "wander")
	step(t, ctx, "stroll pages 2 and 3",
		submit(`.stroll-nav a[rel=next]`, `ul.stroll[data-page="1"]`),
		submit(`.stroll-nav a[rel=next]`, `ul.stroll[data-page="2"]`),
		chromedp.Evaluate(`[...document.querySelectorAll("ul.stroll .item-card .title")].map(e => e.textContent)`, &third),
	)
	if len(first) != 24 || len(third) != 24 {
		t.Fatalf("pages: %d then %d items", len(first), len(third))
	}
	for _, a := range first {
		for _, b := range third {
			if a == b {
				t.Fatalf("%q shown on page 1 and page 3", a)
			}
		}
	}

	// A second visitor opens the wander page: the first one sees 2 wanderers.
	tab2, cancel2 := chromedp.NewContext(ctx)
	step(t, tab2, "second visitor", chromedp.Navigate(m.n.URL+"/wander"), chromedp.WaitVisible(`ul.stroll`))
	step(t, ctx, "count rises",
		chromedp.Poll(`document.querySelector('[data-live="wanderers"]').textContent === "2"`, nil, chromedp.WithPollingTimeout(hangGuard), chromedp.WithPollingInterval(100*time.Millisecond)))
	cancel2()
	step(t, ctx, "count falls",
		chromedp.Poll(`document.querySelector('[data-live="wanderers"]').textContent === "1"`, nil, chromedp.WithPollingTimeout(hangGuard), chromedp.WithPollingInterval(100*time.Millisecond)))

	// Walk the alley: open a stall and follow "next stall" twice.
	var s1, s2, s3 string
	// follow clicks a link and waits for the page it leads to.
	follow := func(sel string, h1 *string) chromedp.Action {
		var href string
		return chromedp.Tasks{
			chromedp.WaitVisible(sel),
			chromedp.JavascriptAttribute(sel, "href", &href),
			chromedp.ActionFunc(func(ctx context.Context) error { return chromedp.Navigate(href).Do(ctx) }),
			chromedp.WaitVisible(`article.stall h1`),
			chromedp.Text(`article.stall h1`, h1),
		}
	}
	step(t, ctx, "walk the alley",
		follow(`ul.stroll .item-card .stallname`, &s1),
		follow(`nav.walk a[rel=next]`, &s2),
		follow(`nav.walk a[rel=next]`, &s3),
	)
	if s1 == s2 || s2 == s3 || s1 == "" {
		t.Fatalf("walking the alley: %q → %q → %q", s1, s2, s3)
	}
	// Something unplanned from the stroll lands on an item page.
	var surprise string
	step(t, ctx, "surprise",
		chromedp.Navigate(m.n.URL+"/wander?seed=77"),
		chromedp.WaitVisible(`.stroll-nav a.surprise`),
		submit(`.stroll-nav a.surprise`, `article.item h1`),
		chromedp.Text(`article.item h1`, &surprise),
	)
	if !strings.HasPrefix(surprise, "Thing ") {
		t.Fatalf("surprise opened %q", surprise)
	}
	_ = count1
}

// logIn signs a browser in as name.
func logIn(t *testing.T, ctx context.Context, base, name string) {
	t.Helper()
	step(t, ctx, "log in as "+name,
		network.Enable(), acceptLanguage("en"),
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(`input[name=name]`),
		chromedp.SendKeys(`input[name=name]`, name),
		chromedp.SendKeys(`input[name=password]`, "a long secret phrase"),
		submit(`form[action="/login"] button[type=submit]`, `section.welcome`),
	)
}

// submit clicks sel, which navigates, and waits until then is visible on the
// next page (retrying the wait while the old page is being torn down).
func submit(sel, then string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		if err := chromedp.Click(sel).Do(ctx); err != nil {
			return err
		}
		// Twenty one-second tries were a measure a loaded Chromium could miss;
		// the tries go on for hangGuard (within step's budget).
		for deadline := time.Now().Add(hangGuard); ; {
			c, cancel := context.WithTimeout(ctx, time.Second)
			err := chromedp.WaitVisible(then).Do(c)
			cancel()
			if err == nil || ctx.Err() != nil || time.Now().After(deadline) {
				return err
			}
		}
	})
}

// waitText waits until the element sel contains text, across a navigation
// that may still be under way.
func waitText(sel, text string) chromedp.Action {
	js := fmt.Sprintf(`(document.querySelector(%q) || {textContent: ""}).textContent.includes(%q)`, sel, text)
	return chromedp.ActionFunc(func(ctx context.Context) error {
		deadline := time.Now().Add(hangGuard)
		for {
			var ok bool
			err := chromedp.Evaluate(js, &ok).Do(ctx)
			if err == nil && ok {
				return nil
			}
			if time.Now().After(deadline) {
				if err == nil {
					err = fmt.Errorf("%s does not contain %q", sel, text)
				}
				return err
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
		}
	})
}

func TestBrowserConversations(t *testing.T) {
	resident, stallholder := browser(t), browser(t) // two people, two browsers
	m := newMarket(t)
	item := m.item(t, "Enamel mug")
	itemURL := fmt.Sprintf("%s/items/%d", m.n.URL, item)
	logIn(t, resident, m.n.URL, "ajie")
	logIn(t, stallholder, m.n.URL, "wang")

	// The stallholder has the item page open; the resident asks publicly.
	step(t, stallholder, "stallholder opens the item", chromedp.Navigate(itemURL), chromedp.WaitVisible(`#thread`))
	step(t, resident, "resident asks",
		chromedp.Navigate(itemURL),
		chromedp.WaitVisible(`#thread textarea[name=body]`),
		chromedp.SendKeys(`#thread textarea[name=body]`, "Is the enamel chipped anywhere?"),
		submit(`#thread form button[type=submit]`, `#thread .msg`),
	)
	step(t, stallholder, "the question appears live, the stallholder answers",
		waitText(`#thread ul.messages`, "Is the enamel chipped anywhere?"),
		chromedp.SendKeys(`#thread textarea[name=body]`, "Only a tiny spot on the handle."),
		submit(`#thread form button[type=submit]`, `#thread .msg.from-stall`),
	)
	screenshot(t, stallholder, "thread")
	step(t, resident, "the answer reaches the resident", chromedp.Navigate(itemURL), waitText(`#thread .msg.from-stall`, "tiny spot"))

	// A private chat from the item.
	var chatURL string
	step(t, resident, "ask privately",
		submit(`form[action="/conversations/private"] button`, `[data-chat] textarea[name=body]`),
		chromedp.Location(&chatURL),
		chromedp.SendKeys(`[data-chat] textarea[name=body]`, "Would you hold it until Saturday?"),
		chromedp.Click(`[data-chat] form button[type=submit]`),
		waitText(`[data-chat] ul.messages`, "until Saturday"),
	)
	step(t, stallholder, "the stallholder opens the chat and replies",
		chromedp.Navigate(m.n.URL+"/conversations"),
		chromedp.WaitVisible(`ul.convs a[href^="/conversations/"]`),
		submit(`ul.convs a[href^="/conversations/"]`, `[data-chat]`),
		waitText(`[data-chat] ul.messages`, "until Saturday"),
		chromedp.SendKeys(`[data-chat] textarea[name=body]`, "Of course, see you Saturday."),
		chromedp.Click(`[data-chat] form button[type=submit]`),
		waitText(`[data-chat] ul.messages`, "see you Saturday"),
	)
	step(t, resident, "the reply appears live in the open chat", waitText(`[data-chat] ul.messages`, "see you Saturday"))

	// A group chat: the resident creates it, the stallholder joins, both talk live.
	var roomURL string
	step(t, resident, "create a group chat",
		chromedp.Navigate(m.n.URL+"/conversations"),
		chromedp.WaitVisible(`form[action="/conversations/group"] input[name=name]`),
		chromedp.SendKeys(`form[action="/conversations/group"] input[name=name]`, "Vintage cameras"),
		submit(`form[action="/conversations/group"] button`, `[data-chat]`),
		chromedp.Location(&roomURL),
	)
	step(t, stallholder, "join it",
		chromedp.Navigate(roomURL),
		submit(`form[action$="/join"] button`, `[data-chat] textarea[name=body]`),
	)
	step(t, resident, "say hello", chromedp.Navigate(roomURL), chromedp.WaitVisible(`[data-chat] textarea`),
		chromedp.SendKeys(`[data-chat] textarea[name=body]`, "Anyone into Seagull TLRs?"),
		chromedp.Click(`[data-chat] form button[type=submit]`),
		waitText(`[data-chat] ul.messages`, "Seagull"))
	step(t, stallholder, "see it live and answer", waitText(`[data-chat] ul.messages`, "Seagull"),
		chromedp.SendKeys(`[data-chat] textarea[name=body]`, "I have a Seagull 4A at the stall!"),
		chromedp.Click(`[data-chat] form button[type=submit]`),
		waitText(`[data-chat] ul.messages`, "4A"))
	step(t, resident, "the answer arrives live", waitText(`[data-chat] ul.messages`, "Seagull 4A"))
	// A message from another market can arrive after newer ones: the live
	// page puts it where it was written, as the server lists it. Two are
	// handed to the page's stream as the server would send them, one
	// written long ago and one written last.
	var order string
	step(t, resident, "messages arriving out of order take their place",
		chromedp.Evaluate(`(function () {
			var c = document.querySelector("[data-chat]").getAttribute("data-chat");
			function send(id, at, body) {
				window.shijiStream.dispatchEvent(new MessageEvent("message", {data: JSON.stringify({id: id,
					conversation: Number(c), author: "bo@elsewhere.test", author_shown: "Bo",
					body_html: "<p>" + body + "</p>", created_at: at})}));
			}
			send(990001, "2000-01-01T00:00:00.000Z", "written long ago");
			send(990002, "2100-01-01T00:00:00.000Z", "written last");
			var lis = document.querySelectorAll("[data-chat] ul.messages li.msg");
			return lis[0].id + "," + lis[lis.length - 1].id + "," + lis.length;
		})()`, &order))
	if parts := strings.Split(order, ","); len(parts) != 3 || parts[0] != "m990001" || parts[1] != "m990002" || parts[2] != "4" {
		t.Errorf("after two messages out of order, the chat reads first, last, count = %s; want m990001, m990002, 4", order)
	}
	screenshot(t, resident, "group-chat")
	_ = chatURL
}

func TestBrowserTradeFromReservationToMeetingAgain(t *testing.T) {
	resident, stallholder := browser(t), browser(t) // two people, two browsers
	m := newMarket(t)
	_, d1, _, _ := tradeDays(t, m) // Old Wang's stall comes tomorrow
	item := m.itemQ(t, "Phoenix bicycle bell", 1)
	itemURL := fmt.Sprintf("%s/items/%d", m.n.URL, item)
	stallURL := fmt.Sprintf("%s/stalls/%d", m.n.URL, int(m.stall))
	logIn(t, resident, m.n.URL, "ajie")
	logIn(t, stallholder, m.n.URL, "wang")

	var tradeURL, status string
	step(t, resident, "reserve the bell for tomorrow",
		chromedp.Navigate(itemURL),
		chromedp.WaitVisible(`form.reserve-form select[name=market_day]`),
		chromedp.SetValue(`form.reserve-form select[name=market_day]`, d1),
		chromedp.SendKeys(`form.reserve-form textarea[name=message]`, "Could you keep it until the market?"),
		submit(`form.reserve-form button[type=submit]`, `#trade-status[data-status=requested]`),
		chromedp.Location(&tradeURL),
	)
	screenshot(t, resident, "trade-requested")
	step(t, stallholder, "the stall accepts and hands it over",
		chromedp.Navigate(m.n.URL+"/trades"),
		chromedp.WaitVisible(`#at-stalls .trade-line a`),
		submit(`#at-stalls .trade-line a`, `form[action$="/accept"] button`),
		waitText(`.facts`, "Could you keep it until the market?"),
		submit(`form[action$="/accept"] button`, `#trade-status[data-status=accepted]`),
		submit(`form[action$="/handover"] button`, `#trade-status[data-status=handed_over]`),
	)
	step(t, resident, "the item shows as reserved while held",
		chromedp.Navigate(itemURL),
		waitText(`#reserve`, "All held for reservations"),
	)
	step(t, resident, "the resident confirms and leaves a note",
		chromedp.Navigate(tradeURL),
		submit(`form[action$="/confirm"] button`, `#trade-status[data-status=completed]`),
		chromedp.WaitVisible(`form.note-form textarea[name=body]`),
		chromedp.SendKeys(`form.note-form textarea[name=body]`, "The bell rings like new. Thank you, Old Wang!"),
		submit(`form.note-form button[type=submit]`, `.note-buyer`),
		chromedp.Text(`#trade-status`, &status),
	)
	if status != "Completed" {
		t.Fatalf("status shown: %q", status)
	}
	step(t, stallholder, "the stall leaves a note too",
		chromedp.Navigate(tradeURL),
		waitText(`.timeline`, "confirmed the hand-over"),
		chromedp.SendKeys(`form.note-form textarea[name=body]`, "Ride safely, see you next market day."),
		submit(`form.note-form button[type=submit]`, `.note-stall`),
	)
	screenshot(t, stallholder, "trade-completed")
	step(t, resident, "both notes on the trade, the resident's on the stall page",
		chromedp.Navigate(tradeURL),
		waitText(`#notes`, "Ride safely"),
		chromedp.Navigate(stallURL),
		waitText(`#notes`, "The bell rings like new. Thank you, Old Wang!"),
	)
	screenshot(t, resident, "stall-notes")
	step(t, resident, "the stall's note on the resident's profile",
		chromedp.Navigate(m.n.URL+"/@ajie"),
		waitText(`#notes-about`, "Ride safely, see you next market day."),
	)
	step(t, resident, "people I met lists the stall",
		chromedp.Navigate(m.n.URL+"/met"),
		waitText(`#met-stalls`, "Old Wang's Bicycles"),
		waitText(`#met-stalls`, "Phoenix bicycle bell"),
	)
	screenshot(t, resident, "met")
	step(t, resident, "the home says the stall comes to the next market day",
		chromedp.Navigate(m.n.URL+"/"),
		waitText(`#next-day .reunions`, "Old Wang's Bicycles"),
	)
	screenshot(t, resident, "home-next-day")
}
