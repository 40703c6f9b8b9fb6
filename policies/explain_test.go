package policies

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestExplainRequirements(t *testing.T) {
	t.Parallel()
	set := mustCompile(t, mustParse(t, rulesPolicy), petDoc())
	var b strings.Builder
	if err := Explain(&b, set, nil); err != nil {
		t.Fatal(err)
	}
	want := `TOOL         OPERATION                 REQUIRED SCOPES          DECIDED BY
createPet    POST /pets                pets:write               openapi:security (conditional)
deletePet    DELETE /pets/{petId}      pets:admin | pets:owner  rule:admins-only-delete (conditional)
getPet       GET /pets/{petId}         pets:read                rule:owners-only (conditional)
health       GET /health               (none: public)           rule:public-health (conditional)
inventory    GET /store/inventory      store:read               rule:store-read (conditional)
listPets     GET /pets                 pets:read                openapi:security (conditional)
tagPet       PUT /pets/{petId}/tags    pets:write               extension:x-rest2mcp-scopes (conditional)
updatePet    PATCH /pets/{petId}       pets:admin               rule:update-by-rule (conditional)
uploadImage  POST /pets/{petId}/image  pets:write               openapi:security (conditional)

9 tools; baseline scopes: pets:read store:read
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("Explain mismatch (-want +got):\n%s", diff)
	}
	// DecidedBy is Explain's last column.
	for tool, want := range map[string]string{
		"deletePet": "rule:admins-only-delete (conditional)", "tagPet": "extension:x-rest2mcp-scopes (conditional)", "nope": "",
	} {
		if got := set.DecidedBy(tool); got != want {
			t.Errorf("DecidedBy(%s) = %q, want %q", tool, got, want)
		}
	}
	plain := mustCompile(t, nil, petDoc())
	b.Reset()
	if err := Explain(&b, plain, nil); err != nil {
		t.Fatal(err)
	}
	want = `TOOL         OPERATION                 REQUIRED SCOPES          DECIDED BY
createPet    POST /pets                pets:read pets:write     openapi:security
deletePet    DELETE /pets/{petId}      pets:write               openapi:security
getPet       GET /pets/{petId}         pets:read | pets:admin   openapi:security
health       GET /health               (token only)             openapi:security
inventory    GET /store/inventory      (token only)             openapi:security
listPets     GET /pets                 pets:read                openapi:security
tagPet       PUT /pets/{petId}/tags    pets:read pets:write     extension:x-rest2mcp-scopes
updatePet    PATCH /pets/{petId}       pets:write | pets:admin  extension:x-rest2mcp-scopes
uploadImage  POST /pets/{petId}/image  pets:write               openapi:security

9 tools; baseline scopes: pets:read
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("Explain without policy mismatch (-want +got):\n%s", diff)
	}
}

func TestAuditAttrs(t *testing.T) {
	t.Parallel()
	sub := &Subject{Issuer: "https://idp", Subject: "alice", ClientID: "vscode", Scopes: []string{"a"},
		Claims: map[string]any{"secret": "do-not-log"}}
	tests := []struct {
		name string
		d    Decision
		sub  *Subject
		want string
	}{
		{name: "allowed", d: Decision{Allow: true, Rule: "openapi:security", Required: []string{"a"}}, sub: sub,
			want: "subject=alice client_id=vscode issuer=https://idp tool=t allowed=true rule=openapi:security"},
		{name: "missing", d: Decision{Rule: "rule:r", Required: []string{"a", "b"}, Missing: []string{"b"}}, sub: sub,
			want: "subject=alice client_id=vscode issuer=https://idp tool=t allowed=false rule=rule:r denied=false missing=b"},
		{name: "anonymous", d: Decision{Denied: true, Rule: "default"}, sub: nil,
			want: "tool=t allowed=false rule=default denied=true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var parts []string
			for _, a := range AuditAttrs(tt.d, "t", tt.sub) {
				parts = append(parts, a.String())
			}
			got := strings.Join(parts, " ")
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("AuditAttrs mismatch (-want +got):\n%s", diff)
			}
			if strings.Contains(got, "do-not-log") {
				t.Errorf("AuditAttrs leaks claims: %s", got)
			}
		})
	}
	var _ []slog.Attr = AuditAttrs(Decision{}, "", nil)
}
