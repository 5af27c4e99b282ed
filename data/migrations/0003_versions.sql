-- A counter that moves whenever stalls or items change, so caches built from
-- them (the wander index) know when to rebuild.
CREATE TABLE versions (
	name  TEXT PRIMARY KEY,
	value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO versions(name, value) VALUES ('floor', 1);

CREATE TRIGGER items_version_insert AFTER INSERT ON items BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'floor';
END;
CREATE TRIGGER items_version_update AFTER UPDATE OF status, stall_id, created_at, story, price_kind, price_minor ON items BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'floor';
END;
CREATE TRIGGER items_version_delete AFTER DELETE ON items BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'floor';
END;
CREATE TRIGGER stalls_version_insert AFTER INSERT ON stalls BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'floor';
END;
CREATE TRIGGER stalls_version_update AFTER UPDATE OF alley_id, x, y, name, open_today ON stalls BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'floor';
END;
CREATE TRIGGER stalls_version_delete AFTER DELETE ON stalls BEGIN
	UPDATE versions SET value = value + 1 WHERE name = 'floor';
END;
