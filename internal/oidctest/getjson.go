package oidctest

import (
	"encoding/json"
	"net/http"
	"testing"
)

// GetJSON fetches u and returns the status code and the body decoded as a
// JSON object (nil when it is not one). A failed request fails the test.
// The test servers' own tests (this package's and entratest's) use it.
func GetJSON(t testing.TB, u string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}
