-- What the home page shows of the markets this one links with moves the
-- 'pages' counter (0030), so the page cache keeps that page and drops it at
-- the next change: a link's state, name, counts, staleness or last error
-- (world_links, whose counts the catalogue's triggers keep), its stalls'
-- counts (world_stalls), whom a reader hid (world_hidden), the linked
-- markets' days (ap_events) and their names and addresses (ap_actors; only
-- when those change, so key refreshes leave the cache alone).
CREATE TRIGGER world_links_pages_insert AFTER INSERT ON world_links BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'pages';
END;
CREATE TRIGGER world_links_pages_update AFTER UPDATE ON world_links BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'pages';
END;
CREATE TRIGGER world_links_pages_delete AFTER DELETE ON world_links BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'pages';
END;
CREATE TRIGGER world_stalls_pages_insert AFTER INSERT ON world_stalls BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'pages';
END;
CREATE TRIGGER world_stalls_pages_update AFTER UPDATE ON world_stalls BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'pages';
END;
CREATE TRIGGER world_stalls_pages_delete AFTER DELETE ON world_stalls BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'pages';
END;
CREATE TRIGGER world_hidden_pages_insert AFTER INSERT ON world_hidden BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'pages';
END;
CREATE TRIGGER world_hidden_pages_delete AFTER DELETE ON world_hidden BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'pages';
END;
CREATE TRIGGER ap_events_pages_insert AFTER INSERT ON ap_events BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'pages';
END;
CREATE TRIGGER ap_events_pages_update AFTER UPDATE ON ap_events BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'pages';
END;
CREATE TRIGGER ap_events_pages_delete AFTER DELETE ON ap_events BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'pages';
END;
CREATE TRIGGER ap_actors_pages_update AFTER UPDATE ON ap_actors
	WHEN old.name IS NOT new.name OR old.url IS NOT new.url OR old.icon IS NOT new.icon OR old.type IS NOT new.type BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'pages';
END;
