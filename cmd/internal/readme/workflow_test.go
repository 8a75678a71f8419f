package readme

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/ghcrtest"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
	"go.yaml.in/yaml/v3"
)

// workflow is the part of a GitHub Actions workflow these tests read.
type workflow struct {
	Jobs map[string]struct {
		Steps []workflowStep `yaml:"steps"`
	} `yaml:"jobs"`
}

type workflowStep struct {
	Name string            `yaml:"name"`
	Uses string            `yaml:"uses"`
	Run  string            `yaml:"run"`
	With map[string]string `yaml:"with"`
	Env  map[string]string `yaml:"env"`
}

// readmeWorkflows returns the README's YAML blocks that are workflows.
func readmeWorkflows(t *testing.T) map[block]workflow {
	t.Helper()
	out := map[block]workflow{}
	for _, b := range readmeBlocks(t) {
		if b.lang != "yaml" && b.lang != "yml" {
			continue
		}
		var wf workflow
		if err := yaml.Unmarshal([]byte(b.text), &wf); err != nil {
			t.Errorf("%s: not valid YAML: %v", b.pos(), err)
			continue
		}
		if len(wf.Jobs) > 0 {
			out[b] = wf
		}
	}
	return out
}

// scopesComment reads the scopes a workflow's comment says its token has:
// "# classic PAT: read:packages, delete:packages".
var scopesComment = regexp.MustCompile(`#\s*classic PAT:\s*([a-z:, ]+)`)

// TestWorkflowCommands runs the ghpkg steps of the README's CI workflows,
// in order, against the fake, with a token that has exactly the scopes the
// workflow's comment names. The one change: every ghpkg call also gets
// --base-url pointing at the fake. Each step must exit 0, and the prune must
// delete the old untagged builds while every tagged image stays whole.
func TestWorkflowCommands(t *testing.T) {
	t.Parallel()
	ran := 0
	for b, wf := range readmeWorkflows(t) {
		var steps []workflowStep
		for _, job := range wf.Jobs {
			for _, s := range job.Steps {
				if strings.Contains(s.Run, "ghpkg ") && !strings.Contains(s.Run, "go install") {
					steps = append(steps, s)
				}
			}
		}
		if len(steps) == 0 {
			continue
		}
		m := scopesComment.FindStringSubmatch(b.text)
		if m == nil {
			t.Errorf("%s: the workflow runs ghpkg but no comment says which scopes its token has (# classic PAT: …)", b.pos())
			continue
		}
		var scopes []ghpackages.Scope
		for _, s := range strings.Split(m[1], ",") {
			if s = strings.TrimSpace(s); s != "" {
				scopes = append(scopes, ghpackages.Scope(s))
			}
		}
		ran++
		t.Run(b.pos(), func(t *testing.T) {
			t.Parallel()
			runWorkflowSteps(t, steps, scopes)
		})
	}
	if ran == 0 {
		t.Fatal("README.md and docs/ have no workflow that runs ghpkg: the extraction is broken")
	}
}

// runWorkflowSteps seeds a fake with octo-org's container packages "my-app"
// and "my-app/web" (a tagged multi-arch release, old untagged orphans, a
// recent untagged build), runs steps with the scoped token, and checks what
// the prune left.
func runWorkflowSteps(t *testing.T, steps []workflowStep, scopes []ghpackages.Scope) {
	const token = "ghp_readme_workflow"
	clock := ghpackagestest.OffsetClock(0)
	srv := ghpackagestest.NewServer(ghpackagestest.WithClock(clock), ghcrtest.WithRegistry(),
		ghpackagestest.WithTokenSpec(token, ghpackagestest.TokenSpec{Login: "ci", Scopes: scopes}))
	t.Cleanup(srv.Close)
	now := srv.Now()
	day := 24 * time.Hour
	srv.AddOrg("octo-org")
	var orphans, kept []int64
	for _, name := range []string{"my-app", "my-app/web"} {
		srv.AddPackage(ghpackagestest.PackageSpec{Owner: "octo-org", Type: ghpackages.Container, Name: name, CreatedAt: now.Add(-200 * day)})
		for i := range 14 {
			orphans = append(orphans, srv.AddVersion("octo-org", ghpackages.Container, name, ghpackagestest.VersionSpec{
				CreatedAt: now.Add(-time.Duration(90-i) * day), Image: &ghpackagestest.ImageSpec{Seed: name + " old " + strconv.Itoa(i)}}))
		}
		kept = append(kept, srv.AddVersion("octo-org", ghpackages.Container, name, ghpackagestest.VersionSpec{
			CreatedAt: now.Add(-60 * day), Tags: []string{"v1", "latest"},
			Image: &ghpackagestest.ImageSpec{Platforms: []string{"linux/amd64", "linux/arm64"}, Seed: name + " v1"}}))
		kept = append(kept, srv.AddVersion("octo-org", ghpackages.Container, name, ghpackagestest.VersionSpec{
			CreatedAt: now.Add(-2 * day), Image: &ghpackagestest.ImageSpec{Seed: name + " recent"}}))
	}

	bin := t.TempDir()
	ghpkg := build(t, "./cmd/ghpkg")
	wrapper := "#!/bin/sh\nexec '" + ghpkg + "' \"$@\" --base-url '" + srv.BaseURL() + "'\n"
	if err := os.WriteFile(filepath.Join(bin, "ghpkg"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	expr := regexp.MustCompile(`\$\{\{\s*([^}]*?)\s*\}\}`)
	subst := func(s string) string {
		return expr.ReplaceAllStringFunc(s, func(m string) string {
			switch inner := expr.FindStringSubmatch(m)[1]; {
			case inner == "github.repository_owner":
				return "octo-org"
			case strings.HasPrefix(inner, "secrets."):
				return token
			default:
				t.Errorf("no stand-in for the expression %s", m)
				return m
			}
		})
	}
	for _, s := range steps {
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
		cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", subst(s.Run))
		cmd.Dir = work
		env := []string{"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"), "HOME=" + work, "CI=true"}
		for k, v := range s.Env {
			env = append(env, k+"="+subst(v))
		}
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		cancel()
		if err != nil {
			t.Fatalf("step %q: %v\n%s", s.Name, err, out)
		}
		t.Logf("step %q:\n%s", s.Name, out)
	}

	gone := map[int64]bool{}
	for _, name := range []string{"my-app", "my-app/web"} {
		for _, v := range srv.Versions("octo-org", ghpackages.Container, name) {
			if v.DeletedAt != nil {
				gone[v.ID] = true
			}
		}
	}
	// Each package has 16 images: the recent build, the v1 release and 14
	// old orphans (oldest first in orphans). "--keep 10" keeps the 10
	// newest, so the oldest orphans of each package go, and nothing else:
	// not the release, not its platform images, not the recent build.
	for _, id := range kept {
		if gone[id] {
			t.Errorf("version %d (tagged, or recent) was deleted", id)
		}
	}
	perPackage := len(orphans) / 2
	deleted := 0
	for p := range 2 {
		pkgOrphans := orphans[p*perPackage : (p+1)*perPackage]
		n := 0
		for i, id := range pkgOrphans {
			if gone[id] {
				n++
				if i > 0 && !gone[pkgOrphans[i-1]] {
					t.Errorf("orphan %d was deleted but an older one, %d, was kept", id, pkgOrphans[i-1])
				}
			}
		}
		if n < 4 {
			t.Errorf("package %d: %d old orphans deleted, want the oldest beyond the 10 kept", p, n)
		}
		deleted += n
	}
	if len(gone) != deleted {
		t.Errorf("%d versions deleted, but only %d of them old orphans (a platform image of v1 must stay)", len(gone), deleted)
	}
	if _, err := os.Stat(filepath.Join(work, "prune-report.json")); err != nil {
		t.Errorf("the prune step wrote no report: %v", err)
	}
}

// TestWorkflowScopesAreNeeded: the scope check the workflow runs first
// really checks. With one of the comment's scopes missing it exits 2.
func TestWorkflowScopesAreNeeded(t *testing.T) {
	t.Parallel()
	const token = "ghp_readme_readonly"
	srv := ghpackagestest.NewServer(ghpackagestest.WithTokenSpec(token, ghpackagestest.TokenSpec{Login: "ci", Scopes: []ghpackages.Scope{ghpackages.ScopeReadPackages}}))
	t.Cleanup(srv.Close)
	cmd := exec.CommandContext(t.Context(), build(t, "./cmd/ghpkg"), "scopes", "--for", "prune", "--type", "container", "--base-url", srv.BaseURL())
	cmd.Env = []string{"GITHUB_TOKEN=" + token, "HOME=" + t.TempDir()}
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 {
		t.Fatalf("ghpkg scopes with read:packages only: want exit 2, got %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "delete:packages") {
		t.Errorf("the refusal does not name the missing scope:\n%s", out)
	}
}

// TestActionInputsInReadme: every input the README's workflows give the
// action exists in action.yml, and each pins the action as the README
// tells readers to: to this version's release tag or a full commit SHA.
func TestActionInputsInReadme(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var action struct {
		Inputs map[string]any `yaml:"inputs"`
	}
	if err := yaml.Unmarshal(data, &action); err != nil {
		t.Fatal(err)
	}
	used := 0
	for b, wf := range readmeWorkflows(t) {
		for _, job := range wf.Jobs {
			for _, s := range job.Steps {
				if !strings.HasPrefix(s.Uses, "ghpackages/ghpackages-go@") {
					continue
				}
				used++
				ref := strings.TrimPrefix(s.Uses, "ghpackages/ghpackages-go@")
				if ref != "v"+ghpackages.Version && !regexp.MustCompile(`^[0-9a-f]{40}$`).MatchString(ref) {
					t.Errorf("%s: the action is used at %q: pin the release tag v%s (ghpackages.Version) or a full commit SHA", b.pos(), ref, ghpackages.Version)
				}
				for k := range s.With {
					if _, ok := action.Inputs[k]; !ok {
						t.Errorf("%s: the action has no input %q", b.pos(), k)
					}
				}
			}
		}
	}
	if used == 0 {
		t.Error("README.md and docs/ show no workflow that uses the action")
	}
}
