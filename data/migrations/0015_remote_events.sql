-- Market days of other markets (their Events), from the markets people here
-- follow: shown on the world market page (package federation).
CREATE TABLE ap_events (
	id          TEXT PRIMARY KEY,          -- the Event's IRI
	actor       TEXT NOT NULL,             -- the market (Group) that sent it
	name        TEXT NOT NULL DEFAULT '',
	url         TEXT NOT NULL DEFAULT '',
	start_at    INTEGER NOT NULL,
	end_at      INTEGER NOT NULL,
	timezone    TEXT NOT NULL DEFAULT '',
	place       TEXT NOT NULL DEFAULT '',
	cancelled   INTEGER NOT NULL DEFAULT 0,
	received_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX ap_events_actor ON ap_events(actor, start_at);
CREATE INDEX ap_events_end ON ap_events(end_at);
