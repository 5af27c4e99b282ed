-- What the top of every page counts for a signed-in reader (data.Visitor:
-- unread messages and notifications, whether they reserved, follow, hid or
-- blocked anything, and their session and account) is kept in memory for a
-- version (issue 14): 'visitors' moves with every change to what that query
-- reads, in the write's own transaction, and the node publishes it as the
-- write commits. Until now any commit at all (a note from a followed
-- account, a delivery done) emptied that memory; the inbox's and the
-- delivery queue's writes now leave it be. A session's last use
-- (last_used_at) and a token's label move nothing.
INSERT OR IGNORE INTO versions(name, value) VALUES ('visitors', 1);

CREATE TRIGGER sessions_visitors_insert AFTER INSERT ON sessions BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'visitors';
END;
CREATE TRIGGER sessions_visitors_update AFTER UPDATE OF token_hash, account_id, kind, expires_at ON sessions BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'visitors';
END;
CREATE TRIGGER sessions_visitors_delete AFTER DELETE ON sessions BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'visitors';
END;
CREATE TRIGGER accounts_visitors_insert AFTER INSERT ON accounts BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'visitors';
END;
CREATE TRIGGER accounts_visitors_update AFTER UPDATE OF id, name, display_name, role, lang, created_at, disabled ON accounts BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'visitors';
END;
CREATE TRIGGER accounts_visitors_delete AFTER DELETE ON accounts BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'visitors';
END;
CREATE TRIGGER members_visitors_insert AFTER INSERT ON members BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'visitors';
END;
CREATE TRIGGER members_visitors_update AFTER UPDATE OF conversation_id, account_id, muted, last_read ON members BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'visitors';
END;
CREATE TRIGGER members_visitors_delete AFTER DELETE ON members BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'visitors';
END;
CREATE TRIGGER messages_visitors_insert AFTER INSERT ON messages BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'visitors';
END;
CREATE TRIGGER messages_visitors_update AFTER UPDATE OF id, conversation_id, author_id, deleted_at ON messages BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'visitors';
END;
CREATE TRIGGER messages_visitors_delete AFTER DELETE ON messages BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'visitors';
END;
CREATE TRIGGER notifications_visitors_insert AFTER INSERT ON notifications BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'visitors';
END;
CREATE TRIGGER notifications_visitors_update AFTER UPDATE OF account_id, read_at ON notifications BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'visitors';
END;
CREATE TRIGGER notifications_visitors_delete AFTER DELETE ON notifications BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'visitors';
END;
CREATE TRIGGER trades_visitors_insert AFTER INSERT ON trades BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'visitors';
END;
CREATE TRIGGER trades_visitors_update AFTER UPDATE OF buyer_id ON trades BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'visitors';
END;
CREATE TRIGGER trades_visitors_delete AFTER DELETE ON trades BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'visitors';
END;
CREATE TRIGGER stall_follows_visitors_insert AFTER INSERT ON stall_follows BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'visitors';
END;
CREATE TRIGGER stall_follows_visitors_update AFTER UPDATE OF account_id ON stall_follows BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'visitors';
END;
CREATE TRIGGER stall_follows_visitors_delete AFTER DELETE ON stall_follows BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'visitors';
END;
CREATE TRIGGER world_hidden_visitors_insert AFTER INSERT ON world_hidden BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'visitors';
END;
CREATE TRIGGER world_hidden_visitors_update AFTER UPDATE OF account_id ON world_hidden BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'visitors';
END;
CREATE TRIGGER world_hidden_visitors_delete AFTER DELETE ON world_hidden BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'visitors';
END;
CREATE TRIGGER blocks_visitors_insert AFTER INSERT ON blocks BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'visitors';
END;
CREATE TRIGGER blocks_visitors_update AFTER UPDATE OF blocker_id ON blocks BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'visitors';
END;
CREATE TRIGGER blocks_visitors_delete AFTER DELETE ON blocks BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'visitors';
END;
