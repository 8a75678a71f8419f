package cli_test

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/ghcrtest"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
)

// ghpkgBuild is the ghpkg binary the action tests run, built once.
var ghpkgBuild struct {
	once sync.Once
	dir  string
	bin  string
	err  error
}

// ghpkgBinary builds ./cmd/ghpkg once per test binary and returns its path.
func ghpkgBinary(t *testing.T) string {
	t.Helper()
	ghpkgBuild.once.Do(func() {
		ghpkgBuild.dir, ghpkgBuild.err = os.MkdirTemp("", "ghpkg-action-test")
		if ghpkgBuild.err != nil {
			return
		}
		ghpkgBuild.bin = filepath.Join(ghpkgBuild.dir, "ghpkg")
		build := exec.Command("go", "build", "-o", ghpkgBuild.bin, "./cmd/ghpkg")
		build.Dir = repoRoot(t)
		if out, err := build.CombinedOutput(); err != nil {
			ghpkgBuild.err = fmt.Errorf("go build ./cmd/ghpkg: %v\n%s", err, out)
		}
	})
	require.NoError(t, ghpkgBuild.err)
	return ghpkgBuild.bin
}

// repoRoot is the repository's root directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../../..")
	require.NoError(t, err)
	return root
}

// actionStep runs scripts/action.sh with args in dir, with the environment
// GitHub Actions gives a composite step (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY
// and RUNNER_TEMP in dir, GITHUB_ACTION_PATH the repository) plus env, and
// returns its exit code, the outputs it wrote and its stdout and stderr.
func actionStep(t *testing.T, dir string, env map[string]string, args ...string) (code int, outputs map[string]string, log string) {
	t.Helper()
	vars := map[string]string{
		"PATH": os.Getenv("PATH"), "HOME": dir,
		"GITHUB_ACTION_PATH": repoRoot(t), "RUNNER_TEMP": dir,
		"GITHUB_OUTPUT": filepath.Join(dir, "output"), "GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary.md"),
	}
	for k, v := range env {
		vars[k] = v
	}
	cmd := exec.Command("bash", append([]string{filepath.Join(repoRoot(t), "scripts", "action.sh")}, args...)...)
	cmd.Dir = dir
	for k, v := range vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	outputs = map[string]string{}
	if f, err := os.Open(vars["GITHUB_OUTPUT"]); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			k, v, _ := strings.Cut(sc.Text(), "=")
			outputs[k] = v
		}
		f.Close()
	}
	return code, outputs, out.String()
}

// actionInputs is the run step's INPUT_* environment with action.yml's
// defaults, the API at baseURL, and inputs on top.
func actionInputs(baseURL string, inputs map[string]string) map[string]string {
	defaults := map[string]string{
		"COMMAND": "prune", "TOKEN": secret, "OWNER": "octo-org", "TYPE": "container", "PACKAGES": "", "OLDER_THAN": "", "ALL_AGES": "false",
		"KEEP": "0", "KEEP_TAGGED": "0", "KEEP_UNTAGGED": "0", "TAGS": "untagged", "INCLUDE": "", "EXCLUDE": "", "KEEP_TAGS": "", "KEEP_NAMES": "", "KEEP_IDS": "",
		"MAX_DELETE": "0", "DELETE_PACKAGE_WHEN_EMPTY": "false", "UNTAG": "false", "GROUP_BY": "", "GRACE": "",
		"DELETE_GHOST_IMAGES": "false", "DELETE_PARTIAL_IMAGES": "false", "DELETE_ORPHANED_REFERRERS": "false", "SKIP_REFERENCE_CHECK": "false", "REGISTRY": "",
		"PACE": "guidance", "MAX_WAIT": "", "SHOW": "deletes", "DRY_RUN": "true", "BASE_URL": baseURL, "CACHE": "true", "CACHE_DIR": "",
	}
	for k, v := range inputs {
		defaults[k] = v
	}
	env := map[string]string{}
	for k, v := range defaults {
		env["INPUT_"+k] = v
	}
	return env
}

// TestActionScript runs the action's run step (scripts/action.sh, what
// action.yml runs) against the fake, with the environment GitHub Actions
// gives a composite step: INPUT_* from action.yml's env block,
// GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, RUNNER_TEMP and GITHUB_ACTION_PATH,
// and GHPKG_BIN from the install step. The fake runs on the real clock, as
// the built ghpkg does.
func TestActionScript(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash not found")
	}
	bin := ghpkgBinary(t)

	srv := ghpackagestest.NewServer(ghpackagestest.WithDemo(), ghcrtest.WithRegistry(),
		ghpackagestest.WithTokenSpec(secret, ghpackagestest.TokenSpec{Scopes: []ghpackages.Scope{ghpackages.ScopeReadPackages, ghpackages.ScopeDeletePackages}}),
		// Like the workflow's GITHUB_TOKEN: no X-OAuth-Scopes, and the fake
		// refuses its deletes.
		ghpackagestest.WithTokenSpec(fineGrain, ghpackagestest.TokenSpec{FineGrained: true}))
	t.Cleanup(srv.Close)

	run := func(t *testing.T, inputs map[string]string) (code int, outputs map[string]string, log, summary string) {
		t.Helper()
		dir := t.TempDir()
		env := actionInputs(strings.TrimSuffix(srv.BaseURL(), "/"), inputs)
		env["GHPKG_BIN"] = bin
		for k, v := range inputs {
			if name, ok := strings.CutPrefix(k, "$"); ok {
				// The runner's own variables, overridden.
				delete(env, "INPUT_"+k)
				env[name] = v
			}
		}
		// A file the pattern team/* would match as a glob: patterns must
		// reach ghpkg as written.
		require.NoError(t, os.MkdirAll(filepath.Join(dir, "team"), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "team", "file"), nil, 0o644))
		code, outputs, log = actionStep(t, dir, env)
		md, _ := os.ReadFile(filepath.Join(dir, "summary.md"))
		for _, s := range []string{log, string(md)} {
			assert.NotContains(t, s, "CLISECRET", "a token is never printed")
		}
		return code, outputs, log, string(md)
	}

	t.Run("dry run by default", func(t *testing.T) {
		// The multi-arch check reads the fake's registry (the API host).
		code, outputs, log, md := run(t, map[string]string{"PACKAGES": "team/*\nnothing-else/*", "OLDER_THAN": "30d",
			"KEEP_IDS": "1260000006, 1260000013"})
		require.Equal(t, 0, code, log)
		assert.Contains(t, log, "warning: nothing-else/* matches no container package")
		assert.Equal(t, "0", outputs["deleted"])
		assert.Equal(t, "8", outputs["planned"], "10 old untagged versions, 2 kept by keep-ids")
		assert.Equal(t, "0", outputs["failed"])
		assert.Equal(t, "0", outputs["healed"], "nothing to heal")
		assert.FileExists(t, outputs["report"])
		freed, err := strconv.ParseInt(outputs["freed-bytes"], 10, 64)
		require.NoError(t, err, "freed-bytes %q", outputs["freed-bytes"])
		kept, err := strconv.ParseInt(outputs["kept-bytes"], 10, 64)
		require.NoError(t, err, "kept-bytes %q", outputs["kept-bytes"])
		assert.Positive(t, freed)
		assert.Greater(t, kept, freed)
		assert.Contains(t, md, fmt.Sprintf("| %d | %d |", freed, kept), "the job summary shows them")
		assert.Contains(t, md, "; frees ", "ghpkg's summary line says it in binary units")
		assert.Contains(t, log, "Dry run: nothing is deleted")
		assert.True(t, strings.HasPrefix(md, "### ghpkg prune: org octo-org (dry run)\n"), md)
		assert.NotContains(t, log, "registry", "the registry was read")
		assert.Equal(t, 8, strings.Count(md, "| would delete |"))
		assert.Zero(t, srv.Stats().Deletes)
	})

	t.Run("workflow token: scopes unknown, the 403 names the package", func(t *testing.T) {
		code, outputs, log, md := run(t, map[string]string{"TOKEN": fineGrain, "PACKAGES": teamApp, "OLDER_THAN": "30d",
			"SKIP_REFERENCE_CHECK": "true", "DRY_RUN": "false", "MAX_DELETE": "1"})
		assert.Equal(t, 1, code, log)
		assert.Equal(t, "1", outputs["failed"])
		assert.Equal(t, "0", outputs["deleted"])
		assert.Contains(t, log, "GitHub reports no classic scopes for this token")
		assert.Contains(t, log, "1 failed in team/app")
		assert.Contains(t, log, "the token may not change team/app")
		assert.Contains(t, log, "Manage Actions access")
		assert.Contains(t, md, "| delete-version | failed |")
	})

	t.Run("delete with a classic token", func(t *testing.T) {
		code, outputs, log, md := run(t, map[string]string{"PACKAGES": teamApp, "OLDER_THAN": "30d", "SKIP_REFERENCE_CHECK": "true",
			"DRY_RUN": "false", "MAX_DELETE": "2", "PACE": "budget"})
		require.Equal(t, 0, code, log)
		assert.Equal(t, "2", outputs["deleted"])
		assert.Equal(t, "2", outputs["planned"])
		assert.Equal(t, 2, strings.Count(md, "| delete-version | deleted |"))
		assert.Equal(t, "unknown", outputs["freed-bytes"], "--skip-reference-check reads no sizes")
		assert.Equal(t, "unknown", outputs["kept-bytes"])

		// The report output undoes the run.
		restore := exec.Command(bin, "restore", "--report", outputs["report"], "--base-url", srv.BaseURL())
		restore.Env = []string{"GITHUB_TOKEN=" + secret}
		out, err := restore.CombinedOutput()
		assert.Error(t, err, "the token lacks write:packages: %s", out)
		assert.Contains(t, string(out), "write:packages")
	})

	t.Run("registry unreachable: withheld fails the step", func(t *testing.T) {
		deletes := srv.Stats().Deletes
		code, outputs, log, md := run(t, map[string]string{"PACKAGES": teamApp, "OLDER_THAN": "30d", "REGISTRY": "127.0.0.1:1", "DRY_RUN": "false"})
		assert.Equal(t, 1, code, log)
		n := outputs["withheld"]
		assert.Regexp(t, `^[1-9][0-9]*$`, n, "the untagged versions older than 30 days")
		assert.Equal(t, "0", outputs["deleted"])
		assert.Equal(t, "0", outputs["failed"])
		assert.Contains(t, log, "::error::ghpkg withheld "+n+" deletions")
		assert.Contains(t, log, "ghpkg prune: exit 1: withheld "+n+" deletions in 1 package: team/app ("+n+"): the registry's tags could not be read")
		assert.Contains(t, md, "withheld "+n+" deletions in 1 package")
		assert.Equal(t, deletes, srv.Stats().Deletes)
	})

	t.Run("outputs that cannot be written fail the step and name the report", func(t *testing.T) {
		code, outputs, log, _ := run(t, map[string]string{"PACKAGES": teamApp, "OLDER_THAN": "30d", "$GITHUB_OUTPUT": "/nonexistent/dir/output"})
		assert.Equal(t, 1, code, log)
		assert.Empty(t, outputs)
		assert.Regexp(t, `::error::could not write the step outputs to GITHUB_OUTPUT \(/nonexistent/dir/output\); the run's JSON report is \S+ghpkg-prune-\d+\.json`, log)
	})

	t.Run("the manifest cache in the directory actions/cache keeps", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "ghpkg-manifests")
		code, _, log, _ := run(t, map[string]string{"PACKAGES": teamApp, "OLDER_THAN": "30d", "CACHE_DIR": dir})
		require.Equal(t, 0, code, log)
		entries, _ := filepath.Glob(filepath.Join(dir, "sha256", "*", "*"))
		assert.NotEmpty(t, entries, "the run filled the cache directory")

		off := filepath.Join(t.TempDir(), "ghpkg-manifests")
		code, _, log, _ = run(t, map[string]string{"PACKAGES": teamApp, "OLDER_THAN": "30d", "CACHE": "false", "CACHE_DIR": off})
		require.Equal(t, 0, code, log)
		assert.NoDirExists(t, off, "cache: false keeps nothing")
	})

	t.Run("usage error", func(t *testing.T) {
		code, outputs, log, _ := run(t, map[string]string{"PACKAGES": teamApp})
		assert.Equal(t, 2, code, log)
		assert.Contains(t, log, "give --older-than AGE")
		assert.Equal(t, "0", outputs["deleted"])
	})

	t.Run("untag, group-by and grace reach ghpkg", func(t *testing.T) {
		deletes := srv.Stats().Deletes
		code, outputs, log, md := run(t, map[string]string{"PACKAGES": teamApp, "TAGS": "tagged", "INCLUDE": "stable", "UNTAG": "true", "OLDER_THAN": "1d"})
		require.Equal(t, 0, code, log)
		assert.Equal(t, "0", outputs["planned"])
		assert.Contains(t, md, "| would remove stable |")
		code, outputs, log, _ = run(t, map[string]string{"PACKAGES": teamApp, "TAGS": "tagged", "ALL_AGES": "true", "GROUP_BY": `re:^v([0-9]+)\.`, "KEEP_TAGGED": "2"})
		require.Equal(t, 0, code, log)
		assert.Equal(t, "16", outputs["planned"], "7 old v1 releases and 9 old nightlies")
		code, _, log, _ = run(t, map[string]string{"PACKAGES": teamApp, "OLDER_THAN": "30d", "GRACE": "soon"})
		assert.Equal(t, 2, code)
		assert.Contains(t, log, `--grace "soon"`)
		assert.Equal(t, deletes, srv.Stats().Deletes, "dry runs")
	})
}

// TestActionInputsReachTheScript: every input of action.yml is passed to
// the run step as INPUT_NAME, and the tests above set each of them.
func TestActionInputsReachTheScript(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "action.yml"))
	require.NoError(t, err)
	var action struct {
		Inputs map[string]any `yaml:"inputs"`
		Runs   struct {
			Steps []struct {
				ID  string            `yaml:"id"`
				Env map[string]string `yaml:"env"`
			} `yaml:"steps"`
		} `yaml:"runs"`
	}
	require.NoError(t, yaml.Unmarshal(data, &action))
	var env map[string]string
	for _, st := range action.Runs.Steps {
		if st.ID == "prune" {
			env = st.Env
		}
	}
	defaults := actionInputs("", nil)
	for name := range action.Inputs {
		v := "INPUT_" + strings.ReplaceAll(strings.ToUpper(name), "-", "_")
		assert.Equal(t, "${{ inputs."+name+" }}", env[v], "input %s", name)
		assert.Contains(t, defaults, v, "actionInputs sets %s", name)
	}
	script, err := os.ReadFile(filepath.Join(repoRoot(t), "scripts", "action.sh"))
	require.NoError(t, err)
	for v := range env {
		if strings.HasPrefix(v, "INPUT_") {
			assert.Contains(t, string(script), v, "action.sh reads %s", v)
		}
	}
}
