-- What people on other servers need from us (issue 11).

-- Items a stall pins (its "featured" collection, as Mastodon's pinned posts;
-- shown first on the stall's page). At most five a stall (node.MaxPins).
CREATE TABLE item_pins (
	item_id   INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
	stall_id  INTEGER NOT NULL REFERENCES stalls(id) ON DELETE CASCADE,
	pinned_at INTEGER NOT NULL
);
CREATE INDEX item_pins_stall ON item_pins(stall_id, pinned_at DESC);

-- The instance's rules and contact, from the organiser's settings
-- (/api/v1/instance, NodeInfo metadata, the about page).
ALTER TABLE market ADD COLUMN rules TEXT NOT NULL DEFAULT '[]';   -- JSON array of strings
ALTER TABLE market ADD COLUMN contact_email TEXT NOT NULL DEFAULT '';
ALTER TABLE market ADD COLUMN contact_account TEXT NOT NULL DEFAULT ''; -- an account name here
