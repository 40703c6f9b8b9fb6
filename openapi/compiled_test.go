package openapi

import (
	"errors"
	"os"
	"reflect"
	"testing"
)

func TestCompiledRoundTrip(t *testing.T) {
	data, err := os.ReadFile("../examples/petstore/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := Load(t.Context(), Source{Data: data, Name: "petstore.yaml"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := MarshalCompiled(doc)
	if err != nil {
		t.Fatal(err)
	}
	got, err := UnmarshalCompiled(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(doc, got) {
		t.Error("the compiled form does not reproduce the document")
	}
	stale := append([]byte(nil), b...)
	stale[len(compiledMagic)] ^= 1
	for name, in := range map[string][]byte{"other build": stale, "empty": nil, "not compiled": []byte("openapi: 3.0.0")} {
		if _, err := UnmarshalCompiled(in); !errors.Is(err, ErrCompiledStale) {
			t.Errorf("%s: %v, want ErrCompiledStale", name, err)
		}
	}
	if _, err := UnmarshalCompiled(b[:len(b)-3]); err == nil {
		t.Error("a truncated compiled form decoded")
	}
}
