package oidctest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/google/go-cmp/cmp"
)

func TestDiscoveryDocuments(t *testing.T) {
	s := New(t, &Options{Path: "/tenant1", Discovery: ServeRFC8414 | ServeOIDCAppended})
	for path, want := range map[string]int{
		"/.well-known/oauth-authorization-server/tenant1": 200,
		"/.well-known/openid-configuration/tenant1":       404,
		"/tenant1/.well-known/openid-configuration":       200,
	} {
		code, doc := GetJSON(t, s.URL()+path)
		if code != want {
			t.Errorf("%s: %d, want %d", path, code, want)
		}
		if code == 200 && (doc["issuer"] != s.Issuer() || doc["jwks_uri"] != s.JWKSURL() || doc["introspection_endpoint"] != s.IntrospectionURL()) {
			t.Errorf("%s: %v", path, doc)
		}
	}
	if got := s.Hits(EndpointDiscovery); got != 2 {
		t.Errorf("discovery hits = %d, want 2", got)
	}
}

func TestJWKSAndRotation(t *testing.T) {
	s := New(t, nil)
	kids := func() []string {
		_, doc := GetJSON(t, s.JWKSURL())
		var out []string
		for _, k := range doc["keys"].([]any) {
			out = append(out, k.(map[string]any)["kid"].(string))
		}
		return out
	}
	if diff := cmp.Diff([]string{"rsa-1", "ec-1", "okp-1"}, kids()); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
	s.Rotate(t)
	if got := len(kids()); got != 6 {
		t.Errorf("after Rotate: %d keys, want 6", got)
	}
	s.RetireOld()
	if diff := cmp.Diff([]string{"rsa-2", "ec-2", "okp-2"}, kids()); diff != "" {
		t.Errorf("after RetireOld (-want +got):\n%s", diff)
	}
	if s.JWKSFetches() != 3 || s.KeyID("ES256") != "ec-2" {
		t.Errorf("fetches %d, ES256 kid %q", s.JWKSFetches(), s.KeyID("ES256"))
	}
}

func TestMint(t *testing.T) {
	s := New(t, nil)
	c := s.AccessClaims("https://rs.example", "a", "b")
	header := func(tok string) map[string]any {
		seg, _, _ := strings.Cut(tok, ".")
		b, err := base64.RawURLEncoding.DecodeString(seg)
		if err != nil {
			t.Fatal(err)
		}
		var h map[string]any
		if err := json.Unmarshal(b, &h); err != nil {
			t.Fatal(err)
		}
		return h
	}
	tests := []struct {
		name string
		opts []MintOption
		want map[string]any
	}{
		{"default", nil, map[string]any{"alg": "RS256", "kid": "rsa-1", "typ": "at+jwt"}},
		{"ES256 typ JWT", []MintOption{WithAlg("ES256"), WithTyp("JWT")}, map[string]any{"alg": "ES256", "kid": "ec-1", "typ": "JWT"}},
		{"no kid no typ", []MintOption{WithKID(""), WithTyp("")}, map[string]any{"alg": "RS256"}},
		{"extra header", []MintOption{WithHeader("jku", "https://evil")}, map[string]any{"alg": "RS256", "kid": "rsa-1", "typ": "at+jwt", "jku": "https://evil"}},
		{"alg none", []MintOption{WithAlgNone()}, map[string]any{"alg": "none", "kid": "rsa-1", "typ": "at+jwt"}},
		{"HS256 forgery", []MintOption{WithHS256PublicKey()}, map[string]any{"alg": "HS256", "kid": "rsa-1", "typ": "at+jwt"}},
		{"foreign key", []MintOption{WithForeignKey()}, map[string]any{"alg": "RS256", "kid": "rsa-1", "typ": "at+jwt"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok := s.Mint(t, c, tc.opts...)
			if diff := cmp.Diff(tc.want, header(tok)); diff != "" {
				t.Errorf("header (-want +got):\n%s", diff)
			}
		})
	}
	// A normal token verifies against the published key; the forgeries do not.
	var set jose.JSONWebKeySet
	resp, err := http.Get(s.JWKSURL())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	key := set.Key("rsa-1")[0]
	for name, tok := range map[string]string{"valid": s.Mint(t, c), "foreign": s.Mint(t, c, WithForeignKey())} {
		jws, err := jose.ParseSignedCompact(tok, []jose.SignatureAlgorithm{jose.RS256})
		if err != nil {
			t.Fatal(err)
		}
		_, err = jws.Verify(key)
		if (err == nil) != (name == "valid") {
			t.Errorf("%s token: verify err = %v", name, err)
		}
	}
}

func TestIntrospection(t *testing.T) {
	s := New(t, &Options{ClientID: "id:1", ClientSecret: "p w"})
	s.AddOpaqueToken("tok", map[string]any{"sub": "u"})
	post := func(form url.Values, user, pass string) (int, map[string]any) {
		req, _ := http.NewRequest(http.MethodPost, s.IntrospectionURL(), strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if user != "" {
			req.SetBasicAuth(url.QueryEscape(user), url.QueryEscape(pass))
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	if code, m := post(url.Values{"token": {"tok"}}, "id:1", "p w"); code != 200 || m["active"] != true || m["sub"] != "u" {
		t.Errorf("basic: %d %v", code, m)
	}
	if s.LastIntrospectionAuth() != "client_secret_basic" {
		t.Errorf("auth = %q", s.LastIntrospectionAuth())
	}
	if code, m := post(url.Values{"token": {"other"}, "client_id": {"id:1"}, "client_secret": {"p w"}}, "", ""); code != 200 || m["active"] != false {
		t.Errorf("post, unknown token: %d %v", code, m)
	}
	if code, _ := post(url.Values{"token": {"tok"}}, "id:1", "wrong"); code != 401 {
		t.Errorf("wrong secret: %d", code)
	}
	s.SetFailing(EndpointIntrospection, 503)
	if code, _ := post(url.Values{"token": {"tok"}}, "id:1", "p w"); code != 503 {
		t.Errorf("failing: %d", code)
	}
	if s.IntrospectionCalls() != 4 {
		t.Errorf("calls = %d", s.IntrospectionCalls())
	}
}

func TestTokenHandler(t *testing.T) {
	s := New(t, &Options{TokenHandler: func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"access_token": "x", "token_type": "Bearer"})
	}})
	_, doc := GetJSON(t, s.MetadataURL())
	if doc["token_endpoint"] != s.TokenURL() {
		t.Errorf("token_endpoint = %v", doc["token_endpoint"])
	}
	resp, err := http.PostForm(s.TokenURL(), url.Values{"grant_type": {"client_credentials"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || s.Hits(EndpointToken) != 1 {
		t.Errorf("token endpoint: %d hits %d", resp.StatusCode, s.Hits(EndpointToken))
	}
}
