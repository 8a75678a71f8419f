package retention_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/ghcrtest"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
	"github.com/ghpackages/ghpackages-go/retention"
)

// fixture builds a repository by role names: octo-org/app in a registry
// beside the fake API, tied as GHCR ties them.
type fixture struct {
	t       *testing.T
	g       *ghcr
	clock   *ghpackagestest.FakeClock
	desc    map[string]descriptor // role → manifest
	ids     map[string]int64      // role → version ID
	digests map[string]string     // role → digest
}

func newFixture(t *testing.T, referrersAPI bool) *fixture {
	t.Helper()
	clock := ghpackagestest.NewFakeClock(start)
	g := newGHCR(t, ghcrOptions{referrers: referrersAPI, inproc: true, fake: []ghpackagestest.Option{ghpackagestest.WithClock(clock)}})
	g.fake.AddOrg("octo-org")
	g.fake.AddPackage(ghpackagestest.PackageSpec{Owner: "octo-org", Type: ghpackages.Container, Name: "app"})
	return &fixture{t: t, g: g, clock: clock, desc: map[string]descriptor{}, ids: map[string]int64{}, digests: map[string]string{}}
}

func (f *fixture) image(role string) {
	d, desc := f.g.pushImage(propRepo, role, false, nil, "")
	f.desc[role], f.digests[role] = desc, d
}

func (f *fixture) referrer(role, subject string) {
	s := f.desc[subject]
	d, desc := f.g.pushImage(propRepo, role, false, &s, "application/spdx+json")
	f.desc[role], f.digests[role] = desc, d
}

func (f *fixture) index(role string, docker bool, children ...string) {
	var cs []descriptor
	for _, c := range children {
		cs = append(cs, f.desc[c])
	}
	d, desc := f.g.pushIndex(propRepo, docker, cs, role)
	f.desc[role], f.digests[role] = desc, d
}

func (f *fixture) tag(tag, role string) { f.g.tag(propRepo, tag, f.digests[role]) }

// version adds a package version for role, with its REST tags.
func (f *fixture) version(role string, age time.Duration, tags ...string) {
	f.ids[role] = f.g.fake.AddVersion("octo-org", ghpackages.Container, "app", ghpackagestest.VersionSpec{Name: f.digests[role], Tags: tags, CreatedAt: start.Add(-age)})
}

// regTags returns the registry's tags on role.
func (f *fixture) regTags(role string) []string {
	var out []string
	for t, d := range f.g.tags(propRepo) {
		if d == f.digests[role] {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return out
}

func (f *fixture) plan(policy retention.Policy, opts ...retention.PlanOption) *retention.Plan {
	f.t.Helper()
	if policy.Type == "" {
		policy.Type = ghpackages.Container
	}
	p, err := retention.NewPlan(f.t.Context(), f.g.client(), ghpackages.OrgOwner("octo-org"), policy, append([]retention.PlanOption{retention.WithNow(f.clock.Now)}, opts...)...)
	require.NoError(f.t, err)
	return p
}

func (f *fixture) role(id int64) string {
	for r, i := range f.ids {
		if i == id {
			return r
		}
	}
	return "?"
}

// planned returns the roles planned for deletion, sorted.
func (f *fixture) planned(p *retention.Plan) []string {
	var out []string
	for _, pp := range p.Packages {
		for _, v := range pp.Versions {
			if v.Action == retention.ActionDelete {
				out = append(out, f.role(v.ID))
			}
		}
	}
	slices.Sort(out)
	return out
}

func (f *fixture) reason(p *retention.Plan, role string) string {
	for _, v := range p.Packages[0].Versions {
		if v.ID == f.ids[role] {
			return v.Reason
		}
	}
	return ""
}

// broken returns the tags Verify finds broken.
func (f *fixture) broken() []string {
	f.t.Helper()
	res, err := retention.Verify(f.t.Context(), f.g.resolver(), propRepo)
	require.NoError(f.t, err)
	var out []string
	for _, b := range res.Broken {
		out = append(out, b.Tag)
	}
	return out
}

func (f *fixture) apply(p *retention.Plan, opts ...retention.ApplyOption) *retention.Report {
	f.t.Helper()
	rep, err := retention.Apply(f.t.Context(), f.g.client(), p, append([]retention.ApplyOption{retention.WithResolver(f.g.resolver()), retention.WithNow(f.clock.Now)}, opts...)...)
	require.NoError(f.t, err)
	return rep
}

// multiArch pushes "release", an index tagged latest (new) over two
// per-platform images that carry their own tags (old), as some CI
// pipelines push them.
func multiArch(t *testing.T) *fixture {
	f := newFixture(t, false)
	f.image("amd64")
	f.image("arm64")
	f.index("release", false, "amd64", "arm64")
	f.tag("latest", "release")
	f.tag("latest-amd64", "amd64")
	f.tag("latest-arm64", "arm64")
	f.version("amd64", 60*day, "latest-amd64")
	f.version("arm64", 60*day, "latest-arm64")
	f.version("release", day, "latest")
	return f
}

// Issue 10, item 1: a registry that fails (a 500/503 on a kept index, 401
// on everything, or no resolver at all) keeps everything that may depend
// on it — tagged children too — and the plan says so once, at the top.
func TestRegression1_RegistryFailureKeepsChildren(t *testing.T) {
	t.Parallel()
	policy := retention.Policy{Tags: retention.AnyTags, OlderThan: 30 * day}
	for name, fault := range map[string]func(f *fixture) func(*http.Request) int{
		"503 on the kept index": func(f *fixture) func(*http.Request) int {
			return func(r *http.Request) int {
				if strings.HasSuffix(r.URL.Path, f.digests["release"]) {
					return 503
				}
				return 0
			}
		},
		"500 on the kept index": func(f *fixture) func(*http.Request) int {
			return func(r *http.Request) int {
				if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, f.digests["release"]) {
					return 500
				}
				return 0
			}
		},
		"401 on everything": func(*fixture) func(*http.Request) int { return func(*http.Request) int { return 401 } },
		"no resolver":       nil,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := multiArch(t)
			var opts []retention.PlanOption
			if fault != nil {
				f.g.setFault(fault(f))
				opts = append(opts, retention.WithResolver(f.g.resolver()))
			}
			p := f.plan(policy, opts...)
			assert.Empty(t, f.planned(p), "nothing may go: the children are tagged, but latest needs them")
			require.Len(t, p.Warnings, 1, "said once, at the top of the plan")
			assert.Contains(t, p.Warnings[0], "every version of it was kept, withholding 2 deletion(s) the policy asked for")
			assert.True(t, strings.HasPrefix(p.Warnings[0], "app: "), p.Warnings[0])
			assert.Equal(t, 2, p.Withheld, "the plan counts what it withheld")
			require.Len(t, p.Packages, 1)
			assert.Equal(t, 2, p.Packages[0].Withheld)
			assert.Contains(t, p.Warnings[0], p.Packages[0].WithheldReason, "the package's reason is the warning's")
			raw, err := json.Marshal(p)
			require.NoError(t, err)
			assert.Contains(t, string(raw), `"withheld":2,`)
			reason := f.reason(p, "amd64")
			assert.Contains(t, reason, "see the plan's warnings")
			assert.Less(t, len(reason), 80, "reasons stay short: the detail is in the warning")

			f.g.setFault(nil)
			f.apply(p)
			assert.Empty(t, f.broken())
			assert.Zero(t, f.g.fake.Stats().Deletes)
		})
	}
	// With the registry readable, the same policy deletes nothing either:
	// the tagged children are needed by latest.
	f := multiArch(t)
	p := f.plan(policy, retention.WithResolver(f.g.resolver()))
	assert.Empty(t, f.planned(p))
	assert.Empty(t, p.Warnings)
	assert.Equal(t, "needed by kept "+f.digests["release"][:19]+"… (latest)", f.reason(p, "amd64"))
}

// Issue 10, item 2: children are found at any depth, through an index that
// has no package version.
func TestRegression2_ChildrenBelowAnIndexWithoutVersion(t *testing.T) {
	t.Parallel()
	f := newFixture(t, false)
	f.image("amd64")
	f.image("arm64")
	f.index("inner", true, "amd64", "arm64") // a Docker manifest list
	f.index("outer", false, "inner")
	f.tag("latest", "outer")
	// outer has no package version; inner and the platform images do.
	f.version("amd64", 60*day)
	f.version("arm64", 60*day)
	f.version("inner", 60*day)
	f.image("orphan")
	f.version("orphan", 60*day)
	p := f.plan(retention.Policy{OlderThan: 30 * day}, retention.WithResolver(f.g.resolver()))
	assert.Equal(t, []string{"orphan"}, f.planned(p))
	assert.Equal(t, "needed by kept "+f.digests["outer"][:19]+"… (latest)", f.reason(p, "amd64"))
	f.apply(p)
	assert.Empty(t, f.broken())
	assert.Equal(t, 1, f.g.fake.Stats().Deletes)
}

// Issue 10, item 3: a delete by another job while the plan pages through
// the listing shifts the pages; the plan reads the listing again until two
// readings agree, so the tagged index is seen.
func TestRegression3_ListingShiftedByAnotherDelete(t *testing.T) {
	t.Parallel()
	f := newFixture(t, false)
	f.image("amd64")
	f.image("arm64")
	f.index("release", false, "amd64", "arm64")
	f.tag("v1", "release")
	f.version("amd64", 80*day)
	f.version("arm64", 80*day)
	f.version("release", 79*day, "v1") // the 101st newest: page 2
	var filler []int64
	for i := range 100 {
		role := "filler" + string(rune('a'+i%26)) + string(rune('a'+i/26))
		f.image(role)
		f.version(role, time.Duration(70-i%60)*day)
		filler = append(filler, f.ids[role])
	}
	// Another job deletes a version of page 1 right after the planner read
	// page 1.
	deleted := false
	f.g.mu.Lock()
	f.g.onAPI = func(req *http.Request, _ *http.Response) {
		if !deleted && strings.HasSuffix(req.URL.Path, "/versions") && req.URL.Query().Get("page") != "2" {
			deleted = true
			_, err := f.g.fake.Client().Orgs.DeleteVersion(req.Context(), "octo-org", ghpackages.Container, "app", filler[99])
			assert.NoError(t, err)
		}
	}
	f.g.mu.Unlock()
	// A single paged reading misses the index: check the fake shifts.
	p := f.plan(retention.Policy{OlderThan: 30 * day, Tags: retention.AnyTags, ExcludeTags: []retention.Pattern{retention.MustPattern("v1")}}, retention.WithResolver(f.g.resolver()))
	require.True(t, deleted)
	var ids []int64
	for _, v := range p.Packages[0].Versions {
		ids = append(ids, v.ID)
	}
	assert.Contains(t, ids, f.ids["release"], "the tagged index is in the plan")
	assert.NotContains(t, ids, filler[99], "the version deleted meanwhile is not")
	assert.Equal(t, "tag v1 matches exclude pattern v1", f.reason(p, "release"))
	assert.NotContains(t, f.planned(p), "amd64")
	f.apply(p)
	assert.Empty(t, f.broken())
}

// Issue 10, item 4: the registry's own tags are roots (a push between the
// listing and the registry check moves latest to a new index), and Apply
// re-checks each delete (an index built after the plan from an old
// platform image keeps that image).
func TestRegression4_RegistryTagsAndApplyRecheck(t *testing.T) {
	t.Parallel()
	f := newFixture(t, false)
	f.image("old-amd64")
	f.index("old", false, "old-amd64")
	f.tag("latest", "old")
	f.version("old-amd64", 90*day)
	f.version("old", 90*day, "latest")
	f.image("new-amd64")
	f.image("new-arm64")
	f.version("new-amd64", 60*day)
	f.version("new-arm64", 60*day)
	f.image("base")
	f.version("base", 60*day)
	// Pushed after the listing: the API still says latest is "old".
	f.g.setBefore(func() {
		f.index("new", false, "new-amd64", "new-arm64")
		f.tag("latest", "new")
	})
	p := f.plan(retention.Policy{OlderThan: 30 * day, Tags: retention.UntaggedOnly}, retention.WithResolver(f.g.resolver()))
	assert.Equal(t, []string{"base"}, f.planned(p), "the registry's latest keeps new's children")
	assert.Equal(t, "needed by kept "+f.digests["new"][:19]+"… (latest)", f.reason(p, "new-amd64"))

	// After the plan, someone builds an index from "base" (docker buildx
	// imagetools create) and tags it.
	f.index("rebuilt", false, "base")
	f.tag("v2", "rebuilt")
	rep := f.apply(p)
	outcomes := map[string]retention.Outcome{}
	for _, it := range rep.Items {
		outcomes[f.role(it.VersionID)] = it.Outcome
		if f.role(it.VersionID) == "base" {
			assert.Contains(t, it.Error, "now needed by "+f.digests["rebuilt"][:19]+"… (v2)")
		}
	}
	assert.Equal(t, map[string]retention.Outcome{"base": retention.OutcomeSkipped}, outcomes)
	assert.False(t, rep.Failed())
	assert.Empty(t, f.broken())
}

// Issue 10, item 5: Apply deletes parents before their children, whatever
// their ages, so a run stopped after any delete leaves no broken tag.
func TestRegression5_ParentsBeforeChildren(t *testing.T) {
	t.Parallel()
	for stop := 1; stop <= 4; stop++ {
		f := newFixture(t, false)
		f.image("amd64")
		f.image("arm64")
		f.index("inner", false, "arm64")
		f.index("release", false, "amd64", "inner")
		f.tag("v1", "release")
		f.tag("v1-arm64", "arm64")
		// The children are newer than their index.
		f.version("release", 90*day, "v1")
		f.version("inner", 80*day)
		f.version("amd64", 70*day)
		f.version("arm64", 60*day, "v1-arm64")
		f.image("keep")
		f.version("keep", day, "latest")
		f.tag("latest", "keep")
		p := f.plan(retention.Policy{OlderThan: 30 * day, Tags: retention.AnyTags}, retention.WithResolver(f.g.resolver()))
		require.Equal(t, []string{"amd64", "arm64", "inner", "release"}, f.planned(p))
		ctx, progress, cancel := cancelAfter(t.Context(), stop)
		rep, err := retention.Apply(ctx, f.g.client(), p, retention.WithResolver(f.g.resolver()), progress)
		cancel()
		require.NoError(t, err)
		var order []string
		for _, it := range rep.Items {
			order = append(order, f.role(it.VersionID))
		}
		assert.Equal(t, "release", order[0], "the index goes first")
		assert.Less(t, slices.Index(order, "inner"), slices.Index(order, "arm64"))
		assert.Empty(t, f.broken(), "stopped after %d deletes: no tag is broken", stop)
	}
}

// Issue 10, item 6: referrers are looked up by default: an SBOM attached
// by subject to a kept image stays, with the referrers API and without it.
func TestRegression6_ReferrersByDefault(t *testing.T) {
	t.Parallel()
	for _, api := range []bool{true, false} {
		f := newFixture(t, api)
		f.image("app")
		f.tag("latest", "app")
		f.referrer("sbom", "app")
		f.referrer("sbom-sig", "sbom") // a signature of the SBOM
		f.image("old")
		f.referrer("old-sbom", "old")
		f.version("app", day, "latest")
		f.version("sbom", 60*day)
		f.version("sbom-sig", 60*day)
		f.version("old", 60*day)
		f.version("old-sbom", 60*day)
		p := f.plan(retention.Policy{OlderThan: 30 * day}, retention.WithResolver(f.g.resolver()))
		assert.Equal(t, []string{"old", "old-sbom"}, f.planned(p), "referrers API %v", api)
		assert.Equal(t, "needed by kept "+f.digests["app"][:19]+"… (latest)", f.reason(p, "sbom-sig"))
	}
}

// A version whose manifest is gone (a "ghost") is decided like any other
// and does not stop the rest of the package from being cleaned up.
func TestGhostVersionDoesNotFreezeThePackage(t *testing.T) {
	t.Parallel()
	f := multiArch(t)
	f.image("orphan")
	f.version("orphan", 60*day)
	f.digests["ghost"] = digestOf([]byte("never pushed"))
	f.version("ghost", 60*day)
	p := f.plan(retention.Policy{OlderThan: 30 * day}, retention.WithResolver(f.g.resolver()))
	assert.Equal(t, []string{"ghost", "orphan"}, f.planned(p))
	assert.Empty(t, p.Warnings)
	assert.Equal(t, "untagged, created 60d ago, older than 30d", f.reason(p, "ghost"))
	rep := f.apply(p)
	assert.Equal(t, 2, rep.Count(retention.OutcomeDeleted))
}

// A registry that has none of the package's manifests is the wrong one
// (or the wrong repository): "missing" cannot mean "gone" then.
func TestWrongRegistryKeepsEverything(t *testing.T) {
	t.Parallel()
	f := multiArch(t)
	other := newFixture(t, false)
	p := f.plan(retention.Policy{OlderThan: 30 * day, Tags: retention.AnyTags}, retention.WithResolver(other.g.resolver()))
	assert.Empty(t, f.planned(p))
	require.Len(t, p.Warnings, 1)
	assert.Contains(t, p.Warnings[0], "is it the right registry?")
}

func TestVerifyListsBrokenTags(t *testing.T) {
	t.Parallel()
	f := multiArch(t)
	f.index("outer", false, "release")
	f.tag("wrapped", "outer")
	resolver := f.g.resolver() // one resolver throughout: nothing it read may hide a later delete
	res, err := retention.Verify(t.Context(), resolver, propRepo)
	require.NoError(t, err)
	assert.True(t, res.OK())
	assert.Equal(t, 4, res.Tags)
	assert.Equal(t, []retention.BrokenTag{}, res.Broken)

	// Someone deletes a platform image behind the API's back.
	f.g.do(http.MethodDelete, "/v2/"+propRepo+"/manifests/"+f.digests["arm64"], "", nil)
	f.g.untag(propRepo, "latest-arm64")
	res, err = retention.Verify(t.Context(), resolver, propRepo)
	require.NoError(t, err)
	assert.False(t, res.OK())
	assert.Equal(t, []retention.BrokenTag{
		{Tag: "latest", Digest: f.digests["release"], Missing: []retention.MissingManifest{{Digest: f.digests["arm64"], Via: []string{f.digests["release"]}}}},
		{Tag: "wrapped", Digest: f.digests["outer"], Missing: []retention.MissingManifest{{Digest: f.digests["arm64"], Via: []string{f.digests["outer"], f.digests["release"]}}}},
	}, res.Broken)
	raw, err := json.Marshal(res.Broken[0])
	require.NoError(t, err)
	assert.JSONEq(t, `{"tag":"latest","digest":"`+f.digests["release"]+`","missing":[{"digest":"`+f.digests["arm64"]+`","via":["`+f.digests["release"]+`"]}]}`, string(raw))

	// A registry that cannot be read proves nothing: an error.
	f.g.setFault(func(*http.Request) int { return 503 })
	_, err = retention.Verify(t.Context(), f.g.resolver(), propRepo)
	assert.Error(t, err)
}

func TestPolicyJSONWritesReadableAges(t *testing.T) {
	t.Parallel()
	for age, want := range map[time.Duration]string{30 * day: `"30d"`, 36 * time.Hour: `"36h"`, 90 * time.Minute: `"90m"`, 90 * time.Second: `"1m30s"`} {
		p := retention.Policy{Type: ghpackages.Container, OlderThan: age, Tags: retention.AnyTags}
		raw, err := json.Marshal(p)
		require.NoError(t, err)
		assert.Contains(t, string(raw), `"older_than":`+want)
		var back retention.Policy
		require.NoError(t, json.Unmarshal(raw, &back))
		assert.Equal(t, p, back)
	}
	// Older plans wrote nanoseconds; "720h" and "2w" read too.
	for in, want := range map[string]time.Duration{`2592000000000000`: 30 * day, `"720h"`: 30 * day, `"2w"`: 14 * day, `null`: 0} {
		var p retention.Policy
		require.NoError(t, json.Unmarshal([]byte(`{"type":"npm","older_than":`+in+`}`), &p), in)
		assert.Equal(t, want, p.OlderThan, in)
		assert.Equal(t, ghpackages.NPM, p.Type)
	}
	var p retention.Policy
	assert.ErrorIs(t, json.Unmarshal([]byte(`{"older_than":"soon"}`), &p), retention.ErrInvalidPolicy)
	raw, err := json.Marshal(retention.Policy{Type: ghpackages.NPM, DeleteAllMatching: true})
	require.NoError(t, err)
	assert.NotContains(t, string(raw), "older_than", "zero is left out")
}

// Broken things go only when the policy opts in: ghost images (none of
// their manifests left), partial images (some missing) and signatures or
// referrers whose subject is gone — tags and age notwithstanding, but
// never what a kept image needs.
func TestBrokenImagePolicies(t *testing.T) {
	t.Parallel()
	build := func(t *testing.T) *fixture {
		f := newFixture(t, true)
		for _, r := range []string{"a1", "a2", "b1", "b2", "c1", "gone", "subject"} {
			f.image(r)
		}
		f.index("ghost", false, "a1", "a2")
		f.index("partial", false, "b1", "b2")
		f.index("whole", false, "c1")
		f.index("needs-partial", false, "partial")
		f.referrer("orphan-sbom", "gone")
		f.image("orphan-sig")
		f.tag(sigTag(f.digests["gone"], ".sig"), "orphan-sig")
		f.tag("ghost", "ghost")
		f.tag("partial", "partial")
		f.tag("whole", "whole")
		f.tag("kept", "needs-partial")
		for _, r := range []string{"ghost", "partial", "whole", "c1", "b1", "orphan-sbom"} {
			f.version(r, 5*day, f.regTags(r)...)
		}
		f.version("needs-partial", day, "kept")
		f.version("orphan-sig", 5*day, sigTag(f.digests["gone"], ".sig"))
		// Another job deleted these behind the API's back.
		for _, r := range []string{"a1", "a2", "b2", "gone"} {
			f.g.do(http.MethodDelete, "/v2/"+propRepo+"/manifests/"+f.digests[r], "", nil)
		}
		return f
	}
	base := retention.Policy{OlderThan: 30 * day, Tags: retention.AnyTags, ExcludeTags: []retention.Pattern{retention.MustPattern("kept")}}
	f := build(t)
	p := f.plan(base, retention.WithResolver(f.g.resolver()))
	assert.Empty(t, f.planned(p), "nothing is old enough")

	for name, tc := range map[string]struct {
		set  func(*retention.Policy)
		want []string
	}{
		"ghost":    {func(p *retention.Policy) { p.DeleteGhostImages = true }, []string{"ghost"}},
		"partial":  {func(p *retention.Policy) { p.DeletePartialImages = true }, nil},
		"orphaned": {func(p *retention.Policy) { p.DeleteOrphanedReferrers = true }, []string{"orphan-sbom", "orphan-sig"}},
	} {
		f := build(t)
		policy := base
		tc.set(&policy)
		p := f.plan(policy, retention.WithResolver(f.g.resolver()))
		assert.Equal(t, tc.want, f.planned(p), name)
		if name == "partial" {
			// The partial image is needed by a kept one.
			assert.Equal(t, "needed by kept "+f.digests["needs-partial"][:19]+"… (kept)", f.reason(p, "partial"))
		}
		if name == "ghost" {
			assert.Equal(t, "ghost image: none of the manifests it lists exist (DeleteGhostImages)", f.reason(p, "ghost"))
		}
		f.apply(p)
		want := []string{"ghost", "kept", "partial"}
		if name == "ghost" {
			want = want[1:]
		}
		assert.Equal(t, want, f.broken(), "%s: only what was broken before, less what was deleted", name)
	}
	err := (&retention.Policy{Type: ghpackages.NPM, OlderThan: day, DeleteGhostImages: true}).Validate()
	assert.ErrorContains(t, err, "apply to container images only")
}

// The registry is pinged once, each manifest is read once per plan, the
// referrers API is probed once per repository when the registry lacks it,
// and lookups run a few at a time (more while the registry keeps up).
func TestRegistryCost(t *testing.T) {
	t.Parallel()
	for _, api := range []bool{false, true} {
		f := newFixture(t, api)
		var children []string
		for _, r := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"} {
			f.image(r)
			f.version(r, 60*day)
			children = append(children, r)
		}
		f.index("release", false, children...)
		f.tag("latest", "release")
		f.version("release", day, "latest")
		// A second package: a second repository on the same registry.
		f.g.fake.AddPackage(ghpackagestest.PackageSpec{Owner: "octo-org", Type: ghpackages.Container, Name: "web"})
		web, _ := f.g.pushImage("octo-org/web", "web", false, nil, "")
		f.g.tag("octo-org/web", "latest", web)
		f.g.fake.AddVersion("octo-org", ghpackages.Container, "web", ghpackagestest.VersionSpec{Name: web, Tags: []string{"latest"}, CreatedAt: start})
		// The first manifest read waits until another one is in flight, to
		// show they run concurrently. Concurrent reads end the wait at once
		// however loaded the machine; reads one at a time would hold it for
		// good, so it gives up after a minute (and the test fails).
		first := true
		f.g.hold = func(r *http.Request) {
			f.g.mu.Lock()
			wait := first && strings.Contains(r.URL.Path, "/manifests/sha256:")
			first = first && !wait
			started := f.g.registryRequests
			f.g.mu.Unlock()
			for deadline := time.Now().Add(time.Minute); wait && time.Now().Before(deadline); time.Sleep(time.Millisecond) {
				f.g.mu.Lock()
				wait = f.g.registryRequests == started // no other request began meanwhile
				f.g.mu.Unlock()
			}
		}
		resolver := f.g.resolver()
		p := f.plan(retention.Policy{OlderThan: 30 * day}, retention.WithResolver(resolver))
		assert.Empty(t, f.planned(p))
		f.g.mu.Lock()
		assert.Equal(t, 1, f.g.pings, "one ping for both repositories (api %v)", api)
		referrers := 0
		for path, n := range f.g.gets {
			if path == "/v2/" {
				continue
			}
			assert.Equal(t, 1, n, "%s read once (api %v)", path, api)
			if strings.Contains(path, "/referrers/") {
				referrers++
			}
		}
		assert.Equal(t, 1, f.g.gets["/v2/octo-org/web/tags/list"], "the second repository was read")
		if api {
			assert.Equal(t, 12, referrers, "one referrers request per manifest")
		} else {
			assert.Equal(t, 2, referrers, "one probe of the missing referrers API per repository")
		}
		assert.GreaterOrEqual(t, f.g.maxFly, 2, "lookups run concurrently")
		assert.LessOrEqual(t, f.g.maxFly, 12, "8 at a time to start, about one more per 8 answers")
		f.g.mu.Unlock()
	}
}

// Item 5 again, through an index that has no package version: the tagged
// index above it still goes first.
func TestRegression5_ParentsFirstThroughIndexWithoutVersion(t *testing.T) {
	t.Parallel()
	f := newFixture(t, false)
	f.image("amd64")
	f.index("inner", false, "amd64") // no version
	f.index("outer", false, "inner")
	f.tag("v2", "outer")
	f.tag("v2-amd64", "amd64")
	f.version("outer", 90*day, "v2")
	f.version("amd64", 10*day, "v2-amd64") // newer than its index
	f.image("keep")
	f.tag("latest", "keep")
	f.version("keep", day, "latest")
	p := f.plan(retention.Policy{OlderThan: 5 * day, Tags: retention.AnyTags, ExcludeTags: []retention.Pattern{retention.MustPattern("latest")}}, retention.WithResolver(f.g.resolver()))
	require.Equal(t, []string{"amd64", "outer"}, f.planned(p))
	ctx, progress, cancel := cancelAfter(t.Context(), 1)
	defer cancel()
	rep, err := retention.Apply(ctx, f.g.client(), p, retention.WithResolver(f.g.resolver()), progress)
	require.NoError(t, err)
	assert.Equal(t, "outer", f.role(rep.Items[0].VersionID))
	assert.Equal(t, retention.OutcomeNotAttempted, rep.Items[1].Outcome)
	assert.Empty(t, f.broken())
}

// The same concern in several packages is one warning naming them all.
func TestWarningsAreSaidOnce(t *testing.T) {
	t.Parallel()
	srv := ghpackagestest.NewServer()
	t.Cleanup(srv.Close)
	for _, n := range []string{"api", "web"} {
		srv.AddPackage(ghpackagestest.PackageSpec{Owner: "acme", Type: ghpackages.Container, Name: n})
		srv.AddVersion("acme", ghpackages.Container, n, ghpackagestest.VersionSpec{Name: ghpackagestest.Digest(n + "1"), CreatedAt: start.Add(-90 * day)})
		srv.AddVersion("acme", ghpackages.Container, n, ghpackagestest.VersionSpec{Name: ghpackagestest.Digest(n + "2"), Tags: []string{"latest"}, CreatedAt: start.Add(-day)})
	}
	p, err := retention.NewPlan(t.Context(), srv.Client(), ghpackages.OrgOwner("acme"), retention.Policy{Type: ghpackages.Container, OlderThan: 30 * day},
		retention.WithNow(func() time.Time { return start }))
	require.NoError(t, err)
	assert.Equal(t, []string{"api, web: no registry to read (no resolver), so which manifests kept images need is unknown; every version of them was kept, withholding 2 deletion(s) the policy asked for"}, p.Warnings)
	assert.Zero(t, p.Deletes())
	assert.Equal(t, 2, p.Withheld)
	for _, pp := range p.Packages {
		assert.Equal(t, 1, pp.Withheld, pp.Name)
		assert.Equal(t, "no registry to read (no resolver), so which manifests kept images need is unknown", pp.WithheldReason, pp.Name)
	}

	// With nothing to delete, nothing is withheld, though the registry
	// could not be read either.
	p, err = retention.NewPlan(t.Context(), srv.Client(), ghpackages.OrgOwner("acme"), retention.Policy{Type: ghpackages.Container, OlderThan: 365 * day},
		retention.WithNow(func() time.Time { return start }))
	require.NoError(t, err)
	assert.Zero(t, p.Withheld)
	assert.Len(t, p.Warnings, 1)
	raw, err := json.Marshal(p)
	require.NoError(t, err)
	assert.NotContains(t, string(raw), `"withheld"`)
}

// Apply refuses a registry-checked container plan it cannot re-check.
func TestApplyNeedsAResolverForCheckedContainerPlans(t *testing.T) {
	t.Parallel()
	f := multiArch(t)
	f.image("orphan")
	f.version("orphan", 60*day)
	p := f.plan(retention.Policy{OlderThan: 30 * day}, retention.WithResolver(f.g.resolver()))
	require.Equal(t, []string{"orphan"}, f.planned(p))
	_, err := retention.Apply(t.Context(), f.g.client(), p)
	assert.ErrorIs(t, err, retention.ErrNoResolver)
	assert.Zero(t, f.g.fake.Stats().Deletes)
}

// A registry that fails at apply time fails the deletes it would have
// re-checked; nothing is deleted unchecked.
func TestApplyWithUnreadableRegistryDeletesNothing(t *testing.T) {
	t.Parallel()
	f := multiArch(t)
	f.image("orphan")
	f.version("orphan", 60*day)
	p := f.plan(retention.Policy{OlderThan: 30 * day}, retention.WithResolver(f.g.resolver()))
	require.Equal(t, []string{"orphan"}, f.planned(p))
	f.g.setFault(func(*http.Request) int { return 503 })
	rep := f.apply(p)
	require.Len(t, rep.Items, 1)
	assert.Equal(t, retention.OutcomeFailed, rep.Items[0].Outcome)
	assert.Contains(t, rep.Items[0].Error, "the registry could not be read to order and re-check the deletes")
	assert.True(t, rep.Failed())
	assert.Zero(t, f.g.fake.Stats().Deletes)

	// Readable at the start, failing before the delete: the re-check fails.
	f.g.setFault(nil)
	resolver := f.g.resolver()
	calls := 0
	f.g.hold = func(r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/tags/list") {
			if calls++; calls == 2 {
				f.g.setFault(func(*http.Request) int { return 503 })
			}
		}
	}
	rep, err := retention.Apply(t.Context(), f.g.client(), p, retention.WithResolver(resolver))
	require.NoError(t, err)
	assert.Equal(t, retention.OutcomeFailed, rep.Items[0].Outcome)
	assert.Contains(t, rep.Items[0].Error, "the registry's tags could not be read again")
	assert.Zero(t, f.g.fake.Stats().Deletes)
}

// Against the fake's GHCR-like registry (a Bearer challenge, a token per
// repository), one resolver reads two repositories after one ping.
func TestOnePingBearerRegistryTwoRepositories(t *testing.T) {
	t.Parallel()
	clock := ghpackagestest.NewFakeClock(start)
	var pings int
	var mu sync.Mutex
	srv := ghpackagestest.NewServer(ghpackagestest.WithClock(clock), ghcrtest.WithRegistry())
	t.Cleanup(srv.Close)
	for _, n := range []string{"api", "web"} {
		srv.AddPackage(ghpackagestest.PackageSpec{Owner: "acme", Type: ghpackages.Container, Name: n})
		srv.AddVersion("acme", ghpackages.Container, n, ghpackagestest.VersionSpec{Tags: []string{"v1"}, CreatedAt: start.Add(-90 * day),
			Image: &ghpackagestest.ImageSpec{Platforms: []string{"linux/amd64", "linux/arm64"}}})
		srv.AddVersion("acme", ghpackages.Container, n, ghpackagestest.VersionSpec{CreatedAt: start.Add(-60 * day), Image: &ghpackagestest.ImageSpec{}})
	}
	base := srv.HTTPClient().Transport
	counting := roundTrip(func(req *http.Request) (*http.Response, error) {
		resp, err := base.RoundTrip(req)
		if req.URL.Path == "/v2/" && err == nil { // answered (not the HTTPS attempt a loopback host also gets)
			mu.Lock()
			pings++
			mu.Unlock()
		}
		return resp, err
	})
	resolver := retention.WithResolver(retention.NewRegistryResolver(retention.RegistryConfig{Host: srv.Host(), Token: ghpackagestest.DefaultToken, Transport: counting, Clock: ghpackagestest.NewFakeClock(start)}))
	p, err := retention.NewPlan(t.Context(), srv.Client(), ghpackages.OrgOwner("acme"), retention.Policy{Type: ghpackages.Container, OlderThan: 30 * day}, resolver, retention.WithNow(clock.Now))
	require.NoError(t, err)
	assert.Empty(t, p.Warnings)
	assert.Equal(t, 2, p.Deletes(), "the old untagged build of each; the platform images stay")
	mu.Lock()
	assert.Equal(t, 1, pings)
	mu.Unlock()
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// A package planned for deletion whole is not deleted when a version was
// pushed, or a tag added, since the plan: it would go too.
func TestApplyKeepsAPackageThatGrewSinceThePlan(t *testing.T) {
	t.Parallel()
	for _, change := range []string{"none", "version"} {
		srv := ghpackagestest.NewServer()
		t.Cleanup(srv.Close)
		srv.AddPackage(ghpackagestest.PackageSpec{Owner: "acme", Type: ghpackages.NPM, Name: "lib"})
		for i := range 2 {
			srv.AddVersion("acme", ghpackages.NPM, "lib", ghpackagestest.VersionSpec{Name: fmt.Sprintf("1.0.%d", i), CreatedAt: start.Add(-90 * day)})
		}
		c := srv.Client()
		policy := retention.Policy{Type: ghpackages.NPM, OlderThan: 30 * day, Tags: retention.AnyTags, DeletePackageWhenEmpty: true}
		p, err := retention.NewPlan(t.Context(), c, ghpackages.OrgOwner("acme"), policy, retention.WithNow(func() time.Time { return start }))
		require.NoError(t, err)
		require.True(t, p.Packages[0].DeletePackage)
		if change == "version" {
			srv.AddVersion("acme", ghpackages.NPM, "lib", ghpackagestest.VersionSpec{Name: "1.1.0", CreatedAt: start})
		}
		rep, err := retention.Apply(t.Context(), c, p)
		require.NoError(t, err)
		require.Len(t, rep.Items, 1)
		pkg, _ := srv.Package("acme", ghpackages.NPM, "lib")
		if change == "version" {
			assert.Equal(t, retention.OutcomeSkipped, rep.Items[0].Outcome)
			assert.Contains(t, rep.Items[0].Error, "versions or tags were added since the plan (1.1.0)")
			assert.Nil(t, pkg.DeletedAt)
			continue
		}
		assert.Equal(t, retention.OutcomeDeleted, rep.Items[0].Outcome, change)
		assert.NotNil(t, pkg.DeletedAt)
	}
}

func TestApplyKeepsAPackageWhoseTagsChangedSinceThePlan(t *testing.T) {
	t.Parallel()
	srv := ghpackagestest.NewServer()
	t.Cleanup(srv.Close)
	srv.AddPackage(ghpackagestest.PackageSpec{Owner: "acme", Type: ghpackages.Container, Name: "app"})
	srv.AddVersion("acme", ghpackages.Container, "app", ghpackagestest.VersionSpec{Name: ghpackagestest.Digest("a"), Tags: []string{"v1"}, CreatedAt: start.Add(-90 * day)})
	srv.AddVersion("acme", ghpackages.Container, "app", ghpackagestest.VersionSpec{Name: ghpackagestest.Digest("b"), CreatedAt: start.Add(-80 * day)})
	c := srv.Client()
	policy := retention.Policy{Type: ghpackages.Container, OlderThan: 30 * day, Tags: retention.AnyTags, DeletePackageWhenEmpty: true, SkipReferenceCheck: true}
	p, err := retention.NewPlan(t.Context(), c, ghpackages.OrgOwner("acme"), policy, retention.WithNow(func() time.Time { return start }))
	require.NoError(t, err)
	require.True(t, p.Packages[0].DeletePackage)
	// As if v1 had been added after the plan was made.
	p.Packages[0].Versions[0].Tags = []string{}
	rep, err := retention.Apply(t.Context(), c, p)
	require.NoError(t, err)
	assert.Equal(t, retention.OutcomeSkipped, rep.Items[0].Outcome)
	assert.Contains(t, rep.Items[0].Error, "(sha256:")
	assert.Contains(t, rep.Items[0].Error, "(v1))")
	assert.Zero(t, srv.Stats().Deletes)
}

// NeededBy names the tags whose images need a manifest: a platform image
// is needed by the index's tag (not by its own tag), a subject's signature
// by the subject's tag, an orphan by nothing. A registry it cannot read is
// an error, never "nothing needs it".
func TestNeededBy(t *testing.T) {
	t.Parallel()
	f := multiArch(t)
	f.image("orphan")
	f.image("signed")
	f.tag("v2", "signed")
	f.image("sig")
	f.tag("sha256-"+strings.TrimPrefix(f.digests["signed"], "sha256:")+".sig", "sig")
	resolver := f.g.resolver()
	needed := func(role string) []retention.Dependent {
		deps, err := retention.NeededBy(t.Context(), resolver, propRepo, f.digests[role])
		require.NoError(t, err, role)
		return deps
	}
	assert.Equal(t, []retention.Dependent{{Tag: "latest", Digest: f.digests["release"]}}, needed("amd64"))
	assert.Equal(t, []retention.Dependent{{Tag: "v2", Digest: f.digests["signed"]}}, needed("sig"))
	assert.Equal(t, []retention.Dependent{}, needed("orphan"))
	assert.Equal(t, []retention.Dependent{}, needed("release"), "its own tag does not count: deleting it deletes the tag")
	assert.Equal(t, []retention.Dependent{}, needed("signed"), "a signature does not need its subject")

	f.g.setFault(func(r *http.Request) int {
		if strings.HasSuffix(r.URL.Path, f.digests["release"]) {
			return 500
		}
		return 0
	})
	deps, err := retention.NeededBy(t.Context(), resolver, propRepo, f.digests["amd64"])
	require.Error(t, err)
	assert.Nil(t, deps)
	_, err = retention.NeededBy(t.Context(), nil, propRepo, f.digests["amd64"])
	assert.Error(t, err)
}
