-- Indexes that let the listings stop early instead of sorting: a stall's
-- items newest first, and the market's available items newest first (also
-- what a short search scans, stopping at the first page of matches).
DROP INDEX IF EXISTS items_stall;
DROP INDEX IF EXISTS items_status_created;
CREATE INDEX items_stall_status_created ON items(stall_id, status, created_at DESC, id DESC);
CREATE INDEX items_status_created ON items(status, created_at DESC, id DESC);
ANALYZE;
