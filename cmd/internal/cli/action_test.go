package cli_test

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/ghcrtest"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
)

// TestActionScript runs the action's run step (scripts/action.sh, what
// action.yml runs) against the fake, with the environment GitHub Actions
// gives a composite step: INPUT_* from action.yml's env block,
// GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, RUNNER_TEMP and GITHUB_ACTION_PATH. The
// fake runs on the real clock, as the built ghpkg does.
func TestActionScript(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash not found")
	}
	root, err := filepath.Abs("../../..")
	require.NoError(t, err)
	bin := filepath.Join(t.TempDir(), "ghpkg")
	build := exec.Command("go", "build", "-o", bin, "./cmd/ghpkg")
	build.Dir = root
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)

	srv := ghpackagestest.NewServer(ghpackagestest.WithDemo(), ghcrtest.WithRegistry(),
		ghpackagestest.WithTokenSpec(secret, ghpackagestest.TokenSpec{Scopes: []ghpackages.Scope{ghpackages.ScopeReadPackages, ghpackages.ScopeDeletePackages}}),
		// Like the workflow's GITHUB_TOKEN: no X-OAuth-Scopes, and the fake
		// refuses its deletes.
		ghpackagestest.WithTokenSpec(fineGrain, ghpackagestest.TokenSpec{FineGrained: true}))
	t.Cleanup(srv.Close)

	run := func(t *testing.T, inputs map[string]string) (code int, outputs map[string]string, stdout, summary string) {
		t.Helper()
		dir := t.TempDir()
		env := []string{
			"PATH=" + os.Getenv("PATH"), "HOME=" + dir,
			"GHPKG_BIN=" + bin, "GITHUB_ACTION_PATH=" + root, "RUNNER_TEMP=" + dir,
			"GITHUB_OUTPUT=" + filepath.Join(dir, "output"), "GITHUB_STEP_SUMMARY=" + filepath.Join(dir, "summary.md"),
		}
		defaults := map[string]string{
			// action.yml's defaults, with the fake as the API.
			"TOKEN": secret, "OWNER": "octo-org", "TYPE": "container", "PACKAGES": "", "OLDER_THAN": "", "ALL_AGES": "false",
			"KEEP": "0", "KEEP_TAGGED": "0", "KEEP_UNTAGGED": "0", "TAGS": "untagged", "INCLUDE": "", "EXCLUDE": "", "KEEP_TAGS": "", "KEEP_NAMES": "", "KEEP_IDS": "",
			"MAX_DELETE": "0", "DELETE_PACKAGE_WHEN_EMPTY": "false",
			"DELETE_GHOST_IMAGES": "false", "DELETE_PARTIAL_IMAGES": "false", "DELETE_ORPHANED_REFERRERS": "false", "SKIP_REFERENCE_CHECK": "false", "REGISTRY": "",
			"PACE": "guidance", "MAX_WAIT": "", "SHOW": "deletes", "DRY_RUN": "true", "BASE_URL": srv.URL(),
		}
		for k, v := range inputs {
			defaults[k] = v
		}
		for k, v := range defaults {
			env = append(env, "INPUT_"+k+"="+v)
		}
		// A file the pattern team/* would match as a glob: patterns must
		// reach ghpkg as written.
		require.NoError(t, os.MkdirAll(filepath.Join(dir, "team"), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "team", "file"), nil, 0o644))
		cmd := exec.Command("bash", filepath.Join(root, "scripts", "action.sh"))
		cmd.Dir = dir
		cmd.Env = env
		var so, se bytes.Buffer
		cmd.Stdout, cmd.Stderr = &so, &se
		err := cmd.Run()
		code = 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else {
			require.NoError(t, err)
		}
		outputs = map[string]string{}
		if f, err := os.Open(filepath.Join(dir, "output")); err == nil {
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				k, v, _ := strings.Cut(sc.Text(), "=")
				outputs[k] = v
			}
			f.Close()
		}
		md, _ := os.ReadFile(filepath.Join(dir, "summary.md"))
		for _, s := range []string{so.String(), se.String(), string(md)} {
			assert.NotContains(t, s, "CLISECRET", "a token is never printed")
		}
		return code, outputs, so.String() + se.String(), string(md)
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
		assert.FileExists(t, outputs["report"])
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

		// The report output undoes the run.
		restore := exec.Command(bin, "restore", "--report", outputs["report"], "--base-url", srv.URL())
		restore.Env = []string{"GITHUB_TOKEN=" + secret}
		out, err := restore.CombinedOutput()
		assert.Error(t, err, "the token lacks write:packages: %s", out)
		assert.Contains(t, string(out), "write:packages")
	})

	t.Run("usage error", func(t *testing.T) {
		code, outputs, log, _ := run(t, map[string]string{"PACKAGES": teamApp})
		assert.Equal(t, 2, code, log)
		assert.Contains(t, log, "give --older-than AGE")
		assert.Equal(t, "0", outputs["deleted"])
	})
}
