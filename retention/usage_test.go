package retention_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/retention"
)

// TestReadUsageKinds sorts a repository holding one of each kind: a tagged
// multi-arch index and its platform image, a cosign-style signature and an
// OCI referrer of it, an untagged orphan, and a ghost index whose images
// are gone; ages fall into their buckets, and each row's bytes count its
// own manifests.
func TestReadUsageKinds(t *testing.T) {
	t.Parallel()
	f := newFixture(t, false)
	for _, r := range []string{"amd64", "orphan", "g1", "g2", "sig"} {
		f.image(r)
	}
	f.index("release", false, "amd64")
	f.index("ghost", false, "g1", "g2")
	f.referrer("sbom", "release")
	f.tag("v1", "release")
	f.tag(sigTag(f.digests["release"], ".sig"), "sig")
	f.version("amd64", 2*day)
	f.version("release", 2*day, "v1")
	f.version("sig", 12*time.Hour, sigTag(f.digests["release"], ".sig"))
	f.version("sbom", 20*day)
	f.version("orphan", 60*day)
	f.version("ghost", 100*day)
	for _, r := range []string{"g1", "g2"} {
		f.g.do(http.MethodDelete, "/v2/"+propRepo+"/manifests/"+f.digests[r], "", nil)
	}

	usage, err := retention.ReadUsage(t.Context(), f.g.client(), ghpackages.OrgOwner("octo-org"), ghpackages.Container, nil,
		retention.WithResolver(f.g.resolver()), retention.WithNow(f.clock.Now))
	require.NoError(t, err)
	require.Len(t, usage, 1)
	u := usage[0]
	assert.Empty(t, u.Warning)
	assert.Equal(t, 6, u.Versions)
	kinds := map[string]retention.UsageKind{}
	for _, v := range u.Detail {
		kinds[f.role(v.ID)] = v.Kind
	}
	assert.Equal(t, map[string]retention.UsageKind{"release": retention.KindTagged, "amd64": retention.KindPart,
		"sig": retention.KindSignature, "sbom": retention.KindSignature, "orphan": retention.KindOrphan, "ghost": retention.KindGhost}, kinds)
	count := func(rows []retention.UsageRow) map[string]int {
		out := map[string]int{}
		for _, r := range rows {
			out[r.Name] = r.Versions
		}
		return out
	}
	assert.Equal(t, map[string]int{"tagged": 1, "platform-or-attestation": 1, "signature": 2, "untagged-orphan": 1, "ghost": 1}, count(u.ByKind))
	assert.Equal(t, map[string]int{"<1d": 1, "<1w": 2, "<30d": 1, "<90d": 1, "older": 1}, count(u.ByAge))
	require.NotNil(t, u.Bytes)
	var sum int64
	for _, r := range u.ByKind {
		require.NotNil(t, r.Bytes, r.Name)
		sum += *r.Bytes
	}
	// The fixture's images share no blob: the rows add up to the whole.
	assert.Equal(t, *u.Bytes, sum)

	npm, err := retention.ReadUsage(t.Context(), f.g.client(), ghpackages.OrgOwner("octo-org"), ghpackages.NPM, nil, retention.WithNow(f.clock.Now))
	require.NoError(t, err)
	assert.Empty(t, npm)
}
