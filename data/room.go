package data

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/shiji-market/shiji/node"
)

// Group chats across markets (FEP-1b12): rooms here opened to other
// markets, their members elsewhere, and the rooms elsewhere people here
// follow (mirrored in a local group conversation).

// SetFederated opens (or closes) group conversation id to other markets.
func (db *DB) SetFederated(ctx context.Context, id node.ConversationID, on bool) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE conversations SET federated = ? WHERE id = ? AND kind = 'group'`, on, id)
		return err
	})
}

// RoomMember is a member elsewhere of a room here.
type RoomMember struct {
	Actor, Name string
	Removed     bool
	// Following: they follow the room, so it sends them its messages. A
	// member let back in after a removal is not, until they join again.
	Following bool
}

// AddRoomMember records actor (user@host name) as a member of room id; a
// member removed before stays removed (ECONFLICT).
func (db *DB) AddRoomMember(ctx context.Context, id node.ConversationID, actor, name string) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		var removed sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT removed_at FROM ap_room_members WHERE conversation_id = ? AND actor = ?`, id, actor).Scan(&removed)
		if err == nil && removed.Valid {
			return node.Errorf(node.ECONFLICT, "%s was removed from this group chat.", name)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO ap_room_members(conversation_id, actor, name, joined_at) VALUES (?, ?, ?, ?)
			ON CONFLICT(conversation_id, actor) DO UPDATE SET name = excluded.name`, id, actor, name, db.now().Unix())
		return err
	})
}

// RemoveRoomMember marks the member named name (user@host) or actor of room
// id removed and returns their actor IRI; ENOTFOUND when there is none.
func (db *DB) RemoveRoomMember(ctx context.Context, id node.ConversationID, who string) (string, error) {
	var actor string
	err := db.write(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT actor FROM ap_room_members WHERE conversation_id = ?1 AND (name = ?2 OR actor = ?2)`, id, who).Scan(&actor)
		if err != nil {
			return notFound(err, "%s is not a member of this group chat.", who)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE ap_room_members SET removed_at = coalesce(removed_at, ?) WHERE conversation_id = ? AND actor = ?`,
			db.now().Unix(), id, actor); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM ap_followers WHERE actor = ? AND follower = ?`, fmt.Sprintf("room:%d", id), actor)
		return err
	})
	return actor, err
}

// RoomMembers lists room id's members elsewhere (removed ones too).
func (db *DB) RoomMembers(ctx context.Context, id node.ConversationID) ([]RoomMember, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT m.actor, m.name, m.removed_at IS NOT NULL,
		EXISTS(SELECT 1 FROM ap_followers f WHERE f.actor = 'room:' || m.conversation_id AND f.follower = m.actor)
		FROM ap_room_members m WHERE m.conversation_id = ? ORDER BY m.joined_at, m.actor`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []RoomMember
	for rows.Next() {
		var m RoomMember
		if err := rows.Scan(&m.Actor, &m.Name, &m.Removed, &m.Following); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// RoomMirror returns the local group conversation mirroring the room
// actor elsewhere, opening it (named name) when there is none, and makes
// acc a member of it when acc is not 0.
func (db *DB) RoomMirror(ctx context.Context, actor, name string, acc node.AccountID) (node.ConversationID, error) {
	var id node.ConversationID
	err := db.write(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT conversation_id FROM ap_rooms WHERE actor = ?`, actor).Scan(&id)
		if err == sql.ErrNoRows {
			now := db.now().Unix()
			res, err := tx.ExecContext(ctx, `INSERT INTO conversations(kind, name, description, created_at, last_message_at) VALUES ('group', ?, '', ?, ?)`,
				name, now, now)
			if err != nil {
				return fmt.Errorf("data: room mirror: %w", err)
			}
			n, _ := res.LastInsertId()
			id = node.ConversationID(n)
			if _, err := tx.ExecContext(ctx, `INSERT INTO ap_rooms(conversation_id, actor) VALUES (?, ?)`, id, actor); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		if acc != 0 {
			_, err = tx.ExecContext(ctx, `INSERT OR IGNORE INTO members(conversation_id, account_id, role, joined_at) VALUES (?, ?, 'member', ?)`,
				id, acc, db.now().Unix())
		}
		return err
	})
	return id, err
}

// RoomOf returns the mirror conversation of the room actor elsewhere, or ENOTFOUND.
func (db *DB) RoomOf(ctx context.Context, actor string) (node.ConversationID, error) {
	var id node.ConversationID
	err := db.queryRow(ctx, `SELECT conversation_id FROM ap_rooms WHERE actor = ?`, actor).Scan(&id) // every inbox activity asks: prepared once
	return id, notFound(err, "No group chat of %s here.", actor)
}

// TombstoneByAPID deletes (leaves a tombstone of) the message with ActivityPub
// id apID in conversation conv; found is false when there is none. A message
// from elsewhere may be deleted before it arrives (deliveries come in any
// order): then a tombstone without an author holds its id in conv, so that
// it is not taken in when it comes (PostMessage answers ECONFLICT), and
// Messages does not list it. An id taken in elsewhere is left as it is.
func (db *DB) TombstoneByAPID(ctx context.Context, conv node.ConversationID, apID string) (found bool, err error) {
	err = db.write(ctx, func(tx *sql.Tx) error {
		now := db.now()
		res, err := tx.ExecContext(ctx, `UPDATE messages SET body = '', deleted_at = coalesce(deleted_at, ?) WHERE conversation_id = ? AND ap_id = ?`,
			now.Unix(), conv, apID)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		if found = n > 0; found {
			return nil
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO messages(conversation_id, author_name, body, created_at, written_at, deleted_at, ap_id)
			VALUES (?, '', '', ?, ?, ?, ?) ON CONFLICT(ap_id) DO NOTHING`, conv, now.Unix(), now.UnixMilli(), now.Unix(), apID)
		return err
	})
	return found, err
}

// ReadmitRoomMember lifts the removal of the member named who (user@host or
// actor IRI) of room id, so that they may follow (join) it again; it returns
// their actor IRI. ENOTFOUND when who was never a member; ECONFLICT when
// they were not removed.
func (db *DB) ReadmitRoomMember(ctx context.Context, id node.ConversationID, who string) (string, error) {
	var actor string
	err := db.write(ctx, func(tx *sql.Tx) error {
		var removed sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT actor, removed_at FROM ap_room_members WHERE conversation_id = ?1 AND (name = ?2 OR actor = ?2)`,
			id, who).Scan(&actor, &removed)
		if err != nil {
			return notFound(err, "%s was never a member of this group chat.", who)
		}
		if !removed.Valid {
			return node.Errorf(node.ECONFLICT, "%s was not removed from this group chat.", who)
		}
		_, err = tx.ExecContext(ctx, `UPDATE ap_room_members SET removed_at = NULL WHERE conversation_id = ? AND actor = ?`, id, actor)
		return err
	})
	return actor, err
}
