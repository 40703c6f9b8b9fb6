package oidctest

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"strconv"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Claims is the payload of a minted token.
type Claims map[string]any

// AccessClaims returns RFC 9068 style claims for an access token issued by
// s to audience: iss, sub "user-1", aud, client_id "client-1", iat and nbf
// now, exp in one hour, a unique jti and, when scopes are given, a
// space-separated "scope". Tests edit the map before minting.
func (s *Server) AccessClaims(audience string, scopes ...string) Claims {
	now := s.now()
	s.mu.Lock()
	s.seq++
	jti := "jti-" + strconv.Itoa(s.seq)
	s.mu.Unlock()
	c := Claims{
		"iss":       s.issuer,
		"sub":       "user-1",
		"aud":       audience,
		"client_id": "client-1",
		"iat":       now.Unix(),
		"nbf":       now.Unix(),
		"exp":       now.Add(time.Hour).Unix(),
		"jti":       jti,
	}
	if len(scopes) > 0 {
		c["scope"] = strings.Join(scopes, " ")
	}
	return c
}

// MintOption changes how [Server.Mint] builds a token.
type MintOption func(*mintConfig)

type mintConfig struct {
	alg        string
	kid        *string
	typ        string
	headers    map[string]any
	algNone    bool
	hmacPublic bool
	foreign    bool
}

// WithAlg selects the signing algorithm: RS256 (default), RS384, RS512,
// PS256, PS384, PS512 use the RSA key, ES256 the P-256 key, EdDSA the
// Ed25519 key.
func WithAlg(alg string) MintOption { return func(c *mintConfig) { c.alg = alg } }

// WithKID overrides the kid header; an empty kid omits the header.
func WithKID(kid string) MintOption { return func(c *mintConfig) { c.kid = &kid } }

// WithTyp overrides the typ header (default "at+jwt"); an empty value omits
// it.
func WithTyp(typ string) MintOption { return func(c *mintConfig) { c.typ = typ } }

// WithHeader adds or replaces a protected header parameter.
func WithHeader(name string, value any) MintOption {
	return func(c *mintConfig) { c.headers[name] = value }
}

// WithAlgNone produces an unsecured JWT: alg "none" and an empty signature.
func WithAlgNone() MintOption { return func(c *mintConfig) { c.algNone = true } }

// WithHS256PublicKey forges an HS256 token whose HMAC key is the PEM
// encoding of the server's current RSA public key (the classic algorithm
// confusion attack).
func WithHS256PublicKey() MintOption { return func(c *mintConfig) { c.hmacPublic = true } }

// WithForeignKey signs with an RSA key that is never published, while
// keeping the kid of the current published RSA key.
func WithForeignKey() MintOption { return func(c *mintConfig) { c.foreign = true } }

// Mint signs claims with the server's current key and returns the compact
// JWS. It fails the test on signing errors.
func (s *Server) Mint(t testing.TB, claims Claims, opts ...MintOption) string {
	t.Helper()
	cfg := mintConfig{alg: "RS256", typ: "at+jwt", headers: map[string]any{}}
	for _, o := range opts {
		o(&cfg)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatalf("oidctest: marshal claims: %v", err)
	}
	if cfg.algNone || cfg.hmacPublic {
		return s.mintUnsafe(t, cfg, payload)
	}
	key, err := s.signingKey(cfg)
	if err != nil {
		t.Fatalf("oidctest: %v", err)
	}
	so := &jose.SignerOptions{}
	if cfg.typ != "" {
		so = so.WithType(jose.ContentType(cfg.typ))
	}
	for k, v := range cfg.headers {
		so = so.WithHeader(jose.HeaderKey(k), v)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(cfg.alg), Key: key}, so)
	if err != nil {
		t.Fatalf("oidctest: new signer: %v", err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		t.Fatalf("oidctest: sign: %v", err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		t.Fatalf("oidctest: serialize: %v", err)
	}
	return out
}

func (s *Server) signingKey(cfg mintConfig) (jose.JSONWebKey, error) {
	s.mu.Lock()
	k := s.current[familyFor(cfg.alg)]
	foreign := s.foreign
	s.mu.Unlock()
	jwk := jose.JSONWebKey{Key: k.priv, KeyID: k.kid}
	if cfg.foreign {
		if foreign == nil {
			var err error
			if foreign, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
				return jwk, err
			}
			s.mu.Lock()
			s.foreign = foreign
			s.mu.Unlock()
		}
		jwk.Key = foreign
		jwk.KeyID = s.KeyID("RS256")
	}
	if cfg.kid != nil {
		jwk.KeyID = *cfg.kid
	}
	return jwk, nil
}

// mintUnsafe builds tokens go-jose refuses to produce: alg none and HMAC
// keyed with public key material.
func (s *Server) mintUnsafe(t testing.TB, cfg mintConfig, payload []byte) string {
	t.Helper()
	hdr := map[string]any{"alg": "none"}
	if cfg.hmacPublic {
		hdr["alg"] = "HS256"
	}
	if cfg.typ != "" {
		hdr["typ"] = cfg.typ
	}
	hdr["kid"] = s.KeyID("RS256")
	if cfg.kid != nil {
		if *cfg.kid == "" {
			delete(hdr, "kid")
		} else {
			hdr["kid"] = *cfg.kid
		}
	}
	for k, v := range cfg.headers {
		hdr[k] = v
	}
	hb, err := json.Marshal(hdr)
	if err != nil {
		t.Fatalf("oidctest: marshal header: %v", err)
	}
	enc := base64.RawURLEncoding
	input := enc.EncodeToString(hb) + "." + enc.EncodeToString(payload)
	if !cfg.hmacPublic {
		return input + "."
	}
	s.mu.Lock()
	pub := s.current[familyRSA].pub
	s.mu.Unlock()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatalf("oidctest: marshal public key: %v", err)
	}
	secret := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(input))
	return input + "." + enc.EncodeToString(mac.Sum(nil))
}

func familyFor(alg string) keyFamily {
	switch {
	case strings.HasPrefix(alg, "ES"):
		return familyEC
	case alg == "EdDSA":
		return familyEd
	default:
		return familyRSA
	}
}
