package authbridge

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// clientAssertionType is the RFC 7523 §2.2 client_assertion_type.
const clientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// assertionLifetime is how long a client assertion is valid; short, since
// each one is used for a single request.
const assertionLifetime = time.Minute

// assertionSigner mints RFC 7523 client assertions for private_key_jwt.
type assertionSigner struct {
	signer   jose.Signer
	clientID string
	audience string
	now      func() time.Time
}

// newAssertionSigner parses a PEM private key and prepares a signer. alg
// may be empty to pick RS256 for RSA and ES256 for P-256 keys.
func newAssertionSigner(pemKey, keyID, alg, clientID, tokenURL string, now func() time.Time) (*assertionSigner, error) {
	key, err := parsePrivateKey(pemKey)
	if err != nil {
		return nil, err
	}
	sigAlg, err := signingAlgorithm(key, alg)
	if err != nil {
		return nil, err
	}
	jwk := jose.JSONWebKey{Key: key, KeyID: keyID}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: sigAlg, Key: jwk}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return nil, fmt.Errorf("prepare signer: %w", err)
	}
	return &assertionSigner{signer: s, clientID: clientID, audience: tokenURL, now: now}, nil
}

// sign returns a fresh assertion: iss = sub = client ID, aud = token URL,
// a random jti and a one-minute lifetime.
func (a *assertionSigner) sign() (string, error) {
	now := a.now()
	claims := jwt.Claims{
		Issuer:    a.clientID,
		Subject:   a.clientID,
		Audience:  jwt.Audience{a.audience},
		ID:        rand.Text(),
		IssuedAt:  jwt.NewNumericDate(now),
		NotBefore: jwt.NewNumericDate(now),
		Expiry:    jwt.NewNumericDate(now.Add(assertionLifetime)),
	}
	s, err := jwt.Signed(a.signer).Claims(claims).Serialize()
	if err != nil {
		return "", fmt.Errorf("sign client assertion: %w", err)
	}
	return s, nil
}

// parsePrivateKey reads the first PEM block as PKCS#8, PKCS#1 or SEC 1.
// Errors never quote the key.
func parsePrivateKey(pemKey string) (crypto.Signer, error) {
	block, _ := pem.Decode([]byte(pemKey))
	if block == nil {
		return nil, errors.New("no PEM block found")
	}
	if k, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
		s, ok := k.(crypto.Signer)
		if !ok {
			return nil, fmt.Errorf("unsupported PKCS#8 key type %T", k)
		}
		return s, nil
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	if k, err := x509.ParseECPrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	return nil, fmt.Errorf("PEM block %q is not a PKCS#8, PKCS#1 or SEC 1 private key", block.Type)
}

// signingAlgorithm checks that alg fits key, or picks the default.
func signingAlgorithm(key crypto.Signer, alg string) (jose.SignatureAlgorithm, error) {
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if k.N.BitLen() < 2048 {
			return "", fmt.Errorf("RSA key of %d bits is too short; use at least 2048", k.N.BitLen())
		}
		switch alg {
		case "", "RS256":
			return jose.RS256, nil
		case "PS256":
			return jose.PS256, nil
		}
	case *ecdsa.PrivateKey:
		if k.Curve != elliptic.P256() {
			return "", errors.New("EC keys must use curve P-256")
		}
		if alg == "" || alg == "ES256" {
			return jose.ES256, nil
		}
	default:
		return "", fmt.Errorf("unsupported key type %T; use RSA or EC P-256", key)
	}
	return "", fmt.Errorf("algorithm %s does not fit a %T key", alg, key)
}
