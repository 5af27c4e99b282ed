-- Market days as ActivityStreams Events (package federation, events.go):
-- what the market's followers were last told about each market day, so that
-- a sweep sends a Create for a day entering the window, an Update when its
-- facts change (or it is cancelled) and a Delete when it leaves the
-- schedule, and nothing twice. The activities themselves are in ap_outbox
-- (actor 'market'). Times are unix seconds.
CREATE TABLE ap_days (
	date      TEXT PRIMARY KEY,   -- YYYY-MM-DD; the Event's id is BASE/days/DATE
	state     TEXT NOT NULL CHECK (state IN ('scheduled', 'cancelled', 'deleted')),
	digest    TEXT NOT NULL,      -- of the facts told: name, times, zone, place, status
	end_at    INTEGER NOT NULL,   -- when the day told closes; closed days are left alone
	published INTEGER NOT NULL,   -- the Create
	updated   INTEGER NOT NULL    -- the last Create, Update or Delete
) WITHOUT ROWID;
CREATE INDEX ap_days_end ON ap_days(end_at);
