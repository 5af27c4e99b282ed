-- Per-person calendars (a private token URL of one's hand-overs) and Web
-- Push: the node's VAPID key pair, each device's subscription with the kinds
-- of notification it wants, how far the notifications have been pushed,
-- and the "the market opens in an hour" reminders already sent.
CREATE TABLE calendar_tokens (
	account_id  INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
	token       TEXT NOT NULL UNIQUE,
	created_at  INTEGER NOT NULL
);

CREATE TABLE push_keys (
	id          INTEGER PRIMARY KEY CHECK (id = 1),
	public_key  TEXT NOT NULL,             -- base64url, uncompressed P-256 point
	private_key TEXT NOT NULL,             -- base64url
	created_at  INTEGER NOT NULL
);

CREATE TABLE push_subscriptions (
	id           INTEGER PRIMARY KEY,
	account_id   INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	endpoint     TEXT NOT NULL UNIQUE,
	p256dh       TEXT NOT NULL,
	auth         TEXT NOT NULL,
	kinds        TEXT NOT NULL,            -- comma-separated: question,answer,private,trade,reminder
	device       TEXT NOT NULL DEFAULT '', -- what the browser says it is, to tell devices apart
	created_at   INTEGER NOT NULL,
	last_sent_at INTEGER
);
CREATE INDEX push_subscriptions_account ON push_subscriptions(account_id);

CREATE TABLE push_cursor (
	id                INTEGER PRIMARY KEY CHECK (id = 1),
	last_notification INTEGER NOT NULL
);
INSERT INTO push_cursor(id, last_notification) VALUES (1, (SELECT coalesce(max(id), 0) FROM notifications));

CREATE TABLE push_reminders (
	account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	day         TEXT NOT NULL,
	sent_at     INTEGER NOT NULL,
	PRIMARY KEY (account_id, day)
) WITHOUT ROWID;
