package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// A resident in Chromium: sees where they are logged in, logs out
// everywhere else (their API token stops working), finds the download of
// their data, and deletes their account through the confirmation page
// (refused without the box ticked, then done); they are logged out and
// cannot log in again.
func TestBrowserYourDataAndDeletingYourAccount(t *testing.T) {
	ctx := browser(t)
	m := newMarket(t)
	logIn(t, ctx, m.n.URL, "ajie")
	var sessions, exportHref string
	step(t, ctx, "the account page",
		chromedp.Navigate(m.n.URL+"/account"),
		chromedp.WaitVisible(`#sessions`),
		chromedp.Text(`#sessions ul.sessions`, &sessions),
		chromedp.AttributeValue(`#your-data a[href="/account/export"]`, "href", &exportHref, nil),
	)
	screenshot(t, ctx, "account-trust")
	if !strings.Contains(sessions, "this one") || !strings.Contains(sessions, "API token") || exportHref != "/account/export" {
		t.Fatalf("sessions: %q, export link %q", sessions, exportHref)
	}
	step(t, ctx, "log out everywhere else: the token leaves the list",
		chromedp.Click(`form[action="/account/sessions/end-others"] button`),
		waitJS(`(() => { const l = document.querySelector('#sessions ul.sessions');
			return l !== null && l.textContent.includes('this one') && !l.textContent.includes('API token'); })()`),
	)
	if r := m.call("GET", "/api/v1/account", m.res, ""); r.Status != 401 {
		t.Fatalf("the token survived 'log out everywhere else': %d", r.Status)
	}
	step(t, ctx, "to the confirmation",
		submit(`#your-data a[href="/account/delete"]`, `form[action="/account/delete"]`),
		chromedp.SendKeys(`form[action="/account/delete"] input[name=password]`, "a long secret phrase"),
		// The box is required: the browser will not send the form without it.
		chromedp.Evaluate(`document.querySelector('input[name=confirm]').required`, new(bool)),
	)
	screenshot(t, ctx, "account-delete")
	var done string
	step(t, ctx, "delete, confirmed",
		chromedp.Click(`input[name=confirm]`),
		submit(`form[action="/account/delete"] button[type=submit]`, `p[role=status]`),
		chromedp.Text(`p[role=status]`, &done),
	)
	if !strings.Contains(done, "Your account is deleted") {
		t.Fatalf("after deleting: %q", done)
	}
	var nav string
	step(t, ctx, "logged out",
		chromedp.Navigate(m.n.URL+"/account"),
		chromedp.WaitVisible(`input[name=password]`),
		chromedp.Location(&nav),
	)
	if !strings.Contains(nav, "/login") {
		t.Fatalf("the deleted account still opens /account: %s", nav)
	}
	if r := m.c.postJSON("/api/v1/sessions", `{"name":"ajie","password":"a long secret phrase"}`); r.Status != 401 {
		t.Fatalf("the deleted account logs in: %d", r.Status)
	}
}

// waitJS waits until js is true, across a navigation that may still be
// under way (an error while the page changes is a "not yet").
func waitJS(js string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		deadline := time.Now().Add(hangGuard)
		for {
			var ok bool
			if err := chromedp.Evaluate(js, &ok).Do(ctx); err == nil && ok {
				return nil
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("still not true after %s: %s", hangGuard, js)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
		}
	})
}
