package retention

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ghpackages "github.com/ghpackages/ghpackages-go"
)

// TestDecideGroupBy: KeepNewest and KeepNewestTagged count per group of
// the captured text; an image in several groups counts in each; tags the
// pattern does not match form a group of their own; the plan counts each
// group's images and what stays.
func TestDecideGroupBy(t *testing.T) {
	t.Parallel()
	major := MustPattern(`re:^v(\d+)\.`)
	versions := []*ghpackages.PackageVersion{
		ver(1, 90, "v1.0.0"), ver(2, 80, "v1.1.0"), ver(3, 70, "v2.0.0"), ver(4, 60, "v1.2.0"),
		ver(5, 50, "v2.1.0", "latest"), ver(6, 45, "nightly-1"), ver(7, 40, "v3.0.0"), ver(8, 35, "nightly-2"), ver(9, 40),
	}
	p := Policy{Type: ghpackages.Container, Tags: AnyTags, DeleteAllMatching: true, GroupBy: major, KeepNewestTagged: 2}
	require.NoError(t, p.Validate())
	d := Decide(DecideInput{Versions: versions, Policy: &p, Now: now})
	assert.Equal(t, "1:delete 2:keep 3:keep 4:keep 5:keep 6:keep 7:keep 9:delete 8:keep", plan(d))
	reasons := map[int64]string{}
	groups := map[int64][]string{}
	for _, v := range d.Versions {
		reasons[v.ID], groups[v.ID] = v.Reason, v.Groups
	}
	assert.Equal(t, `one of the 2 newest tagged images of group "1" (GroupBy)`, reasons[2])
	assert.Equal(t, `one of the 2 newest tagged images of group "2" (GroupBy)`, reasons[3])
	assert.Equal(t, "one of the 2 newest tagged images of group (other tags) (GroupBy)", reasons[6], "latest and the nightlies form one group")
	assert.Equal(t, []string{"(other tags)", "2"}, groups[5], "v2.1.0 and latest: in two groups")
	assert.Empty(t, groups[9], "untagged images count in no group for KeepNewestTagged")
	assert.Equal(t, []GroupCount{{"(other tags)", 3, 3}, {"1", 3, 2}, {"2", 2, 2}, {"3", 1, 1}}, d.Groups)

	// KeepNewest counts untagged images as a group of their own.
	p = Policy{Type: ghpackages.Container, Tags: AnyTags, DeleteAllMatching: true, GroupBy: major, KeepNewest: 1}
	d = Decide(DecideInput{Versions: versions, Policy: &p, Now: now})
	assert.Equal(t, "1:delete 2:delete 3:delete 4:keep 5:keep 6:delete 7:keep 9:keep 8:keep", plan(d))
	assert.Equal(t, []string{"(untagged)"}, d.Versions[7].Groups)
	assert.Contains(t, d.Groups, GroupCount{"(untagged)", 1, 1})

	// Without GroupBy, the same KeepNewestTagged keeps two in all.
	p = Policy{Type: ghpackages.Container, Tags: AnyTags, DeleteAllMatching: true, KeepNewestTagged: 2}
	d = Decide(DecideInput{Versions: versions, Policy: &p, Now: now})
	assert.Equal(t, "1:delete 2:delete 3:delete 4:delete 5:delete 6:delete 7:keep 9:delete 8:keep", plan(d))
	assert.Empty(t, d.Groups)
}

// TestGroupByValidation: GroupBy is used as meant or refused.
func TestGroupByValidation(t *testing.T) {
	t.Parallel()
	base := Policy{Type: ghpackages.Container, OlderThan: day, GroupBy: MustPattern(`re:^v(\d+)\.`), KeepNewestTagged: 2}
	require.NoError(t, base.Validate())
	for _, c := range []struct {
		mod  func(*Policy)
		want string
	}{
		{func(p *Policy) { p.GroupBy = MustPattern("v*") }, "must be a re: pattern with one capture group"},
		{func(p *Policy) { p.GroupBy = MustPattern(`re:^v\d+`) }, "has 0 capture groups"},
		{func(p *Policy) { p.GroupBy = MustPattern(`re:^v(\d+)\.(\d+)`) }, "has 2 capture groups"},
		{func(p *Policy) { p.KeepNewestTagged = 0 }, "set one of them"},
		{func(p *Policy) { p.Type = ghpackages.NPM }, "container and docker packages only"},
	} {
		p := base
		c.mod(&p)
		err := p.Validate()
		require.ErrorIs(t, err, ErrInvalidPolicy)
		assert.Contains(t, err.Error(), c.want)
	}
	g, ok := MustPattern(`re:^v(\d*)`).Group("v")
	assert.False(t, ok, "an empty capture is no group")
	assert.Empty(t, g)
	g, ok = MustPattern(`re:^v(\d+)`).Group("v12.3")
	assert.True(t, ok)
	assert.Equal(t, "12", g)
}

// TestDecideGrace: untagged container versions younger than the grace
// window stay whatever the age rules say, with a reason naming it; it is
// one hour by default, configurable, and off when negative; tagged
// versions and other package types are not affected.
func TestDecideGrace(t *testing.T) {
	t.Parallel()
	minutes := func(id int64, m int, tags ...string) *ghpackages.PackageVersion {
		return ver(id, float64(m)/(24*60), tags...)
	}
	versions := []*ghpackages.PackageVersion{ver(6, 2, "stable"), minutes(1, 300), minutes(2, 59), minutes(3, 10), minutes(4, 10, "pr-1"), minutes(5, 0)}
	for _, c := range []struct {
		grace time.Duration
		want  string
	}{
		{0, "6:keep 1:delete 2:keep 3:keep 4:delete 5:keep"},
		{2 * time.Hour, "6:keep 1:delete 2:keep 3:keep 4:delete 5:keep"},
		{30 * time.Minute, "6:keep 1:delete 2:delete 3:keep 4:delete 5:keep"},
		{-1, "6:keep 1:delete 2:delete 3:delete 4:delete 5:delete"},
	} {
		p := Policy{Type: ghpackages.Container, Tags: AnyTags, DeleteAllMatching: true, Grace: c.grace, KeepTags: []string{"stable"}}
		d := Decide(DecideInput{Versions: versions, Policy: &p, Now: now})
		assert.Equal(t, c.want, plan(d), "grace %s", c.grace)
		if c.grace == 0 {
			assert.Equal(t, "untagged, created 10m ago: within the 1h grace for pushes in progress (Grace)", d.Versions[3].Reason)
		}
	}
	// Grace counts for untagged versions even where KeepNewestUntagged
	// and ghost-image opt-ins would delete them.
	p := Policy{Type: ghpackages.Container, DeleteAllMatching: true, DeleteGhostImages: true}
	d := Decide(DecideInput{Versions: []*ghpackages.PackageVersion{minutes(1, 5), ver(2, 40, "v1")}, Policy: &p, Now: now,
		Broken: map[string]Condition{"sha256:0001": ConditionGhostImage}})
	assert.Equal(t, "2:keep 1:keep", plan(d))
	assert.Contains(t, d.Versions[1].Reason, "grace")
	// npm versions have no tags: no grace for them.
	p = Policy{Type: ghpackages.NPM, DeleteAllMatching: true, DeletePackageWhenEmpty: true}
	d = Decide(DecideInput{Versions: []*ghpackages.PackageVersion{minutes(1, 5), minutes(2, 300)}, Policy: &p, Now: now})
	assert.Equal(t, "2:delete 1:delete +package", plan(d))
}

// TestPolicyGraceJSON: grace round-trips, "off" (and 0) turns it off, and
// a policy without it keeps the default.
func TestPolicyGraceJSON(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   time.Duration
		json string
	}{{0, ""}, {2 * time.Hour, `"grace":"2h"`}, {2 * day, `"grace":"2d"`}, {-1, `"grace":"off"`}} {
		p := Policy{Type: ghpackages.Container, OlderThan: day, Grace: c.in, GroupBy: MustPattern(`re:v(\d+)`), KeepNewest: 1}
		raw, err := json.Marshal(p)
		require.NoError(t, err)
		if c.json == "" {
			assert.NotContains(t, string(raw), "grace")
		} else {
			assert.Contains(t, string(raw), c.json)
		}
		assert.Contains(t, string(raw), `"group_by":"re:v(\\d+)"`)
		var back Policy
		require.NoError(t, json.Unmarshal(raw, &back))
		assert.Equal(t, c.in, back.Grace)
		assert.Equal(t, p.GroupBy.String(), back.GroupBy.String())
	}
	var p Policy
	require.NoError(t, json.Unmarshal([]byte(`{"type":"container","grace":"0s"}`), &p))
	assert.Less(t, p.Grace, time.Duration(0), "an explicit 0 turns grace off, as --grace 0 does")
	assert.Error(t, json.Unmarshal([]byte(`{"type":"container","grace":"soon"}`), &p))
	require.NoError(t, json.Unmarshal([]byte(`{"type":"container"}`), &p))
	assert.Zero(t, p.Grace)
	assert.Equal(t, time.Hour, p.grace())
}

// TestDecideUntag covers Untag's rules without I/O.
func TestDecideUntag(t *testing.T) {
	t.Parallel()
	sig := "sha256-" + strings.Repeat("b", 64) + ".sig"
	versions := []*ghpackages.PackageVersion{
		ver(1, 40, "v1.0.0", "sha-1"),          // partial: loses sha-1
		ver(2, 40, "sha-2"),                    // every tag: deleted
		ver(3, 40, "v1.1.0"),                   // none: kept
		ver(4, 40, "sha-4", sig),               // a signature tag never goes alone
		ver(5, 40, "sha-5", "keep-me"),         // keep list: untouched
		ver(6, 2, "v1.2.0", "sha-6"),           // too young
		ver(7, 40, "stable", "sha-7", "sha-8"), // exclude: both sha tags go
	}
	p := Policy{Type: ghpackages.Container, Tags: TaggedOnly, OlderThan: 7 * day, Untag: true, KeepTags: []string{"keep-me"},
		IncludeTags: []Pattern{MustPattern("sha-*")}, ExcludeTags: []Pattern{MustPattern("stable")}}
	require.NoError(t, p.Validate())
	d := Decide(DecideInput{Versions: versions, Policy: &p, Now: now})
	byID := map[int64]Decision{}
	for _, v := range d.Versions {
		byID[v.ID] = v
	}
	assert.Equal(t, ActionUntag, byID[1].Action)
	assert.Equal(t, []string{"sha-1"}, byID[1].Untag)
	assert.Equal(t, ActionDelete, byID[2].Action)
	assert.Equal(t, ActionKeep, byID[3].Action)
	assert.Equal(t, ActionUntag, byID[4].Action)
	assert.Equal(t, []string{"sha-4"}, byID[4].Untag)
	assert.Contains(t, byID[4].Reason, "a signature tag goes with its subject")
	assert.Equal(t, ActionKeep, byID[5].Action)
	assert.Equal(t, "tag keep-me is on the keep list", byID[5].Reason)
	assert.Equal(t, ActionKeep, byID[6].Action)
	assert.Equal(t, ActionUntag, byID[7].Action)
	assert.Equal(t, []string{"sha-7", "sha-8"}, byID[7].Untag)
	assert.Equal(t, "removes tags sha-7, sha-8, created 40d ago, older than 7d; tag stable stays (matches exclude pattern stable)", byID[7].Reason)
	assert.Equal(t, 4, d.Untags())

	// Without Untag, the same policy keeps partly matching versions whole.
	p.Untag = false
	d = Decide(DecideInput{Versions: versions, Policy: &p, Now: now})
	assert.Zero(t, d.Untags())
	assert.Equal(t, 1, d.Deletes())

	// A version that only loses tags is still a kept tagged version:
	// GitHub's last-tagged-version rule is satisfied by it.
	p = Policy{Type: ghpackages.Container, Tags: AnyTags, DeleteAllMatching: true, Untag: true, ExcludeTags: []Pattern{MustPattern("v*")}}
	d = Decide(DecideInput{Versions: []*ghpackages.PackageVersion{ver(1, 40, "v1", "a"), ver(2, 30, "b")}, Policy: &p, Now: now})
	assert.Equal(t, "1:untag 2:delete", plan(d))
}

// TestDecidePlaceholders: a placeholder left by an untag that did not
// finish is deleted whatever the policy says, is no image for
// KeepNewest, and is not what the last-tagged-version rule keeps when an
// image can be kept instead.
func TestDecidePlaceholders(t *testing.T) {
	t.Parallel()
	ph := ver(9, 0, "sha-1", "pr-7")
	versions := []*ghpackages.PackageVersion{ver(1, 20, "v1"), ver(2, 40), ph}
	p := Policy{Type: ghpackages.Container, OlderThan: 30 * day, KeepNewest: 1}
	d := Decide(DecideInput{Versions: versions, Policy: &p, Now: now, Placeholders: map[string]bool{ph.Name: true}})
	assert.Equal(t, "2:delete 1:keep 9:delete", plan(d))
	assert.Equal(t, "the placeholder of an untag that did not finish: deleting it removes tags sha-1, pr-7", d.Versions[2].Reason)
	assert.True(t, d.Versions[2].Placeholder)
	assert.Equal(t, "one of the 1 newest images", d.Versions[1].Reason, "the placeholder is no image")

	p = Policy{Type: ghpackages.Container, Tags: AnyTags, DeleteAllMatching: true}
	d = Decide(DecideInput{Versions: versions, Policy: &p, Now: now, Placeholders: map[string]bool{ph.Name: true}})
	assert.Equal(t, "2:delete 1:keep 9:delete", plan(d), "the image, not the placeholder, is kept as the last tagged version")
}
