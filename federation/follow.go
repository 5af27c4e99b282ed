package federation

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/node"
)

// DefaultFollowWait is how long a follow (and a market link) waits for the
// other server's Accept before it answers "pending" (Config.FollowWait).
const DefaultFollowWait = 5 * time.Second

// account is the signed-in account node/web's authentication put on the
// request ("account"), or nil.
func account(c echo.Context) *node.Account {
	a, _ := c.Get("account").(*node.Account)
	return a
}

// followJSON is a follow of a remote actor as the API shows it.
type followJSON struct {
	ID        int64     `json:"id"`
	Actor     string    `json:"actor"`
	Acct      string    `json:"acct"`
	Name      string    `json:"name"`
	URL       string    `json:"url"`
	Icon      string    `json:"icon,omitempty"`
	Type      string    `json:"type"`
	State     string    `json:"state"` // pending or accepted
	CreatedAt time.Time `json:"created_at"`
}

// apiFollow: POST /api/v1/follows {"acct":"stall-1@market.example"} (or
// {"actor":"https://…"}) makes the signed-in account follow a remote actor
// (Follow). 201 with the follow (state pending or accepted); 200 when it
// already existed.
func (f *Federation) apiFollow(c echo.Context) error {
	acc := account(c)
	if acc == nil {
		return node.Errorf(node.EUNAUTHORIZED, "Please log in first.")
	}
	var in struct {
		Acct  string `json:"acct"`
		Actor string `json:"actor"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(c.Response(), c.Request().Body, 64<<10)).Decode(&in); err != nil {
		return node.Errorf(node.EINVALID, "Send a JSON object such as {\"acct\": \"stall-1@market.example\"}.")
	}
	address := strings.TrimSpace(in.Actor)
	if address != "" && !strings.HasPrefix(address, "https://") && !strings.HasPrefix(address, "http://") {
		return node.Errorf(node.EINVALID, "\"actor\" must be an http(s) URL.")
	}
	if address == "" {
		address = strings.TrimSpace(in.Acct)
	}
	fl, created, err := f.Follow(c.Request().Context(), acc, address)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return c.JSON(status, toFollowJSON(fl))
}

// Follow makes acc follow a remote actor, by its address (name@host) or
// its actor URL: WebFinger, a signed fetch of the actor, a Follow from the
// account's Person, then a wait for the Accept (Config.FollowWait, 5 s by
// default). created is
// false when the follow already existed (a pending one is sent again)
// (app.Fediverse).
func (f *Federation) Follow(ctx context.Context, acc *node.Account, address string) (*node.RemoteFollow, bool, error) {
	if acc == nil {
		return nil, false, node.Errorf(node.EUNAUTHORIZED, "Please log in first.")
	}
	actorID := strings.TrimSpace(address)
	switch {
	case actorID == "":
		return nil, false, node.Errorf(node.EINVALID, "Give an address such as stall-1@market.example, or an actor's URL.")
	case strings.HasPrefix(actorID, "https://") || strings.HasPrefix(actorID, "http://"):
		if f.u.localPath(actorID) != "" {
			return nil, false, node.Errorf(node.EINVALID, "That actor is on this market.")
		}
	default:
		var err error
		if actorID, err = f.lookupAcct(ctx, actorID); err != nil {
			return nil, false, err
		}
	}
	if f.isBlocked(ctx, actorID) {
		return nil, false, node.Errorf(node.EFORBIDDEN, "The organiser has blocked %s.", actorID)
	}
	ra, err := f.remoteActor(ctx, actorID, true)
	if err != nil {
		f.log.Info("follow: actor unavailable", "actor", actorID, "err", err)
		return nil, false, node.Errorf(node.ENOTFOUND, "Cannot fetch the actor %s.", actorID)
	}
	if ra.Type == "Group" && strings.HasPrefix(ra.PreferredUsername, "room-") {
		// A shiji group chat elsewhere (room.go): mirrored here, with acc in it.
		if _, err := f.db.RoomMirror(ctx, ra.ID, ra.Name, acc.ID); err != nil {
			return nil, false, err
		}
	}
	person := f.u.person(acc.Name)
	var rowID int64
	created := false
	err = f.db.Write(ctx, func(tx *sql.Tx) error {
		var followID, state string
		err := tx.QueryRowContext(ctx, `SELECT id, follow_id, state FROM ap_following WHERE account_id = ? AND actor = ?`,
			acc.ID, ra.ID).Scan(&rowID, &followID, &state)
		switch {
		case err == nil && state == "accepted":
			return nil
		case err == nil: // pending: send the Follow again
			var outboxID int64
			if err := tx.QueryRowContext(ctx, `SELECT id FROM ap_outbox WHERE activity = ?`, followID).Scan(&outboxID); err != nil {
				return err
			}
			return f.addDeliveriesTx(ctx, tx, outboxID, []string{ra.Inbox})
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		created = true
		followID = f.u.activity(newToken())
		res, err := tx.ExecContext(ctx, `INSERT INTO ap_following(account_id, actor, follow_id, state, created_at) VALUES (?, ?, ?, 'pending', ?)`,
			acc.ID, ra.ID, followID, f.now().Unix())
		if err != nil {
			return err
		}
		rowID, _ = res.LastInsertId()
		body, err := docBytes(follow(followID, person, ra.ID))
		if err != nil {
			return err
		}
		return f.enqueueTx(ctx, tx, outgoing{actor: accountKey(acc.ID), kind: "follow", activity: followID, body: body,
			inboxes: []string{ra.Inbox}})
	})
	if err != nil {
		return nil, false, err
	}
	f.kick()
	fl, err := f.waitAccepted(ctx, acc.ID, rowID)
	return fl, created, err
}

// waitAccepted waits (a while) for the follow to be accepted, then returns it.
func (f *Federation) waitAccepted(ctx context.Context, acc node.AccountID, id int64) (*node.RemoteFollow, error) {
	deadline := time.Now().Add(f.cfg.FollowWait)
	for {
		list, err := f.follows(ctx, acc, id)
		if err != nil {
			return nil, err
		}
		if len(list) == 0 {
			return nil, node.Errorf(node.ECONFLICT, "The follow was rejected.")
		}
		if list[0].State == "accepted" || time.Now().After(deadline) {
			return list[0], nil
		}
		select {
		case <-ctx.Done():
			return list[0], nil
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Follows lists acc's follows of remote actors, newest first
// (app.Fediverse).
func (f *Federation) Follows(ctx context.Context, acc node.AccountID) ([]*node.RemoteFollow, error) {
	return f.follows(ctx, acc, 0)
}

// follows lists acc's follows (only id when id != 0), newest first.
func (f *Federation) follows(ctx context.Context, acc node.AccountID, id int64) ([]*node.RemoteFollow, error) {
	rows, err := f.db.Read().QueryContext(ctx, `SELECT fo.id, fo.actor, fo.state, fo.created_at, coalesce(a.preferred_username, ''),
		coalesce(a.name, ''), coalesce(a.url, ''), coalesce(a.icon, ''), coalesce(a.type, '')
		FROM ap_following fo LEFT JOIN ap_actors a ON a.id = fo.actor
		WHERE fo.account_id = ? AND (? = 0 OR fo.id = ?) ORDER BY fo.id DESC LIMIT 500`, acc, id, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*node.RemoteFollow{}
	for rows.Next() {
		var fl node.RemoteFollow
		var created int64
		var user string
		a := &fl.Actor
		if err := rows.Scan(&fl.ID, &a.ID, &fl.State, &created, &user, &a.Name, &a.URL, &a.Icon, &a.Type); err != nil {
			return nil, err
		}
		fl.CreatedAt = time.Unix(created, 0).UTC()
		a.Acct = acctOf(&remoteActor{ID: a.ID, PreferredUsername: user})
		if a.URL == "" {
			a.URL = a.ID
		}
		out = append(out, &fl)
	}
	return out, rows.Err()
}

// apiFollows: GET /api/v1/follows lists the signed-in account's follows.
func (f *Federation) apiFollows(c echo.Context) error {
	acc := account(c)
	if acc == nil {
		return node.Errorf(node.EUNAUTHORIZED, "Please log in first.")
	}
	list, err := f.Follows(c.Request().Context(), acc.ID)
	if err != nil {
		return err
	}
	out := make([]followJSON, 0, len(list))
	for _, fl := range list {
		out = append(out, toFollowJSON(fl))
	}
	return c.JSON(http.StatusOK, map[string]any{"follows": out})
}

// apiUnfollow: DELETE /api/v1/follows/ID stops following and sends an Undo
// of the Follow. 204; ENOTFOUND for someone else's or an unknown follow.
func (f *Federation) apiUnfollow(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return node.Errorf(node.ENOTFOUND, "No such follow.")
	}
	if err := f.Unfollow(c.Request().Context(), account(c), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// Unfollow stops acc's follow id and sends an Undo of the Follow; ENOTFOUND
// for someone else's or an unknown follow (app.Fediverse).
func (f *Federation) Unfollow(ctx context.Context, acc *node.Account, id int64) error {
	if acc == nil {
		return node.Errorf(node.EUNAUTHORIZED, "Please log in first.")
	}
	err := f.db.Write(ctx, func(tx *sql.Tx) error {
		var actor, followID string
		err := tx.QueryRowContext(ctx, `SELECT actor, follow_id FROM ap_following WHERE id = ? AND account_id = ?`, id, acc.ID).Scan(&actor, &followID)
		if errors.Is(err, sql.ErrNoRows) {
			return node.Errorf(node.ENOTFOUND, "No such follow.")
		} else if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM ap_following WHERE id = ?`, id); err != nil {
			return err
		}
		var inbox string
		if err := tx.QueryRowContext(ctx, `SELECT inbox FROM ap_actors WHERE id = ?`, actor).Scan(&inbox); errors.Is(err, sql.ErrNoRows) {
			return nil // forgotten (purged): nowhere to send the Undo
		} else if err != nil {
			return err
		}
		person := f.u.person(acc.Name)
		undoID := f.u.activity(newToken())
		body, err := docBytes(undo(undoID, person, follow(followID, person, actor), actor))
		if err != nil {
			return err
		}
		return f.enqueueTx(ctx, tx, outgoing{actor: accountKey(acc.ID), kind: "undo", activity: undoID, body: body, inboxes: []string{inbox}})
	})
	if err != nil {
		return err
	}
	f.kick()
	return nil
}

// toFollowJSON is a follow as the API shows it.
func toFollowJSON(fl *node.RemoteFollow) followJSON {
	return followJSON{ID: fl.ID, Actor: fl.Actor.ID, Acct: fl.Actor.Acct, Name: fl.Actor.Name, URL: fl.Actor.URL,
		Icon: fl.Actor.Icon, Type: fl.Actor.Type, State: fl.State, CreatedAt: fl.CreatedAt}
}
