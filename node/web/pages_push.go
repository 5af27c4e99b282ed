package web

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/push"
)

// Web Push settings: a device subscribes in the browser (pwa.js asks for
// permission and calls pushManager.subscribe with the node's VAPID key),
// then sends its subscription and the kinds it wants to
// POST /api/v1/push/subscriptions. Devices are
// listed on /account/app and can be removed.

type pushPageData struct {
	Key     string // the VAPID public key; "" when push is off
	Kinds   []string
	Devices []*data.PushSubscription
}

func (s *Server) pushPageData(c echo.Context) (*pushPageData, error) {
	d := &pushPageData{Key: s.cfg.PushKey, Kinds: push.Kinds}
	var err error
	d.Devices, err = s.app.DB.PushSubscriptions(c.Request().Context(), account(c).ID)
	return d, err
}

// pushInput is a browser's PushSubscription.toJSON(), with the kinds.
type pushInput struct {
	Endpoint string `json:"endpoint"`
	Keys     struct {
		P256dh string `json:"p256dh"`
		Auth   string `json:"auth"`
	} `json:"keys"`
	Kinds []string `json:"kinds"`
}

// subscribePush stores this device's subscription for the signed-in
// account (JSON, from pwa.js).
func (s *Server) subscribePush(c echo.Context) error {
	if s.cfg.PushKey == "" {
		return node.Errorf(node.ENOTFOUND, "Notifications are not available on this market.")
	}
	var in pushInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	sub, err := s.checkSubscription(in)
	if err != nil {
		return err
	}
	sub.Account, sub.Device, sub.Session = account(c).ID, deviceName(c.Request().UserAgent()), currentToken(c)
	if err := s.app.DB.SavePushSubscription(c.Request().Context(), sub); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"id": sub.ID, "kinds": sub.Kinds})
}

// checkSubscription refuses what is not a push subscription: the endpoint
// must be an https URL (plain http too with --allow-private-networks), the
// keys a P-256 point and a 16-byte secret, the kinds known ones.
func (s *Server) checkSubscription(in pushInput) (*data.PushSubscription, error) {
	u, err := url.Parse(in.Endpoint)
	if err != nil || u.Host == "" || len(in.Endpoint) > 2048 || u.User != nil ||
		(u.Scheme != "https" && !(u.Scheme == "http" && s.cfg.AllowPrivate)) {
		return nil, node.Errorf(node.EINVALID, "The subscription's endpoint must be an https address of a push service.")
	}
	key, err1 := base64.RawURLEncoding.DecodeString(strings.TrimRight(in.Keys.P256dh, "="))
	auth, err2 := base64.RawURLEncoding.DecodeString(strings.TrimRight(in.Keys.Auth, "="))
	if err1 != nil || err2 != nil || len(key) != 65 || key[0] != 4 || len(auth) != 16 {
		return nil, node.Errorf(node.EINVALID, "The subscription's keys are not a browser's push keys.")
	}
	var kinds []string
	for _, k := range in.Kinds {
		if !slices.Contains(push.Kinds, k) {
			return nil, node.Errorf(node.EINVALID, "Unknown kind of notification %q.", k)
		}
		if !slices.Contains(kinds, k) {
			kinds = append(kinds, k)
		}
	}
	return &data.PushSubscription{Endpoint: in.Endpoint, P256dh: in.Keys.P256dh, Auth: in.Keys.Auth, Kinds: kinds}, nil
}

// unsubscribePush removes a device: by id from the settings page (a form),
// or this device by its endpoint (JSON, when it turns notifications off).
func (s *Server) unsubscribePush(c echo.Context) error {
	ctx := c.Request().Context()
	if c.Param("id") != "" {
		id, err := strconv.ParseInt(c.Param("id"), 10, 64)
		if err != nil {
			return node.Errorf(node.ENOTFOUND, "There is no such device.")
		}
		if err := s.app.DB.DeletePushSubscription(ctx, account(c).ID, id, ""); err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, "/account/app?saved=device#devices")
	}
	var in pushInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.Endpoint == "" {
		return node.Errorf(node.EINVALID, "The subscription's endpoint must be an https address of a push service.")
	}
	if err := s.app.DB.DeletePushSubscription(ctx, account(c).ID, 0, in.Endpoint); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// deviceName makes a short, readable name of a browser from its
// User-Agent ("Chrome on Android"), to tell devices apart.
func deviceName(ua string) string {
	browser := "Browser"
	for _, b := range []struct{ token, name string }{{"Edg/", "Edge"}, {"Firefox/", "Firefox"}, {"Chromium/", "Chromium"},
		{"Chrome/", "Chrome"}, {"Safari/", "Safari"}} {
		if strings.Contains(ua, b.token) {
			browser = b.name
			break
		}
	}
	osName := ""
	for _, o := range []struct{ token, name string }{{"Android", "Android"}, {"iPhone", "iPhone"}, {"iPad", "iPad"},
		{"Windows", "Windows"}, {"Mac OS X", "macOS"}, {"Linux", "Linux"}} {
		if strings.Contains(ua, o.token) {
			osName = o.name
			break
		}
	}
	if osName == "" {
		return browser
	}
	return browser + " · " + osName
}
