package push

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
	"github.com/shiji-market/shiji/node/i18n"
	"golang.org/x/crypto/hkdf"
)

// device is a browser's side of a subscription: its key pair and auth
// secret, and the push endpoint (a local push service) that receives.
type device struct {
	key    *ecdh.PrivateKey
	auth   []byte
	status int // what the push service answers
	mu     sync.Mutex
	got    []Payload
	vapid  []string
}

func newDevice(t *testing.T) (*device, *httptest.Server) {
	t.Helper()
	key, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	d := &device{key: key, auth: make([]byte, 16), status: http.StatusCreated}
	rand.Read(d.auth)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		d.mu.Lock()
		defer d.mu.Unlock()
		if r.Header.Get("Content-Encoding") != "aes128gcm" || r.Header.Get("TTL") == "" {
			t.Errorf("push headers: %v", r.Header)
		}
		d.vapid = append(d.vapid, r.Header.Get("Authorization"))
		plain, err := d.decrypt(body)
		if err != nil {
			t.Errorf("cannot decrypt the push: %v", err)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		var pl Payload
		if err := json.Unmarshal(plain, &pl); err != nil {
			t.Errorf("push payload %q: %v", plain, err)
		}
		d.got = append(d.got, pl)
		w.WriteHeader(d.status)
	}))
	t.Cleanup(srv.Close)
	return d, srv
}

func (d *device) keys() (p256dh, auth string) {
	return base64.RawURLEncoding.EncodeToString(d.key.PublicKey().Bytes()), base64.RawURLEncoding.EncodeToString(d.auth)
}

// decrypt undoes RFC 8291's aes128gcm encryption with the device's keys,
// as a browser does.
func (d *device) decrypt(body []byte) ([]byte, error) {
	if len(body) < 21 {
		return nil, io.ErrUnexpectedEOF
	}
	salt, rs, idlen := body[:16], binary.BigEndian.Uint32(body[16:20]), int(body[20])
	if rs < 18 || len(body) < 21+idlen {
		return nil, io.ErrUnexpectedEOF
	}
	asPublic, ciphertext := body[21:21+idlen], body[21+idlen:]
	pub, err := ecdh.P256().NewPublicKey(asPublic)
	if err != nil {
		return nil, err
	}
	secret, err := d.key.ECDH(pub)
	if err != nil {
		return nil, err
	}
	info := append(append([]byte("WebPush: info\x00"), d.key.PublicKey().Bytes()...), asPublic...)
	ikm := make([]byte, 32)
	if _, err := io.ReadFull(hkdf.New(sha256.New, secret, d.auth, info), ikm); err != nil {
		return nil, err
	}
	cek, nonce := make([]byte, 16), make([]byte, 12)
	io.ReadFull(hkdf.New(sha256.New, ikm, salt, []byte("Content-Encoding: aes128gcm\x00")), cek)
	io.ReadFull(hkdf.New(sha256.New, ikm, salt, []byte("Content-Encoding: nonce\x00")), nonce)
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	plain, err := gcm.Open(nil, nonce, ciphertext, nil)
	if err != nil {
		return nil, err
	}
	plain = bytes.TrimRight(plain, "\x00")
	if len(plain) == 0 || plain[len(plain)-1] != 2 { // the last record's delimiter
		return nil, io.ErrUnexpectedEOF
	}
	return plain[:len(plain)-1], nil
}

func (d *device) take() []Payload {
	d.mu.Lock()
	defer d.mu.Unlock()
	got := d.got
	d.got = nil
	return got
}

// TestPushesArriveEncryptedAndGoneSubscriptionsAreDropped runs the real
// pusher against two local push services: a question reaches the
// stallholder's device, the answer the resident's, a reservation request
// and its acceptance, the hand-over reminder an hour before the market
// opens (once), each decrypted with the device's keys; a kind nobody opted
// in to is not pushed; a 410 drops the subscription.
func TestPushesArriveEncryptedAndGoneSubscriptionsAreDropped(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2030, 6, 1, 9, 30, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	db, err := data.Open(ctx, filepath.Join(t.TempDir(), "shiji.db"), clock)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a := app.New(db, clock)
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	org, _ := a.AddAccount(ctx, "mei", node.RoleOrganiser, "a long secret phrase")
	wang, _ := a.AddAccount(ctx, "wang", node.RoleStallholder, "a long secret phrase")
	lin, err := a.AddAccount(ctx, "lin", node.RoleResident, "a long secret phrase")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.UpdateAccountProfile(ctx, lin.ID, "", "en"); err != nil {
		t.Fatal(err)
	}
	if err := a.SetSchedule(ctx, org, &node.Schedule{Dates: []node.DateRule{{Date: "2030-06-01", Hours: node.Hours{Start: 10 * 60, End: 13 * 60}}}}); err != nil {
		t.Fatal(err)
	}
	st := &node.Stall{Name: "Old Wang"}
	if err := a.CreateStall(ctx, wang, st); err != nil {
		t.Fatal(err)
	}
	if _, err := a.SetStallDays(ctx, wang, st.ID, []string{"2030-06-01"}); err != nil {
		t.Fatal(err)
	}
	bell := &node.Item{Stall: st.ID, Title: "Bell", Quantity: 2, Price: node.Price{Kind: node.PriceFree}}
	if err := a.CreateItem(ctx, wang, bell); err != nil {
		t.Fatal(err)
	}

	p, err := New(ctx, Pusher{App: a, Catalog: cat, BaseURL: "https://market.test", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	again, err := New(ctx, Pusher{App: a, Catalog: cat, BaseURL: "https://market.test"})
	if err != nil || again.PublicKey() != p.PublicKey() || len(p.PublicKey()) < 80 {
		t.Fatalf("VAPID keys are not kept: %q %q %v", p.PublicKey(), again.PublicKey(), err)
	}
	wangDev, wangSrv := newDevice(t)
	linDev, linSrv := newDevice(t)
	subscribe := func(acc *node.Account, d *device, srv *httptest.Server, kinds ...string) *data.PushSubscription {
		p256, auth := d.keys()
		s := &data.PushSubscription{Account: acc.ID, Endpoint: srv.URL + "/push/" + acc.Name, P256dh: p256, Auth: auth, Kinds: kinds}
		if err := db.SavePushSubscription(ctx, s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	subscribe(wang, wangDev, wangSrv, KindQuestion, KindTrade, KindReminder)
	subscribe(lin, linDev, linSrv, KindAnswer, KindTrade) // no reminders

	// A question from lin reaches Wang (in the market's language, zh-Hans).
	if _, err := a.Post(ctx, lin, app.PostInput{Item: bell.ID, Body: "Does it ring?"}); err != nil {
		t.Fatal(err)
	}
	if n, err := p.Flush(ctx); err != nil || n != 1 {
		t.Fatalf("flush = %d, %v", n, err)
	}
	got := wangDev.take()
	if len(got) != 1 || got[0].Title != "@lin 问了你的东西" || got[0].Body != "Does it ring?" ||
		got[0].URL != "https://market.test"+node.ItemPath(bell.ID)+"#thread" {
		t.Fatalf("Wang got %+v", got)
	}
	if v := wangDev.vapid[0]; !strings.HasPrefix(v, "vapid t=") || !strings.HasSuffix(v, "k="+p.PublicKey()) {
		t.Errorf("VAPID header %q", v)
	}
	if n, _ := p.Flush(ctx); n != 0 || len(wangDev.take()) != 0 {
		t.Fatal("a notification was pushed twice")
	}
	// The answer reaches lin, in English (her setting).
	if _, err := a.Post(ctx, wang, app.PostInput{Item: bell.ID, Body: "Like a temple bell."}); err != nil {
		t.Fatal(err)
	}
	p.Flush(ctx)
	if got := linDev.take(); len(got) != 1 || got[0].Title != "@wang answered your question" {
		t.Fatalf("lin got %+v", got)
	}
	// A reservation request goes to Wang, the acceptance to lin.
	tr, err := a.Reserve(ctx, lin, bell.ID, app.ReserveInput{Quantity: 1, Day: "2030-06-01"})
	if err != nil {
		t.Fatal(err)
	}
	p.Flush(ctx)
	if got := wangDev.take(); len(got) != 1 || got[0].Title != "@lin 想预订一件东西" || got[0].URL != "https://market.test/trades" {
		t.Fatalf("Wang got %+v", got)
	}
	if _, err := a.AcceptTrade(ctx, wang, tr.ID); err != nil {
		t.Fatal(err)
	}
	p.Flush(ctx)
	if got := linDev.take(); len(got) != 1 || got[0].Title != "@wang accepted your reservation" {
		t.Fatalf("lin got %+v", got)
	}
	// At 9:30 the market opens at 10:00: Wang (who wants reminders) is
	// reminded once; lin did not ask for reminders.
	if n, err := p.Remind(ctx); err != nil || n != 1 {
		t.Fatalf("remind = %d, %v", n, err)
	}
	if got := wangDev.take(); len(got) != 1 || got[0].Title != "市集一小时后开张" || !strings.Contains(got[0].Body, "10:00") {
		t.Fatalf("reminder %+v", got)
	}
	if n, _ := p.Remind(ctx); n != 0 || len(linDev.take()) != 0 {
		t.Fatal("reminded twice, or someone who did not ask")
	}
	// The push service says lin's subscription is gone: it is dropped.
	linDev.status = http.StatusGone
	if _, err := a.Post(ctx, wang, app.PostInput{Item: bell.ID, Body: "See you at ten."}); err != nil {
		t.Fatal(err)
	}
	p.Flush(ctx)
	if subs, _ := db.PushSubscriptions(ctx, lin.ID); len(subs) != 0 {
		t.Fatalf("a gone subscription stays: %+v", subs)
	}
	if subs, _ := db.PushSubscriptions(ctx, wang.ID); len(subs) != 1 || subs[0].LastSentAt.IsZero() {
		t.Fatalf("Wang's subscription: %+v", subs)
	}
}
