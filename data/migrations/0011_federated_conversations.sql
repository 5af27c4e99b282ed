-- Conversations across the fediverse (issue 7, phase 2; package federation).

-- Who wrote each federated message: the remote actor of an inbound message
-- (only they may edit or delete it), so that answers in its conversation go
-- back to them.
CREATE TABLE ap_messages (
	message_id INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
	actor      TEXT NOT NULL               -- the remote author's actor IRI
);
CREATE INDEX ap_messages_actor ON ap_messages(actor);

-- Private conversations with one remote actor. local is the local side's
-- actor key ('stall:7' or 'account:3'); context is the remote object a
-- conversation follows ('' for a plain private chat): a local account's
-- questions on a remote item are kept in a private conversation of its own,
-- and the answers (public replies to that object) land there too.
CREATE TABLE ap_conversations (
	conversation_id INTEGER PRIMARY KEY REFERENCES conversations(id) ON DELETE CASCADE,
	actor           TEXT NOT NULL,
	local           TEXT NOT NULL,
	context         TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX ap_conversations_pair ON ap_conversations(actor, local, context);
CREATE INDEX ap_conversations_context ON ap_conversations(context, local) WHERE context != '';
