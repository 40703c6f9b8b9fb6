package mcpgen

import (
	"html"
	"regexp"
	"strings"
)

// Patterns for the markdown and HTML noise removed from descriptions. They
// are compiled once and only read.
var (
	htmlCommentRE = regexp.MustCompile(`(?s)<!--.*?-->`)
	htmlBreakRE   = regexp.MustCompile(`(?i)<(br|/p|p|/li|/div|/tr|/h[1-6])\s*/?>`)
	htmlTagRE     = regexp.MustCompile(`</?[A-Za-z][A-Za-z0-9-]*(\s[^<>]*)?/?>`)
	mdLinkRE      = regexp.MustCompile(`!?\[([^\]\n]*)\]\([^)\s]*(\s+"[^"\n]*")?\)`)
	mdHeadingRE   = regexp.MustCompile(`(?m)^[ \t]{0,3}#{1,6}[ \t]+`)
)

// cleanText trims markdown-ish noise from operation prose: HTML comments
// and tags (line breaks kept as newlines), entities, link and image targets
// (their text is kept), heading markers, runs of blanks and of empty
// lines. Input beyond limit bytes is ignored first: descriptions are
// bounded anyway, and some specs have very long ones.
func cleanText(s string, limit int) string {
	if len(s) > limit {
		s = s[:runeStart(s, limit)]
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	if strings.Contains(s, "<") {
		s = htmlCommentRE.ReplaceAllString(s, "")
		s = htmlBreakRE.ReplaceAllString(s, "\n")
		s = htmlTagRE.ReplaceAllString(s, "")
	}
	if strings.Contains(s, "&") {
		s = html.UnescapeString(s)
	}
	if strings.Contains(s, "](") {
		s = mdLinkRE.ReplaceAllString(s, "$1")
	}
	if strings.Contains(s, "#") {
		s = mdHeadingRE.ReplaceAllString(s, "")
	}
	return normalizeSpace(s)
}

// normalizeSpace collapses runs of blanks to one space, trims every line,
// allows at most one empty line in a row, and trims the whole text.
func normalizeSpace(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	newlines, space := 0, false
	for _, r := range s {
		switch r {
		case ' ', '\t', '\u00a0', '\v', '\f':
			space = true
			continue
		case '\n':
			newlines++
			space = false
			continue
		}
		if b.Len() > 0 {
			switch {
			case newlines > 1:
				b.WriteString("\n\n")
			case newlines == 1:
				b.WriteByte('\n')
			case space:
				b.WriteByte(' ')
			}
		}
		newlines, space = 0, false
		b.WriteRune(r)
	}
	return b.String()
}
