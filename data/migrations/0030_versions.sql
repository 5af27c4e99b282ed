-- Two more counters beside 'floor' (0003), moved by triggers in the same
-- transaction as the write, so that what is kept in memory knows when it is
-- stale:
--   'market': the market, its alleys and days, the stalls and their people,
--             photos and days (the snapshot every page starts from);
--   'pages':  anything a public page shows (the rendered-page cache).
-- Bookkeeping (sessions, the delivery queue, inbox de-duplication, keys) moves
-- neither, so federation traffic does not empty the page cache.
INSERT INTO versions(name, value) VALUES ('market', 1), ('pages', 1);

-- The items' triggers also move 'pages' (one statement for both counters).
DROP TRIGGER items_version_insert;
DROP TRIGGER items_version_update;
DROP TRIGGER items_version_delete;
CREATE TRIGGER items_version_insert AFTER INSERT ON items BEGIN
	UPDATE versions SET value = value + 1 WHERE name IN ('floor', 'pages');
END;
CREATE TRIGGER items_version_update AFTER UPDATE ON items BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'pages'
		OR (name = 'floor' AND (old.status IS NOT new.status OR old.stall_id IS NOT new.stall_id
			OR old.created_at IS NOT new.created_at OR old.story IS NOT new.story
			OR old.price_kind IS NOT new.price_kind OR old.price_minor IS NOT new.price_minor));
END;
CREATE TRIGGER items_version_delete AFTER DELETE ON items BEGIN
	UPDATE versions SET value = value + 1 WHERE name IN ('floor', 'pages');
END;

DROP TRIGGER stalls_version_insert;
DROP TRIGGER stalls_version_update;
DROP TRIGGER stalls_version_delete;
CREATE TRIGGER stalls_version_insert AFTER INSERT ON stalls BEGIN
	UPDATE versions SET value = value + 1 WHERE name IN ('floor', 'market', 'pages');
END;
CREATE TRIGGER stalls_version_update AFTER UPDATE ON stalls BEGIN
	UPDATE versions SET value = value + 1 WHERE name IN ('market', 'pages')
		OR (name = 'floor' AND (old.alley_id IS NOT new.alley_id OR old.x IS NOT new.x OR old.y IS NOT new.y
			OR old.name IS NOT new.name OR old.open_today IS NOT new.open_today));
END;
CREATE TRIGGER stalls_version_delete AFTER DELETE ON stalls BEGIN
	UPDATE versions SET value = value + 1 WHERE name IN ('floor', 'market', 'pages');
END;

-- The snapshot's tables (and so also every page).
CREATE TRIGGER market_v_update AFTER UPDATE ON market BEGIN
	UPDATE versions SET value = value + 1 WHERE name IN ('market', 'pages');
END;
CREATE TRIGGER alleys_v_insert AFTER INSERT ON alleys BEGIN
	UPDATE versions SET value = value + 1 WHERE name IN ('market', 'pages');
END;
CREATE TRIGGER alleys_v_update AFTER UPDATE ON alleys BEGIN
	UPDATE versions SET value = value + 1 WHERE name IN ('market', 'pages');
END;
CREATE TRIGGER alleys_v_delete AFTER DELETE ON alleys BEGIN
	UPDATE versions SET value = value + 1 WHERE name IN ('market', 'pages');
END;
CREATE TRIGGER schedule_v_insert AFTER INSERT ON market_schedule BEGIN
	UPDATE versions SET value = value + 1 WHERE name IN ('market', 'pages');
END;
CREATE TRIGGER schedule_v_update AFTER UPDATE ON market_schedule BEGIN
	UPDATE versions SET value = value + 1 WHERE name IN ('market', 'pages');
END;
CREATE TRIGGER schedule_v_delete AFTER DELETE ON market_schedule BEGIN
	UPDATE versions SET value = value + 1 WHERE name IN ('market', 'pages');
END;
CREATE TRIGGER stall_days_v_insert AFTER INSERT ON stall_days BEGIN
	UPDATE versions SET value = value + 1 WHERE name IN ('market', 'pages');
END;
CREATE TRIGGER stall_days_v_delete AFTER DELETE ON stall_days BEGIN
	UPDATE versions SET value = value + 1 WHERE name IN ('market', 'pages');
END;
CREATE TRIGGER holders_v_insert AFTER INSERT ON stall_holders BEGIN
	UPDATE versions SET value = value + 1 WHERE name IN ('market', 'pages');
END;
CREATE TRIGGER holders_v_delete AFTER DELETE ON stall_holders BEGIN
	UPDATE versions SET value = value + 1 WHERE name IN ('market', 'pages');
END;
-- Names shown beside stalls and messages; not logins or password changes.
CREATE TRIGGER accounts_v_update AFTER UPDATE OF name, display_name, disabled ON accounts BEGIN
	UPDATE versions SET value = value + 1 WHERE name IN ('market', 'pages');
END;
CREATE TRIGGER accounts_v_delete AFTER DELETE ON accounts BEGIN
	UPDATE versions SET value = value + 1 WHERE name IN ('market', 'pages');
END;
CREATE TRIGGER photos_v_insert AFTER INSERT ON photos BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'pages' OR (name = 'market' AND new.owner_kind = 'stall');
END;
CREATE TRIGGER photos_v_update AFTER UPDATE ON photos BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'pages' OR (name = 'market' AND 'stall' IN (old.owner_kind, new.owner_kind));
END;
CREATE TRIGGER photos_v_delete AFTER DELETE ON photos BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'pages' OR (name = 'market' AND old.owner_kind = 'stall');
END;

-- What else public pages show: threads, trades (what is held), thank-you
-- notes, follows, likes and boosts from elsewhere.
CREATE TRIGGER conversations_v_insert AFTER INSERT ON conversations BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'pages';
END;
CREATE TRIGGER conversations_v_update AFTER UPDATE OF kind, item_id, stall_id, name, description ON conversations BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'pages';
END;
CREATE TRIGGER conversations_v_delete AFTER DELETE ON conversations BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'pages';
END;
CREATE TRIGGER messages_v_insert AFTER INSERT ON messages BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'pages';
END;
CREATE TRIGGER messages_v_update AFTER UPDATE ON messages BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'pages';
END;
CREATE TRIGGER messages_v_delete AFTER DELETE ON messages BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'pages';
END;
CREATE TRIGGER message_photos_v_insert AFTER INSERT ON message_photos BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'pages';
END;
CREATE TRIGGER message_photos_v_delete AFTER DELETE ON message_photos BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'pages';
END;
CREATE TRIGGER trades_v_insert AFTER INSERT ON trades BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'pages';
END;
CREATE TRIGGER trades_v_update AFTER UPDATE ON trades BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'pages';
END;
CREATE TRIGGER trades_v_delete AFTER DELETE ON trades BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'pages';
END;
CREATE TRIGGER trade_notes_v_insert AFTER INSERT ON trade_notes BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'pages';
END;
CREATE TRIGGER trade_notes_v_update AFTER UPDATE ON trade_notes BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'pages';
END;
CREATE TRIGGER trade_notes_v_delete AFTER DELETE ON trade_notes BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'pages';
END;
CREATE TRIGGER stall_follows_v_insert AFTER INSERT ON stall_follows BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'pages';
END;
CREATE TRIGGER stall_follows_v_delete AFTER DELETE ON stall_follows BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'pages';
END;
CREATE TRIGGER ap_reactions_v_insert AFTER INSERT ON ap_reactions BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'pages';
END;
CREATE TRIGGER ap_reactions_v_delete AFTER DELETE ON ap_reactions BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'pages';
END;
