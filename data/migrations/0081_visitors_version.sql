-- What the top of every page counts for a signed-in reader (data.Visitor:
-- unread messages and notifications, whether they reserved, follow, hid or
-- blocked anything, and their session and account) is kept in memory for a
-- version (issue 14): 'visitors' moves with every change to what that query
-- reads, in the write's own transaction, and the node publishes it as the
-- write commits. Until now any commit at all (a note from a followed
-- account, a delivery done) emptied that memory; the inbox's and the
-- delivery queue's writes now leave it be. A session's last use
-- (last_used_at) and a token's label move nothing, nor does an update that
-- leaves the columns read as they were (reading a chat already read).
INSERT OR IGNORE INTO versions(name, value) VALUES ('visitors', 1);

CREATE TRIGGER sessions_visitors_insert AFTER INSERT ON sessions BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'visitors';
END;
CREATE TRIGGER sessions_visitors_update AFTER UPDATE OF token_hash, account_id, kind, expires_at ON sessions
	WHEN old.token_hash IS NOT new.token_hash OR old.account_id IS NOT new.account_id OR old.kind IS NOT new.kind OR old.expires_at IS NOT new.expires_at BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'visitors';
END;
CREATE TRIGGER sessions_visitors_delete AFTER DELETE ON sessions BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'visitors';
END;
CREATE TRIGGER accounts_visitors_insert AFTER INSERT ON accounts BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'visitors';
END;
CREATE TRIGGER accounts_visitors_update AFTER UPDATE OF id, name, display_name, role, lang, created_at, disabled ON accounts
	WHEN old.id IS NOT new.id OR old.name IS NOT new.name OR old.display_name IS NOT new.display_name OR old.role IS NOT new.role OR old.lang IS NOT new.lang OR old.created_at IS NOT new.created_at OR old.disabled IS NOT new.disabled BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'visitors';
END;
CREATE TRIGGER accounts_visitors_delete AFTER DELETE ON accounts BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'visitors';
END;
CREATE TRIGGER members_visitors_insert AFTER INSERT ON members BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'visitors';
END;
CREATE TRIGGER members_visitors_update AFTER UPDATE OF conversation_id, account_id, muted, last_read ON members
	WHEN old.conversation_id IS NOT new.conversation_id OR old.account_id IS NOT new.account_id OR old.muted IS NOT new.muted OR old.last_read IS NOT new.last_read BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'visitors';
END;
CREATE TRIGGER members_visitors_delete AFTER DELETE ON members BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'visitors';
END;
CREATE TRIGGER messages_visitors_insert AFTER INSERT ON messages BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'visitors';
END;
CREATE TRIGGER messages_visitors_update AFTER UPDATE OF id, conversation_id, author_id, deleted_at ON messages
	WHEN old.id IS NOT new.id OR old.conversation_id IS NOT new.conversation_id OR old.author_id IS NOT new.author_id OR old.deleted_at IS NOT new.deleted_at BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'visitors';
END;
CREATE TRIGGER messages_visitors_delete AFTER DELETE ON messages BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'visitors';
END;
CREATE TRIGGER notifications_visitors_insert AFTER INSERT ON notifications BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'visitors';
END;
CREATE TRIGGER notifications_visitors_update AFTER UPDATE OF account_id, read_at ON notifications
	WHEN old.account_id IS NOT new.account_id OR old.read_at IS NOT new.read_at BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'visitors';
END;
CREATE TRIGGER notifications_visitors_delete AFTER DELETE ON notifications BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'visitors';
END;
CREATE TRIGGER trades_visitors_insert AFTER INSERT ON trades BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'visitors';
END;
CREATE TRIGGER trades_visitors_update AFTER UPDATE OF buyer_id ON trades
	WHEN old.buyer_id IS NOT new.buyer_id BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'visitors';
END;
CREATE TRIGGER trades_visitors_delete AFTER DELETE ON trades BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'visitors';
END;
CREATE TRIGGER stall_follows_visitors_insert AFTER INSERT ON stall_follows BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'visitors';
END;
CREATE TRIGGER stall_follows_visitors_update AFTER UPDATE OF account_id ON stall_follows
	WHEN old.account_id IS NOT new.account_id BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'visitors';
END;
CREATE TRIGGER stall_follows_visitors_delete AFTER DELETE ON stall_follows BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'visitors';
END;
CREATE TRIGGER world_hidden_visitors_insert AFTER INSERT ON world_hidden BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'visitors';
END;
CREATE TRIGGER world_hidden_visitors_update AFTER UPDATE OF account_id ON world_hidden
	WHEN old.account_id IS NOT new.account_id BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'visitors';
END;
CREATE TRIGGER world_hidden_visitors_delete AFTER DELETE ON world_hidden BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'visitors';
END;
CREATE TRIGGER blocks_visitors_insert AFTER INSERT ON blocks BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'visitors';
END;
CREATE TRIGGER blocks_visitors_update AFTER UPDATE OF blocker_id ON blocks
	WHEN old.blocker_id IS NOT new.blocker_id BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'visitors';
END;
CREATE TRIGGER blocks_visitors_delete AFTER DELETE ON blocks BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'visitors';
END;
