-- Reports from other servers (issue 11): a Flag about one of our stalls,
-- items, people or messages, for the moderators, with the server it came
-- from. And local reports forwarded to the server of a remote author.
CREATE TABLE ap_reports (
	id          INTEGER PRIMARY KEY,
	activity    TEXT NOT NULL UNIQUE,        -- the Flag's id
	actor       TEXT NOT NULL,               -- who sent it (often the server's instance actor)
	server      TEXT NOT NULL,               -- its host
	reason      TEXT NOT NULL DEFAULT '',    -- plain text
	objects     TEXT NOT NULL DEFAULT '[]',  -- JSON: every IRI the Flag names
	stall_id    INTEGER REFERENCES stalls(id) ON DELETE CASCADE,
	item_id     INTEGER REFERENCES items(id) ON DELETE CASCADE,
	message_id  INTEGER REFERENCES messages(id) ON DELETE CASCADE,
	account_id  INTEGER REFERENCES accounts(id) ON DELETE CASCADE,
	created_at  INTEGER NOT NULL,
	resolved_at INTEGER,
	resolved_by INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
	action      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX ap_reports_open ON ap_reports(resolved_at, id);

-- When a moderator forwarded a local report about a remote author's message
-- to that author's server (a Flag from the instance actor).
ALTER TABLE reports ADD COLUMN forwarded_at INTEGER;
