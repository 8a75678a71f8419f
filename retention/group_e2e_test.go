package retention_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/ghcrtest"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
	"github.com/ghpackages/ghpackages-go/retention"
)

// imageFront starts an empty fake with the ghcr.io front and a container
// package octo-org/svc; add pushes an image (multi-arch when platforms are
// given) created age ago and returns its digest.
func imageFront(t *testing.T) (*ghpackagestest.Server, *ghpackagestest.FakeClock, *retention.RegistryResolver, func(age time.Duration, platforms []string, tags ...string) string) {
	t.Helper()
	clock := ghpackagestest.NewFakeClock(start)
	srv := ghpackagestest.New(t, ghpackagestest.WithClock(clock), ghcrtest.WithRegistry())
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	resolver := retention.NewRegistryResolver(retention.RegistryConfig{Host: srv.Host(), Token: ghpackagestest.DefaultToken, Transport: tr})
	srv.AddPackage(ghpackagestest.PackageSpec{Owner: "octo-org", Type: ghpackages.Container, Name: "svc"})
	n := 0
	add := func(age time.Duration, platforms []string, tags ...string) string {
		n++
		id := srv.AddVersion("octo-org", ghpackages.Container, "svc", ghpackagestest.VersionSpec{Tags: tags, CreatedAt: clock.Now().Add(-age),
			Image: &ghpackagestest.ImageSpec{Seed: strings.Repeat("x", n), Platforms: platforms}})
		for _, v := range srv.Versions("octo-org", ghpackages.Container, "svc") {
			if v.ID == id {
				return v.Name
			}
		}
		t.Fatalf("no version %d", id)
		return ""
	}
	return srv, clock, resolver, add
}

func svcPolicy(mod func(*retention.Policy)) retention.Policy {
	p := retention.Policy{Type: ghpackages.Container, Packages: []retention.Pattern{retention.MustPattern("svc")}}
	mod(&p)
	return p
}

// TestGroupByKeepsNewestPerMajorVersion keeps the 2 newest images of
// each major version of real multi-arch images, deletes the rest with
// their platform images, and counts the groups in the plan.
func TestGroupByKeepsNewestPerMajorVersion(t *testing.T) {
	t.Parallel()
	srv, clock, resolver, add := imageFront(t)
	multi := []string{"linux/amd64", "linux/arm64"}
	v100 := add(60*day, multi, "v1.0.0")
	v110 := add(50*day, multi, "v1.1.0")
	add(40*day, multi, "v1.2.0")
	v200 := add(30*day, nil, "v2.0.0")
	add(20*day, multi, "v2.1.0", "latest")
	add(10*day, nil, "v3.0.0")
	policy := svcPolicy(func(p *retention.Policy) {
		p.Tags, p.OlderThan, p.KeepNewestTagged = retention.TaggedOnly, day, 2
		p.GroupBy = retention.MustPattern(`re:^v(\d+)\.`)
	})
	opts := []retention.PlanOption{retention.WithResolver(resolver), retention.WithNow(clock.Now)}
	plan, err := retention.NewPlan(t.Context(), srv.Client(), demoOwner, policy, opts...)
	require.NoError(t, err)
	pp := plan.Packages[0]
	var deleted []string
	for _, v := range pp.Versions {
		if v.Action == retention.ActionDelete {
			deleted = append(deleted, v.Name)
		}
	}
	assert.Equal(t, []string{v100}, deleted, "v1 keeps v1.2.0 and v1.1.0; v2 and v3 keep all")
	assert.Equal(t, []retention.GroupCount{{Group: "(other tags)", Images: 1, Kept: 1}, {Group: "1", Images: 3, Kept: 2}, {Group: "2", Images: 2, Kept: 2}, {Group: "3", Images: 1, Kept: 1}}, pp.Groups)
	for _, v := range pp.Versions {
		if v.Name == v110 {
			assert.Equal(t, `one of the 2 newest tagged images of group "1" (GroupBy)`, v.Reason)
		}
		if v.Name == v200 {
			assert.Equal(t, []string{"2"}, v.Groups)
		}
	}
	// The index went before its platform images, which went too (untagged
	// children of a deleted index), and every tag left is whole.
	policy.Tags, policy.KeepNewestTagged = retention.AnyTags, 2
	plan, err = retention.NewPlan(t.Context(), srv.Client(), demoOwner, policy, opts...)
	require.NoError(t, err)
	assert.Equal(t, 3, plan.Deletes(), "v1.0.0's index and its two platform images")
	rep, err := retention.Apply(t.Context(), srv.Client(), plan, retention.WithResolver(resolver), retention.WithNow(clock.Now))
	require.NoError(t, err)
	assert.Equal(t, 3, rep.Count(retention.OutcomeDeleted))
	res, err := retention.Verify(t.Context(), resolver, "octo-org/svc")
	require.NoError(t, err)
	assert.True(t, res.OK())
	assert.Equal(t, 6, res.Tags)
}

// TestGraceKeepsAPushInProgress: a multi-arch push uploads its platform
// images, untagged, before the index that tags them. A cleanup of
// untagged versions of any age running in between keeps them for the
// grace window (an hour by default), then, if no index came, deletes
// them; --grace 0 (a negative Grace) deletes them at once.
func TestGraceKeepsAPushInProgress(t *testing.T) {
	t.Parallel()
	srv, clock, resolver, add := imageFront(t)
	add(40*day, nil, "v1")
	old := add(40*day, nil)
	amd := add(5*time.Minute, nil)
	arm := add(3*time.Minute, []string{}) // still single images: the index is not pushed yet
	policy := svcPolicy(func(p *retention.Policy) { p.DeleteAllMatching = true })
	planned := func(p retention.Policy) map[string]retention.Decision {
		plan, err := retention.NewPlan(t.Context(), srv.Client(), demoOwner, p, retention.WithResolver(resolver), retention.WithNow(clock.Now))
		require.NoError(t, err)
		out := map[string]retention.Decision{}
		for _, v := range plan.Packages[0].Versions {
			out[v.Name] = v
		}
		return out
	}
	got := planned(policy)
	assert.Equal(t, retention.ActionDelete, got[old].Action)
	for _, d := range []string{amd, arm} {
		assert.Equal(t, retention.ActionKeep, got[d].Action)
		assert.Contains(t, got[d].Reason, "within the 1h grace for pushes in progress")
	}
	noGrace := policy
	noGrace.Grace = -1
	got = planned(noGrace)
	assert.Equal(t, retention.ActionDelete, got[amd].Action)
	clock.Advance(2 * time.Hour)
	got = planned(policy)
	assert.Equal(t, retention.ActionDelete, got[amd].Action, "past the grace window, an orphan is an orphan")
}
