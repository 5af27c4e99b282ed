-- Trust (issue 15): people's control of their sessions and data, sign-up
-- protection, stalls that move to another market. Times are unix seconds.

-- Sessions and API tokens people can list and revoke: when each was last
-- used (updated at most every few minutes) and an optional name of a token.
ALTER TABLE sessions ADD COLUMN last_used_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN label TEXT NOT NULL DEFAULT '';

-- Sign-up protection: the organiser may hold new accounts for approval
-- (pending = 1 until a moderator approves; such an account cannot log in)
-- and ask a question only locals can answer. deleted_at: the person deleted
-- the account; the row stays (disabled, no password) so that its name is
-- never handed to someone else, on the fediverse least of all.
ALTER TABLE accounts ADD COLUMN pending INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN signup_answer TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN deleted_at INTEGER;
CREATE INDEX accounts_pending ON accounts(created_at) WHERE pending = 1;

ALTER TABLE market ADD COLUMN signup_approval INTEGER NOT NULL DEFAULT 0;
ALTER TABLE market ADD COLUMN signup_question TEXT NOT NULL DEFAULT '';
ALTER TABLE market ADD COLUMN signup_answers TEXT NOT NULL DEFAULT '[]'; -- JSON list, compared without case or spaces

-- A stall that moved to another market (the Move activity): moved_to is the
-- new actor's IRI; its page redirects there. also_known_as: the actors of
-- this stall elsewhere (a stall moving here names its old actor first).
-- deleted_at: the stall's only stallholder deleted their account.
ALTER TABLE stalls ADD COLUMN moved_to TEXT NOT NULL DEFAULT '';
ALTER TABLE stalls ADD COLUMN moved_at INTEGER;
ALTER TABLE stalls ADD COLUMN also_known_as TEXT NOT NULL DEFAULT '[]'; -- JSON list of actor IRIs
ALTER TABLE stalls ADD COLUMN deleted_at INTEGER;
