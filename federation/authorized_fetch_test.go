package federation

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-fed/httpsig"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
)

// signedGet builds a GET of url signed by k at now, as Mastodon signs fetches.
func (k *remoteKey) signedGet(t testing.TB, url string, now time.Time) *http.Request {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, url, nil)
	r.Header.Set("Accept", contentTypeAS)
	r.Header.Set("Date", now.UTC().Format(http.TimeFormat))
	r.Header.Set("Host", r.Host)
	s, _, err := httpsig.NewSigner([]httpsig.Algorithm{httpsig.RSA_SHA256}, httpsig.DigestSha256,
		[]string{httpsig.RequestTarget, "host", "date"}, httpsig.Signature, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SignRequest(k.priv, k.keyID, r, nil); err != nil {
		t.Fatal(err)
	}
	r.Header.Del("Host")
	return r
}

// Who may read our ActivityStreams documents: anyone by default, but never
// a blocked server; with authorized fetch, only verified signers (the
// instance actor stays readable, or no peer could verify our fetches).
func TestAuthorizedFetch(t *testing.T) {
	for _, secure := range []bool{false, true} {
		t.Run(fmt.Sprintf("authorized=%v", secure), func(t *testing.T) {
			ctx := context.Background()
			n := newTestNode(t, "https://market.test", time.Now(), func(c *Config) { c.AuthorizedFetch = secure })
			mei := n.account("mei", node.RoleOrganiser)
			wang := n.account("wang", node.RoleStallholder)
			st := n.stall(wang, "Bikes")
			amy := newRemote(t, n.net, "https://good.test/users/amy", "")
			troll := newRemote(t, n.net, "https://bad.test/users/troll", "")
			forger := &remoteKey{id: amy.id, keyID: amy.keyID, priv: testKey(t)} // amy's key id, another key
			if _, err := n.app.AddFedBlock(ctx, mei, app.BlockInput{Domain: "bad.test"}); err != nil {
				t.Fatal(err)
			}
			stall := fmt.Sprintf("https://market.test/stalls/%d", st.ID)
			docs := []string{stall, "https://market.test/market", "https://market.test/users/wang", stall + "/followers",
				"https://market.test/users/wang/outbox"}
			for _, u := range docs {
				unsigned := httptest.NewRequest(http.MethodGet, u, nil)
				unsigned.Header.Set("Accept", contentTypeAS)
				cases := []struct {
					name string
					r    *http.Request
					want int
				}{
					{"signed by amy", amy.signedGet(t, u, n.clock.Now()), 200},
					{"signed by a blocked server", troll.signedGet(t, u, n.clock.Now()), 403},
					{"unsigned", unsigned, map[bool]int{false: 200, true: 401}[secure]},
					{"forged", forger.signedGet(t, u, n.clock.Now()), map[bool]int{false: 200, true: 401}[secure]},
					{"stale", amy.signedGet(t, u, n.clock.Now().Add(-13*time.Hour)), map[bool]int{false: 200, true: 401}[secure]},
				}
				for _, tc := range cases {
					w := n.do(tc.r)
					if w.Code != tc.want {
						t.Errorf("%s %s = %d %s, want %d", tc.name, u, w.Code, w.Body, tc.want)
					}
					if secure && w.Header().Get("Cache-Control") != "private" {
						t.Errorf("%s %s: Cache-Control = %q", tc.name, u, w.Header().Get("Cache-Control"))
					}
				}
			}
			// The instance actor is always readable unsigned; a browser asking
			// for the stall's page goes on to the HTML (404 in this harness, not 401).
			if w := n.get("/actor", "Accept", contentTypeAS); w.Code != 200 {
				t.Errorf("instance actor = %d", w.Code)
			}
			if w := n.get(fmt.Sprintf("/stalls/%d", st.ID), "Accept", "text/html"); w.Code == 401 || w.Code == 403 {
				t.Errorf("HTML page = %d", w.Code)
			}
		})
	}
}
