package retention

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ghpackages "github.com/ghpackages/ghpackages-go"
)

var now = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

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
		{name: "keep newest 5 overrides age", versions: mixed, policy: base(func(p *Policy) { p.KeepNewest = 5 }),
			want: "1:delete 2:keep 3:keep 4:keep 5:keep 6:keep 7:keep", reasons: map[int64]string{3: "one of the 5 newest versions"}},
		{name: "any tags, older than 30d", versions: mixed, policy: base(func(p *Policy) { p.Tags = AnyTags }),
			want: "1:delete 2:delete 3:delete 4:delete 5:keep 6:keep 7:keep", reasons: map[int64]string{4: "tagged nightly-1, created 40d ago"}},
		{name: "tagged only with include glob", versions: mixed, policy: base(func(p *Policy) { p.Tags = TaggedOnly; p.IncludeTags = []Pattern{MustPattern("nightly-*")} }),
			want: "1:keep 2:keep 3:keep 4:delete 5:keep 6:keep 7:keep", reasons: map[int64]string{1: "untagged; the policy deletes tagged versions only", 2: "no tag matches the include patterns"}},
		{name: "exclude regexp keeps releases", versions: mixed, policy: base(func(p *Policy) { p.Tags = AnyTags; p.ExcludeTags = []Pattern{MustPattern(`re:^v\d+\.\d+\.\d+$`)} }),
			want: "1:delete 2:keep 3:delete 4:delete 5:keep 6:keep 7:keep", reasons: map[int64]string{2: "tag v1.0.0 matches exclude pattern re:^v\\d+\\.\\d+\\.\\d+$"}},
		{name: "keep lists by ID, name and tag", versions: mixed, policy: base(func(p *Policy) {
			p.Tags = AnyTags
			p.KeepIDs = []int64{1}
			p.KeepNames = []string{"sha256:0003"}
			p.KeepTags = []string{"nightly-1"}
		}), want: "1:keep 2:delete 3:keep 4:keep 5:keep 6:keep 7:keep",
			reasons: map[int64]string{1: "ID 1 is on the keep list", 3: "name sha256:0003 is on the keep list", 4: "tag nightly-1 is on the keep list"}},
		{name: "protected digests stay", versions: mixed, policy: base(nil), protected: map[string]string{"sha256:0003": "referenced by kept image index x"},
			want: "1:delete 2:keep 3:keep 4:keep 5:keep 6:keep 7:keep", reasons: map[int64]string{3: "referenced by kept image index x"}},
		{name: "ties in created_at order by ID", versions: []*ghpackages.PackageVersion{ver(12, 50), ver(10, 50), ver(11, 50, "a")},
			policy: base(func(p *Policy) { p.Tags = AnyTags; p.KeepNewest = 1 }), want: "10:delete 11:keep 12:keep",
			reasons: map[int64]string{12: "one of the 1 newest", 11: "the last tagged version"}},
		{name: "last version kept", versions: []*ghpackages.PackageVersion{ver(1, 90), ver(2, 80)}, policy: base(nil),
			want: "1:delete 2:keep", reasons: map[int64]string{2: "the last version: GitHub refuses to delete it"}},
		{name: "last version: package deleted when allowed", versions: []*ghpackages.PackageVersion{ver(1, 90), ver(2, 80)},
			policy: base(func(p *Policy) { p.DeletePackageWhenEmpty = true }), want: "1:delete 2:delete +package"},
		{name: "last tagged container version kept", versions: []*ghpackages.PackageVersion{ver(1, 90, "old"), ver(2, 80, "older"), ver(3, 1)},
			policy: base(func(p *Policy) { p.Tags = TaggedOnly }), want: "1:delete 2:keep 3:keep",
			reasons: map[int64]string{2: "the last tagged version: GitHub refuses to delete it"}},
		{name: "delete regardless of age needs opt-in", versions: mixed, policy: Policy{Type: ghpackages.Container, DeleteAllMatching: true, KeepNewest: 2},
			want: "1:delete 2:keep 3:delete 4:keep 5:delete 6:keep 7:keep", reasons: map[int64]string{3: "untagged, matched by the policy"}},
		{name: "empty package", versions: nil, policy: base(nil), want: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.NoError(t, tc.policy.Validate())
			d := Decide(tc.versions, &tc.policy, tc.policy.Type, now, tc.protected)
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
		})
	}
}

func TestDecideNPM(t *testing.T) {
	t.Parallel()
	var vs []*ghpackages.PackageVersion
	for i := range 4 {
		vs = append(vs, &ghpackages.PackageVersion{ID: int64(i + 1), Name: fmt.Sprintf("1.0.%d", i), CreatedAt: now.Add(-time.Duration(100-i) * day)})
	}
	p := Policy{Type: ghpackages.NPM, OlderThan: 30 * day, Tags: AnyTags}
	d := Decide(vs, &p, ghpackages.NPM, now, nil)
	assert.Equal(t, "1:delete 2:delete 3:delete 4:keep", plan(d))
	assert.Equal(t, []string{}, d.Versions[0].Tags)
}

func TestCapDeletes(t *testing.T) {
	t.Parallel()
	p := Policy{Type: ghpackages.Container, OlderThan: day, Tags: AnyTags}
	mk := func() PackagePlan {
		return PackagePlan{PackageDecision: Decide([]*ghpackages.PackageVersion{ver(1, 9), ver(2, 8), ver(3, 7), ver(4, 0.5)}, &p, ghpackages.Container, now, nil)}
	}
	a, b := mk(), mk()
	left := capDeletes(&a, 4, 4)
	assert.Equal(t, 1, left)
	left = capDeletes(&b, left, 4)
	assert.Equal(t, 0, left)
	assert.Equal(t, "1:delete 2:delete 3:delete 4:keep", plan(a.PackageDecision))
	assert.Equal(t, "1:delete 2:keep 3:keep 4:keep", plan(b.PackageDecision))
	assert.Contains(t, b.Versions[1].Reason, "limit of 4 deletions")

	whole := PackagePlan{PackageDecision: PackageDecision{DeletePackage: true, Versions: []Decision{{ID: 1, Action: Delete}}}}
	assert.Equal(t, 0, capDeletes(&whole, 0, 3))
	assert.False(t, whole.DeletePackage)
	assert.Equal(t, Keep, whole.Versions[0].Action)
}

func TestPolicyValidate(t *testing.T) {
	t.Parallel()
	for _, p := range []Policy{
		{Type: "pypi", OlderThan: day},
		{Type: ghpackages.Container},
		{Type: ghpackages.Container, OlderThan: -day},
		{Type: ghpackages.Container, OlderThan: day, Tags: "some"},
		{Type: ghpackages.NPM, OlderThan: day, Tags: TaggedOnly},
		{Type: ghpackages.Container, OlderThan: day, KeepNewest: -1},
	} {
		assert.ErrorIs(t, p.Validate(), ErrInvalidPolicy, "%+v", p)
	}
}

func TestParseAge(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]time.Duration{"30d": 30 * day, "2w": 14 * day, "12h": 12 * time.Hour, "1.5d": 36 * time.Hour, "90m": 90 * time.Minute, "36h30m": 36*time.Hour + 30*time.Minute} {
		got, err := ParseAge(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "d", "-3d", "3x", "-1h"} {
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
		{"team/*", "team/app", true, false},
		{"*", "team/app", false, false},
		{"app", "app", true, true},
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
		text, _ := p.MarshalText()
		var back Pattern
		require.NoError(t, back.UnmarshalText(text))
		assert.Equal(t, p.Match(tc.in), back.Match(tc.in))
	}
	for _, bad := range []string{"", "re:(", "[a-"} {
		_, err := ParsePattern(bad)
		assert.ErrorIs(t, err, ErrInvalidPolicy, bad)
	}
}
