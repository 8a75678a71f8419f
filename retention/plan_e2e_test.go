package retention_test

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/ghpackages/ghpackages-go/internal/testguard"
	"io"
	"log"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
	"github.com/ghpackages/ghpackages-go/retention"
)

var start = testguard.Epoch() // fixed, unless GHPACKAGES_TEST_EPOCH moves it

const day = 24 * time.Hour

// world is a fake GitHub with a real OCI registry beside it, holding two
// multi-arch images and an orphan manifest in octo-org's container "app".
type world struct {
	g        *ghcr
	srv      *ghpackagestest.Server
	clock    *ghpackagestest.FakeClock
	client   *ghpackages.Client
	resolver retention.ManifestResolver
	ids      map[string]int64 // role → version ID
	digests  map[string]string
}

func newWorld(t *testing.T, opts ...ghpackagestest.Option) *world {
	t.Helper()
	clock := ghpackagestest.NewFakeClock(start)
	g := newGHCR(t, ghcrOptions{fake: append([]ghpackagestest.Option{ghpackagestest.WithClock(clock)}, opts...)})
	srv := g.fake
	host := g.host
	w := &world{g: g, srv: srv, clock: clock, ids: map[string]int64{}, digests: map[string]string{}}
	w.client = g.client()
	w.resolver = g.resolver()
	tr := remote.WithTransport(g.transport())

	push := func(role, tag string, idx v1.ImageIndex) []string {
		ref, err := name.ParseReference(host + "/octo-org/app:" + tag)
		require.NoError(t, err)
		require.NoError(t, remote.WriteIndex(ref, idx, tr))
		d, err := idx.Digest()
		require.NoError(t, err)
		w.digests[role] = d.String()
		m, err := idx.IndexManifest()
		require.NoError(t, err)
		var children []string
		for _, c := range m.Manifests {
			children = append(children, c.Digest.String())
		}
		return children
	}
	newIdx, err := random.Index(128, 1, 2)
	require.NoError(t, err)
	oldIdx, err := random.Index(128, 1, 2)
	require.NoError(t, err)
	newChildren := push("new", "new", newIdx)
	oldChildren := push("old", "old", oldIdx)
	orphan, err := random.Image(128, 1)
	require.NoError(t, err)
	od, err := orphan.Digest()
	require.NoError(t, err)
	ref, err := name.NewDigest(host + "/octo-org/app@" + od.String())
	require.NoError(t, err)
	require.NoError(t, remote.Write(ref, orphan, tr))
	w.digests["orphan"] = od.String()

	srv.AddOrg("octo-org")
	srv.AddPackage(ghpackagestest.PackageSpec{Owner: "octo-org", Type: ghpackages.Container, Name: "app"})
	add := func(role, digest string, age time.Duration, tags ...string) {
		w.ids[role] = srv.AddVersion("octo-org", ghpackages.Container, "app", ghpackagestest.VersionSpec{Name: digest, Tags: tags, CreatedAt: start.Add(-age)})
		w.digests[role] = digest
	}
	// The children were pushed long ago (reused platform images); the
	// indexes reference them.
	add("new-child-0", newChildren[0], 60*day)
	add("new-child-1", newChildren[1], 60*day)
	add("old-child-0", oldChildren[0], 61*day)
	add("old-child-1", oldChildren[1], 61*day)
	add("orphan", od.String(), 59*day)
	add("old", w.digests["old"], 60*day, "old")
	add("new", w.digests["new"], day, "new", "latest")
	return w
}

func (w *world) deleted(t *testing.T) []string {
	t.Helper()
	var roles []string
	for _, v := range w.srv.Versions("octo-org", ghpackages.Container, "app") {
		if v.DeletedAt != nil {
			for role, id := range w.ids {
				if id == v.ID {
					roles = append(roles, role)
				}
			}
		}
	}
	slices.Sort(roles)
	return roles
}

func planned(p *retention.Plan, ids map[string]int64) []string {
	var roles []string
	for _, pp := range p.Packages {
		for _, v := range pp.Versions {
			if v.Action == retention.ActionDelete {
				for role, id := range ids {
					if id == v.ID {
						roles = append(roles, role)
					}
				}
			}
		}
	}
	slices.Sort(roles)
	return roles
}

func TestUntaggedChildrenOfKeptIndexesAreNeverPlanned(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	policy := retention.Policy{Type: ghpackages.Container, OlderThan: 30 * day, Packages: []retention.Pattern{retention.MustPattern("app")}}
	p, err := retention.NewPlan(t.Context(), w.client, ghpackages.OrgOwner("octo-org"), policy,
		retention.WithResolver(w.resolver), retention.WithNow(w.clock.Now))
	require.NoError(t, err)
	assert.Equal(t, []string{"orphan"}, planned(p, w.ids), "only the orphan: every child is referenced by a kept index")
	for _, v := range p.Packages[0].Versions {
		if v.ID == w.ids["old-child-0"] {
			assert.Contains(t, v.Reason, "needed by kept "+w.digests["old"][:19])
		}
	}
	assert.Zero(t, w.srv.Stats().Deletes, "planning changes nothing")
}

func TestUntaggedChildrenOfDeletedIndexAreDeleted(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	policy := retention.Policy{Type: ghpackages.Container, OlderThan: 30 * day, Tags: retention.AnyTags}
	p, err := retention.NewPlan(t.Context(), w.client, ghpackages.OrgOwner("octo-org"), policy,
		retention.WithResolver(w.resolver), retention.WithNow(w.clock.Now))
	require.NoError(t, err)
	want := []string{"old", "old-child-0", "old-child-1", "orphan"}
	assert.Equal(t, want, planned(p, w.ids))

	var progress []retention.Item
	rep, err := retention.Apply(t.Context(), w.client, p, retention.WithResolver(w.resolver), retention.WithNow(w.clock.Now), retention.WithProgress(func(it retention.Item) { progress = append(progress, it) }))
	require.NoError(t, err)
	assert.Equal(t, want, w.deleted(t), "exactly the planned set")
	assert.Equal(t, 4, rep.Count(retention.OutcomeDeleted))
	assert.Len(t, progress, 4)
	assert.Empty(t, rep.Stopped)

	// The report round-trips through JSON, and restores everything.
	raw, err := json.Marshal(rep)
	require.NoError(t, err)
	var back retention.Report
	require.NoError(t, json.Unmarshal(raw, &back))
	w.clock.Advance(29 * day)
	restored, err := retention.Restore(t.Context(), w.client, &back, retention.WithNow(w.clock.Now))
	require.NoError(t, err)
	assert.Equal(t, 4, restored.Count(retention.OutcomeRestored))
	assert.Empty(t, w.deleted(t))
}

func TestFailSafeWithoutRegistry(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	policy := retention.Policy{Type: ghpackages.Container, OlderThan: 30 * day, Tags: retention.AnyTags}
	broken := retention.NewRegistryResolver(retention.RegistryConfig{Host: "127.0.0.1:1", Clock: ghpackagestest.NewFakeClock(start)})
	for name, opts := range map[string][]retention.PlanOption{
		"no resolver":  {retention.WithNow(w.clock.Now)},
		"lookup fails": {retention.WithNow(w.clock.Now), retention.WithResolver(broken)},
	} {
		p, err := retention.NewPlan(t.Context(), w.client, ghpackages.OrgOwner("octo-org"), policy, opts...)
		require.NoError(t, err, name)
		assert.Empty(t, planned(p, w.ids), "%s: every version is kept", name)
		require.Len(t, p.Warnings, 1, name)
		assert.Contains(t, p.Warnings[0], "every version of it was kept", name)
	}
	policy.SkipReferenceCheck = true
	p, err := retention.NewPlan(t.Context(), w.client, ghpackages.OrgOwner("octo-org"), policy, retention.WithNow(w.clock.Now))
	require.NoError(t, err)
	assert.Equal(t, []string{"new-child-0", "new-child-1", "old", "old-child-0", "old-child-1", "orphan"}, planned(p, w.ids), "the unsafe opt-out")
}

func TestSignatureTagsFollowTheirSubject(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	// cosign-style: the signature is an image tagged after its subject.
	for role, suffix := range map[string]string{"sig": ".sig", "oldsig": ".att"} {
		subject := map[string]string{"sig": "new", "oldsig": "old"}[role]
		tag := "sha256-" + strings.TrimPrefix(w.digests[subject], "sha256:") + suffix
		img, err := random.Image(64, 1)
		require.NoError(t, err)
		ref, err := name.ParseReference(w.srv.Host() + "/octo-org/app:" + tag)
		require.NoError(t, err)
		require.NoError(t, remote.Write(ref, img, remote.WithTransport(w.g.transport())))
		d, err := img.Digest()
		require.NoError(t, err)
		w.ids[role] = w.srv.AddVersion("octo-org", ghpackages.Container, "app", ghpackagestest.VersionSpec{Name: d.String(), Tags: []string{tag}, CreatedAt: start.Add(-50 * day)})
	}
	policy := retention.Policy{Type: ghpackages.Container, OlderThan: 30 * day, Tags: retention.AnyTags}
	p, err := retention.NewPlan(t.Context(), w.client, ghpackages.OrgOwner("octo-org"), policy,
		retention.WithResolver(w.resolver), retention.WithNow(w.clock.Now))
	require.NoError(t, err)
	assert.Equal(t, []string{"old", "old-child-0", "old-child-1", "oldsig", "orphan"}, planned(p, w.ids))
}

func TestApplyStopsCleanlyAtRateLimit(t *testing.T) {
	t.Parallel()
	w := newWorld(t, ghpackagestest.WithPrimaryLimit(4, 403))
	policy := retention.Policy{Type: ghpackages.Container, OlderThan: 30 * day, Tags: retention.AnyTags}
	p, err := retention.NewPlan(t.Context(), w.client, ghpackages.OrgOwner("octo-org"), policy,
		retention.WithResolver(w.resolver), retention.WithNow(w.clock.Now))
	require.NoError(t, err)
	// The plan used some of the budget; a client that will not wait an hour
	// stops part-way with a clean report.
	impatient := w.g.client(ghpackages.WithRetry(ghpackages.RetryPolicy{MaxRateLimitRetries: 1, MaxWait: time.Minute}))
	rep, err := retention.Apply(t.Context(), impatient, p, retention.WithResolver(w.resolver), retention.WithNow(w.clock.Now))
	require.NoError(t, err)
	assert.Contains(t, rep.Stopped, "stopped at the rate limit")
	assert.Equal(t, 4, rep.Count(retention.OutcomeDeleted)+rep.Count(retention.OutcomeNotAttempted))
	assert.Positive(t, rep.Count(retention.OutcomeNotAttempted))
	assert.False(t, rep.Failed())
	assert.Len(t, w.deleted(t), rep.Count(retention.OutcomeDeleted))
}

func TestApplyReportsRefusalsAsRetainedAndGoneAsAlreadyGone(t *testing.T) {
	t.Parallel()
	srv := ghpackagestest.NewServer()
	t.Cleanup(srv.Close)
	srv.AddPackage(ghpackagestest.PackageSpec{Owner: "acme", Type: ghpackages.NPM, Name: "lib", Visibility: ghpackages.VisibilityPublic})
	a := srv.AddVersion("acme", ghpackages.NPM, "lib", ghpackagestest.VersionSpec{Name: "1.0.0", CreatedAt: start.Add(-90 * day), Downloads: 9000})
	b := srv.AddVersion("acme", ghpackages.NPM, "lib", ghpackagestest.VersionSpec{Name: "1.0.1", CreatedAt: start.Add(-80 * day)})
	srv.AddVersion("acme", ghpackages.NPM, "lib", ghpackagestest.VersionSpec{Name: "1.0.2", CreatedAt: start.Add(-70 * day)})
	c := srv.Client()
	p, err := retention.NewPlan(t.Context(), c, ghpackages.OrgOwner("acme"), retention.Policy{Type: ghpackages.NPM, OlderThan: 30 * day, Tags: retention.AnyTags},
		retention.WithNow(func() time.Time { return start }))
	require.NoError(t, err)
	require.Equal(t, 2, p.Deletes())
	// Someone else deletes 1.0.1 between plan and apply.
	_, err = c.Orgs.DeleteVersion(t.Context(), "acme", ghpackages.NPM, "lib", b)
	require.NoError(t, err)
	rep, err := retention.Apply(t.Context(), c, p)
	require.NoError(t, err)
	outcomes := map[int64]retention.Outcome{}
	for _, it := range rep.Items {
		outcomes[it.VersionID] = it.Outcome
	}
	assert.Equal(t, map[int64]retention.Outcome{a: retention.OutcomeRetained, b: retention.OutcomeAlreadyGone}, outcomes)
	assert.False(t, rep.Failed())
}

func TestPlanSelectsPackagesByPattern(t *testing.T) {
	t.Parallel()
	srv := ghpackagestest.NewServer()
	t.Cleanup(srv.Close)
	for _, n := range []string{"team/api", "team/web", "tools/ci"} {
		srv.AddPackage(ghpackagestest.PackageSpec{Owner: "acme", Type: ghpackages.Container, Name: n})
		srv.AddVersion("acme", ghpackages.Container, n, ghpackagestest.VersionSpec{Name: ghpackagestest.Digest(n), Tags: []string{"latest"}})
	}
	p, err := retention.NewPlan(t.Context(), srv.Client(), ghpackages.OrgOwner("acme"),
		retention.Policy{Type: ghpackages.Container, OlderThan: day, Packages: []retention.Pattern{retention.MustPattern("team/*")}, SkipReferenceCheck: true})
	require.NoError(t, err)
	var names []string
	for _, pp := range p.Packages {
		names = append(names, pp.Name)
	}
	assert.Equal(t, []string{"team/api", "team/web"}, names)
	_, err = retention.NewPlan(t.Context(), srv.Client(), ghpackages.OrgOwner("acme"),
		retention.Policy{Type: ghpackages.Container, OlderThan: day, Packages: []retention.Pattern{retention.MustPattern("nope")}})
	assert.ErrorIs(t, err, ghpackages.ErrNotFound)
}

func TestApplyUnderFaultsAndLimitsDeletesExactlyThePlan(t *testing.T) {
	t.Parallel()
	w := newWorld(t, ghpackagestest.WithSecondaryLimit(12))
	policy := retention.Policy{Type: ghpackages.Container, OlderThan: 30 * day, Tags: retention.AnyTags}
	p, err := retention.NewPlan(t.Context(), w.client, ghpackages.OrgOwner("octo-org"), policy,
		retention.WithResolver(w.resolver), retention.WithNow(w.clock.Now))
	require.NoError(t, err)
	w.srv.InjectFault(ghpackagestest.Fault{Method: "DELETE", Status: 502})
	w.srv.InjectFault(ghpackagestest.Fault{Method: "DELETE", Drop: true})
	w.srv.InjectFault(ghpackagestest.Fault{Method: "DELETE", Status: 503})
	rep, err := retention.Apply(t.Context(), w.client, p, retention.WithResolver(w.resolver), retention.WithNow(w.clock.Now))
	require.NoError(t, err)
	assert.Empty(t, rep.Stopped)
	assert.Equal(t, planned(p, w.ids), w.deleted(t), "exactly the planned set")
	assert.Equal(t, 4, rep.Count(retention.OutcomeDeleted))
	assert.Positive(t, w.srv.Stats().SecondaryLimited, "the limit was met and waited out")
	assert.Equal(t, 0, w.srv.PendingFaults())
}

func TestApplyDeletesIndexesBeforeTheirChildren(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	policy := retention.Policy{Type: ghpackages.Container, OlderThan: 30 * day, Tags: retention.AnyTags}
	p, err := retention.NewPlan(t.Context(), w.client, ghpackages.OrgOwner("octo-org"), policy,
		retention.WithResolver(w.resolver), retention.WithNow(w.clock.Now))
	require.NoError(t, err)

	// Cancel after the second deletion: the index is gone, its children
	// are left (harmless orphans), and nothing points at a missing child.
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := 0
	rep, err := retention.Apply(ctx, w.client, p, retention.WithResolver(w.resolver), retention.WithNow(w.clock.Now), retention.WithProgress(func(retention.Item) {
		if done++; done == 2 {
			cancel()
		}
	}))
	require.NoError(t, err)
	var order []string
	for _, it := range rep.Items {
		for role, id := range w.ids {
			if id == it.VersionID {
				order = append(order, role+":"+string(it.Outcome))
			}
		}
	}
	assert.Equal(t, []string{"orphan:deleted", "old:deleted", "old-child-1:not-attempted", "old-child-0:not-attempted"}, order, "newest first")
	assert.Equal(t, "stopped: context canceled", rep.Stopped)
	assert.Equal(t, []string{"old", "orphan"}, w.deleted(t))
	assert.Zero(t, rep.Items[2].At)
}

func TestApplyReportsTypedFailuresAndGoesOn(t *testing.T) {
	t.Parallel()
	srv := ghpackagestest.NewServer(ghpackagestest.WithTokenSpec("ghp_readonly", ghpackagestest.TokenSpec{Scopes: []ghpackages.Scope{ghpackages.ScopeReadPackages, ghpackages.ScopeRepo}}))
	t.Cleanup(srv.Close)
	srv.AddPackage(ghpackagestest.PackageSpec{Owner: "acme", Type: ghpackages.NuGet, Name: "lib"})
	for i := range 3 {
		srv.AddVersion("acme", ghpackages.NuGet, "lib", ghpackagestest.VersionSpec{Name: fmt.Sprintf("1.0.%d", i), CreatedAt: start.Add(-time.Duration(90-i) * day)})
	}
	c := srv.Client(ghpackages.WithToken("ghp_readonly"))
	p, err := retention.NewPlan(t.Context(), c, ghpackages.OrgOwner("acme"), retention.Policy{Type: ghpackages.NuGet, OlderThan: 30 * day, Tags: retention.AnyTags},
		retention.WithNow(func() time.Time { return start }))
	require.NoError(t, err)
	rep, err := retention.Apply(t.Context(), c, p)
	require.NoError(t, err)
	require.Len(t, rep.Items, 2)
	for _, it := range rep.Items {
		assert.Equal(t, retention.OutcomeFailed, it.Outcome)
		assert.ErrorIs(t, it.Err, ghpackages.ErrForbidden)
		assert.Equal(t, 403, it.Status)
		assert.NotEmpty(t, it.Error)
	}
	assert.True(t, rep.Failed())
	assert.Empty(t, rep.Stopped, "a permission error is not a reason to stop")

	raw, err := json.Marshal(rep.Items[0])
	require.NoError(t, err)
	var fields map[string]any
	require.NoError(t, json.Unmarshal(raw, &fields))
	keys := slices.Sorted(maps.Keys(fields))
	assert.Equal(t, []string{"action", "at", "error", "outcome", "package", "reason", "status", "type", "version", "version_id"}, keys, "the report's item schema")
}

func TestRestoreSkipsExpiredDeletions(t *testing.T) {
	t.Parallel()
	// The fake's 30-day restore window runs on its clock: the same fake time
	// the deletions are dated in, never the real clock.
	srv := ghpackagestest.NewServer(ghpackagestest.WithClock(ghpackagestest.NewFakeClock(start)))
	t.Cleanup(srv.Close)
	srv.AddPackage(ghpackagestest.PackageSpec{Owner: "someone", Type: ghpackages.Maven, Name: "com.example.lib"})
	old := srv.AddVersion("someone", ghpackages.Maven, "com.example.lib", ghpackagestest.VersionSpec{Name: "1.0", CreatedAt: start.Add(-90 * day), DeletedAt: new(start.Add(-40 * day))})
	recent := srv.AddVersion("someone", ghpackages.Maven, "com.example.lib", ghpackagestest.VersionSpec{Name: "1.1", CreatedAt: start.Add(-80 * day), DeletedAt: new(start.Add(-2 * day))})
	srv.AddVersion("someone", ghpackages.Maven, "com.example.lib", ghpackagestest.VersionSpec{Name: "1.2", CreatedAt: start.Add(-70 * day)})
	prev := &retention.Report{OwnerKind: "user", OwnerName: "someone", Items: []retention.Item{
		{Type: ghpackages.Maven, Package: "com.example.lib", VersionID: old, Version: "1.0", Step: retention.StepDeleteVersion, Outcome: retention.OutcomeDeleted, At: start.Add(-40 * day)},
		{Type: ghpackages.Maven, Package: "com.example.lib", VersionID: recent, Version: "1.1", Step: retention.StepDeleteVersion, Outcome: retention.OutcomeDeleted, At: start.Add(-2 * day)},
		{Type: ghpackages.Maven, Package: "com.example.lib", VersionID: 1, Version: "1.9", Step: retention.StepDeleteVersion, Outcome: retention.OutcomeRetained, At: start.Add(-2 * day)},
	}}
	rep, err := retention.Restore(t.Context(), srv.Client(), prev, retention.WithNow(func() time.Time { return start }))
	require.NoError(t, err)
	require.Len(t, rep.Items, 2, "only what was deleted")
	assert.Equal(t, retention.OutcomeRestored, rep.Items[0].Outcome)
	assert.Equal(t, recent, rep.Items[0].VersionID)
	assert.Equal(t, retention.StepRestoreVersion, rep.Items[0].Step)
	assert.Equal(t, retention.OutcomeExpired, rep.Items[1].Outcome)
	for _, v := range srv.Versions("someone", ghpackages.Maven, "com.example.lib") {
		assert.Equal(t, v.ID == old, v.DeletedAt != nil, "version %s", v.Name)
	}
}

func TestPlanForTheAuthenticatedUserReadsTheirRegistryRepository(t *testing.T) {
	t.Parallel()
	srv := ghpackagestest.NewServer(ghpackagestest.WithRawRegistry(registry.New(registry.Logger(log.New(io.Discard, "", 0)))))
	t.Cleanup(srv.Close)
	host := srv.Host()
	idx, err := random.Index(64, 1, 2)
	require.NoError(t, err)
	ref, err := name.ParseReference(host + "/" + ghpackagestest.DefaultLogin + "/tool:v1")
	require.NoError(t, err)
	require.NoError(t, remote.WriteIndex(ref, idx))
	idxDigest, err := idx.Digest()
	require.NoError(t, err)
	m, err := idx.IndexManifest()
	require.NoError(t, err)

	srv.AddPackage(ghpackagestest.PackageSpec{Owner: ghpackagestest.DefaultLogin, Type: ghpackages.Container, Name: "tool"})
	add := func(digest string, age time.Duration, tags ...string) int64 {
		return srv.AddVersion(ghpackagestest.DefaultLogin, ghpackages.Container, "tool", ghpackagestest.VersionSpec{Name: digest, Tags: tags, CreatedAt: start.Add(-age)})
	}
	add(m.Manifests[0].Digest.String(), 50*day)
	add(m.Manifests[1].Digest.String(), 50*day)
	orphan := add(ghpackagestest.Digest("orphan"), 40*day)
	add(idxDigest.String(), 49*day, "v1")

	resolver := retention.NewRegistryResolver(retention.RegistryConfig{Host: host, Token: ghpackagestest.DefaultToken, Clock: ghpackagestest.NewFakeClock(start)})
	p, err := retention.NewPlan(t.Context(), srv.Client(), ghpackages.AuthenticatedOwner(),
		retention.Policy{Type: ghpackages.Container, OlderThan: 30 * day}, retention.WithResolver(resolver), retention.WithNow(func() time.Time { return start }))
	require.NoError(t, err)
	require.Len(t, p.Packages, 1)
	var deleted []int64
	for _, v := range p.Packages[0].Versions {
		if v.Action == retention.ActionDelete {
			deleted = append(deleted, v.ID)
		} else if len(v.Tags) == 0 {
			assert.Contains(t, v.Reason, "needed by kept "+idxDigest.String()[:19])
		}
	}
	assert.Equal(t, []int64{orphan}, deleted, "the registry was read at octocat/tool, so the orphan can go")
	assert.Equal(t, ghpackages.OwnerKindAuthenticated, p.OwnerKind)
}

func TestPlanJSONIsStable(t *testing.T) {
	t.Parallel()
	srv := ghpackagestest.NewServer()
	t.Cleanup(srv.Close)
	srv.AddPackage(ghpackagestest.PackageSpec{Owner: "acme", Type: ghpackages.NPM, Name: "lib"})
	for i := range 3 {
		srv.AddVersion("acme", ghpackages.NPM, "lib", ghpackagestest.VersionSpec{Name: fmt.Sprintf("1.0.%d", i), CreatedAt: start.Add(-time.Duration(90-i) * day)})
	}
	policy := retention.Policy{Type: ghpackages.NPM, OlderThan: 30 * day, Tags: retention.AnyTags, ExcludeTags: []retention.Pattern{retention.MustPattern("re:^keep")}}
	plan := func() []byte {
		p, err := retention.NewPlan(t.Context(), srv.Client(), ghpackages.OrgOwner("acme"), policy, retention.WithNow(func() time.Time { return start }))
		require.NoError(t, err)
		raw, err := json.Marshal(p)
		require.NoError(t, err)
		return raw
	}
	first := plan()
	assert.Equal(t, string(first), string(plan()), "deterministic")
	var back retention.Plan
	require.NoError(t, json.Unmarshal(first, &back))
	assert.Equal(t, 2, back.Deletes())
	assert.Equal(t, "re:^keep", back.Policy.ExcludeTags[0].String(), "patterns round-trip")
	assert.Contains(t, string(first), `"action":"delete","reason":"untagged, created 90d ago, older than 30d"`)
	assert.Contains(t, string(first), `"reason":"the last version: GitHub refuses to delete it`)
}
