package federation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shiji-market/shiji/node"
)

// errBlocked is a request to a server or account the organiser blocked: it
// is not made, and a queued delivery fails for good.
var errBlocked = errors.New("blocked by the organiser")

// blockSet is the blocks in memory, checked on every activity in and out.
// It is rebuilt after every change (only this process writes ap_blocks).
type blockSet struct {
	domains []string        // normalised hosts; subdomains are blocked too
	actors  map[string]bool // blocked actors' IRIs
	inboxes map[string]bool // their own (not shared) inboxes, when known
}

// blocks returns the current block set, loading it on first use.
func (f *Federation) blocks(ctx context.Context) *blockSet {
	if b := f.blocked.Load(); b != nil {
		return b
	}
	if err := f.reloadBlocks(ctx); err != nil {
		f.log.Error("loading blocks", "err", err)
		return &blockSet{}
	}
	return f.blocked.Load()
}

func (f *Federation) reloadBlocks(ctx context.Context) error {
	b := &blockSet{actors: map[string]bool{}, inboxes: map[string]bool{}}
	rows, err := f.db.Read().QueryContext(ctx, `SELECT b.kind, b.target, coalesce(a.inbox, '') FROM ap_blocks b
		LEFT JOIN ap_actors a ON b.kind = 'account' AND a.id = b.target`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var kind, target, inbox string
		if err := rows.Scan(&kind, &target, &inbox); err != nil {
			return err
		}
		if kind == node.BlockDomain {
			b.domains = append(b.domains, target)
			continue
		}
		b.actors[target] = true
		if inbox != "" {
			b.inboxes[inbox] = true
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	f.blocked.Store(b)
	return nil
}

// hostBlocked reports whether the host (of a URL) is on a blocked domain.
func (b *blockSet) hostBlocked(host string) bool {
	for _, d := range b.domains {
		if node.DomainBlocked(d, host) {
			return true
		}
	}
	return false
}

// urlBlocked reports whether a URL is on a blocked domain, or is a blocked
// actor or its inbox.
func (b *blockSet) urlBlocked(u string) bool {
	return u != "" && (b.actors[u] || b.inboxes[u] || b.hostBlocked(hostOf(u)))
}

// isBlocked reports whether any of the IRIs (actors, objects, inboxes) is
// blocked.
func (f *Federation) isBlocked(ctx context.Context, iris ...string) bool {
	b := f.blocks(ctx)
	if len(b.domains) == 0 && len(b.actors) == 0 {
		return false
	}
	for _, u := range iris {
		if b.urlBlocked(u) {
			return true
		}
	}
	return false
}

// Blocks lists the blocks, newest first (app.Fediverse).
func (f *Federation) Blocks(ctx context.Context) ([]*node.Block, error) {
	rows, err := f.db.Read().QueryContext(ctx, `SELECT `+blockCols+` FROM ap_blocks ORDER BY created_at DESC, id DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*node.Block{}
	for rows.Next() {
		b, err := scanBlock(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

const blockCols = `id, kind, target, acct, reason, created_at, purged_at`

func scanBlock(row interface{ Scan(...any) error }) (*node.Block, error) {
	var b node.Block
	var created int64
	var purged sql.NullInt64
	if err := row.Scan(&b.ID, &b.Kind, &b.Target, &b.Acct, &b.Reason, &created, &purged); err != nil {
		return nil, err
	}
	b.CreatedAt = time.Unix(created, 0).UTC()
	if purged.Valid {
		t := time.Unix(purged.Int64, 0).UTC()
		b.PurgedAt = &t
	}
	return &b, nil
}

func (f *Federation) block(ctx context.Context, id int64) (*node.Block, error) {
	b, err := scanBlock(f.db.Read().QueryRowContext(ctx, `SELECT `+blockCols+` FROM ap_blocks WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, node.Errorf(node.ENOTFOUND, "There is no block %d.", id)
	}
	return b, err
}

// Block stores a block (app.Fediverse). kind is node.BlockDomain with a
// normalised host, or node.BlockAccount with an acct or actor URL. In the
// same transaction the follows both ways are cut, follow requests dropped and
// queued deliveries to the blocked server (or the account's own inbox)
// removed; nothing is sent to it. With purge, what we kept from it goes too.
func (f *Federation) Block(ctx context.Context, kind, target, reason string, by node.AccountID, purge bool) (*node.Block, error) {
	defer f.signers.changed() // a purge drops cached actors and keys
	var acct string
	switch kind {
	case node.BlockDomain:
		if node.DomainBlocked(target, f.host) {
			return nil, node.Errorf(node.EINVALID, "%s is this market's own server.", target)
		}
	case node.BlockAccount:
		var err error
		if target, acct, err = f.resolveBlockedAccount(ctx, target); err != nil {
			return nil, err
		}
	default:
		return nil, node.Errorf(node.EINVALID, "A block is of a domain or an account.")
	}
	var id int64
	err := f.db.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO ap_blocks(kind, target, acct, reason, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT(kind, target) DO NOTHING`, kind, target, acct, reason, by, f.now().Unix())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return node.Errorf(node.ECONFLICT, "%s is already blocked.", target)
		}
		id, _ = res.LastInsertId()
		match := f.blockMatcher(kind, target)
		if err := cutFollowsTx(ctx, tx, match); err != nil {
			return err
		}
		if err := dropDeliveriesTx(ctx, tx, kind, target, match); err != nil {
			return err
		}
		if purge {
			return purgeTx(ctx, tx, f.now().Unix(), id, match)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := f.reloadBlocks(ctx); err != nil {
		return nil, err
	}
	if err := f.reloadLinks(ctx); err != nil {
		return nil, err
	}
	f.log.Info("blocked", "kind", kind, "target", target, "purge", purge)
	return f.block(ctx, id)
}

// resolveBlockedAccount turns an acct (name@host) or actor URL into the
// actor's IRI and, when known, its acct. The cache is asked first; an
// account that cannot be looked up cannot be blocked by name (its URL, or
// its whole server, can).
func (f *Federation) resolveBlockedAccount(ctx context.Context, target string) (id, acct string, err error) {
	target = strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(target), "acct:"), "@")
	if strings.HasPrefix(target, "https://") || strings.HasPrefix(target, "http://") {
		if f.u.localPath(target) != "" || hostOf(target) == "" {
			return "", "", node.Errorf(node.EINVALID, "That account is on this market; people here are moderated on the moderation page.")
		}
		id = target
		if a, err := f.remoteActor(ctx, target, false); err == nil {
			id = a.ID
		}
	} else {
		user, host, ok := strings.Cut(target, "@")
		if !ok || user == "" || host == "" {
			return "", "", node.Errorf(node.EINVALID, "%q is not an account such as name@social.example or its URL.", target)
		}
		if strings.EqualFold(host, f.host) {
			return "", "", node.Errorf(node.EINVALID, "That account is on this market; people here are moderated on the moderation page.")
		}
		rows, err := f.db.Read().QueryContext(ctx, `SELECT id FROM ap_actors WHERE preferred_username = ? COLLATE NOCASE`, user)
		if err != nil {
			return "", "", err
		}
		for rows.Next() {
			var cand string
			if rows.Scan(&cand) == nil && strings.EqualFold(hostOf(cand), host) {
				id = cand
			}
		}
		rows.Close()
		if id == "" {
			if id, err = f.lookupAcct(ctx, target); err != nil {
				if node.ErrorCode(err) == node.EINVALID {
					return "", "", err
				}
				return "", "", node.Errorf(node.ENOTFOUND, "Cannot find %s; give the account's URL, or block its whole server.", target)
			}
		}
	}
	if a, err := f.cachedActor(ctx, id); err == nil && a.PreferredUsername != "" {
		acct = acctOf(a)
	} else if !strings.HasPrefix(target, "http") {
		acct = target
	}
	return id, acct, nil
}

// blockMatcher reports whether an actor IRI falls under the block.
func (f *Federation) blockMatcher(kind, target string) func(string) bool {
	if kind == node.BlockDomain {
		return func(iri string) bool { return node.DomainBlocked(target, hostOf(iri)) }
	}
	return func(iri string) bool { return iri == target }
}

// matching returns the distinct values of a query's one column that match.
func matching(ctx context.Context, tx *sql.Tx, query string, match func(string) bool, args ...any) ([]string, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	seen := map[string]bool{}
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		if !seen[s] && match(s) {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out, rows.Err()
}

// cutFollowsTx removes the blocked actors' follows of us, their follow
// requests and our people's follows of them. No Undo or Reject is sent: a
// blocked server hears nothing more from us.
func cutFollowsTx(ctx context.Context, tx *sql.Tx, match func(string) bool) error {
	for _, t := range []struct{ list, del string }{
		{`SELECT DISTINCT follower FROM ap_followers`, `DELETE FROM ap_followers WHERE follower = ?`},
		{`SELECT DISTINCT follower FROM ap_follow_requests`, `DELETE FROM ap_follow_requests WHERE follower = ?`},
		{`SELECT DISTINCT actor FROM ap_following`, `DELETE FROM ap_following WHERE actor = ?`},
		{`SELECT actor FROM world_links`, `DELETE FROM world_links WHERE actor = ?`}, // market links and their catalogue
	} {
		ids, err := matching(ctx, tx, t.list, match)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, t.del, id); err != nil {
				return err
			}
		}
	}
	return nil
}

// dropDeliveriesTx removes queued deliveries to a blocked domain, or to a
// blocked account's own inbox (a shared inbox serves others too).
func dropDeliveriesTx(ctx context.Context, tx *sql.Tx, kind, target string, match func(string) bool) error {
	if kind == node.BlockAccount {
		_, err := tx.ExecContext(ctx, `DELETE FROM ap_deliveries WHERE inbox IN (SELECT inbox FROM ap_actors WHERE id = ?)`, target)
		return err
	}
	hosts, err := matching(ctx, tx, `SELECT DISTINCT host FROM ap_deliveries`, func(h string) bool { return node.DomainBlocked(target, h) })
	if err != nil {
		return err
	}
	for _, h := range hosts {
		if _, err := tx.ExecContext(ctx, `DELETE FROM ap_deliveries WHERE host = ?`, h); err != nil {
			return err
		}
	}
	return nil
}

// purgeTx removes what the market kept from the blocked actors: their notes
// and the notes they boosted (the timeline), their cached profiles and keys;
// their messages in conversations here become tombstones, as when an actor
// deletes itself.
func purgeTx(ctx context.Context, tx *sql.Tx, now, blockID int64, match func(string) bool) error {
	actors, err := matching(ctx, tx, `SELECT id FROM ap_actors UNION SELECT actor FROM ap_notes UNION SELECT via FROM ap_notes WHERE via != ''
		UNION SELECT actor FROM ap_messages UNION SELECT actor FROM ap_conversations UNION SELECT actor FROM ap_reactions
		UNION SELECT actor FROM ap_events`, match)
	if err != nil {
		return err
	}
	for _, a := range actors {
		if err := tombstoneMessagesTx(ctx, tx, now, a, ""); err != nil {
			return err
		}
		for _, q := range []string{`DELETE FROM ap_notes WHERE actor = ?1 OR via = ?1`, `DELETE FROM ap_actors WHERE id = ?1`,
			`DELETE FROM ap_reactions WHERE actor = ?1`, `DELETE FROM ap_events WHERE actor = ?1`} {
			if _, err := tx.ExecContext(ctx, q, a); err != nil {
				return err
			}
		}
	}
	notes, err := matching(ctx, tx, `SELECT id FROM ap_notes`, match) // on the blocked server, boosted by others
	if err != nil {
		return err
	}
	for _, n := range notes {
		if _, err := tx.ExecContext(ctx, `DELETE FROM ap_notes WHERE id = ?`, n); err != nil {
			return err
		}
	}
	_, err = tx.ExecContext(ctx, `UPDATE ap_blocks SET purged_at = ? WHERE id = ?`, now, blockID)
	return err
}

// Unblock lifts a block (app.Fediverse).
func (f *Federation) Unblock(ctx context.Context, id int64) error {
	b, err := f.block(ctx, id)
	if err != nil {
		return err
	}
	if err := f.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM ap_blocks WHERE id = ?`, id)
		return err
	}); err != nil {
		return err
	}
	f.log.Info("unblocked", "kind", b.Kind, "target", b.Target)
	return f.reloadBlocks(ctx)
}

// Purge removes what the market kept from a blocked server or account
// (app.Fediverse).
func (f *Federation) Purge(ctx context.Context, id int64) (*node.Block, error) {
	defer f.signers.changed() // it drops cached actors and keys
	b, err := f.block(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := f.db.Write(ctx, func(tx *sql.Tx) error {
		return purgeTx(ctx, tx, f.now().Unix(), id, f.blockMatcher(b.Kind, b.Target))
	}); err != nil {
		return nil, fmt.Errorf("federation: purge %s: %w", b.Target, err)
	}
	f.log.Info("purged", "kind", b.Kind, "target", b.Target)
	return f.block(ctx, id)
}
