package federation

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/shiji-market/shiji/node"
)

// requestFollow keeps a Follow of a stall that approves followers by hand
// until a stallholder answers, and notifies them of a new request. waiting is
// false when the actor already follows the stall (the Follow is then
// accepted again at once, as Mastodon does).
func (f *Federation) requestFollow(ctx context.Context, signer *remoteActor, target *localActor, followID string) (waiting bool, err error) {
	var fresh bool
	err = f.db.Write(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM ap_followers WHERE actor = ? AND follower = ?`, target.key, signer.ID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		waiting = true
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM ap_follow_requests WHERE actor = ? AND follower = ?`, target.key, signer.ID).Scan(&n); err != nil {
			return err
		}
		fresh = n == 0
		_, err := tx.ExecContext(ctx, `INSERT INTO ap_follow_requests(actor, follower, inbox, shared_inbox, follow_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(actor, follower) DO UPDATE SET inbox = excluded.inbox,
			shared_inbox = excluded.shared_inbox, follow_id = excluded.follow_id`,
			target.key, signer.ID, signer.Inbox, signer.SharedInbox, followID, f.now().Unix())
		return err
	})
	if err != nil || !waiting {
		return waiting, err
	}
	f.log.Info("follow request", "actor", target.id, "follower", signer.ID)
	if fresh {
		stall, _ := stallOfKey(target.key)
		if _, err := f.db.NotifyStallHolders(ctx, stall, "follow_request", acctOf(signer), target.name); err != nil {
			f.log.Warn("notifying of a follow request", "err", err)
		}
	}
	return true, nil
}

// stallOfKey is the stall of an actor key 'stall:ID'.
func stallOfKey(key string) (node.StallID, bool) {
	s, ok := strings.CutPrefix(key, "stall:")
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(s, 10, 64)
	return node.StallID(id), err == nil
}

const followRequestCols = `r.id, r.actor, r.follower, coalesce(a.preferred_username, ''), coalesce(a.name, ''), coalesce(a.url, ''), r.created_at`

func scanFollowRequest(row interface{ Scan(...any) error }) (*node.FollowRequest, error) {
	var fr node.FollowRequest
	var key, user string
	var created int64
	if err := row.Scan(&fr.ID, &key, &fr.Follower, &user, &fr.Name, &fr.URL, &created); err != nil {
		return nil, err
	}
	fr.Stall, _ = stallOfKey(key)
	if user != "" {
		fr.Acct = acctOf(&remoteActor{ID: fr.Follower, PreferredUsername: user})
	}
	if fr.URL == "" {
		fr.URL = fr.Follower
	}
	fr.CreatedAt = time.Unix(created, 0).UTC()
	return &fr, nil
}

// FollowRequests lists the follow requests waiting at the stalls, oldest
// first (app.Fediverse).
func (f *Federation) FollowRequests(ctx context.Context, stalls []node.StallID) ([]*node.FollowRequest, error) {
	out := []*node.FollowRequest{}
	if len(stalls) == 0 {
		return out, nil
	}
	keys := make([]any, len(stalls))
	for i, s := range stalls {
		keys[i] = stallKey(s)
	}
	rows, err := f.db.Read().QueryContext(ctx, `SELECT `+followRequestCols+` FROM ap_follow_requests r
		LEFT JOIN ap_actors a ON a.id = r.follower WHERE r.actor IN (?`+strings.Repeat(", ?", len(keys)-1)+`)
		ORDER BY r.created_at, r.id`, keys...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		fr, err := scanFollowRequest(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, fr)
	}
	return out, rows.Err()
}

// FollowRequest returns one follow request, ENOTFOUND when there is none
// (app.Fediverse).
func (f *Federation) FollowRequest(ctx context.Context, id int64) (*node.FollowRequest, error) {
	fr, err := scanFollowRequest(f.db.Read().QueryRowContext(ctx, `SELECT `+followRequestCols+` FROM ap_follow_requests r
		LEFT JOIN ap_actors a ON a.id = r.follower WHERE r.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, node.Errorf(node.ENOTFOUND, "There is no follow request %d.", id)
	}
	return fr, err
}

// AnswerFollowRequest accepts the request (the actor becomes a follower and
// gets an Accept) or rejects it (a Reject), in one transaction
// (app.Fediverse).
func (f *Federation) AnswerFollowRequest(ctx context.Context, id int64, ok bool) error {
	err := f.db.Write(ctx, func(tx *sql.Tx) error {
		return f.answerFollowRequestTx(ctx, tx, id, ok)
	})
	if err != nil {
		return err
	}
	f.kick()
	return nil
}

func (f *Federation) answerFollowRequestTx(ctx context.Context, tx *sql.Tx, id int64, ok bool) error {
	var key, followID string
	var fl follower
	err := tx.QueryRowContext(ctx, `DELETE FROM ap_follow_requests WHERE id = ? RETURNING actor, follower, inbox, shared_inbox, follow_id`, id).
		Scan(&key, &fl.id, &fl.inbox, &fl.sharedInbox, &followID)
	if errors.Is(err, sql.ErrNoRows) {
		return node.Errorf(node.ENOTFOUND, "There is no follow request %d.", id)
	} else if err != nil {
		return err
	}
	stall, _ := stallOfKey(key)
	actorID := f.u.stall(stall)
	if ok {
		return f.acceptFollowTx(ctx, tx, key, actorID, fl, followID)
	}
	rejectID := f.u.activity(newToken())
	body, err := docBytes(reject(rejectID, actorID, follow(followID, fl.id, actorID), fl.id))
	if err != nil {
		return err
	}
	return f.enqueueTx(ctx, tx, outgoing{actor: key, kind: "reject", activity: rejectID, body: body,
		inboxes: []string{fl.deliveryInbox()}})
}

// AcceptWaiting accepts every follow request of the stall: it stopped
// approving followers by hand (app.Fediverse).
func (f *Federation) AcceptWaiting(ctx context.Context, stall node.StallID) {
	var n int
	err := f.db.Write(ctx, func(tx *sql.Tx) error {
		ids, err := matching(ctx, tx, `SELECT id FROM ap_follow_requests WHERE actor = ?`, func(string) bool { return true }, stallKey(stall))
		if err != nil {
			return err
		}
		for _, s := range ids {
			id, _ := strconv.ParseInt(s, 10, 64)
			if err := f.answerFollowRequestTx(ctx, tx, id, true); err != nil {
				return err
			}
		}
		n = len(ids)
		return nil
	})
	if err != nil {
		f.log.Error("accepting waiting followers", "stall", stall, "err", err)
		return
	}
	if n > 0 {
		f.kick()
		f.log.Info("accepted waiting followers", "stall", stall, "count", n)
	}
}
