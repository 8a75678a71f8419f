package readme

import (
	"net/http"
	"regexp"
	"strconv"
	"testing"

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
