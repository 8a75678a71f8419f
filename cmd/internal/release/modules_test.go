package release

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
	"golang.org/x/mod/modfile"
)

// TestNoPlaceholderVersions: no go.mod of the repository requires one of
// its modules at Placeholder, which names no commit: a consumer's go get
// of a release made from such a tree fails.
func TestNoPlaceholderVersions(t *testing.T) {
	t.Parallel()
	mods, err := GoMods(repoFile(t, "."))
	require.NoError(t, err)
	require.Contains(t, mods, ".")
	for dir, data := range mods {
		for _, p := range CheckGoMod(dir, data, "") {
			t.Error(p)
		}
	}
}

// TestModuleLayout: the modules a release tags (Tagged) are go.work's,
// less examples/, which nobody requires; every nested module requires its
// siblings at one version, the last release (before the first: a
// pseudo-version of a commit on main, see CONTRIBUTING.md), with a replace
// of each to its directory for development.
func TestModuleLayout(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(repoFile(t, "go.work"))
	require.NoError(t, err)
	work, err := modfile.ParseWork("go.work", data, nil)
	require.NoError(t, err)
	var dirs []string
	for _, u := range work.Use {
		dirs = append(dirs, strings.TrimPrefix(filepath.ToSlash(filepath.Clean(u.Path)), "./"))
	}
	want := append(slices.Clone(Tagged), "examples")
	assert.ElementsMatch(t, want, dirs, "go.work's modules: a new module needs a place in release.Tagged (and its tag in scripts/release.sh's output) or a reason not to be released")
	assert.Equal(t, Binary, Tagged[len(Tagged)-1], "the binaries' module is released last: it requires the others")

	mods, err := GoMods(repoFile(t, "."))
	require.NoError(t, err)
	versions := map[string][]string{}
	for _, dir := range dirs {
		if dir == "." {
			continue
		}
		f, err := modfile.Parse(dir+"/go.mod", mods[dir], nil)
		require.NoError(t, err)
		assert.Equal(t, Path(dir), f.Module.Mod.Path)
		replaced := map[string]string{}
		for _, r := range f.Replace {
			replaced[r.Old.Path] = r.New.Path
		}
		// A release commit (a tag's tree): the binaries' module requires the
		// released siblings, with no replace, as go install needs.
		release := dir == Binary && len(f.Replace) == 0
		for _, r := range f.Require {
			if !ours(r.Mod.Path) {
				continue
			}
			versions[r.Mod.Version] = append(versions[r.Mod.Version], dir+" requires "+r.Mod.Path)
			rel, err := filepath.Rel(dir, strings.TrimPrefix(strings.TrimPrefix(r.Mod.Path, ModulePath), "/"))
			require.NoError(t, err)
			want := filepath.ToSlash(rel)
			if want == ".." {
				want = "../"
			}
			if got, ok := replaced[r.Mod.Path]; !release && (!ok || filepath.Clean(got) != filepath.Clean(want)) {
				t.Errorf("%s/go.mod requires %s without \"replace %s => %s\": each module builds alone from the checkout between releases", dir, r.Mod.Path, r.Mod.Path, want)
			}
		}
	}
	assert.Len(t, versions, 1, "every nested module requires its siblings at the one last release: %v", versions)
}

func TestCheckGoMod(t *testing.T) {
	t.Parallel()
	dev := []byte(`module github.com/ghpackages/ghpackages-go/cmd

go 1.26.0

require (
	github.com/ghpackages/ghpackages-go v0.0.0-00010101000000-000000000000
	github.com/ghpackages/ghpackages-go/retention v0.3.0
	github.com/spf13/cobra v1.10.2
)

replace github.com/ghpackages/ghpackages-go => ../

replace github.com/ghpackages/ghpackages-go/retention => ../retention
`)
	assert.Equal(t, []string{
		"cmd/go.mod requires github.com/ghpackages/ghpackages-go at the placeholder v0.0.0-00010101000000-000000000000, which names no commit, so a consumer's go get fails: require the last release (see CONTRIBUTING.md, \"Releasing\"), keeping the replace for development",
	}, CheckGoMod("cmd", dev, ""))
	assert.Equal(t, []string{
		"cmd/go.mod at cmd/v0.4.0 requires github.com/ghpackages/ghpackages-go at the placeholder v0.0.0-00010101000000-000000000000, which names no commit, so a consumer's go get fails: require github.com/ghpackages/ghpackages-go v0.4.0, as scripts/release.sh does",
		"cmd/go.mod at cmd/v0.4.0 requires github.com/ghpackages/ghpackages-go/retention v0.3.0, not this release's v0.4.0: require github.com/ghpackages/ghpackages-go/retention v0.4.0, as scripts/release.sh does",
		`cmd/go.mod at cmd/v0.4.0 has "replace github.com/ghpackages/ghpackages-go => ../": go install github.com/ghpackages/ghpackages-go/cmd/...@v0.4.0 refuses a go.mod with replace directives; drop them in the release commit and require the released versions (scripts/release.sh does; go.work serves development)`,
		`cmd/go.mod at cmd/v0.4.0 has "replace github.com/ghpackages/ghpackages-go/retention => ../retention": go install github.com/ghpackages/ghpackages-go/cmd/...@v0.4.0 refuses a go.mod with replace directives; drop them in the release commit and require the released versions (scripts/release.sh does; go.work serves development)`,
	}, CheckGoMod("cmd", dev, "v0.4.0"))

	// A library module may keep its replace lines: they bind only when it is
	// the main module, never a consumer.
	retention := []byte("module github.com/ghpackages/ghpackages-go/retention\n\ngo 1.26.0\n\nrequire github.com/ghpackages/ghpackages-go v0.4.0\n\nreplace github.com/ghpackages/ghpackages-go => ../\n")
	assert.Empty(t, CheckGoMod("retention", retention, "v0.4.0"))
	assert.Empty(t, CheckGoMod("retention", retention, ""))

	released, err := Pin("cmd/go.mod", dev, "v0.4.0", true)
	require.NoError(t, err)
	assert.Empty(t, CheckGoMod("cmd", released, "v0.4.0"), "%s", released)
	assert.Contains(t, string(released), "github.com/spf13/cobra v1.10.2", "only this repository's modules move")
	kept, err := Pin("cmd/go.mod", dev, "v0.4.0", false)
	require.NoError(t, err)
	assert.Contains(t, string(kept), "replace github.com/ghpackages/ghpackages-go/retention => ../retention")
	assert.Empty(t, CheckGoMod("cmd", kept, ""))
}

func TestCheckVersion(t *testing.T) {
	t.Parallel()
	tags := []string{"v0.1.0", "v0.2.0-rc.1", "v0.2.0", "cmd/v0.2.0", "retention/v0.3.0", "retention/v0.2.0", "not-a-version"}
	for _, tc := range []struct{ version, err string }{
		{version: "v0.4.0"},
		{version: "v0.2.1"},
		{version: "v1.0.0-rc.1", err: "v1.0.0-rc.1: scripts/release.sh tags every module with one version, but retention and ghcrtest stay v0"},
		{version: "v1.0.0", err: "retention and ghcrtest stay v0 while the SDK takes v1"},
		{version: "v2.0.0", err: "release.Tagged must version them apart first"},
		{version: "v0.3.0-rc.1"},
		{version: "v0.2.0", err: "tag v0.2.0 exists already"},
		{version: "v0.1.5", err: "v0.1.5 is not above the last release, v0.2.0"},
		{version: "v0.2.0-rc.2", err: "v0.2.0-rc.2 is not above the last release, v0.2.0"},
		{version: "v0.3.0", err: "tag retention/v0.3.0 exists already"},
		{version: "0.3.0", err: `"0.3.0" is not a release version`},
		{version: "v0.3", err: `"v0.3" is not a release version`},
		{version: "v0.3.0+build", err: `"v0.3.0+build" is not a release version`},
		{version: "v00.3.0", err: `"v00.3.0" is not a release version`},
	} {
		err := CheckVersion(tc.version, tags)
		if tc.err == "" {
			assert.NoError(t, err, tc.version)
			continue
		}
		if assert.Error(t, err, tc.version) {
			assert.Contains(t, err.Error(), tc.err, tc.version)
		}
	}
	assert.NoError(t, CheckVersion("v0.1.0", nil), "the first release")
	assert.Equal(t, "v0.2.0", LastRelease(tags))
	assert.Equal(t, "v1.0.0", LastRelease([]string{"v1.0.0-rc.1", "v1.0.0", "v0.9.0", "cmd/v2.0.0"}))
	assert.Empty(t, LastRelease(nil))
}

// TestGoreleaserBuildsTheTaggedModule: the archives are built as go
// install builds: in the cmd module, alone (GOWORK=off), so at a release tag
// from cmd/go.mod's released requirements. The release gate compares the
// module versions of the two.
func TestGoreleaserBuildsTheTaggedModule(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(repoFile(t, ".goreleaser.yaml"))
	require.NoError(t, err)
	var cfg struct {
		Builds []struct {
			ID  string   `yaml:"id"`
			Dir string   `yaml:"dir"`
			Env []string `yaml:"env"`
		} `yaml:"builds"`
	}
	require.NoError(t, yaml.Unmarshal(data, &cfg))
	require.NotEmpty(t, cfg.Builds)
	for _, b := range cfg.Builds {
		assert.Equal(t, Binary, b.Dir, b.ID)
		assert.Contains(t, b.Env, "GOWORK=off", "%s: built from the cmd module's go.mod, as go install builds", b.ID)
	}
}

// throwaway copies the repository's tracked files, as they are in the
// working tree, into a new git repository with one commit, and returns its
// directory.
func throwaway(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not found")
	}
	root := repoFile(t, ".")
	out, err := exec.Command("git", "-C", root, "ls-files", "-z").Output()
	if err != nil {
		t.Skipf("not a git checkout: %v", err)
	}
	dir := t.TempDir()
	for _, name := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		src := filepath.Join(root, name)
		info, err := os.Lstat(src)
		if os.IsNotExist(err) {
			continue // deleted in the working tree
		}
		require.NoError(t, err)
		dst := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(dst), 0o755))
		in, err := os.Open(src)
		require.NoError(t, err)
		f, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY, info.Mode().Perm())
		require.NoError(t, err)
		_, err = io.Copy(f, in)
		require.NoError(t, err)
		require.NoError(t, in.Close())
		require.NoError(t, f.Close())
	}
	run(t, dir, "git", "init", "--quiet", "--initial-branch=main")
	run(t, dir, "git", "add", "-A")
	run(t, dir, "git", "commit", "--quiet", "-m", "throwaway")
	return dir
}

// run runs a command in dir and fails the test if it fails.
func run(t *testing.T, dir string, name string, args ...string) string {
	t.Helper()
	code, out := try(t, dir, name, args...)
	require.Equal(t, 0, code, "%s %s: %s", name, strings.Join(args, " "), out)
	return out
}

// try runs a command in dir with a git identity and returns its exit code
// and combined output.
func try(t *testing.T, dir string, name string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=test", "GIT_AUTHOR_EMAIL=test@invalid", "GIT_COMMITTER_NAME=test", "GIT_COMMITTER_EMAIL=test@invalid", "GIT_CONFIG_GLOBAL=/dev/null")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), out.String()
	}
	require.NoError(t, err)
	return 0, out.String()
}

// TestGateRefusesUnreleasableTags: tags made by hand on a tree that is not
// a release commit fail scripts/release-gate.sh before anything is served,
// with a message that names the module and the fix: the development tree's
// cmd/go.mod (replace directives, which go install refuses), and a go.mod
// that requires the placeholder.
func TestGateRefusesUnreleasableTags(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds relmod in a throwaway repository")
	}
	dir := throwaway(t)
	tag := func(version string) {
		for _, d := range Tagged {
			run(t, dir, "git", "tag", Tag(d, version))
		}
	}

	tag("v0.97.0")
	code, out := try(t, dir, "bash", "scripts/release-gate.sh", "--tag", "v0.97.0")
	assert.Equal(t, 1, code, out)
	assert.Contains(t, out, `relmod: cmd/go.mod at cmd/v0.97.0 has "replace github.com/ghpackages/ghpackages-go => ../": go install github.com/ghpackages/ghpackages-go/cmd/...@v0.97.0 refuses a go.mod with replace directives; drop them in the release commit`)
	// Between releases the siblings are required at the last release (or
	// the bootstrap pseudo-version), not at the tags made here.
	assert.Contains(t, out, "relmod: retention/go.mod at retention/v0.97.0 requires github.com/ghpackages/ghpackages-go ")
	assert.Contains(t, out, "release gate: the tags of v0.97.0 cannot be installed")
	assert.NotContains(t, out, "a file GOPROXY", "nothing is served")

	gomod := filepath.Join(dir, "retention", "go.mod")
	data, err := os.ReadFile(gomod)
	require.NoError(t, err)
	pinned, err := Pin(gomod, data, Placeholder, false)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(gomod, pinned, 0o644))
	run(t, dir, "git", "commit", "--quiet", "-am", "a placeholder")
	tag("v0.97.1")
	code, out = try(t, dir, "bash", "scripts/release-gate.sh", "--tag", "v0.97.1")
	assert.Equal(t, 1, code, out)
	assert.Contains(t, out, "relmod: retention/go.mod at retention/v0.97.1 requires github.com/ghpackages/ghpackages-go at the placeholder v0.0.0-00010101000000-000000000000, which names no commit, so a consumer's go get fails: require github.com/ghpackages/ghpackages-go v0.97.1, as scripts/release.sh does")
}

// TestReleaseScriptRefuses: scripts/release.sh changes nothing and says why
// for a dirty tree, a version that is not SemVer or not above the last
// release, and a changelog without Unreleased entries.
func TestReleaseScriptRefuses(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds relmod in a throwaway repository")
	}
	dir := throwaway(t)
	head := run(t, dir, "git", "rev-parse", "HEAD")
	refuse := func(version, want string) {
		t.Helper()
		code, out := try(t, dir, "bash", "scripts/release.sh", version)
		assert.Equal(t, 1, code, out)
		assert.Contains(t, out, want)
		assert.Equal(t, head, run(t, dir, "git", "rev-parse", "HEAD"), "no commit is left behind")
	}

	require.NoError(t, os.WriteFile(filepath.Join(dir, "stray.txt"), []byte("x"), 0o644))
	refuse("v0.98.0", "release.sh: the working tree is not clean: commit or stash these changes first")
	require.NoError(t, os.Remove(filepath.Join(dir, "stray.txt")))

	refuse("0.98.0", `relmod: "0.98.0" is not a release version`)
	refuse("v0.98", `relmod: "v0.98" is not a release version`)
	run(t, dir, "git", "tag", "v0.99.0")
	refuse("v0.98.0", "relmod: v0.98.0 is not above the last release, v0.99.0")
	run(t, dir, "git", "tag", "-d", "v0.99.0")

	changelog := filepath.Join(dir, "CHANGELOG.md")
	data, err := os.ReadFile(changelog)
	require.NoError(t, err)
	var kept []string
	on := false
	for _, line := range strings.Split(string(data), "\n") {
		switch {
		case strings.HasPrefix(line, "## [Unreleased]"):
			on = true
		case strings.HasPrefix(line, "## "), strings.HasPrefix(line, "[Unreleased]: "):
			on = false
		case on && line != "":
			continue
		}
		kept = append(kept, line)
	}
	require.NoError(t, os.WriteFile(changelog, []byte(strings.Join(kept, "\n")), 0o644))
	run(t, dir, "git", "commit", "--quiet", "--allow-empty", "-am", "an empty Unreleased section") // empty already right after a release
	head = run(t, dir, "git", "rev-parse", "HEAD")
	refuse("v0.98.0", `release.sh: CHANGELOG.md has no entries under "## [Unreleased]"`)
	assert.Empty(t, run(t, dir, "git", "tag", "--list"), "no tag is left behind")
}
