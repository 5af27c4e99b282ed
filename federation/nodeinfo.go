package federation

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/node"
)

const contentTypeNodeInfo = `application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.1#"`

// getNodeInfoLinks points at the NodeInfo 2.1 document.
func (f *Federation) getNodeInfoLinks(c echo.Context) error {
	c.Response().Header().Set("Access-Control-Allow-Origin", "*")
	return writeJSON(c, http.StatusOK, "application/json", map[string]any{
		"links": []map[string]string{{"rel": nodeinfoSchema, "href": f.u.base + "/nodeinfo/2.1"}},
	})
}

// getNodeInfo serves NodeInfo 2.1 (jhass/nodeinfo schema): the software,
// usage counts, and the market's name, city and languages in metadata.
func (f *Federation) getNodeInfo(c echo.Context) error {
	ctx := c.Request().Context()
	m, err := f.db.Market(ctx)
	if err != nil {
		return f.answer(c, err)
	}
	now := f.now()
	var users, month, halfyear, posts, stalls, open int
	q := f.db.Read()
	for _, x := range []struct {
		dst  *int
		sql  string
		args []any
	}{
		{&users, `SELECT count(*) FROM accounts WHERE disabled = 0`, nil},
		{&month, `SELECT count(DISTINCT account_id) FROM sessions WHERE created_at >= ?`, []any{now.Add(-30 * 24 * time.Hour).Unix()}},
		{&halfyear, `SELECT count(DISTINCT account_id) FROM sessions WHERE created_at >= ?`, []any{now.Add(-180 * 24 * time.Hour).Unix()}},
		{&posts, `SELECT count(*) FROM items WHERE status != 'withdrawn'`, nil},
		{&stalls, `SELECT count(*) FROM stalls`, nil},
		{&open, `SELECT count(*) FROM stalls WHERE open_today = 1`, nil},
	} {
		if err := q.QueryRowContext(ctx, x.sql, x.args...).Scan(x.dst); err != nil {
			return f.answer(c, err)
		}
	}
	in, err := f.app.InstanceInfo(ctx)
	if err != nil {
		return f.answer(c, err)
	}
	maintainer := map[string]string{"name": in.ContactAccount, "email": in.ContactEmail}
	lang := firstLang(m)
	c.Response().Header().Set("Access-Control-Allow-Origin", "*")
	return writeJSON(c, http.StatusOK, contentTypeNodeInfo, map[string]any{
		"version": "2.1",
		"software": map[string]any{
			"name": "shiji", "version": f.cfg.Version,
			"repository": "https://github.com/shiji-market/shiji", "homepage": "https://github.com/shiji-market/shiji",
		},
		"protocols":         []string{"activitypub"},
		"services":          map[string]any{"inbound": []string{}, "outbound": []string{}},
		"openRegistrations": m.Signup == node.SignupOpen,
		"usage": map[string]any{
			"users":      map[string]int{"total": users, "activeMonth": month, "activeHalfyear": halfyear},
			"localPosts": posts,
		},
		"metadata": map[string]any{
			"nodeName": m.Name.In(lang, m.Languages...), "nodeDescription": m.Description.In(lang, m.Languages...),
			"city": m.City.In(lang, m.Languages...), "languages": m.Languages, "timezone": m.Timezone, "stalls": stalls, "openStalls": open,
			"market": f.u.market(), "rules": append([]string{}, in.Rules...), "maintainer": maintainer,
		},
	})
}
