package retention_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
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

// raceRepo is another job's view of the fake's ghcr.io-like registry: it
// pushes through the registry's front, which records every push in the
// REST state as ghcr.io does (a new manifest becomes a version; a pushed
// tag moves to its version).
type raceRepo struct {
	t    *testing.T
	srv  *ghpackagestest.Server
	hc   *http.Client
	repo string
}

func (r *raceRepo) do(method, path, contentType string, body []byte) *http.Response {
	r.t.Helper()
	req, err := http.NewRequestWithContext(r.t.Context(), method, "http://"+r.srv.Host()+path, bytes.NewReader(body))
	require.NoError(r.t, err)
	req.Header.Set("Authorization", "Bearer "+ghpackagestest.DefaultToken)
	req.Header.Set("Accept", ociIndex+", "+ociImage)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := r.hc.Do(req)
	require.NoError(r.t, err)
	resp.Body.Close()
	return resp
}

// get reads a manifest through the front.
func (r *raceRepo) get(ref string) (string, []byte) {
	r.t.Helper()
	req, err := http.NewRequestWithContext(r.t.Context(), "GET", "http://"+r.srv.Host()+"/v2/"+r.repo+"/manifests/"+ref, nil)
	require.NoError(r.t, err)
	req.Header.Set("Authorization", "Bearer "+ghpackagestest.DefaultToken)
	req.Header.Set("Accept", ociIndex+", "+ociImage)
	resp, err := r.hc.Do(req)
	require.NoError(r.t, err)
	defer resp.Body.Close()
	require.Equal(r.t, 200, resp.StatusCode, ref)
	body, err := io.ReadAll(resp.Body)
	require.NoError(r.t, err)
	return resp.Header.Get("Content-Type"), body
}

// put pushes a manifest under ref (its digest, or a tag).
func (r *raceRepo) put(ref, contentType string, body []byte) string {
	r.t.Helper()
	resp := r.do("PUT", "/v2/"+r.repo+"/manifests/"+ref, contentType, body)
	require.Equal(r.t, 201, resp.StatusCode, "PUT %s", ref)
	return digestOf(body)
}

// blob uploads content in one POST.
func (r *raceRepo) blob(content []byte) descriptor {
	r.t.Helper()
	resp := r.do("POST", "/v2/"+r.repo+"/blobs/uploads/?digest="+digestOf(content), "application/octet-stream", content)
	require.Equal(r.t, 2, resp.StatusCode/100)
	return descriptor{Digest: digestOf(content), Size: len(content)}
}

// image pushes a small image by digest, with subject if set.
func (r *raceRepo) image(seed string, subject *descriptor) descriptor {
	cfg := r.blob([]byte(fmt.Sprintf(`{"architecture":"amd64","os":"linux","config":{"Labels":{"seed":%q}}}`, seed)))
	cfg.MediaType = ociConfig
	layer := r.blob([]byte("layer " + seed))
	layer.MediaType = ociLayer
	m := map[string]any{"schemaVersion": 2, "mediaType": ociImage, "config": cfg, "layers": []descriptor{layer}}
	if subject != nil {
		m["subject"] = subject
		m["artifactType"] = "application/vnd.in-toto+json"
	}
	body, err := json.Marshal(m)
	require.NoError(r.t, err)
	return descriptor{MediaType: ociImage, Digest: r.put(digestOf(body), ociImage, body), Size: len(body)}
}

// index pushes an index of the manifests digests, tagged tag.
func (r *raceRepo) index(tag string, digests ...string) string {
	var children []descriptor
	for _, d := range digests {
		ct, body := r.get(d)
		children = append(children, descriptor{MediaType: ct, Digest: d, Size: len(body), Platform: map[string]string{"os": "linux", "architecture": "amd64"}})
	}
	body, err := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": ociIndex, "manifests": children})
	require.NoError(r.t, err)
	r.put(digestOf(body), ociIndex, body)
	return r.put(tag, ociIndex, body)
}

// tag points tag at the manifest digest (a push of its bytes by tag).
func (r *raceRepo) tag(tag, digest string) {
	ct, body := r.get(digest)
	r.put(tag, ct, body)
}

// raceWorld is a repository on the fake's ghcr.io front: "keep", a
// multi-arch release tagged latest and stable, and three old untagged
// images, "a", "b" and "c", that the policy deletes.
type raceWorld struct {
	*raceRepo
	clock   *ghpackagestest.FakeClock
	ids     map[string]int64
	digests map[string]string
}

func newRaceWorld(t *testing.T) *raceWorld {
	clock := ghpackagestest.NewFakeClock(start)
	srv := ghpackagestest.New(t, ghpackagestest.WithClock(clock), ghcrtest.WithRegistry())
	w := &raceWorld{raceRepo: &raceRepo{t: t, srv: srv, hc: srv.HTTPClient(), repo: "octo-org/app"}, clock: clock, ids: map[string]int64{}, digests: map[string]string{}}
	srv.AddPackage(ghpackagestest.PackageSpec{Owner: "octo-org", Type: ghpackages.Container, Name: "app"})
	w.ids["keep"] = srv.AddVersion("octo-org", ghpackages.Container, "app", ghpackagestest.VersionSpec{Tags: []string{"latest", "stable"}, CreatedAt: start.Add(-day),
		Image: &ghpackagestest.ImageSpec{Platforms: []string{"linux/amd64", "linux/arm64"}, Seed: "keep"}})
	for _, r := range []string{"a", "b", "c"} {
		w.ids[r] = srv.AddVersion("octo-org", ghpackages.Container, "app", ghpackagestest.VersionSpec{CreatedAt: start.Add(-60 * day), Image: &ghpackagestest.ImageSpec{Seed: r}})
	}
	for _, v := range srv.Versions("octo-org", ghpackages.Container, "app") {
		for r, id := range w.ids {
			if id == v.ID {
				w.digests[r] = v.Name
			}
		}
	}
	return w
}

func (w *raceWorld) resolver() *retention.RegistryResolver {
	return retention.NewRegistryResolver(retention.RegistryConfig{Host: w.srv.Host(), Token: ghpackagestest.DefaultToken,
		Transport: w.hc.Transport, Clock: ghpackagestest.NewFakeClock(start)})
}

// run plans, then applies with race called after the first delete; it
// returns the outcome and error text of each role's item.
func (w *raceWorld) run(fresh bool, race func(pending []string)) (map[string]string, *retention.Report) {
	t := w.t
	resolver := w.resolver()
	client := w.srv.Client()
	p, err := retention.NewPlan(t.Context(), client, ghpackages.OrgOwner("octo-org"), retention.Policy{Type: ghpackages.Container, OlderThan: 30 * day},
		retention.WithResolver(resolver), retention.WithNow(w.clock.Now))
	require.NoError(t, err)
	require.Equal(t, 3, p.Deletes(), "a, b and c")
	opts := []retention.ApplyOption{retention.WithResolver(resolver), retention.WithNow(w.clock.Now)}
	if fresh {
		opts = append(opts, retention.WithFreshPlan())
	}
	done := 0
	opts = append(opts, retention.WithProgress(func(it retention.Item) {
		if done++; done == 1 {
			var pending []string
			for _, r := range []string{"a", "b", "c"} {
				if w.ids[r] != it.VersionID {
					pending = append(pending, r)
				}
			}
			race(pending)
		}
	}))
	rep, err := retention.Apply(t.Context(), client, p, opts...)
	require.NoError(t, err)
	got := map[string]string{}
	for _, it := range rep.Items {
		for r, id := range w.ids {
			if id == it.VersionID {
				got[r] = string(it.Outcome) + " " + it.Error
			}
		}
	}
	res, err := retention.Verify(t.Context(), resolver, w.repo)
	require.NoError(t, err)
	assert.Empty(t, res.Broken, "no tag is broken")
	return got, rep
}

// During Apply another job pushes an index over the versions still to be
// deleted and moves latest to it: they are skipped, needed by it.
func TestApplyRaceIndexPushedOverPendingVersions(t *testing.T) {
	t.Parallel()
	for _, fresh := range []bool{false, true} {
		w := newRaceWorld(t)
		var idx string
		var pending []string
		got, rep := w.run(fresh, func(p []string) {
			pending = p
			idx = w.index("latest", w.digests[p[0]], w.digests[p[1]])
		})
		require.Len(t, pending, 2)
		for _, r := range pending {
			assert.Equal(t, "skipped not deleted: now needed by "+idx[:19]+"… (latest), pushed since the plan", got[r], "fresh %v", fresh)
		}
		assert.Equal(t, 1, rep.Count(retention.OutcomeDeleted))
	}
}

// During Apply another job retags a version still to be deleted (moves
// stable onto it): it is skipped, and the other is deleted.
func TestApplyRaceRetagOfPendingVersion(t *testing.T) {
	t.Parallel()
	for _, fresh := range []bool{false, true} {
		w := newRaceWorld(t)
		var pending []string
		got, rep := w.run(fresh, func(p []string) {
			pending = p
			w.tag("stable", w.digests[p[0]])
		})
		assert.Equal(t, "skipped not deleted: tagged stable since the plan", got[pending[0]], "fresh %v", fresh)
		assert.Equal(t, "deleted ", got[pending[1]])
		assert.Equal(t, 2, rep.Count(retention.OutcomeDeleted))
	}
}

// During Apply another job signs one version still to be deleted (a
// cosign-style signature tag) and attests another (an OCI referrer by
// digest, no tag): both are skipped, signed or attested since the plan.
func TestApplyRaceSignAndAttestPendingVersions(t *testing.T) {
	t.Parallel()
	for _, fresh := range []bool{false, true} {
		w := newRaceWorld(t)
		var pending []string
		var sig, att descriptor
		got, rep := w.run(fresh, func(p []string) {
			pending = p
			sig = w.image("signature of "+p[0], nil)
			w.tag(sigTag(w.digests[p[0]], ".sig"), sig.Digest)
			_, body := w.get(w.digests[p[1]])
			att = w.image("attestation of "+p[1], &descriptor{MediaType: ociImage, Digest: w.digests[p[1]], Size: len(body)})
		})
		assert.Equal(t, "skipped not deleted: signed or attested since the plan: tag "+sigTag(w.digests[pending[0]], ".sig")+" ("+sig.Digest[:19]+"…)", got[pending[0]], "fresh %v", fresh)
		assert.Equal(t, "skipped not deleted: signed or attested since the plan: "+att.Digest[:19]+"…, whose subject it is", got[pending[1]], "fresh %v", fresh)
		assert.Equal(t, 1, rep.Count(retention.OutcomeDeleted))
	}
}

// What Apply costs per delete does not grow with the tags: with a fresh
// plan, a repository of 0, 50 and 200 tags costs the same registry
// requests per delete (the tag names, and nothing else while nothing
// changes), and three REST requests (the newest versions, the version, the
// DELETE); the final check's cost, a HEAD per tag and the tag list, and a
// page of the deleted versions, comes once per run.
func TestApplyCostDoesNotGrowWithTags(t *testing.T) {
	t.Parallel()
	perDelete := map[int][2]float64{}
	for _, tags := range []int{0, 50, 200} {
		clock := ghpackagestest.NewFakeClock(start)
		srv := ghpackagestest.New(t, ghpackagestest.WithClock(clock), ghcrtest.WithRegistry())
		srv.AddPackage(ghpackagestest.PackageSpec{Owner: "octo-org", Type: ghpackages.Container, Name: "app"})
		for i := range tags {
			srv.AddVersion("octo-org", ghpackages.Container, "app", ghpackagestest.VersionSpec{Tags: []string{fmt.Sprintf("v%d", i)}, CreatedAt: start.Add(-day),
				Image: &ghpackagestest.ImageSpec{Seed: fmt.Sprint("t", i)}})
		}
		for i := range 20 {
			srv.AddVersion("octo-org", ghpackages.Container, "app", ghpackagestest.VersionSpec{CreatedAt: start.Add(-60 * day), Image: &ghpackagestest.ImageSpec{Seed: fmt.Sprint("o", i)}})
		}
		srv.AddVersion("octo-org", ghpackages.Container, "app", ghpackagestest.VersionSpec{Tags: []string{"latest"}, CreatedAt: start, Image: &ghpackagestest.ImageSpec{Seed: "latest"}})
		resolver := retention.NewRegistryResolver(retention.RegistryConfig{Host: srv.Host(), Token: ghpackagestest.DefaultToken,
			Transport: srv.HTTPClient().Transport, Clock: clock})
		client := srv.Client()
		p, err := retention.NewPlan(t.Context(), client, ghpackages.OrgOwner("octo-org"), retention.Policy{Type: ghpackages.Container, OlderThan: 30 * day},
			retention.WithResolver(resolver), retention.WithNow(clock.Now))
		require.NoError(t, err)
		require.Equal(t, 20, p.Deletes())
		before := srv.Stats()
		rep, err := retention.Apply(t.Context(), client, p, retention.WithResolver(resolver), retention.WithNow(clock.Now), retention.WithFreshPlan())
		require.NoError(t, err)
		require.Equal(t, 20, rep.Count(retention.OutcomeDeleted))
		after := srv.Stats()
		perDelete[tags] = [2]float64{float64(after.RegistryRequests-before.RegistryRequests) / 20, float64(after.Requests-before.Requests) / 20}
	}
	for tags, c := range perDelete {
		// Apply's final check reads the tags once more: the tag list, and
		// a HEAD of each tag (latest too), once per run.
		final := float64(1 + tags + 1)
		assert.Equal(t, 1.0, c[0]-final/20, "registry requests per delete at %d tags, besides the final check", tags)
		// And one REST page of the package's deleted versions, once per
		// run (the tags they carried went with them).
		assert.Equal(t, 3.0, c[1]-1.0/20, "REST requests per delete at %d tags, besides the final check", tags)
	}
}

// A planned index whose delete fails stays whole: the manifests it lists,
// planned after it, are skipped rather than deleted from under it.
func TestApplyKeepsWhatAFailedIndexLists(t *testing.T) {
	t.Parallel()
	f := newFixture(t, false)
	f.image("old-amd64")
	f.image("old-arm64")
	f.index("old", false, "old-amd64", "old-arm64")
	f.version("old-amd64", 61*day)
	f.version("old-arm64", 61*day)
	f.version("old", 60*day)
	f.image("keep")
	f.tag("latest", "keep")
	f.version("keep", day, "latest")
	p := f.plan(retention.Policy{OlderThan: 30 * day}, retention.WithResolver(f.g.resolver()))
	require.Equal(t, []string{"old", "old-amd64", "old-arm64"}, f.planned(p))
	f.g.fake.InjectFault(ghpackagestest.Fault{Method: "DELETE", Status: 500, Count: 50, Path: fmt.Sprintf("/orgs/octo-org/packages/container/app/versions/%d", f.ids["old"])})
	rep := f.apply(p)
	got := map[string]string{}
	for _, it := range rep.Items {
		got[f.role(it.VersionID)] = string(it.Outcome)
		if it.Outcome == retention.OutcomeSkipped {
			assert.Contains(t, it.Error, "now needed by "+f.digests["old"][:19]+"…, which was not deleted (its delete failed: ")
		}
	}
	assert.Equal(t, map[string]string{"old": "failed", "old-amd64": "skipped", "old-arm64": "skipped"}, got)
	assert.True(t, f.g.exists(propRepo, f.digests["old-amd64"]))
}

// An organization's packages are planned several at a time (within the
// client's limit of requests in flight), and the plan is the same as one
// package at a time would make: in name order, each decided on its own.
func TestPlanReadsPackagesConcurrently(t *testing.T) {
	t.Parallel()
	clock := ghpackagestest.NewFakeClock(start)
	srv := ghpackagestest.New(t, ghpackagestest.WithClock(clock), ghcrtest.WithRegistry())
	const n = 300
	for i := range n {
		name := fmt.Sprintf("svc-%03d", i)
		srv.AddPackage(ghpackagestest.PackageSpec{Owner: "acme", Type: ghpackages.Container, Name: name})
		srv.AddVersion("acme", ghpackages.Container, name, ghpackagestest.VersionSpec{Tags: []string{"latest"}, CreatedAt: start.Add(-day), Image: &ghpackagestest.ImageSpec{Seed: name}})
		srv.AddVersion("acme", ghpackages.Container, name, ghpackagestest.VersionSpec{CreatedAt: start.Add(-60 * day), Image: &ghpackagestest.ImageSpec{Seed: name + " old"}})
	}
	// The first listing is held until another request is in flight, which
	// only concurrent planning sends: it passes at once however loaded the
	// machine. Planning one package at a time would hold it for good, so
	// the hold gives up after a minute (the test then fails on most < 2).
	var mu sync.Mutex
	inflight, most, first := 0, 0, true
	second := make(chan struct{})
	base := srv.HTTPClient().Transport
	counting := roundTrip(func(req *http.Request) (*http.Response, error) {
		mu.Lock()
		inflight++
		if inflight == 2 && most < 2 {
			close(second) // once: most is 2 from here on
		}
		most = max(most, inflight)
		wait := first && strings.HasSuffix(req.URL.Path, "/versions")
		first = first && !wait
		mu.Unlock()
		if wait {
			select {
			case <-second:
			case <-time.After(time.Minute):
			}
		}
		defer func() {
			mu.Lock()
			inflight--
			mu.Unlock()
		}()
		return base.RoundTrip(req)
	})
	client := srv.Client(ghpackages.WithHTTPClient(&http.Client{Transport: counting}), ghpackages.WithPacing(ghpackages.DefaultPacing()), ghpackages.WithClock(clock))
	resolver := retention.NewRegistryResolver(retention.RegistryConfig{Host: srv.Host(), Token: ghpackagestest.DefaultToken,
		Transport: base, Clock: clock})
	p, err := retention.NewPlan(t.Context(), client, ghpackages.OrgOwner("acme"), retention.Policy{Type: ghpackages.Container, OlderThan: 30 * day},
		retention.WithResolver(resolver), retention.WithNow(clock.Now))
	require.NoError(t, err)
	require.Len(t, p.Packages, n)
	assert.Empty(t, p.Warnings)
	for i, pp := range p.Packages {
		assert.Equal(t, fmt.Sprintf("svc-%03d", i), pp.Name)
		assert.Equal(t, 1, pp.Deletes(), pp.Name)
	}
	mu.Lock()
	defer mu.Unlock()
	assert.GreaterOrEqual(t, most, 2, "packages are read at once")
	assert.LessOrEqual(t, most, ghpackages.DefaultPacing().MaxConcurrent, "within the client's limit")
}

// raceIndex pushes an index of the manifests digests by digest only (no
// tag) and returns its digest and bytes.
func (r *raceRepo) raceIndex(digests ...string) (string, []byte) {
	var children []descriptor
	for _, d := range digests {
		ct, body := r.get(d)
		children = append(children, descriptor{MediaType: ct, Digest: d, Size: len(body), Platform: map[string]string{"os": "linux", "architecture": "amd64"}})
	}
	body, err := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": ociIndex, "manifests": children})
	require.NoError(r.t, err)
	return r.put(digestOf(body), ociIndex, body), body
}

// A manifest the plan found missing can come back while Apply runs: here
// the nested index of a release whose version someone deleted is pushed
// again (a repair, or a rebuild with the same bytes) after Apply's first
// delete. It lists an untagged image the plan took for an orphan; Apply's
// check must read the index now that it exists again, and skip the image
// the release needs once more.
func TestApplyRaceMissingManifestPushedAgain(t *testing.T) {
	t.Parallel()
	for _, fresh := range []bool{false, true} {
		clock := ghpackagestest.NewFakeClock(start.Add(-60 * day))
		srv := ghpackagestest.New(t, ghpackagestest.WithClock(clock), ghcrtest.WithRegistry())
		r := &raceRepo{t: t, srv: srv, hc: srv.HTTPClient(), repo: "octo-org/app"}
		child := r.image("child", nil)
		nested, nestedBody := r.raceIndex(child.Digest)
		release := r.index("v1", nested) // v1 → release → nested → child
		clock.Advance(time.Hour)
		other := r.image("other", nil) // deleted first: the newest planned
		clock.Advance(60 * day)
		client := srv.Client()
		var nestedID int64
		for _, v := range srv.Versions("octo-org", ghpackages.Container, "app") {
			if v.Name == nested {
				nestedID = v.ID
			}
		}
		_, err := client.Orgs.DeleteVersion(t.Context(), "octo-org", ghpackages.Container, "app", nestedID)
		require.NoError(t, err)

		resolver := retention.NewRegistryResolver(retention.RegistryConfig{Host: srv.Host(), Token: ghpackagestest.DefaultToken,
			Transport: r.hc.Transport, Clock: clock})
		p, err := retention.NewPlan(t.Context(), client, ghpackages.OrgOwner("octo-org"), retention.Policy{Type: ghpackages.Container, OlderThan: 30 * day},
			retention.WithResolver(resolver), retention.WithNow(clock.Now))
		require.NoError(t, err)
		require.Equal(t, 2, p.Deletes(), "the other image, and the child the plan takes for an orphan")
		opts := []retention.ApplyOption{retention.WithResolver(resolver), retention.WithNow(clock.Now), retention.WithProgress(func(it retention.Item) {
			if it.Version == other.Digest {
				r.put(nested, ociIndex, nestedBody) // the nested index is back
			}
		})}
		if fresh {
			opts = append(opts, retention.WithFreshPlan())
		}
		rep, err := retention.Apply(t.Context(), client, p, opts...)
		require.NoError(t, err)
		got := map[string]string{}
		for _, it := range rep.Items {
			got[it.Version] = string(it.Outcome)
		}
		assert.Equal(t, map[string]string{other.Digest: "deleted", child.Digest: "skipped"}, got, "fresh %v", fresh)
		res, err := retention.Verify(t.Context(), resolver, r.repo)
		require.NoError(t, err)
		assert.Empty(t, res.Broken, "v1 (%s) is whole again and stays whole; fresh %v", release[:19], fresh)
	}
}

// A version GitHub lists whose manifest the registry did not have when
// the plan read it (a ghost version: decided on without its manifest)
// can get it while Apply runs (pushed late, or restored). Here it is an
// attestation of the platform image a kept release lists: before its
// delete, Apply must read the manifest it now has, and skip it.
func TestApplyReadsAGhostVersionAgainBeforeItsDelete(t *testing.T) {
	t.Parallel()
	for _, fresh := range []bool{false, true} {
		clock := ghpackagestest.NewFakeClock(start.Add(-60 * day))
		srv := ghpackagestest.New(t, ghpackagestest.WithClock(clock), ghcrtest.WithRegistry())
		r := &raceRepo{t: t, srv: srv, hc: srv.HTTPClient(), repo: "octo-org/app"}
		platform := r.image("platform", nil)
		r.index("v1", platform.Digest)
		// The attestation's version is listed before the registry has
		// its manifest.
		cfg := r.blob([]byte(`{"architecture":"amd64","os":"linux","config":{"Labels":{"seed":"attestation"}}}`))
		cfg.MediaType = ociConfig
		layer := r.blob([]byte("layer attestation"))
		layer.MediaType = ociLayer
		attBody, err := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": ociImage, "artifactType": "application/vnd.in-toto+json",
			"config": cfg, "layers": []descriptor{layer}, "subject": platform})
		require.NoError(t, err)
		att := digestOf(attBody)
		srv.AddVersion("octo-org", ghpackages.Container, "app", ghpackagestest.VersionSpec{Name: att, CreatedAt: clock.Now()})
		clock.Advance(time.Hour)
		other := r.image("other", nil) // deleted first: the newest planned
		clock.Advance(60 * day)
		client := srv.Client()
		resolver := retention.NewRegistryResolver(retention.RegistryConfig{Host: srv.Host(), Token: ghpackagestest.DefaultToken,
			Transport: r.hc.Transport, Clock: clock})
		p, err := retention.NewPlan(t.Context(), client, ghpackages.OrgOwner("octo-org"), retention.Policy{Type: ghpackages.Container, OlderThan: 30 * day},
			retention.WithResolver(resolver), retention.WithNow(clock.Now))
		require.NoError(t, err)
		require.Equal(t, 2, p.Deletes(), "the other image, and the ghost version")
		opts := []retention.ApplyOption{retention.WithResolver(resolver), retention.WithNow(clock.Now), retention.WithProgress(func(it retention.Item) {
			if it.Version == other.Digest {
				r.put(att, ociImage, attBody) // the attestation's manifest arrives
			}
		})}
		if fresh {
			opts = append(opts, retention.WithFreshPlan())
		}
		rep, err := retention.Apply(t.Context(), client, p, opts...)
		require.NoError(t, err)
		got := map[string]string{}
		for _, it := range rep.Items {
			got[it.Version] = string(it.Outcome)
		}
		assert.Equal(t, map[string]string{other.Digest: "deleted", att: "skipped"}, got, "fresh %v", fresh)
		for _, v := range srv.Versions("octo-org", ghpackages.Container, "app") {
			if v.Name == att {
				assert.Nil(t, v.DeletedAt, "the attestation of the kept release stays; fresh %v", fresh)
			}
		}
	}
}
