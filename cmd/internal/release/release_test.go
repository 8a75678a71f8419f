package release

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	ghpackages "github.com/ghpackages/ghpackages-go"
)

// repoFile is the path of a file at the repository's root.
func repoFile(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "..", "..", name))
	require.NoError(t, err)
	return p
}

// releaseNotes runs scripts/release-notes.sh for tag on changelog and
// returns its exit code, stdout and stderr.
func releaseNotes(t *testing.T, tag, changelog string) (int, string, string) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "bash", repoFile(t, "scripts/release-notes.sh"), tag, changelog)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return code, out.String(), errOut.String()
}

func TestReleaseNotes(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash not found")
	}
	changelog := filepath.Join(t.TempDir(), "CHANGELOG.md")
	require.NoError(t, os.WriteFile(changelog, []byte(`# Changelog

## [Unreleased]

## [1.1.0-rc.1] - 2026-12-20

- A release candidate.

## [1.1.0] - 2026-12-24

### Added

- A thing.

### Fixed

- Another thing, with a [link](https://example.com).

## [1.0.0] - 2026-12-01


## [0.9.0] - 2026-11-01

### Added

- The first release.

[Unreleased]: https://github.com/ghpackages/ghpackages-go/compare/v1.1.0...HEAD
[1.1.0]: https://github.com/ghpackages/ghpackages-go/compare/v0.9.0...v1.1.0
`), 0o644))
	for _, tc := range []struct {
		tag, want, err string
	}{
		{tag: "v1.1.0", want: "### Added\n\n- A thing.\n\n### Fixed\n\n- Another thing, with a [link](https://example.com).\n"},
		{tag: "v1.1.0-rc.1", want: "- A release candidate.\n"},
		{tag: "v0.9.0", want: "### Added\n\n- The first release.\n"},
		{tag: "v1.0.0", err: `::error::` + changelog + ` has no "## [1.0.0]" section, or it is empty: add the release's changes before tagging v1.0.0`},
		{tag: "v2.0.0", err: `has no "## [2.0.0]" section`},
		{tag: "v1.1", err: "::error::v1.1 is not a release tag"},
		{tag: "1.1.0", err: "::error::1.1.0 is not a release tag"},
	} {
		code, out, errOut := releaseNotes(t, tc.tag, changelog)
		if tc.err != "" {
			assert.Equal(t, 1, code, tc.tag)
			assert.Empty(t, out, tc.tag)
			assert.Contains(t, errOut, tc.err, tc.tag)
			continue
		}
		assert.Equal(t, 0, code, "%s: %s", tc.tag, errOut)
		assert.Equal(t, tc.want, out, tc.tag)
	}
}

// TestChangelog checks CHANGELOG.md has Keep a Changelog's shape: an
// Unreleased section first, then released versions, newest first, each
// "## [X.Y.Z] - YYYY-MM-DD" with a link reference, and only the standard
// kinds of change as subsections.
func TestChangelog(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(repoFile(t, "CHANGELOG.md"))
	require.NoError(t, err)
	heading := regexp.MustCompile(`^## \[(Unreleased|(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?)\](?: - (\d{4}-\d{2}-\d{2}))?$`)
	kinds := map[string]bool{"Added": true, "Changed": true, "Deprecated": true, "Removed": true, "Fixed": true, "Security": true}
	var sections []string
	links := map[string]bool{}
	var lastDate time.Time
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case n == 1:
			assert.Equal(t, "# Changelog", line, "CHANGELOG.md:1")
		case strings.HasPrefix(line, "## "):
			m := heading.FindStringSubmatch(line)
			if m == nil {
				t.Errorf("CHANGELOG.md:%d: %q is neither ## [Unreleased] nor ## [X.Y.Z] - YYYY-MM-DD", n, line)
				continue
			}
			if m[1] == "Unreleased" {
				assert.Empty(t, sections, "CHANGELOG.md:%d: Unreleased comes first", n)
			} else {
				date, err := time.Parse(time.DateOnly, m[6])
				if assert.NoError(t, err, "CHANGELOG.md:%d: a release has its date", n) && !lastDate.IsZero() {
					assert.False(t, date.After(lastDate), "CHANGELOG.md:%d: newest first", n)
				}
				lastDate = date
			}
			sections = append(sections, m[1])
		case strings.HasPrefix(line, "### "):
			assert.True(t, kinds[strings.TrimPrefix(line, "### ")], "CHANGELOG.md:%d: %q is not a Keep a Changelog kind of change", n, line)
		case strings.HasPrefix(line, "["):
			if name, _, ok := strings.Cut(line, "]: "); ok {
				links[strings.TrimPrefix(name, "[")] = true
			}
		}
	}
	require.NotEmpty(t, sections)
	assert.Equal(t, "Unreleased", sections[0], "CHANGELOG.md starts with ## [Unreleased]")
	for _, s := range sections {
		assert.True(t, links[s], "CHANGELOG.md has no link reference [%s]: URL", s)
	}
}

// TestReleaseWorkflow checks .github/workflows/release.yml: it runs on v*
// tags only, grants nothing by default, lets only the publishing job write,
// and only what publishing and attesting need; it runs the release gate on
// the pushed tags first, then the CI, and takes
// its notes from the changelog, and attests every archive goreleaser
// listed in checksums.txt.
func TestReleaseWorkflow(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(repoFile(t, ".github/workflows/release.yml"))
	require.NoError(t, err)
	type step struct {
		Uses string            `yaml:"uses"`
		Run  string            `yaml:"run"`
		With map[string]string `yaml:"with"`
	}
	var wf struct {
		On struct {
			Push map[string][]string `yaml:"push"`
		} `yaml:"on"`
		Permissions map[string]string `yaml:"permissions"`
		Jobs        map[string]struct {
			Needs       any               `yaml:"needs"`
			Permissions map[string]string `yaml:"permissions"`
			Steps       []step            `yaml:"steps"`
		} `yaml:"jobs"`
	}
	require.NoError(t, yaml.Unmarshal(data, &wf))
	assert.Equal(t, map[string][]string{"tags": {"v*"}}, wf.On.Push)
	assert.Empty(t, wf.Permissions, "nothing granted at the top")
	require.Contains(t, wf.Jobs, "gate")
	require.Contains(t, wf.Jobs, "test")
	require.Contains(t, wf.Jobs, "release")
	assert.Equal(t, map[string]string{"contents": "read"}, wf.Jobs["gate"].Permissions)
	assert.Nil(t, wf.Jobs["gate"].Needs, "the gate runs first")
	var gate []string
	for _, s := range wf.Jobs["gate"].Steps {
		gate = append(gate, s.Run)
	}
	assert.Contains(t, gate, `bash scripts/release-gate.sh --tag "$GITHUB_REF_NAME"`)
	assert.Equal(t, "gate", wf.Jobs["test"].Needs, "the CI waits for the gate")
	assert.Equal(t, map[string]string{"contents": "read"}, wf.Jobs["test"].Permissions)
	assert.Equal(t, map[string]string{"contents": "write", "id-token": "write", "attestations": "write"}, wf.Jobs["release"].Permissions)
	assert.Equal(t, "test", wf.Jobs["release"].Needs, "the release waits for the CI")

	var runs []string
	for _, s := range wf.Jobs["test"].Steps {
		runs = append(runs, s.Run)
	}
	assert.Contains(t, runs, "bash .ci/run")
	var notes, release, attest bool
	for _, s := range wf.Jobs["release"].Steps {
		switch {
		case strings.Contains(s.Run, "scripts/release-notes.sh \"$GITHUB_REF_NAME\" > \"$RUNNER_TEMP/notes.md\""):
			notes = true
		case strings.Contains(s.Run, "go run "+goreleaser(t)+" release --clean --release-notes \"$RUNNER_TEMP/notes.md\""):
			assert.True(t, notes, "notes before the release")
			release = true
		case strings.HasPrefix(s.Uses, "actions/attest-build-provenance@"):
			assert.True(t, release, "attest after the release")
			assert.Equal(t, map[string]string{"subject-checksums": "dist/checksums.txt"}, s.With)
			attest = true
		}
	}
	assert.True(t, notes && release && attest, "release notes %v, goreleaser release %v, attestation %v", notes, release, attest)
}

// goreleaser is the goreleaser .ci/run runs (module@version), which the
// release runs too.
func goreleaser(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(repoFile(t, ".ci/run"))
	require.NoError(t, err)
	m := regexp.MustCompile(`github\.com/goreleaser/goreleaser/v2@v[0-9.]+`).Find(data)
	require.NotNil(t, m, ".ci/run runs no goreleaser")
	return string(m)
}

// TestVersionMatchesReleaseTag: in the release workflow (a tag push), the
// tag is the SDK's own version, which its User-Agent sends.
func TestVersionMatchesReleaseTag(t *testing.T) {
	t.Parallel()
	if os.Getenv("GITHUB_REF_TYPE") != "tag" {
		t.Skip("not a tag build: GitHub Actions sets GITHUB_REF_TYPE=tag and GITHUB_REF_NAME for a tag push")
	}
	tag := os.Getenv("GITHUB_REF_NAME")
	assert.Equal(t, "v"+ghpackages.Version, tag, "ghpackages.Version is %s, the tag %s: set Version before tagging", ghpackages.Version, tag)
}
