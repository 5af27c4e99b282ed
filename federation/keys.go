package federation

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"database/sql"
	"encoding/pem"
	"errors"
	"fmt"
	"sync"
)

// keyBits is the size of the actors' RSA keys (what Mastodon expects).
const keyBits = 2048

// keyring hands out each local actor's RSA key pair: made once on first use,
// stored in ap_keys and kept parsed in memory.
type keyring struct {
	f   *Federation
	mu  sync.Mutex
	gen sync.Mutex // one key generation at a time
	m   map[string]*actorKey
}

type actorKey struct {
	priv      *rsa.PrivateKey
	publicPEM string
}

func newKeyring(f *Federation) *keyring { return &keyring{f: f, m: map[string]*actorKey{}} }

// get returns the key pair of the local actor key, generating and storing it
// when the actor has none yet.
func (k *keyring) get(ctx context.Context, actor string) (*actorKey, error) {
	k.mu.Lock()
	ak := k.m[actor]
	k.mu.Unlock()
	if ak != nil {
		return ak, nil
	}
	ak, err := k.load(ctx, actor)
	if errors.Is(err, sql.ErrNoRows) {
		k.gen.Lock()
		defer k.gen.Unlock()
		if ak, err = k.load(ctx, actor); errors.Is(err, sql.ErrNoRows) {
			ak, err = k.generate(ctx, actor)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("federation: key of %s: %w", actor, err)
	}
	k.mu.Lock()
	k.m[actor] = ak
	k.mu.Unlock()
	return ak, nil
}

func (k *keyring) load(ctx context.Context, actor string) (*actorKey, error) {
	var privPEM, pubPEM string
	err := k.f.db.Read().QueryRowContext(ctx, `SELECT private_pem, public_pem FROM ap_keys WHERE actor = ?`, actor).Scan(&privPEM, &pubPEM)
	if err != nil {
		return nil, err
	}
	b, _ := pem.Decode([]byte(privPEM))
	if b == nil {
		return nil, fmt.Errorf("stored private key is not PEM")
	}
	priv, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		return nil, err
	}
	rk, ok := priv.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("stored private key is not RSA")
	}
	return &actorKey{priv: rk, publicPEM: pubPEM}, nil
}

func (k *keyring) generate(ctx context.Context, actor string) (*actorKey, error) {
	priv, err := rsa.GenerateKey(rand.Reader, keyBits)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, err
	}
	pubDER, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		return nil, err
	}
	privPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	pubPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}))
	err = k.f.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO ap_keys(actor, private_pem, public_pem, created_at) VALUES (?, ?, ?, ?)`,
			actor, privPEM, pubPEM, k.f.now().Unix())
		return err
	})
	if err != nil {
		return nil, err
	}
	return k.load(ctx, actor) // whatever is stored wins
}

// pemCache keeps parsed remote public keys by their PEM text (parsing costs
// about as much as verifying).
type pemCache struct {
	mu sync.Mutex
	m  map[string]crypto.PublicKey
}

// publicKey parses (or recalls) an RSA or Ed25519 public key PEM.
func (c *pemCache) publicKey(s string) (crypto.PublicKey, error) {
	c.mu.Lock()
	k := c.m[s]
	c.mu.Unlock()
	if k != nil {
		return k, nil
	}
	k, _, err := parseAnyPublicKeyPEM(s)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) > 4096 {
		c.m = map[string]crypto.PublicKey{}
	}
	c.m[s] = k
	c.mu.Unlock()
	return k, nil
}
