-- What the inbox asks about every signed activity's signer (is it a group
-- chat elsewhere, ap_rooms; does anyone here follow it, ap_following) is
-- kept in memory for a version (issue 14): 'inbox' moves with every change
-- to either table, in the write's own transaction, and the node publishes
-- it as the write commits, as it does 'floor', 'market' and 'pages'.
INSERT OR IGNORE INTO versions(name, value) VALUES ('inbox', 1);

CREATE TRIGGER ap_rooms_inbox_insert AFTER INSERT ON ap_rooms BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'inbox';
END;
CREATE TRIGGER ap_rooms_inbox_update AFTER UPDATE ON ap_rooms BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'inbox';
END;
CREATE TRIGGER ap_rooms_inbox_delete AFTER DELETE ON ap_rooms BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'inbox';
END;
CREATE TRIGGER ap_following_inbox_insert AFTER INSERT ON ap_following BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'inbox';
END;
CREATE TRIGGER ap_following_inbox_update AFTER UPDATE ON ap_following BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'inbox';
END;
CREATE TRIGGER ap_following_inbox_delete AFTER DELETE ON ap_following BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'inbox';
END;
