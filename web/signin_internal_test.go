package web

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

// TestEveryPostFormCarriesCSRF: every post form of every template starts
// with the session's CSRF field ({{template "csrf" $}}), which the
// gateway's sign-in checks; a form without it would be refused (403) for
// signed-in admins.
func TestEveryPostFormCarriesCSRF(t *testing.T) {
	form := regexp.MustCompile(`<form[^>]*method="post"[^>]*>`)
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil || len(files) == 0 {
		t.Fatalf("templates: %v", err)
	}
	forms := 0
	for _, f := range files {
		b, err := fs.ReadFile(templateFS, f)
		if err != nil {
			t.Fatal(err)
		}
		src := string(b)
		for _, loc := range form.FindAllStringIndex(src, -1) {
			forms++
			if !strings.HasPrefix(src[loc[1]:], `{{template "csrf" $}}`) {
				t.Errorf("%s: %s is not followed by {{template \"csrf\" $}}", f, src[loc[0]:loc[1]])
			}
		}
	}
	if forms < 8 {
		t.Errorf("found %d post forms; the pattern no longer matches the templates", forms)
	}
}
