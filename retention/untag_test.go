package retention_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
	"github.com/ghpackages/ghpackages-go/retention"
)

var demoOwner = ghpackages.OrgOwner(ghpackagestest.DemoOrg)

const demoRepo = "octo-org/team/app"

// registryTags reads the demo repository's tags through the resolver.
func registryTags(t *testing.T, r retention.ManifestResolver) map[string]string {
	t.Helper()
	tags, err := r.Tags(t.Context(), demoRepo)
	require.NoError(t, err)
	return tags
}

// wholeDemo checks that every tag of the demo repository points at a whole
// image and none at a placeholder.
func wholeDemo(t *testing.T, r retention.ManifestResolver) *retention.VerifyResult {
	t.Helper()
	res, err := retention.Verify(t.Context(), r, demoRepo)
	require.NoError(t, err)
	assert.Empty(t, res.Broken)
	return res
}

// steps returns a report's items as "step outcome tags" lines.
func steps(rep *retention.Report) []string {
	var out []string
	for _, it := range rep.Items {
		out = append(out, string(it.Step)+" "+string(it.Outcome)+" "+strings.Join(it.Tags, ","))
	}
	return out
}

// TestUntagMultiArchImage removes one tag of the demo's multi-arch
// release (v1.9.0, latest, stable: an index of two platform images) and
// puts it back: the index and its children stay, the other tags stay,
// the report records the tag with its digest, the REST API and the
// registry agree, and Restore undoes it from the report (read back from
// JSON).
func TestUntagMultiArchImage(t *testing.T) {
	t.Parallel()
	srv, clock, resolver := demoFront(t, ghpackagestest.DefaultToken)
	orig, ok := versionWith(t, srv, ghpackagestest.DemoContainer, "stable")
	require.True(t, ok)
	before := registryTags(t, resolver)
	versionsBefore := len(srv.Versions(ghpackagestest.DemoOrg, ghpackages.Container, ghpackagestest.DemoContainer))
	opts := []retention.PlanOption{retention.WithResolver(resolver), retention.WithNow(clock.Now)}

	plan, err := retention.NewUntagPlan(t.Context(), srv.Client(), demoOwner, ghpackagestest.DemoContainer, []string{"stable"}, opts...)
	require.NoError(t, err)
	assert.Equal(t, []string{"stable"}, plan.Untag)
	assert.Equal(t, 1, plan.Untags())
	assert.Zero(t, plan.Deletes(), "an untag deletes no version")
	for _, v := range plan.Packages[0].Versions {
		if v.ID == orig.ID {
			assert.Equal(t, retention.ActionUntag, v.Action)
			assert.Equal(t, []string{"stable"}, v.Untag)
			assert.Equal(t, "removes tag stable, as asked", v.Reason)
		} else {
			assert.Equal(t, retention.ActionKeep, v.Action, v.Name)
		}
	}

	rep, err := retention.Apply(t.Context(), srv.Client(), plan, retention.WithResolver(resolver), retention.WithNow(clock.Now))
	require.NoError(t, err)
	assert.Equal(t, []string{"untag untagged stable", "delete-placeholder deleted stable"}, steps(rep))
	assert.Equal(t, orig.Name, rep.Items[0].Version, "the report records the tag with the digest it pointed at")
	assert.Equal(t, demoRepo, rep.Items[0].Repository)
	assert.Equal(t, retention.PlaceholderDigest(), rep.Items[1].Version)
	assert.False(t, rep.Failed())

	after := registryTags(t, resolver)
	assert.NotContains(t, after, "stable")
	delete(before, "stable")
	assert.Equal(t, before, after, "every other tag is where it was")
	v, _, err := srv.Client().Orgs.GetVersion(t.Context(), ghpackagestest.DemoOrg, ghpackages.Container, ghpackagestest.DemoContainer, orig.ID)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"v1.9.0", "latest"}, v.Tags(), "the REST API shows the tag gone")
	assert.Len(t, srv.Versions(ghpackagestest.DemoOrg, ghpackages.Container, ghpackagestest.DemoContainer), versionsBefore+1, "only the placeholder came and went")
	res := wholeDemo(t, resolver)
	assert.True(t, res.OK())

	// Undo, from the report as a file holds it.
	raw, err := json.Marshal(rep)
	require.NoError(t, err)
	var back retention.Report
	require.NoError(t, json.Unmarshal(raw, &back))
	undo, err := retention.Restore(t.Context(), srv.Client(), &back, retention.WithResolver(resolver), retention.WithNow(clock.Now))
	require.NoError(t, err)
	assert.Equal(t, []string{"restore-tags restored stable"}, steps(undo), "the placeholder's delete is not restored")
	assert.Equal(t, orig.Name, registryTags(t, resolver)["stable"])
	v, _, err = srv.Client().Orgs.GetVersion(t.Context(), ghpackagestest.DemoOrg, ghpackages.Container, ghpackagestest.DemoContainer, orig.ID)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"v1.9.0", "latest", "stable"}, v.Tags())
	assert.True(t, wholeDemo(t, resolver).OK())

	again, err := retention.Restore(t.Context(), srv.Client(), &back, retention.WithResolver(resolver), retention.WithNow(clock.Now))
	require.NoError(t, err)
	assert.Equal(t, []string{"restore-tags already-active stable"}, steps(again), "restoring twice changes nothing")

	_, err = retention.Restore(t.Context(), srv.Client(), &back)
	assert.ErrorIs(t, err, retention.ErrNoTagMover, "putting tags back needs a resolver that pushes")
}

// TestUntagPlanRefusals: what NewUntagPlan refuses before any change.
func TestUntagPlanRefusals(t *testing.T) {
	t.Parallel()
	srv, clock, resolver := demoFront(t, ghpackagestest.DefaultToken)
	opts := []retention.PlanOption{retention.WithResolver(resolver), retention.WithNow(clock.Now)}
	for _, c := range []struct {
		pkg  string
		tags []string
		is   error
		msg  string
	}{
		{ghpackagestest.DemoContainer, []string{"nope", "stable"}, retention.ErrTagNotFound, "team/app has no tag nope"},
		{ghpackagestest.DemoContainer, nil, retention.ErrInvalidPolicy, "no tags"},
		{ghpackagestest.DemoContainer, []string{"-x"}, retention.ErrInvalidPolicy, "not a valid tag"},
		{ghpackagestest.DemoContainer, []string{"sha256-" + strings.Repeat("a", 64) + ".sig"}, retention.ErrInvalidPolicy, "signature"},
		{ghpackagestest.DemoBaseImage, []string{"bookworm", "trixie", "latest"}, retention.ErrInvalidPolicy, "no tagged version"},
	} {
		_, err := retention.NewUntagPlan(t.Context(), srv.Client(), demoOwner, c.pkg, c.tags, opts...)
		require.ErrorIs(t, err, c.is, c.tags)
		assert.Contains(t, err.Error(), c.msg)
	}
	_, err := retention.NewUntagPlan(t.Context(), srv.Client(), demoOwner, ghpackagestest.DemoContainer, []string{"stable"}, retention.WithNow(clock.Now))
	assert.ErrorIs(t, err, retention.ErrNoResolver)
	// Removing every tag of one image, while another stays tagged, is fine:
	// the image stays, untagged.
	plan, err := retention.NewUntagPlan(t.Context(), srv.Client(), demoOwner, ghpackagestest.DemoBaseImage, []string{"bookworm"}, opts...)
	require.NoError(t, err)
	assert.Equal(t, retention.ActionUntag, plan.Packages[0].Versions[0].Action)
	assert.Contains(t, plan.Packages[0].Versions[0].Reason, "no tag stays: the version is kept")
}

// stopAfterUntag returns a context canceled once an untag step reports,
// as a run killed between the push and the placeholder's delete.
func stopAfterUntag(ctx context.Context) (context.Context, retention.ProgressOption, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	return ctx, retention.WithProgress(func(it retention.Item) {
		if it.Step == retention.StepUntag {
			cancel()
		}
	}), cancel
}

// TestUntagStoppedIsReportedAndFinished stops an untag between moving
// the tags and deleting the placeholder: the report says so, Verify
// reports the tags left on the placeholder, and the next run finishes
// it — a prune with any policy, or the same untag again.
func TestUntagStoppedIsReportedAndFinished(t *testing.T) {
	t.Parallel()
	for _, next := range []string{"prune", "untag"} {
		t.Run(next, func(t *testing.T) {
			t.Parallel()
			srv, clock, resolver := demoFront(t, ghpackagestest.DefaultToken)
			orig, _ := versionWith(t, srv, ghpackagestest.DemoContainer, "stable")
			with := []retention.PlanOption{retention.WithResolver(resolver), retention.WithNow(clock.Now)}
			plan, err := retention.NewUntagPlan(t.Context(), srv.Client(), demoOwner, ghpackagestest.DemoContainer, []string{"stable", "latest"}, with...)
			require.NoError(t, err)
			ctx, progress, cancel := stopAfterUntag(t.Context())
			defer cancel()
			rep, err := retention.Apply(ctx, srv.Client(), plan, retention.WithResolver(resolver), retention.WithNow(clock.Now), progress)
			require.NoError(t, err)
			assert.Equal(t, []string{"untag untag-pending stable,latest", "delete-placeholder not-attempted "}, steps(rep))
			assert.NotEmpty(t, rep.Stopped)

			res := wholeDemo(t, resolver)
			assert.Equal(t, []string{"latest", "stable"}, res.Placeholders, "verify reports the tags left on the placeholder")
			assert.False(t, res.OK())
			ph, ok := versionWith(t, srv, ghpackagestest.DemoContainer, retention.PlaceholderDigest())
			require.True(t, ok)

			switch next {
			case "prune":
				// The default policy (untagged only, older than 30 days)
				// does not select tagged versions, but finishes the untag.
				plan, err = retention.NewPlan(t.Context(), srv.Client(), demoOwner,
					retention.Policy{Type: ghpackages.Container, OlderThan: 30 * 24 * time.Hour, Packages: []retention.Pattern{retention.MustPattern(ghpackagestest.DemoContainer)}}, with...)
			case "untag":
				plan, err = retention.NewUntagPlan(t.Context(), srv.Client(), demoOwner, ghpackagestest.DemoContainer, []string{"stable"}, with...)
			}
			require.NoError(t, err)
			var found bool
			for _, v := range plan.Packages[0].Versions {
				if v.ID == ph.ID {
					found = true
					assert.Equal(t, retention.ActionDelete, v.Action)
					assert.True(t, v.Placeholder)
					assert.Equal(t, "the placeholder of an untag that did not finish: deleting it removes tags stable, latest", v.Reason)
				}
				assert.NotEqual(t, retention.ActionUntag, v.Action, "the tags are on the placeholder already")
			}
			require.True(t, found, "the plan finishes the untag")
			rep, err = retention.Apply(t.Context(), srv.Client(), plan, retention.WithResolver(resolver), retention.WithNow(clock.Now))
			require.NoError(t, err)
			assert.Contains(t, steps(rep), "delete-placeholder deleted latest,stable")
			assert.Equal(t, 0, rep.Count(retention.OutcomeFailed))
			tags := registryTags(t, resolver)
			assert.NotContains(t, tags, "stable")
			assert.NotContains(t, tags, "latest")
			assert.Equal(t, orig.Name, tags["v1.9.0"])
			assert.True(t, wholeDemo(t, resolver).OK())
		})
	}
}

// TestUntagPutsTagsBackWhenThePlaceholderCannotGo: an Actions token whose
// repository may write the package but not administer it can push the
// placeholder and not delete it (GitHub answers 404); the tags go back
// onto their image and the untag fails, instead of leaving them on the
// placeholder.
func TestUntagPutsTagsBackWhenThePlaceholderCannotGo(t *testing.T) {
	t.Parallel()
	const tok = "ghs_workflow_write"
	srv, clock, resolver := demoFront(t, tok, ghpackagestest.WithTokenSpec(tok, ghpackagestest.TokenSpec{Repository: "octo-org/app"}))
	client := srv.Client(ghpackages.WithToken(tok))
	orig, _ := versionWith(t, srv, ghpackagestest.DemoContainer, "stable")
	plan, err := retention.NewUntagPlan(t.Context(), client, demoOwner, ghpackagestest.DemoContainer, []string{"stable"}, retention.WithResolver(resolver), retention.WithNow(clock.Now))
	require.NoError(t, err)
	rep, err := retention.Apply(t.Context(), client, plan, retention.WithResolver(resolver), retention.WithNow(clock.Now))
	require.NoError(t, err)
	assert.Equal(t, []string{"untag failed stable", "delete-placeholder failed stable"}, steps(rep))
	assert.ErrorIs(t, rep.Items[0].Err, ghpackages.ErrNotFound)
	assert.Contains(t, rep.Items[0].Error, "the tags were put back on the image")
	assert.True(t, rep.Failed())
	assert.Equal(t, orig.Name, registryTags(t, resolver)["stable"])
	v, ok := versionWith(t, srv, ghpackagestest.DemoContainer, "stable")
	require.True(t, ok)
	assert.Equal(t, orig.ID, v.ID)
	assert.True(t, wholeDemo(t, resolver).OK())
}

// TestPruneUntagRemovesBuildTags: with Untag, a version whose tags only
// partly match loses the matching ones and keeps the rest; one whose
// every tag matches is deleted as before; signature tags stay with their
// subject; and no version that loses tags is deleted in the same run.
func TestPruneUntagRemovesBuildTags(t *testing.T) {
	t.Parallel()
	srv, _, resolver := demoFront(t, ghpackagestest.DefaultToken)
	srv.AddPackage(ghpackagestest.PackageSpec{Owner: "octo-org", Type: ghpackages.Container, Name: "svc"})
	add := func(age time.Duration, tags ...string) string {
		id := srv.AddVersion("octo-org", ghpackages.Container, "svc", ghpackagestest.VersionSpec{Tags: tags, CreatedAt: srv.Now().Add(-age),
			Image: &ghpackagestest.ImageSpec{Seed: strings.Join(tags, "+"), Platforms: []string{"linux/amd64", "linux/arm64"}}})
		for _, v := range srv.Versions("octo-org", ghpackages.Container, "svc") {
			if v.ID == id {
				return v.Name
			}
		}
		return ""
	}
	rel := add(20*day, "v1.0.0", "sha-1111111")
	build := add(15*day, "sha-2222222")
	fresh := add(2*day, "v1.1.0", "sha-3333333")
	latest := add(10*day, "v1.2.0", "latest", "sha-4444444")
	policy := retention.Policy{Type: ghpackages.Container, Packages: []retention.Pattern{retention.MustPattern("svc")}, Tags: retention.TaggedOnly,
		IncludeTags: []retention.Pattern{retention.MustPattern("sha-*")}, ExcludeTags: []retention.Pattern{retention.MustPattern("latest")},
		Untag: true, OlderThan: 7 * day}
	plan, err := retention.NewPlan(t.Context(), srv.Client(), demoOwner, policy, retention.WithResolver(resolver), retention.WithNow(srv.Now))
	require.NoError(t, err)
	got := map[string]retention.Decision{}
	for _, v := range plan.Packages[0].Versions {
		got[v.Name] = v
	}
	assert.Equal(t, retention.ActionUntag, got[rel].Action)
	assert.Equal(t, []string{"sha-1111111"}, got[rel].Untag)
	assert.Equal(t, "removes tag sha-1111111, created 20d ago, older than 7d; tag v1.0.0 stays (matches no include pattern)", got[rel].Reason)
	assert.Equal(t, retention.ActionDelete, got[build].Action, "every tag matches: deleted as without Untag")
	assert.Equal(t, retention.ActionKeep, got[fresh].Action)
	assert.Equal(t, "created 2d ago, not older than 7d", got[fresh].Reason)
	assert.Equal(t, retention.ActionUntag, got[latest].Action)
	assert.Equal(t, []string{"sha-4444444"}, got[latest].Untag)
	assert.Contains(t, got[latest].Reason, "tags v1.2.0, latest stay (v1.2.0: matches no include pattern)")
	assert.Equal(t, 2, plan.Untags())

	rep, err := retention.Apply(t.Context(), srv.Client(), plan, retention.WithResolver(resolver), retention.WithNow(srv.Now))
	require.NoError(t, err)
	assert.False(t, rep.Failed(), steps(rep))
	assert.Equal(t, 2, rep.Count(retention.OutcomeUntagged))
	tags, err := resolver.Tags(t.Context(), "octo-org/svc")
	require.NoError(t, err)
	want := map[string]string{"v1.0.0": rel, "v1.1.0": fresh, "sha-3333333": fresh, "v1.2.0": latest, "latest": latest}
	assert.Equal(t, want, tags)
	res, err := retention.Verify(t.Context(), resolver, "octo-org/svc")
	require.NoError(t, err)
	assert.True(t, res.OK(), "%+v", res)
	// The untagged versions are still there.
	for _, d := range []string{rel, latest} {
		_, ok := versionWith(t, srv, "svc", d)
		assert.True(t, ok)
	}
}

// TestUntagPolicyValidation: Untag is used as meant or refused.
func TestUntagPolicyValidation(t *testing.T) {
	t.Parallel()
	base := retention.Policy{Type: ghpackages.Container, OlderThan: day, Tags: retention.AnyTags, Untag: true, IncludeTags: []retention.Pattern{retention.MustPattern("sha-*")}}
	require.NoError(t, base.Validate())
	for _, c := range []struct {
		mod  func(*retention.Policy)
		want string
	}{
		{func(p *retention.Policy) { p.IncludeTags = nil }, "with Untag, set IncludeTags or ExcludeTags"},
		{func(p *retention.Policy) { p.Tags = retention.UntaggedOnly }, "with Untag, tags of tagged versions go"},
		{func(p *retention.Policy) { p.Type = ghpackages.NPM; p.IncludeTags = nil; p.Tags = retention.AnyTags }, "container packages only"},
		{func(p *retention.Policy) { p.SkipReferenceCheck = true }, "with Untag, the registry is needed"},
	} {
		p := base
		c.mod(&p)
		err := p.Validate()
		require.ErrorIs(t, err, retention.ErrInvalidPolicy)
		assert.Contains(t, err.Error(), c.want)
	}
}

// TestUntagWithheldWithoutRegistry: a plan that cannot read the registry
// removes no tag either (nothing is pushed to a registry it cannot vouch
// for), and says so.
func TestUntagWithheldWithoutRegistry(t *testing.T) {
	t.Parallel()
	srv, clock, _ := demoFront(t, ghpackagestest.DefaultToken)
	policy := retention.Policy{Type: ghpackages.Container, Packages: []retention.Pattern{retention.MustPattern(ghpackagestest.DemoContainer)},
		Tags: retention.TaggedOnly, IncludeTags: []retention.Pattern{retention.MustPattern("stable")}, Untag: true, OlderThan: day}
	plan, err := retention.NewPlan(t.Context(), srv.Client(), demoOwner, policy, retention.WithNow(clock.Now))
	require.NoError(t, err)
	assert.NotEmpty(t, plan.Warnings)
	assert.Zero(t, plan.Untags(), "no tag is removed without the registry")
	assert.Equal(t, 1, plan.Withheld, "the tag removal is withheld: the run is incomplete")
	for _, v := range plan.Packages[0].Versions {
		assert.NotEqual(t, retention.ActionUntag, v.Action, v.Name)
	}
}

// TestUntagPutBackLeavesATagPushedMeanwhile: when the placeholder cannot
// be deleted, only the tags still on the placeholder go back to their
// image; a tag another job pushed a new image under in the meantime
// stays on that image (putting it back would take it from the image its
// owner just pushed, and leave that image untagged).
func TestUntagPutBackLeavesATagPushedMeanwhile(t *testing.T) {
	t.Parallel()
	const tok = "ghs_workflow_write"
	srv, clock, resolver := demoFront(t, tok, ghpackagestest.WithTokenSpec(tok, ghpackagestest.TokenSpec{Repository: "octo-org/app"}))
	client := srv.Client(ghpackages.WithToken(tok))
	orig, _ := versionWith(t, srv, ghpackagestest.DemoContainer, "stable")
	other, ok := versionWith(t, srv, ghpackagestest.DemoContainer, "v1.7.0")
	require.True(t, ok)
	require.NotEqual(t, orig.Name, other.Name)
	plan, err := retention.NewUntagPlan(t.Context(), client, demoOwner, ghpackagestest.DemoContainer, []string{"stable", "latest"}, retention.WithResolver(resolver), retention.WithNow(clock.Now))
	require.NoError(t, err)
	rep, err := retention.Apply(t.Context(), client, plan, retention.WithResolver(resolver), retention.WithNow(clock.Now), retention.WithProgress(func(it retention.Item) {
		if it.Step == retention.StepUntag {
			// Another job moves stable to another image while it is on
			// the placeholder.
			require.NoError(t, resolver.Retag(t.Context(), demoRepo, "stable", other.Name))
		}
	}))
	require.NoError(t, err)
	assert.Equal(t, []string{"untag failed stable,latest", "delete-placeholder failed latest,stable"}, steps(rep))
	assert.Contains(t, rep.Items[0].Error, "the tags were put back on the image (except stable, which no longer pointed at the placeholder: left where it is)")
	tags := registryTags(t, resolver)
	assert.Equal(t, other.Name, tags["stable"], "the tag pushed meanwhile stays where its owner put it")
	assert.Equal(t, orig.Name, tags["latest"], "the tag still on the placeholder goes back")
	res := wholeDemo(t, resolver)
	assert.True(t, res.OK(), "%+v", res)
}

// TestUntagStopsAtARateLimitBeforeThePlaceholderGoes: a rate limit the
// client cannot wait out while the placeholder's delete is prepared (the
// listing that finds its version) stops the run, as it does before any
// delete: the placeholder's item is not attempted, the tags stay on the
// placeholder (untag-pending, for the next run to finish), and nothing is
// reported failed.
func TestUntagStopsAtARateLimitBeforeThePlaceholderGoes(t *testing.T) {
	t.Parallel()
	srv, clock, resolver := demoFront(t, ghpackagestest.DefaultToken)
	plan, err := retention.NewUntagPlan(t.Context(), srv.Client(), demoOwner, ghpackagestest.DemoContainer, []string{"stable"}, retention.WithResolver(resolver), retention.WithNow(clock.Now))
	require.NoError(t, err)
	base := srv.HTTPClient().Transport
	limited := false
	rt := roundTrip(func(req *http.Request) (*http.Response, error) {
		if limited && req.Method == http.MethodGet && strings.HasSuffix(req.URL.Path, "/versions") && req.URL.Query().Get("per_page") == "100" {
			h := http.Header{"Content-Type": {"application/json"}, "X-Ratelimit-Limit": {"5000"}, "X-Ratelimit-Remaining": {"0"},
				"X-Ratelimit-Reset": {strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10)}}
			return &http.Response{StatusCode: http.StatusForbidden, Header: h, Request: req,
				Body: io.NopCloser(strings.NewReader(`{"message":"API rate limit exceeded for user ID 1."}`))}, nil
		}
		return base.RoundTrip(req)
	})
	client := srv.Client(ghpackages.WithHTTPClient(&http.Client{Transport: rt}), ghpackages.WithRetry(ghpackages.RetryPolicy{MaxRateLimitRetries: 1, MaxWait: time.Minute}))
	rep, err := retention.Apply(t.Context(), client, plan, retention.WithResolver(resolver), retention.WithNow(clock.Now), retention.WithProgress(func(it retention.Item) {
		limited = limited || it.Step == retention.StepUntag
	}))
	require.NoError(t, err)
	assert.Equal(t, []string{"untag untag-pending stable", "delete-placeholder not-attempted "}, steps(rep))
	assert.Contains(t, rep.Stopped, "stopped at the rate limit")
	assert.False(t, rep.Failed())
	assert.Equal(t, retention.PlaceholderDigest(), registryTags(t, resolver)["stable"], "the tag waits on the placeholder for the next run")
}

// TestRestoreOfATagMovedSinceSaysNotRestored: restoring an untag whose tag
// another job has since pushed onto another image leaves the tag there,
// and the item says what was withheld, a restore ("not restored: …"), not
// a delete.
func TestRestoreOfATagMovedSinceSaysNotRestored(t *testing.T) {
	t.Parallel()
	srv, clock, resolver := demoFront(t, ghpackagestest.DefaultToken)
	other, ok := versionWith(t, srv, ghpackagestest.DemoContainer, "v1.7.0")
	require.True(t, ok)
	plan, err := retention.NewUntagPlan(t.Context(), srv.Client(), demoOwner, ghpackagestest.DemoContainer, []string{"stable"}, retention.WithResolver(resolver), retention.WithNow(clock.Now))
	require.NoError(t, err)
	rep, err := retention.Apply(t.Context(), srv.Client(), plan, retention.WithResolver(resolver), retention.WithNow(clock.Now))
	require.NoError(t, err)
	require.Equal(t, []string{"untag untagged stable", "delete-placeholder deleted stable"}, steps(rep))

	// Another job tags another image stable before the restore.
	require.NoError(t, resolver.Retag(t.Context(), demoRepo, "stable", other.Name))
	undo, err := retention.Restore(t.Context(), srv.Client(), rep, retention.WithResolver(resolver), retention.WithNow(clock.Now))
	require.NoError(t, err)
	require.Len(t, undo.Items, 1)
	assert.Equal(t, retention.OutcomeSkipped, undo.Items[0].Outcome)
	assert.Equal(t, "not restored: tag stable now points at "+other.Name[:19]+"…: left there", undo.Items[0].Error)
	assert.Equal(t, other.Name, registryTags(t, resolver)["stable"], "the tag stays where the other job put it")
}
