package federation

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// The public keys remote actors publish, in every shape found in the wild:
//
//   - publicKey: one object or an array of them, {id, owner, publicKeyPem},
//     the PEM an RSA key in PKIX ("PUBLIC KEY": Mastodon, GoToSocial,
//     PeerTube, Lemmy) or PKCS#1 ("RSA PUBLIC KEY": Mobilizon) form, or an
//     Ed25519 key in PKIX form;
//   - assertionMethod (FEP-521a): Multikeys {id, controller,
//     publicKeyMultibase}, the multibase a base58btc ("z…") multicodec key,
//     Ed25519 (0xed) or RSA (0x1205, PKCS#1 DER).
//
// A key counts only when its owner (controller) is the actor that lists it.

// Key kinds, as stored in ap_actor_keys.
const (
	kindRSA     = "rsa"
	kindEd25519 = "ed25519"
)

// remotePublicKey is one public key of a remote actor.
type remotePublicKey struct {
	ID    string
	Owner string
	Kind  string // kindRSA or kindEd25519
	PEM   string // PKIX PEM
}

// publicKeysOf reads the keys the actor id holds from its raw document.
func publicKeysOf(id string, m map[string]any) []remotePublicKey {
	var out []remotePublicKey
	seen := map[string]bool{}
	add := func(k remotePublicKey) {
		if k.ID == "" || seen[k.ID] || k.Owner != id || !sameHost(k.ID, id) {
			return
		}
		seen[k.ID] = true
		out = append(out, k)
	}
	for _, v := range listOf(m["publicKey"]) {
		km, ok := v.(map[string]any)
		if !ok {
			continue
		}
		pub, kind, err := parseAnyPublicKeyPEM(str(km, "publicKeyPem"))
		if err != nil {
			continue
		}
		p, err := pkixPEM(pub)
		if err != nil {
			continue
		}
		owner := refOf(km["owner"])
		if owner == "" {
			owner = refOf(km["controller"])
		}
		add(remotePublicKey{ID: str(km, "id"), Owner: owner, Kind: kind, PEM: p})
	}
	for _, v := range listOf(m["assertionMethod"]) {
		km, ok := v.(map[string]any)
		if !ok || !hasType(km, "Multikey") {
			continue
		}
		pub, kind, err := decodeMultikey(str(km, "publicKeyMultibase"))
		if err != nil {
			continue
		}
		p, err := pkixPEM(pub)
		if err != nil {
			continue
		}
		add(remotePublicKey{ID: str(km, "id"), Owner: refOf(km["controller"]), Kind: kind, PEM: p})
	}
	return out
}

// keyOwnerIn returns who a key document says owns keyID: a bare Key,
// CryptographicKey or Multikey names it in owner (controller); GoToSocial's
// key document is a minimal actor whose publicKey (with that id) does.
func keyOwnerIn(m map[string]any, keyID string) string {
	docURL, _, _ := strings.Cut(keyID, "#")
	if id := str(m, "id"); id == keyID || id == docURL {
		if o := refOf(m["owner"]); o != "" {
			return o
		}
		if o := refOf(m["controller"]); o != "" {
			return o
		}
	}
	for _, prop := range []string{"publicKey", "assertionMethod", "verificationMethod"} {
		for _, v := range listOf(m[prop]) {
			km, ok := v.(map[string]any)
			if !ok || str(km, "id") != keyID {
				continue
			}
			if o := refOf(km["owner"]); o != "" {
				return o
			}
			if o := refOf(km["controller"]); o != "" {
				return o
			}
		}
	}
	return ""
}

// listOf is a JSON value as a list: an array as it is, anything else as a
// list of one (nil as none).
func listOf(v any) []any {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		return x
	}
	return []any{v}
}

// hasType reports whether a raw object's type is (or includes) t.
func hasType(m map[string]any, t string) bool {
	for _, v := range listOf(m["type"]) {
		if s, _ := v.(string); s == t {
			return true
		}
	}
	return false
}

// parseAnyPublicKeyPEM reads an RSA (PKIX or PKCS#1) or Ed25519 (PKIX)
// public key.
func parseAnyPublicKeyPEM(s string) (crypto.PublicKey, string, error) {
	b, _ := pem.Decode([]byte(strings.TrimSpace(s)))
	if b == nil {
		return nil, "", fmt.Errorf("public key is not PEM")
	}
	if pub, err := x509.ParsePKIXPublicKey(b.Bytes); err == nil {
		switch k := pub.(type) {
		case *rsa.PublicKey:
			return k, kindRSA, nil
		case ed25519.PublicKey:
			return k, kindEd25519, nil
		}
		return nil, "", fmt.Errorf("public key is neither RSA nor Ed25519")
	}
	k, err := x509.ParsePKCS1PublicKey(b.Bytes)
	if err != nil {
		return nil, "", fmt.Errorf("public key cannot be read: %w", err)
	}
	return k, kindRSA, nil
}

// pkixPEM writes a public key as PKIX PEM.
func pkixPEM(pub crypto.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), nil
}

// decodeMultikey reads an FEP-521a publicKeyMultibase: "z" (base58btc) and a
// multicodec varint prefix, ed25519-pub (0xed 0x01) or rsa-pub (0x85 0x24,
// then PKCS#1 DER).
func decodeMultikey(s string) (crypto.PublicKey, string, error) {
	if !strings.HasPrefix(s, "z") {
		return nil, "", fmt.Errorf("multibase %q is not base58btc", truncate(s, 12))
	}
	b, err := base58Decode(s[1:])
	if err != nil {
		return nil, "", err
	}
	switch {
	case len(b) == 34 && b[0] == 0xed && b[1] == 0x01:
		return ed25519.PublicKey(b[2:]), kindEd25519, nil
	case len(b) > 2 && b[0] == 0x85 && b[1] == 0x24:
		k, err := x509.ParsePKCS1PublicKey(b[2:])
		if err != nil {
			return nil, "", fmt.Errorf("multikey: %w", err)
		}
		return k, kindRSA, nil
	}
	return nil, "", errors.New("multikey is neither an Ed25519 nor an RSA key")
}

const base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

// base58Decode decodes Bitcoin's base58 (leading '1's are zero bytes).
func base58Decode(s string) ([]byte, error) {
	if len(s) > 2048 {
		return nil, errors.New("base58: too long")
	}
	n := new(big.Int)
	radix := big.NewInt(58)
	for _, c := range []byte(s) {
		d := strings.IndexByte(base58Alphabet, c)
		if d < 0 {
			return nil, fmt.Errorf("base58: invalid character %q", c)
		}
		n.Mul(n, radix)
		n.Add(n, big.NewInt(int64(d)))
	}
	zeros := 0
	for zeros < len(s) && s[zeros] == '1' {
		zeros++
	}
	return append(make([]byte, zeros), n.Bytes()...), nil
}
