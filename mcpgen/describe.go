package mcpgen

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/rest2mcp/rest2mcp/openapi"
)

// DefaultMaxDescription is the default bound of a tool description, in
// bytes.
const DefaultMaxDescription = 1024

// maxListed bounds the names listed in a description suffix.
const maxListed = 12

// minProse is the least prose kept in a description with a suffix, in
// bytes.
const minProse = 24

// maxTitle bounds tool titles, in bytes.
const maxTitle = 128

// describe builds a tool description: the operation's summary (already
// cleaned, see [cleanText]) and description, cleaned and cut to fit max bytes together with a suffix
// with what a model needs to call the tool (deprecation, required
// arguments, how to page, OAuth scopes). It is never empty: an operation without prose
// is described as "<METHOD> <path>".
func describe(op *openapi.Operation, summary string, required []string, pageHint, scopeText string, max int) string {
	prose := joinProse(summary, cleanText(op.Description, 4*max))
	if prose == "" {
		prose = op.Method + " " + op.Path
	}
	var lines []string
	if op.Deprecated {
		lines = append(lines, "Deprecated: prefer another operation if one fits.")
	}
	if len(required) > 0 {
		lines = append(lines, "Required arguments: "+listNames(required, ", ", " and ")+".")
	}
	if pageHint != "" {
		lines = append(lines, pageHint)
	}
	if scopeText != "" {
		lines = append(lines, scopeText)
	}
	if len(lines) == 0 {
		return truncateText(prose, max)
	}
	suffix := strings.Join(lines, "\n")
	// The suffix matters more than the tail of the prose: the prose gets
	// what the suffix leaves, but at least a little.
	budget := max - len(suffix) - 2
	if budget < minProse {
		budget = minProse
	}
	out := truncateText(prose, budget) + "\n\n" + suffix
	if len(out) > max {
		out = truncateText(out, max)
	}
	return out
}

// title returns the tool title from the cleaned summary: one line, without
// a final period, bounded.
func title(summary string) string {
	t := strings.Join(strings.Fields(summary), " ")
	return truncateText(strings.TrimRight(t, "."), maxTitle)
}

// joinProse combines a summary and a description, dropping the summary
// when the description already starts with it.
func joinProse(summary, desc string) string {
	switch {
	case desc == "":
		return summary
	case summary == "":
		return desc
	}
	s := strings.TrimRight(summary, ".")
	if len(desc) >= len(s) && strings.EqualFold(desc[:len(s)], s) {
		return desc
	}
	if !strings.ContainsAny(summary[len(summary)-1:], ".!?:") {
		summary += "."
	}
	return summary + "\n\n" + desc
}

// listNames renders names as "a, b and c", listing at most [maxListed].
func listNames(names []string, sep, last string) string {
	if len(names) > maxListed {
		return strings.Join(names[:maxListed], sep) + fmt.Sprintf("%s%d more", last, len(names)-maxListed)
	}
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], sep) + last + names[len(names)-1]
}

// truncateText cuts s to at most n bytes: at the end of a sentence when
// one ends in the second half of the allowed text, else at a word boundary
// with an ellipsis.
func truncateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if n <= 0 {
		return ""
	}
	head := s[:runeStart(s, n)]
	best := strings.LastIndex(head, "\n\n")
	for _, sep := range []string{". ", ".\n", "! ", "!\n", "? ", "?\n"} {
		if i := strings.LastIndex(head, sep); i >= 0 && i+1 > best {
			best = i + 1
		}
	}
	if best >= n/2 {
		return strings.TrimSpace(head[:best])
	}
	const ellipsis = "…"
	if n <= len(ellipsis) {
		return head
	}
	head = s[:runeStart(s, n-len(ellipsis))]
	if i := strings.LastIndexAny(head, " \n\t"); i >= n/2 {
		head = head[:i]
	}
	return strings.TrimRight(head, " \n\t,;:") + ellipsis
}

// runeStart returns the largest index <= i that starts a rune of s.
func runeStart(s string, i int) int {
	for i > 0 && i < len(s) && !utf8.RuneStart(s[i]) {
		i--
	}
	return i
}
