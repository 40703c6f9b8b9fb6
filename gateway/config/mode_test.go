package config

import (
	"strings"
	"testing"
)

func TestValidateMode(t *testing.T) {
	for _, tc := range []struct {
		mode string
		ok   bool
	}{{"", true}, {ModeTools, true}, {ModeDiscovery, true}, {"Discovery", false}, {"search", false}} {
		c := &Config{Listen: "127.0.0.1:8080", APIs: []API{{Name: "pets", Spec: "p.yaml", Mode: tc.mode}}}
		c.ApplyDefaults()
		err := c.Validate()
		if tc.ok != (err == nil) {
			t.Errorf("mode %q: %v", tc.mode, err)
		}
		if err != nil && !strings.Contains(err.Error(), `apis[0].mode: must be "tools" or "discovery", got "`+tc.mode+`"`) {
			t.Errorf("mode %q: message %q", tc.mode, err)
		}
	}
}
