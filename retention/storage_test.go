package retention_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/ghcrtest"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
	"github.com/ghpackages/ghpackages-go/retention"
)

// registrySizes reads repo@digest from the fake's registry over HTTP and
// returns the manifest's length and its blobs' sizes by digest.
func registrySizes(t *testing.T, hc *http.Client, srv *ghpackagestest.Server, repo, digest string) (int64, map[string]int64) {
	t.Helper()
	status, _, body := demoRegistryGet(t, hc, "GET", "http://"+srv.Host()+"/v2/"+repo+"/manifests/"+digest, "Bearer "+ghpackagestest.DefaultToken)
	require.Equal(t, 200, status, string(body))
	var m struct {
		Config struct {
			Digest string `json:"digest"`
			Size   int64  `json:"size"`
		} `json:"config"`
		Layers []struct {
			Digest string `json:"digest"`
			Size   int64  `json:"size"`
		} `json:"layers"`
	}
	require.NoError(t, json.Unmarshal(body, &m))
	blobs := map[string]int64{}
	if m.Config.Digest != "" {
		blobs[m.Config.Digest] = m.Config.Size
	}
	for _, l := range m.Layers {
		blobs[l.Digest] = l.Size
	}
	return int64(len(body)), blobs
}

// TestPlanStorage plans a package of three images of one platform (their
// base layers shared): deleting the two old untagged ones frees their
// manifests, configs and own layers, not the base layers the kept image
// uses; the report after Apply counts the same. An npm plan's storage is
// unknown, not 0.
func TestPlanStorage(t *testing.T) {
	t.Parallel()
	clock := ghpackagestest.NewFakeClock(start)
	srv := ghpackagestest.NewServer(ghpackagestest.WithClock(clock), ghcrtest.WithRegistry())
	t.Cleanup(srv.Close)
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Transport: tr}
	host := srv.Host()

	srv.AddOrg("acme")
	srv.AddPackage(ghpackagestest.PackageSpec{Owner: "acme", Type: ghpackages.Container, Name: "svc"})
	srv.AddPackage(ghpackagestest.PackageSpec{Owner: "acme", Type: ghpackages.NPM, Name: "lib"})
	day := 24 * time.Hour
	var names []string
	for i, seed := range []string{"old 1", "old 2", "release"} {
		spec := ghpackagestest.VersionSpec{CreatedAt: clock.Now().Add(-time.Duration(10-i) * day), Image: &ghpackagestest.ImageSpec{Seed: seed}}
		if seed == "release" {
			spec.Tags = []string{"v1"}
		}
		srv.AddVersion("acme", ghpackages.Container, "svc", spec)
		names = append(names, srv.Versions("acme", ghpackages.Container, "svc")[i].Name)
	}
	srv.AddVersion("acme", ghpackages.NPM, "lib", ghpackagestest.VersionSpec{Name: "1.0.0", CreatedAt: clock.Now().Add(-5 * day)})
	srv.AddVersion("acme", ghpackages.NPM, "lib", ghpackagestest.VersionSpec{Name: "1.0.1", CreatedAt: clock.Now().Add(-4 * day)})

	// The rule, from the registry's manifests.
	var wantFreed, wantKept int64
	sizes := map[string]int64{}
	keptSize, keptBlobs := registrySizes(t, hc, srv, "acme/svc", names[2])
	wantKept = keptSize
	for _, n := range keptBlobs {
		wantKept += n
	}
	for _, name := range names[:2] {
		size, blobs := registrySizes(t, hc, srv, "acme/svc", name)
		sizes[name] = size
		wantFreed += size
		shared := 0
		for d, n := range blobs {
			sizes[name] += n
			if _, ok := keptBlobs[d]; ok {
				shared++
				continue
			}
			wantFreed += n
		}
		assert.Equal(t, 2, shared, "the base layers are shared")
	}

	resolver := retention.NewRegistryResolver(retention.RegistryConfig{Host: host, Token: ghpackagestest.DefaultToken, Transport: hc.Transport, Clock: clock})
	policy := retention.Policy{Type: ghpackages.Container, OlderThan: day, Tags: retention.UntaggedOnly}
	plan, err := retention.NewPlan(t.Context(), srv.Client(), ghpackages.OrgOwner("acme"), policy, retention.WithResolver(resolver), retention.WithNow(clock.Now))
	require.NoError(t, err)
	require.Len(t, plan.Packages, 1)
	pp := plan.Packages[0]
	require.Equal(t, 2, pp.Deletes())
	require.True(t, pp.Storage.Known())
	assert.Equal(t, wantFreed, *pp.Storage.FreedBytes)
	assert.Equal(t, wantKept, *pp.Storage.KeptBytes)
	assert.Equal(t, pp.Storage, plan.Storage())
	for _, v := range pp.Versions[:2] {
		require.NotNil(t, v.SizeBytes)
		assert.Equal(t, sizes[v.Name], *v.SizeBytes)
	}
	require.NotNil(t, pp.Versions[2].SizeBytes)
	assert.Equal(t, keptSize+sum(keptBlobs), *pp.Versions[2].SizeBytes)

	// The JSON form says the same.
	raw, err := json.Marshal(plan)
	require.NoError(t, err)
	assert.Contains(t, string(raw), `"storage":{"freed_bytes":`)

	rep, err := retention.Apply(t.Context(), srv.Client(), plan, retention.WithResolver(resolver), retention.WithNow(clock.Now))
	require.NoError(t, err)
	require.Equal(t, 2, rep.Count(retention.OutcomeDeleted))
	assert.Equal(t, pp.Storage, plan.StorageDeleted(rep), "the run deleted what was planned")
	half := *rep
	half.Items = half.Items[:1]
	got := plan.StorageDeleted(&half)
	require.True(t, got.Known())
	assert.Less(t, *got.FreedBytes, wantFreed, "one deletion frees less")
	assert.Equal(t, wantFreed+wantKept, *got.FreedBytes+*got.KeptBytes, "what was not deleted is kept")

	var decoded retention.Plan
	require.NoError(t, json.Unmarshal(raw, &decoded))
	assert.Equal(t, pp.Storage, decoded.Packages[0].Storage)
	assert.False(t, decoded.StorageDeleted(rep).Known(), "a decoded plan cannot count a run")

	npm, err := retention.NewPlan(t.Context(), srv.Client(), ghpackages.OrgOwner("acme"), retention.Policy{Type: ghpackages.NPM, KeepNewest: 1, DeleteAllMatching: true},
		retention.WithNow(clock.Now))
	require.NoError(t, err)
	require.Len(t, npm.Packages, 1)
	assert.Nil(t, npm.Packages[0].Storage.FreedBytes)
	assert.Nil(t, npm.Packages[0].Storage.KeptBytes)
	assert.False(t, npm.Storage().Known())
	assert.Nil(t, npm.Packages[0].Versions[0].SizeBytes)
	raw, err = json.Marshal(npm.Packages[0].Storage)
	require.NoError(t, err)
	assert.JSONEq(t, `{"freed_bytes": null, "kept_bytes": null}`, string(raw))
}

func sum(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

// sizeGetCounter counts the manifest GETs a transport sends.
type sizeGetCounter struct {
	rt http.RoundTripper
	n  atomic.Int64
}

func (m *sizeGetCounter) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodGet && strings.Contains(req.URL.Path, "/manifests/") {
		m.n.Add(1)
	}
	return m.rt.RoundTrip(req)
}

// TestPlanStorageFromTheCache plans the demo's team/app twice with a
// manifest cache: the second plan reads no manifest from the registry and
// reports the same storage, so sizes cost no request of their own.
func TestPlanStorageFromTheCache(t *testing.T) {
	t.Parallel()
	clock := ghpackagestest.NewFakeClock(start)
	srv := ghpackagestest.NewServer(ghpackagestest.WithClock(clock), ghpackagestest.WithDemo(), ghcrtest.WithRegistry())
	t.Cleanup(srv.Close)
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	gets := &sizeGetCounter{rt: tr}
	cache, err := retention.OpenManifestCache(t.TempDir())
	require.NoError(t, err)
	resolver := retention.NewRegistryResolver(retention.RegistryConfig{Host: srv.Host(),
		Token: ghpackagestest.DefaultToken, Transport: gets, Clock: clock, Cache: cache})
	policy := retention.Policy{Type: ghpackages.Container, OlderThan: 24 * time.Hour, Tags: retention.UntaggedOnly,
		Packages: []retention.Pattern{retention.MustPattern(ghpackagestest.DemoContainer)}}
	plan := func() retention.Storage {
		p, err := retention.NewPlan(t.Context(), srv.Client(), ghpackages.OrgOwner(ghpackagestest.DemoOrg), policy,
			retention.WithResolver(resolver), retention.WithNow(clock.Now))
		require.NoError(t, err)
		return p.Storage()
	}
	first := plan()
	require.True(t, first.Known())
	assert.Positive(t, *first.FreedBytes)
	require.Positive(t, gets.n.Load())
	gets.n.Store(0)
	assert.Equal(t, first, plan())
	assert.Zero(t, gets.n.Load(), "the cache holds the sizes")
}
