package data

import (
	"context"
	"database/sql"

	"github.com/shiji-market/shiji/node"
)

// DemoMarket returns the believable market of the demo (`shiji demo`,
// `shiji serve --demo`): a fresh value each call.
func DemoMarket() *node.Market { return demoMarket() }

// demoMarket is the believable market `shiji serve --demo` creates.
func demoMarket() *node.Market {
	return &node.Market{
		Name: node.Text{"zh-Hans": "梧桐里周末市集", "en": "Wutong Lane Weekend Market"},
		City: node.Text{"zh-Hans": "上海 · 徐汇", "en": "Xuhui, Shanghai"},
		Description: node.Text{
			"zh-Hans": "每个周六早上，梧桐里的弄堂口就热闹起来：阿婆带来自家阳台上养的花，旧书摊主把一箱箱老杂志摊开，" +
				"对面的年轻人在卖自己烧的陶杯。\n\n这里不是商场。慢慢逛，问问东西的来历，" +
				"**下个星期六再见**。周五晚上还有夜市，灯笼一亮，小吃摊的香味就飘满整条街。",
			"en": "Every Saturday morning the mouth of Wutong Lane comes alive: grannies bring flowers from their balconies, " +
				"the second-hand bookseller opens crate after crate of old magazines, and across the way a young potter sells cups " +
				"fired in her own kiln.\n\nThis is not a mall. Wander slowly, ask where things came from, and **see you next Saturday**. " +
				"On Friday evenings there is a night market too: when the lanterns go on, the smell of the food stalls fills the street.",
		},
		Opening: node.Text{
			"zh-Hans": "每周六 08:00–13:00；每周五夜市 18:00–23:00",
			"en":      "Saturdays 08:00–13:00; Friday night market 18:00–23:00",
		},
		Timezone:  "Asia/Shanghai",
		Languages: []string{"zh-Hans", "en"},
		Signup:    node.SignupOpen,
	}
}

// LoadDemo names the market in an empty database after the demo market, with
// no alleys, stalls or accounts (package data/demo fills a whole market). It
// returns ECONFLICT (and changes nothing) when the market has already been
// set up or accounts exist.
func (db *DB) LoadDemo(ctx context.Context) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		var configured, accounts int
		if err := tx.QueryRowContext(ctx, `SELECT configured, (SELECT count(*) FROM accounts) FROM market WHERE id = 1`).
			Scan(&configured, &accounts); err != nil {
			return err
		}
		if configured != 0 || accounts != 0 {
			return node.Errorf(node.ECONFLICT, "The database at %s already holds a market; the demo is only loaded into an empty one.", db.path)
		}
		return updateMarket(ctx, tx, demoMarket(), db.now())
	})
}
