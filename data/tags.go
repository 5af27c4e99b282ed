package data

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/shiji-market/shiji/node"
)

// ItemsTagged lists the items (not withdrawn) with tag, newest first, with
// their first photo, and how many there are in all. tag is normalised as
// items' tags are; a tag that cannot be one is EINVALID.
func (db *DB) ItemsTagged(ctx context.Context, tag string, limit, offset int) ([]*node.Item, int, error) {
	tags, err := node.NormalizeTags([]string{tag})
	if err != nil {
		return nil, 0, err
	}
	if len(tags) != 1 {
		return nil, 0, node.Errorf(node.EINVALID, "Name a tag.")
	}
	tag = tags[0]
	where, args := `i.status != 'withdrawn' AND (' ' || i.tags || ' ') LIKE ? ESCAPE '\'`, []any{"% " + likeEscape(tag) + " %"}
	if utf8.RuneCountInString(tag) >= 3 { // the trigram index narrows it first
		where = `i.id IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?) AND ` + where
		args = append([]any{`tags : "` + strings.ReplaceAll(tag, `"`, `""`) + `"`}, args...)
	}
	var total int
	if err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM items i WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("data: items tagged %s: %w", tag, err)
	}
	if limit <= 0 || limit > 200 {
		limit = 48
	}
	items, err := db.queryItems(ctx, `SELECT `+itemListCols+itemCardFrom+` WHERE `+where+
		` ORDER BY i.created_at DESC, i.id DESC LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	return items, total, err
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// PinItem pins an item on its stall (pin false: unpins it). More than
// node.MaxPins pinned items is ECONFLICT; pinning twice changes nothing.
func (db *DB) PinItem(ctx context.Context, id node.ItemID, pin bool) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		if !pin {
			_, err := tx.ExecContext(ctx, `DELETE FROM item_pins WHERE item_id = ?`, id)
			return err
		}
		var stall node.StallID
		if err := tx.QueryRowContext(ctx, `SELECT stall_id FROM items WHERE id = ?`, id).Scan(&stall); err != nil {
			return notFound(err, "There is no item %d.", id)
		}
		var n, already int
		if err := tx.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(item_id = ?), 0) FROM item_pins WHERE stall_id = ?`, id, stall).
			Scan(&n, &already); err != nil {
			return err
		}
		if already > 0 {
			return nil
		}
		if n >= node.MaxPins {
			return node.Errorf(node.ECONFLICT, "A stall may pin at most %d items; unpin one first.", node.MaxPins)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO item_pins(item_id, stall_id, pinned_at) VALUES (?, ?, ?)`, id, stall, db.now().UnixNano())
		return err
	})
}

// PinnedItems lists a stall's pinned items (not withdrawn), latest pin first.
func (db *DB) PinnedItems(ctx context.Context, stall node.StallID) ([]*node.Item, error) {
	return db.queryItems(ctx, `SELECT `+itemListCols+itemCardFrom+` JOIN item_pins pin ON pin.item_id = i.id
		WHERE pin.stall_id = ? AND i.status != 'withdrawn' ORDER BY pin.pinned_at DESC`, stall)
}

// IsPinned reports whether an item is pinned.
func (db *DB) IsPinned(ctx context.Context, id node.ItemID) (bool, error) {
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM item_pins WHERE item_id = ?`, id).Scan(&n)
	return n > 0, err
}

// ItemWarning is an item's content warning, "" for none.
func (db *DB) ItemWarning(ctx context.Context, id node.ItemID) (string, error) {
	var w string
	err := db.r.QueryRowContext(ctx, `SELECT warning FROM item_warnings WHERE item_id = ?`, id).Scan(&w)
	if err == sql.ErrNoRows {
		return "", nil
	}
	return w, err
}

// SetItemWarning stores an item's content warning ("" removes it).
func (db *DB) SetItemWarning(ctx context.Context, id node.ItemID, warning string) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		if warning == "" {
			_, err := tx.ExecContext(ctx, `DELETE FROM item_warnings WHERE item_id = ?`, id)
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO item_warnings(item_id, warning) VALUES (?, ?)
			ON CONFLICT(item_id) DO UPDATE SET warning = excluded.warning`, id, warning)
		return err
	})
}
