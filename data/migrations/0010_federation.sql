-- ActivityPub (package federation): our actors' keys, who follows them, the
-- remote actors we know, whom our people follow, what those send us, our
-- outbox and the persistent delivery queue. Times are unix seconds unless a
-- column says ms.

-- One RSA-2048 key pair per local actor, made on first use. actor is a local
-- actor key: 'market', 'instance', 'stall:7' or 'account:3'.
CREATE TABLE ap_keys (
	actor       TEXT PRIMARY KEY,
	private_pem TEXT NOT NULL,
	public_pem  TEXT NOT NULL,
	created_at  INTEGER NOT NULL
) WITHOUT ROWID;

-- Remote followers of local actors.
CREATE TABLE ap_followers (
	actor        TEXT NOT NULL,           -- local actor key
	follower     TEXT NOT NULL,           -- remote actor IRI
	inbox        TEXT NOT NULL,
	shared_inbox TEXT NOT NULL DEFAULT '',
	follow_id    TEXT NOT NULL,           -- the id of their Follow
	created_at   INTEGER NOT NULL,
	PRIMARY KEY (actor, follower)
) WITHOUT ROWID;

-- Remote actors, fetched with a signed GET and cached with their public key.
CREATE TABLE ap_actors (
	id                 TEXT PRIMARY KEY,
	type               TEXT NOT NULL,
	preferred_username TEXT NOT NULL DEFAULT '',
	name               TEXT NOT NULL DEFAULT '',
	summary            TEXT NOT NULL DEFAULT '',  -- sanitised HTML
	url                TEXT NOT NULL DEFAULT '',
	icon               TEXT NOT NULL DEFAULT '',
	inbox              TEXT NOT NULL,
	shared_inbox       TEXT NOT NULL DEFAULT '',
	key_id             TEXT NOT NULL,
	public_key_pem     TEXT NOT NULL,
	fetched_at         INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX ap_actors_key ON ap_actors(key_id);

-- Remote actors local accounts follow (our Follow, waiting for their Accept).
CREATE TABLE ap_following (
	id         INTEGER PRIMARY KEY,
	account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	actor      TEXT NOT NULL,                -- remote actor IRI
	follow_id  TEXT NOT NULL UNIQUE,         -- our Follow's id
	state      TEXT NOT NULL CHECK (state IN ('pending', 'accepted')),
	created_at INTEGER NOT NULL,
	UNIQUE (account_id, actor)
);
CREATE INDEX ap_following_actor ON ap_following(actor, state);

-- Public notes (items of other markets, posts) from followed remote actors,
-- directly or announced by a followed market (via).
CREATE TABLE ap_notes (
	id          TEXT PRIMARY KEY,             -- the object's IRI
	actor       TEXT NOT NULL,                -- attributedTo
	via         TEXT NOT NULL DEFAULT '',     -- the announcing actor, if any
	name        TEXT NOT NULL DEFAULT '',
	content     TEXT NOT NULL DEFAULT '',     -- sanitised HTML
	url         TEXT NOT NULL DEFAULT '',
	attachments TEXT NOT NULL DEFAULT '[]',   -- JSON
	tags        TEXT NOT NULL DEFAULT '[]',   -- JSON
	price       TEXT NOT NULL DEFAULT '',     -- JSON, from an FEP-0837 Proposal
	published   INTEGER NOT NULL,
	updated     INTEGER NOT NULL,
	received_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX ap_notes_actor ON ap_notes(actor, published DESC);
CREATE INDEX ap_notes_via ON ap_notes(via, published DESC) WHERE via != '';

-- Ids of activities already taken in, for de-duplication.
CREATE TABLE ap_inbox_seen (
	id          TEXT PRIMARY KEY,
	received_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX ap_inbox_seen_time ON ap_inbox_seen(received_at);

-- Our activities. Item activities are written with body NULL and rendered
-- (and fanned out to the delivery queue) once ready_at_ms has passed, so
-- photos uploaded right after an item ride along.
CREATE TABLE ap_outbox (
	id          INTEGER PRIMARY KEY,
	activity    TEXT NOT NULL UNIQUE,       -- the activity's IRI
	actor       TEXT NOT NULL,              -- local actor key
	kind        TEXT NOT NULL,              -- create, update, delete, announce, accept, follow, undo
	item_id     INTEGER,
	public      INTEGER NOT NULL DEFAULT 0, -- listed in the actor's outbox collection
	body        BLOB,
	ready_at_ms INTEGER NOT NULL,
	fanned      INTEGER NOT NULL DEFAULT 0,
	created_at  INTEGER NOT NULL
);
CREATE INDEX ap_outbox_pending ON ap_outbox(ready_at_ms) WHERE fanned = 0;
CREATE INDEX ap_outbox_actor ON ap_outbox(actor, public, id);
CREATE INDEX ap_outbox_item ON ap_outbox(item_id, actor, id) WHERE item_id IS NOT NULL;

-- The delivery queue: one row per (activity, target inbox). A row is deleted
-- only after a 2xx; failures back off; permanent failures keep the row with
-- failed_at set, for the organiser to see.
CREATE TABLE ap_deliveries (
	id         INTEGER PRIMARY KEY,
	outbox_id  INTEGER NOT NULL REFERENCES ap_outbox(id) ON DELETE CASCADE,
	inbox      TEXT NOT NULL,
	host       TEXT NOT NULL,
	attempts   INTEGER NOT NULL DEFAULT 0,
	next_at_ms INTEGER NOT NULL,
	lease_ms   INTEGER NOT NULL DEFAULT 0, -- being sent until then (cleared at start-up)
	last_error TEXT NOT NULL DEFAULT '',
	failed_at  INTEGER,
	created_at INTEGER NOT NULL,
	UNIQUE (outbox_id, inbox)
);
CREATE INDEX ap_deliveries_due ON ap_deliveries(next_at_ms) WHERE failed_at IS NULL;
CREATE INDEX ap_deliveries_host ON ap_deliveries(host, next_at_ms) WHERE failed_at IS NULL;
