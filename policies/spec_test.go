package policies

import (
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/rest2mcp/rest2mcp/openapi"
)

// specDir holds the shared corpus of published OpenAPI documents.
const specDir = "../../shared/specs"

// asanaBaseline is the read-only baseline of asana-oas.yaml: with the
// personal access token alternative dropped, every GET needs its scope.
var asanaBaseline = []string{"attachments:read", "custom_fields:read", "goals:read", "jobs:read", "ooo_entries:read", "portfolios:read", "project_portfolio_settings:read", "project_templates:read", "projects:read", "roles:read", "stories:read", "tags:read", "task_templates:read", "tasks:read", "team_memberships:read", "teams:read", "time_tracking_categories:read", "time_tracking_entries:read", "timesheet_approval_statuses:read", "users:read", "webhooks:read", "workspaces.typeahead:read", "workspaces:read"}

const (
	driveFull     = "https://www.googleapis.com/auth/drive"
	driveReadonly = "https://www.googleapis.com/auth/drive.readonly"
)

// specCase is one decision on a tool of a real spec.
type specCase struct {
	name   string
	policy string
	tool   string
	scopes []string
	claims map[string]any
	want   Decision
}

// TestRealSpecs loads published specs that declare oauth2 scopes and checks
// decisions on their operations, with and without policies.
func TestRealSpecs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file         string
		baseline     []string
		problemCodes map[string]int
		cases        []specCase
	}{
		{
			file:         "swagger-petstore-v3.0.yaml",
			baseline:     []string{"read:pets", "write:pets"},
			problemCodes: map[string]int{CodeNoRequirement: 10},
			cases: []specCase{
				{name: "AND of two scopes, one missing", tool: "updatePet", scopes: []string{"write:pets"},
					want: Decision{Rule: SourceOpenAPI, Required: []string{"read:pets", "write:pets"}, Missing: []string{"read:pets"}}},
				{name: "AND satisfied", tool: "addPet", scopes: []string{"write:pets", "read:pets"},
					want: Decision{Allow: true, Rule: SourceOpenAPI, Required: []string{"read:pets", "write:pets"}}},
				{name: "allowUnscopedAlternatives: apiKey OR oauth2 needs only a token", policy: "allowUnscopedAlternatives: true", tool: "getPetById",
					want: Decision{Allow: true, Rule: SourceOpenAPI}},
				{name: "the apiKey alternative is dropped by default", tool: "getPetById",
					want: Decision{Rule: SourceOpenAPI, Required: []string{"read:pets", "write:pets"}, Missing: []string{"read:pets", "write:pets"}}},
				{name: "hierarchy write implies read", policy: `hierarchy: {"write:pets": ["read:pets"]}`, tool: "deletePet", scopes: []string{"write:pets"},
					want: Decision{Allow: true, Rule: SourceOpenAPI, Required: []string{"write:pets"}}},
				{name: "no security is token only", tool: "placeOrder",
					want: Decision{Allow: true, Rule: SourceDefault}},
				{name: "default deny", policy: "default: deny", tool: "placeOrder",
					want: Decision{Denied: true, Rule: SourceDefault}},
				{name: "scope map", policy: `scopeMap: {"read:pets": "api://pets/Read", "write:pets": "api://pets/Write"}`,
					tool: "findPetsByStatus", scopes: []string{"api://pets/Read"},
					want: Decision{Rule: SourceOpenAPI, Required: []string{"api://pets/Read", "api://pets/Write"}, Missing: []string{"api://pets/Write"}}},
				{name: "deny rule by tag", policy: "rules: [{name: no-users, match: {tags: [user]}, effect: deny}]", tool: "createUser",
					want: Decision{Denied: true, Rule: "rule:no-users"}},
			},
		},
		{
			file:         "swagger-petstore-v2.json",
			baseline:     []string{"read:pets", "write:pets"},
			problemCodes: map[string]int{CodeNoRequirement: 11},
			cases: []specCase{
				{name: "Swagger 2.0 oauth2 AND", tool: "deletePet", scopes: []string{"read:pets"},
					want: Decision{Rule: SourceOpenAPI, Required: []string{"read:pets", "write:pets"}, Missing: []string{"write:pets"}}},
				{name: "Swagger 2.0 apiKey", tool: "getInventory",
					want: Decision{Allow: true, Rule: SourceOpenAPI}},
				{name: "rule over the spec", policy: "rules: [{name: inv, match: {paths: [/store/**]}, allOf: [store:read]}]", tool: "getInventory",
					want: Decision{Rule: "rule:inv", Required: []string{"store:read"}, Missing: []string{"store:read"}}},
			},
		},
		{
			file: "spotify-fixed.yml",
			baseline: []string{"playlist-read-collaborative", "playlist-read-private", "user-follow-read", "user-library-read",
				"user-read-currently-playing", "user-read-email", "user-read-playback-position", "user-read-playback-state",
				"user-read-private", "user-read-recently-played", "user-top-read"},
			cases: []specCase{
				{name: "two scopes AND", tool: "get-current-users-profile", scopes: []string{"user-read-private"},
					want: Decision{Rule: SourceOpenAPI, Required: []string{"user-read-email", "user-read-private"}, Missing: []string{"user-read-email"}}},
				{name: "oauth2 without scopes is token only", tool: "get-an-album",
					want: Decision{Allow: true, Rule: SourceOpenAPI}},
				{name: "CEL on a tenant claim", policy: `rules: [{name: tenant, match: {paths: ["/me/**"]}, when: 'claims.tid == "t1"', allOf: [user-read-private]}]`,
					tool: "get-queue", scopes: []string{"user-read-private"}, claims: map[string]any{"tid": "t1"},
					want: Decision{Allow: true, Rule: "rule:tenant", Required: []string{"user-read-private"}}},
				{name: "CEL on a tenant claim, other tenant", policy: `rules: [{name: tenant, match: {paths: ["/me/**"]}, when: 'claims.tid == "t1"', allOf: [user-read-private]}]`,
					tool: "get-queue", scopes: []string{"user-read-private"}, claims: map[string]any{"tid": "t2"},
					want: Decision{Denied: true, Rule: "rule:tenant"}},
			},
		},
		{
			file:     "apisguru-drive-v3.yaml",
			baseline: []string{driveFull},
			cases: []specCase{
				{name: "OR between requirement objects, readonly suffices", tool: "drive.files.list", scopes: []string{driveReadonly},
					want: Decision{Allow: true, Rule: SourceOpenAPI, Required: []string{driveReadonly}}},
				{name: "Oauth2 AND Oauth2c with one scope collapse", tool: "drive.files.delete", scopes: []string{driveReadonly},
					want: Decision{Rule: SourceOpenAPI, Required: []string{driveFull}, Missing: []string{driveFull}}},
				{name: "closest alternative is the first", tool: "drive.files.list",
					want: Decision{Rule: SourceOpenAPI, Required: []string{driveFull}, Missing: []string{driveFull}}},
				{name: "baseline override", policy: "baselineScopes: [" + driveReadonly + "]", tool: "drive.about.get", scopes: []string{driveFull},
					want: Decision{Allow: true, Rule: SourceOpenAPI, Required: []string{driveFull}}},
			},
		},
		{
			file:     "asana-oas.yaml",
			baseline: asanaBaseline,
			cases: []specCase{
				{name: "personal access token alternative allowed", policy: "allowUnscopedAlternatives: true", tool: "getTask",
					want: Decision{Allow: true, Rule: SourceOpenAPI}},
				{name: "scoped alternatives preferred", tool: "getTask", scopes: []string{"projects:read"},
					want: Decision{Rule: SourceOpenAPI, Required: []string{"tasks:read"}, Missing: []string{"tasks:read"}}},
				{name: "scoped alternatives preferred, granted", tool: "getTask", scopes: []string{"tasks:read"},
					want: Decision{Allow: true, Rule: SourceOpenAPI, Required: []string{"tasks:read"}}},
				{name: "CEL on groups", policy: `rules: [{name: admins, match: {methods: [DELETE]}, when: '"admins" in claims.groups'}]`,
					tool: "deleteTask", claims: map[string]any{"groups": []any{"staff"}},
					want: Decision{Denied: true, Rule: "rule:admins"}},
			},
		},
		{
			file: "apisguru-xero-accounting.yaml",
			baseline: []string{"accounting.attachments.read", "accounting.contacts.read", "accounting.journals.read",
				"accounting.reports.read", "accounting.reports.tenninetynine.read", "accounting.settings",
				"accounting.settings.read", "accounting.transactions", "accounting.transactions.read", "paymentservices"},
			cases: []specCase{
				{name: "single scope", tool: "getAccounts", scopes: []string{"accounting.settings.read"},
					want: Decision{Rule: SourceOpenAPI, Required: []string{"accounting.settings"}, Missing: []string{"accounting.settings"}}},
				{name: "hierarchy of a broad scope", policy: `hierarchy: {accounting.settings: [accounting.settings.read]}`,
					tool: "getAccount", scopes: []string{"accounting.settings"},
					want: Decision{Allow: true, Rule: SourceOpenAPI, Required: []string{"accounting.settings"}}},
				{name: "extension-free rule with anyOf", policy: `rules: [{name: invoices, match: {operationIds: [getInvoices]}, anyOf: [accounting.transactions, accounting.transactions.read]}]`,
					tool: "getInvoices", scopes: []string{"accounting.transactions.read"},
					want: Decision{Allow: true, Rule: "rule:invoices", Required: []string{"accounting.transactions.read"}}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			doc, err := openapi.Load(t.Context(), openapi.Source{Path: filepath.Join(specDir, tt.file)}, nil)
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			set, ps, err := Compile(nil, doc, toolsOf(doc))
			if err != nil {
				t.Fatalf("Compile without policy: %v", err)
			}
			codes := map[string]int{}
			for _, p := range ps {
				codes[p.Code]++
			}
			if diff := cmp.Diff(tt.problemCodes, codes, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("problem codes without policy (-want +got):\n%s\n%v", diff, ps)
			}
			if diff := cmp.Diff(tt.baseline, set.Baseline(), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Baseline mismatch (-want +got):\n%s", diff)
			}
			for _, c := range tt.cases {
				set := set
				if c.policy != "" {
					set = mustCompile(t, mustParse(t, c.policy), doc)
				}
				sub := set.NewSubject(Subject{Subject: "alice", Scopes: c.scopes, Claims: c.claims})
				if diff := cmp.Diff(c.want, set.Decide(c.tool, sub), decisionOpts...); diff != "" {
					t.Errorf("%s: Decide(%q) mismatch (-want +got):\n%s", c.name, c.tool, diff)
				}
			}
		})
	}
}
