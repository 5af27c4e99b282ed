-- Group chats across markets (issue 13, FEP-1b12). A group chat opened to
-- other markets (federated = 1) is a Group actor at /rooms/ID; people
-- elsewhere join by following it (ap_followers, actor 'room:ID') and are
-- listed in ap_room_members, with removed_at once a moderator removed them
-- (their later messages are refused). On a member's node, ap_rooms ties the
-- local group conversation that mirrors a room elsewhere to its actor.
ALTER TABLE conversations ADD COLUMN federated INTEGER NOT NULL DEFAULT 0;

CREATE TABLE ap_room_members (
	conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
	actor           TEXT NOT NULL,             -- the member's actor IRI
	name            TEXT NOT NULL DEFAULT '',  -- user@host
	joined_at       INTEGER NOT NULL,
	removed_at      INTEGER,
	PRIMARY KEY (conversation_id, actor)
) WITHOUT ROWID;

CREATE TABLE ap_rooms (
	conversation_id INTEGER PRIMARY KEY REFERENCES conversations(id) ON DELETE CASCADE,
	actor           TEXT NOT NULL UNIQUE       -- the room's Group actor elsewhere
);
