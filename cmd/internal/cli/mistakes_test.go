package cli_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/ghcrtest"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
)

// mistake is one thing a hurried user gets wrong, and what ghpkg must do
// about it: the exit code, a message that names the flag or value and the
// fix, and either no change at all (exit 2: found before any change) or a
// report that accounts for every change made.
type mistake struct {
	name  string
	token string // GITHUB_TOKEN; secret when empty, none for "-"
	setup func(t *testing.T, h *harness)
	args  []string // {DIR} is the test's directory
	code  int
	want  []string // each in stdout or stderr: the flag or value, and the fix
	// report returns the run's report, for runs that may change things;
	// by default the --json document on stdout.
	report func(t *testing.T, h *harness, stdout, stderr string) *reportDoc
	// run, if set, runs the case instead of h.run: the real binary, for
	// signals and closed pipes (binary_mistakes_test.go).
	run func(t *testing.T, h *harness, args []string) (code int, stdout, stderr string)
}

const (
	actionsToken = "ghs_CLISECRET_workflow"
	noRepoToken  = "ghp_norepo_CLISECRET"
)

// dnsFailing answers every request to a host under .invalid as a resolver
// that knows the name does not exist, counting the attempts.
type dnsFailing struct {
	next  http.RoundTripper
	tries atomic.Int32
}

func (d *dnsFailing) RoundTrip(req *http.Request) (*http.Response, error) {
	if strings.HasSuffix(req.URL.Hostname(), ".invalid") {
		d.tries.Add(1)
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: req.URL.Hostname(), IsNotFound: true}}
	}
	return d.next.RoundTrip(req)
}

// afterDeletes calls fn once the n-th DELETE has been answered.
type afterDeletes struct {
	next http.RoundTripper
	n    int
	fn   func()
	mu   sync.Mutex
	seen int
}

func (a *afterDeletes) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := a.next.RoundTrip(req)
	if req.Method == http.MethodDelete {
		a.mu.Lock()
		a.seen++
		if a.seen == a.n {
			a.fn()
		}
		a.mu.Unlock()
	}
	return resp, err
}

// failingWriter fails every write, as a closed pipe or a full disk does.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) {
	return 0, errors.New("write /dev/stdout: broken pipe")
}

// rescued returns the report from the fallback file a message names.
func rescued(what string, whole bool) func(t *testing.T, h *harness, stdout, stderr string) *reportDoc {
	return func(t *testing.T, h *harness, _, stderr string) *reportDoc {
		t.Helper()
		m := regexp.MustCompile(`the ` + what + ` is in (\S+) instead`).FindStringSubmatch(stderr)
		require.NotNil(t, m, "the message says where the %s went: %s", what, stderr)
		t.Cleanup(func() { os.Remove(m[1]) })
		raw := readFile(t, m[1])
		if whole {
			var doc runDoc
			decodeStrict(t, raw, &doc)
			return doc.Report
		}
		var rep reportDoc
		decodeStrict(t, raw, &rep)
		return &rep
	}
}

// writeReport writes {DIR}/r.json: a report of owner's run that deleted
// version 1260000006 of pkg.
func writeReport(owner, pkg string) func(t *testing.T, h *harness) {
	return func(t *testing.T, h *harness) {
		at := start.UTC().Format(time.RFC3339)
		doc := fmt.Sprintf(`{"owner_kind":"org","owner_name":%q,"started_at":%q,"finished_at":%q,"items":[`+
			`{"type":"container","package":%q,"version_id":1260000006,"action":"delete-version","outcome":"deleted","at":%q}]}`, owner, at, at, pkg, at)
		require.NoError(t, os.WriteFile(filepath.Join(h.dir, "r.json"), []byte(doc), 0o600))
	}
}

// cacheEntry fills the manifest cache (a first verify), replaces the
// entry of a manifest the run reads with mk's, and checks after the run
// that the entry is a regular file or nothing.
func cacheEntry(mk func(path string) error) func(t *testing.T, h *harness) {
	return func(t *testing.T, h *harness) {
		code, _, errOut := h.run(t, "verify", teamApp, "--org", "octo-org")
		require.Equal(t, 0, code, errOut)
		entries, err := filepath.Glob(filepath.Join(h.cacheBase, "ghpkg", "manifests", "sha256", "*", "*"))
		require.NoError(t, err)
		require.NotEmpty(t, entries)
		p := entries[0]
		require.NoError(t, os.Remove(p))
		if err := mk(p); err != nil {
			t.Skipf("cannot make the entry here: %v", err)
		}
		t.Cleanup(func() {
			if info, err := os.Lstat(p); err == nil {
				assert.True(t, info.Mode().IsRegular(), "the entry is a regular file or nothing")
			}
		})
	}
}

// state is every package's and version's state in the fake.
func state(h *harness) map[string]bool {
	out := map[string]bool{}
	for _, o := range []string{"octo-org", ghpackagestest.DefaultLogin} {
		for _, p := range h.srv.Packages(o) {
			out[fmt.Sprintf("%s/%s/%s", o, p.Type, p.Name)] = p.DeletedAt == nil
			for _, v := range h.srv.Versions(o, p.Type, p.Name) {
				out[fmt.Sprintf("%s/%s/%s/%d", o, p.Type, p.Name, v.ID)] = v.DeletedAt == nil
			}
		}
	}
	return out
}

func mistakes() []mistake {
	prune := func(extra ...string) []string {
		return append([]string{"prune", teamApp, "--org", "octo-org"}, extra...)
	}
	full := "sha256:" + strings.Repeat("ab", 32)
	return []mistake{
		// Typos.
		{name: "misspelt flag", args: prune("--older-then", "30d"), code: 2, want: []string{"unknown flag: --older-then", "Did you mean --older-than?"}},
		{name: "misspelt command", args: []string{"prnue", teamApp}, code: 2, want: []string{`unknown command "prnue"`, "prune"}},
		{name: "age without unit", args: prune("--older-than", "30"), code: 2, want: []string{`--older-than "30" has no unit`, "write 30d for days"}},
		{name: "age in mins (Go would read 30ms)", args: prune("--older-than", "30mins", "--yes"), code: 2, want: []string{`--older-than "30mins": want an age such as 30d, 2w, 12h or 90min`}},
		{name: "age in milliseconds", args: prune("--older-than", "500ms", "--yes"), code: 2, want: []string{`--older-than "500ms": want an age such as 30d, 2w, 12h or 90min`}},
		{name: "grace in mins", args: prune("--older-than", "30d", "--grace", "10mins"), code: 2, want: []string{`--grace "10mins": want an age such as 1h, 30min or 2d`}},
		{name: "max-wait in mins", args: prune("--older-than", "30d", "--max-wait", "15mins"), code: 2, want: []string{`"15mins" for "--max-wait"`, "90s, 15min or 1h"}},
		{name: "age in words", args: prune("--older-than", "30days"), code: 2, want: []string{`--older-than "30days"`, "30d, 2w, 12h or 90m"}},
		{name: "plural type", args: []string{"packages", "--org", "octo-org", "--type", "containers"}, code: 2, want: []string{`"containers" for "--type"`, "container"}},
		{name: "misspelt --show value", args: prune("--older-than", "30d", "--show", "everything"), code: 2, want: []string{`"everything" for "--show"`, "deletes or all"}},
		{name: "misspelt package", args: []string{"versions", "team/ap", "--org", "octo-org"}, code: 2,
			want: []string{"team%2Fap", "not found in organization octo-org", "'ghpkg packages --org octo-org' lists the ones it can see"}},
		{name: "misspelt org", args: []string{"versions", teamApp, "--org", "octo-orgg"}, code: 2, want: []string{"--org octo-orgg: no such organization"}},
		{name: "package pattern matching nothing", args: []string{"prune", "tem/*", "--org", "octo-org", "--older-than", "30d"}, code: 0,
			want: []string{"tem/* matches no container package of org octo-org", "'ghpkg packages --org octo-org' lists them"}},
		{name: "keep-tag matching nothing", args: prune("--any-tags", "--older-than", "30d", "--keep-tag", "v9.9.9"), code: 0,
			want: []string{"--keep-tag v9.9.9 matches no version of team/app: it keeps nothing", "'ghpkg versions team/app' lists them"}},
		{name: "exclude matching nothing", args: prune("--any-tags", "--older-than", "30d", "--exclude", "lates"), code: 0,
			want: []string{"--exclude lates matches no tag of team/app: it keeps nothing"}},

		// Protective values that match nothing (issue 27): refused under --yes.
		{name: "keep-id a digit short", args: prune("--any-tags", "--older-than", "30d", "--keep-id", "126000006", "--yes"), code: 2,
			want: []string{"refusing to change anything, as a protective value that matches nothing protects nothing", "--keep-id 126000006 matches no version of team/app", "did you mean 1260000006?", "--allow-unmatched"}},
		{name: "exclude in the wrong case", args: prune("--any-tags", "--older-than", "30d", "--exclude", "V1.*", "--yes"), code: 2,
			want: []string{"--exclude V1.* matches no tag of team/app: it keeps nothing", "(matching V1.* ignoring case)", "--allow-unmatched"}},
		{name: "keep-tag matching nothing, yes", args: prune("--any-tags", "--older-than", "30d", "--keep-tag", "V1.0.0", "--yes"), code: 2,
			want: []string{"--keep-tag V1.0.0 matches no version of team/app", "did you mean v1.0.0?"}},
		{name: "keep-name matching nothing, yes", args: prune("--older-than", "30d", "--keep-name", full, "--yes"), code: 2,
			want: []string{"--keep-name " + full + " matches no version of team/app"}},
		{name: "group-by matching no tag", args: prune("--tagged-only", "--all-ages", "--group-by", `re:^V([0-9]+)\.`, "--keep-tagged", "2", "--yes"), code: 2,
			want: []string{`--group-by re:^V([0-9]+)\. matches no tag of team/app: every tagged image falls in one group`, "ignoring case"}},
		{name: "group-by matching no tag, dry run", args: prune("--tagged-only", "--all-ages", "--group-by", `re:^V([0-9]+)\.`, "--keep-tagged", "2"), code: 0,
			want: []string{`warning: --group-by re:^V([0-9]+)\. matches no tag of team/app`}},
		{name: "keep-id a digit short, dry run", args: prune("--any-tags", "--older-than", "30d", "--keep-id", "126000006", "--json"), code: 0,
			want: []string{`"warnings": [`, "--keep-id 126000006 matches no version of team/app", "did you mean 1260000006?"}},
		{name: "unmatched value allowed", args: prune("--older-than", "30d", "--keep-id", "126000006", "--yes", "--allow-unmatched", "--json"), code: 0,
			want: []string{"warning: --keep-id 126000006 matches no version"}},

		// Units and zero (issue 27).
		{name: "age in m", args: prune("--older-than", "6m"), code: 2, want: []string{"--older-than 6m: m is ambiguous: write 6min, or 180d for 6 months"}},
		{name: "age in months", args: prune("--older-than", "1mo"), code: 2, want: []string{"--older-than 1mo: months and years are not units here", "180d"}},
		{name: "grace in m", args: prune("--older-than", "30d", "--grace", "30m"), code: 2, want: []string{"--grace 30m: m is ambiguous: write 30min"}},
		{name: "max-wait in m", args: prune("--older-than", "30d", "--max-wait", "15m"), code: 2, want: []string{`"15m" for "--max-wait"`, "write 15min"}},
		{name: "max-delete zero", args: prune("--older-than", "30d", "--max-delete", "0", "--yes"), code: 2,
			want: []string{`"0" for "--max-delete"`, "omit the flag for no cap"}},
		{name: "registry as a pattern", args: prune("--older-than", "30d", "--registry", "ghcr.*"), code: 2,
			want: []string{`--registry "ghcr.*" is a pattern, but --registry takes one host`}},
		{name: "base URL as a pattern", args: []string{"packages", "--org", "octo-org", "--base-url", "https://*.example.com/api/v3/"}, code: 2,
			want: []string{`--base-url "https://*.example.com/api/v3/" is a pattern`}},
		{name: "registry as a pattern, verify", args: []string{"verify", teamApp, "--org", "octo-org", "--registry", "ghcr.*"}, code: 2,
			want: []string{`--registry "ghcr.*" is a pattern`}},
		{name: "registry as a pattern, restore (before any restore is sent)", setup: writeReport("octo-org", teamApp),
			args: []string{"restore", "--report", "{DIR}/r.json", "--registry", "ghcr.*"}, code: 2,
			want: []string{`--registry "ghcr.*" is a pattern`}},
		{name: "usage of an image reference", args: []string{"usage", "ghcr.io/octo-org/team/app", "--org", "octo-org"}, code: 2,
			want: []string{`PACKAGE "ghcr.io/octo-org/team/app" is an image reference: give the package name and the owner apart (team/app --owner octo-org)`}},
		{name: "usage of a list", args: []string{"usage", "team/app,base", "--org", "octo-org"}, code: 2,
			want: []string{`PACKAGE "team/app,base" holds several values`}},
		{name: "registry as a URL, restore", args: []string{"restore", teamApp, "--org", "octo-org", "--registry", "https://ghcr.io"}, code: 2,
			want: []string{`--registry "https://ghcr.io" is a URL`}},

		// Restores and deletes that check first (issue 27).
		{name: "restore report of an owner that does not exist", setup: writeReport("nobody-here", teamApp),
			args: []string{"restore", "--report", "{DIR}/r.json"}, code: 2, want: []string{"its owner, org nobody-here, does not exist", "nothing restored"}},
		{name: "restore report into another org", setup: writeReport("octo-org", teamApp),
			args: []string{"restore", "--report", "{DIR}/r.json", "--org", "other-org"}, code: 2, want: []string{"is a run of org octo-org, not of org other-org", "drop --org"}},
		{name: "restore report of a package that does not exist", setup: writeReport("octo-org", "gone-pkg"),
			args: []string{"restore", "--report", "{DIR}/r.json"}, code: 2, want: []string{"the container package gone-pkg of org octo-org does not exist", "nothing restored"}},
		{name: "restore into an owner that does not exist", args: []string{"restore", teamApp, "--org", "nobody-here", "--id", "1260000007"}, code: 2,
			want: []string{"--org nobody-here: no such organization"}},
		{name: "restore a version the package never had", args: []string{"restore", teamApp, "--org", "octo-org", "--id", "999"}, code: 2,
			want: []string{"has no version 999, active or deleted: nothing to restore", "--state deleted"}},
		{name: "delete a version the package never had", args: []string{"delete", teamApp, "--org", "octo-org", "--id", "999", "--yes"}, code: 2,
			want: []string{"container team/app has no version 999, active or deleted: nothing to delete"}},
		{name: "untag report in a missing directory", args: []string{"untag", teamApp, "stable", "--org", "octo-org", "--yes", "--report", "/nonexistent/dir/u.json"}, code: 2,
			want: []string{"the directory /nonexistent/dir does not exist"}},
		{name: "report file that is read-only is not replaced", setup: func(t *testing.T, h *harness) {
			require.NoError(t, os.WriteFile(filepath.Join(h.dir, "ro.json"), []byte("an earlier run's report\n"), 0o400))
			t.Cleanup(func() { assert.Equal(t, "an earlier run's report\n", readFile(t, filepath.Join(h.dir, "ro.json"))) })
		}, args: prune("--older-than", "30d", "--yes", "--report", "{DIR}/ro.json"), code: 2,
			want: []string{"--report {DIR}/ro.json cannot be written: the file is read-only"}},
		{name: "untag report is a directory", args: []string{"untag", teamApp, "stable", "--org", "octo-org", "--yes", "--report", "{DIR}"}, code: 2,
			want: []string{"is a directory: give a file name"}},

		// Cache entries that are not regular files (issue 27): ignored,
		// removed with a warning, never read (a FIFO would block, a link
		// to /dev/zero exhaust memory).
		{name: "FIFO in the cache", setup: cacheEntry(mkfifo),
			args: []string{"verify", teamApp, "--org", "octo-org"}, code: 0, want: []string{"manifest cache entries ignored and removed, to be rewritten", "(a FIFO)"}},
		{name: "cache entry linked to /dev/zero", setup: cacheEntry(func(p string) error { return os.Symlink("/dev/zero", p) }),
			args: []string{"prune", teamApp, "--org", "octo-org", "--older-than", "30d"}, code: 0, want: []string{"(a symbolic link)"}},
		{name: "oversized cache entry", setup: cacheEntry(func(p string) error { return os.WriteFile(p, make([]byte, 5<<20), 0o600) }),
			args: []string{"verify", teamApp, "--org", "octo-org"}, code: 0, want: []string{"over the 4 MiB a manifest can have"}},

		// Wrong values.
		{name: "age of zero", args: prune("--older-than", "0d"), code: 2, want: []string{"--older-than 0d is an age of zero", "--all-ages"}},
		{name: "negative age", args: prune("--older-than", "-5d"), code: 2, want: []string{"--older-than -5d: an age cannot be negative", "30d"}},
		{name: "negative keep", args: prune("--older-than", "30d", "--keep", "-1"), code: 2, want: []string{`"-1" for "--keep"`, "0 or more"}},
		{name: "max-delete in words", args: prune("--older-than", "30d", "--max-delete", "lots"), code: 2, want: []string{`"lots" for "--max-delete"`, "whole number"}},
		{name: "keep-id not a number", args: prune("--older-than", "30d", "--keep-id", "v1.0.0"), code: 2, want: []string{`"v1.0.0" for "--keep-id"`, "positive version ID"}},
		{name: "shortened digest as printed", args: prune("--older-than", "30d", "--keep-name", "sha256:9852a96250bf"), code: 2,
			want: []string{`--keep-name "sha256:9852a96250bf" is a shortened digest`, "--keep-id with the ID column"}},
		{name: "tag given as container name", args: prune("--older-than", "30d", "--keep-name", "latest"), code: 2,
			want: []string{`--keep-name "latest": container version names are digests`, "--keep-tag latest"}},
		{name: "digest given as tag", args: prune("--older-than", "30d", "--keep-tag", full), code: 2, want: []string{"is a digest, not a tag", "--keep-name", "--keep-id"}},
		{name: "image reference as tag", args: prune("--older-than", "30d", "--keep-tag", "team/app:v1.0.0"), code: 2,
			want: []string{`--keep-tag "team/app:v1.0.0" is an image reference`, "--keep-tag v1.0.0"}},
		{name: "list in one keep-tag", args: prune("--older-than", "30d", "--keep-tag", "latest,stable"), code: 2,
			want: []string{`--keep-tag "latest,stable" holds several tags`, "--keep-tag latest --keep-tag stable"}},
		{name: "list in one exclude", args: prune("--any-tags", "--older-than", "30d", "--exclude", "latest,stable"), code: 2,
			want: []string{`--exclude "latest,stable" holds several values`, "repeating the flag"}},
		{name: "image reference as package", args: []string{"prune", "ghcr.io/octo-org/team/app", "--older-than", "30d"}, code: 2,
			want: []string{`PACKAGE "ghcr.io/octo-org/team/app" is an image reference`, "team/app --owner octo-org"}},
		{name: "tag in package", args: []string{"prune", "team/app:latest", "--org", "octo-org", "--older-than", "30d"}, code: 2,
			want: []string{`PACKAGE "team/app:latest" names a tag or digest`, "give team/app"}},
		{name: "bad regexp", args: prune("--any-tags", "--older-than", "30d", "--include", "re:v1.(0"), code: 2, want: []string{`--include "re:v1.(0"`, "missing closing )"}},
		{name: "version ID zero", args: []string{"delete", teamApp, "--org", "octo-org", "--id", "0", "--yes"}, code: 2, want: []string{`"0" for "--id"`, "positive version ID"}},
		{name: "unknown pace", args: prune("--older-than", "30d", "--pace", "fast"), code: 2, want: []string{`"fast" for "--pace"`, "guidance or budget"}},
		{name: "max-wait in words", args: prune("--older-than", "30d", "--max-wait", "soon"), code: 2, want: []string{`"soon" for "--max-wait"`, "90s, 15min or 1h"}},
		{name: "version that does not exist", args: []string{"get", teamApp, "--org", "octo-org", "--id", "99"}, code: 2,
			want: []string{"container team/app has no version 99", "'ghpkg versions team/app --org octo-org' lists its versions"}},

		// Patterns in exact lists.
		{name: "glob in keep-tag", args: prune("--any-tags", "--older-than", "30d", "--keep-tag", "v1.*"), code: 2,
			want: []string{`--keep-tag "v1.*" is a pattern, but --keep-tag takes exact tags`, `--exclude "v1.*"`}},
		{name: "regexp in keep-tag", args: prune("--any-tags", "--older-than", "30d", "--keep-tag", "re:^v1"), code: 2,
			want: []string{`--keep-tag "re:^v1" is a pattern`, `--exclude "re:^v1"`}},
		{name: "question mark in keep-tag", args: prune("--any-tags", "--older-than", "30d", "--keep-tag", "nightly-2026092?"), code: 2,
			want: []string{`--keep-tag "nightly-2026092?" is a pattern`, "--exclude"}},
		{name: "glob in keep-name", args: prune("--older-than", "30d", "--keep-name", "sha256:*"), code: 2,
			want: []string{`--keep-name "sha256:*" is a pattern, but --keep-name takes exact version names`, "--keep-id ID"}},

		{name: "pattern as an exact package name", args: []string{"versions", "team/*", "--org", "octo-org"}, code: 2,
			want: []string{`PACKAGE "team/*" is a pattern, but versions takes exact package names`, "'ghpkg prune' takes patterns"}},
		{name: "package in --org", args: []string{"versions", "app", "--org", "octo-org/team"}, code: 2,
			want: []string{`--org "octo-org/team" holds a package`, "--org octo-org"}},
		{name: "pattern as an owner", args: []string{"packages", "--org", "octo-*"}, code: 2, want: []string{`--org "octo-*" is a pattern, but --org takes one login`}},
		{name: "registry as a URL", args: prune("--older-than", "30d", "--registry", "https://ghcr.io/v2/"), code: 2,
			want: []string{`--registry "https://ghcr.io/v2/" is a URL`, "--registry ghcr.io"}},

		// Contradictory flags.
		{name: "yes and dry-run", args: prune("--older-than", "30d", "--yes", "--dry-run"), code: 2,
			want: []string{"--yes and --dry-run contradict each other", "drop --dry-run to delete"}},
		{name: "age and all ages", args: prune("--older-than", "30d", "--all-ages"), code: 2, want: []string{"give one of --older-than and --all-ages"}},
		{name: "two tag selections", args: prune("--older-than", "30d", "--tagged-only", "--any-tags"), code: 2, want: []string{"give one of --untagged-only, --tagged-only, --any-tags"}},
		{name: "include without tags", args: prune("--older-than", "30d", "--untagged-only", "--include", "v*"), code: 2,
			want: []string{"--include selects tagged versions", "add --tagged-only or --any-tags"}},
		{name: "two owners", args: []string{"packages", "--org", "octo-org", "--user", "octocat"}, code: 2, want: []string{"give one of --org, --user and --owner"}},
		{name: "ghosts without the registry", args: prune("--older-than", "30d", "--delete-ghost-images", "--skip-reference-check"), code: 2,
			want: []string{"--delete-ghost-images", "need the registry, which --skip-reference-check skips"}},
		{name: "force without a version", args: []string{"delete", teamApp, "--org", "octo-org", "--yes", "--force"}, code: 2,
			want: []string{"--force only overrides the check of a container version (--id"}},
		{name: "report and package", args: []string{"restore", teamApp, "--report", "run.json"}, code: 2, want: []string{"--report takes no PACKAGE and no --id"}},
		{name: "no dry run without yes", args: prune("--older-than", "30d", "--dry-run=false"), code: 2, want: []string{"--dry-run=false deletes nothing without --yes"}},
		{name: "tagged-only for npm", args: []string{"prune", ghpackagestest.DemoNPM, "--org", "octo-org", "--type", "npm", "--older-than", "30d", "--tagged-only"}, code: 2,
			want: []string{"--tagged-only: only container and docker versions have tags (--type is npm)"}},

		// Unwritable paths.
		{name: "report in a missing directory", args: prune("--older-than", "30d", "--yes", "--report", "/nonexistent/dir/run.json"), code: 2,
			want: []string{"--report /nonexistent/dir/run.json: the directory /nonexistent/dir does not exist", "create it first"}},
		{name: "report in a missing directory, dry run", args: prune("--older-than", "30d", "--report", "/nonexistent/dir/run.json"), code: 2,
			want: []string{"the directory /nonexistent/dir does not exist"}},
		{name: "report is a directory", args: prune("--older-than", "30d", "--yes", "--report", "{DIR}"), code: 2,
			want: []string{"is a directory: give a file name, e.g. --report", "run.json"}},
		{name: "token file missing", args: []string{"packages", "--org", "octo-org", "--token-file", "/nonexistent/token"}, code: 2,
			want: []string{"reading --token-file", "/nonexistent/token"}},
		{name: "restore report missing", args: []string{"restore", "--report", "/nonexistent/run.json"}, code: 2, want: []string{"reading --report", "/nonexistent/run.json"}},
		{name: "report lost after the deletes", setup: func(t *testing.T, h *harness) {
			// After the first delete, the report's path becomes a directory:
			// the final write fails however the path was checked.
			path := filepath.Join(h.dir, "run.json")
			h.wrap = func(next http.RoundTripper) http.RoundTripper {
				return &afterDeletes{next: next, n: 1, fn: func() {
					require.NoError(t, os.Remove(path))
					require.NoError(t, os.Mkdir(path, 0o755))
				}}
			}
		}, args: prune("--older-than", "30d", "--yes", "--report", "{DIR}/run.json"), code: 1,
			want: []string{"writing --report " + "{DIR}/run.json failed", "('ghpkg restore --report ", "exit 1: the --report file"}, report: rescued("report", false)},
		{name: "stdout closed", setup: func(_ *testing.T, h *harness) { h.stdout = failingWriter{} },
			args: prune("--older-than", "30d", "--yes", "--json"), code: 1,
			want: []string{"writing the --json output failed: write /dev/stdout: broken pipe", "ghpkg restore --report "}, report: rescued("output", true)},
		{name: "usage --json to a closed stdout", setup: func(_ *testing.T, h *harness) { h.stdout = failingWriter{} },
			args: []string{"usage", teamApp, "--org", "octo-org", "--json"}, code: 1,
			want: []string{"ghpkg usage: exit 1: writing the --json output failed: write /dev/stdout: broken pipe"}},
		{name: "verify --json to a closed stdout", setup: func(_ *testing.T, h *harness) { h.stdout = failingWriter{} },
			args: []string{"verify", teamApp, "--org", "octo-org", "--json"}, code: 1,
			want: []string{"ghpkg verify: exit 1: writing the --json output failed: write /dev/stdout: broken pipe"}},

		// Tokens and scopes.
		{name: "read-only token deletes", token: readOnly, args: prune("--older-than", "30d", "--yes"), code: 2,
			want: []string{"the token lacks the scopes delete:packages", "add delete:packages to the classic token"}},
		{name: "read-only token restores", token: readOnly, args: []string{"restore", teamApp, "--org", "octo-org", "--id", "1260000007"}, code: 2,
			want: []string{"the token lacks the scopes write:packages", "add write:packages"}},
		{name: "npm without repo", token: noRepoToken, args: []string{"prune", ghpackagestest.DemoNPM, "--org", "octo-org", "--type", "npm", "--older-than", "30d"}, code: 2,
			want: []string{"the token lacks the scopes repo", "add repo to the classic token"}},
		{name: "no token", token: "-", args: []string{"packages", "--org", "octo-org"}, code: 2, want: []string{"no token: set GITHUB_TOKEN or GH_TOKEN, or pass --token-file"}},
		{name: "wrong token", token: "ghp_wrong", args: []string{"packages", "--org", "octo-org"}, code: 2,
			want: []string{"401", "the token was refused: check GITHUB_TOKEN, GH_TOKEN or --token-file"}},
		{name: "actions token without package names", token: actionsToken, args: []string{"prune", "--org", "octo-org", "--older-than", "30d"}, code: 2,
			want: []string{"403 Resource not accessible by integration", "the Actions GITHUB_TOKEN never can): name the packages instead"}},

		// Names that do not exist.
		{name: "package that does not exist", args: []string{"prune", "no-such-pkg", "--org", "octo-org", "--older-than", "30d"}, code: 2,
			want: []string{"no-such-pkg", "not found in organization octo-org", "'ghpkg packages --org octo-org'"}},
		{name: "forgot --org", args: []string{"versions", teamApp}, code: 2,
			want: []string{"/user/packages/container/team%2Fapp", "no --org, --user or --owner was given, so ghpkg looked in the token's own account", "pass --org ORG"}},
		{name: "a user as --org", args: []string{"versions", ghpackagestest.DemoUserGem, "--org", ghpackagestest.DefaultLogin, "--type", "rubygems"}, code: 2,
			want: []string{"--org octocat: octocat is a user, not an organization", "use --user octocat"}},
		{name: "owner that does not exist", args: []string{"packages", "--owner", "nobody-here"}, code: 2, want: []string{"--owner nobody-here: no such user or organization"}},

		// Hosts that cannot be reached.
		{name: "base URL that does not resolve", setup: func(_ *testing.T, h *harness) {
			h.wrap = func(next http.RoundTripper) http.RoundTripper { return &dnsFailing{next: next} }
		}, args: []string{"packages", "--org", "octo-org", "--base-url", "https://ghes.invalid/api/v3/"}, code: 2,
			want: []string{"the host ghes.invalid does not exist (DNS): check --base-url"}},
		{name: "base URL refusing connections", args: []string{"packages", "--org", "octo-org", "--base-url", "http://127.0.0.1:1/"}, code: 1,
			want: []string{"connection refused", "could not connect to 127.0.0.1:1: check --base-url"}},
		{name: "registry unreachable", args: prune("--older-than", "30d", "--yes", "--registry", "127.0.0.1:1", "--json"), code: 1,
			want: []string{"withheld 10 deletions in 1 package: team/app (10): the registry's tags could not be read", "Check --registry 127.0.0.1:1 and"}},
		{name: "delete with the registry unreachable", args: []string{"delete", teamApp, "--org", "octo-org", "--id", "1260000043", "--yes", "--registry", "127.0.0.1:1"}, code: 2,
			want: []string{"cannot tell whether a tag needs version 1260000043", "Check --registry", "--force deletes it without the check"}},
		{name: "delete a platform image", args: []string{"delete", teamApp, "--org", "octo-org", "--id", "1260000043", "--yes"}, code: 2,
			want: []string{"refusing to delete version 1260000043", "the image tagged latest, stable, v1.9.0 (version 1260000044", "--force deletes it anyway"}},

		// Interrupted runs.
		{name: "rate limit", setup: func(_ *testing.T, h *harness) {
			h.retry = &ghpackages.RetryPolicy{MaxRateLimitRetries: -1}
			h.srv.InjectFault(ghpackagestest.Fault{Method: "DELETE", Path: "/orgs/octo-org/packages/container/team%2Fapp/versions/1260000016", Count: 1, Status: 429})
		}, args: prune("--older-than", "30d", "--yes", "--json"), code: 1, want: []string{"stopped at the rate limit", "left; rerun to resume"}},
		{name: "canceled after the first delete", setup: func(t *testing.T, h *harness) {
			ctx, cancel := context.WithCancel(t.Context())
			t.Cleanup(cancel)
			h.ctx = ctx
			h.wrap = func(next http.RoundTripper) http.RoundTripper { return &afterDeletes{next: next, n: 1, fn: cancel} }
		}, args: prune("--older-than", "30d", "--yes", "--json"), code: 1, want: []string{"stopped: context canceled", "rerun to resume"}},
		{name: "max-wait exceeded", setup: func(_ *testing.T, h *harness) {
			h.retry = &ghpackages.RetryPolicy{MaxRateLimitRetries: 5, SecondaryWait: 42 * 1e9}
			h.srv.InjectFault(ghpackagestest.Fault{Method: "DELETE", Path: "/orgs/octo-org/packages/container/team%2Fapp/versions/1260000016", Count: 5, Status: 429})
		}, args: prune("--older-than", "30d", "--yes", "--max-wait", "30s", "--json"), code: 1,
			want: []string{"waiting would exceed --max-wait 30s: stopping", "rerun to resume"}},
		{name: "server errors on deletes", setup: func(_ *testing.T, h *harness) {
			h.retry = new(ghpackages.NoRetry())
			h.srv.InjectFault(ghpackagestest.Fault{Method: "DELETE", Path: "/orgs/octo-org/packages/container/team%2Fapp/versions/1260000016", Count: 1, Status: 500})
		}, args: prune("--older-than", "30d", "--yes", "--json"), code: 1, want: []string{"1 failed in team/app", "500"}},
	}
}

// TestMistakes drives ghpkg as a hurried user would, into each mistake.
func TestMistakes(t *testing.T) {
	t.Parallel()
	cases := append(mistakes(), binaryMistakes()...)
	require.GreaterOrEqual(t, len(cases), 40)
	names := map[string]bool{}
	for _, c := range cases {
		require.False(t, names[c.name], "duplicate case %q", c.name)
		names[c.name] = true
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, ghcrtest.WithRegistry(),
				ghpackagestest.WithTokenSpec(actionsToken, ghpackagestest.TokenSpec{Repository: "octo-org/app", Admin: true}),
				ghpackagestest.WithTokenSpec(noRepoToken, ghpackagestest.TokenSpec{Scopes: []ghpackages.Scope{ghpackages.ScopeReadPackages, ghpackages.ScopeDeletePackages}}))
			switch c.token {
			case "":
			case "-":
				h.env = map[string]string{}
			default:
				h.env = map[string]string{"GITHUB_TOKEN": c.token}
			}
			if c.setup != nil {
				c.setup(t, h)
			}
			args := make([]string, len(c.args))
			for i, a := range c.args {
				args[i] = strings.ReplaceAll(a, "{DIR}", h.dir)
			}
			before := state(h)
			run := func(t *testing.T, _ *harness, args []string) (int, string, string) { return h.run(t, args...) }
			if c.run != nil {
				run = c.run
			}
			code, out, errOut := run(t, h, args)
			assert.Equal(t, c.code, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
			for _, w := range c.want {
				assert.Contains(t, out+errOut, strings.ReplaceAll(w, "{DIR}", h.dir))
			}
			after := state(h)
			changed := map[string]bool{}
			for k, active := range after {
				if before[k] != active {
					changed[k] = true
				}
			}
			if c.code == 2 {
				assert.Empty(t, changed, "exit 2 comes before any change")
				assert.Zero(t, h.srv.Stats().Deletes+h.srv.Stats().Restores)
				assert.LessOrEqual(t, strings.Count(errOut, "\n"), 6, "a mistake takes a few lines: %s", errOut)
				return
			}
			var rep *reportDoc
			switch {
			case c.report != nil:
				rep = c.report(t, h, out, errOut)
			case strings.HasPrefix(out, "{"):
				var doc runDoc
				decodeStrict(t, out, &doc)
				rep = doc.Report
			}
			if rep == nil {
				assert.Empty(t, changed, "a run with no report changes nothing")
				return
			}
			// Every change is in the report, and every deletion the report
			// claims happened.
			reported := map[string]string{}
			for _, it := range rep.Items {
				reported[fmt.Sprintf("octo-org/%s/%s/%d", it.Type, it.Package, it.VersionID)] = it.Outcome
			}
			for k := range changed {
				assert.Contains(t, []string{"deleted", "gone-unconfirmed"}, reported[k], "%s changed: the report accounts for it", k)
			}
			for k, outcome := range reported {
				if outcome == "deleted" {
					assert.True(t, changed[k], "%s is reported deleted, and is", k)
				}
			}
		})
	}
}

// TestReportWrittenBeforeFirstDelete: when the first DELETE goes out, the
// --report file is already the run's journal: its first line holds the
// owner and the plan, and the DELETE's intent is on disk before the request
// is sent. At the end it is the run's report.
func TestReportWrittenBeforeFirstDelete(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	path := filepath.Join(h.dir, "run.json")
	var atFirst, url string
	h.wrap = func(next http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(req *http.Request) (*http.Response, error) {
			if req.Method == http.MethodDelete && atFirst == "" {
				b, err := os.ReadFile(path)
				atFirst, url = string(b)+fmt.Sprint(err), req.URL.String()
			}
			return next.RoundTrip(req)
		})
	}
	code, _, errOut := h.run(t, "prune", teamApp, "--org", "octo-org", "--older-than", "30d", "--skip-reference-check", "--yes", "--max-delete", "2", "--report", path)
	require.Equal(t, 0, code, errOut)
	lines := strings.Split(strings.TrimSuffix(atFirst, "<nil>"), "\n")
	require.GreaterOrEqual(t, len(lines), 2, atFirst)
	var head struct {
		J         string           `json:"j"`
		Schema    string           `json:"schema"`
		OwnerName string           `json:"owner_name"`
		Plan      *json.RawMessage `json:"plan"`
	}
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &head))
	assert.Equal(t, "start", head.J)
	assert.Equal(t, "ghpkg/journal/v1", head.Schema)
	assert.Equal(t, "octo-org", head.OwnerName)
	assert.NotNil(t, head.Plan, "the plan is in the journal before the first change")
	assert.Contains(t, lines[1], `"j":"intent"`)
	assert.Contains(t, lines[1], `"method":"DELETE"`)
	assert.Contains(t, lines[1], url, "the DELETE's intent is on disk before it is sent")
	var final reportDoc
	decodeStrict(t, readFile(t, path), &final)
	assert.Len(t, final.Items, 2)
	assert.Empty(t, final.Stopped)
	info, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "a report is the owner's")
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }
