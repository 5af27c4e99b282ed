package federation

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shiji-market/shiji/node"
)

// Run with: go test -run '^$' -bench 'Ingest|RSA' -benchtime 2000x ./federation
// and:      go test -run '^$' -bench 'FanOut|Bare' -benchtime 5x ./federation
// At the scale (10,000 followers on 1,000 hosts; needs ulimit -n of
// a few thousand):
//
//	SHIJI_FANOUT_FOLLOWERS=10000 SHIJI_FANOUT_HOSTS=1000 go test -run '^$' -bench 'FanOut|Bare' -benchtime 1x ./federation

// ingestSetup is a node where bo is followed, and n signed public Notes by bo.
func ingestSetup(b *testing.B, n int) (*testNode, []*http.Request) {
	node := newTestNode(b, "https://market.test", time.Now(), nil)
	node.f.limit = newHostLimiter(1e9, 1e9) // measure the work, not the policy
	acc := node.account("ajie", "resident")
	bo := newRemote(b, node.net, "https://remote.test/users/bo", "https://remote.test/inbox")
	node.db.Write(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO ap_following(account_id, actor, follow_id, state, created_at) VALUES (?, ?, ?, 'accepted', 0)`,
			acc.ID, bo.id, bo.id+"/follows/1")
		return err
	})
	reqs := make([]*http.Request, n)
	for i := range reqs {
		id := fmt.Sprintf("%s/notes/%d", bo.id, i)
		reqs[i] = bo.signedPost(b, "https://market.test/inbox", map[string]any{
			"@context": asContextIRI, "id": id + "/activity", "type": "Create", "actor": bo.id,
			"to": publicIRI, "object": map[string]any{"id": id, "type": "Note", "attributedTo": bo.id, "to": publicIRI,
				"content": "<p>A <b>lamp</b> from the 1970s, still works. 一盏七十年代的台灯。</p>", "published": "2026-11-25T02:46:18Z",
				"tag": []any{map[string]any{"type": "Hashtag", "name": "#lamp", "href": "https://remote.test/tags/lamp"}}},
		}, node.clock.Now())
	}
	return node, reqs
}

// BenchmarkInboxIngest: signed Create(Note) activities taken in per second,
// one after another (signature check with a cached key, digest, go-fed
// parsing, de-duplication, storing the note).
func BenchmarkInboxIngest(b *testing.B) {
	n, reqs := ingestSetup(b, b.N+1)
	if w := n.do(reqs[b.N]); w.Code != http.StatusAccepted { // fetch and cache bo's key
		b.Fatalf("warm-up = %d %s", w.Code, w.Body)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if w := n.do(reqs[i]); w.Code != http.StatusAccepted {
			b.Fatalf("= %d %s", w.Code, w.Body)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "activities/s")
}

// BenchmarkInboxIngestParallel: the same from concurrent senders.
func BenchmarkInboxIngestParallel(b *testing.B) {
	n, reqs := ingestSetup(b, b.N+1)
	n.do(reqs[b.N])
	var next atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if w := n.do(reqs[next.Add(1)-1]); w.Code != http.StatusAccepted {
				b.Errorf("= %d %s", w.Code, w.Body)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "activities/s")
}

// BenchmarkRSAVerify: the bare RSA-2048 PKCS#1 v1.5 SHA-256 verifications
// per second, the floor under signature checking.
func BenchmarkRSAVerify(b *testing.B) {
	k := testKey(b)
	msg := []byte("(request-target): post /inbox\nhost: market.test\ndate: Wed, 25 Nov 2026 02:46:16 GMT\ndigest: SHA-256=wf5sDghOYUA2J8NDoBLvVp8u1Th4QDVVvv+Wehqv+Dk=")
	sum := sha256.Sum256(msg)
	sig, _ := rsa.SignPKCS1v15(nil, k, crypto.SHA256, sum[:])
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		h := sha256.Sum256(msg)
		if err := rsa.VerifyPKCS1v15(&k.PublicKey, crypto.SHA256, h[:], sig); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifies/s")
}

// sinks are loopback inbox servers, each a host of its own (its port).
type sinks struct {
	srvs  []*httptest.Server
	got   atomic.Int64
	conns atomic.Int64 // connections accepted
}

func newSinks(b *testing.B, hosts int) *sinks {
	s := &sinks{}
	for i := 0; i < hosts; i++ {
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			if r.Header.Get("Signature") == "" {
				w.WriteHeader(401)
				return
			}
			s.got.Add(1)
			w.WriteHeader(http.StatusAccepted)
		}))
		srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
			if st == http.StateNew {
				s.conns.Add(1)
			}
		}
		srv.Start()
		b.Cleanup(srv.Close)
		s.srvs = append(s.srvs, srv)
	}
	return s
}

func (s *sinks) inbox(i int) string {
	return fmt.Sprintf("%s/users/u%d/inbox", s.srvs[i%len(s.srvs)].URL, i)
}

// fanScale is the size of the fan-out benchmarks: 1,000 followers on 50
// hosts, or SHIJI_FANOUT_FOLLOWERS followers on SHIJI_FANOUT_HOSTS hosts.
func fanScale(b *testing.B) (followers, hosts int) {
	followers, hosts = 1000, 50
	for _, v := range []struct {
		name string
		n    *int
	}{{"SHIJI_FANOUT_FOLLOWERS", &followers}, {"SHIJI_FANOUT_HOSTS", &hosts}} {
		if s := os.Getenv(v.name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n <= 0 {
				b.Fatalf("%s=%q: want a positive number", v.name, s)
			}
			*v.n = n
		}
	}
	return followers, hosts
}

// fanOutSetup is a running node whose stall (held by wang) is followed by
// the fanScale followers on loopback sinks, with the stall's key loaded.
func fanOutSetup(b *testing.B) (n *testNode, wang *node.Account, st *node.Stall, s *sinks, followers int) {
	followers, hosts := fanScale(b)
	n = newTestNode(b, "https://market.test", time.Now(), func(c *Config) { c.Transport, c.AllowPrivate = nil, true })
	wang = n.account("wang", node.RoleStallholder)
	st = n.stall(wang, "Bikes")
	s = newSinks(b, hosts)
	if err := n.db.Write(context.Background(), func(tx *sql.Tx) error {
		for i := 0; i < followers; i++ {
			if _, err := tx.Exec(`INSERT INTO ap_followers(actor, follower, inbox, follow_id, created_at) VALUES (?, ?, ?, ?, 0)`,
				stallKey(st.ID), fmt.Sprintf("https://f%d.test/u", i), s.inbox(i), fmt.Sprintf("https://f%d.test/f", i)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	n.f.keys.get(context.Background(), stallKey(st.ID))
	n.run()
	return n, wang, st, s, followers
}

// BenchmarkFanOut: one new item to the followers (no shared inboxes, so one
// signature each) on the loopback hosts of fanScale, through the whole path
// (render, queue rows, per-host limits, signing at send time, HTTP,
// recording); deliveries per second.
func BenchmarkFanOut(b *testing.B) {
	n, wang, st, s, fanFollowers := fanOutSetup(b)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		it := &node.Item{Stall: st.ID, Title: fmt.Sprintf("Bell %d", i), Price: node.Price{Kind: node.PriceFree}, Quantity: 1}
		if err := n.app.CreateItem(ctx, wang, it); err != nil {
			b.Fatal(err)
		}
		awaitFanOut(b, n, s, int64((i+1)*fanFollowers))
	}
	b.ReportMetric(float64(b.N*fanFollowers)/b.Elapsed().Seconds(), "deliveries/s")
	b.ReportMetric(float64(s.conns.Load())/float64(b.N), "conns/op")
}

// fanOutBound bounds how long a fan-out benchmark waits for one item's
// deliveries: a fan-out that stalls fails the benchmark instead of hanging it.
const fanOutBound = 3 * time.Minute

// awaitFanOut waits until the sinks have received want POSTs in all and the
// queue has recorded every delivery (no row left in ap_deliveries), within
// fanOutBound.
func awaitFanOut(b *testing.B, n *testNode, s *sinks, want int64) {
	b.Helper()
	deadline := time.Now().Add(fanOutBound)
	for s.got.Load() < want {
		if time.Now().After(deadline) {
			b.Fatalf("the sinks got %d POSTs in %v, want %d", s.got.Load(), fanOutBound, want)
		}
		time.Sleep(time.Millisecond)
	}
	for left := n.count(`SELECT count(*) FROM ap_deliveries`); left > 0; left = n.count(`SELECT count(*) FROM ap_deliveries`) {
		if time.Now().After(deadline) {
			b.Fatalf("%d deliveries still queued after %v", left, fanOutBound)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// BenchmarkBareSignedPosts: the same signed POSTs to the same sinks in a bare
// loop (sign, send, read the answer), one at a time and from 16 goroutines:
// what the queue's bookkeeping is measured against.
func BenchmarkBareSignedPosts(b *testing.B) {
	fanFollowers, fanHosts := fanScale(b)
	for _, par := range []int{1, 16} {
		b.Run(fmt.Sprintf("goroutines=%d", par), func(b *testing.B) {
			n := newTestNode(b, "https://market.test", time.Now(), func(c *Config) { c.Transport, c.AllowPrivate = nil, true })
			s := newSinks(b, fanHosts)
			n.f.keys.get(context.Background(), keyMarket)
			body := []byte(`{"@context":"https://www.w3.org/ns/activitystreams","type":"Create","object":{"type":"Note","content":"a bell"}}`)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				var wg sync.WaitGroup
				var next atomic.Int64
				for g := 0; g < par; g++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for j := int(next.Add(1) - 1); j < fanFollowers; j = int(next.Add(1) - 1) {
							if st, err := n.f.client.post(context.Background(), s.inbox(j), body, keyMarket); err != nil || st != 202 {
								b.Errorf("post = %d %v", st, err)
							}
						}
					}()
				}
				wg.Wait()
			}
			b.ReportMetric(float64(b.N*fanFollowers)/b.Elapsed().Seconds(), "deliveries/s")
			b.ReportMetric(float64(s.conns.Load())/float64(b.N), "conns/op")
		})
	}
}
