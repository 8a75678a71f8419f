package retention_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/ghcrtest"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
	"github.com/ghpackages/ghpackages-go/retention"
)

// The scale benchmarks (docs/performance.md quotes their numbers):
//
//	go test ./retention -run '^$' -bench 'Scale|ApplyRequests' -benchtime 1x -timeout 30m
//
// BenchmarkScale builds, on the fake with its ghcr.io front and 20 ms of
// registry latency, a repository of 10,000 versions and 2,000 tags: 1,000
// multi-arch releases (an index tagged v<N> over two platform images and
// a build attestation), a cosign signature of each (tagged
// sha256-<index>.sig), and 5,000 untagged single images, 4,000 of them
// older than the policy's 30 days. It reports plan time cold and warm
// (with the manifest cache), the requests per version planned, and for
// Apply the requests per delete and the time per delete over the pacing
// floor (1 s a delete for "guidance", 1/3 s for "budget"), and the final
// check's time, registry requests and manifest GETs (besides the HEADs of
// the 2,000 tags) once the last delete is done.
// BenchmarkApplyRequests counts Apply's requests per delete at 0, 50, 200
// and 2,000 tags.

// scaleRepo is a repository pushed straight into the registry's storage
// (no latency, no requests counted) and listed in the fake's REST state.
type scaleRepo struct {
	tb      testing.TB
	srv     *ghpackagestest.Server
	storage http.Handler
	owner   string
	pkg     string
	repo    string
	config  descriptor
	layer   descriptor
	n       int
}

func newScaleRepo(tb testing.TB, latency time.Duration) *scaleRepo {
	storage := ghcrtest.NewStorage()
	opts := []ghpackagestest.Option{ghpackagestest.WithRegistry(storage)}
	if latency > 0 {
		opts = append(opts, ghpackagestest.WithRegistryLatency(latency))
	}
	srv := ghpackagestest.New(tb, opts...)
	r := &scaleRepo{tb: tb, srv: srv, storage: storage, owner: "acme", pkg: "app", repo: "acme/app"}
	srv.AddPackage(ghpackagestest.PackageSpec{Owner: r.owner, Type: ghpackages.Container, Name: r.pkg})
	r.config = r.blob([]byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}`), ociConfig)
	r.layer = r.blob([]byte("one layer"), ociLayer)
	return r
}

func (r *scaleRepo) call(method, path, contentType string, body []byte, want int) {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	r.storage.ServeHTTP(rec, req)
	if rec.Code != want && !(want == 0 && rec.Code/100 == 2) {
		r.tb.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body)
	}
}

func (r *scaleRepo) blob(b []byte, mediaType string) descriptor {
	d := digestOf(b)
	r.call("POST", "/v2/"+r.repo+"/blobs/uploads/?digest="+d, "application/octet-stream", b, 0)
	return descriptor{MediaType: mediaType, Digest: d, Size: len(b)}
}

// put stores a manifest by digest and under tags, and lists it as a
// version created age ago.
func (r *scaleRepo) put(m map[string]any, mediaType string, age time.Duration, tags ...string) descriptor {
	body, err := json.Marshal(m)
	if err != nil {
		r.tb.Fatal(err)
	}
	d := digestOf(body)
	for _, ref := range append([]string{d}, tags...) {
		r.call("PUT", "/v2/"+r.repo+"/manifests/"+ref, mediaType, body, http.StatusCreated)
	}
	r.srv.AddVersion(r.owner, ghpackages.Container, r.pkg, ghpackagestest.VersionSpec{Name: d, Tags: tags, CreatedAt: time.Now().Add(-age)})
	r.n++
	return descriptor{MediaType: mediaType, Digest: d, Size: len(body)}
}

// image pushes a single-platform image (a cosign signature with kind
// "signature").
func (r *scaleRepo) image(seed string, age time.Duration, tags ...string) descriptor {
	return r.put(map[string]any{"schemaVersion": 2, "mediaType": ociImage, "config": r.config, "layers": []descriptor{r.layer},
		"annotations": map[string]string{"seed": seed}}, ociImage, age, tags...)
}

// release pushes a multi-arch release: two platform images and a build
// attestation under an index tagged tag, then a signature of the index.
func (r *scaleRepo) release(i int, age time.Duration, tag string) {
	amd := r.image(fmt.Sprint("amd64 ", i), age)
	arm := r.image(fmt.Sprint("arm64 ", i), age)
	att := r.image(fmt.Sprint("attestation ", i), age)
	amd.Platform = map[string]string{"os": "linux", "architecture": "amd64"}
	arm.Platform = map[string]string{"os": "linux", "architecture": "arm64"}
	att.Platform = map[string]string{"os": "unknown", "architecture": "unknown"}
	att.Annotations = map[string]string{"vnd.docker.reference.type": "attestation-manifest", "vnd.docker.reference.digest": amd.Digest}
	idx := r.put(map[string]any{"schemaVersion": 2, "mediaType": ociIndex, "manifests": []descriptor{amd, arm, att}}, ociIndex, age, tag)
	r.image(fmt.Sprint("signature ", i), age, sigTag(idx.Digest, ".sig"))
}

// scaleRepository is BenchmarkScale's repository: releases×5 versions
// with 2×releases tags, and orphans untagged images, old of them older
// than 30 days.
func scaleRepository(tb testing.TB, latency time.Duration, releases, orphans, old int) *scaleRepo {
	r := newScaleRepo(tb, latency)
	for i := range releases {
		r.release(i, time.Duration(i%60)*24*time.Hour, fmt.Sprintf("v%d", i))
	}
	for i := range orphans {
		age := 40 * 24 * time.Hour
		if i >= old {
			age = 5 * 24 * time.Hour
		}
		r.image(fmt.Sprint("orphan ", i), age+time.Duration(i)*time.Minute)
	}
	return r
}

// scaleRun is one client and resolver over a scaleRepo.
type scaleRun struct {
	r        *scaleRepo
	client   *ghpackages.Client
	resolver *retention.RegistryResolver
	// progress, if set, sees each item Apply finishes.
	progress func(retention.Item)
}

func (r *scaleRepo) run(pacing ghpackages.Pacing, cache string) *scaleRun {
	var c *retention.ManifestCache
	if cache != "" {
		var err error
		if c, err = retention.OpenManifestCache(cache); err != nil {
			r.tb.Fatal(err)
		}
	}
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	r.tb.Cleanup(tr.CloseIdleConnections)
	resolver := retention.NewRegistryResolver(retention.RegistryConfig{Host: r.srv.Host(), Token: ghpackagestest.DefaultToken,
		Transport: tr, Cache: c})
	client := r.srv.Client(ghpackages.WithHTTPClient(&http.Client{Transport: tr}), ghpackages.WithPacing(pacing))
	return &scaleRun{r: r, client: client, resolver: resolver}
}

// plan plans untagged versions older than 30 days (at most maxDelete).
func (s *scaleRun) plan(maxDelete int) (*retention.Plan, time.Duration, ghpackagestest.Stats) {
	before := s.r.srv.Stats()
	start := time.Now()
	p, err := retention.NewPlan(s.r.tb.Context(), s.client, ghpackages.OrgOwner(s.r.owner),
		retention.Policy{Type: ghpackages.Container, Packages: []retention.Pattern{retention.MustPattern(s.r.pkg)}, OlderThan: 30 * 24 * time.Hour, MaxDelete: maxDelete},
		retention.WithResolver(s.resolver))
	elapsed := time.Since(start)
	if err != nil {
		s.r.tb.Fatal(err)
	}
	if len(p.Warnings) > 0 {
		s.r.tb.Fatalf("plan warnings: %q", p.Warnings)
	}
	return p, elapsed, delta(before, s.r.srv.Stats())
}

// apply applies p (from its own reading, as ghpkg prune --yes does).
func (s *scaleRun) apply(p *retention.Plan) (time.Duration, ghpackagestest.Stats) {
	before := s.r.srv.Stats()
	start := time.Now()
	opts := []retention.ApplyOption{retention.WithResolver(s.resolver), retention.WithFreshPlan()}
	if s.progress != nil {
		opts = append(opts, retention.WithProgress(s.progress))
	}
	rep, err := retention.Apply(s.r.tb.Context(), s.client, p, opts...)
	elapsed := time.Since(start)
	if err != nil {
		s.r.tb.Fatal(err)
	}
	if n := rep.Count(retention.OutcomeDeleted); n != p.Deletes() {
		s.r.tb.Fatalf("%d of %d deleted: %+v", n, p.Deletes(), rep.Items[0])
	}
	return elapsed, delta(before, s.r.srv.Stats())
}

func delta(a, b ghpackagestest.Stats) ghpackagestest.Stats {
	return ghpackagestest.Stats{Requests: b.Requests - a.Requests, RegistryRequests: b.RegistryRequests - a.RegistryRequests,
		RegistryManifests: b.RegistryManifests - a.RegistryManifests, Deletes: b.Deletes - a.Deletes}
}

func BenchmarkScale(b *testing.B) {
	const releases, orphans, old = 1000, 5000, 4000
	latency := 20 * time.Millisecond
	b.Run("plan", func(b *testing.B) {
		r := scaleRepository(b, latency, releases, orphans, old)
		if r.n != 10_000 {
			b.Fatalf("%d versions", r.n)
		}
		for range b.N {
			cache := filepath.Join(b.TempDir(), "cache")
			p, cold, st := r.run(ghpackages.NoPacing(), cache).plan(0)
			if p.Deletes() != old {
				b.Fatalf("%d deletes planned", p.Deletes())
			}
			b.ReportMetric(cold.Seconds(), "cold-s")
			b.ReportMetric(float64(st.RegistryRequests)/float64(r.n), "cold-registry/version")
			b.ReportMetric(float64(st.Requests)/float64(r.n), "cold-REST/version")
			_, warm, st := r.run(ghpackages.NoPacing(), cache).plan(0)
			b.ReportMetric(warm.Seconds(), "warm-s")
			b.ReportMetric(float64(st.RegistryRequests)/float64(r.n), "warm-registry/version")
			b.ReportMetric(float64(st.RegistryManifests-2*releases)/float64(r.n), "warm-GETs/version")
		}
	})
	// Apply: the time from the first delete to the last, over the
	// deletes in between, against the floor: for budget pacing a whole
	// window of the minute's budget (its 180 deletes go as fast as Apply
	// can send them, then the 181st waits for the window to move).
	for _, tc := range []struct {
		name    string
		pacing  ghpackages.Pacing
		deletes int
		floor   time.Duration
	}{
		{"apply/pace=guidance", ghpackages.DefaultPacing(), 31, time.Second},
		{"apply/pace=budget", ghpackages.BudgetPacing(), 181, time.Second / 3},
		{"apply/pace=none", ghpackages.NoPacing(), 301, 0},
	} {
		b.Run(tc.name, func(b *testing.B) {
			r := scaleRepository(b, latency, releases, orphans, old)
			for range b.N {
				s := r.run(tc.pacing, filepath.Join(b.TempDir(), "cache"))
				p, _, _ := s.plan(tc.deletes)
				var first, last time.Time
				var atLast ghpackagestest.Stats
				done := 0
				s.progress = func(retention.Item) {
					switch done++; done {
					case 1:
						first = time.Now()
					case tc.deletes:
						last = time.Now()
						atLast = r.srv.Stats()
					}
				}
				_, st := s.apply(p)
				// The final check: from the last delete to Apply's return
				// (the tag list, a HEAD per tag, the manifests not cached).
				check := delta(atLast, r.srv.Stats())
				b.ReportMetric(time.Since(last).Seconds(), "final-check-s")
				b.ReportMetric(float64(check.RegistryRequests), "final-check-registry")
				b.ReportMetric(float64(check.RegistryManifests-2*releases), "final-check-GETs")
				per := last.Sub(first) / time.Duration(tc.deletes-1)
				b.ReportMetric(per.Seconds(), "s/delete")
				if tc.floor > 0 {
					b.ReportMetric(float64(per)/float64(tc.floor), "x-floor")
				}
				b.ReportMetric(float64(st.RegistryRequests)/float64(tc.deletes), "registry/delete")
				b.ReportMetric(float64(st.Requests)/float64(tc.deletes), "REST/delete")
			}
		})
	}
}

// BenchmarkApplyRequests counts Apply's requests per delete (200 deletes,
// 199 without tags, where GitHub's last-version rule keeps the newest; no
// pacing, no latency) in repositories of 0, 50, 200 and 2,000 tags,
// applying a plan made just before (WithFreshPlan, as ghpkg prune --yes)
// and one read back from JSON (which reads every tag once first).
func BenchmarkApplyRequests(b *testing.B) {
	const deletes = 200
	for _, tags := range []int{0, 50, 200, 2000} {
		for _, fresh := range []bool{true, false} {
			name := fmt.Sprintf("tags=%d/plan=fresh", tags)
			if !fresh {
				name = fmt.Sprintf("tags=%d/plan=json", tags)
			}
			b.Run(name, func(b *testing.B) {
				for range b.N {
					b.StopTimer()
					r := newScaleRepo(b, 0)
					for i := range tags {
						r.image(fmt.Sprint("tagged ", i), time.Hour, fmt.Sprintf("t%d", i))
					}
					for i := range deletes {
						r.image(fmt.Sprint("orphan ", i), 40*24*time.Hour+time.Duration(i)*time.Minute)
					}
					s := r.run(ghpackages.NoPacing(), "")
					p, _, _ := s.plan(0)
					want := deletes
					if tags == 0 {
						want-- // GitHub refuses to delete the last version: the newest stays
					}
					if p.Deletes() != want {
						b.Fatalf("%d deletes planned", p.Deletes())
					}
					opts := []retention.ApplyOption{retention.WithResolver(s.resolver)}
					if fresh {
						opts = append(opts, retention.WithFreshPlan())
					} else {
						raw, _ := json.Marshal(p)
						p = &retention.Plan{}
						if err := json.Unmarshal(raw, p); err != nil {
							b.Fatal(err)
						}
					}
					before := r.srv.Stats()
					b.StartTimer()
					rep, err := retention.Apply(b.Context(), s.client, p, opts...)
					b.StopTimer()
					if err != nil || rep.Count(retention.OutcomeDeleted) != want {
						b.Fatalf("apply: %v, %d deleted", err, rep.Count(retention.OutcomeDeleted))
					}
					st := delta(before, r.srv.Stats())
					b.ReportMetric(float64(st.RegistryRequests)/float64(want), "registry/delete")
					b.ReportMetric(float64(st.Requests)/float64(want), "REST/delete")
				}
			})
		}
	}
}
