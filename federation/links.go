package federation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
)

// Market links (集市之间): the organiser links this market with another by
// its address; our market's Group follows theirs (FEP-1b12) and, once they
// accept, what their market announces comes into the catalogue of the world
// market (catalogue.go). docs/federation.md, "The world market".

var _ app.WorldLinker = (*Federation)(nil)

// worldState is the world market's part of a Federation.
type worldState struct {
	limits   node.WorldLimits
	check    time.Duration
	linkWait time.Duration // how long Link waits for their answer (Config.FollowWait)
	links    atomic.Pointer[linkSet]
	wake     chan struct{} // the catalogue worker has work (world_run.go)

	mu    sync.Mutex
	heard map[node.LinkID]time.Time // when each link was last marked as heard from
}

func newWorldState(cfg *Config) *worldState {
	l, def := cfg.World, node.DefaultWorldLimits()
	if l.Items <= 0 {
		l.Items = def.Items
	}
	if l.PhotoBytes <= 0 {
		l.PhotoBytes = def.PhotoBytes
	}
	if l.BackfillPages <= 0 {
		l.BackfillPages = def.BackfillPages
	}
	if l.ItemTTL <= 0 {
		l.ItemTTL = def.ItemTTL
	}
	if l.Refresh <= 0 {
		l.Refresh = def.Refresh
	}
	check := cfg.WorldCheck
	if check <= 0 {
		check = 10 * time.Minute
	}
	return &worldState{limits: l, check: check, linkWait: cfg.FollowWait, wake: make(chan struct{}, 1), heard: map[node.LinkID]time.Time{}}
}

// linkSet is the market links in memory, checked on every activity in.
type linkSet struct {
	byActor map[string]*linkRef
	byHost  map[string]*linkRef
	byID    map[node.LinkID]*linkRef
}

type linkRef struct {
	id          node.LinkID
	actor, host string
	state       string
	followID    string
	stale       bool
}

// wakeWorld tells the catalogue worker there is work.
func (f *Federation) wakeWorld() {
	select {
	case f.world.wake <- struct{}{}:
	default:
	}
}

// links returns the current link set, loading it on first use.
func (f *Federation) links(ctx context.Context) *linkSet {
	if s := f.world.links.Load(); s != nil {
		return s
	}
	if err := f.reloadLinks(ctx); err != nil {
		f.log.Error("loading market links", "err", err)
		return &linkSet{byActor: map[string]*linkRef{}, byHost: map[string]*linkRef{}, byID: map[node.LinkID]*linkRef{}}
	}
	return f.world.links.Load()
}

func (f *Federation) reloadLinks(ctx context.Context) error {
	s := &linkSet{byActor: map[string]*linkRef{}, byHost: map[string]*linkRef{}, byID: map[node.LinkID]*linkRef{}}
	rows, err := f.db.Read().QueryContext(ctx, `SELECT id, actor, host, state, follow_id, stale_since IS NOT NULL FROM world_links`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r linkRef
		if err := rows.Scan(&r.id, &r.actor, &r.host, &r.state, &r.followID, &r.stale); err != nil {
			return err
		}
		s.byActor[r.actor], s.byHost[r.host], s.byID[r.id] = &r, &r, &r
	}
	if err := rows.Err(); err != nil {
		return err
	}
	f.world.links.Store(s)
	return nil
}

// Link links this market with the market at address (market@host, or its
// actor's URL): our market's Group follows theirs, and their items come
// into the catalogue once they accept (then up to a few seconds are waited
// for). created is false when the link existed (a pending or refused one
// asks again). Errors: EINVALID for a malformed or local address or an
// actor that is not a market (a Group); EFORBIDDEN for a blocked server;
// ENOTFOUND when nobody answers there (app.WorldLinker).
func (f *Federation) Link(ctx context.Context, by *node.Account, address string) (*node.MarketLink, bool, error) {
	actorID := strings.TrimSpace(address)
	switch {
	case actorID == "":
		return nil, false, node.Errorf(node.EINVALID, "Give the market's address, such as market@market.example.")
	case strings.HasPrefix(actorID, "https://") || strings.HasPrefix(actorID, "http://"):
		if f.u.localPath(actorID) != "" || strings.TrimSuffix(actorID, "/") == f.u.base {
			return nil, false, node.Errorf(node.EINVALID, "That is this market.")
		}
	default:
		var err error
		if actorID, err = f.lookupAcct(ctx, actorID); err != nil {
			return nil, false, err
		}
	}
	if f.isBlocked(ctx, actorID) {
		return nil, false, node.Errorf(node.EFORBIDDEN, "The organiser has blocked %s.", hostOf(actorID))
	}
	ra, err := f.remoteActor(ctx, actorID, true)
	if err != nil {
		f.log.Info("link: market unavailable", "actor", actorID, "err", err)
		return nil, false, node.Errorf(node.ENOTFOUND, "Cannot fetch the market %s.", address)
	}
	if ra.Type != "Group" {
		return nil, false, node.Errorf(node.EINVALID, "%s is not a market (its actor is a %s, not a Group).", acctOf(ra), ra.Type)
	}
	facts := f.marketFacts(ctx, ra)
	var id node.LinkID
	created := false
	err = f.db.Write(ctx, func(tx *sql.Tx) error {
		var followID, state string
		err := tx.QueryRowContext(ctx, `SELECT id, follow_id, state FROM world_links WHERE actor = ?`, ra.ID).Scan(&id, &followID, &state)
		switch {
		case err == nil && state == node.LinkLinked:
			return facts.storeTx(ctx, tx, id)
		case err == nil: // pending or refused: ask again, with a Follow of its own
			// (the one before is in the outbox under its id; their answer to
			// either counts: linkAnswered takes any addressed to our market)
			followID = f.u.activity(newToken())
			if _, err := tx.ExecContext(ctx, `UPDATE world_links SET state = 'pending', follow_id = ? WHERE id = ?`, followID, id); err != nil {
				return err
			}
		case !errors.Is(err, sql.ErrNoRows):
			return err
		default:
			created = true
			followID = f.u.activity(newToken())
			var byID any
			if by != nil {
				byID = by.ID
			}
			res, err := tx.ExecContext(ctx, `INSERT INTO world_links(actor, host, acct, follow_id, state, created_by, created_at)
				VALUES (?, ?, ?, ?, 'pending', ?, ?)`, ra.ID, hostOf(ra.ID), acctOf(ra), followID, byID, f.now().Unix())
			if err != nil {
				return err
			}
			n, _ := res.LastInsertId()
			id = node.LinkID(n)
		}
		if err := facts.storeTx(ctx, tx, id); err != nil {
			return err
		}
		body, err := docBytes(follow(followID, f.u.market(), ra.ID))
		if err != nil {
			return err
		}
		return f.enqueueTx(ctx, tx, outgoing{actor: keyMarket, kind: "follow", activity: followID, body: body,
			inboxes: []string{ra.Inbox}})
	})
	if err != nil {
		return nil, false, err
	}
	if err := f.reloadLinks(ctx); err != nil {
		return nil, false, err
	}
	f.kick()
	f.log.Info("market link asked", "market", ra.ID, "created", created)
	deadline := time.Now().Add(f.world.linkWait)
	for {
		l, err := f.db.MarketLink(context.WithoutCancel(ctx), id)
		if err != nil || l.State != node.LinkPending || time.Now().After(deadline) {
			return l, created, err
		}
		select {
		case <-ctx.Done():
			return l, created, nil
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Unlink ends a link: an Undo of our Follow goes to their market, and their
// items leave the catalogue (ENOTFOUND for an unknown link; app.WorldLinker).
func (f *Federation) Unlink(ctx context.Context, id node.LinkID) error {
	var actor string
	err := f.db.Write(ctx, func(tx *sql.Tx) error {
		var followID, inbox string
		err := tx.QueryRowContext(ctx, `SELECT l.actor, l.follow_id, coalesce(a.inbox, '') FROM world_links l
			LEFT JOIN ap_actors a ON a.id = l.actor WHERE l.id = ?`, id).Scan(&actor, &followID, &inbox)
		if errors.Is(err, sql.ErrNoRows) {
			return node.Errorf(node.ENOTFOUND, "There is no market link %d.", id)
		} else if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM world_links WHERE id = ?`, id); err != nil {
			return err
		}
		if inbox == "" || f.isBlocked(ctx, actor) {
			return nil // nowhere to send the Undo, or they hear nothing more
		}
		undoID := f.u.activity(newToken())
		body, err := docBytes(undo(undoID, f.u.market(), follow(followID, f.u.market(), actor), actor))
		if err != nil {
			return err
		}
		return f.enqueueTx(ctx, tx, outgoing{actor: keyMarket, kind: "undo", activity: undoID, body: body, inboxes: []string{inbox}})
	})
	if err != nil {
		return err
	}
	f.kick()
	f.log.Info("market unlinked", "market", actor)
	f.wakeWorld() // their thumbnails go
	return f.reloadLinks(ctx)
}

// BlockLink ends a link and blocks the market's whole server (a market is
// its node), purging what was kept from it; nothing is sent to it
// (app.WorldLinker).
func (f *Federation) BlockLink(ctx context.Context, id node.LinkID, reason string, by node.AccountID) (*node.Block, error) {
	l, err := f.db.MarketLink(ctx, id)
	if err != nil {
		return nil, err
	}
	host := hostOf(l.Actor)
	b, err := f.Block(ctx, node.BlockDomain, host, reason, by, true)
	if node.ErrorCode(err) == node.ECONFLICT { // blocked already: the link goes all the same
		err = f.db.Write(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `DELETE FROM world_links WHERE id = ?`, id)
			return err
		})
	}
	if err != nil {
		return nil, err
	}
	f.wakeWorld()
	return b, f.reloadLinks(ctx)
}

// linkAnswered takes their market's Accept or Reject of our market's Follow:
// handled is false when it answers no link. An accepted link starts reading
// their outbox into the catalogue.
func (f *Federation) linkAnswered(ctx context.Context, signer *remoteActor, followID, follower string, accepted bool) (bool, error) {
	lk := f.links(ctx).byActor[signer.ID]
	if lk == nil || (followID != lk.followID && follower != f.u.market()) {
		return false, nil
	}
	now := f.now().Unix()
	err := f.db.Write(ctx, func(tx *sql.Tx) error {
		if !accepted {
			_, err := tx.ExecContext(ctx, `UPDATE world_links SET state = 'refused', sync_next = '' WHERE id = ?`, lk.id)
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE world_links SET state = 'linked', linked_at = coalesce(linked_at, ?1), heard_at = ?1,
			stale_since = NULL, last_error = '', sync_next = CASE WHEN state = 'linked' THEN sync_next ELSE 'start' END WHERE id = ?2`, now, lk.id)
		return err
	})
	if err != nil {
		return true, err
	}
	f.log.Info("market link answered", "market", signer.ID, "accepted", accepted)
	f.wakeWorld()
	return true, f.reloadLinks(ctx)
}

// marketFacts is what a market says of itself: its actor and its NodeInfo
// (shiji's metadata: city, time zone, stalls, stalls open today).
type marketFacts struct {
	name, url, acct, city, tz string
	stalls, open              int
}

// marketFacts reads a market's facts; what cannot be read stays empty.
func (f *Federation) marketFacts(ctx context.Context, ra *remoteActor) marketFacts {
	mf := marketFacts{name: ra.Name, url: ra.URL, acct: acctOf(ra), open: -1}
	if mf.url == "" {
		mf.url = ra.ID
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	base := ra.ID[:strings.Index(ra.ID, "://")+3] + hostOf(ra.ID)
	links, err := f.client.getJSON(ctx, base+"/.well-known/nodeinfo", "application/json", "")
	if err != nil {
		f.log.Debug("market nodeinfo unavailable", "market", ra.ID, "err", err)
		return mf
	}
	list, _ := links["links"].([]any)
	for _, l := range list {
		lm, _ := l.(map[string]any)
		href := str(lm, "href")
		if !strings.HasPrefix(str(lm, "rel"), "http://nodeinfo.diaspora.software/ns/schema/2.") || !sameHost(href, ra.ID) {
			continue
		}
		doc, err := f.client.getJSON(ctx, href, "application/json", "")
		if err != nil {
			break
		}
		meta, _ := doc["metadata"].(map[string]any)
		if meta == nil || str(meta, "market") != ra.ID {
			break // not a shiji market, or another actor's node
		}
		mf.city = truncate(str(meta, "city"), 200)
		if tz := str(meta, "timezone"); tz != "" {
			if _, err := time.LoadLocation(tz); err == nil && len(tz) < 64 {
				mf.tz = tz
			}
		}
		if n, ok := meta["stalls"].(float64); ok && n >= 0 && n < 1e7 {
			mf.stalls = int(n)
		}
		if n, ok := meta["openStalls"].(float64); ok && n >= 0 && n < 1e7 {
			mf.open = int(n)
		}
		if name := str(meta, "nodeName"); name != "" && mf.name == "" {
			mf.name = truncate(name, 200)
		}
		break
	}
	return mf
}

// storeTx writes the facts to link id.
func (mf marketFacts) storeTx(ctx context.Context, tx *sql.Tx, id node.LinkID) error {
	_, err := tx.ExecContext(ctx, `UPDATE world_links SET name = ?, url = ?, acct = ?, city = ?, timezone = ?, stalls = ?,
		open_stalls = ? WHERE id = ?`, truncate(mf.name, 200), mf.url, mf.acct, mf.city, mf.tz, mf.stalls, mf.open, id)
	return err
}

// storeFacts writes a market's facts to link id (errors are logged).
func (f *Federation) storeFacts(ctx context.Context, id node.LinkID, mf marketFacts) {
	err := f.db.Write(context.WithoutCancel(ctx), func(tx *sql.Tx) error { return mf.storeTx(ctx, tx, id) })
	if err != nil {
		f.log.Error("market link: storing its facts", "err", err)
	}
}

// heard records that a linked market answered or sent something: it is
// not stale any more. Written at most once a minute per link.
func (f *Federation) heard(ctx context.Context, lk *linkRef) {
	now := f.now()
	f.world.mu.Lock()
	last := f.world.heard[lk.id]
	fresh := !lk.stale && now.Sub(last) < time.Minute
	if !fresh {
		f.world.heard[lk.id] = now
	}
	f.world.mu.Unlock()
	if fresh {
		return
	}
	err := f.db.Write(context.WithoutCancel(ctx), func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE world_links SET heard_at = ?, stale_since = NULL, last_error = '' WHERE id = ?`, now.Unix(), lk.id)
		return err
	})
	if err != nil {
		f.log.Error("market link: recording an answer", "err", err)
		return
	}
	if lk.stale {
		f.log.Info("linked market answers again", "market", lk.actor)
		f.reloadLinks(context.WithoutCancel(ctx))
	}
}

// unreachable records that a linked market did not answer: its catalogue is
// kept and shown as stale.
func (f *Federation) unreachable(ctx context.Context, lk *linkRef, cause error) {
	msg := truncate(fmt.Sprint(cause), 300)
	err := f.db.Write(context.WithoutCancel(ctx), func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE world_links SET stale_since = coalesce(stale_since, ?), last_error = ? WHERE id = ?`,
			f.now().Unix(), msg, lk.id)
		return err
	})
	if err != nil {
		f.log.Error("market link: recording a failure", "err", err)
		return
	}
	if !lk.stale {
		f.log.Info("linked market does not answer; its catalogue is kept", "market", lk.actor, "err", msg)
		f.reloadLinks(context.WithoutCancel(ctx))
	}
}

// deliveryOutcome is told how each delivery went: a linked market that
// takes our deliveries is up, one that cannot be reached is stale.
func (f *Federation) deliveryOutcome(ctx context.Context, host string, status int, err error) {
	lk := f.links(ctx).byHost[host]
	if lk == nil || lk.state != node.LinkLinked {
		return
	}
	switch {
	case err == nil && status >= 200 && status < 300:
		f.heard(ctx, lk)
	case err != nil && ctx.Err() == nil, status >= 500:
		if err == nil {
			err = fmt.Errorf("%s answered %s", host, strconv.Itoa(status))
		}
		f.unreachable(ctx, lk, err)
	}
}
