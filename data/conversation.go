package data

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/shiji-market/shiji/node"
)

const convCols = `c.id, c.kind, coalesce(c.item_id, 0), coalesce(c.stall_id, 0), c.name, c.description, coalesce(c.created_by, 0),
	c.created_at, c.last_message_at, (SELECT count(*) FROM members m2 WHERE m2.conversation_id = c.id), c.federated,
	coalesce((SELECT r.actor FROM ap_rooms r WHERE r.conversation_id = c.id), '')`

func scanConversation(row scanner, extra ...any) (*node.Conversation, error) {
	var c node.Conversation
	var created, last int64
	dest := append([]any{&c.ID, &c.Kind, &c.Item, &c.Stall, &c.Name, &c.Description, &c.CreatedBy, &created, &last, &c.Members,
		&c.Federated, &c.RoomElsewhere}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	c.CreatedAt, c.LastMessageAt = time.Unix(created, 0).UTC(), time.Unix(last, 0).UTC()
	return &c, nil
}

// Member is an account's place in a conversation.
type Member struct {
	Account node.AccountID
	Name    string
	Shown   string
	Role    string
	Muted   bool
}

// CreateConversation stores a private or group conversation with its first
// members (the creator first).
func (db *DB) CreateConversation(ctx context.Context, c *node.Conversation, members []Member) error {
	return db.write(ctx, func(tx *sql.Tx) error { return createConversation(ctx, tx, c, members, db.now()) })
}

// RemoteSide is the other side of a private conversation with a remote
// actor (ap_conversations): the actor, the local actor key ('stall:7',
// 'account:3') and the remote object it follows ("" for a plain chat).
type RemoteSide struct{ Actor, Local, Context string }

// RemoteConversation returns the private conversation with side, creating
// it (with members) and recording side in one transaction when there is
// none yet.
func (db *DB) RemoteConversation(ctx context.Context, side RemoteSide, c *node.Conversation, members []Member) (node.ConversationID, error) {
	var id node.ConversationID
	err := db.write(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT conversation_id FROM ap_conversations WHERE actor = ? AND local = ? AND context = ?`,
			side.Actor, side.Local, side.Context).Scan(&id)
		if err == nil || !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err := createConversation(ctx, tx, c, members, db.now()); err != nil {
			return err
		}
		id = c.ID
		_, err = tx.ExecContext(ctx, `INSERT INTO ap_conversations(conversation_id, actor, local, context) VALUES (?, ?, ?, ?)`,
			id, side.Actor, side.Local, side.Context)
		return err
	})
	return id, err
}

func createConversation(ctx context.Context, tx *sql.Tx, c *node.Conversation, members []Member, at time.Time) error {
	now := at.Unix()
	res, err := tx.ExecContext(ctx, `INSERT INTO conversations(kind, item_id, stall_id, name, description, created_by, created_at, last_message_at)
		VALUES (?, nullif(?, 0), nullif(?, 0), ?, ?, nullif(?, 0), ?, ?)`, c.Kind, c.Item, c.Stall, c.Name, c.Description, c.CreatedBy, now, now)
	if err != nil {
		return fmt.Errorf("data: create conversation: %w", err)
	}
	id, _ := res.LastInsertId()
	c.ID = node.ConversationID(id)
	c.CreatedAt, c.LastMessageAt = time.Unix(now, 0).UTC(), time.Unix(now, 0).UTC()
	for _, m := range members {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO members(conversation_id, account_id, role, joined_at) VALUES (?, ?, ?, ?)`,
			id, m.Account, m.Role, now); err != nil {
			return fmt.Errorf("data: add member: %w", err)
		}
	}
	c.Members = len(members)
	return nil
}

// Thread returns the public thread of an item (item != 0) or a stall,
// creating it on first use.
func (db *DB) Thread(ctx context.Context, item node.ItemID, stall node.StallID) (*node.Conversation, error) {
	var id node.ConversationID
	err := db.write(ctx, func(tx *sql.Tx) error {
		var err error
		id, err = thread(ctx, tx, item, stall, db.now())
		return err
	})
	if err != nil {
		return nil, err
	}
	return db.Conversation(ctx, id, 0)
}

func thread(ctx context.Context, tx *sql.Tx, item node.ItemID, stall node.StallID, now time.Time) (node.ConversationID, error) {
	var id node.ConversationID
	var err error
	if item != 0 {
		err = tx.QueryRowContext(ctx, `SELECT id FROM conversations WHERE kind = 'thread' AND item_id = ?`, item).Scan(&id)
	} else {
		err = tx.QueryRowContext(ctx, `SELECT id FROM conversations WHERE kind = 'thread' AND item_id IS NULL AND stall_id = ?`, stall).Scan(&id)
	}
	if err == nil {
		return id, nil
	} else if err != sql.ErrNoRows {
		return 0, err
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO conversations(kind, item_id, stall_id, created_at, last_message_at) VALUES ('thread', nullif(?, 0), ?, ?, ?)`,
		item, stall, now.Unix(), now.Unix())
	if err != nil {
		return 0, fmt.Errorf("data: create thread: %w", err)
	}
	n, _ := res.LastInsertId()
	return node.ConversationID(n), nil
}

// Conversation returns a conversation, with reader's membership and unread
// count filled when reader is not 0. ENOTFOUND when there is none.
func (db *DB) Conversation(ctx context.Context, id node.ConversationID, reader node.AccountID) (*node.Conversation, error) {
	var role sql.NullString
	var muted sql.NullBool
	var unread int
	c, err := scanConversation(db.queryRow(ctx, `SELECT `+convCols+`, m.role, m.muted,
		CASE WHEN m.account_id IS NULL THEN 0 ELSE (SELECT count(*) FROM messages x WHERE x.conversation_id = c.id AND x.id > m.last_read
			AND coalesce(x.author_id, 0) != m.account_id AND x.deleted_at IS NULL) END
		FROM conversations c LEFT JOIN members m ON m.conversation_id = c.id AND m.account_id = ? WHERE c.id = ?`, reader, id),
		&role, &muted, &unread)
	if err != nil {
		return nil, notFound(err, "There is no conversation %d.", id)
	}
	c.Member, c.Role, c.Muted, c.Unread = role.Valid, role.String, muted.Bool, unread
	return c, nil
}

// Conversations lists reader's private and group conversations, newest
// activity first, with unread counts.
func (db *DB) Conversations(ctx context.Context, reader node.AccountID, limit int) ([]*node.Conversation, error) {
	return db.listConversations(ctx, `SELECT `+convCols+`, m.role, m.muted,
		(SELECT count(*) FROM messages x WHERE x.conversation_id = c.id AND x.id > m.last_read AND coalesce(x.author_id, 0) != m.account_id AND x.deleted_at IS NULL)
		FROM conversations c JOIN members m ON m.conversation_id = c.id AND m.account_id = ?
		ORDER BY c.last_message_at DESC, c.id DESC LIMIT ?`, reader, limit)
}

// Groups lists the group chats anyone may browse, busiest first.
func (db *DB) Groups(ctx context.Context, reader node.AccountID, limit int) ([]*node.Conversation, error) {
	return db.listConversations(ctx, `SELECT `+convCols+`, m.role, m.muted, 0
		FROM conversations c LEFT JOIN members m ON m.conversation_id = c.id AND m.account_id = ?
		WHERE c.kind = 'group' ORDER BY c.last_message_at DESC, c.id DESC LIMIT ?`, reader, limit)
}

func (db *DB) listConversations(ctx context.Context, q string, args ...any) ([]*node.Conversation, error) {
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("data: conversations: %w", err)
	}
	defer rows.Close()
	var out []*node.Conversation
	for rows.Next() {
		var role sql.NullString
		var muted sql.NullBool
		var unread int
		c, err := scanConversation(rows, &role, &muted, &unread)
		if err != nil {
			return nil, err
		}
		c.Member, c.Role, c.Muted, c.Unread = role.Valid, role.String, muted.Bool, unread
		out = append(out, c)
	}
	return out, rows.Err()
}

// Members lists a conversation's members.
func (db *DB) Members(ctx context.Context, id node.ConversationID) ([]Member, error) {
	rows, err := db.query(ctx, `SELECT a.id, a.name, a.display_name, m.role, m.muted FROM members m JOIN accounts a ON a.id = m.account_id
		WHERE m.conversation_id = ? ORDER BY m.joined_at, a.id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Member
	for rows.Next() {
		var m Member
		if err := rows.Scan(&m.Account, &m.Name, &m.Shown, &m.Role, &m.Muted); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// AddMember adds (or keeps) an account in a conversation.
func (db *DB) AddMember(ctx context.Context, id node.ConversationID, account node.AccountID, role string) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		var last int64
		tx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM messages WHERE conversation_id = ?`, id).Scan(&last)
		_, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO members(conversation_id, account_id, role, joined_at, last_read) VALUES (?, ?, ?, ?, ?)`,
			id, account, role, db.now().Unix(), last)
		return err
	})
}

// RemoveMember takes an account out of a conversation (ENOTFOUND if not in it).
func (db *DB) RemoveMember(ctx context.Context, id node.ConversationID, account node.AccountID) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM members WHERE conversation_id = ? AND account_id = ?`, id, account)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return node.Errorf(node.ENOTFOUND, "That person is not in this conversation.")
		}
		return nil
	})
}

// SetMuted mutes or unmutes a conversation for a member.
func (db *DB) SetMuted(ctx context.Context, id node.ConversationID, account node.AccountID, muted bool) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE members SET muted = ? WHERE conversation_id = ? AND account_id = ?`, muted, id, account)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return node.Errorf(node.EFORBIDDEN, "Join the conversation first.")
		}
		return nil
	})
}

const msgCols = `x.id, x.conversation_id, coalesce(x.author_id, 0), x.author_name, x.author_shown, x.author_url, x.from_stall, x.body,
	coalesce(x.reply_to, 0), x.written_at, coalesce(x.edited_at, 0), coalesce(x.deleted_at, 0)`

func scanMessage(row scanner) (*node.Message, error) {
	var m node.Message
	var written, edited, deleted int64
	if err := row.Scan(&m.ID, &m.Conversation, &m.Author, &m.AuthorName, &m.AuthorShown, &m.AuthorURL, &m.FromStall, &m.Body,
		&m.ReplyTo, &written, &edited, &deleted); err != nil {
		return nil, err
	}
	m.CreatedAt = time.UnixMilli(written).UTC()
	if edited != 0 {
		m.EditedAt = time.Unix(edited, 0).UTC()
	}
	if deleted != 0 {
		m.DeletedAt = time.Unix(deleted, 0).UTC()
	}
	return &m, nil
}

// NewMessage is a message to store, with the notifications it causes.
type NewMessage struct {
	Message *node.Message
	Thread  struct { // set to post into the thread of an item or stall (created on first use)
		Item  node.ItemID
		Stall node.StallID
	}
	APID string // the ActivityPub id of a federated message ("" for local ones)
	// WrittenAt is when a federated message says it was written (its
	// Note's published; zero when it does not say): its place in the
	// conversation, as node.WrittenAt rules. Zero for local ones: now.
	WrittenAt time.Time
	// RemoteActor is the remote author of a federated message (kept in
	// ap_messages in the same transaction: only they may edit or delete it).
	RemoteActor string
	Notify      []node.Notification
	Notice      []node.AccountID // who gets Notify (same order)
}

// PostMessage stores a message (and its thread when needed), moves the
// conversation's last activity, marks it read for its author, and writes the
// notifications, in one transaction. A federated message already stored
// (same APID) is ECONFLICT. The message's CreatedAt is when it was written
// (node.WrittenAt), to the millisecond: its place in the conversation.
func (db *DB) PostMessage(ctx context.Context, nm *NewMessage) error {
	m := nm.Message
	return db.write(ctx, func(tx *sql.Tx) error {
		now := db.now()
		if m.Conversation == 0 {
			id, err := thread(ctx, tx, nm.Thread.Item, nm.Thread.Stall, now)
			if err != nil {
				return err
			}
			m.Conversation = id
		}
		var parentWritten int64 // Unix ms of the message replied to
		if m.ReplyTo != 0 {
			var conv node.ConversationID
			err := tx.QueryRowContext(ctx, `SELECT conversation_id, written_at FROM messages WHERE id = ?`, m.ReplyTo).Scan(&conv, &parentWritten)
			if err != nil || conv != m.Conversation {
				return node.Errorf(node.EINVALID, "The message you reply to is not in this conversation.")
			}
		}
		var apID any
		if nm.APID != "" {
			apID = nm.APID
		}
		written := node.WrittenAt(nm.WrittenAt, now)
		if written.UnixMilli() <= parentWritten {
			// A reply reads below what it answers: a server that dates
			// to the second (Mastodon, and shiji's own Notes) can give an
			// answer written in the same second as its question an
			// earlier time.
			written = time.UnixMilli(parentWritten + 1).UTC()
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO messages(conversation_id, author_id, author_name, author_shown, author_url, from_stall, body, reply_to, created_at, written_at, ap_id)
			VALUES (?, nullif(?, 0), ?, ?, ?, ?, ?, nullif(?, 0), ?, ?, ?)`, m.Conversation, m.Author, m.AuthorName, m.AuthorShown, m.AuthorURL,
			m.FromStall, m.Body, m.ReplyTo, now.Unix(), written.UnixMilli(), apID)
		if isUnique(err) {
			return node.Errorf(node.ECONFLICT, "This message has already been received.")
		} else if err != nil {
			return fmt.Errorf("data: post message: %w", err)
		}
		id, _ := res.LastInsertId()
		m.ID, m.CreatedAt = node.MessageID(id), written
		if nm.RemoteActor != "" {
			if _, err := tx.ExecContext(ctx, `INSERT INTO ap_messages(message_id, actor) VALUES (?, ?)`, id, nm.RemoteActor); err != nil {
				return err
			}
		}
		for i, p := range m.Photos {
			if _, err := tx.ExecContext(ctx, `INSERT INTO message_photos(message_id, position, hash, ext, width, height, alt) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				id, i, p.Hash, p.Ext, p.Width, p.Height, p.Alt); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE conversations SET last_message_at = ? WHERE id = ?`, now.Unix(), m.Conversation); err != nil {
			return err
		}
		if m.Author != 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE members SET last_read = ? WHERE conversation_id = ? AND account_id = ?`, id, m.Conversation, m.Author); err != nil {
				return err
			}
		}
		for i, n := range nm.Notify {
			if _, err := tx.ExecContext(ctx, `INSERT INTO notifications(account_id, kind, conversation_id, message_id, actor, excerpt, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?)`, nm.Notice[i], n.Kind, m.Conversation, id, n.Actor, n.Excerpt, now.Unix()); err != nil {
				return err
			}
		}
		return nil
	})
}

// Messages returns up to limit messages of a conversation written before
// message before (0 = the newest), in the order they were written (when
// written, then the order they were stored: a message from elsewhere may
// arrive after newer ones). The tombstone of a message deleted before it
// arrived (TombstoneByAPID: no author) is not listed. EINVALID when before
// is not a message of the conversation.
func (db *DB) Messages(ctx context.Context, id node.ConversationID, before node.MessageID, limit int) ([]*node.Message, error) {
	if limit <= 0 || limit > 100 {
		limit = 50
	}
	q := `SELECT ` + msgCols + ` FROM messages x WHERE x.conversation_id = ? AND (x.deleted_at IS NULL OR x.author_name != '')`
	args := []any{id}
	if before > 0 {
		var written int64
		err := db.queryRow(ctx, `SELECT written_at FROM messages WHERE id = ? AND conversation_id = ?`, before, id).Scan(&written)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, node.Errorf(node.EINVALID, "Message %d is not in this conversation.", before)
		} else if err != nil {
			return nil, fmt.Errorf("data: messages: %w", err)
		}
		q, args = q+` AND (x.written_at, x.id) < (?, ?)`, append(args, written, before)
	}
	rows, err := db.query(ctx, q+` ORDER BY x.written_at DESC, x.id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("data: messages: %w", err)
	}
	defer rows.Close()
	var out []*node.Message
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, db.messagePhotos(ctx, out)
}

func (db *DB) messagePhotos(ctx context.Context, ms []*node.Message) error {
	if len(ms) == 0 {
		return nil
	}
	byID := make(map[node.MessageID]*node.Message, len(ms))
	ids := make([]node.MessageID, 0, len(ms))
	for _, m := range ms {
		byID[m.ID] = m
		ids = append(ids, m.ID)
	}
	rows, err := db.query(ctx, `SELECT message_id, hash, ext, width, height, alt FROM message_photos
		WHERE message_id IN (SELECT value FROM json_each(?)) ORDER BY message_id, position`, idList(ids))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id node.MessageID
		var p node.Photo
		if err := rows.Scan(&id, &p.Hash, &p.Ext, &p.Width, &p.Height, &p.Alt); err != nil {
			return err
		}
		if m := byID[id]; m != nil && !m.Deleted() {
			m.Photos = append(m.Photos, p)
		}
	}
	return rows.Err()
}

// Message returns one message, or ENOTFOUND.
func (db *DB) Message(ctx context.Context, id node.MessageID) (*node.Message, error) {
	m, err := scanMessage(db.queryRow(ctx, `SELECT `+msgCols+` FROM messages x WHERE x.id = ?`, id))
	if err != nil {
		return nil, notFound(err, "There is no message %d.", id)
	}
	return m, db.messagePhotos(ctx, []*node.Message{m})
}

// EditMessage replaces a message's body.
func (db *DB) EditMessage(ctx context.Context, id node.MessageID, body string) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE messages SET body = ?, edited_at = ? WHERE id = ? AND deleted_at IS NULL`, body, db.now().Unix(), id)
		return err
	})
}

// DeleteMessage leaves a tombstone: the body and photos go, the place stays.
func (db *DB) DeleteMessage(ctx context.Context, id node.MessageID) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE messages SET body = '', deleted_at = ? WHERE id = ? AND deleted_at IS NULL`, db.now().Unix(), id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM message_photos WHERE message_id = ?`, id)
		return err
	})
}

// MarkReadThrough marks a member's conversation read through message
// newest and every message placed before it (by when it was written, as
// Messages orders them): a message from elsewhere that arrived late and
// took its place further back than the page read is read with it, as
// the place of a read marker says, instead of staying unread where the
// reader does not see it.
func (db *DB) MarkReadThrough(ctx context.Context, id node.ConversationID, account node.AccountID, newest node.MessageID) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE members SET last_read = max(last_read, coalesce((SELECT max(x.id) FROM messages x, messages n
				WHERE n.id = ?3 AND n.conversation_id = ?1 AND x.conversation_id = ?1 AND x.id > members.last_read
				AND (x.written_at, x.id) <= (n.written_at, n.id)), 0))
			WHERE conversation_id = ?1 AND account_id = ?2`, id, account, newest)
		return err
	})
}

// Unread returns an account's unread messages (over conversations it has not
// muted) and unread notifications.
func (db *DB) Unread(ctx context.Context, account node.AccountID) (messages, notifications int, err error) {
	err = db.queryRow(ctx, `SELECT
		(SELECT count(*) FROM members m JOIN messages x ON x.conversation_id = m.conversation_id
			WHERE m.account_id = ?1 AND m.muted = 0 AND x.id > m.last_read AND coalesce(x.author_id, 0) != ?1 AND x.deleted_at IS NULL),
		(SELECT count(*) FROM notifications WHERE account_id = ?1 AND read_at IS NULL)`, account).Scan(&messages, &notifications)
	return messages, notifications, err
}

// FindThread returns the id of the thread of an item (item != 0) or a stall,
// or 0 when nobody has written there yet.
func (db *DB) FindThread(ctx context.Context, item node.ItemID, stall node.StallID) (node.ConversationID, error) {
	var id node.ConversationID
	var err error
	if item != 0 {
		err = db.queryRow(ctx, `SELECT id FROM conversations WHERE kind = 'thread' AND item_id = ?`, item).Scan(&id)
	} else {
		err = db.queryRow(ctx, `SELECT id FROM conversations WHERE kind = 'thread' AND item_id IS NULL AND stall_id = ?`, stall).Scan(&id)
	}
	if err == sql.ErrNoRows {
		return 0, nil
	}
	return id, err
}
