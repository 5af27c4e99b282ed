-- A content warning a stallholder puts on an item for other servers
-- (issue 11): sent as the Note's summary (Mastodon and GoToSocial fold the
-- post behind it). Most items have none.
CREATE TABLE item_warnings (
	item_id INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
	warning TEXT NOT NULL
);
