package federation

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/go-fed/httpsig"
	"github.com/shiji-market/shiji/node"
)

// maxSkew is how far a signed request's Date may be from our clock (Mastodon
// allows 12 h).
const maxSkew = 12 * time.Hour

// sign signs r as the local actor key as Mastodon expects (draft-cavage,
// rsa-sha256): POST with (request-target) host date digest, GET with
// (request-target) host date. go-fed/httpsig v1.1.0 never sets Host and
// always writes algorithm="hs2019" (STACK.md §1.2.1, §1.2.4): Host is set
// here and the unsigned algorithm parameter is relabelled.
func (f *Federation) sign(ctx context.Context, r *http.Request, as string, body []byte) error {
	a, err := f.signerActor(ctx, as)
	if err != nil {
		return err
	}
	key, err := f.keys.get(ctx, as)
	if err != nil {
		return err
	}
	headers := []string{httpsig.RequestTarget, "host", "date"}
	if r.Method == http.MethodPost {
		headers = append(headers, "digest")
	}
	s, _, err := httpsig.NewSigner([]httpsig.Algorithm{httpsig.RSA_SHA256}, httpsig.DigestSha256, headers, httpsig.Signature, 0)
	if err != nil {
		return fmt.Errorf("federation: signer: %w", err)
	}
	r.Host = r.URL.Host
	r.Header.Set("Host", r.URL.Host)
	r.Header.Set("Date", f.now().UTC().Format(http.TimeFormat))
	if r.Method != http.MethodPost {
		body = nil
	} else if body == nil {
		body = []byte{} // httpsig adds a Digest only for a non-nil body
	}
	if err := s.SignRequest(key.priv, f.u.keyID(a), r, body); err != nil {
		return fmt.Errorf("federation: sign: %w", err)
	}
	r.Header.Set("Signature", strings.Replace(r.Header.Get("Signature"), `algorithm="hs2019"`, `algorithm="rsa-sha256"`, 1))
	return nil
}

// signerActor returns the actor id of a local actor key.
func (f *Federation) signerActor(ctx context.Context, key string) (string, error) {
	switch {
	case key == keyMarket:
		return f.u.market(), nil
	case key == keyInstance:
		return f.u.instance(), nil
	case strings.HasPrefix(key, "stall:"):
		var id node.StallID
		if _, err := fmt.Sscanf(key, "stall:%d", &id); err != nil {
			return "", err
		}
		return f.u.stall(id), nil
	case strings.HasPrefix(key, "account:"):
		var id node.AccountID
		if _, err := fmt.Sscanf(key, "account:%d", &id); err != nil {
			return "", err
		}
		name, err := f.db.AccountName(ctx, id) // a deleted account still signs its Delete
		if err != nil {
			return "", err
		}
		return f.u.person(name), nil
	}
	return "", fmt.Errorf("federation: unknown local actor %q", key)
}

// sigParams are the parameters of a Signature header.
type sigParams struct {
	keyID, algorithm string
	headers          []string
}

// parseSignature reads a draft-cavage Signature header.
func parseSignature(h string) (sigParams, error) {
	var p sigParams
	for _, part := range strings.Split(h, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		v = strings.Trim(v, `"`)
		switch strings.ToLower(k) {
		case "keyid":
			p.keyID = v
		case "algorithm":
			p.algorithm = strings.ToLower(v)
		case "headers":
			p.headers = strings.Fields(strings.ToLower(v))
		}
	}
	if p.keyID == "" {
		return p, fmt.Errorf("the Signature has no keyId")
	}
	if len(p.headers) == 0 {
		p.headers = []string{"date"} // the draft's default
	}
	return p, nil
}

// signedRequest is what checkRequest learned from a request's signature.
type signedRequest struct {
	params sigParams
	v      httpsig.Verifier
}

// checkRequest checks everything about a signed request except the signature
// itself: the Signature parameters, the required signed headers ((request-target),
// host, date and, for POST, digest), the Date window and, for POST, that the
// Digest matches body (httpsig never checks the body: STACK.md §1.2.3). Every
// failure is EUNAUTHORIZED.
func (f *Federation) checkRequest(r *http.Request, body []byte) (*signedRequest, error) {
	h := r.Header.Get("Signature")
	if h == "" {
		return nil, node.Errorf(node.EUNAUTHORIZED, "The request is not signed (no Signature header).")
	}
	p, err := parseSignature(h)
	if err != nil {
		return nil, node.Errorf(node.EUNAUTHORIZED, "The Signature header is malformed: %v.", err)
	}
	switch p.algorithm {
	case "", "hs2019", "rsa-sha256", "rsa-sha512", "ed25519":
	default:
		return nil, node.Errorf(node.EUNAUTHORIZED, "Unsupported signature algorithm %q; use rsa-sha256, rsa-sha512, ed25519 or hs2019.", p.algorithm)
	}
	need := []string{"(request-target)", "host", "date"}
	if r.Method == http.MethodPost {
		need = append(need, "digest")
	}
	for _, n := range need {
		if !contains(p.headers, n) {
			return nil, node.Errorf(node.EUNAUTHORIZED, "The signature must cover %q.", n)
		}
	}
	d, err := http.ParseTime(r.Header.Get("Date"))
	if err != nil {
		return nil, node.Errorf(node.EUNAUTHORIZED, "The Date header is missing or malformed.")
	}
	if skew := f.now().Sub(d); skew > maxSkew || skew < -maxSkew {
		return nil, node.Errorf(node.EUNAUTHORIZED, "The Date header is more than 12 hours off (%s).", d.UTC().Format(time.RFC3339))
	}
	if r.Method == http.MethodPost && !digestMatches(r.Header.Values("Digest"), body) {
		return nil, node.Errorf(node.EUNAUTHORIZED, "The Digest header does not match the body.")
	}
	if r.Header.Get("Host") == "" && r.Host != "" {
		r.Header.Set("Host", r.Host) // the server takes Host out of the header map
	}
	v, err := httpsig.NewVerifier(r)
	if err != nil {
		return nil, node.Errorf(node.EUNAUTHORIZED, "The Signature header is malformed: %v.", err)
	}
	return &signedRequest{params: p, v: v}, nil
}

// digestMatches reports whether one SHA-256 entry of the Digest headers is
// the body's hash.
func digestMatches(values []string, body []byte) bool {
	sum := sha256.Sum256(body)
	want := base64.StdEncoding.EncodeToString(sum[:])
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			alg, val, ok := strings.Cut(strings.TrimSpace(part), "=")
			if ok && strings.EqualFold(alg, "SHA-256") && subtle.ConstantTimeCompare([]byte(val), []byte(want)) == 1 {
				return true
			}
		}
	}
	return false
}

// verifySigned checks a request's signature against its key, fetched (or
// taken from the cache) by keyId; when it fails with a cached key, the key is
// fetched once more (rotation), at most once a minute per key. RSA keys
// verify rsa-sha256 and rsa-sha512, Ed25519 keys ed25519; hs2019 (or no
// algorithm) takes whichever the key's kind allows, as GoToSocial does. It
// returns the key's owner. Every failure is EUNAUTHORIZED.
func (f *Federation) verifySigned(ctx context.Context, s *signedRequest) (*remoteActor, error) {
	for refresh := false; ; refresh = true {
		a, k, fresh, err := f.signerKey(ctx, s.params.keyID, refresh)
		if err != nil {
			f.log.Debug("signature key unavailable", "key", s.params.keyID, "err", err)
			return nil, node.Errorf(node.EUNAUTHORIZED, "The signing key %s could not be fetched.", s.params.keyID)
		}
		pub, err := f.pems.publicKey(k.PEM)
		if err == nil {
			for _, algo := range algorithmsFor(s.params.algorithm, k.Kind) {
				if err = s.v.Verify(pub, algo); err == nil {
					return a, nil
				}
			}
		}
		if refresh || fresh || !f.refetch.allow(s.params.keyID, f.now()) {
			return nil, node.Errorf(node.EUNAUTHORIZED, "The signature does not verify.")
		}
	}
}

// algorithmsFor is what a signature's algorithm parameter allows with a key
// of kind.
func algorithmsFor(param, kind string) []httpsig.Algorithm {
	if kind == kindEd25519 {
		if param == "" || param == "hs2019" || param == "ed25519" {
			return []httpsig.Algorithm{httpsig.ED25519}
		}
		return nil
	}
	switch param {
	case "rsa-sha256":
		return []httpsig.Algorithm{httpsig.RSA_SHA256}
	case "rsa-sha512":
		return []httpsig.Algorithm{httpsig.RSA_SHA512}
	case "", "hs2019":
		return []httpsig.Algorithm{httpsig.RSA_SHA256, httpsig.RSA_SHA512}
	}
	return nil
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
