package federation

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/node"
)

const contentTypeJRD = "application/jrd+json"

// jrd is a WebFinger answer (RFC 7033).
type jrd struct {
	Subject string    `json:"subject"`
	Aliases []string  `json:"aliases,omitempty"`
	Links   []jrdLink `json:"links"`
}

type jrdLink struct {
	Rel      string `json:"rel"`
	Type     string `json:"type,omitempty"`
	Href     string `json:"href,omitempty"`
	Template string `json:"template,omitempty"`
}

// getWebFinger answers /.well-known/webfinger?resource=acct:NAME@HOST for
// people, stalls (stall-ID), the market (market) and the instance actor, and
// for their actor URLs. Unknown resources are 404, a missing one 400, both
// with a JSON error.
func (f *Federation) getWebFinger(c echo.Context) error {
	res := strings.TrimSpace(c.QueryParam("resource"))
	if res == "" {
		return f.answer(c, node.Errorf(node.EINVALID, "Give the resource to look up: ?resource=acct:name@%s.", f.host))
	}
	ref, err := f.resourceRef(res)
	if err != nil {
		return f.answer(c, err)
	}
	a, err := f.loadActor(c.Request().Context(), ref)
	if node.ErrorCode(err) == node.ENOTFOUND {
		return f.answer(c, node.Errorf(node.ENOTFOUND, "Nobody here is %s.", res))
	} else if err != nil {
		return f.answer(c, err)
	}
	out := jrd{
		Subject: "acct:" + a.username + "@" + f.host,
		Aliases: dedupeKeepOrder(a.id, a.url),
		Links: []jrdLink{
			{Rel: "self", Type: contentTypeAS, Href: a.id},
			{Rel: "http://webfinger.net/rel/profile-page", Type: "text/html", Href: a.url},
		},
	}
	c.Response().Header().Set("Access-Control-Allow-Origin", "*")
	return writeJSON(c, http.StatusOK, contentTypeJRD, out)
}

// resourceRef reads a WebFinger resource: acct:user@host (host must be ours)
// or one of our actor URLs.
func (f *Federation) resourceRef(res string) (actorRef, error) {
	notHere := node.Errorf(node.ENOTFOUND, "Nobody here is %s.", res)
	if strings.HasPrefix(res, "http://") || strings.HasPrefix(res, "https://") {
		p := f.u.localPath(res)
		if p == "/" {
			return actorRef{kind: keyMarket}, nil
		}
		if strings.HasPrefix(p, "/@") && personPathRE.MatchString(p) {
			return actorRef{kind: "person", name: personPathRE.FindStringSubmatch(p)[1]}, nil
		}
		ref, ok := parseActorPath(p)
		if !ok || ref.boxPath != "" {
			return ref, notHere
		}
		return ref, nil
	}
	user, host, ok := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(res, "acct:"), "@"), "@")
	if !ok || user == "" || !strings.EqualFold(host, f.host) {
		return actorRef{}, notHere
	}
	user = strings.ToLower(user)
	switch {
	case user == "market":
		return actorRef{kind: keyMarket}, nil
	case user == f.instanceUsername():
		return actorRef{kind: keyInstance}, nil
	case handleRE.MatchString(user):
		ref, _ := parseActorPath("/stalls/" + handleRE.FindStringSubmatch(user)[1])
		return ref, nil
	case roomHandleRE.MatchString(user):
		ref, _ := parseActorPath("/rooms/" + roomHandleRE.FindStringSubmatch(user)[1])
		return ref, nil
	case personPathRE.MatchString("/@" + user):
		return actorRef{kind: "person", name: user}, nil
	}
	return actorRef{}, notHere
}

// getHostMeta points older clients at WebFinger.
func (f *Federation) getHostMeta(c echo.Context) error {
	x := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0"><Link rel="lrdd" template="` +
		f.u.base + `/.well-known/webfinger?resource={uri}"/></XRD>` + "\n"
	return c.Blob(http.StatusOK, "application/xrd+xml; charset=utf-8", []byte(x))
}

// lookupAcct finds the actor IRI of user@host with WebFinger (https; plain
// http too when private networks are allowed, for tests and LANs). Errors:
// EINVALID for a malformed or local address, ENOTFOUND when nobody answers.
func (f *Federation) lookupAcct(ctx context.Context, acct string) (string, error) {
	acct = strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(acct), "acct:"), "@")
	user, host, ok := strings.Cut(acct, "@")
	if !ok || user == "" || host == "" || strings.ContainsAny(acct, "/?#\\ ") || strings.Count(acct, "@") != 1 {
		return "", node.Errorf(node.EINVALID, "%q is not an address like stall-1@market.example.", acct)
	}
	if strings.EqualFold(host, f.host) {
		return "", node.Errorf(node.EINVALID, "%s is on this market; follow it here.", acct)
	}
	if f.blocks(ctx).hostBlocked(host) {
		return "", node.Errorf(node.EFORBIDDEN, "The organiser has blocked %s.", host)
	}
	schemes := []string{"https"}
	if f.cfg.AllowPrivate {
		schemes = append(schemes, "http")
	}
	var lastErr error
	for _, scheme := range schemes {
		u := scheme + "://" + host + "/.well-known/webfinger?resource=" + url.QueryEscape("acct:"+acct)
		m, err := f.client.getJSON(ctx, u, contentTypeJRD+", application/json", "")
		if err != nil {
			lastErr = err
			continue
		}
		links, _ := m["links"].([]any)
		for _, l := range links {
			lm, _ := l.(map[string]any)
			if str(lm, "rel") == "self" && isASMediaType(str(lm, "type")) && strings.HasPrefix(str(lm, "href"), "http") {
				return str(lm, "href"), nil
			}
		}
		return "", node.Errorf(node.ENOTFOUND, "%s has no ActivityPub actor.", acct)
	}
	f.log.Info("webfinger failed", "acct", acct, "err", lastErr)
	return "", node.Errorf(node.ENOTFOUND, "Cannot find %s: %s did not answer.", acct, host)
}

func dedupeKeepOrder(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" && !contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// acctOf is user@host of a remote actor.
func acctOf(a *remoteActor) string {
	if a.PreferredUsername == "" {
		return a.ID
	}
	return fmt.Sprintf("%s@%s", a.PreferredUsername, hostOf(a.ID))
}
