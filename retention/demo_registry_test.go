package retention_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"slices"
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

// demoRegistryGet fetches a manifest from the fake's registry over HTTP,
// authenticating with auth (an Authorization header value).
func demoRegistryGet(t *testing.T, hc *http.Client, method, url, auth string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, nil)
	require.NoError(t, err)
	req.Header.Set("Accept", "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json")
	req.Header.Set("Authorization", auth)
	resp, err := hc.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header, body
}

// TestDemoPruneThroughRegistry plans what `ghpkg prune --org octo-org
// --untagged-only --older-than 1d` plans against the demo: the orphaned
// untagged builds, but not the platform images of the kept v1.9.0 index,
// with no registry failure.
func TestDemoPruneThroughRegistry(t *testing.T) {
	t.Parallel()
	clock := ghpackagestest.NewFakeClock(start)
	srv := ghpackagestest.NewServer(ghpackagestest.WithClock(clock), ghpackagestest.WithDemo(), ghcrtest.WithRegistry())
	t.Cleanup(srv.Close)
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Transport: tr}
	host := srv.Host()

	// The index behind "latest", straight from the registry.
	status, h, body := demoRegistryGet(t, hc, "GET", "http://"+srv.Host()+"/v2/octo-org/team/app/manifests/latest", "Bearer "+ghpackagestest.DefaultToken)
	require.Equal(t, 200, status, string(body))
	var index struct {
		MediaType string `json:"mediaType"`
		Manifests []struct {
			Digest   string `json:"digest"`
			Platform struct {
				Architecture string `json:"architecture"`
			} `json:"platform"`
		} `json:"manifests"`
	}
	require.NoError(t, json.Unmarshal(body, &index))
	assert.Equal(t, "application/vnd.oci.image.index.v1+json", index.MediaType)
	require.Len(t, index.Manifests, 2)
	children := []string{index.Manifests[0].Digest, index.Manifests[1].Digest}
	assert.Equal(t, "amd64", index.Manifests[0].Platform.Architecture)
	assert.Equal(t, "arm64", index.Manifests[1].Platform.Architecture)

	// REST names are the registry's digests; expect every active untagged
	// version older than a day but the index's children.
	var want, childIDs []int64
	versions := srv.Versions(ghpackagestest.DemoOrg, ghpackages.Container, ghpackagestest.DemoContainer)
	for _, v := range versions {
		if slices.Contains(v.Tags, "latest") {
			assert.Equal(t, h.Get("Docker-Content-Digest"), v.Name, "the latest version is the index the registry serves")
		}
		if slices.Contains(children, v.Name) {
			assert.Empty(t, v.Tags, "platform images are untagged versions")
			childIDs = append(childIDs, v.ID)
			continue
		}
		if len(v.Tags) == 0 && v.DeletedAt == nil && v.CreatedAt.Before(clock.Now().Add(-24*time.Hour)) {
			want = append(want, v.ID)
			status, _, _ := demoRegistryGet(t, hc, "HEAD", "http://"+srv.Host()+"/v2/octo-org/team/app/manifests/"+v.Name, "Bearer "+ghpackagestest.DefaultToken)
			assert.Equal(t, 200, status, "orphan %s is a real manifest", v.Name)
		}
	}
	require.Len(t, childIDs, 2)
	require.Len(t, want, 16)

	resolver := retention.NewRegistryResolver(retention.RegistryConfig{Host: host, Token: ghpackagestest.DefaultToken, Transport: hc.Transport, Clock: ghpackagestest.NewFakeClock(start)})
	policy := retention.Policy{Type: ghpackages.Container, OlderThan: 24 * time.Hour, Packages: []retention.Pattern{retention.MustPattern(ghpackagestest.DemoContainer)}}
	plan, err := retention.NewPlan(t.Context(), srv.Client(), ghpackages.OrgOwner(ghpackagestest.DemoOrg), policy,
		retention.WithResolver(resolver), retention.WithNow(clock.Now))
	require.NoError(t, err)
	require.Len(t, plan.Packages, 1)
	var planned []int64
	for _, v := range plan.Packages[0].Versions {
		assert.NotContains(t, v.Reason, "see the plan's warnings", "no registry failure")
		if v.Action == retention.ActionDelete {
			planned = append(planned, v.ID)
		}
		if slices.Contains(childIDs, v.ID) {
			assert.Equal(t, retention.ActionKeep, v.Action)
			assert.Contains(t, v.Reason, "needed by kept sha256:")
		}
	}
	slices.Sort(planned)
	slices.Sort(want)
	assert.Equal(t, want, planned)
}

// TestGHESShapeOverTLS runs the demo prune plan in GitHub Enterprise
// Server's shape: the API at https://ghes.example/api/v3/ and the registry
// at containers.ghes.example, both names dialed to the fake.
func TestGHESShapeOverTLS(t *testing.T) {
	t.Parallel()
	clock := ghpackagestest.NewFakeClock(start)
	srv := ghpackagestest.NewServer(ghpackagestest.WithClock(clock), ghpackagestest.WithDemo(), ghcrtest.WithRegistry(),
		ghpackagestest.WithAPIPrefix("/api/v3"), ghpackagestest.WithTLS("ghes.example"))
	t.Cleanup(srv.Close)
	require.True(t, strings.HasPrefix(srv.BaseURL(), "https://"))
	addr := srv.Host()
	dialer := &net.Dialer{}
	tr := &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: srv.CertPool()},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, network, addr) // every name is the fake
		},
	}
	t.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Transport: tr}

	client, err := ghpackages.NewClient(ghpackages.WithBaseURL("https://ghes.example/api/v3/"), ghpackages.WithHTTPClient(hc),
		ghpackages.WithToken(ghpackagestest.DefaultToken), ghpackages.WithPacing(ghpackages.NoPacing()), ghpackages.WithClock(clock))
	require.NoError(t, err)
	p, _, err := client.Orgs.Get(t.Context(), ghpackagestest.DemoOrg, ghpackages.Container, ghpackagestest.DemoContainer)
	require.NoError(t, err)
	assert.Equal(t, "https://ghes.example/api/v3/orgs/octo-org/packages/container/team%2Fapp", p.URL)
	assert.Equal(t, "https://ghes.example/orgs/octo-org/packages/container/package/team%2Fapp", p.HTMLURL)

	resolver := retention.NewRegistryResolver(retention.RegistryConfig{Host: "containers.ghes.example", Token: ghpackagestest.DefaultToken, Transport: tr, Clock: ghpackagestest.NewFakeClock(start)})
	policy := retention.Policy{Type: ghpackages.Container, OlderThan: 24 * time.Hour, Packages: []retention.Pattern{retention.MustPattern(ghpackagestest.DemoContainer)}}
	plan, err := retention.NewPlan(t.Context(), client, ghpackages.OrgOwner(ghpackagestest.DemoOrg), policy,
		retention.WithResolver(resolver), retention.WithNow(clock.Now))
	require.NoError(t, err)
	kept := 0
	for _, v := range plan.Packages[0].Versions {
		assert.NotContains(t, v.Reason, "see the plan's warnings")
		if strings.Contains(v.Reason, "needed by kept sha256:") {
			kept++
		}
	}
	assert.Equal(t, 2, kept)
	assert.Equal(t, 16, plan.Deletes())
}
