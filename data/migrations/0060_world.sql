-- The world market (世界市集): the markets this one links with and the
-- catalogue of their items (written by package federation: links.go,
-- catalogue*.go; read by data/world.go for the world stroll). Times are unix
-- seconds.

-- Markets this market links with: our market (Group) follows theirs
-- (FEP-1b12); theirs may follow back (ap_followers, actor 'market').
CREATE TABLE world_links (
	id           INTEGER PRIMARY KEY,
	actor        TEXT NOT NULL UNIQUE,          -- their market's Group IRI
	host         TEXT NOT NULL,                 -- host[:port] of actor
	acct         TEXT NOT NULL DEFAULT '',      -- market@host
	name         TEXT NOT NULL DEFAULT '',
	city         TEXT NOT NULL DEFAULT '',
	timezone     TEXT NOT NULL DEFAULT '',      -- IANA name, from their NodeInfo
	url          TEXT NOT NULL DEFAULT '',      -- their home page
	stalls       INTEGER NOT NULL DEFAULT 0,    -- their stalls, from their NodeInfo
	open_stalls  INTEGER NOT NULL DEFAULT -1,   -- open today, from their NodeInfo; -1 unknown
	follow_id    TEXT NOT NULL UNIQUE,          -- our Follow's id
	state        TEXT NOT NULL CHECK (state IN ('pending', 'linked', 'refused')),
	created_by   INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
	created_at   INTEGER NOT NULL,
	linked_at    INTEGER,
	-- Reading their outbox into the catalogue (on a new link, then now and
	-- then): the next page to read ('' = no read under way), the pages read
	-- so far in this read, when it began and when the last one finished.
	sync_next    TEXT NOT NULL DEFAULT '',
	sync_pages   INTEGER NOT NULL DEFAULT 0,
	sync_started INTEGER,
	synced_at    INTEGER,
	heard_at     INTEGER,                       -- when they last answered or sent something
	stale_since  INTEGER,                       -- the first failure since then (NULL: fresh)
	last_error   TEXT NOT NULL DEFAULT '',
	items        INTEGER NOT NULL DEFAULT 0     -- its items in the catalogue (kept by triggers)
);
CREATE INDEX world_links_host ON world_links(host);

-- Linked markets a resident keeps out of their own strolls.
CREATE TABLE world_hidden (
	account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	link_id    INTEGER NOT NULL REFERENCES world_links(id) ON DELETE CASCADE,
	PRIMARY KEY (account_id, link_id)
) WITHOUT ROWID;

-- The stalls of linked markets whose items are in the catalogue.
CREATE TABLE world_stalls (
	id       INTEGER PRIMARY KEY,
	link_id  INTEGER NOT NULL REFERENCES world_links(id) ON DELETE CASCADE,
	actor    TEXT NOT NULL UNIQUE,   -- the stall's actor IRI
	name     TEXT NOT NULL DEFAULT '',
	url      TEXT NOT NULL DEFAULT '',
	named_at INTEGER,                -- when its actor was read (NULL: not yet)
	items    INTEGER NOT NULL DEFAULT 0 -- its items in the catalogue (kept by triggers)
);
CREATE INDEX world_stalls_link ON world_stalls(link_id);

-- The catalogue of the world market: the items linked markets announce.
CREATE TABLE world_items (
	id           INTEGER PRIMARY KEY,
	link_id      INTEGER NOT NULL REFERENCES world_links(id) ON DELETE CASCADE,
	stall_id     INTEGER NOT NULL REFERENCES world_stalls(id) ON DELETE CASCADE,
	ap_id        TEXT NOT NULL UNIQUE,          -- the item's Note id
	url          TEXT NOT NULL,                 -- its page on its market
	title        TEXT NOT NULL,
	excerpt      TEXT NOT NULL DEFAULT '',      -- the story as plain text, cut short
	story_len    INTEGER NOT NULL DEFAULT 0,
	amount       TEXT NOT NULL DEFAULT '',      -- '' when no price is asked (free, swap, ask)
	currency     TEXT NOT NULL DEFAULT '',
	available    INTEGER NOT NULL DEFAULT 1,    -- how many are on the table
	alley        TEXT NOT NULL DEFAULT '',      -- its alley's IRI (resourceClassifiedAs), '' unknown
	day_start    INTEGER,                       -- the market day it comes on (NULL: any)
	day_end      INTEGER,
	tags         TEXT NOT NULL DEFAULT '[]',    -- JSON
	photo_url    TEXT NOT NULL DEFAULT '',      -- its first picture on its market
	photo_alt    TEXT NOT NULL DEFAULT '',
	-- The picture's thumbnail copied here (world media store): wanted (to
	-- fetch), kept, failed, evicted (over the market's cap), none (no picture).
	thumb        TEXT NOT NULL DEFAULT '',
	thumb_w      INTEGER NOT NULL DEFAULT 0,
	thumb_h      INTEGER NOT NULL DEFAULT 0,
	thumb_bytes  INTEGER NOT NULL DEFAULT 0,
	thumb_state  TEXT NOT NULL DEFAULT 'wanted' CHECK (thumb_state IN ('wanted', 'kept', 'failed', 'evicted', 'none')),
	published    INTEGER NOT NULL,
	updated      INTEGER NOT NULL,
	refreshed_at INTEGER NOT NULL               -- when an activity or a read of the outbox last showed it
);
CREATE INDEX world_items_link ON world_items(link_id, refreshed_at);
CREATE INDEX world_items_stall ON world_items(stall_id);
CREATE INDEX world_items_thumb ON world_items(link_id, thumb_state, published);

-- The world stroll's index is rebuilt when this moves.
INSERT INTO versions(name, value) VALUES ('world', 1);
CREATE TRIGGER world_items_version_insert AFTER INSERT ON world_items BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'world';
END;
CREATE TRIGGER world_items_version_update AFTER UPDATE OF link_id, stall_id, alley, story_len, amount, currency, published ON world_items BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'world';
END;
CREATE TRIGGER world_items_version_delete AFTER DELETE ON world_items BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'world';
END;
CREATE TRIGGER world_links_version_delete AFTER DELETE ON world_links BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'world';
END;

-- The counts of items per linked market and stall, so that the cap and the
-- links list need not count a large catalogue.
CREATE TRIGGER world_items_count_insert AFTER INSERT ON world_items BEGIN
	UPDATE world_links SET items = items + 1 WHERE id = NEW.link_id;
	UPDATE world_stalls SET items = items + 1 WHERE id = NEW.stall_id;
END;
CREATE TRIGGER world_items_count_delete AFTER DELETE ON world_items BEGIN
	UPDATE world_links SET items = items - 1 WHERE id = OLD.link_id;
	UPDATE world_stalls SET items = items - 1 WHERE id = OLD.stall_id;
END;
CREATE TRIGGER world_items_count_move AFTER UPDATE OF link_id, stall_id ON world_items
	WHEN OLD.link_id != NEW.link_id OR OLD.stall_id != NEW.stall_id BEGIN
	UPDATE world_links SET items = items - 1 WHERE id = OLD.link_id;
	UPDATE world_links SET items = items + 1 WHERE id = NEW.link_id;
	UPDATE world_stalls SET items = items - 1 WHERE id = OLD.stall_id;
	UPDATE world_stalls SET items = items + 1 WHERE id = NEW.stall_id;
END;
