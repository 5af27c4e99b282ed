package federation

import (
	"context"
	"database/sql"

	"github.com/go-fed/activity/streams"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
)

var _ app.ActorDeleter = (*Federation)(nil)

// DeleteActorsTx queues, in tx, a Delete of acc's Person and of the closing
// stalls' Organizations, each signed by the actor itself (its key is kept for
// that), to every server that knew them: their followers and follow
// requests, the actors the person followed, and the remote sides of their
// conversations and of reactions to the stalls' items; the stalls' Deletes
// go to the market's followers too, who saw the stalls' items announced.
// Then it forgets their followers. Call it before the account's data is
// removed: it reads who knew them (app.ActorDeleter).
func (f *Federation) DeleteActorsTx(ctx context.Context, tx *sql.Tx, acc *node.Account, stalls []node.StallID) error {
	person := accountKey(acc.ID)
	inboxes, err := knownInboxesTx(ctx, tx, person, []string{
		`SELECT CASE shared_inbox WHEN '' THEN inbox ELSE shared_inbox END FROM ap_followers WHERE actor = ?1`,
		`SELECT CASE a.shared_inbox WHEN '' THEN a.inbox ELSE a.shared_inbox END FROM ap_following fo JOIN ap_actors a ON a.id = fo.actor
			WHERE fo.account_id = ?2`,
		`SELECT CASE a.shared_inbox WHEN '' THEN a.inbox ELSE a.shared_inbox END FROM ap_conversations c JOIN ap_actors a ON a.id = c.actor
			WHERE c.local = ?1`,
		`SELECT DISTINCT CASE a.shared_inbox WHEN '' THEN a.inbox ELSE a.shared_inbox END FROM members m
			JOIN messages x ON x.conversation_id = m.conversation_id JOIN ap_messages am ON am.message_id = x.id
			JOIN ap_actors a ON a.id = am.actor WHERE m.account_id = ?2`,
	}, acc.ID)
	if err != nil {
		return err
	}
	if err := f.queueDeleteTx(ctx, tx, person, f.u.person(acc.Name), "Person", inboxes); err != nil {
		return err
	}
	for _, st := range stalls {
		key := stallKey(st)
		inboxes, err := knownInboxesTx(ctx, tx, key, []string{
			`SELECT CASE shared_inbox WHEN '' THEN inbox ELSE shared_inbox END FROM ap_followers WHERE actor = ?1 OR actor = 'market'`,
			`SELECT CASE shared_inbox WHEN '' THEN inbox ELSE shared_inbox END FROM ap_follow_requests WHERE actor = ?1`,
			`SELECT CASE a.shared_inbox WHEN '' THEN a.inbox ELSE a.shared_inbox END FROM ap_conversations c JOIN ap_actors a ON a.id = c.actor
				WHERE c.local = ?1`,
			`SELECT DISTINCT CASE a.shared_inbox WHEN '' THEN a.inbox ELSE a.shared_inbox END FROM ap_reactions r
				JOIN ap_actors a ON a.id = r.actor JOIN items i ON i.id = r.item_id WHERE i.stall_id = ?2`,
		}, st)
		if err != nil {
			return err
		}
		if err := f.queueDeleteTx(ctx, tx, key, f.u.stall(st), "Organization", inboxes); err != nil {
			return err
		}
	}
	f.kick()
	return nil
}

// knownInboxesTx runs each query (?1 the local actor key, ?2 arg) and
// returns the distinct inboxes they name.
func knownInboxesTx(ctx context.Context, tx *sql.Tx, key string, queries []string, arg any) ([]string, error) {
	var out []string
	for _, q := range queries {
		rows, err := tx.QueryContext(ctx, q, key, arg)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				rows.Close()
				return nil, err
			}
			out = append(out, s)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return dedupe(out), nil
}

// queueDeleteTx queues a Delete of the local actor id (key) by itself, as
// Mastodon sends one for a deleted account (the object is the actor's id),
// and forgets the actor's followers and follow requests.
func (f *Federation) queueDeleteTx(ctx context.Context, tx *sql.Tx, key, id, formerType string, inboxes []string) error {
	activity := f.u.activity(newToken())
	a := streams.NewActivityStreamsDelete()
	a.SetJSONLDId(idProp(activity))
	a.SetActivityStreamsActor(actorProp(id))
	a.SetActivityStreamsTo(toProp(publicIRI))
	o := streams.NewActivityStreamsObjectProperty()
	o.AppendIRI(iri(id))
	a.SetActivityStreamsObject(o)
	body, err := docBytes(a)
	if err != nil {
		return err
	}
	if err := f.enqueueTx(ctx, tx, outgoing{actor: key, kind: "delete", activity: activity, body: body, inboxes: inboxes}); err != nil {
		return err
	}
	for _, q := range []string{`DELETE FROM ap_followers WHERE actor = ?`, `DELETE FROM ap_follow_requests WHERE actor = ?`} {
		if _, err := tx.ExecContext(ctx, q, key); err != nil {
			return err
		}
	}
	f.log.Info("actor deleted: telling the servers that knew it", "actor", id, "type", formerType, "inboxes", len(inboxes))
	return nil
}
