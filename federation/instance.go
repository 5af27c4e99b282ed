package federation

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/node"
)

// The instance as Mastodon's API describes one (GET /api/v1/instance and
// /api/v2/instance): other servers (GoToSocial probes /api/v1/instance
// before it federates), directories and apps read the name, description,
// languages, whether sign-up is open, the rules and whom to contact. Only
// what shiji has is filled in; the rest is the documented empty value.

// instanceFacts is what both versions are made of.
func (f *Federation) instanceFacts(c echo.Context) (map[string]any, *node.InstanceInfo, error) {
	ctx := c.Request().Context()
	m, err := f.db.Market(ctx)
	if err != nil {
		return nil, nil, err
	}
	in, err := f.app.InstanceInfo(ctx)
	if err != nil {
		return nil, nil, err
	}
	lang := firstLang(m)
	var users, posts int
	q := f.db.Read()
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM accounts WHERE disabled = 0`).Scan(&users); err != nil {
		return nil, nil, err
	}
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM items WHERE status != 'withdrawn'`).Scan(&posts); err != nil {
		return nil, nil, err
	}
	rules := make([]map[string]string, 0, len(in.Rules))
	for i, r := range in.Rules {
		rules = append(rules, map[string]string{"id": strconv.Itoa(i + 1), "text": r, "hint": ""})
	}
	desc := string(f.md.HTML(m.Description.In(lang, m.Languages...)))
	facts := map[string]any{
		"title": m.Name.In(lang, m.Languages...), "description": desc, "short_description": desc,
		"version": "4.0.0 (compatible; shiji " + f.cfg.Version + ")", "languages": m.Languages,
		"registrations": m.Signup == node.SignupOpen, "approval_required": false, "invites_enabled": m.Signup == node.SignupInvite,
		"rules": rules, "email": in.ContactEmail, "contact_account": nil,
		"stats":         map[string]int{"user_count": users, "status_count": posts, "domain_count": 0},
		"urls":          map[string]string{},
		"configuration": map[string]any{"statuses": map[string]int{"max_characters": node.MaxMessageLen, "max_media_attachments": 4}},
	}
	if in.ContactAccount != "" {
		if acc, _, err := f.db.AccountByName(ctx, in.ContactAccount); err == nil {
			facts["contact_account"] = map[string]any{"id": strconv.FormatInt(int64(acc.ID), 10), "username": acc.Name, "acct": acc.Name,
				"display_name": acc.Shown(), "url": f.u.base + node.ProfilePath(acc.Name), "uri": f.u.person(acc.Name)}
		}
	}
	return facts, in, nil
}

// getInstanceV1 serves Mastodon's /api/v1/instance.
func (f *Federation) getInstanceV1(c echo.Context) error {
	facts, _, err := f.instanceFacts(c)
	if err != nil {
		return f.answer(c, err)
	}
	facts["uri"] = f.host
	c.Response().Header().Set("Access-Control-Allow-Origin", "*")
	return writeJSON(c, http.StatusOK, "application/json", facts)
}

// getInstanceV2 serves Mastodon's /api/v2/instance (contact as an object).
func (f *Federation) getInstanceV2(c echo.Context) error {
	facts, in, err := f.instanceFacts(c)
	if err != nil {
		return f.answer(c, err)
	}
	v2 := map[string]any{"domain": f.host, "title": facts["title"], "version": facts["version"], "description": facts["description"],
		"source_url": "https://github.com/shiji-market/shiji", "languages": facts["languages"], "rules": facts["rules"],
		"usage":         map[string]any{"users": map[string]int{"active_month": 0}},
		"registrations": map[string]any{"enabled": facts["registrations"], "approval_required": false, "message": nil},
		"contact":       map[string]any{"email": in.ContactEmail, "account": facts["contact_account"]},
		"configuration": facts["configuration"],
	}
	c.Response().Header().Set("Access-Control-Allow-Origin", "*")
	return writeJSON(c, http.StatusOK, "application/json", v2)
}
