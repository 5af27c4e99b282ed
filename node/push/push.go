// Package push sends Web Push notifications (VAPID, RFC 8030/8291/8292, via
// github.com/SherClockHolmes/webpush-go) to the devices people opted in on:
// a question on my item, an answer to my question, a private message, a
// reservation request or answer, and "the market opens in an hour" on a day
// with a hand-over. It reads the notifications the market already writes
// (so every path that notifies, federation included, pushes too), in order,
// remembering how far it got; a subscription the push service says is gone
// (404, 410) is dropped.
package push

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"
	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
	"github.com/shiji-market/shiji/node/i18n"
)

// Kinds a device can opt in to.
const (
	KindQuestion = "question" // a question on my item
	KindAnswer   = "answer"   // an answer to my question
	KindPrivate  = "private"  // a private message
	KindTrade    = "trade"    // a reservation request, or the stall's answer
	KindReminder = "reminder" // the market opens in an hour, and I have a hand-over
)

// Kinds are all kinds, in the order the settings show them.
var Kinds = []string{KindQuestion, KindAnswer, KindPrivate, KindTrade, KindReminder}

// KindOf is the push kind of a notification kind, "" for those not pushed.
func KindOf(notification string) string {
	switch notification {
	case "question":
		return KindQuestion
	case "reply":
		return KindAnswer
	case "private":
		return KindPrivate
	case "trade_requested", "trade_accepted", "trade_declined":
		return KindTrade
	}
	return ""
}

// Payload is what a notification carries to the service worker (sw.js).
type Payload struct {
	Title string `json:"title"`
	Body  string `json:"body"`
	URL   string `json:"url"`
	Tag   string `json:"tag"`
}

// Metrics counts pushes by result ("sent", "gone", "failed"); nil is fine.
type Metrics interface{ Pushed(result string) }

// Pusher sends the pushes.
type Pusher struct {
	App     *app.App
	Catalog *i18n.Catalog
	Client  webpush.HTTPClient // SSRF-safe in production
	BaseURL string
	Logger  *slog.Logger
	Metrics Metrics
	// Every is how often Run looks for new notifications (2 s by default).
	Every time.Duration

	public, private string
}

// New returns a Pusher with the node's VAPID keys (made on first use).
func New(ctx context.Context, p Pusher) (*Pusher, error) {
	pub, priv, err := p.App.DB.PushKeys(ctx, func() (string, string, error) {
		priv, pub, err := webpush.GenerateVAPIDKeys()
		return pub, priv, err
	})
	if err != nil {
		return nil, fmt.Errorf("push: VAPID keys: %w", err)
	}
	p.public, p.private = pub, priv
	if p.Logger == nil {
		p.Logger = slog.Default()
	}
	if p.Every <= 0 {
		p.Every = 2 * time.Second
	}
	if p.Client == nil {
		p.Client = http.DefaultClient
	}
	return &p, nil
}

// PublicKey is the VAPID public key browsers subscribe with
// (applicationServerKey), base64url.
func (p *Pusher) PublicKey() string { return p.public }

// Run pushes new notifications every p.Every and the market-day reminders
// every minute, until ctx ends.
func (p *Pusher) Run(ctx context.Context) {
	t := time.NewTicker(p.Every)
	defer t.Stop()
	var lastRemind time.Time
	for {
		if _, err := p.Flush(ctx); err != nil && ctx.Err() == nil {
			p.Logger.Warn("push: notifications", "err", err)
		}
		if now := p.App.Now(); now.Sub(lastRemind) >= time.Minute {
			lastRemind = now
			if _, err := p.Remind(ctx); err != nil && ctx.Err() == nil {
				p.Logger.Warn("push: reminders", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Flush pushes every notification written since the last Flush to the
// devices of its account that want its kind, and returns how many pushes
// went out.
func (p *Pusher) Flush(ctx context.Context) (int, error) {
	sent := 0
	for range 100 { // at most 10,000 notifications a round
		pending, next, done, err := p.App.DB.PendingPushes(ctx, 100)
		if err != nil {
			return sent, err
		}
		for _, n := range pending {
			if kind := KindOf(n.Kind); kind != "" {
				sent += p.sendTo(ctx, n.Account, kind, p.payload(ctx, n, kind))
			}
		}
		if err := p.App.DB.MovePushCursor(ctx, next); err != nil {
			return sent, err
		}
		if done {
			break
		}
	}
	return sent, nil
}

// payload words a notification in its reader's language.
func (p *Pusher) payload(ctx context.Context, n data.PushNotification, kind string) Payload {
	loc := p.localizer(ctx, n.Lang)
	url := p.BaseURL + "/notifications"
	if n.Conversation != 0 {
		if c, err := p.App.DB.Conversation(ctx, n.Conversation, n.Account); err == nil {
			url = p.BaseURL + app.ConversationPath(c)
		}
	}
	if strings.HasPrefix(n.Kind, "trade_") {
		url = p.BaseURL + "/trades"
	}
	return Payload{Title: loc.T("push."+n.Kind, "Name", "@"+n.Actor), Body: n.Excerpt, URL: url,
		Tag: fmt.Sprintf("%s-%d", kind, n.ID)}
}

func (p *Pusher) localizer(ctx context.Context, lang string) *i18n.Localizer {
	fallback := "zh-Hans"
	if m, err := p.App.DB.Market(ctx); err == nil && len(m.Languages) > 0 {
		fallback = m.Languages[0]
	}
	return p.Catalog.Localizer(p.Catalog.Match(fallback, lang))
}

// Remind tells the people with a hand-over on a market day that opens
// within the hour, once per day, and returns how many pushes went out.
func (p *Pusher) Remind(ctx context.Context) (int, error) {
	days, err := p.App.UpcomingDays(ctx, 2)
	if err != nil {
		return 0, err
	}
	now, sent := p.App.Now(), 0
	for _, d := range days {
		if d.Cancelled || !d.Start.After(now) || d.Start.Sub(now) > time.Hour {
			continue
		}
		parties, err := p.App.DB.HandOverParties(ctx, d.Date)
		if err != nil {
			return sent, err
		}
		for _, party := range parties {
			first, err := p.App.DB.Reminded(ctx, party.Account, d.Date)
			if err != nil || !first {
				continue
			}
			loc := p.localizer(ctx, party.Lang)
			pl := Payload{Title: loc.T("push.reminder.title"), Body: loc.T("push.reminder.body", "N", party.Trades,
				"Time", d.Start.Format("15:04")), URL: p.BaseURL + "/trades", Tag: "reminder-" + d.Date}
			sent += p.sendTo(ctx, party.Account, KindReminder, pl)
		}
	}
	return sent, nil
}

// sendTo pushes pl to each of the account's devices that wants kind and
// returns how many took it.
func (p *Pusher) sendTo(ctx context.Context, account node.AccountID, kind string, pl Payload) int {
	subs, err := p.App.DB.PushSubscriptions(ctx, account)
	if err != nil {
		p.Logger.Warn("push: subscriptions", "err", err)
		return 0
	}
	body, _ := json.Marshal(pl)
	n := 0
	for _, s := range subs {
		if !s.Wants(kind) {
			continue
		}
		switch p.send(ctx, s, body) {
		case "sent":
			n++
			if err := p.App.DB.PushSent(ctx, s.ID); err != nil {
				p.Logger.Warn("push: record", "err", err)
			}
		case "gone":
			if err := p.App.DB.DeletePushSubscription(ctx, 0, 0, s.Endpoint); err != nil {
				p.Logger.Warn("push: drop subscription", "err", err)
			}
		}
	}
	return n
}

// send makes one push and says how it went: sent, gone (the subscription
// has ended) or failed.
func (p *Pusher) send(ctx context.Context, s *data.PushSubscription, body []byte) (result string) {
	defer func() {
		if p.Metrics != nil {
			p.Metrics.Pushed(result)
		}
	}()
	subscriber := p.BaseURL
	if !strings.HasPrefix(subscriber, "https:") {
		subscriber = "push@" + strings.TrimPrefix(strings.TrimPrefix(p.BaseURL, "http://"), "https://")
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	resp, err := webpush.SendNotificationWithContext(ctx, body, &webpush.Subscription{Endpoint: s.Endpoint,
		Keys: webpush.Keys{P256dh: s.P256dh, Auth: s.Auth}}, &webpush.Options{
		HTTPClient: p.Client, Subscriber: subscriber, VAPIDPublicKey: p.public, VAPIDPrivateKey: p.private,
		TTL: 24 * 3600, Urgency: webpush.UrgencyNormal,
	})
	if err != nil {
		p.Logger.Info("push failed", "endpoint_host", hostOf(s.Endpoint), "err", err)
		return "failed"
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		return "gone"
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return "sent"
	}
	p.Logger.Info("push refused", "endpoint_host", hostOf(s.Endpoint), "status", resp.StatusCode)
	return "failed"
}

func hostOf(endpoint string) string {
	h := strings.TrimPrefix(strings.TrimPrefix(endpoint, "https://"), "http://")
	if i := strings.IndexByte(h, '/'); i >= 0 {
		h = h[:i]
	}
	return h
}
