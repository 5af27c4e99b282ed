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

// followWait is how long POST /api/v1/follows waits for the Accept.
const followWait = 5 * time.Second

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
// {"actor":"https://…"}) makes the signed-in account follow a remote actor:
// WebFinger, a signed fetch of the actor, a Follow from the account's Person,
// then up to five seconds' wait for the Accept. 201 with the follow (state
// pending or accepted); 200 when it already existed.
func (f *Federation) apiFollow(c echo.Context) error {
	ctx := c.Request().Context()
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
	actorID := strings.TrimSpace(in.Actor)
	switch {
	case actorID != "":
		if !strings.HasPrefix(actorID, "https://") && !strings.HasPrefix(actorID, "http://") {
			return node.Errorf(node.EINVALID, "\"actor\" must be an http(s) URL.")
		}
		if f.u.localPath(actorID) != "" {
			return node.Errorf(node.EINVALID, "That actor is on this market.")
		}
	case strings.TrimSpace(in.Acct) != "":
		var err error
		if actorID, err = f.lookupAcct(ctx, in.Acct); err != nil {
			return err
		}
	default:
		return node.Errorf(node.EINVALID, "Send \"acct\" (such as stall-1@market.example) or \"actor\".")
	}
	if f.isBlocked(ctx, actorID) {
		return node.Errorf(node.EFORBIDDEN, "The organiser has blocked %s.", actorID)
	}
	ra, err := f.remoteActor(ctx, actorID, true)
	if err != nil {
		f.log.Info("follow: actor unavailable", "actor", actorID, "err", err)
		return node.Errorf(node.ENOTFOUND, "Cannot fetch the actor %s.", actorID)
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
		return err
	}
	f.kick()
	out, err := f.waitAccepted(ctx, acc.ID, rowID)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return c.JSON(status, out)
}

// waitAccepted waits (a while) for the follow to be accepted, then returns it.
func (f *Federation) waitAccepted(ctx context.Context, acc node.AccountID, id int64) (*followJSON, error) {
	deadline := time.Now().Add(followWait)
	for {
		list, err := f.follows(ctx, acc, id)
		if err != nil {
			return nil, err
		}
		if len(list) == 0 {
			return nil, node.Errorf(node.ECONFLICT, "The follow was rejected.")
		}
		if list[0].State == "accepted" || time.Now().After(deadline) {
			return &list[0], nil
		}
		select {
		case <-ctx.Done():
			return &list[0], nil
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// follows lists acc's follows (only id when id != 0), newest first.
func (f *Federation) follows(ctx context.Context, acc node.AccountID, id int64) ([]followJSON, error) {
	rows, err := f.db.Read().QueryContext(ctx, `SELECT fo.id, fo.actor, fo.state, fo.created_at, coalesce(a.preferred_username, ''),
		coalesce(a.name, ''), coalesce(a.url, ''), coalesce(a.icon, ''), coalesce(a.type, '')
		FROM ap_following fo LEFT JOIN ap_actors a ON a.id = fo.actor
		WHERE fo.account_id = ? AND (? = 0 OR fo.id = ?) ORDER BY fo.id DESC LIMIT 500`, acc, id, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []followJSON{}
	for rows.Next() {
		var fj followJSON
		var created int64
		var user string
		if err := rows.Scan(&fj.ID, &fj.Actor, &fj.State, &created, &user, &fj.Name, &fj.URL, &fj.Icon, &fj.Type); err != nil {
			return nil, err
		}
		fj.CreatedAt = time.Unix(created, 0).UTC()
		fj.Acct = acctOf(&remoteActor{ID: fj.Actor, PreferredUsername: user})
		if fj.URL == "" {
			fj.URL = fj.Actor
		}
		out = append(out, fj)
	}
	return out, rows.Err()
}

// apiFollows: GET /api/v1/follows lists the signed-in account's follows.
func (f *Federation) apiFollows(c echo.Context) error {
	acc := account(c)
	if acc == nil {
		return node.Errorf(node.EUNAUTHORIZED, "Please log in first.")
	}
	list, err := f.follows(c.Request().Context(), acc.ID, 0)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"follows": list})
}

// apiUnfollow: DELETE /api/v1/follows/ID stops following and sends an Undo
// of the Follow. 204; ENOTFOUND for someone else's or an unknown follow.
func (f *Federation) apiUnfollow(c echo.Context) error {
	ctx := c.Request().Context()
	acc := account(c)
	if acc == nil {
		return node.Errorf(node.EUNAUTHORIZED, "Please log in first.")
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return node.Errorf(node.ENOTFOUND, "No such follow.")
	}
	err = f.db.Write(ctx, func(tx *sql.Tx) error {
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
		if err := tx.QueryRowContext(ctx, `SELECT inbox FROM ap_actors WHERE id = ?`, actor).Scan(&inbox); err != nil {
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
	return c.NoContent(http.StatusNoContent)
}
