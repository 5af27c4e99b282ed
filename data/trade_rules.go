package data

import (
	"context"
	"database/sql"

	"github.com/shiji-market/shiji/node"
)

// The checks every new trade passes inside its transaction, at home and
// across markets (CreateTrade, CreateRemoteTrade): the buyer's open
// reservations under the cap, and, when the item is here, the item can be
// reserved and its stall comes on the trade's day.

// checkNewTradeTx checks trade t before it is stored. The buyer is t.Buyer
// when it is someone here, else t.Remote.Actor (a buyer elsewhere whose
// Offer we take). When maxOpen > 0 and the buyer has that many trades open
// (requested, accepted or handed over, here and on other markets), it is
// ECONFLICT. When the item is here (every trade but the buyer's copy of a
// reservation elsewhere), the item is loaded inside tx and must be
// reservable (ECONFLICT, ENOTFOUND), its stall must come on t.Day
// (EINVALID); t's stall, item title and stall name are filled in and the
// stall's holders returned (to notify).
func checkNewTradeTx(ctx context.Context, tx *sql.Tx, t *node.Trade, maxOpen int) ([]node.AccountID, error) {
	if err := checkOpenTradesTx(ctx, tx, t, maxOpen); err != nil {
		return nil, err
	}
	if t.Remote != nil && t.Remote.Side == node.RemoteStall {
		return nil, nil // the item is on the stall's market: that node checks it
	}
	it, err := itemForTrade(ctx, tx, t.Item)
	if err != nil {
		return nil, err
	}
	if err := it.CanReserve(t.Quantity); err != nil {
		return nil, err
	}
	t.Stall, t.ItemTitle, t.StallName = it.Stall, it.Title, it.StallName
	var comes int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM stall_days WHERE stall_id = ? AND date = ?`, t.Stall, t.Day).Scan(&comes); err != nil {
		return nil, err
	}
	if comes == 0 {
		return nil, node.Errorf(node.EINVALID, "%s does not come to the market on %s; choose a day it comes.", it.StallName, t.Day)
	}
	return stallHolders(ctx, tx, t.Stall)
}

// checkOpenTradesTx is ECONFLICT when t's buyer (someone here, or the
// remote buyer t.Remote.Actor) has max or more trades open (requested,
// accepted or handed over); max <= 0 is no cap.
func checkOpenTradesTx(ctx context.Context, tx *sql.Tx, t *node.Trade, max int) error {
	if max <= 0 {
		return nil
	}
	var n int
	var err error
	if t.Remote != nil && t.Remote.Side == node.RemoteBuyer {
		err = tx.QueryRowContext(ctx, `SELECT count(*) FROM trades WHERE remote_side = ? AND remote_actor = ?
			AND status IN ('requested', 'accepted', 'handed_over')`, node.RemoteBuyer, t.Remote.Actor).Scan(&n)
	} else {
		err = tx.QueryRowContext(ctx, `SELECT count(*) FROM trades WHERE buyer_id = ? AND status IN ('requested', 'accepted', 'handed_over')`,
			t.Buyer).Scan(&n)
	}
	if err != nil {
		return err
	}
	if n >= max {
		return node.Errorf(node.ECONFLICT, "You have %d reservations open, as many as one person may have here; collect or cancel one before reserving more.", n)
	}
	return nil
}
