package federation

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/shiji-market/shiji/internal/freshdb"
)

// The filter never says "never" of an id it was given (no false negatives),
// and says it of most others.
func TestSeenBloomHasEveryIDAdded(t *testing.T) {
	b := newBloom(1000)
	for i := 0; i < 20000; i++ { // well past its capacity: more "maybe", never a miss
		b.add(fmt.Sprintf("https://remote.test/activities/%d", i))
	}
	for i := 0; i < 20000; i++ {
		if !b.has(fmt.Sprintf("https://remote.test/activities/%d", i)) {
			t.Fatalf("id %d added but not found", i)
		}
	}
	empty := newBloom(1000)
	for i := 0; i < 1000; i++ {
		if empty.has(fmt.Sprintf("https://remote.test/activities/%d", i)) {
			t.Fatalf("an empty filter has id %d", i)
		}
	}
}

// An activity taken in is in the filter at once, so its repeat goes to the
// database (and is dropped there); ids already in ap_inbox_seen when the
// inbox starts are in it too, and ids pruned leave it when it is rebuilt.
func TestInboxSeenFilterFollowsTheTable(t *testing.T) {
	n, bo, create := ingestNode(t)
	ctx := context.Background()
	act := bo.id + "/notes/1/activity"
	<-n.f.seen.built // read at start-up, in the background
	if !n.f.seen.never(act) {
		t.Fatal("an id never taken in is not answered from memory")
	}
	for try := 0; try < 2; try++ {
		if w := n.do(create(1, "<p>A lamp</p>")); w.Code != http.StatusAccepted {
			t.Fatalf("try %d = %d %s, want 202", try, w.Code, w.Body)
		}
		if n.f.seen.never(act) {
			t.Fatalf("try %d: the activity taken in is still 'never seen' in memory", try)
		}
		if seen, err := n.f.seenBefore(ctx, act); err != nil || !seen {
			t.Fatalf("try %d: seenBefore = %v, %v; want true", try, seen, err)
		}
	}
	if c := n.count(`SELECT count(*) FROM ap_notes WHERE id = ?`, bo.id+"/notes/1"); c != 1 {
		t.Fatalf("%d notes stored, want 1", c)
	}

	// Ids written while the inbox was not running (another process, a
	// restore) are in the filter built at start-up.
	old := make([]string, 50)
	if err := n.db.Write(ctx, func(tx *sql.Tx) error {
		for i := range old {
			old[i] = fmt.Sprintf("%s/old/%d", bo.id, i)
			if _, err := tx.Exec(`INSERT INTO ap_inbox_seen(id, received_at) VALUES (?, 0)`, old[i]); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := n.f.rebuildSeen(ctx); err != nil {
		t.Fatal(err)
	}
	for _, id := range append(old, act) {
		if n.f.seen.never(id) {
			t.Fatalf("%s is in ap_inbox_seen but 'never seen' in memory", id)
		}
	}

	// Pruned (as the queue does hourly, then rebuilds): gone from the
	// filter, but not what is kept.
	if err := n.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`DELETE FROM ap_inbox_seen WHERE received_at = 0`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := n.f.rebuildSeen(ctx); err != nil {
		t.Fatal(err)
	}
	gone := 0
	for _, id := range old {
		if n.f.seen.never(id) {
			gone++
		}
	}
	if gone < len(old)/2 { // a filter this empty has next to no false "maybe"
		t.Fatalf("after pruning, %d of %d pruned ids left the filter", gone, len(old))
	}
	if n.f.seen.never(act) {
		t.Fatal("an id kept by the pruning left the filter")
	}
}

// Before a filter is built every id is asked of the database, and an id
// marked while a rebuild reads the table goes into the filter being built
// as well as the one in use.
func TestSeenFilterWhileRebuilt(t *testing.T) {
	var s seenFilter
	if s.never("https://remote.test/a/1") {
		t.Fatal("without a filter an id is answered 'never seen'")
	}
	s.cur.Store(newBloom(0))
	building := newBloom(0)
	s.next.Store(building)
	s.add("https://remote.test/a/2")
	s.next.Store(nil)
	if !building.has("https://remote.test/a/2") {
		t.Fatal("an id marked during a rebuild is missing from the new filter")
	}
	if s.never("https://remote.test/a/2") {
		t.Fatal("an id marked during a rebuild is missing from the filter in use")
	}
	s.cur.Store(building)
	if s.never("https://remote.test/a/2") {
		t.Fatal("an id marked during a rebuild is 'never seen' once the new filter is in use")
	}
}

// The ids taken in before the inbox started are read into the filter in
// the background: a restarted node has them once the first build ends, and
// answers every id from the database until then.
func TestSeenFilterBuiltAfterARestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shiji.db")
	freshdb.Write(t, path)
	first := newTestNodeAt(t, path, "https://market.test", time.Now(), nil)
	ids := make([]string, 200)
	if err := first.db.Write(context.Background(), func(tx *sql.Tx) error {
		for i := range ids {
			ids[i] = fmt.Sprintf("https://remote.test/activities/%d", i)
			if _, err := tx.Exec(`INSERT INTO ap_inbox_seen(id, received_at) VALUES (?, 1)`, ids[i]); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	<-first.f.seen.built
	first.db.Close()

	again := newTestNodeAt(t, path, "https://market.test", time.Now(), nil)
	<-again.f.seen.built
	for _, id := range ids {
		if again.f.seen.never(id) {
			t.Fatalf("%s was taken in before the restart but is 'never seen' after it", id)
		}
	}
	if !again.f.seen.never("https://remote.test/activities/new") {
		t.Fatal("an id never taken in is not answered from memory after the build")
	}
}
