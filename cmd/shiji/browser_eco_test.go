package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/serviceworker"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// TestBrowserFirstRunSetupOpensAStallAndListsAnItem: an empty node prints a
// setup link; the organiser follows it, creates their account, names the
// market, keeps the suggested alleys and a Saturday market day; the market
// then no longer says it opens soon, and they open a stall and list an item.
func TestBrowserFirstRunSetupOpensAStallAndListsAnItem(t *testing.T) {
	ctx := browser(t)
	n := startNode(t, "")
	link, _ := n.setupLink(t)
	// Without the token, nobody can set the market up.
	if r := newClient(t, n.URL).get("/setup"); r.Status != 403 {
		t.Fatalf("/setup without the token: %d", r.Status)
	}
	var home, stallURL, item string
	step(t, ctx, "open the setup link",
		network.Enable(), acceptLanguage("en-US,en;q=0.9"),
		chromedp.Navigate(link),
		chromedp.WaitVisible(`input[name=owner_name]`),
		chromedp.SendKeys(`input[name=owner_name]`, "mei"),
		chromedp.SendKeys(`input[name=owner_password]`, "plum blossom tea"),
		chromedp.SendKeys(`input[name="name_zh-Hans"]`, "梧桐里市集"),
		chromedp.SendKeys(`input[name="name_en"]`, "Wutong Lane Market"),
		chromedp.SendKeys(`input[name="city_en"]`, "Shanghai"),
	)
	screenshot(t, ctx, "setup-form")
	step(t, ctx, "submit the setup",
		chromedp.Submit(`form.setup-form`),
		chromedp.WaitVisible(`section.hero h1`),
		chromedp.Text(`body`, &home),
	)
	screenshot(t, ctx, "setup-home")
	if strings.Contains(home, "opens soon") || strings.Contains(home, "Finish setting up") || !strings.Contains(home, "Wutong Lane Market") {
		t.Fatalf("after setup the home page says:\n%s", home)
	}
	step(t, ctx, "open a stall",
		chromedp.Navigate(n.URL+"/stalls/new"),
		chromedp.WaitVisible(`select[name=alley]`),
		chromedp.SendKeys(`input[name=name]`, "Old Wang's Bells"),
		chromedp.SetValue(`textarea[name=story]`, "Bells from every temple fair since 1988."),
		chromedp.Submit(`input[name=name]`),
		chromedp.WaitVisible(`a[href$="/items/new"]`),
		chromedp.Location(&stallURL),
	)
	step(t, ctx, "list an item",
		chromedp.Click(`a[href$="/items/new"]`),
		chromedp.WaitVisible(`input[name=title]`),
		chromedp.SendKeys(`input[name=title]`, "Brass temple bell"),
		chromedp.Click(`input[name=price_kind][value=free]`),
		chromedp.Submit(`input[name=title]`),
		// The form has an h1 too: wait for the item's own.
		waitText(`h1`, "Brass temple bell"),
		chromedp.Text(`main`, &item),
	)
	screenshot(t, ctx, "setup-item")
	if !strings.Contains(item, "Brass temple bell") || !strings.Contains(item, "Free") {
		t.Fatalf("the item page says:\n%s", item)
	}
	// Setup again changes nothing that was set, and needs the organiser now.
	if r := newClient(t, n.URL).get(strings.TrimPrefix(link, n.URL)); r.Status != 303 {
		t.Fatalf("the setup link after setup: %d (want a redirect to log in)", r.Status)
	}
}

// TestBrowserAppWorksOfflineAndShowsPushes installs the service worker,
// stops the market's server and reloads the page (it comes from the cache),
// opens a page never visited (the offline page), and delivers a push message to the
// service worker through DevTools, which shows it as a notification.
func TestBrowserAppWorksOfflineAndShowsPushes(t *testing.T) {
	ctx := browser(t)
	n := startNode(t, "")
	var manifest, title, text string
	step(t, ctx, "visit with the service worker",
		network.Enable(), acceptLanguage("en-US,en;q=0.9"),
		chromedp.Navigate(n.URL+"/map"),
		chromedp.WaitVisible(`main`),
		chromedp.Evaluate(`navigator.serviceWorker.ready.then(() => true)`, nil, awaitPromise),
		chromedp.Evaluate(`fetch('/manifest.webmanifest').then(r => r.text())`, &manifest, awaitPromise),
		// The worker controls pages loaded after it is active.
		chromedp.Navigate(n.URL+"/map"),
		chromedp.WaitVisible(`main`),
		chromedp.Evaluate(`new Promise(r => { if (navigator.serviceWorker.controller) r(true);
			else navigator.serviceWorker.addEventListener('controllerchange', () => r(true)); })`, nil, awaitPromise),
		chromedp.Title(&title),
	)
	var mf struct {
		Name, Display string
		StartURL      string `json:"start_url"`
		Icons         []struct{ Src, Sizes string }
	}
	if err := json.Unmarshal([]byte(manifest), &mf); err != nil || len(mf.Icons) < 2 || mf.Display != "standalone" || mf.StartURL != "/" {
		t.Fatalf("manifest %q: %v", manifest, err)
	}
	// Offline for real: the market's server is gone (DevTools' network
	// emulation does not reach the service worker's own fetches).
	n.Stop(t)
	step(t, ctx, "reload offline",
		network.EmulateNetworkConditions(true, 0, -1, -1),
		chromedp.Reload(),
		chromedp.WaitVisible(`main`),
		chromedp.Text(`main`, &text),
	)
	screenshot(t, ctx, "offline-cached")
	var offlineTitle string
	chromedp.Run(ctx, chromedp.Title(&offlineTitle))
	if offlineTitle != title || text == "" {
		t.Fatalf("offline reload shows %q, want the cached %q", offlineTitle, title)
	}
	step(t, ctx, "a page never visited, offline",
		chromedp.Navigate(n.URL+"/search"),
		chromedp.WaitVisible(`main h1`),
		chromedp.Text(`main`, &text),
	)
	screenshot(t, ctx, "offline-page")
	if !strings.Contains(text, "You are offline") {
		t.Fatalf("the offline page says:\n%s", text)
	}
	step(t, ctx, "network back", network.EmulateNetworkConditions(false, 0, -1, -1))

	// A push message reaches the service worker, which shows it.
	step(t, ctx, "allow notifications",
		cdpbrowser.GrantPermissions([]cdpbrowser.PermissionType{cdpbrowser.PermissionTypeNotifications}).WithOrigin(n.URL),
		serviceworker.Enable(),
	)
	var regID string
	step(t, ctx, "find the registration",
		chromedp.Evaluate(`navigator.serviceWorker.ready.then(r => r.scope)`, nil, awaitPromise),
		chromedp.ActionFunc(func(ctx context.Context) error {
			// The registration id comes with the worker's version events.
			ch := make(chan string, 1)
			chromedp.ListenTarget(ctx, func(ev any) {
				if e, ok := ev.(*serviceworker.EventWorkerRegistrationUpdated); ok {
					for _, r := range e.Registrations {
						if strings.HasPrefix(r.ScopeURL, n.URL) {
							select {
							case ch <- string(r.RegistrationID):
							default:
							}
						}
					}
				}
			})
			if err := serviceworker.Disable().Do(ctx); err != nil {
				return err
			}
			if err := serviceworker.Enable().Do(ctx); err != nil {
				return err
			}
			select {
			case regID = <-ch:
				return nil
			case <-time.After(hangGuard):
				return context.DeadlineExceeded
			}
		}),
	)
	// The worker itself is watched through DevTools: headless Chromium may
	// drop a shown notification at once when loaded (getNotifications then
	// lists nothing although showNotification resolved), so what is checked
	// is what the worker asked to show, and that the showing succeeded.
	sw := serviceWorkerTarget(t, ctx, n.URL)
	step(t, sw, "watch the worker's notifications", workerEval(`(() => {
		const reg = self.registration, show = reg.showNotification.bind(reg);
		self.__shown = [];
		reg.showNotification = (title, opts) => show(title, opts).then((v) => {
			self.__shown.push(title + '|' + opts.body + '|' + (opts.data && opts.data.url));
			return v;
		});
		return true;
	})()`, nil))
	payload := `{"title":"@xiaolin asked about your item","body":"Is it still here?","url":"/trades","tag":"question-1"}`
	var shown string
	step(t, ctx, "deliver a push",
		serviceworker.DeliverPushMessage(n.URL, serviceworker.RegistrationID(regID), payload),
	)
	step(t, sw, "the worker shows it", chromedp.ActionFunc(func(ctx context.Context) error {
		for ctx.Err() == nil {
			if err := workerEval(`self.__shown.join(';')`, &shown).Do(ctx); err != nil {
				return err
			}
			if shown != "" {
				return nil
			}
			time.Sleep(100 * time.Millisecond)
		}
		return nil
	}))
	if shown != "@xiaolin asked about your item|Is it still here?|/trades" {
		t.Fatalf("notifications shown: %q", shown)
	}
}

// workerEval evaluates expr in a worker's scope (chromedp.Evaluate waits for a
// frame, which a worker has not) and stores its value in res, when not nil.
func workerEval(expr string, res any) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		v, exc, err := runtime.Evaluate(expr).WithReturnByValue(true).Do(ctx)
		if err != nil {
			return err
		}
		if exc != nil {
			return exc
		}
		if res == nil {
			return nil
		}
		return json.Unmarshal(v.Value, res)
	})
}

// serviceWorkerTarget attaches to the market's service worker, for running
// script in its scope; DevTools being attached keeps the worker running.
func serviceWorkerTarget(t *testing.T, ctx context.Context, origin string) context.Context {
	t.Helper()
	var id target.ID
	step(t, ctx, "find the service worker", chromedp.ActionFunc(func(ctx context.Context) error {
		for ctx.Err() == nil {
			infos, err := chromedp.Targets(ctx)
			if err != nil {
				return err
			}
			for _, in := range infos {
				if in.Type == "service_worker" && strings.HasPrefix(in.URL, origin+"/") {
					id = in.TargetID
					return nil
				}
			}
			time.Sleep(100 * time.Millisecond)
		}
		return ctx.Err()
	}))
	sw, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(id))
	t.Cleanup(cancel)
	// Not step: the first Run's context lives as long as the attachment.
	if err := chromedp.Run(sw); err != nil {
		t.Fatalf("attaching to the service worker: %v", err)
	}
	return sw
}

// awaitPromise makes Evaluate wait for a returned promise.
func awaitPromise(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }
