package retention_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
	"github.com/ghpackages/ghpackages-go/retention"
)

// ghcr is the fake GitHub (ghpackagestest) with a real OCI registry
// (go-containerregistry's pkg/registry) beside it, tied together as
// GHCR ties them: deleting a container version through the REST API
// deletes its manifest and every tag on it from the registry, and
// restoring it puts them back.
type ghcr struct {
	t    testing.TB
	fake *ghpackagestest.Server
	reg  http.Handler // the registry itself, without faults

	// host is the registry host clients are given; with inproc set,
	// requests never touch the network.
	host   string
	inproc bool
	// recordPushes gives manifests clients push a package version.
	recordPushes bool

	mu    sync.Mutex
	fault func(*http.Request) int // registry fault: a status, or 0
	// retryAfter, if set, is the Retry-After of fault answers.
	retryAfter string
	// noDigest drops Docker-Content-Digest from HEAD answers, as some
	// registries and proxies do.
	noDigest bool
	before   func()             // runs once, before the next registry request
	stash    map[string]stashed // deleted manifests, by "repo@digest"
	// registryRequests counts requests that reached the registry front.
	registryRequests int
	// onAPI, if set, sees every API request and its answer.
	onAPI func(*http.Request, *http.Response)
	// hold, if set, runs inside each registry request (to make it slow).
	hold func(*http.Request)
	// Registry request counts: pings of /v2/, GETs by path, requests in
	// flight now and at most.
	pings            int
	gets             map[string]int
	inflight, maxFly int
}

type stashed struct {
	contentType string
	body        []byte
	tags        []string
}

type ghcrOptions struct {
	referrers bool // the registry answers the OCI referrers API
	inproc    bool // no sockets: requests go straight to the handlers
	// recordPushes gives a manifest a client pushes a package version, as
	// GHCR does (untag's placeholder).
	recordPushes bool
	fake         []ghpackagestest.Option
}

func newGHCR(t testing.TB, o ghcrOptions) *ghcr {
	t.Helper()
	g := &ghcr{t: t, stash: map[string]stashed{}, inproc: o.inproc, recordPushes: o.recordPushes}
	g.reg = registry.New(registry.Logger(log.New(io.Discard, "", 0)), registry.WithReferrersSupport(o.referrers))
	g.fake = ghpackagestest.NewServer(append([]ghpackagestest.Option{ghpackagestest.WithRawRegistry(http.HandlerFunc(g.serveRegistry))}, o.fake...)...)
	t.Cleanup(g.fake.Close)
	if o.inproc {
		g.host = "127.0.0.1:5000"
	} else {
		g.host = g.fake.Host()
	}
	return g
}

// serveRegistry is the registry as clients see it: with faults.
func (g *ghcr) serveRegistry(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	g.registryRequests++
	if r.URL.Path == "/v2/" || r.URL.Path == "/v2" {
		g.pings++
	}
	if r.Method == http.MethodGet {
		if g.gets == nil {
			g.gets = map[string]int{}
		}
		g.gets[r.URL.Path]++
	}
	g.inflight++
	g.maxFly = max(g.maxFly, g.inflight)
	hold := g.hold
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		g.inflight--
		g.mu.Unlock()
	}()
	if hold != nil {
		hold(r)
	}
	g.mu.Lock()
	before := g.before
	g.before = nil
	fault, retryAfter, noDigest := g.fault, g.retryAfter, g.noDigest
	g.mu.Unlock()
	if before != nil {
		before()
	}
	if noDigest && r.Method == http.MethodHead {
		w = dropDigest{w}
	}
	if fault != nil {
		if status := fault(r); status != 0 {
			w.Header().Set("Content-Type", "application/json")
			if retryAfter != "" {
				w.Header().Set("Retry-After", retryAfter)
			}
			w.WriteHeader(status)
			fmt.Fprintf(w, `{"errors":[{"code":"UNKNOWN","message":"injected %d"}]}`, status)
			return
		}
	}
	if g.recordPushes && r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/manifests/") {
		rec := httptest.NewRecorder()
		g.reg.ServeHTTP(rec, r)
		if d := rec.Header().Get("Docker-Content-Digest"); rec.Code == http.StatusCreated && d != "" {
			g.recordPush(r.URL.Path, d)
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
		return
	}
	g.reg.ServeHTTP(w, r)
}

// recordPush gives a manifest a client pushed (an untag's placeholder) a
// package version, as GHCR does, tagged with the tag it was pushed under.
// (The fake API has no call to move a tag, so the version it came from
// keeps the tag in the REST listing; the registry is what counts.)
func (g *ghcr) recordPush(path, digest string) {
	rest := strings.TrimPrefix(path, "/v2/")
	i := strings.LastIndex(rest, "/manifests/")
	repo, ref := rest[:i], rest[i+len("/manifests/"):]
	owner, pkg, ok := strings.Cut(repo, "/")
	if p, known := g.fake.Package(owner, ghpackages.Container, pkg); !ok || !known || p.DeletedAt != nil {
		return // a repository of no package: only the registry keeps it
	}
	for _, v := range g.fake.Versions(owner, ghpackages.Container, pkg) {
		if v.Name == digest && v.DeletedAt == nil {
			return
		}
	}
	var tags []string
	if !strings.HasPrefix(ref, "sha256:") {
		tags = []string{ref}
	}
	g.fake.AddVersion(owner, ghpackages.Container, pkg, ghpackagestest.VersionSpec{Name: digest, Tags: tags, CreatedAt: g.fake.Now()})
}

// dropDigest removes Docker-Content-Digest from an answer.
type dropDigest struct{ http.ResponseWriter }

func (d dropDigest) WriteHeader(status int) {
	d.Header().Del("Docker-Content-Digest")
	d.ResponseWriter.WriteHeader(status)
}

func (d dropDigest) Write(b []byte) (int, error) {
	d.Header().Del("Docker-Content-Digest")
	return d.ResponseWriter.Write(b)
}

func (g *ghcr) setFault(f func(*http.Request) int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.fault = f
}

func (g *ghcr) setBefore(f func()) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.before = f
}

// transport returns the transport clients use: in-process or a fresh
// one of the test's own.
func (g *ghcr) transport() http.RoundTripper {
	if g.inproc {
		return inprocTransport{g.fake.Handler()}
	}
	tr := &http.Transport{}
	g.t.Cleanup(tr.CloseIdleConnections)
	return tr
}

// client returns an API client whose deletes and restores reach the
// registry as GHCR's do.
func (g *ghcr) client(opts ...ghpackages.Option) *ghpackages.Client {
	base := []ghpackages.Option{ghpackages.WithHTTPClient(&http.Client{Transport: syncTransport{g, g.transport()}})}
	if g.inproc {
		base = append(base, ghpackages.WithBaseURL("http://127.0.0.1:1/"))
	}
	return g.fake.Client(append(base, opts...)...)
}

// resolver returns a registry resolver for the registry.
func (g *ghcr) resolver() retention.ManifestResolver {
	return retention.NewRegistryResolver(g.registryConfig())
}

// registryConfig is how clients reach the registry: its waits (retries of
// 429s and 5xx) on a clock of their own that takes no real time.
func (g *ghcr) registryConfig() retention.RegistryConfig {
	return retention.RegistryConfig{Host: g.host, Token: ghpackagestest.DefaultToken, Transport: g.transport(), Clock: ghpackagestest.NewFakeClock(start)}
}

// inprocTransport serves requests with a handler, in-process.
type inprocTransport struct{ h http.Handler }

func (t inprocTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, req)
	resp := rec.Result()
	resp.Request = req
	return resp, nil
}

// syncTransport mirrors successful REST deletes and restores of
// container versions and packages into the registry.
type syncTransport struct {
	g    *ghcr
	base http.RoundTripper
}

func (s syncTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := s.base.RoundTrip(req)
	s.g.mu.Lock()
	hook := s.g.onAPI
	s.g.mu.Unlock()
	if hook != nil && err == nil {
		hook(req, resp)
	}
	if err != nil || resp.StatusCode/100 != 2 || (req.Method != http.MethodDelete && req.Method != http.MethodPost) {
		return resp, err
	}
	owner, pkg, id, restore, ok := parseContainerPath(req.URL)
	if !ok {
		return resp, err
	}
	if restore {
		s.g.restore(owner, pkg, id)
	} else {
		s.g.deleted(owner, pkg, id)
	}
	return resp, err
}

// parseContainerPath parses the owner, package and version ID (0 for a
// package) of a container delete or restore.
func parseContainerPath(u *url.URL) (owner, pkg string, id int64, restore, ok bool) {
	parts := strings.Split(strings.Trim(u.EscapedPath(), "/"), "/")
	if n := len(parts); n > 0 && parts[n-1] == "restore" {
		restore = true
		parts = parts[:n-1]
	}
	switch {
	case len(parts) >= 4 && (parts[0] == "orgs" || parts[0] == "users") && parts[2] == "packages":
		owner, parts = parts[1], parts[3:]
	case len(parts) >= 3 && parts[0] == "user" && parts[1] == "packages":
		owner, parts = ghpackagestest.DefaultLogin, parts[2:]
	default:
		return "", "", 0, false, false
	}
	if parts[0] != "container" || len(parts) < 2 {
		return "", "", 0, false, false
	}
	pkg, err := url.PathUnescape(parts[1])
	if err != nil {
		return "", "", 0, false, false
	}
	if len(parts) == 4 && parts[2] == "versions" {
		id, err = strconv.ParseInt(parts[3], 10, 64)
		return owner, pkg, id, restore, err == nil
	}
	return owner, pkg, 0, restore, len(parts) == 2
}

func (g *ghcr) versionNames(owner, pkg string, id int64) []string {
	var out []string
	for _, v := range g.fake.Versions(owner, ghpackages.Container, pkg) {
		if id == 0 || v.ID == id {
			out = append(out, v.Name)
		}
	}
	return out
}

// deleted removes the manifests of a deleted version (or package) and
// every tag on them from the registry, keeping a copy for a restore.
func (g *ghcr) deleted(owner, pkg string, id int64) {
	repo := strings.ToLower(owner + "/" + pkg)
	tags := g.tags(repo)
	for _, digest := range g.versionNames(owner, pkg, id) {
		ct, body, ok := g.get(repo, digest)
		if !ok {
			continue
		}
		st := stashed{contentType: ct, body: body}
		for t, d := range tags {
			if d == digest {
				st.tags = append(st.tags, t)
				g.do(http.MethodDelete, "/v2/"+repo+"/manifests/"+t, "", nil)
			}
		}
		g.do(http.MethodDelete, "/v2/"+repo+"/manifests/"+digest, "", nil)
		g.mu.Lock()
		g.stash[repo+"@"+digest] = st
		g.mu.Unlock()
	}
}

func (g *ghcr) restore(owner, pkg string, id int64) {
	repo := strings.ToLower(owner + "/" + pkg)
	for _, digest := range g.versionNames(owner, pkg, id) {
		g.mu.Lock()
		st, ok := g.stash[repo+"@"+digest]
		g.mu.Unlock()
		if !ok {
			continue
		}
		g.put(repo, digest, st.contentType, st.body)
		for _, t := range st.tags {
			g.put(repo, t, st.contentType, st.body)
		}
	}
}

// do sends one request straight to the registry (no faults).
func (g *ghcr) do(method, path, contentType string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "http://"+g.host+path, bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json")
	rec := httptest.NewRecorder()
	g.reg.ServeHTTP(rec, req)
	return rec
}

// get reads a manifest by tag or digest.
func (g *ghcr) get(repo, ref string) (contentType string, body []byte, ok bool) {
	rec := g.do(http.MethodGet, "/v2/"+repo+"/manifests/"+ref, "", nil)
	if rec.Code != http.StatusOK {
		return "", nil, false
	}
	return rec.Header().Get("Content-Type"), rec.Body.Bytes(), true
}

// exists reports whether the registry has the manifest digest.
func (g *ghcr) exists(repo, digest string) bool {
	return g.do(http.MethodHead, "/v2/"+repo+"/manifests/"+digest, "", nil).Code == http.StatusOK
}

// put stores a manifest under ref (a tag or its digest).
func (g *ghcr) put(repo, ref, contentType string, body []byte) {
	g.t.Helper()
	rec := g.do(http.MethodPut, "/v2/"+repo+"/manifests/"+ref, contentType, body)
	if rec.Code != http.StatusCreated {
		g.t.Fatalf("PUT %s:%s: %d %s", repo, ref, rec.Code, rec.Body)
	}
}

// blob uploads a blob in one request and returns its descriptor JSON
// fields.
func (g *ghcr) blob(repo string, content []byte) (string, int) {
	g.t.Helper()
	d := digestOf(content)
	rec := g.do(http.MethodPost, "/v2/"+repo+"/blobs/uploads/?digest="+d, "application/octet-stream", content)
	if rec.Code/100 != 2 {
		g.t.Fatalf("blob upload: %d %s", rec.Code, rec.Body)
	}
	return d, len(content)
}

// tags returns the registry's tags of repo and their digests.
func (g *ghcr) tags(repo string) map[string]string {
	out := map[string]string{}
	rec := g.do(http.MethodGet, "/v2/"+repo+"/tags/list", "", nil)
	if rec.Code != http.StatusOK {
		return out
	}
	var list struct {
		Tags []string `json:"tags"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil {
		g.t.Fatal(err)
	}
	for _, t := range list.Tags {
		if _, body, ok := g.get(repo, t); ok {
			out[t] = digestOf(body)
		}
	}
	return out
}

func digestOf(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Manifest media types.
const (
	ociImage     = "application/vnd.oci.image.manifest.v1+json"
	ociIndex     = "application/vnd.oci.image.index.v1+json"
	dockerImage  = "application/vnd.docker.distribution.manifest.v2+json"
	dockerList   = "application/vnd.docker.distribution.manifest.list.v2+json"
	ociConfig    = "application/vnd.oci.image.config.v1+json"
	ociLayer     = "application/vnd.oci.image.layer.v1.tar+gzip"
	dockerConfig = "application/vnd.docker.container.image.v1+json"
	dockerLayer  = "application/vnd.docker.image.rootfs.diff.tar.gzip"
)

type descriptor struct {
	MediaType    string            `json:"mediaType"`
	Digest       string            `json:"digest"`
	Size         int               `json:"size"`
	ArtifactType string            `json:"artifactType,omitempty"`
	Platform     map[string]string `json:"platform,omitempty"`
	Annotations  map[string]string `json:"annotations,omitempty"`
}

// pushImage pushes an image (config and one layer blob, then the
// manifest, by digest) and returns its digest. seed makes it unique;
// subject, if set, makes it an OCI referrer of that manifest.
func (g *ghcr) pushImage(repo, seed string, docker bool, subject *descriptor, artifactType string) (string, descriptor) {
	g.t.Helper()
	cfgType, layerType, mt := ociConfig, ociLayer, ociImage
	if docker {
		cfgType, layerType, mt = dockerConfig, dockerLayer, dockerImage
	}
	cfg := []byte(fmt.Sprintf(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"config":{"Labels":{"seed":%q}}}`, seed))
	cd, cs := g.blob(repo, cfg)
	layer := []byte("layer " + seed)
	ld, ls := g.blob(repo, layer)
	m := map[string]any{
		"schemaVersion": 2, "mediaType": mt,
		"config": descriptor{MediaType: cfgType, Digest: cd, Size: cs},
		"layers": []descriptor{{MediaType: layerType, Digest: ld, Size: ls}},
	}
	if artifactType != "" {
		m["artifactType"] = artifactType
	}
	if subject != nil {
		m["subject"] = descriptor{MediaType: subject.MediaType, Digest: subject.Digest, Size: subject.Size}
	}
	body, err := json.Marshal(m)
	if err != nil {
		g.t.Fatal(err)
	}
	d := digestOf(body)
	g.put(repo, d, mt, body)
	return d, descriptor{MediaType: mt, Digest: d, Size: len(body)}
}

// pushIndex pushes an index (or Docker manifest list) of children and
// returns its digest.
func (g *ghcr) pushIndex(repo string, docker bool, children []descriptor, annotate string) (string, descriptor) {
	g.t.Helper()
	mt := ociIndex
	if docker {
		mt = dockerList
	}
	m := map[string]any{"schemaVersion": 2, "mediaType": mt, "manifests": children}
	if annotate != "" {
		m["annotations"] = map[string]string{"seed": annotate}
	}
	body, err := json.Marshal(m)
	if err != nil {
		g.t.Fatal(err)
	}
	d := digestOf(body)
	g.put(repo, d, mt, body)
	return d, descriptor{MediaType: mt, Digest: d, Size: len(body)}
}

// tag points tag at the manifest digest.
func (g *ghcr) tag(repo, tag, digest string) {
	g.t.Helper()
	ct, body, ok := g.get(repo, digest)
	if !ok {
		g.t.Fatalf("tag %s: no manifest %s", tag, digest)
	}
	g.put(repo, tag, ct, body)
}

// tryTag points tag at the manifest digest, if the registry accepts it
// (it refuses to store an index whose children are gone).
func (g *ghcr) tryTag(repo, tag, digest string) bool {
	ct, body, ok := g.get(repo, digest)
	if !ok {
		return false
	}
	return g.do(http.MethodPut, "/v2/"+repo+"/manifests/"+tag, ct, body).Code == http.StatusCreated
}

// untag removes a tag from the registry.
func (g *ghcr) untag(repo, tag string) {
	g.do(http.MethodDelete, "/v2/"+repo+"/manifests/"+tag, "", nil)
}

// sigTag is the cosign-style tag of a signature (suffix ".sig") or
// attestation (".att") of digest, or with "" the referrers tag schema's.
func sigTag(digest, suffix string) string {
	return strings.Replace(digest, ":", "-", 1) + suffix
}

// subjectOf returns the subject digest of a manifest body, or "".
func subjectOf(body []byte) string {
	var m struct {
		Subject *descriptor `json:"subject"`
	}
	_ = json.Unmarshal(body, &m)
	if m.Subject == nil {
		return ""
	}
	return m.Subject.Digest
}

// sortedKeys returns a map's keys, sorted.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// cancelAfter returns a context canceled after the n-th item Apply
// finishes with outcome OutcomeDeleted, and the progress option that counts.
func cancelAfter(ctx context.Context, n int) (context.Context, retention.ProgressOption, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	done := 0
	return ctx, retention.WithProgress(func(it retention.Item) {
		if it.Outcome == retention.OutcomeDeleted {
			if done++; done == n {
				cancel()
			}
		}
	}), cancel
}
