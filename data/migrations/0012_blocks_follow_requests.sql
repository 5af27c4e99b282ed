-- Blocks of remote accounts and whole domains, and follow requests waiting
-- for a stallholder's approval (issue 7; package federation).

-- What the organiser blocked. kind 'domain': target is a host name (its
-- subdomains are blocked too; with a port, only that host and port);
-- kind 'account': target is a remote actor's IRI. A blocked server's
-- activities are refused, nothing is sent to it and nothing is fetched
-- from it. purged_at: when what we kept from it was removed.
CREATE TABLE ap_blocks (
	id         INTEGER PRIMARY KEY,
	kind       TEXT NOT NULL CHECK (kind IN ('domain', 'account')),
	target     TEXT NOT NULL,
	acct       TEXT NOT NULL DEFAULT '',   -- name@host of a blocked account, for people to read
	reason     TEXT NOT NULL DEFAULT '',
	created_by INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
	created_at INTEGER NOT NULL,
	purged_at  INTEGER,
	UNIQUE (kind, target)
);

-- A stall whose holders approve followers by hand
-- (manuallyApprovesFollowers).
ALTER TABLE stalls ADD COLUMN approve_followers INTEGER NOT NULL DEFAULT 0;

-- Follows of such a stall that wait for an answer. Accepting moves the row
-- to ap_followers and sends an Accept; rejecting sends a Reject.
CREATE TABLE ap_follow_requests (
	id           INTEGER PRIMARY KEY,
	actor        TEXT NOT NULL,            -- local actor key ('stall:7')
	follower     TEXT NOT NULL,            -- remote actor IRI
	inbox        TEXT NOT NULL,
	shared_inbox TEXT NOT NULL DEFAULT '',
	follow_id    TEXT NOT NULL,
	created_at   INTEGER NOT NULL,
	UNIQUE (actor, follower)
);

-- Likes and boosts (Announce) of our items from the fediverse, counted on
-- the item. activity is the Like's or Announce's id (an Undo names it).
CREATE TABLE ap_reactions (
	item_id    INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
	actor      TEXT NOT NULL,
	kind       TEXT NOT NULL CHECK (kind IN ('like', 'announce')),
	activity   TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (item_id, actor, kind)
) WITHOUT ROWID;
CREATE INDEX ap_reactions_activity ON ap_reactions(activity);
CREATE INDEX ap_reactions_actor ON ap_reactions(actor);
