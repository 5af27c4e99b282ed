-- Market days, stall attendance, trades (交易) with their steps and
-- thank-you notes, and local stall follows (重逢). Times are unix seconds.

-- The market's schedule, in the market's time zone: weekly days, one-off
-- dates (which also replace a weekly day's hours on that date) and cancelled
-- dates. Empty: the market has no market days yet.
CREATE TABLE market_schedule (
	id        INTEGER PRIMARY KEY,
	kind      TEXT NOT NULL CHECK (kind IN ('weekly', 'date', 'cancelled')),
	weekday   INTEGER CHECK (weekday BETWEEN 0 AND 6),  -- weekly: 0 = Sunday
	date      TEXT,                                    -- date, cancelled: YYYY-MM-DD
	start_min INTEGER NOT NULL DEFAULT 0,              -- minutes after midnight
	end_min   INTEGER NOT NULL DEFAULT 0,              -- at or before start: after midnight
	label     TEXT NOT NULL DEFAULT '',
	CHECK ((kind = 'weekly') = (weekday IS NOT NULL)),
	CHECK ((kind = 'weekly') = (date IS NULL))
);

-- The market days (dates) a stall says it comes to.
CREATE TABLE stall_days (
	stall_id INTEGER NOT NULL REFERENCES stalls(id) ON DELETE CASCADE,
	date     TEXT NOT NULL,
	PRIMARY KEY (stall_id, date)
) WITHOUT ROWID;
CREATE INDEX stall_days_date ON stall_days(date);

-- "I'll bring it on Saturday": the market day an item comes to ('' = any).
ALTER TABLE items ADD COLUMN bring_on TEXT NOT NULL DEFAULT '';

-- A trade: a resident's reservation of an item for a market day. Accepted
-- and handed-over trades hold their quantity (see data/trade.go).
CREATE TABLE trades (
	id              INTEGER PRIMARY KEY,
	item_id         INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
	stall_id        INTEGER NOT NULL REFERENCES stalls(id) ON DELETE CASCADE,
	buyer_id        INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	quantity        INTEGER NOT NULL CHECK (quantity > 0),
	day             TEXT NOT NULL,            -- the market day, YYYY-MM-DD in the market's zone
	starts_at       INTEGER NOT NULL,
	closes_at       INTEGER NOT NULL,         -- the hold ends then, plus the grace
	message         TEXT NOT NULL DEFAULT '',
	status          TEXT NOT NULL CHECK (status IN ('requested', 'accepted', 'handed_over', 'completed', 'declined', 'cancelled', 'expired')),
	reason          TEXT NOT NULL DEFAULT '',
	conversation_id INTEGER REFERENCES conversations(id) ON DELETE SET NULL,
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL
);
CREATE INDEX trades_item ON trades(item_id, status);
CREATE INDEX trades_buyer ON trades(buyer_id, updated_at DESC);
CREATE INDEX trades_stall ON trades(stall_id, updated_at DESC);
CREATE INDEX trades_conversation ON trades(conversation_id) WHERE conversation_id IS NOT NULL;
-- What the expiry job scans.
CREATE INDEX trades_open ON trades(closes_at) WHERE status IN ('requested', 'accepted', 'handed_over');

-- Every step of a trade: who moved it to which status, when (actor NULL: the
-- market itself, when a trade expires).
CREATE TABLE trade_events (
	id       INTEGER PRIMARY KEY,
	trade_id INTEGER NOT NULL REFERENCES trades(id) ON DELETE CASCADE,
	status   TEXT NOT NULL,
	actor_id INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
	reason   TEXT NOT NULL DEFAULT '',
	at       INTEGER NOT NULL
);
CREATE INDEX trade_events_trade ON trade_events(trade_id, id);

-- Thank-you notes: one per side of a completed trade, public.
CREATE TABLE trade_notes (
	id         INTEGER PRIMARY KEY,
	trade_id   INTEGER NOT NULL REFERENCES trades(id) ON DELETE CASCADE,
	side       TEXT NOT NULL CHECK (side IN ('buyer', 'stall')),
	author_id  INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
	body       TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	UNIQUE (trade_id, side)
);

-- Local accounts following local stalls (remote followers live in ap_followers).
CREATE TABLE stall_follows (
	account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	stall_id   INTEGER NOT NULL REFERENCES stalls(id) ON DELETE CASCADE,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (account_id, stall_id)
) WITHOUT ROWID;
CREATE INDEX stall_follows_stall ON stall_follows(stall_id);
