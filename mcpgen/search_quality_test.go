package mcpgen

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rest2mcp/rest2mcp/openapi"
)

// octokitSpec is GitHub's current REST description from the npm package
// @octokit/openapi (installed by the e2e test data).
const octokitSpec = "../e2e/testdata/node_modules/@octokit/openapi/generated/api.github.com.json"

// searchCase is a request as a user would phrase it and the operationId
// that answers it.
type searchCase struct {
	query string
	want  string
}

// searchQualityCases are plain-language requests per spec, written as a
// user asks (not copied from the summaries), with the operation a person
// familiar with the API would pick.
var searchQualityCases = map[string][]searchCase{
	octokitSpec: {
		{"open a new issue in a repository", "issues/create"},
		{"merge a pull request", "pulls/merge"},
		{"show all my repos", "repos/list-for-authenticated-user"},
		{"star a repository", "activity/star-repo-for-authenticated-user"},
		{"comment on an issue", "issues/create-comment"},
		{"remove branch protection", "repos/delete-branch-protection"},
		{"read the contents of a file in a repo", "repos/get-content"},
		{"list the workflow runs of a repository", "actions/list-workflow-runs-for-repo"},
		{"publish a new release", "repos/create-release"},
		{"who are the collaborators on a repo", "repos/list-collaborators"},
		{"fork a repository", "repos/create-fork"},
		{"put labels on an issue", "issues/add-labels"},
		{"list pull requests", "pulls/list"},
		{"create a gist", "gists/create"},
		{"search code", "search/code"},
		{"set an actions secret for a repository", "actions/create-or-update-repo-secret"},
		{"ask someone to review a pull request", "pulls/request-reviewers"},
		{"get my own user profile", "users/get-authenticated"},
	},
	filepath.Join(corpusDir, "spotify-fixed.yml"): {
		{"what song is playing right now", "get-the-users-currently-playing-track"},
		{"skip to the next song", "skip-users-playback-to-next-track"},
		{"make a new playlist", "create-playlist"},
		{"add songs to a playlist", "add-items-to-playlist"},
		{"pause the music", "pause-a-users-playback"},
		{"turn the volume up", "set-volume-for-users-playback"},
		{"an artist's most popular tracks", "get-an-artists-top-tracks"},
		{"albums I saved in my library", "get-users-saved-albums"},
		{"search for a song by name", "search"},
		{"what did I listen to recently", "get-recently-played"},
		{"follow an artist", "follow-artists-users"},
	},
	filepath.Join(corpusDir, "asana-oas.yaml"): {
		{"create a task", "createTask"},
		{"add a comment to a task", "createStoryForTask"},
		{"tasks in a project", "getTasksForProject"},
		{"add a subtask under a task", "createSubtaskForTask"},
		{"list the projects of a workspace", "getProjectsForWorkspace"},
		{"take a tag off a task", "removeTagForTask"},
		{"create a new section in a project", "createSectionForProject"},
		{"who is in a team", "getUsersForTeam"},
		{"search for tasks in a workspace", "searchTasksForWorkspace"},
		{"delete a webhook", "deleteWebhook"},
		{"log time spent on a task", "createTimeTrackingEntry"},
	},
	filepath.Join(corpusDir, "zoom-v2.json"): {
		{"schedule a meeting for a user", "meetingCreate"},
		{"list a user's meetings", "meetings"},
		{"delete a webinar", "webinarDelete"},
		{"who attended a past meeting", "pastMeetingParticipants"},
		{"list the cloud recordings of a user", "recordingsList"},
		{"register someone for a webinar", "webinarRegistrantCreate"},
		{"add a new user to the account", "userCreate"},
		{"change a user's password", "userPassword"},
	},
	filepath.Join(corpusDir, "twilio-api-v2010.json"): {
		{"send a text message", "CreateMessage"},
		{"place an outgoing phone call", "CreateCall"},
		{"buy a phone number", "CreateIncomingPhoneNumber"},
		{"how much money is left on the account", "FetchBalance"},
		{"list the messages of my account", "ListMessage"},
		{"kick a participant out of a conference", "DeleteParticipant"},
		{"list conferences", "ListConference"},
		{"create a call queue", "CreateQueue"},
	},
}

// Search quality targets: the share of requests whose expected operation
// is among the first three results.
const minTop3 = 0.90

// TestSearchQuality measures the ranking of [SearchIndex] on real specs:
// it logs the top-1 and top-3 hit rates and fails when top-3 is below
// minTop3. It loads large documents, so it runs without -short only.
func TestSearchQuality(t *testing.T) {
	if testing.Short() {
		t.Skip("loads several MB of specs; runs without -short")
	}
	var total, top1, top3 int
	for path, cases := range searchQualityCases {
		if _, err := os.Stat(path); err != nil {
			t.Logf("%s absent, its %d cases skipped: %v", path, len(cases), err)
			continue
		}
		doc, err := openapi.Load(t.Context(), openapi.Source{Path: path}, nil)
		if err != nil {
			t.Fatalf("load %s: %v", path, err)
		}
		tools, _ := Generate(doc, nil)
		ix := NewSearchIndex(tools)
		for _, c := range cases {
			if !hasOperation(tools, c.want) {
				t.Errorf("%s: expected operation %q is not in the spec", filepath.Base(path), c.want)
				continue
			}
			total++
			hits := ix.Search(c.query, 3, nil)
			rank := -1
			var got []string
			for i, h := range hits {
				got = append(got, h.Tool.Operation.ID)
				if h.Tool.Operation.ID == c.want && rank < 0 {
					rank = i
				}
			}
			switch {
			case rank == 0:
				top1++
				top3++
			case rank > 0:
				top3++
				t.Logf("%s: %q: %s ranked %d (above: %s)", filepath.Base(path), c.query, c.want, rank+1, strings.Join(got[:rank], ", "))
			default:
				t.Logf("%s: %q: %s missed (top 3: %s)", filepath.Base(path), c.query, c.want, strings.Join(got, ", "))
			}
		}
	}
	if total < 40 {
		t.Logf("only %d cases ran (specs missing?)", total)
	}
	if total == 0 {
		t.Skip("no spec available")
	}
	r1, r3 := float64(top1)/float64(total), float64(top3)/float64(total)
	t.Logf("search quality over %d requests: top-1 %.1f %% (%d), top-3 %.1f %% (%d)", total, 100*r1, top1, 100*r3, top3)
	if r3 < minTop3 {
		t.Errorf("top-3 hit rate %.1f %% is below the %.0f %% target", 100*r3, 100*minTop3)
	}
}

func hasOperation(tools []*Tool, id string) bool {
	for _, t := range tools {
		if t.Operation.ID == id {
			return true
		}
	}
	return false
}

// BenchmarkSearch measures one ranked query over GitHub's 1,223 tools,
// against BenchmarkSearchBaselineScan, a plain substring scan of every
// tool's name and summary (the least any search costs).
func BenchmarkSearch(b *testing.B) {
	tools := benchGitHubTools(b)
	ix := NewSearchIndex(tools)
	for b.Loop() {
		if hits := ix.Search("list the open pull requests of a repository", 10, nil); len(hits) == 0 {
			b.Fatal("no hits")
		}
	}
}

func BenchmarkSearchBaselineScan(b *testing.B) {
	tools := benchGitHubTools(b)
	for b.Loop() {
		n := 0
		for _, t := range tools {
			if strings.Contains(strings.ToLower(t.Name+" "+t.Operation.Summary), "pull") {
				n++
			}
		}
		if n == 0 {
			b.Fatal("no hits")
		}
	}
}

// BenchmarkSearchIndexBuild measures indexing GitHub's tools (once per
// snapshot build in discovery mode).
func BenchmarkSearchIndexBuild(b *testing.B) {
	tools := benchGitHubTools(b)
	for b.Loop() {
		NewSearchIndex(tools)
	}
}

func benchGitHubTools(b *testing.B) []*Tool {
	b.Helper()
	if _, err := os.Stat(octokitSpec); err != nil {
		b.Skipf("%s absent: %v", octokitSpec, err)
	}
	doc, err := openapi.Load(b.Context(), openapi.Source{Path: octokitSpec}, nil)
	if err != nil {
		b.Fatal(err)
	}
	tools, _ := Generate(doc, nil)
	return tools
}
