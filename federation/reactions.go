package federation

import (
	"context"
	"database/sql"
	"strconv"

	"github.com/go-fed/activity/streams/vocab"
	"github.com/shiji-market/shiji/node"
)

// localItemOf is the item an IRI of ours names, or 0.
func (f *Federation) localItemOf(iri string) node.ItemID {
	m := itemPathRE.FindStringSubmatch(f.u.localPath(iri))
	if m == nil {
		return 0
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return node.ItemID(id)
}

// onLike: someone elsewhere likes one of our items; it is counted on the
// item. Likes of anything else are ignored.
func (f *Federation) onLike(ctx context.Context, signer *remoteActor, a vocab.ActivityStreamsLike) error {
	obj := firstObject(a)
	if obj == nil {
		return nil
	}
	_, err := f.react(ctx, signer, "like", idOf(a), iriOf(obj))
	return err
}

// react counts a like or boost (kind "like" or "announce") of object when it
// is one of our items; ours reports whether it was. A repeat by the same
// actor counts once.
func (f *Federation) react(ctx context.Context, signer *remoteActor, kind, activity, object string) (ours bool, err error) {
	item := f.localItemOf(object)
	if item == 0 {
		return false, nil
	}
	if activity == "" {
		return true, node.Errorf(node.EINVALID, "A %s needs an id.", kind)
	}
	return true, f.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO ap_reactions(item_id, actor, kind, activity, created_at)
			SELECT id, ?, ?, ?, ? FROM items WHERE id = ?
			ON CONFLICT(item_id, actor, kind) DO UPDATE SET activity = excluded.activity`,
			signer.ID, kind, activity, f.now().Unix(), item)
		return err
	})
}

// unreact takes back the signer's like or boost: by the activity's id, or by
// what it liked or boosted (object may be "").
func (f *Federation) unreact(ctx context.Context, signer *remoteActor, kind, activity, object string) error {
	item := f.localItemOf(object)
	return f.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM ap_reactions WHERE actor = ? AND (activity = ? OR (kind = ? AND item_id = ?))`,
			signer.ID, activity, kind, item)
		return err
	})
}

// iriOfFirst is the IRI of an activity's first object, or "".
func iriOfFirst(a objectProp) string {
	if o := firstObject(a); o != nil {
		return iriOf(o)
	}
	return ""
}
