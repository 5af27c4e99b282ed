-- The market (one row), accounts, sessions and invitations.
CREATE TABLE market (
	id          INTEGER PRIMARY KEY CHECK (id = 1),
	name        TEXT NOT NULL,            -- JSON object: language tag -> text
	city        TEXT NOT NULL,            -- JSON object
	description TEXT NOT NULL,            -- JSON object, Markdown
	opening     TEXT NOT NULL DEFAULT '{}', -- JSON object, free text such as "Saturdays 8–13"
	timezone    TEXT NOT NULL DEFAULT 'UTC',
	languages   TEXT NOT NULL DEFAULT 'zh-Hans,en',
	signup      TEXT NOT NULL DEFAULT 'open' CHECK (signup IN ('open', 'invite', 'closed')),
	configured  INTEGER NOT NULL DEFAULT 0,
	updated_at  INTEGER NOT NULL
);
INSERT INTO market(id, name, city, description, updated_at)
VALUES (1, '{"en":"Our market","zh-Hans":"我们的市集"}', '{}', '{}', unixepoch());

CREATE TABLE accounts (
	id            INTEGER PRIMARY KEY,
	name          TEXT NOT NULL UNIQUE COLLATE NOCASE,
	display_name  TEXT NOT NULL DEFAULT '',
	role          TEXT NOT NULL CHECK (role IN ('organiser', 'moderator', 'stallholder', 'resident')),
	password_hash TEXT NOT NULL,
	lang          TEXT NOT NULL DEFAULT '',
	created_at    INTEGER NOT NULL,
	disabled      INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE sessions (
	token_hash  BLOB PRIMARY KEY,          -- SHA-256 of the token; the token itself is never stored
	account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	kind        TEXT NOT NULL CHECK (kind IN ('web', 'api')),
	created_at  INTEGER NOT NULL,
	expires_at  INTEGER NOT NULL,
	user_agent  TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE INDEX sessions_account ON sessions(account_id);
CREATE INDEX sessions_expiry ON sessions(expires_at);

CREATE TABLE invitations (
	code        TEXT PRIMARY KEY,
	role        TEXT NOT NULL CHECK (role IN ('moderator', 'stallholder', 'resident')),
	created_by  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	created_at  INTEGER NOT NULL,
	expires_at  INTEGER NOT NULL,
	used_by     INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
	used_at     INTEGER
) WITHOUT ROWID;
