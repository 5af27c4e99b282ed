package data

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shiji-market/shiji/node"
)

// Bulk loads many rows in one write transaction: the demo market and the
// fixtures benchmarks run on. It holds the single writer until Commit or
// Rollback, so ordinary writes wait meanwhile. A Bulk is not safe for
// concurrent use.
//
// Its methods check their rows as the ordinary store methods do, but they
// trust the transaction: an error leaves the transaction open and the caller
// decides (the usual choice is Rollback, which leaves the database as it was).
type Bulk struct {
	db  *DB
	ctx context.Context
	tx  *sql.Tx

	// Prepared statements for the rows that come by the thousand.
	account, stall, holder, stallIndex, stallWords, item, itemIndex, itemWords, photo *sql.Stmt

	// Stalls and items from the first up to the last of each are not in
	// the search index yet (none if first is 0).
	firstStall, lastStall node.StallID
	firstItem, lastItem   node.ItemID

	cacheSize int // the writer's page cache size before the bulk load
	ended     bool
}

// bulkCacheSize is the writer's page cache during a bulk load, in KiB (as
// PRAGMA cache_size takes it, negated). The default 2 MiB makes a large
// transaction spill pages to the WAL and read them back over and over; with
// 64 MiB a load of 100,000 items spends a third of the time in the kernel.
const bulkCacheSize = 64 << 10

// bulkIndexBatch is how many stalls or items are added to the search index
// at once. FTS5 writes its pending terms to disk at every statement inside a
// transaction, so indexing rows one by one writes a tiny segment for each
// and spends most of the time merging them.
const bulkIndexBatch = 1024

// BeginBulk starts a bulk load. The caller must end it with Commit or Rollback.
func (db *DB) BeginBulk(ctx context.Context) (*Bulk, error) {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("data: begin bulk: %w", err)
	}
	b := &Bulk{db: db, ctx: ctx, tx: tx}
	if err := tx.QueryRowContext(ctx, `PRAGMA cache_size`).Scan(&b.cacheSize); err != nil {
		tx.Rollback()
		return nil, fmt.Errorf("data: begin bulk: %w", err)
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA cache_size = %d`, -bulkCacheSize)); err != nil {
		b.Rollback()
		return nil, fmt.Errorf("data: begin bulk: %w", err)
	}
	for _, p := range []struct {
		st **sql.Stmt
		q  string
	}{
		{&b.account, `INSERT INTO accounts(name, display_name, role, password_hash, lang, created_at) VALUES (?, ?, ?, ?, ?, ?)`},
		{&b.stall, `INSERT INTO stalls(name, story, alley_id, x, y, open_today, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`},
		{&b.holder, `INSERT INTO stall_holders(stall_id, account_id) VALUES (?, ?)`},
		{&b.stallIndex, stallsFTSFrom + ` WHERE id BETWEEN ? AND ?`},
		{&b.stallWords, stallsWordsFrom + ` WHERE id BETWEEN ? AND ?`},
		{&b.item, `INSERT INTO items(stall_id, title, story, price_kind, price_minor, currency, quantity, tags, status, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
		{&b.itemIndex, itemsFTSFrom + ` WHERE i.id BETWEEN ? AND ?`},
		{&b.itemWords, itemsWordsFrom + ` WHERE i.id BETWEEN ? AND ?`},
		{&b.photo, `INSERT INTO photos(owner_kind, owner_id, position, hash, ext, width, height, alt) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`},
	} {
		if *p.st, err = tx.PrepareContext(ctx, p.q); err != nil {
			b.Rollback()
			return nil, fmt.Errorf("data: begin bulk: %w", err)
		}
	}
	return b, nil
}

// RequireEmpty fails with ECONFLICT when the market has been set up or any
// account exists: a bulk load only goes into an empty database.
func (b *Bulk) RequireEmpty() error {
	var configured, accounts int
	if err := b.tx.QueryRowContext(b.ctx, `SELECT configured, (SELECT count(*) FROM accounts) FROM market WHERE id = 1`).
		Scan(&configured, &accounts); err != nil {
		return fmt.Errorf("data: bulk: %w", err)
	}
	if configured != 0 || accounts != 0 {
		return node.Errorf(node.ECONFLICT, "The database at %s already holds a market; the demo is only loaded into an empty one.", b.db.path)
	}
	return nil
}

// SetMarket validates and stores the market's facts, as UpdateMarket does.
func (b *Bulk) SetMarket(m *node.Market, now time.Time) error {
	if err := node.ValidateMarket(m); err != nil {
		return err
	}
	return updateMarket(b.ctx, b.tx, m, now)
}

// SetFloorPlan sets the floor plan's grid size (1×1 to 200×200, else
// EINVALID). Unlike DB.SetFloorPlan it does not look for stalls outside it:
// set the plan before placing stalls.
func (b *Bulk) SetFloorPlan(w, h int) error {
	if w < 1 || h < 1 || w > 200 || h > 200 {
		return node.Errorf(node.EINVALID, "The floor plan must be between 1×1 and 200×200 cells.")
	}
	_, err := b.tx.ExecContext(b.ctx, `UPDATE market SET floor_w = ?, floor_h = ? WHERE id = 1`, w, h)
	return err
}

// CreateAlley validates and stores an alley; a taken slug is ECONFLICT.
func (b *Bulk) CreateAlley(a *node.Alley) error {
	if err := a.Validate(); err != nil {
		return err
	}
	return createAlley(b.ctx, b.tx, a)
}

// CreateAccount stores an account with an already hashed password, created
// at a.CreatedAt (now when zero), and sets a.ID. The name must pass
// node.ValidateName (EINVALID); a taken one is ECONFLICT.
func (b *Bulk) CreateAccount(a *node.Account, passwordHash string) error {
	if err := node.ValidateName(a.Name); err != nil {
		return err
	}
	if err := node.ValidateDisplayName(a.DisplayName); err != nil {
		return err
	}
	if _, err := node.ParseRole(string(a.Role)); err != nil {
		return err
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = b.db.now()
	}
	res, err := b.account.ExecContext(b.ctx, a.Name, a.DisplayName, a.Role, passwordHash, a.Lang, a.CreatedAt.Unix())
	if isUnique(err) {
		return node.Errorf(node.ECONFLICT, "The name %q is already taken.", a.Name)
	} else if err != nil {
		return fmt.Errorf("data: bulk account: %w", err)
	}
	id, _ := res.LastInsertId()
	a.ID, a.CreatedAt = node.AccountID(id), a.CreatedAt.Truncate(time.Second).UTC()
	return nil
}

// CreateStall validates and stores a stall held by holder, opened at
// s.CreatedAt (now when zero), on s.Spot if it is set. A taken spot is
// ECONFLICT, an unknown alley EINVALID. The spot is not checked against the
// floor plan. The stall is added to the search index with the stalls
// around it, by Commit at the latest.
func (b *Bulk) CreateStall(s *node.Stall, holder node.AccountID) error {
	if err := s.Validate(); err != nil {
		return err
	}
	if s.CreatedAt.IsZero() {
		s.CreatedAt = b.db.now()
	}
	now := s.CreatedAt.Unix()
	var x, y any
	if s.Spot != nil {
		x, y = s.Spot.X, s.Spot.Y
	}
	res, err := b.stall.ExecContext(b.ctx, s.Name, s.Story, s.Alley, x, y, s.OpenToday, now, now)
	switch {
	case isUnique(err):
		return node.Errorf(node.ECONFLICT, "Another stall already stands on that spot.")
	case err != nil && strings.Contains(err.Error(), "FOREIGN KEY"):
		return node.Errorf(node.EINVALID, "There is no alley %d.", s.Alley)
	case err != nil:
		return fmt.Errorf("data: bulk stall: %w", err)
	}
	id, _ := res.LastInsertId()
	s.ID, s.CreatedAt = node.StallID(id), s.CreatedAt.Truncate(time.Second).UTC()
	s.UpdatedAt = s.CreatedAt
	if _, err := b.holder.ExecContext(b.ctx, id, holder); err != nil {
		return fmt.Errorf("data: stall holder: %w", err)
	}
	s.Holders = []node.AccountID{holder}
	if b.firstStall == 0 {
		b.firstStall = s.ID
	}
	b.lastStall = s.ID
	if b.lastStall-b.firstStall+1 >= bulkIndexBatch {
		return b.index()
	}
	return nil
}

// CreateItem validates and stores an item, listed at it.CreatedAt (now when
// zero) and last changed at it.UpdatedAt (its CreatedAt when zero). It is
// added to the search index with the items around it, by Commit at the
// latest. An unknown stall is ENOTFOUND.
func (b *Bulk) CreateItem(it *node.Item) error {
	if err := it.Validate(); err != nil {
		return err
	}
	if it.CreatedAt.IsZero() {
		it.CreatedAt = b.db.now()
	}
	if it.UpdatedAt.IsZero() || it.UpdatedAt.Before(it.CreatedAt) {
		it.UpdatedAt = it.CreatedAt
	}
	tags := strings.Join(it.Tags, " ")
	res, err := b.item.ExecContext(b.ctx, it.Stall, it.Title, it.Story, it.Price.Kind, it.Price.Minor, it.Price.Currency,
		it.Quantity, tags, it.Status, it.CreatedAt.Unix(), it.UpdatedAt.Unix())
	if err != nil {
		if strings.Contains(err.Error(), "FOREIGN KEY") {
			return node.Errorf(node.ENOTFOUND, "There is no stall %d.", it.Stall)
		}
		return fmt.Errorf("data: bulk item: %w", err)
	}
	id, _ := res.LastInsertId()
	it.ID = node.ItemID(id)
	it.CreatedAt, it.UpdatedAt = it.CreatedAt.Truncate(time.Second).UTC(), it.UpdatedAt.Truncate(time.Second).UTC()
	if b.firstItem == 0 {
		b.firstItem = it.ID
	}
	b.lastItem = it.ID
	if b.lastItem-b.firstItem+1 >= bulkIndexBatch {
		return b.index()
	}
	return nil
}

// index adds the stalls and items not indexed yet to the search index, one
// statement for each.
func (b *Bulk) index() error {
	if b.firstStall != 0 {
		for _, st := range []*sql.Stmt{b.stallIndex, b.stallWords} {
			if _, err := st.ExecContext(b.ctx, b.firstStall, b.lastStall); err != nil {
				return fmt.Errorf("data: index stalls %d–%d: %w", b.firstStall, b.lastStall, err)
			}
		}
		b.firstStall = 0
	}
	if b.firstItem != 0 {
		for _, st := range []*sql.Stmt{b.itemIndex, b.itemWords} {
			if _, err := st.ExecContext(b.ctx, b.firstItem, b.lastItem); err != nil {
				return fmt.Errorf("data: index items %d–%d: %w", b.firstItem, b.lastItem, err)
			}
		}
		b.firstItem = 0
	}
	return nil
}

// AddPhotos gives a stall or item ("stall", "item") that has no photos yet
// its photos, in order. More than node.MaxPhotos or a too long alt text is
// EINVALID; a stall or item that already has photos gets an error and no
// new one.
func (b *Bulk) AddPhotos(kind string, id int64, photos []node.Photo) error {
	if kind != "stall" && kind != "item" {
		return fmt.Errorf("data: photo owner kind %q", kind)
	}
	if len(photos) > node.MaxPhotos {
		return tooManyPhotos(kind)
	}
	for i, p := range photos {
		if err := node.ValidateAlt(p.Alt); err != nil {
			return err
		}
		if _, err := b.photo.ExecContext(b.ctx, kind, id, i, p.Hash, p.Ext, p.Width, p.Height, p.Alt); err != nil {
			return fmt.Errorf("data: bulk photo of %s %d: %w", kind, id, err)
		}
	}
	return nil
}

// AddPhoto appends one photo to a stall's or item's photos, as DB.AddPhoto
// does (ENOTFOUND for an unknown owner, EINVALID past node.MaxPhotos).
func (b *Bulk) AddPhoto(kind string, id int64, p node.Photo) error {
	if err := node.ValidateAlt(p.Alt); err != nil {
		return err
	}
	return addPhoto(b.ctx, b.tx, kind, id, p)
}

// Commit indexes the last stalls and items, ends the bulk load and makes
// its rows visible.
func (b *Bulk) Commit() error {
	if err := b.index(); err != nil {
		return err
	}
	b.closeStmts()
	err := b.tx.Commit()
	b.db.unpublished.Add(1)
	b.end()
	if err != nil {
		return fmt.Errorf("data: commit bulk: %w", err)
	}
	b.db.ckpt.soon() // the load's pages, out of the WAL
	return nil
}

// Rollback ends the bulk load and throws its rows away. It may be called
// after Commit (then it does nothing), so `defer b.Rollback()` is safe.
func (b *Bulk) Rollback() error {
	b.closeStmts()
	err := b.tx.Rollback()
	b.end()
	if err != nil && !errors.Is(err, sql.ErrTxDone) {
		return err
	}
	return nil
}

// end gives the writer its page cache size back, once the transaction is
// over (the writer is a single pooled connection, so it is the same one).
func (b *Bulk) end() {
	if b.ended {
		return
	}
	b.ended = true
	b.db.w.ExecContext(context.Background(), fmt.Sprintf(`PRAGMA cache_size = %d`, b.cacheSize))
}

func (b *Bulk) closeStmts() {
	for _, st := range []*sql.Stmt{b.account, b.stall, b.holder, b.stallIndex, b.stallWords, b.item, b.itemIndex, b.itemWords, b.photo} {
		if st != nil {
			st.Close()
		}
	}
}
