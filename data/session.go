package data

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"sync"
	"time"

	"github.com/shiji-market/shiji/node"
)

// CreateSession stores a session for the token (only its SHA-256 is kept).
func (db *DB) CreateSession(ctx context.Context, token string, id node.AccountID, kind string, ttl time.Duration, userAgent string) error {
	sum := sha256.Sum256([]byte(token))
	now := db.now()
	if len(userAgent) > 200 {
		userAgent = userAgent[:200]
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO sessions(token_hash, account_id, kind, created_at, expires_at, user_agent)
			VALUES (?, ?, ?, ?, ?, ?)`, sum[:], id, kind, now.Unix(), now.Add(ttl).Unix(), userAgent); err != nil {
			return fmt.Errorf("data: create session: %w", err)
		}
		return nil
	})
}

// SessionAccount returns the account of a live session of the given kind, or
// EUNAUTHORIZED when the token is unknown or expired.
func (db *DB) SessionAccount(ctx context.Context, token, kind string) (*node.Account, error) {
	sum := sha256.Sum256([]byte(token))
	a, err := scanAccount(db.queryRow(ctx, `SELECT a.id, a.name, a.display_name, a.role, a.lang, a.created_at
		FROM sessions s JOIN accounts a ON a.id = s.account_id
		WHERE s.token_hash = ? AND s.kind = ? AND s.expires_at > ? AND a.disabled = 0`, sum[:], kind, db.now().Unix()))
	if err == sql.ErrNoRows {
		return nil, node.Errorf(node.EUNAUTHORIZED, "Your session has ended; please log in again.")
	} else if err != nil {
		return nil, fmt.Errorf("data: session: %w", err)
	}
	return a, nil
}

// Visitor is a signed-in reader of the web pages: the account of the
// session and what the top of every page counts for it.
type Visitor struct {
	*node.Account
	Unread, Notices int  // unread messages and notifications (as Unread)
	Reserved        bool // whether the account has ever reserved anything
	// Follows, Hides and Blocks: whether the account follows any stall,
	// hid any linked market, blocked anyone (what a page may show of its
	// own beyond the counts).
	Follows, Hides, Blocks bool
}

// SessionVisitor is SessionAccount for a page's reader, with the counts
// Unread returns, read in the same query (one round trip per page instead
// of two). EUNAUTHORIZED when the token is unknown or expired.
//
// What it read is kept in memory by the token's SHA-256 (visitorCache) and
// given again while the 'visitors' counter has not moved and the session
// has not expired: a write to anything the query reads (a logout, a
// password change, a new message, a notification, a follow…) moves the
// counter in its own transaction (migration 0081) and makes the next read
// a query, so a session is never given after the write that ended it has
// returned. Writes to anything else (the inbox's notes, the delivery
// queue) leave the kept sessions be. A write by another process is seen
// when NoticeOtherWriters next runs (within a second in the node), as for
// the Versions.
func (db *DB) SessionVisitor(ctx context.Context, token, kind string) (*Visitor, error) {
	sum := sha256.Sum256([]byte(token))
	stamp := db.visitorStamp() // before the query: a write after it makes this entry stale
	now := db.now().Unix()
	if v, ok := db.visitors.get(sum, kind, stamp, now); ok {
		return v, nil
	}
	var v Visitor
	var a node.Account
	var created, expires int64
	err := db.queryRow(ctx, `SELECT a.id, a.name, a.display_name, a.role, a.lang, a.created_at,
		(SELECT count(*) FROM members m JOIN messages x ON x.conversation_id = m.conversation_id
			WHERE m.account_id = a.id AND m.muted = 0 AND x.id > m.last_read AND coalesce(x.author_id, 0) != a.id AND x.deleted_at IS NULL),
		(SELECT count(*) FROM notifications WHERE account_id = a.id AND read_at IS NULL),
		EXISTS (SELECT 1 FROM trades WHERE buyer_id = a.id),
		EXISTS (SELECT 1 FROM stall_follows WHERE account_id = a.id),
		EXISTS (SELECT 1 FROM world_hidden WHERE account_id = a.id),
		EXISTS (SELECT 1 FROM blocks WHERE blocker_id = a.id),
		s.expires_at
		FROM sessions s JOIN accounts a ON a.id = s.account_id
		WHERE s.token_hash = ? AND s.kind = ? AND s.expires_at > ? AND a.disabled = 0`, sum[:], kind, now).
		Scan(&a.ID, &a.Name, &a.DisplayName, &a.Role, &a.Lang, &created, &v.Unread, &v.Notices, &v.Reserved,
			&v.Follows, &v.Hides, &v.Blocks, &expires)
	if err == sql.ErrNoRows {
		return nil, node.Errorf(node.EUNAUTHORIZED, "Your session has ended; please log in again.")
	} else if err != nil {
		return nil, fmt.Errorf("data: session: %w", err)
	}
	a.CreatedAt = time.Unix(created, 0).UTC()
	v.Account = &a
	db.visitors.put(sum, kind, stamp, expires, &v)
	return &v, nil
}

// visitorCache keeps the page readers' sessions as SessionVisitor read
// them, each with the stamp it was read at and when it expires.
type visitorCache struct {
	mu sync.Mutex
	m  map[[32]byte]keptVisitor
}

type keptVisitor struct {
	v       Visitor
	a       node.Account
	kind    string
	stamp   visitorStamp
	expires int64 // Unix seconds: given while now is before
}

// visitorStamp is what a kept session is valid for: the writes not
// published and the published 'visitors' counter, as they were before it
// was read.
type visitorStamp struct{ unpublished, version int64 }

// visitorStamp is the stamp a session read now is kept for.
func (db *DB) visitorStamp() visitorStamp {
	return visitorStamp{db.unpublished.Load(), db.vVisitors.Load()}
}

// maxKeptVisitors bounds the cache (about 200 bytes each); when it is full
// it starts again empty.
const maxKeptVisitors = 4096

// get returns a copy of the reader of the token hash sum, if kept for kind
// at stamp and not expired at now.
func (c *visitorCache) get(sum [32]byte, kind string, stamp visitorStamp, now int64) (*Visitor, bool) {
	c.mu.Lock()
	k, ok := c.m[sum]
	c.mu.Unlock()
	if !ok || k.kind != kind || k.stamp != stamp || now >= k.expires {
		return nil, false
	}
	v, a := k.v, k.a // copies: the caller may change them
	v.Account = &a
	return &v, true
}

func (c *visitorCache) put(sum [32]byte, kind string, stamp visitorStamp, expires int64, v *Visitor) {
	k := keptVisitor{v: *v, a: *v.Account, kind: kind, stamp: stamp, expires: expires}
	k.v.Account = nil
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxKeptVisitors {
		c.m = make(map[[32]byte]keptVisitor, 64)
	}
	c.m[sum] = k
}

// DeleteSession ends the session for token (no error if there is none).
func (db *DB) DeleteSession(ctx context.Context, token string) error {
	sum := sha256.Sum256([]byte(token))
	return db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = ?`, sum[:])
		return err
	})
}

// DeleteExpiredSessions removes sessions that expired before now and returns how many.
func (db *DB) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	var n int64
	err := db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= ?`, db.now().Unix())
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}
