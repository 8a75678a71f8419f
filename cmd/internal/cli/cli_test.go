package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/ghpackages/ghpackages-go/internal/testguard"
	"io"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/cmd/internal/buildinfo"
	"github.com/ghpackages/ghpackages-go/cmd/internal/cli"
	"github.com/ghpackages/ghpackages-go/ghcrtest"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
)

const (
	secret     = "ghp_CLISECRET0123456789abcdef"
	readOnly   = "ghp_readonly_CLISECRET"
	fineGrain  = "github_pat_CLISECRET_fine"
	teamApp    = ghpackagestest.DemoContainer
	firstID    = 1260000005 // the demo's oldest active team/app version (v1.0.0)
	untagged1  = 1260000006 // the oldest untagged team/app version, 77 days old
	prunedApp  = 10         // untagged team/app versions older than 30 days
	appVersion = 37         // active team/app versions
)

var start = testguard.Epoch() // fixed, unless GHPACKAGES_TEST_EPOCH moves it

type harness struct {
	srv   *ghpackagestest.Server
	clock *ghpackagestest.FakeClock
	env   map[string]string
	dir   string
	retry *ghpackages.RetryPolicy
	// wrap, if set, wraps each run's transport (to lose answers).
	wrap func(http.RoundTripper) http.RoundTripper
	// subst is a value a test's setup leaves for its arguments.
	subst string
	// paced keeps the CLI's own pacing (--pace) instead of switching it
	// off; the fake clock takes the waits.
	paced bool
	// registryClock takes the registry's waits (its own, so they do not
	// move the API's clock).
	registryClock *ghpackagestest.FakeClock
	// cacheBase is the user cache directory the runs see.
	cacheBase string
	// stateDir is the user state directory the runs see (undo journals).
	stateDir string
	// ctx, if set, is the context runs get instead of the test's.
	ctx context.Context
	// stdout, if set, receives stdout as well as the returned string
	// (a writer that fails, say).
	stdout io.Writer
}

func newHarness(t testing.TB, opts ...ghpackagestest.Option) *harness {
	t.Helper()
	clock := ghpackagestest.NewFakeClock(start)
	base := []ghpackagestest.Option{
		ghpackagestest.WithClock(clock), ghpackagestest.WithDemo(),
		ghpackagestest.WithRawRegistry(registry.New(registry.Logger(log.New(io.Discard, "", 0)))),
		ghpackagestest.WithTokenSpec(secret, ghpackagestest.TokenSpec{Scopes: ghpackagestest.AllScopes()}),
		ghpackagestest.WithTokenSpec(readOnly, ghpackagestest.TokenSpec{Scopes: []ghpackages.Scope{ghpackages.ScopeReadPackages}}),
		ghpackagestest.WithTokenSpec(fineGrain, ghpackagestest.TokenSpec{FineGrained: true}),
	}
	srv := ghpackagestest.NewServer(append(base, opts...)...)
	t.Cleanup(srv.Close)
	return &harness{srv: srv, clock: clock, env: map[string]string{"GITHUB_TOKEN": secret}, dir: t.TempDir(),
		registryClock: ghpackagestest.NewFakeClock(start), cacheBase: t.TempDir(), stateDir: t.TempDir()}
}

// withEnv returns a copy of h that runs with env instead.
func (h *harness) withEnv(env map[string]string) *harness {
	c := *h
	c.env = env
	return &c
}

// run runs ghpkg with args against the fake and returns the exit code,
// stdout and stderr.
func (h *harness) run(t testing.TB, args ...string) (int, string, string) {
	t.Helper()
	return h.runIn(t, "", args...)
}

// runIn is run with stdin. It checks that no secret token appears in any
// output: stdout, stderr, and every file in the harness directory (step
// summaries, reports).
func (h *harness) runIn(t testing.TB, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	full := append([]string{}, args...)
	if !slices.ContainsFunc(args, func(a string) bool { return a == "--base-url" || strings.HasPrefix(a, "--base-url=") }) {
		full = append(full, "--base-url", h.srv.BaseURL())
	}
	ctx := t.Context()
	if h.ctx != nil {
		ctx = h.ctx
	}
	var stdout io.Writer = &out
	if h.stdout != nil {
		stdout = io.MultiWriter(h.stdout, &out)
	}
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	var rt http.RoundTripper = tr
	if h.wrap != nil {
		rt = h.wrap(tr)
	}
	code := cli.Run(ctx, full, cli.Env{
		Transport: rt,
		Getenv:    func(k string) string { return h.env[k] },
		Stdout:    stdout, Stderr: &errOut, Stdin: strings.NewReader(stdin), Now: h.clock.Now,
		ClientOptions: h.clientOptions(),
		Retry:         h.retry,
		Clock:         h.registryClock,
		CacheDir:      func() (string, error) { return h.cacheBase, nil },
		StateDir:      func() (string, error) { return h.stateDir, nil },
	})
	outputs := map[string]string{"stdout": out.String(), "stderr": errOut.String()}
	files, _ := filepath.Glob(filepath.Join(h.dir, "*"))
	for _, f := range files {
		if info, err := os.Stat(f); err == nil && info.IsDir() {
			continue
		}
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		outputs[f] = string(b)
	}
	for where, s := range outputs {
		for _, tok := range []string{secret, readOnly, fineGrain, "CLISECRET"} {
			assert.NotContains(t, s, tok, "a token is never printed (%s)", where)
		}
	}
	return code, out.String(), errOut.String()
}

func (h *harness) clientOptions() []ghpackages.Option {
	if h.paced {
		return []ghpackages.Option{ghpackages.WithClock(h.clock)}
	}
	return []ghpackages.Option{ghpackages.WithClock(h.clock), ghpackages.WithPacing(ghpackages.NoPacing())}
}

// decodeStrict decodes raw into v, failing on fields v does not declare: a
// schema check.
func decodeStrict(t *testing.T, raw string, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(v), raw)
}

type owner struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
}

type head struct {
	Schema  string `json:"schema"`
	Command string `json:"command"`
	Owner   *owner `json:"owner"`
	Type    string `json:"type"`
}

type summary struct {
	Planned         int `json:"planned"`
	Kept            int `json:"kept"`
	Deleted         int `json:"deleted"`
	AlreadyGone     int `json:"already_gone"`
	GoneUnconfirmed int `json:"gone_unconfirmed"`
	Retained        int `json:"retained"`
	Failed          int `json:"failed"`
	NotAttempted    int `json:"not_attempted"`
	Restored        int `json:"restored"`
	AlreadyActive   int `json:"already_active"`
	Expired         int `json:"expired"`
	Skipped         int `json:"skipped"`
	Withheld        int `json:"withheld"`
	RegistryWaits   int `json:"registry_waits"`
	PlannedUntags   int `json:"planned_untags"`
	Untagged        int `json:"untagged"`
	UntagPending    int `json:"untag_pending"`
	// Storage, prune only: null counts are unknown.
	Storage *storageDoc `json:"storage"`
}

// unknownStorage is the storage of a prune that did not read the
// registry.
var unknownStorage = &storageDoc{}

// storageDoc is a plan's or run's storage, in bytes; nil is unknown.
type storageDoc struct {
	FreedBytes *int64 `json:"freed_bytes"`
	KeptBytes  *int64 `json:"kept_bytes"`
}

// itemDoc, reportDoc and planDoc are the documented report and plan.
type itemDoc struct {
	Type       string    `json:"type"`
	Package    string    `json:"package"`
	Repository string    `json:"repository"`
	VersionID  int64     `json:"version_id"`
	Version    string    `json:"version"`
	Tags       []string  `json:"tags"`
	Action     string    `json:"action"`
	Reason     string    `json:"reason"`
	Outcome    string    `json:"outcome"`
	Error      string    `json:"error"`
	Status     int       `json:"status"`
	Replayed   bool      `json:"replayed"`
	At         time.Time `json:"at"`
}

type reportDoc struct {
	OwnerKind  string    `json:"owner_kind"`
	OwnerName  string    `json:"owner_name"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	Stopped    string    `json:"stopped"`
	Items      []itemDoc `json:"items"`
}

type planDoc struct {
	OwnerKind string         `json:"owner_kind"`
	OwnerName string         `json:"owner_name"`
	CreatedAt time.Time      `json:"created_at"`
	Warnings  []string       `json:"warnings"`
	Untag     []string       `json:"untag"`
	Policy    map[string]any `json:"policy"`
	Packages  []struct {
		Type           string         `json:"type"`
		Name           string         `json:"name"`
		Withheld       int            `json:"withheld"`
		WithheldReason string         `json:"withheld_reason"`
		DeletePackage  bool           `json:"delete_package"`
		PackageReason  string         `json:"package_reason"`
		KeptByReason   map[string]int `json:"kept_by_reason"`
		Storage        storageDoc     `json:"storage"`
		Groups         []struct {
			Group  string `json:"group"`
			Images int    `json:"images"`
			Kept   int    `json:"kept"`
		} `json:"groups"`
		Versions []struct {
			ID          int64     `json:"id"`
			Name        string    `json:"name"`
			Tags        []string  `json:"tags"`
			CreatedAt   time.Time `json:"created_at"`
			Action      string    `json:"action"`
			Reason      string    `json:"reason"`
			Untag       []string  `json:"untag"`
			Placeholder bool      `json:"placeholder"`
			Groups      []string  `json:"groups"`
			SizeBytes   *int64    `json:"size_bytes"`
		} `json:"versions"`
	} `json:"packages"`
}

type stopped struct {
	Reason  string `json:"reason"`
	Message string `json:"message"`
	Done    int    `json:"done"`
	Left    int    `json:"left"`
}

// runDoc is the documented output of delete, restore and prune.
type runDoc struct {
	head
	DryRun  bool       `json:"dry_run"`
	Plan    *planDoc   `json:"plan"`
	Report  *reportDoc `json:"report"`
	Summary summary    `json:"summary"`
	Stopped *stopped   `json:"stopped"`
}

type errorDoc struct {
	head
	Error struct {
		Message       string   `json:"message"`
		ExitCode      int      `json:"exit_code"`
		MissingScopes []string `json:"missing_scopes"`
	} `json:"error"`
}

func TestHelp(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	assert.Equal(t, 0, cli.Run(t.Context(), nil, cli.Env{Stdout: &out, Stderr: &errOut}), "no command prints the help")
	assert.Contains(t, out.String(), "Usage:")
	out.Reset()
	assert.Equal(t, 0, cli.Run(t.Context(), []string{"help"}, cli.Env{Stdout: &out}))
	assert.Contains(t, out.String(), "ghpkg prune")
	out.Reset()
	assert.Equal(t, 0, cli.Run(t.Context(), []string{"help", "json"}, cli.Env{Stdout: &out}))
	assert.Contains(t, out.String(), `schema "ghpkg/v1"`)
	out.Reset()
	assert.Equal(t, 0, cli.Run(t.Context(), []string{"prune", "-h"}, cli.Env{Stdout: &out}))
	assert.Contains(t, out.String(), "--older-than AGE")
}

func TestPackagesVersionsGet(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	code, out, _ := h.run(t, "packages", "--org", "octo-org")
	require.Equal(t, 0, code)
	lines := strings.Split(out, "\n")
	assert.Equal(t, []string{"NAME", "VISIBILITY", "VERSIONS", "UPDATED"}, strings.Fields(lines[0]))
	assert.Contains(t, out, "team/app    public      37")
	assert.Contains(t, out, "base-image  private     3")
	assert.Equal(t, strings.Index(lines[0], "VISIBILITY"), strings.Index(lines[1], "public"), "columns are aligned")

	code, byOwner, _ := h.run(t, "packages", "--owner", "octo-org")
	require.Equal(t, 0, code)
	assert.Equal(t, out, byOwner, "--owner finds that octo-org is an organization")

	code, out, _ = h.run(t, "packages", "--org", "octo-org", "--json")
	require.Equal(t, 0, code)
	var pkgs struct {
		head
		Packages []map[string]any `json:"packages"`
	}
	decodeStrict(t, out, &pkgs)
	assert.Equal(t, head{Schema: "ghpkg/v1", Command: "packages", Owner: &owner{"org", "octo-org"}, Type: "container"}, pkgs.head)
	assert.Len(t, pkgs.Packages, 2)

	code, out, _ = h.run(t, "versions", teamApp, "--org", "octo-org", "--json")
	require.Equal(t, 0, code)
	var vs struct {
		head
		Versions []struct {
			ID   int64    `json:"id"`
			Tags []string `json:"tags"`
		} `json:"versions"`
		Package string `json:"package"`
		State   string `json:"state"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &vs))
	assert.Equal(t, "versions", vs.Command)
	assert.Equal(t, teamApp, vs.Package)
	assert.Equal(t, "active", vs.State)
	require.Len(t, vs.Versions, appVersion)
	assert.Equal(t, []string{"v1.9.0", "latest", "stable"}, vs.Versions[0].Tags)

	code, out, _ = h.run(t, "versions", "--org", "octo-org", "--state", "deleted", teamApp)
	require.Equal(t, 0, code)
	assert.Equal(t, []string{"ID", "NAME", "TAGS", "AGE", "DELETED"}, strings.Fields(strings.Split(out, "\n")[0]))
	assert.Contains(t, out, "2d ago")
	assert.Equal(t, 4, strings.Count(out, "\n"), "header and 3 deleted versions")

	code, out, _ = h.run(t, "get", ghpackagestest.DemoNPM, "--org", "octo-org", "--type", "npm")
	require.Equal(t, 0, code)
	assert.Contains(t, out, "repository: octo-org/hello-world-npm")

	code, out, _ = h.run(t, "get", teamApp, "--org", "octo-org", "--id", strconv.Itoa(firstID), "--json")
	require.Equal(t, 0, code)
	var got struct {
		head
		Package string                     `json:"package"`
		Version *ghpackages.PackageVersion `json:"version"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &got))
	require.NotNil(t, got.Version)
	assert.Equal(t, []string{"v1.0.0"}, got.Version.Tags())

	// The authenticated user by default.
	code, out, _ = h.run(t, "packages", "--type", "rubygems", "--json")
	require.Equal(t, 0, code)
	var mine struct {
		head
		Packages []ghpackages.Package `json:"packages"`
	}
	decodeStrict(t, out, &mine)
	assert.Equal(t, &owner{Kind: "authenticated"}, mine.Owner)
	require.Len(t, mine.Packages, 1)
	assert.Equal(t, ghpackagestest.DemoUserGem, mine.Packages[0].Name)
}

func TestUsageAndAuthErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	tests := []struct {
		name string
		env  map[string]string
		args []string
		code int
		msg  string
	}{
		{"unknown command", nil, []string{"frobnicate"}, 2, "unknown command"},
		{"unknown flag", nil, []string{"packages", "--frob"}, 2, "unknown flag: --frob"},
		{"bad type", nil, []string{"packages", "--type", "pypi"}, 2, `invalid argument "pypi" for "--type" flag: want npm, maven, rubygems, docker, nuget or container`},
		{"packages takes no args", nil, []string{"packages", "x"}, 2, "takes no arguments"},
		{"versions needs a package", nil, []string{"versions", "--org", "octo-org"}, 2, "want exactly one PACKAGE"},
		{"bad state", nil, []string{"versions", teamApp, "--state", "gone"}, 2, `invalid argument "gone" for "--state" flag: want active or deleted`},
		{"org and user", nil, []string{"packages", "--org", "a", "--user", "b"}, 2, "give one of --org, --user and --owner"},
		{"--owner unknown", nil, []string{"packages", "--owner", "ghost"}, 2, "--owner ghost: no such user or organization"},
		{"--org unknown", nil, []string{"packages", "--org", "ghost"}, 2, "--org ghost: no such organization"},
		{"no token", map[string]string{}, []string{"packages", "--org", "octo-org"}, 2, "no token: set GITHUB_TOKEN or GH_TOKEN"},
		{"GH_TOKEN works", map[string]string{"GH_TOKEN": secret}, []string{"packages", "--org", "octo-org"}, 0, ""},
		{"missing token file", nil, []string{"packages", "--token-file", "/nonexistent/token"}, 2, "reading --token-file"},
		{"bad token", map[string]string{"GITHUB_TOKEN": "ghp_wrong"}, []string{"packages", "--org", "octo-org"}, 2, "the token was refused"},
		{"delete needs --yes", nil, []string{"delete", teamApp, "--org", "octo-org", "--id", strconv.Itoa(firstID)}, 2, "refusing to delete without --yes"},
		{"delete needs --yes before a token", map[string]string{}, []string{"delete", teamApp, "--org", "octo-org"}, 2, "refusing to delete without --yes"},
		{"missing scope names it", map[string]string{"GITHUB_TOKEN": readOnly}, []string{"delete", teamApp, "--org", "octo-org", "--id", strconv.Itoa(firstID), "--yes"}, 2, "the token lacks the scopes delete:packages"},
		{"version never there is refused", nil, []string{"delete", ghpackagestest.DemoUserGem, "--type", "rubygems", "--id", "1260000099", "--yes"}, 2, "has no version 1260000099, active or deleted"},
		{"missing package explains 404", nil, []string{"get", "nope", "--org", "octo-org"}, 2, "GitHub answers 404, not 403"},
		{"policy needs an age", nil, []string{"prune", "--org", "octo-org"}, 2, "give --older-than AGE (e.g. 30d), or --all-ages"},
		{"two selections", nil, []string{"prune", "--org", "octo-org", "--older-than", "1d", "--any-tags", "--tagged-only"}, 2, "give one of"},
		{"bad age", nil, []string{"prune", "--org", "octo-org", "--older-than", "soon"}, 2, "--older-than"},
		{"bad pattern", nil, []string{"prune", "--org", "octo-org", "--older-than", "1d", "--exclude", "re:("}, 2, "--exclude"},
		{"bad keep-id", nil, []string{"prune", "--org", "octo-org", "--older-than", "1d", "--keep-id", "x"}, 2, "positive version ID"},
		{"dry-run=false needs --yes", nil, []string{"prune", "--org", "octo-org", "--older-than", "1d", "--dry-run=false"}, 2, "without --yes"},
		{"restore report missing", nil, []string{"restore", "--report", "/nonexistent/report.json"}, 2, "reading --report"},
		{"scopes for unknown", nil, []string{"scopes", "--for", "frob"}, 2, `invalid argument "frob" for "--for" flag`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			hh := h
			if tc.env != nil {
				hh = h.withEnv(tc.env)
			}
			code, _, errOut := hh.run(t, tc.args...)
			assert.Equal(t, tc.code, code, errOut)
			assert.Contains(t, errOut, tc.msg)
		})
	}
	assert.Zero(t, h.srv.Stats().Deletes, "no usage error deleted anything")
}

func TestErrorsAsJSON(t *testing.T) {
	t.Parallel()
	h := newHarness(t).withEnv(map[string]string{"GITHUB_TOKEN": readOnly})
	code, out, errOut := h.run(t, "delete", teamApp, "--org", "octo-org", "--id", strconv.Itoa(firstID), "--yes", "--json")
	assert.Equal(t, 2, code, "the scope check comes before any change")
	assert.Contains(t, errOut, "delete:packages")
	var scopeErr errorDoc
	decodeStrict(t, out, &scopeErr)
	assert.Equal(t, []string{"delete:packages"}, scopeErr.Error.MissingScopes)
	assert.Equal(t, 2, scopeErr.Error.ExitCode)
	assert.Zero(t, h.srv.Stats().Deletes)

	code, out, _ = h.run(t, "prune", "--keep", "-1", "--older-than", "1d", "--json")
	assert.Equal(t, 2, code)
	var flagErr errorDoc
	decodeStrict(t, out, &flagErr)
	assert.Equal(t, "prune", flagErr.Command)
	assert.Contains(t, flagErr.Error.Message, `"--keep"`)

	code, out, _ = h.withEnv(map[string]string{}).run(t, "packages", "--org", "octo-org", "--json")
	assert.Equal(t, 2, code)
	var e errorDoc
	decodeStrict(t, out, &e)
	assert.Equal(t, "packages", e.Command)
	assert.Equal(t, 2, e.Error.ExitCode)
	assert.Contains(t, e.Error.Message, "no token")
	assert.Equal(t, []string{}, e.Error.MissingScopes)
}

func TestTokenSources(t *testing.T) {
	t.Parallel()
	h := newHarness(t).withEnv(map[string]string{"GITHUB_TOKEN": "ghp_wrong"})
	file := filepath.Join(t.TempDir(), "token")
	require.NoError(t, os.WriteFile(file, []byte(secret+"\n"), 0o600))
	code, _, errOut := h.run(t, "packages", "--org", "octo-org", "--token-file", file)
	assert.Equal(t, 0, code, "--token-file wins over GITHUB_TOKEN: %s", errOut)

	code, _, errOut = h.runIn(t, secret+"\n", "packages", "--org", "octo-org", "--token-file", "-")
	assert.Equal(t, 0, code, "--token-file - reads stdin: %s", errOut)

	empty := filepath.Join(t.TempDir(), "empty")
	require.NoError(t, os.WriteFile(empty, nil, 0o600))
	code, _, errOut = h.run(t, "packages", "--token-file", empty)
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "is empty")
}

// TestTokenNeverPrinted runs every command, succeeding and failing, as text
// and JSON, in GitHub Actions; runIn checks every output and file for the
// token.
func TestTokenNeverPrinted(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.env["GITHUB_STEP_SUMMARY"] = filepath.Join(h.dir, "summary.md")
	report := filepath.Join(h.dir, "report.json")
	for _, args := range [][]string{
		{"packages", "--org", "octo-org"},
		{"versions", teamApp, "--org", "octo-org", "--state", "deleted"},
		{"get", teamApp, "--org", "octo-org", "--id", "1"},
		{"delete", "nope", "--org", "octo-org", "--yes"},
		{"restore", "nope", "--org", "octo-org", "--id", "12"},
		{"prune", teamApp, "--org", "octo-org", "--older-than", "30d", "--skip-reference-check", "--yes", "--max-delete", "1", "--report", report},
		{"restore", "--report", report},
		{"scopes"},
	} {
		for _, asJSON := range []bool{false, true} {
			a := args
			if asJSON {
				a = append(append([]string{}, args...), "--json")
			}
			h.run(t, a...)
		}
	}
	for _, env := range []map[string]string{{"GITHUB_TOKEN": readOnly}, {"GITHUB_TOKEN": fineGrain}, {"GITHUB_TOKEN": secret + "x"}} {
		h.withEnv(env).run(t, "delete", teamApp, "--org", "octo-org", "--id", strconv.Itoa(firstID), "--yes", "--json")
		h.withEnv(env).run(t, "prune", "--org", "octo-org", "--older-than", "1d", "--yes")
	}
}

func TestDeleteAndRestoreOneVersion(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	summaryFile := filepath.Join(h.dir, "summary.md")
	h.env["GITHUB_STEP_SUMMARY"] = summaryFile

	code, out, _ := h.run(t, "delete", teamApp, "--org", "octo-org", "--id", strconv.Itoa(firstID))
	require.Equal(t, 2, code)
	assert.Empty(t, out)
	assert.Zero(t, h.srv.Stats().Deletes, "no delete without --yes")

	code, out, _ = h.run(t, "delete", teamApp, "--org", "octo-org", "--id", strconv.Itoa(firstID), "--yes")
	require.Equal(t, 0, code)
	assert.Equal(t, "deleted: version 1260000005 of team/app\n", out)
	md, err := os.ReadFile(summaryFile)
	require.NoError(t, err)
	assert.Equal(t, "### ghpkg delete: org octo-org\n\n"+
		"| type | package | id | version | tags | action | outcome | detail |\n"+
		"| --- | --- | --- | --- | --- | --- | --- | --- |\n"+
		"| container | team/app | 1260000005 | `` | - | delete-version | deleted |  |\n"+
		"\n1 deleted\n\n", string(md))

	code, out, _ = h.run(t, "restore", teamApp, "--org", "octo-org", "--id", strconv.Itoa(firstID), "--json")
	require.Equal(t, 0, code)
	var doc runDoc
	decodeStrict(t, out, &doc)
	assert.Equal(t, head{Schema: "ghpkg/v1", Command: "restore", Owner: &owner{"org", "octo-org"}, Type: "container"}, doc.head)
	assert.False(t, doc.DryRun)
	assert.Nil(t, doc.Plan)
	assert.Nil(t, doc.Stopped)
	require.NotNil(t, doc.Report)
	require.Len(t, doc.Report.Items, 1)
	it := doc.Report.Items[0]
	assert.Equal(t, "restored", it.Outcome)
	assert.Equal(t, "restore-version", it.Action)
	assert.Equal(t, int64(firstID), it.VersionID)
	assert.Equal(t, summary{Planned: 1, Restored: 1}, doc.Summary)
	v, ok := findVersion(h, "octo-org", ghpackages.Container, teamApp, firstID)
	require.True(t, ok)
	assert.Nil(t, v.DeletedAt)

	// The last version of a package: refused, explained, exit 1.
	h.srv.AddPackage(ghpackagestest.PackageSpec{Owner: "octo-org", Type: ghpackages.NPM, Name: "solo"})
	id := h.srv.AddVersion("octo-org", ghpackages.NPM, "solo", ghpackagestest.VersionSpec{Name: "1.0.0"})
	code, out, errOut := h.run(t, "delete", "solo", "--org", "octo-org", "--type", "npm", "--id", strconv.FormatInt(id, 10), "--yes")
	assert.Equal(t, 1, code)
	assert.Equal(t, fmt.Sprintf("failed: version %d of solo\n", id), out)
	assert.Contains(t, errOut, "You cannot delete the last version of a package")
	assert.Contains(t, errOut, "delete the whole package instead")

	// A public version downloaded more than 5,000 times: refused, explained.
	h.srv.AddPackage(ghpackagestest.PackageSpec{Owner: "octo-org", Type: ghpackages.NPM, Name: "popular", Visibility: ghpackages.VisibilityPublic})
	hot := h.srv.AddVersion("octo-org", ghpackages.NPM, "popular", ghpackagestest.VersionSpec{Name: "1.0.0", Downloads: 6000})
	h.srv.AddVersion("octo-org", ghpackages.NPM, "popular", ghpackagestest.VersionSpec{Name: "2.0.0"})
	code, out, errOut = h.run(t, "delete", "popular", "--org", "octo-org", "--type", "npm", "--id", strconv.FormatInt(hot, 10), "--yes", "--json")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "more than 5000 downloads cannot be deleted")
	assert.Contains(t, errOut, "contact GitHub support")
	decodeStrict(t, out, &doc)
	assert.Equal(t, "failed", doc.Report.Items[0].Outcome)
	assert.Contains(t, doc.Report.Items[0].Error, "5000 downloads")

	md, err = os.ReadFile(summaryFile)
	require.NoError(t, err)
	assert.Equal(t, 4, strings.Count(string(md), "### ghpkg "), "each run appends its table")
	assert.Contains(t, string(md), "| npm | popular | "+strconv.FormatInt(hot, 10)+" | `` | - | delete-version | failed | ")
}

func findVersion(h *harness, ownerLogin string, typ ghpackages.PackageType, pkg string, id int64) (ghpackagestest.VersionRecord, bool) {
	for _, v := range h.srv.Versions(ownerLogin, typ, pkg) {
		if v.ID == id {
			return v, true
		}
	}
	return ghpackagestest.VersionRecord{}, false
}

func TestDeleteAndRestorePackage(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	code, out, errOut := h.run(t, "delete", ghpackagestest.DemoBaseImage, "--org", "octo-org", "--yes")
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, "deleted: package base-image\n", out)
	p, ok := h.srv.Package("octo-org", ghpackages.Container, ghpackagestest.DemoBaseImage)
	require.True(t, ok)
	assert.NotNil(t, p.DeletedAt)

	code, out, errOut = h.run(t, "restore", ghpackagestest.DemoBaseImage, "--org", "octo-org")
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, "restored: package base-image\n", out)
	p, _ = h.srv.Package("octo-org", ghpackages.Container, ghpackagestest.DemoBaseImage)
	assert.Nil(t, p.DeletedAt)
}

func TestPruneDryRunChangesNothing(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	summaryFile := filepath.Join(h.dir, "summary.md")
	h.env["GITHUB_STEP_SUMMARY"] = summaryFile
	before := h.srv.Versions("octo-org", ghpackages.Container, teamApp)

	// The demo's images are not in the registry: use the (unsafe) opt-out
	// here; TestPruneKeepsMultiArchChildren covers the multi-arch check.
	code, out, _ := h.run(t, "prune", teamApp, "--org", "octo-org", "--older-than", "30d", "--skip-reference-check")
	require.Equal(t, 0, code)
	assert.Equal(t, []string{"PACKAGE", "ID", "VERSION", "TAGS", "AGE", "PLAN", "REASON"}, strings.Fields(strings.Split(out, "\n")[0]))
	assert.Contains(t, out, "would delete 10 and keep 27 versions in 1 package(s); frees an unknown amount of storage; dry run, nothing changed: pass --yes to delete")
	assert.Contains(t, out, "untagged, created 77d ago, older than 30d")
	md, err := os.ReadFile(summaryFile)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(md), "### ghpkg prune: org octo-org (dry run)\n\n"+
		"| type | package | id | version | tags | age | plan | reason |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n"+
		"| container | team/app | 1260000006 | `sha256:081c0d8aa19f` | - | 77d | would delete | untagged, created 77d ago, older than 30d |\n"), string(md))
	assert.Equal(t, prunedApp, strings.Count(string(md), "| would delete |"))

	code, out, _ = h.run(t, "prune", teamApp, "--org", "octo-org", "--older-than", "30d", "--skip-reference-check", "--json")
	require.Equal(t, 0, code)
	var doc runDoc
	decodeStrict(t, out, &doc)
	assert.True(t, doc.DryRun)
	assert.Nil(t, doc.Report, "a dry run has no report")
	require.NotNil(t, doc.Plan)
	assert.Equal(t, summary{Planned: prunedApp, Kept: appVersion - prunedApp, Storage: unknownStorage}, doc.Summary)
	assert.Contains(t, out, `"report": null`)

	// --yes with an explicit --dry-run contradict each other: refused.
	code, _, errOut := h.run(t, "prune", teamApp, "--org", "octo-org", "--older-than", "30d", "--skip-reference-check", "--yes", "--dry-run")
	require.Equal(t, 2, code)
	assert.Contains(t, errOut, "--yes and --dry-run contradict each other")

	assert.Zero(t, h.srv.Stats().Deletes)
	assert.Equal(t, before, h.srv.Versions("octo-org", ghpackages.Container, teamApp), "nothing changed")
}

func TestPruneWithoutRegistryKeepsUntagged(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	// The registry (by default the loopback API host itself) has none of
	// the demo's manifests: lookups fail, so the planner keeps every
	// untagged version rather than guess.
	code, out, errOut := h.run(t, "prune", teamApp, "--org", "octo-org", "--older-than", "30d", "--show", "all")
	require.Equal(t, 1, code, "deletions were withheld: the plan is incomplete")
	assert.Contains(t, out, "would delete 0 and keep 37 versions")
	assert.Contains(t, out, "kept: the registry could not be read (see the warning on stderr)")
	assert.Contains(t, out, "\nwithheld 10 deletions in 1 package: team/app (10): the registry has none of the package's manifests (is it the right registry?)")
	assert.Equal(t, 1, strings.Count(out, "is it the right registry"), "the registry's error is not repeated in every row, only in the withheld line")
	assert.Equal(t, 1, strings.Count(errOut, "is it the right registry"), "it is reported once, on stderr: %s", errOut)
	assert.Contains(t, errOut, "warning: team/app: the registry")
	assert.Contains(t, errOut, "Check --registry")

	code, out, errOut = h.run(t, "prune", teamApp, "--org", "octo-org", "--older-than", "30d", "--json")
	require.Equal(t, 1, code)
	var doc runDoc
	decodeStrict(t, out, &doc)
	assert.Equal(t, 10, doc.Summary.Withheld)
	require.Len(t, doc.Plan.Packages, 1)
	assert.Equal(t, 10, doc.Plan.Packages[0].Withheld)
	assert.Contains(t, doc.Plan.Packages[0].WithheldReason, "the registry has none of the package's manifests")
	assert.Contains(t, errOut, "ghpkg prune: exit 1: withheld 10 deletions in 1 package: team/app (10)")
}

// TestPruneKeepsMultiArchChildren pushes a real multi-arch image to the
// fake's registry: its untagged platform manifests are kept, an unreferenced
// untagged manifest is deleted.
func TestPruneKeepsMultiArchChildren(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	img := pushMulti(t, h)

	code, out, errOut := h.run(t, "prune", "multi", "--org", "octo-org", "--older-than", "30d", "--yes", "--json")
	require.Equal(t, 0, code, errOut)
	var doc runDoc
	decodeStrict(t, out, &doc)
	require.NotNil(t, doc.Report)
	require.Len(t, doc.Report.Items, 1, "only the orphan is deleted")
	assert.Equal(t, img.orphanID, doc.Report.Items[0].VersionID)
	assert.Equal(t, "deleted", doc.Report.Items[0].Outcome)
	for _, id := range img.childIDs {
		v, ok := findVersion(h, "octo-org", ghpackages.Container, "multi", id)
		require.True(t, ok)
		assert.Nil(t, v.DeletedAt, "a platform manifest of the kept index stays")
	}
}

func TestPruneApplyReportAndRestore(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	summaryFile := filepath.Join(h.dir, "summary.md")
	h.env["GITHUB_STEP_SUMMARY"] = summaryFile
	report := filepath.Join(h.dir, "report.json")
	code, out, errOut := h.run(t, "prune", teamApp, "--org", "octo-org", "--older-than", "30d", "--skip-reference-check",
		"--max-delete", "4", "--yes", "--report", report, "--json")
	require.Equal(t, 0, code, errOut)
	var doc runDoc
	decodeStrict(t, out, &doc)
	assert.Equal(t, head{Schema: "ghpkg/v1", Command: "prune", Owner: &owner{"org", "octo-org"}, Type: "container"}, doc.head)
	assert.False(t, doc.DryRun)
	require.NotNil(t, doc.Plan)
	require.NotNil(t, doc.Report)
	assert.Nil(t, doc.Stopped)
	assert.Equal(t, summary{Planned: 4, Kept: appVersion - 4, Deleted: 4, Storage: unknownStorage}, doc.Summary)
	assert.Equal(t, 4, h.srv.Stats().Deletes)
	assert.Contains(t, errOut, "deleting: 4/4\n")
	for _, it := range doc.Report.Items {
		assert.Equal(t, "delete-version", it.Action)
		assert.Equal(t, teamApp, it.Package)
		assert.Empty(t, it.Tags)
		assert.Equal(t, "deleted", it.Outcome)
	}
	md, err := os.ReadFile(summaryFile)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(md), "### ghpkg prune: org octo-org\n\n| type | package | id | version | tags | action | outcome | detail |\n"), string(md))
	assert.Equal(t, 4, strings.Count(string(md), "| delete-version | deleted |"))
	assert.True(t, strings.HasSuffix(string(md), "\n4 deleted; freed an unknown amount of storage\n\n"), string(md))

	// The --report file is the bare report.
	var bare reportDoc
	raw, err := os.ReadFile(report)
	require.NoError(t, err)
	decodeStrict(t, string(raw), &bare)
	assert.Equal(t, doc.Report.Items, bare.Items)

	code, out, errOut = h.run(t, "restore", "--report", report)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "4 restored")
	assert.Equal(t, 4, h.srv.Stats().Restores)

	// The whole --json document, on stdin, works as a report too; restoring
	// again finds everything active: done, exit 0.
	code, _, _ = h.runIn(t, out, "restore", "--report", "-")
	require.Equal(t, 2, code, "the text output is no report")
	code, out, errOut = h.runIn(t, mustJSON(t, doc), "restore", "--report", "-", "--json")
	assert.Equal(t, 0, code, errOut)
	var again runDoc
	decodeStrict(t, out, &again)
	assert.Equal(t, summary{Planned: 4, AlreadyActive: 4}, again.Summary)
	assert.Equal(t, 4, h.srv.Stats().Restores, "nothing restored twice")
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// TestPruneStopsAtRateLimit: a limit the client cannot wait out ends the run
// cleanly, exit 1, with what is left; the next run finishes the job.
func TestPruneStopsAtRateLimit(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.retry = &ghpackages.RetryPolicy{MaxRetries: 1, BaseDelay: time.Millisecond, MaxRateLimitRetries: 2, SecondaryWait: 42 * time.Second}
	h.env["GITHUB_STEP_SUMMARY"] = filepath.Join(h.dir, "summary.md")
	// The third planned delete hits a secondary limit on all three tries.
	h.srv.InjectFault(ghpackagestest.Fault{Method: "DELETE", Path: "/orgs/octo-org/packages/container/team%2Fapp/versions/1260000016", Count: 3, Status: 429})
	args := []string{"prune", teamApp, "--org", "octo-org", "--older-than", "30d", "--skip-reference-check", "--yes"}
	code, out, errOut := h.run(t, append(args, "--json")...)
	require.Equal(t, 1, code, errOut)
	assert.Contains(t, errOut, "ghpkg: rate limited (secondary rate limit), waiting 42s before retrying DELETE /orgs/octo-org/packages/container/team%2Fapp/versions/1260000016 (attempt 1)\n")
	assert.Contains(t, errOut, "waiting 1m24s")
	var doc runDoc
	decodeStrict(t, out, &doc)
	require.NotNil(t, doc.Report)
	require.NotNil(t, doc.Stopped)
	// Whatever order Apply deletes in, it stops at the faulted version.
	done := slices.IndexFunc(doc.Report.Items, func(it itemDoc) bool { return it.VersionID == 1260000016 })
	require.GreaterOrEqual(t, done, 0)
	left := prunedApp - done
	assert.Equal(t, stopped{Reason: "rate_limit", Message: doc.Report.Stopped, Done: done, Left: left}, *doc.Stopped)
	assert.Contains(t, errOut, fmt.Sprintf("ghpkg prune: stopped at the rate limit; %d done, %d left; rerun to resume\n", done, left))
	assert.Equal(t, summary{Planned: prunedApp, Kept: appVersion - prunedApp, Deleted: done, NotAttempted: left, Storage: unknownStorage}, doc.Summary)
	assert.Equal(t, done, h.srv.Stats().Deletes)
	md, err := os.ReadFile(h.env["GITHUB_STEP_SUMMARY"])
	require.NoError(t, err)
	assert.Contains(t, string(md), fmt.Sprintf("%d deleted, %d not attempted; stopped (rate limit); %d done, %d left; rerun to resume", done, left, done, left))

	require.Zero(t, h.srv.PendingFaults())
	code, out, errOut = h.run(t, args...)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, fmt.Sprintf("\n%d deleted; freed an unknown amount of storage\n", left))
	assert.Equal(t, prunedApp, h.srv.Stats().Deletes)
}

func TestRetryNotice(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.retry = &ghpackages.RetryPolicy{MaxRetries: 2, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}
	h.srv.InjectFault(ghpackagestest.Fault{Method: "GET", PathPrefix: "/orgs/octo-org/packages/container/team%2Fapp/versions", Count: 1, Status: 502})
	code, _, errOut := h.run(t, "versions", teamApp, "--org", "octo-org")
	require.Equal(t, 0, code, errOut)
	assert.Regexp(t, `^ghpkg: server error \(502\) on GET /orgs/octo-org/packages/container/team%2Fapp/versions, retrying in [0-9.]+m?s \(attempt 1\)\n$`, errOut)
}

func TestPruneChecksScopesFirst(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ro := h.withEnv(map[string]string{"GITHUB_TOKEN": readOnly})
	code, _, errOut := ro.run(t, "prune", "--org", "octo-org", "--older-than", "30d", "--skip-reference-check", "--yes")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "the token lacks the scopes delete:packages needed to delete container package versions")
	assert.Zero(t, h.srv.Stats().Deletes)

	code, out, errOut := ro.run(t, "prune", "--org", "octo-org", "--older-than", "30d", "--skip-reference-check")
	assert.Equal(t, 0, code, "a dry run needs only read:packages")
	assert.Contains(t, errOut, "warning: the token lacks delete:packages, which --yes needs")
	assert.Contains(t, out, "would delete")

	fg := h.withEnv(map[string]string{"GITHUB_TOKEN": fineGrain})
	code, _, errOut = fg.run(t, "prune", teamApp, "--org", "octo-org", "--older-than", "30d", "--skip-reference-check", "--yes", "--max-delete", "1")
	assert.Equal(t, 1, code, "the fake refuses a fine-grained token's delete")
	assert.Contains(t, errOut, "warning: GitHub reports no classic scopes for this token")
}

func TestScopes(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	code, out, _ := h.run(t, "scopes", "--type", "npm")
	require.Equal(t, 0, code)
	assert.Contains(t, out, "token scopes: read:packages, write:packages, delete:packages, repo")
	assert.Contains(t, out, "delete    read:packages, delete:packages, repo  ok")

	ro := h.withEnv(map[string]string{"GITHUB_TOKEN": readOnly})
	code, out, errOut := ro.run(t, "scopes", "--type", "npm", "--json")
	assert.Equal(t, 2, code, "--for defaults to prune")
	assert.Contains(t, errOut, "the token lacks the scopes delete:packages, repo needed to prune npm packages")
	var doc struct {
		head
		For         string             `json:"for"`
		TokenKind   string             `json:"token_kind"`
		TokenScopes []ghpackages.Scope `json:"token_scopes"`
		Commands    []struct {
			Command   string             `json:"command"`
			Operation string             `json:"operation"`
			Needs     []ghpackages.Scope `json:"needs"`
			Missing   []ghpackages.Scope `json:"missing"`
			Status    string             `json:"status"`
		} `json:"commands"`
	}
	decodeStrict(t, out, &doc)
	assert.Equal(t, "classic", doc.TokenKind)
	assert.Nil(t, doc.Owner)
	require.Len(t, doc.Commands, 6)
	assert.Equal(t, "packages", doc.Commands[0].Command)
	assert.Equal(t, []ghpackages.Scope{ghpackages.ScopeRepo}, doc.Commands[0].Missing)
	assert.Equal(t, "delete", doc.Commands[3].Command)
	assert.Equal(t, []ghpackages.Scope{ghpackages.ScopeDeletePackages, ghpackages.ScopeRepo}, doc.Commands[3].Missing)
	assert.Equal(t, "missing", doc.Commands[3].Status)

	code, _, _ = ro.run(t, "scopes", "--for", "versions")
	assert.Equal(t, 0, code, "container reads need only read:packages")

	code, out, _ = h.withEnv(map[string]string{"GITHUB_TOKEN": fineGrain}).run(t, "scopes", "--json")
	assert.Equal(t, 0, code)
	decodeStrict(t, out, &doc)
	assert.Equal(t, "unknown", doc.TokenKind)
	assert.Equal(t, []ghpackages.Scope{}, doc.TokenScopes)
	assert.Equal(t, "unknown", doc.Commands[0].Status)
}

// TestJSONKeysDocumented checks that every key the commands print is in
// 'ghpkg help json'.
func TestJSONKeysDocumented(t *testing.T) {
	t.Parallel()
	var help bytes.Buffer
	require.Equal(t, 0, cli.Run(t.Context(), []string{"help", "json"}, cli.Env{Stdout: &help}))
	h := newHarness(t)
	h.retry = &ghpackages.RetryPolicy{MaxRateLimitRetries: -1}
	h.srv.InjectFault(ghpackagestest.Fault{Method: "DELETE", Count: 1, Status: 429, Path: "/orgs/octo-org/packages/container/team%2Fapp/versions/1260000013"})
	var docs []string
	for _, args := range [][]string{
		{"packages", "--org", "octo-org"},
		{"versions", teamApp, "--org", "octo-org"},
		{"get", teamApp, "--org", "octo-org"},
		{"get", teamApp, "--org", "octo-org", "--id", strconv.Itoa(firstID)},
		{"prune", teamApp, "--org", "octo-org", "--older-than", "30d", "--skip-reference-check"},
		{"prune", teamApp, "--org", "octo-org", "--older-than", "30d", "--skip-reference-check", "--yes"},
		{"delete", teamApp, "--org", "octo-org", "--id", strconv.Itoa(untagged1), "--yes"},
		{"scopes"},
		{"packages", "--token-file", "/nonexistent"},
		{"versions", ghpackagestest.DemoNPM, "--org", "octo-org", "--type", "npm"},
		{"versions", teamApp, "--org", "octo-org", "--state", "deleted"},
		{"get", ghpackagestest.DemoNPM, "--org", "octo-org", "--type", "npm"},
		{"version"},
	} {
		_, out, _ := h.run(t, append(args, "--json")...)
		docs = append(docs, out)
	}
	withRegistry := newHarness(t, ghcrtest.WithRegistry())
	for _, args := range [][]string{
		{"verify", teamApp, "--org", "octo-org"},
		{"prune", teamApp, "--org", "octo-org", "--older-than", "1d", "--verify"},
	} {
		_, out, _ := withRegistry.run(t, append(args, "--json")...)
		docs = append(docs, out)
	}
	// A release build's version document has every key.
	var stamped bytes.Buffer
	require.Equal(t, 0, cli.Run(t.Context(), []string{"version", "--json"}, cli.Env{Stdout: &stamped, Build: buildinfo.Resolve("v1.2.3", "0123abc", "2026-01-02T03:04:05Z")}))
	docs = append(docs, stamped.String())
	// Every object is ghpkg's own, down to the packages and versions.
	var check func(path string, v any)
	check = func(path string, v any) {
		obj, ok := v.(map[string]any)
		if !ok {
			return
		}
		for k, sub := range obj {
			assert.Contains(t, help.String(), k, "key %s%s is documented", path, k)
			if k == "kept_by_reason" {
				continue // its keys are reasons
			}
			if arr, ok := sub.([]any); ok && len(arr) > 0 {
				sub = arr[0]
			}
			check(path+k+".", sub)
		}
	}
	for _, d := range docs {
		var v map[string]any
		require.NoError(t, json.Unmarshal([]byte(d), &v), d)
		check("", v)
	}
	assert.Contains(t, strings.Join(docs, ""), `"stopped"`, "the stop was covered")
}
