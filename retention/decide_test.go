package retention

import (
	"fmt"
	"github.com/ghpackages/ghpackages-go/internal/testguard"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ghpackages "github.com/ghpackages/ghpackages-go"
)

var now = testguard.Epoch() // fixed, unless GHPACKAGES_TEST_EPOCH moves it

const day = 24 * time.Hour

// ver builds a container version: id, age in days, tags.
func ver(id int64, ageDays float64, tags ...string) *ghpackages.PackageVersion {
	v := &ghpackages.PackageVersion{ID: id, Name: fmt.Sprintf("sha256:%04d", id), CreatedAt: now.Add(-time.Duration(ageDays * float64(day)))}
	v.Metadata = &ghpackages.VersionMetadata{PackageType: ghpackages.Container, Container: &ghpackages.ContainerMetadata{Tags: tags}}
	return v
}

// plan renders decisions as "id:action" in plan order, for compact tables.
func plan(d PackageDecision) string {
	parts := make([]string, len(d.Versions))
	for i, v := range d.Versions {
		parts[i] = fmt.Sprintf("%d:%s", v.ID, v.Action)
	}
	s := strings.Join(parts, " ")
	if d.DeletePackage {
		s += " +package"
	}
	return s
}

func TestDecide(t *testing.T) {
	t.Parallel()
	base := func(mod func(*Policy)) Policy {
		p := Policy{Type: ghpackages.Container, OlderThan: 30 * day}
		if mod != nil {
			mod(&p)
		}
		return p
	}
	mixed := []*ghpackages.PackageVersion{
		ver(1, 90), ver(2, 80, "v1.0.0"), ver(3, 60), ver(4, 40, "nightly-1"), ver(5, 20), ver(6, 10, "v1.1.0", "latest"), ver(7, 1),
	}
	tests := []struct {
		name      string
		versions  []*ghpackages.PackageVersion
		policy    Policy
		protected map[string]string
		want      string
		reasons   map[int64]string // substrings
	}{
		{name: "untagged older than 30d (default selection)", versions: mixed, policy: base(nil),
			want:    "1:delete 2:keep 3:delete 4:keep 5:keep 6:keep 7:keep",
			reasons: map[int64]string{1: "untagged, created 90d ago, older than 30d", 2: "tagged; the policy deletes untagged versions only", 5: "created 20d ago, not older than 30d"}},
		{name: "age boundary: exactly OlderThan is kept", versions: []*ghpackages.PackageVersion{ver(1, 30), ver(2, 30.001), ver(3, 0, "x")}, policy: base(nil),
			want: "2:delete 1:keep 3:keep"},
		{name: "keep newest 5 overrides age", versions: mixed, policy: base(func(p *Policy) { p.KeepNewest = 5 }),
			want: "1:delete 2:keep 3:keep 4:keep 5:keep 6:keep 7:keep", reasons: map[int64]string{3: "one of the 5 newest images"}},
		{name: "keep newest more than there are", versions: mixed, policy: base(func(p *Policy) { p.KeepNewest = 100; p.Tags = AnyTags }),
			want: "1:keep 2:keep 3:keep 4:keep 5:keep 6:keep 7:keep"},
		{name: "any tags, older than 30d", versions: mixed, policy: base(func(p *Policy) { p.Tags = AnyTags }),
			want: "1:delete 2:delete 3:delete 4:delete 5:keep 6:keep 7:keep", reasons: map[int64]string{4: "tagged nightly-1, created 40d ago"}},
		{name: "tagged only with include glob", versions: mixed, policy: base(func(p *Policy) { p.Tags = TaggedOnly; p.IncludeTags = []Pattern{MustPattern("nightly-*")} }),
			want: "1:keep 2:keep 3:keep 4:delete 5:keep 6:keep 7:keep", reasons: map[int64]string{1: "untagged; the policy deletes tagged versions only", 2: "tag v1.0.0 matches no include pattern"}},
		{name: "include with any tags selects tagged versions only", versions: mixed, policy: base(func(p *Policy) { p.Tags = AnyTags; p.IncludeTags = []Pattern{MustPattern("re:^nightly-")} }),
			want: "1:keep 2:keep 3:keep 4:delete 5:keep 6:keep 7:keep", reasons: map[int64]string{1: "untagged; IncludeTags selects tagged versions only"}},
		{name: "include needs every tag to match", policy: base(func(p *Policy) { p.Tags = TaggedOnly; p.IncludeTags = []Pattern{MustPattern("pr-*")} }),
			versions: []*ghpackages.PackageVersion{ver(1, 90, "pr-1"), ver(2, 80, "pr-2", "v2.0.0"), ver(3, 70, "pr-3", "pr-3-fix"), ver(4, 1, "latest")},
			want:     "1:delete 2:keep 3:delete 4:keep", reasons: map[int64]string{2: "tag v2.0.0 matches no include pattern (deleting the version would delete all its tags)"}},
		{name: "exclude regexp keeps releases", versions: mixed, policy: base(func(p *Policy) { p.Tags = AnyTags; p.ExcludeTags = []Pattern{MustPattern(`re:^v\d+\.\d+\.\d+$`)} }),
			want: "1:delete 2:keep 3:delete 4:delete 5:keep 6:keep 7:keep", reasons: map[int64]string{2: "tag v1.0.0 matches exclude pattern re:^v\\d+\\.\\d+\\.\\d+$"}},
		{name: "exclude wins over include", versions: mixed, policy: base(func(p *Policy) {
			p.Tags = TaggedOnly
			p.IncludeTags = []Pattern{MustPattern("*")}
			p.ExcludeTags = []Pattern{MustPattern("v1.0.*")}
		}), want: "1:keep 2:keep 3:keep 4:delete 5:keep 6:keep 7:keep", reasons: map[int64]string{2: "matches exclude pattern v1.0.*"}},
		{name: "exclude on any of several tags", versions: []*ghpackages.PackageVersion{ver(1, 90, "a", "keep-me"), ver(2, 80, "b"), ver(3, 1, "c")},
			policy: base(func(p *Policy) { p.Tags = AnyTags; p.ExcludeTags = []Pattern{MustPattern("keep-*")} }), want: "1:keep 2:delete 3:keep"},
		{name: "keep lists by ID, name and tag", versions: mixed, policy: base(func(p *Policy) {
			p.Tags = AnyTags
			p.KeepIDs = []int64{1}
			p.KeepNames = []string{"sha256:0003"}
			p.KeepTags = []string{"nightly-1"}
		}), want: "1:keep 2:delete 3:keep 4:keep 5:keep 6:keep 7:keep",
			reasons: map[int64]string{1: "ID 1 is on the keep list", 3: "name sha256:0003 is on the keep list", 4: "tag nightly-1 is on the keep list"}},
		{name: "keep newest and keep lists together", versions: mixed, policy: base(func(p *Policy) { p.Tags = AnyTags; p.KeepNewest = 4; p.KeepIDs = []int64{2} }),
			want: "1:delete 2:keep 3:delete 4:keep 5:keep 6:keep 7:keep", reasons: map[int64]string{4: "one of the 4 newest", 2: "ID 2 is on the keep list"}},
		{name: "protected digests stay", versions: mixed, policy: base(nil), protected: map[string]string{"sha256:0003": "referenced by kept image index x"},
			want: "1:delete 2:keep 3:keep 4:keep 5:keep 6:keep 7:keep", reasons: map[int64]string{3: "referenced by kept image index x"}},
		{name: "protected tagged digests stay under any tags", versions: mixed, policy: base(func(p *Policy) { p.Tags = AnyTags }), protected: map[string]string{"sha256:0002": "referenced by y"},
			want: "1:delete 2:keep 3:delete 4:delete 5:keep 6:keep 7:keep", reasons: map[int64]string{2: "referenced by y"}},
		{name: "ties in created_at order by ID", versions: []*ghpackages.PackageVersion{ver(12, 50), ver(10, 50), ver(11, 50, "a")},
			policy: base(func(p *Policy) { p.Tags = AnyTags; p.KeepNewest = 1 }), want: "10:delete 11:keep 12:keep",
			reasons: map[int64]string{12: "one of the 1 newest", 11: "the last tagged version"}},
		{name: "ties: keep newest picks the highest ID", versions: []*ghpackages.PackageVersion{ver(3, 50), ver(1, 50), ver(2, 50), ver(4, 60)},
			policy: base(func(p *Policy) { p.KeepNewest = 2 }), want: "4:delete 1:delete 2:keep 3:keep"},
		{name: "last version kept", versions: []*ghpackages.PackageVersion{ver(1, 90), ver(2, 80)}, policy: base(nil),
			want: "1:delete 2:keep", reasons: map[int64]string{2: "the last version: GitHub refuses to delete it"}},
		{name: "last version: package deleted when allowed", versions: []*ghpackages.PackageVersion{ver(1, 90), ver(2, 80)},
			policy: base(func(p *Policy) { p.DeletePackageWhenEmpty = true }), want: "1:delete 2:delete +package"},
		{name: "package not deleted while a version stays", versions: []*ghpackages.PackageVersion{ver(1, 90), ver(2, 1)},
			policy: base(func(p *Policy) { p.DeletePackageWhenEmpty = true }), want: "1:delete 2:keep"},
		{name: "last tagged container version kept", versions: []*ghpackages.PackageVersion{ver(1, 90, "old"), ver(2, 80, "older"), ver(3, 1)},
			policy: base(func(p *Policy) { p.Tags = TaggedOnly }), want: "1:delete 2:keep 3:keep",
			reasons: map[int64]string{2: "the last tagged version: GitHub refuses to delete it"}},
		{name: "container emptied: only the newest tagged version stays", versions: []*ghpackages.PackageVersion{ver(1, 90), ver(2, 80, "a"), ver(3, 70)},
			policy: base(func(p *Policy) { p.Tags = AnyTags }), want: "1:delete 2:keep 3:delete", reasons: map[int64]string{2: "the last tagged version"}},
		{name: "container emptied, all untagged: newest stays", versions: []*ghpackages.PackageVersion{ver(1, 90), ver(2, 80)},
			policy: base(func(p *Policy) { p.Tags = AnyTags }), want: "1:delete 2:keep", reasons: map[int64]string{2: "the last version"}},
		{name: "container emptied with DeletePackageWhenEmpty", versions: []*ghpackages.PackageVersion{ver(1, 90), ver(2, 80, "a"), ver(3, 70)},
			policy: base(func(p *Policy) { p.Tags = AnyTags; p.DeletePackageWhenEmpty = true }), want: "1:delete 2:delete 3:delete +package"},
		{name: "untagged-only never trips the tagged rule", versions: []*ghpackages.PackageVersion{ver(1, 90), ver(2, 80, "a"), ver(3, 70)},
			policy: base(nil), want: "1:delete 2:keep 3:delete"},
		{name: "delete regardless of age needs opt-in", versions: mixed, policy: Policy{Type: ghpackages.Container, DeleteAllMatching: true, KeepNewest: 2},
			want: "1:delete 2:keep 3:delete 4:keep 5:delete 6:keep 7:keep", reasons: map[int64]string{3: "untagged, matched by the policy"}},
		{name: "docker tags count as tags", versions: []*ghpackages.PackageVersion{dockerVer(1, 90, "a"), dockerVer(2, 80), dockerVer(3, 1)},
			policy: Policy{Type: ghpackages.Docker, OlderThan: 30 * day}, want: "1:keep 2:delete 3:keep"},
		{name: "empty package", versions: nil, policy: base(nil), want: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.NoError(t, tc.policy.Validate())
			d := Decide(DecideInput{Versions: tc.versions, Policy: &tc.policy, Now: now, Protected: tc.protected})
			assert.Equal(t, tc.want, plan(d))
			for id, want := range tc.reasons {
				found := false
				for _, v := range d.Versions {
					if v.ID == id {
						found = true
						assert.Contains(t, v.Reason, want, "reason for %d", id)
					}
				}
				assert.True(t, found, "version %d", id)
			}
			for _, v := range d.Versions {
				assert.NotEmpty(t, v.Reason, "every decision has a reason")
			}
			// The order of the input does not matter.
			rev := slices.Clone(tc.versions)
			slices.Reverse(rev)
			assert.Equal(t, d, Decide(DecideInput{Versions: rev, Policy: &tc.policy, Now: now, Protected: tc.protected}))
		})
	}
}

func dockerVer(id int64, ageDays float64, tags ...string) *ghpackages.PackageVersion {
	v := ver(id, ageDays)
	v.Metadata = &ghpackages.VersionMetadata{PackageType: ghpackages.Docker, Docker: &ghpackages.DockerMetadata{Tags: tags}}
	return v
}

func TestDecideDoesNotModifyItsInput(t *testing.T) {
	t.Parallel()
	vs := []*ghpackages.PackageVersion{ver(3, 10, "b"), ver(1, 90, "a"), ver(2, 50)}
	p := Policy{Type: ghpackages.Container, OlderThan: day, Tags: AnyTags}
	d := Decide(DecideInput{Versions: vs, Policy: &p, Now: now})
	assert.Equal(t, []int64{3, 1, 2}, []int64{vs[0].ID, vs[1].ID, vs[2].ID})
	d.Versions[0].Tags[0] = "changed"
	assert.Equal(t, []string{"a"}, vs[1].Tags())
}

func TestDecideLimit(t *testing.T) {
	t.Parallel()
	vs := []*ghpackages.PackageVersion{ver(1, 9), ver(2, 8, "x"), ver(3, 7), ver(4, 6), ver(5, 0.5, "y")}
	p := Policy{Type: ghpackages.Container, OlderThan: day, Tags: AnyTags, MaxDelete: 2}
	for budget, want := range map[int]string{
		0: "1:delete 2:delete 3:delete 4:delete 5:keep",
		2: "1:delete 2:delete 3:keep 4:keep 5:keep",
		9: "1:delete 2:delete 3:delete 4:delete 5:keep",
	} {
		d := Decide(DecideInput{Versions: vs, Policy: &p, Now: now, Limit: budget})
		assert.Equal(t, want, plan(d), "budget %d", budget)
		if budget == 2 {
			assert.Equal(t, "within the policy, but the run's limit of 2 deletions is reached", d.Versions[2].Reason)
		}
	}
	// A whole-package deletion counts as one.
	p.DeletePackageWhenEmpty, p.OlderThan = true, time.Hour
	assert.Equal(t, "1:delete 2:delete 3:delete 4:delete 5:delete +package", plan(Decide(DecideInput{Versions: vs, Policy: &p, Now: now, Limit: 1})))
	d := decide(DecideInput{Versions: vs, Policy: &p, Now: now}, 0)
	assert.Equal(t, "1:keep 2:keep 3:keep 4:keep 5:keep", plan(d))
	assert.Contains(t, d.Versions[4].Reason, "limit of 2 deletions")
}

func d(id int64) string { return fmt.Sprintf("sha256:%04d", id) }

func TestDecideWithRefs(t *testing.T) {
	t.Parallel()
	// 1-3: children of index 4 ("old", 60d); 5-6: children of index 7
	// ("new", 1d); 3 is shared by both; 8: an orphan; 9: a nested index
	// (untagged) under 7 with child 10.
	versions := []*ghpackages.PackageVersion{
		ver(1, 62), ver(2, 62), ver(3, 62), ver(4, 60, "old"),
		ver(5, 61), ver(6, 61), ver(10, 61), ver(9, 61), ver(7, 1, "new", "latest"),
		ver(8, 59),
	}
	graph := map[string][]string{d(4): {d(1), d(2), d(3)}, d(7): {d(5), d(6), d(3), d(9)}, d(9): {d(10)}}
	policy := func(mod func(*Policy)) Policy {
		p := Policy{Type: ghpackages.Container, OlderThan: 30 * day}
		if mod != nil {
			mod(&p)
		}
		return p
	}
	tests := []struct {
		name         string
		policy       Policy
		refs         map[string][]string // graph when nil
		protected    map[string]string
		registryTags map[string][]string
		limit        int
		want         string
		reasons      map[int64]string
	}{
		{name: "children of kept indexes stay", policy: policy(nil),
			want:    "1:keep 2:keep 3:keep 5:keep 6:keep 9:keep 10:keep 4:keep 8:delete 7:keep",
			reasons: map[int64]string{1: "needed by kept sha256:0004 (old)", 8: "untagged, created 59d ago, older than 30d", 3: "needed by kept sha256:0004 (old)", 10: "needed by kept sha256:0007 (new, latest)"}},
		{name: "children of a deleted index go, shared ones stay", policy: policy(func(p *Policy) { p.Tags = AnyTags }),
			want: "1:delete 2:delete 3:keep 5:keep 6:keep 9:keep 10:keep 4:delete 8:delete 7:keep", reasons: map[int64]string{3: "needed by kept sha256:0007 (new, latest)"}},
		{name: "KeepNewest counts images, not manifests", policy: policy(func(p *Policy) { p.Tags = AnyTags; p.KeepNewest = 2 }),
			want: "1:delete 2:delete 3:keep 5:keep 6:keep 9:keep 10:keep 4:delete 8:keep 7:keep", reasons: map[int64]string{8: "one of the 2 newest images"}},
		{name: "KeepNewestTagged", policy: policy(func(p *Policy) { p.Tags = AnyTags; p.KeepNewestTagged = 2 }),
			want: "1:keep 2:keep 3:keep 5:keep 6:keep 9:keep 10:keep 4:keep 8:delete 7:keep", reasons: map[int64]string{4: "one of the 2 newest tagged images"}},
		{name: "KeepNewestUntagged", policy: policy(func(p *Policy) { p.Tags = AnyTags; p.KeepNewestUntagged = 1 }),
			want: "1:delete 2:delete 3:keep 5:keep 6:keep 9:keep 10:keep 4:delete 8:keep 7:keep", reasons: map[int64]string{8: "one of the 1 newest untagged images"}},
		{name: "an untagged index kept by KeepNewest keeps its children", policy: policy(func(p *Policy) { p.Tags = AnyTags; p.KeepNewest = 2 }),
			refs: map[string][]string{d(8): {d(1), d(2)}, d(7): {d(5)}},
			want: "1:keep 2:keep 3:delete 5:keep 6:delete 9:delete 10:delete 4:delete 8:keep 7:keep"},
		{name: "a tag on a manifest with no version protects what it lists", policy: policy(func(p *Policy) { p.Tags = AnyTags }),
			refs: map[string][]string{d(99): {d(98)}, d(98): {d(8)}}, protected: map[string]string{d(99): "tagged x in the registry"}, registryTags: map[string][]string{d(99): {"x"}},
			want: "1:delete 2:delete 3:delete 5:delete 6:delete 9:delete 10:delete 4:delete 8:keep 7:keep", reasons: map[int64]string{8: "needed by kept sha256:0099 (x)"}},
		{name: "registry tags count as tags", policy: policy(nil), refs: map[string][]string{}, registryTags: map[string][]string{d(8): {"moved"}},
			want: "1:delete 2:delete 3:delete 5:delete 6:delete 9:delete 10:delete 4:keep 8:keep 7:keep", reasons: map[int64]string{8: "tagged; the policy deletes untagged"}},
		// The cap takes whole images first: 4 and 8; 4's children are
		// left for the next run.
		{name: "a capped run never deletes the children of an index it keeps", policy: policy(func(p *Policy) { p.Tags = AnyTags; p.MaxDelete = 2 }), limit: 2,
			want: "1:keep 2:keep 3:keep 5:keep 6:keep 9:keep 10:keep 4:delete 8:delete 7:keep"},
		{name: "a cap of one", policy: policy(func(p *Policy) { p.Tags = AnyTags; p.MaxDelete = 1 }), limit: 1,
			want: "1:keep 2:keep 3:keep 5:keep 6:keep 9:keep 10:keep 4:delete 8:keep 7:keep", reasons: map[int64]string{8: "limit of 1 deletions"}},
		{name: "whole package", policy: policy(func(p *Policy) {
			p.Tags = AnyTags
			p.OlderThan = 0
			p.DeleteAllMatching = true
			p.DeletePackageWhenEmpty = true
		}), want: "1:delete 2:delete 3:delete 5:delete 6:delete 9:delete 10:delete 4:delete 8:delete 7:delete +package"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.NoError(t, tc.policy.Validate())
			refs := graph
			if tc.refs != nil {
				refs = tc.refs
			}
			in := DecideInput{Versions: versions, Policy: &tc.policy, Now: now, Refs: refs, Protected: tc.protected, RegistryTags: tc.registryTags, Limit: tc.limit}
			got := Decide(in)
			assert.Equal(t, tc.want, plan(got))
			for id, want := range tc.reasons {
				for _, v := range got.Versions {
					if v.ID == id {
						assert.Contains(t, v.Reason, want, "reason for %d", id)
					}
				}
			}
			if tc.limit > 0 {
				assert.LessOrEqual(t, got.deletions(), tc.limit)
			}
			assertNoBrokenReferences(t, got, refs)
			assertReasonsNameKeptImages(t, got)
		})
	}
}

func TestLastTaggedRulePrefersTheReleaseIndex(t *testing.T) {
	t.Parallel()
	// The per-arch child is tagged too, and newer than its index.
	vs := []*ghpackages.PackageVersion{ver(12, 55, "v1"), ver(11, 50, "v1-amd64"), ver(13, 50)}
	p := Policy{Type: ghpackages.Container, OlderThan: 30 * day, Tags: AnyTags}
	got := Decide(DecideInput{Versions: vs, Policy: &p, Now: now, Refs: map[string][]string{d(12): {d(11), d(13)}}})
	assert.Equal(t, "12:keep 11:keep 13:keep", plan(got))
	assert.Contains(t, got.Versions[0].Reason, "the last tagged version")
	assert.Equal(t, "needed by kept sha256:0012 (v1)", got.Versions[1].Reason)
}

// assertNoBrokenReferences checks that no kept version references a
// deleted one.
func assertNoBrokenReferences(t *testing.T, got PackageDecision, graph map[string][]string) {
	t.Helper()
	if got.DeletePackage {
		return
	}
	action := map[string]Action{}
	for _, v := range got.Versions {
		action[v.Name] = v.Action
	}
	for parent, children := range graph {
		if action[parent] != ActionKeep {
			continue
		}
		for _, c := range children {
			assert.NotEqual(t, ActionDelete, action[c], "%s is kept but its child %s is deleted", parent, c)
		}
	}
}

// assertReasonsNameKeptImages checks that "needed by kept X" never names
// an X that is deleted.
func assertReasonsNameKeptImages(t *testing.T, got PackageDecision) {
	t.Helper()
	for _, v := range got.Versions {
		rest, ok := strings.CutPrefix(v.Reason, "needed by kept ")
		if !ok {
			continue
		}
		for _, w := range got.Versions {
			if strings.HasPrefix(rest, shortDigest(w.Name)) {
				assert.Equal(t, ActionKeep, w.Action, "%s: %s", v.Name, v.Reason)
			}
		}
	}
}

// TestDecideRefsInvariants checks, over many generated image graphs and
// policies, that a plan never deletes what a kept version references,
// never exceeds the budget, never deletes the last version or a
// container's last tagged version, and is deterministic.
func TestDecideRefsInvariants(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 500 {
		n := 1 + rng.IntN(12)
		var vs []*ghpackages.PackageVersion
		graph := map[string][]string{}
		for id := int64(1); id <= int64(n); id++ {
			var tags []string
			if rng.IntN(3) == 0 {
				tags = []string{fmt.Sprintf("t%d", id)}
			}
			vs = append(vs, ver(id, float64(rng.IntN(5)*20), tags...))
			if id > 1 && rng.IntN(2) == 0 { // an index over some other versions
				for c := int64(1); c <= int64(n); c++ {
					if c != id && rng.IntN(3) == 0 {
						graph[d(id)] = append(graph[d(id)], d(c))
					}
				}
			}
		}
		p := Policy{Type: ghpackages.Container, OlderThan: 30 * day, Tags: []TagSelection{AnyTags, UntaggedOnly, TaggedOnly}[rng.IntN(3)],
			KeepNewest: rng.IntN(3), KeepNewestTagged: rng.IntN(2), KeepNewestUntagged: rng.IntN(2), DeletePackageWhenEmpty: rng.IntN(4) == 0}
		budget := rng.IntN(6) - 1
		if budget >= 0 {
			p.MaxDelete = budget
		}
		in := DecideInput{Versions: vs, Policy: &p, Now: now, Refs: graph}
		got := decide(in, budget)
		require.Equal(t, got, decide(in, budget), "case %d is deterministic", i)
		assertNoBrokenReferences(t, got, graph)
		assertReasonsNameKeptImages(t, got)
		if budget >= 0 {
			assert.LessOrEqual(t, got.deletions(), budget, "case %d", i)
		}
		if got.DeletePackage {
			assert.True(t, p.DeletePackageWhenEmpty)
			assert.Equal(t, len(vs), got.Deletes())
			continue
		}
		assert.Less(t, got.Deletes(), len(vs), "case %d: the last version stays", i)
		hasTagged := slices.ContainsFunc(vs, func(v *ghpackages.PackageVersion) bool { return len(v.Tags()) > 0 })
		keptTagged := slices.ContainsFunc(got.Versions, func(v Decision) bool { return len(v.Tags) > 0 && v.Action == ActionKeep })
		assert.Equal(t, hasTagged, keptTagged, "case %d: a tagged version stays", i)
	}
}

func TestDecideNPM(t *testing.T) {
	t.Parallel()
	var vs []*ghpackages.PackageVersion
	for i := range 4 {
		vs = append(vs, &ghpackages.PackageVersion{ID: int64(i + 1), Name: fmt.Sprintf("1.0.%d", i), CreatedAt: now.Add(-time.Duration(100-i) * day)})
	}
	p := Policy{Type: ghpackages.NPM, OlderThan: 30 * day, Tags: AnyTags}
	d := Decide(DecideInput{Versions: vs, Policy: &p, Type: ghpackages.NPM, Now: now})
	assert.Equal(t, "1:delete 2:delete 3:delete 4:keep", plan(d))
	assert.Equal(t, []string{}, d.Versions[0].Tags)
}

func TestPolicyValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		p    Policy
		want string
	}{
		{Policy{Type: "pypi", OlderThan: day}, `unknown package type "pypi"`},
		{Policy{Type: ghpackages.Container}, "set OlderThan, or DeleteAllMatching"},
		{Policy{Type: ghpackages.Container, OlderThan: -day}, "OlderThan is -24h0m0s; it must not be negative"},
		{Policy{Type: ghpackages.Container, OlderThan: day, Tags: "some"}, `unknown tag selection "some"`},
		{Policy{Type: ghpackages.NPM, OlderThan: day, Tags: TaggedOnly}, "npm versions never match TaggedOnly"},
		{Policy{Type: ghpackages.Container, OlderThan: day, KeepNewest: -1}, "KeepNewest is -1"},
		{Policy{Type: ghpackages.Container, OlderThan: day, KeepNewestTagged: -2}, "KeepNewestTagged is -2"},
		{Policy{Type: ghpackages.Container, OlderThan: day, KeepNewestUntagged: -3}, "KeepNewestUntagged is -3"},
		{Policy{Type: ghpackages.Container, OlderThan: day, DeleteOrphanedReferrers: true, SkipReferenceCheck: true}, "need the registry, which SkipReferenceCheck skips"},
		{Policy{Type: ghpackages.Container, OlderThan: day, MaxDelete: -1}, "MaxDelete is -1"},
		{Policy{Type: ghpackages.Container, OlderThan: day, IncludeTags: []Pattern{MustPattern("pr-*")}}, "IncludeTags selects tagged versions, but the policy deletes untagged versions only"},
		{Policy{Type: ghpackages.Container, OlderThan: day, Tags: AnyTags, ExcludeTags: []Pattern{{}}}, "ExcludeTags[0] is an empty pattern"},
		{Policy{Type: ghpackages.Container, OlderThan: day, Packages: []Pattern{MustPattern("a"), {}}}, "Packages[1] is an empty pattern"},
		{Policy{Type: ghpackages.Container, OlderThan: day, KeepTags: []string{""}}, "KeepTags[0] is empty"},
		{Policy{Type: ghpackages.Container, OlderThan: day, KeepNames: []string{""}}, "KeepNames[0] is empty"},
	} {
		err := tc.p.Validate()
		assert.ErrorIs(t, err, ErrInvalidPolicy, "%+v", tc.p)
		assert.ErrorContains(t, err, tc.want)
	}
	// Every problem is reported at once.
	err := (&Policy{Type: "pypi", KeepNewest: -1}).Validate()
	assert.ErrorContains(t, err, "KeepNewest is -1")
	assert.ErrorContains(t, err, "unknown package type")
	assert.ErrorContains(t, err, "set OlderThan")

	for _, ok := range []Policy{
		{Type: ghpackages.Container, OlderThan: day},
		{Type: ghpackages.Container, DeleteAllMatching: true, Tags: TaggedOnly, IncludeTags: []Pattern{MustPattern("pr-*")}},
		{Type: ghpackages.Docker, OlderThan: day, Tags: TaggedOnly, MaxDelete: 10, KeepNewest: 3},
		{Type: ghpackages.RubyGems, OlderThan: day, Tags: AnyTags, KeepNames: []string{"1.0.0"}, KeepIDs: []int64{1}},
	} {
		assert.NoError(t, ok.Validate(), "%+v", ok)
	}
}

func TestParseAge(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]time.Duration{
		"30d": 30 * day, "2w": 14 * day, "12h": 12 * time.Hour, "1.5d": 36 * time.Hour, "90m": 90 * time.Minute,
		"36h30m": 36*time.Hour + 30*time.Minute, " 7d ": 7 * day, "0d": 0, "0": 0,
	} {
		got, err := ParseAge(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "d", "w", "-3d", "3x", "-1h", "1e3d", "0x10d", "NaNd", "Infd", "1h30d", "99999999999d", "3 d"} {
		_, err := ParseAge(bad)
		assert.ErrorIs(t, err, ErrInvalidPolicy, bad)
	}
}

func TestPattern(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pat     string
		in      string
		match   bool
		literal bool
	}{
		{"v1.*", "v1.2.3", true, false},
		{"v1.*", "v2.0", false, false},
		{"v1.*", "v10", false, false},
		{"team/*", "team/app", true, false},
		{"team/*", "team/app/web", false, false},
		{"*", "team/app", false, false},
		{"pr-[0-9]*", "pr-12", true, false},
		{"pr-?", "pr-1", true, false},
		{"app", "app", true, true},
		{"app", "app2", false, true},
		{"glob:re:x*", "re:xyz", true, false},
		{"glob:app", "app", true, true},
		{"re:^nightly-", "nightly-2026", true, false},
		{"re:rc", "v1.0-rc1", true, false},
		{"re:^v[0-9]+$", "v10", true, false},
		{"re:^v[0-9]+$", "v10a", false, false},
	}
	for _, tc := range tests {
		p, err := ParsePattern(tc.pat)
		require.NoError(t, err)
		assert.Equal(t, tc.match, p.Match(tc.in), "%s ~ %s", tc.pat, tc.in)
		assert.Equal(t, tc.literal, p.IsLiteral(), tc.pat)
		assert.Equal(t, tc.pat, p.String())
		text, _ := p.MarshalText()
		var back Pattern
		require.NoError(t, back.UnmarshalText(text))
		assert.Equal(t, p.Match(tc.in), back.Match(tc.in))
	}
	assert.Equal(t, "app", MustPattern("glob:app").Literal())
	for _, bad := range []string{"", "re:", "glob:", "re:(", "[a-"} {
		_, err := ParsePattern(bad)
		assert.ErrorIs(t, err, ErrInvalidPolicy, bad)
	}
	assert.Panics(t, func() { MustPattern("re:(") })
	assert.False(t, Pattern{}.IsLiteral())
}
