-- Trades across markets (issue 13, FEP-0837): a trade whose other side is on
-- another node. On the stall's node the buyer is a remote Person (buyer_id
-- NULL, remote_side 'buyer'); on the buyer's node the item and its stall are
-- elsewhere (item_id and stall_id NULL, remote_side 'stall'). Both keep the
-- Offer's id and, once accepted, the Agreement's id. SQLite cannot drop a NOT
-- NULL constraint, so trades is rebuilt; its steps and notes are rebuilt with
-- it (dropping trades would cascade to them), keeping every row and id.

CREATE TABLE trades_new (
	id              INTEGER PRIMARY KEY,
	item_id         INTEGER REFERENCES items(id) ON DELETE CASCADE,
	stall_id        INTEGER REFERENCES stalls(id) ON DELETE CASCADE,
	buyer_id        INTEGER REFERENCES accounts(id) ON DELETE CASCADE,
	quantity        INTEGER NOT NULL CHECK (quantity > 0),
	day             TEXT NOT NULL,            -- the market day, YYYY-MM-DD in the stall's market's zone ('' not known yet)
	starts_at       INTEGER NOT NULL,
	closes_at       INTEGER NOT NULL,         -- the hold ends then, plus the grace
	message         TEXT NOT NULL DEFAULT '',
	status          TEXT NOT NULL CHECK (status IN ('requested', 'accepted', 'handed_over', 'completed', 'declined', 'cancelled', 'expired')),
	reason          TEXT NOT NULL DEFAULT '',
	conversation_id INTEGER REFERENCES conversations(id) ON DELETE SET NULL,
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL,
	remote_side     TEXT NOT NULL DEFAULT '' CHECK (remote_side IN ('', 'buyer', 'stall')), -- which side is elsewhere
	remote_actor    TEXT NOT NULL DEFAULT '', -- that side's actor IRI (the buyer's Person, or the stall)
	remote_name     TEXT NOT NULL DEFAULT '', -- its address, user@host
	remote_shown    TEXT NOT NULL DEFAULT '', -- its display name
	remote_item     TEXT NOT NULL DEFAULT '', -- the item's IRI (remote_side 'stall')
	remote_title    TEXT NOT NULL DEFAULT '',
	remote_url      TEXT NOT NULL DEFAULT '', -- the item's page on its market
	offer_id        TEXT UNIQUE,              -- the FEP-0837 Offer's id
	agreement_id    TEXT UNIQUE,              -- the Agreement's id, once accepted
	CHECK ((remote_side = 'buyer') = (buyer_id IS NULL)),
	CHECK ((remote_side = 'stall') = (item_id IS NULL AND stall_id IS NULL)),
	CHECK ((remote_side = '') = (offer_id IS NULL))
);
INSERT INTO trades_new(id, item_id, stall_id, buyer_id, quantity, day, starts_at, closes_at, message, status, reason,
	conversation_id, created_at, updated_at)
SELECT id, item_id, stall_id, buyer_id, quantity, day, starts_at, closes_at, message, status, reason,
	conversation_id, created_at, updated_at FROM trades;

CREATE TEMP TABLE trade_events_old AS SELECT * FROM trade_events;
CREATE TEMP TABLE trade_notes_old AS SELECT * FROM trade_notes;
DROP TABLE trade_notes;
DROP TABLE trade_events;
DROP TABLE trades;
ALTER TABLE trades_new RENAME TO trades;

CREATE INDEX trades_item ON trades(item_id, status);
CREATE INDEX trades_buyer ON trades(buyer_id, updated_at DESC);
CREATE INDEX trades_stall ON trades(stall_id, updated_at DESC);
CREATE INDEX trades_conversation ON trades(conversation_id) WHERE conversation_id IS NOT NULL;
CREATE INDEX trades_open ON trades(closes_at) WHERE status IN ('requested', 'accepted', 'handed_over');

-- actor_name: who took a step from elsewhere (user@host; actor_id NULL).
CREATE TABLE trade_events (
	id         INTEGER PRIMARY KEY,
	trade_id   INTEGER NOT NULL REFERENCES trades(id) ON DELETE CASCADE,
	status     TEXT NOT NULL,
	actor_id   INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
	reason     TEXT NOT NULL DEFAULT '',
	at         INTEGER NOT NULL,
	actor_name TEXT NOT NULL DEFAULT ''
);
INSERT INTO trade_events(id, trade_id, status, actor_id, reason, at)
SELECT id, trade_id, status, actor_id, reason, at FROM temp.trade_events_old;
CREATE INDEX trade_events_trade ON trade_events(trade_id, id);

-- author_name: a note written elsewhere (user@host; author_id NULL), taken
-- in once by its ActivityPub id (ap_id); ap_id is also set on the notes
-- written here and sent to the other side.
CREATE TABLE trade_notes (
	id          INTEGER PRIMARY KEY,
	trade_id    INTEGER NOT NULL REFERENCES trades(id) ON DELETE CASCADE,
	side        TEXT NOT NULL CHECK (side IN ('buyer', 'stall')),
	author_id   INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
	body        TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	author_name TEXT NOT NULL DEFAULT '',
	ap_id       TEXT UNIQUE,
	UNIQUE (trade_id, side)
);
INSERT INTO trade_notes(id, trade_id, side, author_id, body, created_at)
SELECT id, trade_id, side, author_id, body, created_at FROM temp.trade_notes_old;

DROP TABLE temp.trade_events_old;
DROP TABLE temp.trade_notes_old;
