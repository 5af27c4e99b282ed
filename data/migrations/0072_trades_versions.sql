-- 0070 rebuilt trades and trade_notes, and their triggers went with the old
-- tables: a trade or a thank-you note moves 'pages' again (as 0030 set up),
-- so cached pages show what is held and what was said at once.
CREATE TRIGGER IF NOT EXISTS trades_v_insert AFTER INSERT ON trades BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'pages';
END;
CREATE TRIGGER IF NOT EXISTS trades_v_update AFTER UPDATE ON trades BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'pages';
END;
CREATE TRIGGER IF NOT EXISTS trades_v_delete AFTER DELETE ON trades BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'pages';
END;
CREATE TRIGGER IF NOT EXISTS trade_notes_v_insert AFTER INSERT ON trade_notes BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'pages';
END;
CREATE TRIGGER IF NOT EXISTS trade_notes_v_update AFTER UPDATE ON trade_notes BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'pages';
END;
CREATE TRIGGER IF NOT EXISTS trade_notes_v_delete AFTER DELETE ON trade_notes BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'pages';
END;
