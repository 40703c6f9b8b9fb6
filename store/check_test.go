package store_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/rest2mcp/rest2mcp/store"
)

func TestValidName(t *testing.T) {
	for name, ok := range map[string]bool{
		"pets": true, "a": true, "0-x": true, strings.Repeat("a", 63): true,
		"": false, "-x": false, "Pets": false, "a_b": false, "a/b": false, "a b": false, strings.Repeat("a", 64): false, "../x": false,
	} {
		err := store.ValidName(name)
		if (err == nil) != ok {
			t.Errorf("ValidName(%q) = %v, want ok=%v", name, err, ok)
		}
		if err != nil && !errors.Is(err, store.ErrInvalid) {
			t.Errorf("ValidName(%q) = %v, want ErrInvalid", name, err)
		}
	}
}

func TestCheckSecretRefs(t *testing.T) {
	for _, tc := range []struct {
		name, json, wantErr string
	}{
		{"empty", ``, ""},
		{"none", `{"type":"none"}`, ""},
		{"client credentials by env", `{"type":"clientCredentials","clientSecret":{"fromEnv":"S"}}`, ""},
		{"static header by file", `{"type":"static","static":{"header":"X-Key","value":{"fromFile":"/run/key"}}}`, ""},
		{"basic by env", `{"type":"static","static":{"basic":{"username":"u","password":{"fromEnv":"P"}}}}`, ""},
		{"actor token by env", `{"type":"tokenExchange","actor":{"source":"secret","token":{"fromEnv":"T"}}}`, ""},
		{"empty value beside a reference", `{"clientSecret":{"value":"","fromEnv":"S"}}`, ""},
		{"static value", `{"type":"static","static":{"value":{"value":"s3cr3t"}}}`, "static.value.value: secret values are not stored"},
		{"client secret string", `{"clientSecret":"s3cr3t"}`, "clientSecret: secret values are not stored"},
		{"private key value", `{"privateKey":{"value":"-----BEGIN"}}`, "privateKey.value: secret values"},
		{"basic password value", `{"static":{"basic":{"username":"u","password":{"value":"pw"}}}}`, "static.basic.password.value"},
		{"nested in an array", `{"x":[{"token":{"value":"t"}}]}`, "x[0].token.value"},
		{"both references", `{"clientSecret":{"fromEnv":"A","fromFile":"/b"}}`, "exactly one"},
		{"empty reference", `{"clientSecret":{"fromEnv":""}}`, "non-empty"},
		{"number secret", `{"token":12345}`, "token: secret values"},
		{"not an object", `"x"`, "JSON object"},
		{"not JSON", `{`, "not valid JSON"},
	} {
		err := store.CheckSecretRefs(json.RawMessage(tc.json))
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%s: %v, want nil", tc.name, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%s: %v, want an error containing %q", tc.name, err, tc.wantErr)
		}
		if err != nil && (strings.Contains(err.Error(), "s3cr3t") || strings.Contains(err.Error(), "BEGIN")) {
			t.Errorf("%s: the error repeats the secret: %v", tc.name, err)
		}
	}
}

func TestClone(t *testing.T) {
	on := true
	a := &store.API{Name: "x", Spec: store.Spec{Data: []byte("a")}, Operations: map[string]store.Operation{"GET /": {Enabled: &on, Scopes: []string{"s"}}},
		Settings: store.Settings{Include: &store.Selector{Tags: []string{"t"}}, ServerVariables: map[string]string{"a": "b"}}}
	c := a.Clone()
	*c.Operations["GET /"].Enabled = false
	c.Operations["GET /"].Scopes[0] = "changed"
	c.Settings.Include.Tags[0] = "changed"
	c.Settings.ServerVariables["a"] = "changed"
	c.Spec.Data[0] = 'b'
	if !*a.Operations["GET /"].Enabled || a.Operations["GET /"].Scopes[0] != "s" || a.Settings.Include.Tags[0] != "t" ||
		a.Settings.ServerVariables["a"] != "b" || a.Spec.Data[0] != 'a' {
		t.Errorf("Clone shares memory with the original: %+v", a)
	}
}
