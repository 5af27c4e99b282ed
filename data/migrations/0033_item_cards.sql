-- Item cards (issue 14). A listing shows cards: an item's title, price,
-- status, tags and first photo. Read from items joined to photos, a stall's
-- page of 48 cards touched 48 item rows (with their stories) and 48 photo
-- rows scattered over the file: at 100,000 items about a millisecond of
-- reads a page, most of it waiting for pages the cache did not hold.
--
-- Each item now keeps its first photo beside it (kept by the triggers below,
-- in the same transaction as the photo's change), and one index holds
-- everything a card shows in a stall's listing order, so that a stall's page
-- reads a few index pages in a row. The index replaces
-- items_stall_status_created, of which it is an extension.
ALTER TABLE items ADD COLUMN photo_hash TEXT;
ALTER TABLE items ADD COLUMN photo_ext TEXT;
ALTER TABLE items ADD COLUMN photo_w INTEGER;
ALTER TABLE items ADD COLUMN photo_h INTEGER;
ALTER TABLE items ADD COLUMN photo_alt TEXT;

UPDATE items SET (photo_hash, photo_ext, photo_w, photo_h, photo_alt) =
	(SELECT hash, ext, width, height, alt FROM photos p
		WHERE p.owner_kind = 'item' AND p.owner_id = items.id AND p.position = 0);

CREATE TRIGGER item_photo_insert AFTER INSERT ON photos WHEN new.owner_kind = 'item' AND new.position = 0 BEGIN
	UPDATE items SET photo_hash = new.hash, photo_ext = new.ext, photo_w = new.width, photo_h = new.height,
		photo_alt = new.alt WHERE id = new.owner_id;
END;
CREATE TRIGGER item_photo_update AFTER UPDATE ON photos WHEN new.owner_kind = 'item' OR old.owner_kind = 'item' BEGIN
	UPDATE items SET (photo_hash, photo_ext, photo_w, photo_h, photo_alt) =
		(SELECT hash, ext, width, height, alt FROM photos p
			WHERE p.owner_kind = 'item' AND p.owner_id = items.id AND p.position = 0)
		WHERE (old.owner_kind = 'item' AND id = old.owner_id) OR (new.owner_kind = 'item' AND id = new.owner_id);
END;
CREATE TRIGGER item_photo_delete AFTER DELETE ON photos WHEN old.owner_kind = 'item' BEGIN
	UPDATE items SET (photo_hash, photo_ext, photo_w, photo_h, photo_alt) =
		(SELECT hash, ext, width, height, alt FROM photos p
			WHERE p.owner_kind = 'item' AND p.owner_id = items.id AND p.position = 0)
		WHERE id = old.owner_id;
END;

DROP INDEX items_stall_status_created;
CREATE INDEX items_cards ON items(stall_id, status, created_at DESC, id DESC,
	title, price_kind, price_minor, currency, quantity, tags, updated_at,
	photo_hash, photo_ext, photo_w, photo_h, photo_alt);
