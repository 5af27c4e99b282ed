// Command inboxflood sends a running shiji node's shared inbox a flood of
// signed Create(Note) activities from accounts it follows, as a burst of
// posts from the federation would come (issue 14: memory under all the
// loads together; scripts/rss.sh runs it beside its page load). It is a
// measuring tool, not part of the shiji binary.
//
//	go run ./scripts/inboxflood -node http://127.0.0.1:PORT -db DATA/shiji.db
//
// The accounts live on loopback (one listener each, so each is a server of
// its own to the node's per-server limits): each serves its actor document
// with its public key and takes what is delivered to it. The node must run
// with --allow-private-networks (to fetch them) and a raised inbox limit
// (--limits inbox=100000/10us). They are followed by writing the follow
// into the node's database (-db), as a follow accepted earlier would have
// left it; the node sees another process's writes within a second.
//
// Every activity is signed before the flood starts (RSA signing is slower
// than the node's checking), then -conns connections send them as fast as
// the node answers, for at most -seconds. It prints what was sent and what
// the node answered.
//
// With -fanout-stall N, a fan-out runs at the same time: -followers
// accounts on the same servers follow stall N (written into the database,
// each with an inbox of its own), and every -change-every one of its items
// changes and its Update is queued as the node queues it, so the node signs
// and delivers it to every follower during the flood.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"database/sql"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-fed/httpsig"
	_ "modernc.org/sqlite"
)

func main() {
	nodeURL := flag.String("node", "", "the node's base URL (http://127.0.0.1:PORT)")
	dbPath := flag.String("db", "", "the node's database file, to follow the flooding accounts")
	n := flag.Int("n", 20000, "activities to send")
	conns := flag.Int("conns", 16, "connections sending at once")
	actors := flag.Int("actors", 8, "accounts (each on a loopback server of its own)")
	seconds := flag.Int("seconds", 60, "stop sending after this long")
	fanStall := flag.Int64("fanout-stall", 0, "also make this stall's items change while flooding, for -followers followers here (0: no fan-out)")
	followers := flag.Int("followers", 1000, "with -fanout-stall: the stall's followers, spread over the accounts' servers, each with its own inbox")
	changeEvery := flag.Duration("change-every", 2*time.Second, "with -fanout-stall: how often one of its items changes")
	flag.Parse()
	if *nodeURL == "" || *dbPath == "" || *n < 1 || *conns < 1 || *actors < 1 || *seconds < 1 {
		fmt.Fprintln(os.Stderr, "inboxflood: -node and -db are needed; -n, -conns, -actors, -seconds must be positive")
		os.Exit(2)
	}
	fan := fanout{stall: *fanStall, followers: *followers, every: *changeEvery}
	if err := run(*nodeURL, *dbPath, *n, *conns, *actors, time.Duration(*seconds)*time.Second, fan); err != nil {
		fmt.Fprintln(os.Stderr, "inboxflood:", err)
		os.Exit(1)
	}
}

// actor is one flooding account and its server.
type actor struct {
	id, keyID string
}

// fanout is what -fanout-stall asks for: a stall with followers on the
// accounts' servers, and one of its items changing now and then, so that
// the node fans each change out to every follower while it is flooded.
type fanout struct {
	stall     int64
	followers int
	every     time.Duration
}

// delivered counts what the node delivered to the followers here.
var delivered atomic.Int64

func run(nodeURL, dbPath string, n, conns, nActors int, limit time.Duration, fan fanout) error {
	node, err := url.Parse(nodeURL)
	if err != nil || node.Host == "" {
		return fmt.Errorf("-node %q is not a URL", nodeURL)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return err
	}
	pubPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	actors := make([]actor, nActors)
	for i := range actors {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		id := "http://" + ln.Addr().String() + "/users/flood"
		actors[i] = actor{id: id, keyID: id + "#main-key"}
		doc, _ := json.Marshal(map[string]any{
			"@context": []any{"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"},
			"id":       id, "type": "Person", "preferredUsername": "flood", "name": fmt.Sprintf("Flood %d", i),
			"inbox": id + "/inbox", "outbox": id + "/outbox",
			"publicKey": map[string]any{"id": id + "#main-key", "owner": id, "publicKeyPem": pubPEM},
		})
		mux := http.NewServeMux()
		mux.HandleFunc("/users/flood", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/activity+json")
			w.Write(doc)
		})
		mux.HandleFunc("/users/flood/inbox", func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			w.WriteHeader(http.StatusAccepted)
		})
		mux.HandleFunc("/followers/", func(w http.ResponseWriter, r *http.Request) { // a follower's inbox
			io.Copy(io.Discard, r.Body)
			delivered.Add(1)
			w.WriteHeader(http.StatusAccepted)
		})
		go http.Serve(ln, mux)
	}
	// The node's database, to write what follows would have left there
	// (another process's writes are seen by the node within a second).
	if _, err := os.Stat(dbPath); err != nil {
		return err
	}
	db, err := sql.Open("sqlite", "file:"+dbPath+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer db.Close()
	if err := follow(db, actors); err != nil {
		return err
	}
	var item int64
	if fan.stall != 0 {
		if item, err = followStall(db, actors, fan); err != nil {
			return err
		}
	}
	time.Sleep(2 * time.Second) // the node notices another process's writes within a second

	// Sign every activity first, on every core.
	start := time.Now()
	reqs := make([]signed, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	var signErr atomic.Value
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				s, err := sign(node, actors[i%len(actors)], key, i, start)
				if err != nil {
					signErr.Store(err)
					return
				}
				reqs[i] = s
			}
		}()
	}
	wg.Wait()
	if err, _ := signErr.Load().(error); err != nil {
		return err
	}
	fmt.Printf("inboxflood: %d activities from %d accounts signed in %.1f s\n", n, nActors, time.Since(start).Seconds())

	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: conns}}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	var accepted, other, failed atomic.Int64
	next.Store(0)
	start = time.Now()
	changes := 0
	var changing sync.WaitGroup
	if fan.stall != 0 {
		changing.Add(1)
		go func() {
			defer changing.Done()
			for ctx.Err() == nil {
				if err := changeItem(db, node, fan.stall, item, changes); err != nil {
					fmt.Fprintln(os.Stderr, "inboxflood: changing an item:", err)
					return
				}
				changes++
				select {
				case <-ctx.Done():
				case <-time.After(fan.every):
				}
			}
		}()
	}
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n && ctx.Err() == nil; i = int(next.Add(1) - 1) {
				req, err := http.NewRequestWithContext(ctx, http.MethodPost, node.String()+"/inbox", bytes.NewReader(reqs[i].body))
				if err != nil {
					failed.Add(1)
					continue
				}
				req.Header = reqs[i].header.Clone()
				resp, err := client.Do(req)
				if err != nil {
					if ctx.Err() == nil { // not one cut off by the time limit
						failed.Add(1)
					}
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusAccepted {
					accepted.Add(1)
				} else {
					other.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	took := time.Since(start).Seconds()
	changing.Wait() // the fan-out goes on until the time limit
	sent := accepted.Load() + other.Load() + failed.Load()
	fmt.Printf("inboxflood: %d sent in %.1f s (%.0f/s): %d accepted, %d refused, %d failed\n",
		sent, took, float64(sent)/took, accepted.Load(), other.Load(), failed.Load())
	if fan.stall != 0 {
		fmt.Printf("inboxflood: %d changes of item %d fanned out to %d followers: %d deliveries received\n",
			changes, item, fan.followers, delivered.Load())
	}
	if accepted.Load() == 0 {
		return fmt.Errorf("the node accepted none")
	}
	return nil
}

// followStall writes that fan.followers accounts on the flooding servers
// follow the stall (as their accepted Follows would have left it), each
// with an inbox of its own, and returns one of the stall's items.
func followStall(db *sql.DB, actors []actor, fan fanout) (int64, error) {
	var item int64
	if err := db.QueryRow(`SELECT id FROM items WHERE stall_id = ? AND status = 'available' ORDER BY id LIMIT 1`, fan.stall).Scan(&item); err != nil {
		return 0, fmt.Errorf("an available item of stall %d: %w", fan.stall, err)
	}
	tx, err := db.Begin()
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	for i := range fan.followers {
		host := strings.TrimSuffix(actors[i%len(actors)].id, "/users/flood")
		f := fmt.Sprintf("%s/followers/%d", host, i)
		if _, err := tx.Exec(`INSERT OR IGNORE INTO ap_followers(actor, follower, inbox, follow_id, created_at) VALUES (?, ?, ?, ?, ?)`,
			fmt.Sprintf("stall:%d", fan.stall), f, f+"/inbox", f+"/follow", time.Now().Unix()); err != nil {
			return 0, err
		}
	}
	return item, tx.Commit()
}

// changeItem changes the item's price and queues the change for the stall's
// followers (as the node does when its stallholder edits it): the node's
// delivery worker renders and fans it out within its next poll.
func changeItem(db *sql.DB, node *url.URL, stall, item int64, n int) error {
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := time.Now()
	if _, err := tx.Exec(`UPDATE items SET story = ? WHERE id = ?`, fmt.Sprintf("Change %d while the inbox was flooded.", n), item); err != nil {
		return err
	}
	if _, err := tx.Exec(`INSERT INTO ap_outbox(activity, actor, kind, item_id, public, body, ready_at_ms, fanned, created_at)
		VALUES (?, ?, 'update', ?, 1, NULL, ?, 0, ?)`, fmt.Sprintf("%s/activities/flood-%d-%d", node, now.UnixNano(), n),
		fmt.Sprintf("stall:%d", stall), item, now.UnixMilli(), now.Unix()); err != nil {
		return err
	}
	return tx.Commit()
}

// follow writes that the node's first account follows each flooding
// account (accepted), so that their posts are stored.
func follow(db *sql.DB, actors []actor) error {
	for _, a := range actors {
		if _, err := db.Exec(`INSERT OR IGNORE INTO ap_following(account_id, actor, follow_id, state, created_at)
			SELECT min(id), ?, ?, 'accepted', ? FROM accounts`, a.id, a.id+"/follows/1", time.Now().Unix()); err != nil {
			return fmt.Errorf("following %s: %w", a.id, err)
		}
	}
	return nil
}

// signed is one activity's body and headers, ready to send.
type signed struct {
	body   []byte
	header http.Header
}

func sign(node *url.URL, a actor, key *rsa.PrivateKey, i int, now time.Time) (signed, error) {
	id := fmt.Sprintf("%s/notes/%d", a.id, i)
	body, _ := json.Marshal(map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams", "id": id + "/activity", "type": "Create", "actor": a.id,
		"to": "https://www.w3.org/ns/activitystreams#Public",
		"object": map[string]any{"id": id, "type": "Note", "attributedTo": a.id, "to": "https://www.w3.org/ns/activitystreams#Public",
			"content":   fmt.Sprintf("<p>Lamp no. %d, from the 1970s, still works. 一盏七十年代的台灯。</p>", i),
			"published": now.UTC().Format(time.RFC3339)},
	})
	r, err := http.NewRequest(http.MethodPost, node.String()+"/inbox", bytes.NewReader(body))
	if err != nil {
		return signed{}, err
	}
	r.Header.Set("Content-Type", "application/activity+json")
	r.Header.Set("Date", now.UTC().Format(http.TimeFormat))
	r.Header.Set("Host", node.Host)
	s, _, err := httpsig.NewSigner([]httpsig.Algorithm{httpsig.RSA_SHA256}, httpsig.DigestSha256,
		[]string{httpsig.RequestTarget, "host", "date", "digest"}, httpsig.Signature, 0)
	if err != nil {
		return signed{}, err
	}
	if err := s.SignRequest(key, a.keyID, r, body); err != nil {
		return signed{}, err
	}
	r.Header.Del("Host")
	return signed{body: body, header: r.Header}, nil
}
