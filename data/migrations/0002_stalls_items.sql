-- Alleys, the floor plan, stalls, items, their photos and the search index.
ALTER TABLE market ADD COLUMN floor_w INTEGER NOT NULL DEFAULT 12;
ALTER TABLE market ADD COLUMN floor_h INTEGER NOT NULL DEFAULT 8;

CREATE TABLE alleys (
	id       INTEGER PRIMARY KEY,
	slug     TEXT NOT NULL UNIQUE,
	name     TEXT NOT NULL,          -- JSON object: language tag -> text
	colour   TEXT NOT NULL,
	position INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE stalls (
	id         INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,
	story      TEXT NOT NULL DEFAULT '',
	alley_id   INTEGER NOT NULL REFERENCES alleys(id),
	x          INTEGER,
	y          INTEGER,
	open_today INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	CHECK ((x IS NULL) = (y IS NULL))
);
CREATE UNIQUE INDEX stalls_spot ON stalls(x, y) WHERE x IS NOT NULL;
CREATE INDEX stalls_alley ON stalls(alley_id);

CREATE TABLE stall_holders (
	stall_id   INTEGER NOT NULL REFERENCES stalls(id) ON DELETE CASCADE,
	account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	PRIMARY KEY (stall_id, account_id)
) WITHOUT ROWID;
CREATE INDEX stall_holders_account ON stall_holders(account_id);

CREATE TABLE items (
	id           INTEGER PRIMARY KEY,
	stall_id     INTEGER NOT NULL REFERENCES stalls(id) ON DELETE CASCADE,
	title        TEXT NOT NULL,
	story        TEXT NOT NULL DEFAULT '',
	price_kind   TEXT NOT NULL CHECK (price_kind IN ('amount', 'free', 'swap', 'ask')),
	price_minor  INTEGER NOT NULL DEFAULT 0 CHECK (price_minor >= 0),
	currency     TEXT NOT NULL DEFAULT '',
	quantity     INTEGER NOT NULL CHECK (quantity >= 0),
	tags         TEXT NOT NULL DEFAULT '',   -- space-separated, normalised
	status       TEXT NOT NULL CHECK (status IN ('available', 'reserved', 'gone', 'withdrawn')),
	created_at   INTEGER NOT NULL,
	updated_at   INTEGER NOT NULL
);
CREATE INDEX items_stall ON items(stall_id, status);
CREATE INDEX items_status_created ON items(status, created_at DESC);

CREATE TABLE photos (
	owner_kind TEXT NOT NULL CHECK (owner_kind IN ('item', 'stall')),
	owner_id   INTEGER NOT NULL,
	position   INTEGER NOT NULL,
	hash       TEXT NOT NULL,
	ext        TEXT NOT NULL,
	width      INTEGER NOT NULL,
	height     INTEGER NOT NULL,
	alt        TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (owner_kind, owner_id, position)
) WITHOUT ROWID;
CREATE INDEX photos_hash ON photos(hash);

-- Full-text search with the trigram tokenizer (works for Chinese); queries
-- shorter than three characters fall back to LIKE.
CREATE VIRTUAL TABLE items_fts USING fts5(title, story, tags, stall, content='', contentless_delete=1, tokenize='trigram');
CREATE VIRTUAL TABLE stalls_fts USING fts5(name, story, content='', contentless_delete=1, tokenize='trigram');
