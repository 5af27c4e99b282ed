-- Every public key of a remote actor (issue 11): an actor may hold several
-- (publicKey as an array, FEP-521a assertionMethod Multikeys), each named by
-- its own id; a request's keyId is looked up here. ap_actors.key_id and
-- public_key_pem keep the actor's first RSA key, as before.
CREATE TABLE ap_actor_keys (
	key_id     TEXT PRIMARY KEY,
	actor      TEXT NOT NULL REFERENCES ap_actors(id) ON DELETE CASCADE,
	kind       TEXT NOT NULL CHECK (kind IN ('rsa', 'ed25519')),
	public_pem TEXT NOT NULL               -- PKIX ("PUBLIC KEY") PEM
) WITHOUT ROWID;
CREATE INDEX ap_actor_keys_actor ON ap_actor_keys(actor);

-- Existing actors keep their one key.
INSERT OR IGNORE INTO ap_actor_keys(key_id, actor, kind, public_pem)
	SELECT key_id, id, 'rsa', public_key_pem FROM ap_actors WHERE key_id != '';
