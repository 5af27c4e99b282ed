package federation

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/shiji-market/shiji/node"
)

// Reports from other servers and to them (issue 11).
//
// In: a Flag (Mastodon, Misskey, Pleroma, Lemmy and Mbin send one when a
// moderator or a user there reports something here; often from the
// server's instance actor) naming one of our stalls, items, people or
// messages is kept in ap_reports for our moderators, with the server it came
// from. A Flag naming nothing of ours is taken and ignored.
//
// Out: a moderator forwards a local report about a message from elsewhere
// to its author's server as a Flag from our instance actor (Mastodon's
// "forward to the remote server"): object the author and the note, content
// the reason.

// onFlag keeps a report about our things for the moderators.
func (f *Federation) onFlag(ctx context.Context, signer *remoteActor, m map[string]any) error {
	var objects []string
	for _, v := range listOf(m["object"]) {
		if iri := refOf(v); iri != "" && len(objects) < 50 {
			objects = append(objects, iri)
		}
	}
	var stall node.StallID
	var item node.ItemID
	var msg node.MessageID
	var acc node.AccountID
	for _, iri := range objects {
		p := f.u.localPath(iri)
		switch {
		case p == "":
			// A remote note we keep as a message (the Flag of one of its
			// replies here names our copy by its id).
			if msg == 0 {
				f.db.Read().QueryRowContext(ctx, `SELECT id FROM messages WHERE ap_id = ?`, iri).Scan(&msg)
			}
		case itemPathRE.MatchString(p) && item == 0:
			if it, err := f.db.Item(ctx, f.localItemOf(iri)); err == nil {
				item, stall = it.ID, it.Stall
			}
		case stallPathRE.MatchString(p) && stall == 0:
			ref, _ := parseActorPath(p)
			if _, err := f.db.Stall(ctx, ref.stall); err == nil {
				stall = ref.stall
			}
		case messagePathRE.MatchString(p) && msg == 0:
			id, _ := strconv.ParseInt(messagePathRE.FindStringSubmatch(p)[1], 10, 64)
			if _, err := f.db.Message(ctx, node.MessageID(id)); err == nil {
				msg = node.MessageID(id)
			}
		case strings.HasPrefix(p, "/users/") && acc == 0:
			if ref, ok := parseActorPath(p); ok && ref.kind == "person" {
				if a, _, err := f.db.AccountByName(ctx, ref.name); err == nil {
					acc = a.ID
				}
			}
		}
	}
	if stall == 0 && item == 0 && msg == 0 && acc == 0 {
		f.log.InfoContext(ctx, "activity not used", "server", hostOf(signer.ID), "type", "Flag", "id", str(m, "id"),
			"reason", "it names nothing of this market")
		return nil
	}
	reason := str(m, "content")
	if reason == "" {
		reason = str(m, "summary")
	}
	reason = truncate(strings.TrimSpace(htmlText(reason)), node.MaxBlockReasonLen)
	objs, _ := json.Marshal(objects)
	err := f.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO ap_reports(activity, actor, server, reason, objects, stall_id, item_id, message_id, account_id, created_at)
			VALUES (?, ?, ?, ?, ?, nullif(?, 0), nullif(?, 0), nullif(?, 0), nullif(?, 0), ?) ON CONFLICT(activity) DO NOTHING`,
			str(m, "id"), signer.ID, hostOf(signer.ID), reason, string(objs), stall, item, msg, acc, f.now().Unix())
		return err
	})
	if err == nil {
		f.log.InfoContext(ctx, "report from another server", "server", hostOf(signer.ID), "id", str(m, "id"))
	}
	return err
}

// RemoteReports lists the reports from other servers, open ones only unless
// all, newest first (app.Fediverse).
func (f *Federation) RemoteReports(ctx context.Context, all bool) ([]*node.RemoteReport, error) {
	q := `SELECT r.id, r.actor, r.server, r.reason, r.objects, coalesce(r.stall_id, 0), coalesce(r.item_id, 0),
		coalesce(r.message_id, 0), coalesce(r.account_id, 0), r.created_at, r.resolved_at IS NOT NULL, r.action,
		coalesce(s.name, ''), coalesce(i.title, ''), coalesce(substr(x.body, 1, 200), ''), coalesce(x.conversation_id, 0), coalesce(a.name, '')
		FROM ap_reports r LEFT JOIN stalls s ON s.id = r.stall_id LEFT JOIN items i ON i.id = r.item_id
		LEFT JOIN messages x ON x.id = r.message_id LEFT JOIN accounts a ON a.id = r.account_id`
	if !all {
		q += ` WHERE r.resolved_at IS NULL`
	}
	rows, err := f.db.Read().QueryContext(ctx, q+` ORDER BY r.id DESC LIMIT 200`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*node.RemoteReport
	for rows.Next() {
		var r node.RemoteReport
		var objs string
		var created int64
		if err := rows.Scan(&r.ID, &r.Actor, &r.Server, &r.Reason, &objs, &r.Stall, &r.Item, &r.Message, &r.Account, &created,
			&r.Resolved, &r.Action, &r.StallName, &r.ItemTitle, &r.Excerpt, &r.Conversation, &r.AccountName); err != nil {
			return nil, err
		}
		json.Unmarshal([]byte(objs), &r.Objects)
		r.CreatedAt = time.Unix(created, 0).UTC()
		out = append(out, &r)
	}
	return out, rows.Err()
}

// RemoteReport returns one report from elsewhere, or ENOTFOUND.
func (f *Federation) RemoteReport(ctx context.Context, id int64) (*node.RemoteReport, error) {
	all, err := f.RemoteReports(ctx, true)
	if err != nil {
		return nil, err
	}
	for _, r := range all {
		if r.ID == id {
			return r, nil
		}
	}
	return nil, node.Errorf(node.ENOTFOUND, "There is no report %d from another server.", id)
}

// ResolveRemoteReport closes a report from elsewhere with action.
func (f *Federation) ResolveRemoteReport(ctx context.Context, id int64, by node.AccountID, action string) error {
	return f.db.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE ap_reports SET resolved_at = ?, resolved_by = ?, action = ? WHERE id = ? AND resolved_at IS NULL`,
			f.now().Unix(), by, action, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return node.Errorf(node.ENOTFOUND, "There is no open report %d from another server.", id)
		}
		return nil
	})
}

// ForwardReport sends a local report about a message from elsewhere to its
// author's server as a Flag from the instance actor, and returns that
// server's name. A message written here is EINVALID: there is no one to
// forward it to; a report forwarded before is ECONFLICT.
func (f *Federation) ForwardReport(ctx context.Context, r *node.Report) (string, error) {
	var author, noteID string
	var forwarded sql.NullInt64
	err := f.db.Read().QueryRowContext(ctx, `SELECT am.actor, coalesce(x.ap_id, ''), rp.forwarded_at FROM reports rp
		JOIN messages x ON x.id = rp.message_id JOIN ap_messages am ON am.message_id = x.id WHERE rp.id = ?`, r.ID).
		Scan(&author, &noteID, &forwarded)
	if errors.Is(err, sql.ErrNoRows) {
		return "", node.Errorf(node.EINVALID, "This message was written here: there is no other server to tell.")
	} else if err != nil {
		return "", err
	}
	if forwarded.Valid {
		return "", node.Errorf(node.ECONFLICT, "This report was forwarded already.")
	}
	a, err := f.remoteActor(ctx, author, false)
	if err != nil {
		return "", node.Errorf(node.ENOTFOUND, "The author's server cannot be reached: %v.", err)
	}
	id := f.u.activity(newToken())
	objects := []any{a.ID}
	if noteID != "" {
		objects = append(objects, noteID)
	}
	content := r.Reason
	if content == "" {
		content = "Reported on " + f.u.base
	}
	body, err := json.Marshal(map[string]any{"@context": jsonLDContext(), "id": id, "type": "Flag", "actor": f.u.instance(),
		"object": objects, "content": content, "to": []string{a.ID}})
	if err != nil {
		return "", err
	}
	err = f.db.Write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE reports SET forwarded_at = ? WHERE id = ?`, f.now().Unix(), r.ID); err != nil {
			return err
		}
		return f.enqueueTx(ctx, tx, outgoing{actor: keyInstance, kind: "flag", activity: id, body: body,
			inboxes: []string{a.deliveryInbox()}})
	})
	if err != nil {
		return "", err
	}
	f.kick()
	return hostOf(a.ID), nil
}
