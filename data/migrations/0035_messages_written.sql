-- A conversation reads in the order its messages were written, not the order
-- they arrived (the id): a group chat mirrored from another market receives
-- its messages in any order (deliveries to one server run side by side), an
-- older one often after a newer one. written_at is when a message was
-- written, in Unix milliseconds: for one from elsewhere its Note's published
-- (node.WrittenAt), for one written here when it was posted. Messages stored
-- before had only their second of arrival: that is their time.
ALTER TABLE messages ADD COLUMN written_at INTEGER NOT NULL DEFAULT 0;
UPDATE messages SET written_at = created_at * 1000;
CREATE INDEX messages_written ON messages(conversation_id, written_at, id);

-- A message stored without written_at (a way of storing one that does not
-- know the column) is written when it was stored, not at the dawn of time.
CREATE TRIGGER messages_written_default AFTER INSERT ON messages WHEN new.written_at = 0 BEGIN
	UPDATE messages SET written_at = new.created_at * 1000 WHERE id = new.id;
END;
