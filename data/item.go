package data

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/shiji-market/shiji/node"
)

const itemCols = `i.id, i.stall_id, i.title, i.story, i.price_kind, i.price_minor, i.currency, i.quantity, i.tags, i.status,
	i.created_at, i.updated_at, s.name, s.alley_id`

// itemListCols is itemCols without the story, for listings (cards never show
// it, and long stories spill onto overflow pages that cost a read each), and
// with the first photo's columns, which items keep (migration 0033): a
// listing is read FROM itemCardFrom.
const itemListCols = `i.id, i.stall_id, i.title, '', i.price_kind, i.price_minor, i.currency, i.quantity, i.tags, i.status,
	i.created_at, i.updated_at, s.name, s.alley_id, i.photo_hash, i.photo_ext, i.photo_w, i.photo_h, i.photo_alt`

// itemCardFrom joins an item to its stall, so that a page of cards is one
// query.
const itemCardFrom = ` FROM items i JOIN stalls s ON s.id = i.stall_id`

func scanItem(row scanner) (*node.Item, error) {
	var it node.Item
	var tags string
	var created, updated int64
	if err := row.Scan(&it.ID, &it.Stall, &it.Title, &it.Story, &it.Price.Kind, &it.Price.Minor, &it.Price.Currency,
		&it.Quantity, &tags, &it.Status, &created, &updated, &it.StallName, &it.Alley); err != nil {
		return nil, err
	}
	if tags != "" {
		it.Tags = strings.Fields(tags)
	}
	it.CreatedAt, it.UpdatedAt = time.Unix(created, 0).UTC(), time.Unix(updated, 0).UTC()
	return &it, nil
}

// scanCard reads a row of itemListCols.
func scanCard(row scanner) (*node.Item, error) {
	var it node.Item
	var tags, story string
	var created, updated int64
	var hash, ext, alt sql.NullString
	var w, h sql.NullInt64
	if err := row.Scan(&it.ID, &it.Stall, &it.Title, &story, &it.Price.Kind, &it.Price.Minor, &it.Price.Currency,
		&it.Quantity, &tags, &it.Status, &created, &updated, &it.StallName, &it.Alley, &hash, &ext, &w, &h, &alt); err != nil {
		return nil, err
	}
	if tags != "" {
		it.Tags = strings.Fields(tags)
	}
	if hash.Valid {
		it.Photos = []node.Photo{{Hash: hash.String, Ext: ext.String, Width: int(w.Int64), Height: int(h.Int64), Alt: alt.String}}
	}
	it.CreatedAt, it.UpdatedAt = time.Unix(created, 0).UTC(), time.Unix(updated, 0).UTC()
	return &it, nil
}

// CreateItem validates and stores a new item on its stall (ENOTFOUND if the
// stall does not exist).
func (db *DB) CreateItem(ctx context.Context, it *node.Item) error {
	if err := it.Validate(); err != nil {
		return err
	}
	return db.write(ctx, func(tx *sql.Tx) error { return createItem(ctx, tx, it, db.now()) })
}

func createItem(ctx context.Context, tx *sql.Tx, it *node.Item, now time.Time) error {
	res, err := tx.ExecContext(ctx, `INSERT INTO items(stall_id, title, story, price_kind, price_minor, currency, quantity, tags, status, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, it.Stall, it.Title, it.Story, it.Price.Kind, it.Price.Minor, it.Price.Currency,
		it.Quantity, strings.Join(it.Tags, " "), it.Status, now.Unix(), now.Unix())
	if err != nil {
		if strings.Contains(err.Error(), "FOREIGN KEY") {
			return node.Errorf(node.ENOTFOUND, "There is no stall %d.", it.Stall)
		}
		return fmt.Errorf("data: create item: %w", err)
	}
	id, _ := res.LastInsertId()
	it.ID = node.ItemID(id)
	if now.IsZero() {
		now = time.Unix(0, 0)
	}
	it.CreatedAt, it.UpdatedAt = now.Truncate(time.Second).UTC(), now.Truncate(time.Second).UTC()
	return indexItem(ctx, tx, it.ID)
}

// indexItem (re)writes the item's rows in the search indexes.
func indexItem(ctx context.Context, tx *sql.Tx, id node.ItemID) error {
	for _, q := range []string{itemsFTSFrom, itemsWordsFrom} {
		if _, err := tx.ExecContext(ctx, q+` WHERE i.id = ?`, id); err != nil {
			return fmt.Errorf("data: index item %d: %w", id, err)
		}
	}
	return nil
}

// reindexStallItems rewrites the search rows of a stall's items (its name
// is searched with them).
func reindexStallItems(ctx context.Context, tx *sql.Tx, id node.StallID) error {
	for _, q := range []string{itemsFTSFrom, itemsWordsFrom} {
		if _, err := tx.ExecContext(ctx, q+` WHERE s.id = ?`, id); err != nil {
			return err
		}
	}
	return nil
}

// The search indexes' rows of items, to be completed with a WHERE clause
// over items i and stalls s.
const (
	itemsFTSFrom = `INSERT OR REPLACE INTO items_fts(rowid, title, story, tags, stall)
		SELECT i.id, i.title, i.story, i.tags, s.name FROM items i JOIN stalls s ON s.id = i.stall_id`
	itemsWordsFrom = `INSERT OR REPLACE INTO items_words(rowid, title, story, tags, stall)
		SELECT i.id, ` + wordsFunc + `(i.title), ` + wordsFunc + `(i.story), ` + wordsFunc + `(i.tags), ` + wordsFunc + `(s.name)
		FROM items i JOIN stalls s ON s.id = i.stall_id`
)

// Item returns the item with its photos, or ENOTFOUND.
func (db *DB) Item(ctx context.Context, id node.ItemID) (*node.Item, error) {
	v, err := db.ItemView(ctx, id)
	if err != nil {
		return nil, err
	}
	return v.Item, nil
}

// ItemView is an item with what its page shows beside it.
type ItemView struct {
	*node.Item
	Thread        node.ConversationID // its public thread, 0 while nobody has asked
	Likes, Boosts int                 // from people on other servers
}

// ItemView returns the item with all its photos, what accepted reservations
// hold, its thread and its likes and boosts, in one query; ENOTFOUND when
// there is no such item.
func (db *DB) ItemView(ctx context.Context, id node.ItemID) (*ItemView, error) {
	rows, err := db.query(ctx, `SELECT `+itemCols+`, i.bring_on,
		(SELECT coalesce(sum(quantity), 0) FROM trades WHERE item_id = i.id AND status IN ('accepted', 'handed_over')),
		coalesce((SELECT id FROM conversations WHERE kind = 'thread' AND item_id = i.id), 0),
		(SELECT count(*) FROM ap_reactions WHERE item_id = i.id AND kind = 'like'),
		(SELECT count(*) FROM ap_reactions WHERE item_id = i.id AND kind = 'announce'),
		p.hash, p.ext, p.width, p.height, p.alt
		FROM items i JOIN stalls s ON s.id = i.stall_id LEFT JOIN photos p ON p.owner_kind = 'item' AND p.owner_id = i.id
		WHERE i.id = ? ORDER BY p.position`, id)
	if err != nil {
		return nil, fmt.Errorf("data: item %d: %w", id, err)
	}
	defer rows.Close()
	var v *ItemView
	for rows.Next() {
		var it node.Item
		var tags string
		var created, updated int64
		var thread node.ConversationID
		var likes, boosts int
		var hash, ext, alt sql.NullString
		var w, h sql.NullInt64
		if err := rows.Scan(&it.ID, &it.Stall, &it.Title, &it.Story, &it.Price.Kind, &it.Price.Minor, &it.Price.Currency,
			&it.Quantity, &tags, &it.Status, &created, &updated, &it.StallName, &it.Alley, &it.BringOn, &it.Held,
			&thread, &likes, &boosts, &hash, &ext, &w, &h, &alt); err != nil {
			return nil, fmt.Errorf("data: item %d: %w", id, err)
		}
		if v == nil {
			if tags != "" {
				it.Tags = strings.Fields(tags)
			}
			it.CreatedAt, it.UpdatedAt = time.Unix(created, 0).UTC(), time.Unix(updated, 0).UTC()
			v = &ItemView{Item: &it, Thread: thread, Likes: likes, Boosts: boosts}
		}
		if hash.Valid {
			v.Photos = append(v.Photos, node.Photo{Hash: hash.String, Ext: ext.String, Width: int(w.Int64), Height: int(h.Int64), Alt: alt.String})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("data: item %d: %w", id, err)
	}
	if v == nil {
		return nil, node.Errorf(node.ENOTFOUND, "There is no item %d.", id)
	}
	return v, nil
}

// UpdateItem stores an item's title, story, price, quantity, tags and status.
// A status change the item's life does not allow is ECONFLICT.
func (db *DB) UpdateItem(ctx context.Context, it *node.Item) error {
	if err := it.Validate(); err != nil {
		return err
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		var old node.ItemStatus
		if err := tx.QueryRowContext(ctx, `SELECT status FROM items WHERE id = ?`, it.ID).Scan(&old); err != nil {
			return notFound(err, "There is no item %d.", it.ID)
		}
		if old != it.Status && !old.CanBecome(it.Status) {
			return node.Errorf(node.ECONFLICT, "An item that is %s cannot become %s.", old.Word(), it.Status.Word())
		}
		var held int
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(sum(quantity), 0) FROM trades WHERE item_id = ? AND status IN ('accepted', 'handed_over')`,
			it.ID).Scan(&held); err != nil {
			return err
		}
		if it.Quantity < held {
			return node.Errorf(node.ECONFLICT, "%d are held for accepted reservations; the quantity cannot go below that.", held)
		}
		_, err := tx.ExecContext(ctx, `UPDATE items SET title = ?, story = ?, price_kind = ?, price_minor = ?, currency = ?,
			quantity = ?, tags = ?, status = ?, updated_at = ? WHERE id = ?`, it.Title, it.Story, it.Price.Kind, it.Price.Minor,
			it.Price.Currency, it.Quantity, strings.Join(it.Tags, " "), it.Status, db.now().Unix(), it.ID)
		if err != nil {
			return fmt.Errorf("data: update item: %w", err)
		}
		return indexItem(ctx, tx, it.ID)
	})
}

// ItemFilter selects items for a listing, newest first.
type ItemFilter struct {
	Stall  node.StallID
	Alley  node.AlleyID
	Status node.ItemStatus // "" = any but withdrawn
	Limit  int             // 0 = 48, at most 200
	Offset int
}

// Items lists items with their first photo.
func (db *DB) Items(ctx context.Context, f ItemFilter) ([]*node.Item, error) {
	where, args, limit := f.sql()
	q := `SELECT ` + itemListCols + itemCardFrom + ` WHERE ` + where + ` ORDER BY i.created_at DESC, i.id DESC LIMIT ? OFFSET ?`
	return db.queryItems(ctx, q, append(args, limit, f.Offset)...)
}

// sql returns the filter's WHERE clause over items i and stalls s, its
// arguments and the limit.
func (f ItemFilter) sql() (string, []any, int) {
	var where []string
	var args []any
	if f.Stall != 0 {
		where, args = append(where, "i.stall_id = ?"), append(args, f.Stall)
	}
	if f.Alley != 0 {
		where, args = append(where, "s.alley_id = ?"), append(args, f.Alley)
	}
	if f.Status != "" {
		where, args = append(where, "i.status = ?"), append(args, f.Status)
	} else {
		where = append(where, "i.status != 'withdrawn'")
	}
	if f.Limit <= 0 {
		f.Limit = 48
	}
	return strings.Join(where, " AND "), args, min(f.Limit, 200)
}

func (db *DB) queryItems(ctx context.Context, q string, args ...any) ([]*node.Item, error) {
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("data: items: %w", err)
	}
	defer rows.Close()
	var out []*node.Item
	for rows.Next() {
		it, err := scanCard(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// ItemsByID returns the items with the given ids, in that order (missing ones skipped).
func (db *DB) ItemsByID(ctx context.Context, ids []node.ItemID) ([]*node.Item, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	items, err := db.queryItems(ctx, `SELECT `+itemListCols+itemCardFrom+` WHERE i.id IN (SELECT value FROM json_each(?))`, idList(ids))
	if err != nil {
		return nil, err
	}
	byID := make(map[node.ItemID]*node.Item, len(items))
	for _, it := range items {
		byID[it.ID] = it
	}
	out := make([]*node.Item, 0, len(ids))
	for _, id := range ids {
		if it := byID[id]; it != nil {
			out = append(out, it)
		}
	}
	return out, nil
}
