package cli_test

import (
	"bytes"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/cmd/internal/cli"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
)

// TestExitCodeContract runs every command into each exit code it can give:
// 0 done (nothing to do and a dry run included), 1 some operations failed
// or the run stopped, 2 a usage, authentication or scope error before any
// change.
func TestExitCodeContract(t *testing.T) {
	t.Parallel()
	noRetry := new(ghpackages.NoRetry())
	type tc struct {
		name  string
		token string
		setup func(h *harness)
		args  []string
		code  int
		out   string // in stdout, or stderr for a non-zero code
	}
	id := strconv.Itoa(firstID)
	fail500 := func(method, prefix string) func(h *harness) {
		return func(h *harness) {
			h.retry = noRetry
			h.srv.InjectFault(ghpackagestest.Fault{Method: method, PathPrefix: prefix, Count: 100, Status: 500})
		}
	}
	versionsPath := "/orgs/octo-org/packages/container/team%2Fapp/versions"
	cases := []tc{
		{"packages ok", secret, nil, []string{"packages", "--org", "octo-org"}, 0, "team/app"},
		{"packages none", secret, nil, []string{"packages", "--org", "octo-org", "--type", "maven"}, 0, "NAME"},
		{"packages server error", secret, fail500("GET", "/orgs/octo-org/packages"), []string{"packages", "--org", "octo-org"}, 1, "500"},
		{"packages no token", "", nil, []string{"packages", "--org", "octo-org"}, 2, "no token"},
		{"packages bad token", "ghp_wrong", nil, []string{"packages", "--org", "octo-org"}, 2, "the token was refused"},
		{"versions ok", secret, nil, []string{"versions", teamApp, "--org", "octo-org"}, 0, "v1.9.0"},
		{"versions server error", secret, fail500("GET", versionsPath), []string{"versions", teamApp, "--org", "octo-org"}, 1, "500"},
		{"versions no package", secret, nil, []string{"versions", "--org", "octo-org"}, 2, "want exactly one PACKAGE"},
		{"get ok", secret, nil, []string{"get", teamApp, "--org", "octo-org"}, 0, "team/app"},
		{"get missing", secret, nil, []string{"get", "nope", "--org", "octo-org"}, 2, "'ghpkg packages --org octo-org' lists the ones it can see"},
		{"get missing version", secret, nil, []string{"get", teamApp, "--org", "octo-org", "--id", "99"}, 2, "container team/app has no version 99"},
		{"versions missing package", secret, nil, []string{"versions", "no-such-pkg", "--org", "octo-org"}, 2, "not found in organization octo-org"},
		{"versions missing org", secret, nil, []string{"versions", teamApp, "--org", "no-such-org"}, 2, "--org no-such-org: no such organization"},
		{"versions without owner", secret, nil, []string{"versions", teamApp}, 2, "no --org, --user or --owner was given, so ghpkg looked in the token's own account"},
		{"delete needed version", secret, nil, []string{"delete", teamApp, "--org", "octo-org", "--id", "1260000043", "--yes", "--registry", "127.0.0.1:1"}, 2, "cannot tell whether a tag needs version 1260000043"},
		{"get bad id", secret, nil, []string{"get", teamApp, "--id", "x"}, 2, `invalid argument "x" for "--id" flag`},
		{"delete ok", secret, nil, []string{"delete", teamApp, "--org", "octo-org", "--id", id, "--yes"}, 0, "deleted: version"},
		{"delete already gone", secret, nil, []string{"delete", teamApp, "--org", "octo-org", "--id", "1260000007", "--yes"}, 0, "already-gone: version"},
		{"delete never there", secret, nil, []string{"delete", teamApp, "--org", "octo-org", "--id", "1260000099", "--yes"}, 2, "has no version 1260000099, active or deleted"},
		{"delete refused", secret, func(h *harness) {
			h.srv.AddPackage(ghpackagestest.PackageSpec{Owner: "octo-org", Type: ghpackages.NPM, Name: "solo"})
			h.subst = strconv.FormatInt(h.srv.AddVersion("octo-org", ghpackages.NPM, "solo", ghpackagestest.VersionSpec{Name: "1.0.0"}), 10)
		}, []string{"delete", "solo", "--org", "octo-org", "--type", "npm", "--id", "{ID}", "--yes"}, 1, "last version"},
		{"delete without --yes", secret, nil, []string{"delete", teamApp, "--org", "octo-org", "--id", id}, 2, "without --yes"},
		{"delete scope", readOnly, nil, []string{"delete", teamApp, "--org", "octo-org", "--id", id, "--yes"}, 2, "lacks the scopes delete:packages"},
		{"restore ok", secret, func(h *harness) {
			_, err := h.srv.Client(ghpackages.WithToken(secret), ghpackages.WithPacing(ghpackages.NoPacing())).Orgs.DeleteVersion(t.Context(), "octo-org", ghpackages.Container, teamApp, firstID)
			require.NoError(t, err)
		}, []string{"restore", teamApp, "--org", "octo-org", "--id", id}, 0, "restored: version"},
		{"restore already active", secret, nil, []string{"restore", teamApp, "--org", "octo-org", "--id", id}, 0, "already-active: version"},
		{"restore server error", secret, fail500("POST", versionsPath), []string{"restore", teamApp, "--org", "octo-org", "--id", id}, 1, "500"},
		{"restore scope", readOnly, nil, []string{"restore", teamApp, "--org", "octo-org", "--id", id}, 2, "lacks the scopes write:packages"},
		{"restore bad report", secret, nil, []string{"restore", "--report", "/nonexistent"}, 2, "reading --report"},
		{"prune dry run", secret, nil, []string{"prune", teamApp, "--org", "octo-org", "--older-than", "30d", "--skip-reference-check"}, 0, "would delete 10"},
		{"prune nothing to do", secret, nil, []string{"prune", teamApp, "--org", "octo-org", "--older-than", "3650d", "--skip-reference-check", "--yes"}, 0, "nothing to do"},
		{"prune failed item", secret, fail500("DELETE", versionsPath), []string{"prune", teamApp, "--org", "octo-org", "--older-than", "30d", "--skip-reference-check", "--yes", "--max-delete", "2"}, 1, "2 failed"},
		{"prune stopped", secret, func(h *harness) {
			h.retry = &ghpackages.RetryPolicy{MaxRateLimitRetries: -1}
			h.srv.InjectFault(ghpackagestest.Fault{Method: "DELETE", PathPrefix: versionsPath, Count: 1, Status: 429})
		}, []string{"prune", teamApp, "--org", "octo-org", "--older-than", "30d", "--skip-reference-check", "--yes"}, 1, "stopped at the rate limit"},
		{"prune bad policy", secret, nil, []string{"prune", "--keep", "-1", "--older-than", "1d"}, 2, `"--keep"`},
		{"prune negative age", secret, nil, []string{"prune", "--older-than", "-5d"}, 2, "--older-than -5d: an age cannot be negative"},
		{"prune include without tags", secret, nil, []string{"prune", "--older-than", "5d", "--include", "v*"}, 2, "--include selects tagged versions: add --tagged-only or --any-tags"},
		{"prune ghosts need containers", secret, nil, []string{"prune", "--type", "npm", "--older-than", "5d", "--delete-ghost-images"}, 2,
			"--delete-ghost-images, --delete-partial-images and --delete-orphaned-referrers apply to container images only, not npm"},
		{"prune scope", readOnly, nil, []string{"prune", teamApp, "--org", "octo-org", "--older-than", "30d", "--yes"}, 2, "lacks the scopes delete:packages"},
		{"scopes ok", secret, nil, []string{"scopes"}, 0, "token scopes"},
		{"scopes missing", readOnly, nil, []string{"scopes"}, 2, "delete:packages"},
		{"scopes unknown token", fineGrain, nil, []string{"scopes", "--for", "all"}, 0, "unknown"},
		{"version", "", nil, []string{"version"}, 0, "ghpkg "},
		{"version extra arg", "", nil, []string{"version", "x"}, 2, "version takes no arguments"},
		{"completion", "", nil, []string{"completion", "bash"}, 0, "bash completion"},
		{"completion bad shell", "", nil, []string{"completion", "tcsh"}, 2, "tcsh"},
		{"help", "", nil, []string{"help", "prune"}, 0, "Examples:"},
		{"unknown command", "", nil, []string{"prun"}, 2, "Did you mean this?"},
		{"unknown flag", "", nil, []string{"prune", "--kep", "3"}, 2, "Did you mean --keep?"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.env = map[string]string{}
			if c.token != "" {
				h.env["GITHUB_TOKEN"] = c.token
			}
			if c.setup != nil {
				c.setup(h)
			}
			args := append([]string{}, c.args...)
			for i := range args {
				args[i] = strings.ReplaceAll(args[i], "{ID}", h.subst)
			}
			code, out, errOut := h.run(t, args...)
			assert.Equal(t, c.code, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
			where := out
			if c.code != 0 {
				where = out + errOut
			}
			assert.Contains(t, where, c.out)
			if c.code == 2 {
				assert.Zero(t, h.srv.Stats().Deletes+h.srv.Stats().Restores, "exit 2 comes before any change")
				assert.LessOrEqual(t, strings.Count(errOut, "\n"), 5, "a usage error takes a few lines: %s", errOut)
			}
		})
	}
}

// TestExitCodesDocumented: 'ghpkg help' and the documentation (the ghpkg
// reference, docs/ghpkg.md) state the same contract.
func TestExitCodesDocumented(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	require.Equal(t, 0, cli.Run(t.Context(), []string{"help"}, cli.Env{Stdout: &out}))
	help := out.String()
	i := strings.Index(help, "Exit codes:")
	require.GreaterOrEqual(t, i, 0, help)
	block := help[i:]
	block = block[:strings.Index(block, "\n\n")]
	assert.Contains(t, documentation(t), block, "README.md or docs/ repeats 'ghpkg help's exit codes word for word")
}

// TestValuesRuleDocumented: 'ghpkg help prune' and the documentation (the
// ghpkg reference, docs/ghpkg.md) state the same rules, word for word:
// exact values and patterns, values that match nothing, units, and the
// undo journal.
func TestValuesRuleDocumented(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	require.Equal(t, 0, cli.Run(t.Context(), []string{"help", "prune"}, cli.Env{Stdout: &out}))
	help := out.String()
	docs := documentation(t)
	for title, must := range map[string]string{"Exact values and patterns:": "--keep-tag", "Values that match nothing:": "--allow-unmatched",
		"Units:": "180d", "Undo journal:": "~/.local/state/ghpkg/runs"} {
		i := strings.Index(help, title)
		require.GreaterOrEqual(t, i, 0, help)
		block := help[i:]
		if j := strings.Index(block, "\n\n"); j >= 0 {
			block = block[:j]
		}
		require.Contains(t, block, must)
		assert.Contains(t, docs, "```text\n"+block+"\n```", "README.md or docs/ repeats 'ghpkg help prune's %s word for word", title)
	}
}

// documentation returns README.md and every docs/*.md page, joined.
func documentation(t *testing.T) string {
	t.Helper()
	files, err := filepath.Glob("../../../docs/*.md")
	require.NoError(t, err)
	require.NotEmpty(t, files, "no docs/*.md pages")
	var all strings.Builder
	for _, f := range append([]string{"../../../README.md"}, files...) {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		all.Write(data)
		all.WriteString("\n")
	}
	return all.String()
}

// losingTransport forwards the first DELETE of each path but loses its answer, as a
// connection reset after GitHub carried it out would.
type losingTransport struct {
	next http.RoundTripper
	mu   sync.Mutex
	seen map[string]bool
}

func (l *losingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := l.next.RoundTrip(req)
	lost := false
	if req.Method == http.MethodDelete && err == nil {
		l.mu.Lock()
		lost = !l.seen[req.URL.Path]
		if l.seen == nil {
			l.seen = map[string]bool{}
		}
		l.seen[req.URL.Path] = true
		l.mu.Unlock()
	}
	if lost {
		resp.Body.Close()
		return nil, errors.New("connection reset by peer")
	}
	return resp, err
}

// TestReplayedDeleteIsConfirmed: a DELETE whose answer was lost is retried,
// gets 404, and is reported deleted only once a re-read confirms the
// version is gone while its package is readable.
func TestReplayedDeleteIsConfirmed(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.retry = &ghpackages.RetryPolicy{MaxRetries: 2, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}
	lose := &losingTransport{}
	h.wrap = func(next http.RoundTripper) http.RoundTripper { lose.next = next; return lose }
	code, out, errOut := h.run(t, "delete", teamApp, "--org", "octo-org", "--id", strconv.Itoa(untagged1), "--yes", "--json")
	require.Equal(t, 0, code, errOut)
	var doc runDoc
	decodeStrict(t, out, &doc)
	require.Len(t, doc.Report.Items, 1)
	it := doc.Report.Items[0]
	assert.Equal(t, "deleted", it.Outcome)
	assert.True(t, it.Replayed)
	assert.Equal(t, summary{Planned: 1, Deleted: 1}, doc.Summary)
	assert.Equal(t, 1, h.srv.Stats().Deletes)

	// A whole package cannot be read back once deleted: the replay is
	// reported gone-unconfirmed, with a warning, not deleted and not failed.
	code, out, errOut = h.run(t, "delete", ghpackagestest.DemoBaseImage, "--org", "octo-org", "--yes")
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, "gone-unconfirmed: package base-image\n", out)
	assert.Contains(t, errOut, "the first attempt's answer was lost and the retry got 404")
	assert.Contains(t, errOut, "warning: 1 answered 404 and could not be confirmed gone")
	p, ok := h.srv.Package("octo-org", ghpackages.Container, ghpackagestest.DemoBaseImage)
	require.True(t, ok)
	assert.NotNil(t, p.DeletedAt, "the first attempt did delete it")
}

// TestPruneLostDeleteIsRestorable: prune deletes a whole package, the
// answer is lost, the resend gets 404: gone-unconfirmed (a warning, exit 0).
// 'restore --report' restores it, as the run most likely deleted it; a
// second restore finds it active: already-active, exit 0.
func TestPruneLostDeleteIsRestorable(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.retry = &ghpackages.RetryPolicy{MaxRetries: 2, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}
	h.srv.AddPackage(ghpackagestest.PackageSpec{Owner: "octo-org", Type: ghpackages.NPM, Name: "old-tool"})
	for i := range 2 {
		h.srv.AddVersion("octo-org", ghpackages.NPM, "old-tool", ghpackagestest.VersionSpec{Name: "0." + strconv.Itoa(i), CreatedAt: start.AddDate(0, 0, -100+i)})
	}
	lose := &losingTransport{}
	h.wrap = func(next http.RoundTripper) http.RoundTripper { lose.next = next; return lose }
	report := h.dir + "/report.json"
	code, out, errOut := h.run(t, "prune", "old-tool", "--org", "octo-org", "--type", "npm", "--older-than", "30d",
		"--delete-package-when-empty", "--yes", "--report", report, "--json")
	require.Equal(t, 0, code, errOut)
	var doc runDoc
	decodeStrict(t, out, &doc)
	require.Len(t, doc.Report.Items, 1)
	it := doc.Report.Items[0]
	assert.Equal(t, "delete-package", it.Action)
	assert.Equal(t, "gone-unconfirmed", it.Outcome)
	assert.Contains(t, it.Error, "the first attempt's answer was lost and the retry got 404")
	assert.Equal(t, 1, doc.Summary.GoneUnconfirmed)
	assert.Contains(t, errOut, "warning: 1 answered 404 and could not be confirmed gone")
	p, ok := h.srv.Package("octo-org", ghpackages.NPM, "old-tool")
	require.True(t, ok)
	require.NotNil(t, p.DeletedAt, "the first attempt did delete it")

	h.wrap = nil
	code, out, errOut = h.run(t, "restore", "--report", report, "--json")
	require.Equal(t, 0, code, errOut)
	decodeStrict(t, out, &doc)
	assert.Equal(t, summary{Planned: 1, Restored: 1, Storage: unknownStorage}, doc.Summary)
	p, _ = h.srv.Package("octo-org", ghpackages.NPM, "old-tool")
	assert.Nil(t, p.DeletedAt, "restored")

	code, out, errOut = h.run(t, "restore", "--report", report)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "old-tool")
	assert.Contains(t, out, "already-active")
	assert.Contains(t, out, "\n1 already active\n")
	assert.Equal(t, 1, h.srv.Stats().Restores, "nothing restored twice")
}

// TestDelete404ButVisible: a DELETE answered 404 for a version the token
// can read is a failure (no admin on the package), not "already gone".
func TestDelete404ButVisible(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.retry = new(ghpackages.NoRetry())
	h.srv.InjectFault(ghpackagestest.Fault{Method: "DELETE", Count: 1, Status: 404})
	code, out, errOut := h.run(t, "delete", teamApp, "--org", "octo-org", "--id", strconv.Itoa(untagged1), "--yes")
	assert.Equal(t, 1, code)
	assert.Equal(t, "failed: version 1260000006 of team/app\n", out)
	assert.Contains(t, errOut, "but it still exists: the token can read team/app but not delete it")
	assert.Contains(t, errOut, "Manage Actions access")

	// A 404 for a version deleted before, in a readable package: gone.
	code, out, _ = h.run(t, "delete", teamApp, "--org", "octo-org", "--id", "1260000007", "--yes")
	assert.Equal(t, 0, code)
	assert.Equal(t, "already-gone: version 1260000007 of team/app\n", out)

	// A version the package never had: exit 2, nothing sent.
	code, _, errOut = h.run(t, "delete", teamApp, "--org", "octo-org", "--id", "1260000099", "--yes")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "has no version 1260000099, active or deleted: nothing to delete")
}

// TestPruneReplayed404ButVisible: a prune DELETE whose first attempt failed
// (502) and whose resend got 404 for a version that still reads is a
// failure naming the missing admin permission, as for a plain 404.
func TestPruneReplayed404ButVisible(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.retry = &ghpackages.RetryPolicy{MaxRetries: 2, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}
	h.srv.InjectFault(ghpackagestest.Fault{Method: "DELETE", Status: 502})
	h.srv.InjectFault(ghpackagestest.Fault{Method: "DELETE", Status: 404})
	code, out, errOut := h.run(t, "prune", teamApp, "--org", "octo-org", "--older-than", "30d", "--skip-reference-check",
		"--max-delete", "1", "--yes", "--json")
	assert.Equal(t, 1, code, errOut)
	var doc runDoc
	decodeStrict(t, out, &doc)
	require.Len(t, doc.Report.Items, 1)
	it := doc.Report.Items[0]
	assert.Equal(t, "failed", it.Outcome)
	assert.Equal(t, 404, it.Status)
	assert.Contains(t, it.Error, "but it still exists: the token can read team/app but not delete it")
	assert.Equal(t, summary{Planned: 1, Kept: doc.Summary.Kept, Failed: 1, Storage: unknownStorage}, doc.Summary)
	assert.Zero(t, h.srv.Stats().Deletes)
}

// TestForbiddenNamesThePackage: a token without classic scopes (like the
// Actions GITHUB_TOKEN) is tried; GitHub's 403 is explained naming the
// package and where to grant the repository access.
func TestForbiddenNamesThePackage(t *testing.T) {
	t.Parallel()
	h := newHarness(t).withEnv(map[string]string{"GITHUB_TOKEN": fineGrain})
	code, out, errOut := h.run(t, "delete", teamApp, "--org", "octo-org", "--id", strconv.Itoa(untagged1), "--yes")
	assert.Equal(t, 1, code)
	assert.Equal(t, "failed: version 1260000006 of team/app\n", out)
	assert.Contains(t, errOut, "warning: GitHub reports no classic scopes for this token")
	assert.Contains(t, errOut, "403 Resource not accessible by personal access token")
	assert.Contains(t, errOut, "the token may not change team/app: with the Actions GITHUB_TOKEN, give this repository access to the package (Package settings → Manage Actions access")
}
