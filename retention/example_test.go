package retention_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/ghcrtest"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
	"github.com/ghpackages/ghpackages-go/retention"
)

// A cleanup from plan to undo, against ghpackagestest's fake GitHub and
// registry: the untagged platform images of a kept multi-arch release stay;
// an old untagged build goes; Verify proves afterwards that every tag is
// whole; and Restore undoes the run from its report.
func Example() {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	clock := ghpackagestest.NewFakeClock(now)
	srv := ghpackagestest.NewServer(ghpackagestest.WithClock(clock), ghcrtest.WithRegistry())
	defer srv.Close()
	srv.AddPackage(ghpackagestest.PackageSpec{Owner: "acme", Type: ghpackages.Container, Name: "app"})
	srv.AddVersion("acme", ghpackages.Container, "app", ghpackagestest.VersionSpec{Tags: []string{"v1"}, CreatedAt: now.AddDate(0, 0, -90),
		Image: &ghpackagestest.ImageSpec{Platforms: []string{"linux/amd64", "linux/arm64"}}})
	srv.AddVersion("acme", ghpackages.Container, "app", ghpackagestest.VersionSpec{CreatedAt: now.AddDate(0, 0, -60), Image: &ghpackagestest.ImageSpec{}})

	ctx := context.Background()
	resolver := retention.NewRegistryResolver(retention.RegistryConfig{
		Host:      srv.Host(), // ghcr.io when empty
		Token:     ghpackagestest.DefaultToken,
		Transport: srv.HTTPClient().Transport,
	})
	registry := retention.WithResolver(resolver)
	policy := retention.Policy{Type: ghpackages.Container, OlderThan: 30 * 24 * time.Hour} // untagged only, by default
	plan, err := retention.NewPlan(ctx, srv.Client(), ghpackages.OrgOwner("acme"), policy, registry, retention.WithNow(clock.Now))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("warnings:", plan.Warnings)
	for _, v := range plan.Packages[0].Versions {
		reason, _, _ := strings.Cut(v.Reason, " sha256:") // digests differ from run to run
		fmt.Println(v.Action, v.Tags, reason)
	}

	rep, err := retention.Apply(ctx, srv.Client(), plan, registry, retention.WithNow(clock.Now))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("deleted:", rep.Count(retention.OutcomeDeleted))

	res, err := retention.Verify(ctx, resolver, "acme/app")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("tags whole:", res.OK(), res.Tags)

	undo, err := retention.Restore(ctx, srv.Client(), rep, retention.WithNow(clock.Now))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("restored:", undo.Count(retention.OutcomeRestored), "failed:", undo.Failed())
	// Output:
	// warnings: []
	// keep [] needed by kept
	// keep [] needed by kept
	// keep [v1] tagged; the policy deletes untagged versions only
	// delete [] untagged, created 60d ago, older than 30d
	// deleted: 1
	// tags whole: true 1
	// restored: 1 failed: false
}
