-- Trust (issue 15): a device's push subscription belongs to the session it
-- was made in, so that ending that session (logging out, "log out everywhere
-- else", ending it from the account page, a password change, deleting the
-- account, expiry) ends the device's notifications too: a phone logged out
-- from afar stops showing the excerpts of private messages. Subscriptions
-- made before this have no session and are ended only as before.
ALTER TABLE push_subscriptions ADD COLUMN session_hash BLOB REFERENCES sessions(token_hash) ON DELETE CASCADE;
CREATE INDEX push_subscriptions_session ON push_subscriptions(session_hash) WHERE session_hash IS NOT NULL;
