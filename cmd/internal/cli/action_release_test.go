package cli_test

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"text/template"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/ghcrtest"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
)

// The release the action tests serve, and where.
const (
	releaseRepo = "ghpackages/ghpackages-go"
	releaseTag  = "v1.4.0"
)

// runnerOS and runnerArch name GOOS and GOARCH as GitHub's runners do
// (RUNNER_OS, RUNNER_ARCH).
var (
	runnerOS   = map[string]string{"linux": "Linux", "darwin": "macOS", "windows": "Windows"}
	runnerArch = map[string]string{"amd64": "X64", "arm64": "ARM64"}
)

// releaseConfig is what the tests read of .goreleaser.yaml: the ghpkg
// build's targets and its archive's name and format.
type releaseConfig struct {
	Builds []struct {
		ID     string   `yaml:"id"`
		Binary string   `yaml:"binary"`
		Goos   []string `yaml:"goos"`
		Goarch []string `yaml:"goarch"`
	} `yaml:"builds"`
	Archives []struct {
		ID              string   `yaml:"id"`
		IDs             []string `yaml:"ids"`
		NameTemplate    string   `yaml:"name_template"`
		Formats         []string `yaml:"formats"`
		FormatOverrides []struct {
			Goos    string   `yaml:"goos"`
			Formats []string `yaml:"formats"`
		} `yaml:"format_overrides"`
	} `yaml:"archives"`
}

// platform is one release target.
type platform struct{ goos, goarch string }

// ghpkgRelease reads .goreleaser.yaml and returns the platforms ghpkg is
// released for and, for each, the file name of its archive for version
// (without the tag's "v"), as goreleaser names it.
func ghpkgRelease(t *testing.T, version string) (platforms []platform, archive func(platform) string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), ".goreleaser.yaml"))
	require.NoError(t, err)
	var cfg releaseConfig
	require.NoError(t, yaml.Unmarshal(data, &cfg))
	for _, b := range cfg.Builds {
		if b.Binary != "ghpkg" {
			continue
		}
		for _, goos := range b.Goos {
			for _, goarch := range b.Goarch {
				platforms = append(platforms, platform{goos, goarch})
			}
		}
	}
	require.NotEmpty(t, platforms, ".goreleaser.yaml builds no ghpkg")
	for _, a := range cfg.Archives {
		if !slices.Contains(a.IDs, "ghpkg") {
			continue
		}
		require.Len(t, a.IDs, 1, "the ghpkg archive holds only ghpkg")
		// goreleaser's templates are text/template with more functions; the
		// name uses only fields, which missingkey=error checks.
		tmpl, err := template.New("name_template").Option("missingkey=error").Parse(a.NameTemplate)
		require.NoError(t, err, "archives[%s].name_template", a.ID)
		return platforms, func(p platform) string {
			var name strings.Builder
			require.NoError(t, tmpl.Execute(&name, map[string]string{"ProjectName": "ghpackages-go", "Version": version, "Os": p.goos, "Arch": p.goarch}))
			formats := a.Formats
			for _, o := range a.FormatOverrides {
				if o.Goos == p.goos {
					formats = o.Formats
				}
			}
			require.Len(t, formats, 1, "one archive format for %s", p.goos)
			return name.String() + "." + formats[0]
		}
	}
	t.Fatal(".goreleaser.yaml has no archive of the ghpkg build")
	return nil, nil
}

// archiveOf packs exe (named ghpkg, or ghpkg.exe on Windows) with the LICENSE
// and README.md, as a tar.gz or, for a .zip name, a zip.
func archiveOf(t *testing.T, name string, exe []byte) []byte {
	t.Helper()
	files := []struct {
		name string
		mode int64
		data []byte
	}{{"LICENSE", 0o644, []byte("license")}, {"README.md", 0o644, []byte("readme")}, {"ghpkg", 0o755, exe}}
	var buf bytes.Buffer
	if strings.HasSuffix(name, ".zip") {
		zw := zip.NewWriter(&buf)
		for _, f := range files {
			if f.name == "ghpkg" {
				f.name = "ghpkg.exe"
			}
			h := &zip.FileHeader{Name: f.name, Method: zip.Deflate}
			h.SetMode(os.FileMode(f.mode))
			w, err := zw.CreateHeader(h)
			require.NoError(t, err)
			_, err = w.Write(f.data)
			require.NoError(t, err)
		}
		require.NoError(t, zw.Close())
		return buf.Bytes()
	}
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, f := range files {
		require.NoError(t, tw.WriteHeader(&tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.data)), Typeflag: tar.TypeReg}))
		_, err := tw.Write(f.data)
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	require.NoError(t, gz.Close())
	return buf.Bytes()
}

// releaseServer serves files under /OWNER/REPO/releases/download/TAG/, as
// github.com serves a release's assets, and records what was asked for.
type releaseServer struct {
	*httptest.Server
	mu    sync.Mutex
	files map[string][]byte
	got   []string
}

func newReleaseServer(t *testing.T, files map[string][]byte) *releaseServer {
	rs := &releaseServer{files: files}
	prefix := "/" + releaseRepo + "/releases/download/" + releaseTag + "/"
	rs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rs.mu.Lock()
		rs.got = append(rs.got, r.URL.Path)
		rs.mu.Unlock()
		name, ok := strings.CutPrefix(r.URL.Path, prefix)
		data, found := rs.files[name]
		if !ok || !found || r.Method != http.MethodGet {
			http.NotFound(w, r)
			return
		}
		w.Write(data)
	}))
	t.Cleanup(rs.Close)
	return rs
}

// requested returns the file names asked for, in order.
func (rs *releaseServer) requested() []string {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	var out []string
	for _, p := range rs.got {
		out = append(out, p[strings.LastIndex(p, "/")+1:])
	}
	return out
}

// checksums is a checksums.txt, as goreleaser writes it, of files.
func checksums(files map[string][]byte) []byte {
	var lines []string
	for name, data := range files {
		sum := sha256.Sum256(data)
		lines = append(lines, hex.EncodeToString(sum[:])+"  "+name+"\n")
	}
	slices.Sort(lines)
	return []byte(strings.Join(lines, ""))
}

// stubGo writes a "go" command into a new directory and returns the
// directory: it logs its arguments and working directory to go.log there
// and, for a build with -o, writes a stand-in ghpkg that prints its
// arguments (creating the directory, as go build does). With fail set it refuses to run instead.
func stubGo(t *testing.T, fail bool) string {
	dir := t.TempDir()
	script := `#!/usr/bin/env bash
echo "$PWD: go $*" >> "` + filepath.Join(dir, "go.log") + `"
while [ $# -gt 0 ]; do
  if [ "$1" = -o ]; then mkdir -p "$(dirname "$2")"; printf '#!/usr/bin/env bash\necho "stand-in ghpkg $*"\n' > "$2"; chmod +x "$2"; fi
  shift
done
`
	if fail {
		script = "#!/usr/bin/env bash\necho 'go must not run' >&2\nexit 97\n"
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go"), []byte(script), 0o755))
	return dir
}

// TestActionRelease runs the action's install step (scripts/action.sh
// install) against a local server serving a release as github.com does:
// from a release tag it downloads the runner's archive, checks it against
// checksums.txt and hands its path to the run step; it refuses a mismatch, a
// missing entry and a missing archive; a platform without an archive, a
// branch and a commit build from source. The archive names are the ones
// .goreleaser.yaml gives them, for every platform it builds.
func TestActionRelease(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"bash", "curl", "tar"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not found", tool)
		}
	}
	platforms, archiveName := ghpkgRelease(t, strings.TrimPrefix(releaseTag, "v"))
	linux := archiveName(platform{"linux", "amd64"})
	// release is an archive for every platform, of exe for this machine
	// and of a stand-in for the others, and their checksums.txt.
	release := func(exe []byte) map[string][]byte {
		files := map[string][]byte{}
		for _, p := range platforms {
			data := []byte("#!/bin/sh\n")
			if p == (platform{runtime.GOOS, runtime.GOARCH}) {
				data = exe
			}
			files[archiveName(p)] = archiveOf(t, archiveName(p), data)
		}
		files["checksums.txt"] = checksums(files)
		return files
	}
	// install runs the install step for the release tag against rs, with
	// runnerEnv on top (RUNNER_OS and RUNNER_ARCH; without them the script
	// asks uname) and a go command that refuses to run.
	install := func(t *testing.T, rs *releaseServer, runnerEnv map[string]string) (code int, outputs map[string]string, log, dir string) {
		t.Helper()
		dir = t.TempDir()
		env := map[string]string{
			"GHPKG_ACTION_REF": releaseTag, "GHPKG_ACTION_REPOSITORY": releaseRepo,
			"GHPKG_TEST_RELEASES_URL": rs.URL,
			"PATH":                    stubGo(t, true) + string(os.PathListSeparator) + os.Getenv("PATH"),
		}
		for k, v := range runnerEnv {
			env[k] = v
		}
		code, outputs, log = actionStep(t, dir, env, "install")
		return code, outputs, log, dir
	}
	onLinux := map[string]string{"RUNNER_OS": "Linux", "RUNNER_ARCH": "X64"}

	t.Run("downloads, verifies and runs the release", func(t *testing.T) {
		t.Parallel()
		host := platform{runtime.GOOS, runtime.GOARCH}
		if !slices.Contains(platforms, host) {
			t.Skipf("no release archive for this machine (%s/%s)", host.goos, host.goarch)
		}
		exe, err := os.ReadFile(ghpkgBinary(t))
		require.NoError(t, err)
		rs := newReleaseServer(t, release(exe))
		// No RUNNER_OS or RUNNER_ARCH: the script asks uname.
		code, outputs, log, dir := install(t, rs, nil)
		require.Equal(t, 0, code, log)
		exeName := "ghpkg"
		if host.goos == "windows" {
			exeName += ".exe"
		}
		assert.Equal(t, filepath.Join(dir, "ghpkg-action", releaseTag, exeName), outputs["bin"])
		assert.Contains(t, log, "ghpkg "+releaseTag+" for "+host.goos+"/"+host.goarch+" from "+rs.URL+"/"+releaseRepo+"/releases/download/"+releaseTag+"/"+archiveName(host))
		assert.Equal(t, []string{"checksums.txt", archiveName(host)}, rs.requested())

		// The run step, as action.yml gives it the install step's output,
		// with no Go to build with.
		api := ghpackagestest.NewServer(ghpackagestest.WithDemo(), ghcrtest.WithRegistry(),
			ghpackagestest.WithTokenSpec(secret, ghpackagestest.TokenSpec{Scopes: []ghpackages.Scope{ghpackages.ScopeReadPackages, ghpackages.ScopeDeletePackages}}))
		t.Cleanup(api.Close)
		env := actionInputs(strings.TrimSuffix(api.BaseURL(), "/"), map[string]string{"PACKAGES": "team/*", "OLDER_THAN": "30d"})
		env["GHPKG_BIN"] = outputs["bin"]
		env["PATH"] = stubGo(t, true) + string(os.PathListSeparator) + os.Getenv("PATH")
		code, outputs, log = actionStep(t, t.TempDir(), env, "run")
		require.Equal(t, 0, code, log)
		assert.Equal(t, "10", outputs["planned"], "the downloaded ghpkg planned the 10 old untagged versions")
		assert.NotContains(t, log, "go must not run")
	})

	t.Run("every platform's archive has the name goreleaser gives it", func(t *testing.T) {
		t.Parallel()
		rs := newReleaseServer(t, release([]byte("#!/bin/sh\n")))
		for _, p := range platforms {
			if p.goos == "windows" {
				if _, err := exec.LookPath("unzip"); err != nil {
					t.Logf("unzip not found: %s not checked", archiveName(p))
					continue
				}
			}
			ros, arch := runnerOS[p.goos], runnerArch[p.goarch]
			if ros == "" || arch == "" {
				t.Errorf(".goreleaser.yaml builds ghpkg for %s/%s, which the action does not map a runner to: teach scripts/action.sh and this test", p.goos, p.goarch)
				continue
			}
			code, outputs, log, _ := install(t, rs, map[string]string{"RUNNER_OS": ros, "RUNNER_ARCH": arch})
			require.Equal(t, 0, code, "%s/%s: %s", ros, arch, log)
			assert.Contains(t, log, "/"+archiveName(p)+" (sha256 ", "%s/%s", ros, arch)
			assert.FileExists(t, outputs["bin"], "%s/%s", ros, arch)
		}
	})

	t.Run("checksum mismatch", func(t *testing.T) {
		t.Parallel()
		files := release([]byte("#!/bin/sh\n"))
		files[linux] = archiveOf(t, linux, []byte("#!/bin/sh\necho tampered\n"))
		rs := newReleaseServer(t, files)
		code, outputs, log, dir := install(t, rs, onLinux)
		assert.Equal(t, 1, code, log)
		assert.Contains(t, log, "::error::checksum mismatch for "+linux+" of "+releaseRepo+" "+releaseTag+": checksums.txt says sha256 ")
		assert.Contains(t, log, "refusing to run it")
		assert.NotContains(t, outputs, "bin", "no binary for the run step")
		assert.NoFileExists(t, filepath.Join(dir, "ghpkg-action", releaseTag, "ghpkg"), "nothing was unpacked")
	})

	t.Run("checksums.txt without the archive's entry", func(t *testing.T) {
		t.Parallel()
		files := release([]byte("#!/bin/sh\n"))
		delete(files, linux)
		files["checksums.txt"] = checksums(files)
		rs := newReleaseServer(t, files)
		code, outputs, log, _ := install(t, rs, onLinux)
		assert.Equal(t, 1, code, log)
		assert.Contains(t, log, "::error::the checksums.txt of "+releaseRepo+" "+releaseTag+" has no entry for "+linux+": refusing to run an unverified ghpkg")
		assert.NotContains(t, outputs, "bin")
		assert.Equal(t, []string{"checksums.txt"}, rs.requested(), "the archive was not even downloaded")
	})

	t.Run("archive missing from the release", func(t *testing.T) {
		t.Parallel()
		files := release([]byte("#!/bin/sh\n"))
		delete(files, linux) // checksums.txt still lists it
		rs := newReleaseServer(t, files)
		code, outputs, log, _ := install(t, rs, onLinux)
		assert.Equal(t, 1, code, log)
		assert.Contains(t, log, "::error::could not download "+rs.URL+"/"+releaseRepo+"/releases/download/"+releaseTag+"/"+linux+": the release "+releaseTag+" of "+releaseRepo+" has no ghpkg archive for linux/amd64")
		assert.NotContains(t, outputs, "bin")
	})

	t.Run("tag without a release", func(t *testing.T) {
		t.Parallel()
		rs := newReleaseServer(t, map[string][]byte{})
		code, outputs, log, _ := install(t, rs, onLinux)
		assert.Equal(t, 1, code, log)
		assert.Contains(t, log, "::error::could not download "+rs.URL+"/"+releaseRepo+"/releases/download/"+releaseTag+"/checksums.txt: is "+releaseTag+" a release of "+releaseRepo+"?")
		assert.NotContains(t, outputs, "bin")
	})

	t.Run("unsupported platform builds from source", func(t *testing.T) {
		t.Parallel()
		rs := newReleaseServer(t, release([]byte("#!/bin/sh\n")))
		for _, runner := range []map[string]string{{"RUNNER_OS": "Linux", "RUNNER_ARCH": "X86"}, {"RUNNER_OS": "Linux", "RUNNER_ARCH": "ARM"}, {"RUNNER_OS": "FreeBSD", "RUNNER_ARCH": "X64"}} {
			code, outputs, log, _ := install(t, rs, runner)
			assert.Equal(t, 0, code, log)
			assert.Contains(t, log, "::warning::ghpkg "+releaseTag+" has no release archive for "+runner["RUNNER_OS"]+"/"+runner["RUNNER_ARCH"])
			assert.Contains(t, outputs, "bin")
			assert.Empty(t, outputs["bin"], "an empty bin: action.yml sets up Go, the run step builds")
		}
		assert.Empty(t, rs.requested())
	})

	t.Run("the ref of the action's checkout path wins", func(t *testing.T) {
		t.Parallel()
		// Inside another composite action, github.action_ref can be the
		// outer action's; the runner's checkout path is this one's.
		rs := newReleaseServer(t, release([]byte("#!/bin/sh\n")))
		code, outputs, log, _ := install(t, rs, map[string]string{
			"RUNNER_OS": "Linux", "RUNNER_ARCH": "X64",
			"GITHUB_ACTION_PATH": filepath.Join(t.TempDir(), "_actions", releaseRepo, releaseTag),
			"GHPKG_ACTION_REF":   "v9.9.9", "GHPKG_ACTION_REPOSITORY": "someone/outer-action",
		})
		require.Equal(t, 0, code, log)
		assert.FileExists(t, outputs["bin"])
		assert.Equal(t, []string{"checksums.txt", linux}, rs.requested())
	})

	t.Run("a branch or a commit builds from source", func(t *testing.T) {
		t.Parallel()
		rs := newReleaseServer(t, release([]byte("#!/bin/sh\n")))
		for _, ref := range []string{"main", "0123456789abcdef0123456789abcdef01234567", "v1", "v1.4", "v1.4.0-rc.1/x", ""} {
			code, outputs, log, _ := install(t, rs, map[string]string{"RUNNER_OS": "Linux", "RUNNER_ARCH": "X64", "GHPKG_ACTION_REF": ref})
			assert.Equal(t, 0, code, "ref %q: %s", ref, log)
			assert.Contains(t, log, "ghpkg is built from source: the action's ref is not a release tag", "ref %q", ref)
			assert.Contains(t, outputs, "bin", "ref %q", ref)
			assert.Empty(t, outputs["bin"], "ref %q", ref)
		}
		assert.Empty(t, rs.requested())

		// The run step then builds ghpkg from the action's checkout (a stub
		// go here, which records how it was called) and runs it.
		goDir := stubGo(t, false)
		dir := t.TempDir()
		env := actionInputs("http://127.0.0.1:9/", map[string]string{"PACKAGES": "my-app", "OLDER_THAN": "30d"})
		env["GHPKG_BIN"] = ""
		env["PATH"] = goDir + string(os.PathListSeparator) + os.Getenv("PATH")
		code, outputs, log := actionStep(t, dir, env, "run")
		require.Equal(t, 0, code, log)
		goLog, err := os.ReadFile(filepath.Join(goDir, "go.log"))
		require.NoError(t, err)
		built := filepath.Join(dir, "ghpkg-action", "ghpkg")
		assert.Equal(t, repoRoot(t)+": go build -trimpath -o "+built+" ./cmd/ghpkg\n", string(goLog))
		report, err := os.ReadFile(outputs["report"])
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(string(report), "stand-in ghpkg prune --json --owner octo-org "), "%s", report)
	})

	t.Run("a prerelease tag is a release", func(t *testing.T) {
		t.Parallel()
		code, _, log := actionStep(t, t.TempDir(), map[string]string{
			"RUNNER_OS": "Linux", "RUNNER_ARCH": "X64", "GHPKG_ACTION_REF": "v1.4.0-rc.1", "GHPKG_ACTION_REPOSITORY": releaseRepo,
			"GHPKG_TEST_RELEASES_URL": newReleaseServer(t, nil).URL,
		}, "install")
		assert.Equal(t, 1, code, log)
		assert.Contains(t, log, "/releases/download/v1.4.0-rc.1/checksums.txt", "it looked for the release")
	})

	t.Run("unknown step", func(t *testing.T) {
		t.Parallel()
		code, _, log := actionStep(t, t.TempDir(), nil, "instal")
		assert.Equal(t, 2, code)
		assert.Contains(t, log, "::error::usage: action.sh [install|run]")
	})
}

// TestActionSteps checks action.yml wires the steps as the tests above run
// them: the install step gets the action's ref and repository, Go is set
// up only when it found no release binary, and the run step gets its path.
func TestActionSteps(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "action.yml"))
	require.NoError(t, err)
	var action struct {
		Runs struct {
			Using string `yaml:"using"`
			Steps []struct {
				ID   string            `yaml:"id"`
				If   string            `yaml:"if"`
				Uses string            `yaml:"uses"`
				Run  string            `yaml:"run"`
				With map[string]string `yaml:"with"`
				Env  map[string]string `yaml:"env"`
			} `yaml:"steps"`
		} `yaml:"runs"`
	}
	require.NoError(t, yaml.Unmarshal(data, &action))
	steps := action.Runs.Steps
	require.Len(t, steps, 4)
	install, setupGo, cache, run := steps[0], steps[1], steps[2], steps[3]
	assert.Equal(t, "install", install.ID)
	assert.Equal(t, `bash "$GITHUB_ACTION_PATH/scripts/action.sh" install`, install.Run)
	assert.Equal(t, map[string]string{"GHPKG_ACTION_REF": "${{ github.action_ref }}", "GHPKG_ACTION_REPOSITORY": "${{ github.action_repository }}"}, install.Env)
	assert.True(t, strings.HasPrefix(setupGo.Uses, "actions/setup-go@"), setupGo.Uses)
	assert.Equal(t, "steps.install.outputs.bin == ''", setupGo.If)
	assert.True(t, strings.HasPrefix(cache.Uses, "actions/cache@"), cache.Uses)
	assert.Equal(t, "inputs.cache == 'true' && inputs.type == 'container'", cache.If)
	assert.Equal(t, "${{ runner.temp }}/ghpkg-manifests", cache.With["path"], "the directory the run step passes as --cache-dir")
	assert.Equal(t, "${{ runner.temp }}/ghpkg-manifests", run.Env["INPUT_CACHE_DIR"])
	assert.Equal(t, "${{ inputs.cache }}", run.Env["INPUT_CACHE"])
	assert.Contains(t, cache.With["key"], "${{ inputs.owner }}", "keyed by owner")
	assert.Equal(t, "ghpkg-manifests-${{ inputs.owner }}-", cache.With["restore-keys"])
	assert.Equal(t, "prune", run.ID)
	assert.Equal(t, `bash "$GITHUB_ACTION_PATH/scripts/action.sh" run`, run.Run)
	assert.Equal(t, "${{ steps.install.outputs.bin }}", run.Env["GHPKG_BIN"])
}
