package readme

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
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
	"github.com/ghpackages/ghpackages-go/retention"
)

// TestReadmeDeletesAreSafeOnTheDemo: every version the README's Go
// snippets delete by ID exists in the demo data and is needed by no tag of
// its image, so the first thing the README teaches does not break the
// demo's multi-arch image (issue 17, item 3: it deleted a platform manifest
// of latest).
func TestReadmeDeletesAreSafeOnTheDemo(t *testing.T) {
	t.Parallel()
	srv := ghpackagestest.New(t, ghpackagestest.WithDemo(), ghcrtest.WithRegistry())
	client := srv.Client(ghpackages.WithPacing(ghpackages.NoPacing()))
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	resolver := retention.NewRegistryResolver(retention.RegistryConfig{Host: srv.Host(), Token: ghpackagestest.DefaultToken, Transport: tr})
	call := regexp.MustCompile(`DeleteVersion\(ctx, "([^"]+)", ghpackages\.Container, "([^"]+)", (\d+)\)`)
	found := 0
	for _, b := range readmeBlocks(t) {
		if b.lang != "go" {
			continue
		}
		for _, m := range call.FindAllStringSubmatch(b.text, -1) {
			found++
			org, pkg := m[1], m[2]
			id, _ := strconv.ParseInt(m[3], 10, 64)
			v, _, err := client.Orgs.GetVersion(t.Context(), org, ghpackages.Container, pkg, id)
			if err != nil {
				t.Errorf("%s deletes version %d of %s, which the demo does not have: %v", b.pos(), id, pkg, err)
				continue
			}
			deps, err := retention.NeededBy(t.Context(), resolver, org+"/"+pkg, v.Name)
			if err != nil {
				t.Fatal(err)
			}
			if len(deps) > 0 {
				t.Errorf("%s deletes version %d of %s, which the demo's %v need: deleting it breaks them", b.pos(), id, pkg, deps)
			}
		}
	}
	if found == 0 {
		t.Fatal("no DeleteVersion call found in the Go blocks of README.md and docs/: update this test")
	}
}

// TestReadmeProgramRuns builds each complete program of README.md (a ```go
// block that starts with "package main") and runs it against the demo
// fake, as a reader with a token would run it against GitHub: GITHUB_TOKEN
// is the fake's token and GITHUB_API_URL its base URL (what GitHub Actions
// sets). It must exit 0 and print the demo's tagged release.
func TestReadmeProgramRuns(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	found := 0
	for _, b := range fileBlocks(t, "README.md") {
		if b.lang != "go" || !strings.HasPrefix(strings.TrimSpace(b.text), "package main") {
			continue
		}
		found++
		tmp := t.TempDir()
		src := filepath.Join(tmp, "main.go")
		if err := os.WriteFile(src, []byte(b.text), 0o644); err != nil {
			t.Fatal(err)
		}
		pkg := fmt.Sprintf("./cmd/internal/readme/snippets/program%d", b.line)
		target := filepath.Join(root, filepath.FromSlash(pkg), "main.go")
		overlay, _ := json.Marshal(map[string]map[string]string{"Replace": {target: src}})
		ov := filepath.Join(tmp, "overlay.json")
		if err := os.WriteFile(ov, overlay, 0o644); err != nil {
			t.Fatal(err)
		}
		exe := filepath.Join(tmp, "program")
		build := exec.CommandContext(t.Context(), "go", "build", "-overlay="+ov, "-o", exe, pkg)
		build.Dir = root
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("%s: the program does not build: %v\n%s", b.pos(), err, out)
		}

		srv := ghpackagestest.New(t, ghpackagestest.WithDemo())
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		cmd := exec.CommandContext(ctx, exe)
		cmd.Env = []string{"GITHUB_TOKEN=" + ghpackagestest.DefaultToken, "GITHUB_API_URL=" + srv.BaseURL(), "HOME=" + tmp}
		out, err := cmd.CombinedOutput()
		cancel()
		if err != nil {
			t.Fatalf("%s: the program failed on the demo: %v\n%s", b.pos(), err, out)
		}
		if !strings.Contains(string(out), "latest") {
			t.Errorf("%s: the program did not print the demo's latest release:\n%s", b.pos(), out)
		}
	}
	if found == 0 {
		t.Fatal("README.md has no complete program (a ```go block starting with \"package main\")")
	}
}
