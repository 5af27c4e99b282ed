-- Conversations: public threads on items and stalls, private chats, group chats.
CREATE TABLE conversations (
	id              INTEGER PRIMARY KEY,
	kind            TEXT NOT NULL CHECK (kind IN ('thread', 'private', 'group')),
	item_id         INTEGER REFERENCES items(id) ON DELETE SET NULL,
	stall_id        INTEGER REFERENCES stalls(id) ON DELETE SET NULL,
	name            TEXT NOT NULL DEFAULT '',
	description     TEXT NOT NULL DEFAULT '',
	created_by      INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
	created_at      INTEGER NOT NULL,
	last_message_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX threads_item ON conversations(item_id) WHERE kind = 'thread' AND item_id IS NOT NULL;
CREATE UNIQUE INDEX threads_stall ON conversations(stall_id) WHERE kind = 'thread' AND item_id IS NULL AND stall_id IS NOT NULL;
CREATE INDEX conversations_groups ON conversations(kind, last_message_at DESC);

CREATE TABLE members (
	conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
	account_id      INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	role            TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('owner', 'moderator', 'member', 'stall')),
	joined_at       INTEGER NOT NULL,
	last_read       INTEGER NOT NULL DEFAULT 0,   -- the last message id read
	muted           INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (conversation_id, account_id)
) WITHOUT ROWID;
CREATE INDEX members_account ON members(account_id);

CREATE TABLE messages (
	id              INTEGER PRIMARY KEY,
	conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
	author_id       INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
	author_name     TEXT NOT NULL,      -- handle, or name@host for remote authors
	author_shown    TEXT NOT NULL DEFAULT '',
	author_url      TEXT NOT NULL DEFAULT '',
	from_stall      INTEGER NOT NULL DEFAULT 0,
	body            TEXT NOT NULL,
	reply_to        INTEGER REFERENCES messages(id) ON DELETE SET NULL,
	created_at      INTEGER NOT NULL,
	edited_at       INTEGER,
	deleted_at      INTEGER,
	ap_id           TEXT UNIQUE       -- the ActivityPub id of a federated message
);
CREATE INDEX messages_conversation ON messages(conversation_id, id);

CREATE TABLE message_photos (
	message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
	position   INTEGER NOT NULL,
	hash       TEXT NOT NULL,
	ext        TEXT NOT NULL,
	width      INTEGER NOT NULL,
	height     INTEGER NOT NULL,
	alt        TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (message_id, position)
) WITHOUT ROWID;

CREATE TABLE blocks (
	blocker_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	blocked_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (blocker_id, blocked_id)
) WITHOUT ROWID;

CREATE TABLE reports (
	id          INTEGER PRIMARY KEY,
	message_id  INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
	reporter_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	reason      TEXT NOT NULL DEFAULT '',
	created_at  INTEGER NOT NULL,
	resolved_by INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
	resolved_at INTEGER,
	action      TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX reports_once ON reports(message_id, reporter_id);

CREATE TABLE notifications (
	id              INTEGER PRIMARY KEY,
	account_id      INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	kind            TEXT NOT NULL,
	conversation_id INTEGER REFERENCES conversations(id) ON DELETE CASCADE,
	message_id      INTEGER REFERENCES messages(id) ON DELETE CASCADE,
	actor           TEXT NOT NULL DEFAULT '',
	excerpt         TEXT NOT NULL DEFAULT '',
	created_at      INTEGER NOT NULL,
	read_at         INTEGER
);
CREATE INDEX notifications_account ON notifications(account_id, id DESC);
