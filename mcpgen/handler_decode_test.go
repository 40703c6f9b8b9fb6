package mcpgen

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// TestDecodeArgumentsLikeUseNumber: the shortcut decodes exactly as a
// json.Decoder with UseNumber.
func TestDecodeArgumentsLikeUseNumber(t *testing.T) {
	for _, raw := range []string{
		`{}`, `null`, `{"a":1,"b":-2.5e3,"c":"x","d":true,"e":false,"f":null}`,
		`{"s":"a\"b","u":"é","bad":"` + "\xff" + `","n":{"x":[1,"y",{"z":12345678901234567890}]}}`,
		`{"dup":1,"dup":"two"}`, `{"big":12345678901234567890123}`,
	} {
		got, ok := DecodeArguments([]byte(raw))
		dec := json.NewDecoder(bytes.NewReader([]byte(raw)))
		dec.UseNumber()
		var want map[string]any
		if err := dec.Decode(&want); err != nil || !ok {
			t.Fatalf("%s: %v %v", raw, err, ok)
		}
		if want == nil {
			want = map[string]any{}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %#v, want %#v", raw, got, want)
		}
	}
	for _, raw := range []string{`[]`, `"x"`, `1`, `{"a":}`, `{} {}`} {
		if _, ok := DecodeArguments([]byte(raw)); ok {
			t.Errorf("%s accepted", raw)
		}
	}
}
