package policies

import (
	"log/slog"
	"strings"
)

// AuditAttrs returns the attributes to log for one decision: subject,
// client_id, issuer, tool, allowed, rule and, when the call was refused,
// denied and missing. It never includes tokens or claims. sub may be nil
// (unauthenticated caller).
func AuditAttrs(d Decision, tool string, sub *Subject) []slog.Attr {
	attrs := make([]slog.Attr, 0, 8)
	if sub != nil {
		attrs = append(attrs,
			slog.String("subject", sub.Subject),
			slog.String("client_id", sub.ClientID),
			slog.String("issuer", sub.Issuer))
	}
	attrs = append(attrs,
		slog.String("tool", tool),
		slog.Bool("allowed", d.Allow),
		slog.String("rule", d.Rule))
	if !d.Allow {
		attrs = append(attrs, slog.Bool("denied", d.Denied))
		if len(d.Missing) > 0 {
			attrs = append(attrs, slog.String("missing", strings.Join(d.Missing, " ")))
		}
	}
	return attrs
}
