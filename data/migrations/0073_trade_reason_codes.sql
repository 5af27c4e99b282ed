-- Why a trade was declined, as a code when the market itself gave the
-- reason ('sold_out': another reservation took what was left), so that it
-- is shown in the reader's language on both nodes; reason keeps the text.
ALTER TABLE trades ADD COLUMN reason_code TEXT NOT NULL DEFAULT '';
ALTER TABLE trade_events ADD COLUMN reason_code TEXT NOT NULL DEFAULT '';
UPDATE trades SET reason_code = 'sold_out'
	WHERE reason = 'Sold to someone else: what is left of this item is held for another reservation.';
UPDATE trade_events SET reason_code = 'sold_out'
	WHERE reason = 'Sold to someone else: what is left of this item is held for another reservation.';
