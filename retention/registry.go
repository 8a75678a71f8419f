package retention

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	ghpackages "github.com/ghpackages/ghpackages-go"
)

// ErrManifestUnknown is matched by the error ManifestResolver.Manifest
// returns for a manifest the registry does not have (404).
var ErrManifestUnknown = errors.New("retention: manifest unknown")

// Manifest is what the planner needs to know of one registry manifest.
type Manifest struct {
	// MediaType is the manifest's media type.
	MediaType string
	// Children are the digests an image index or Docker manifest list
	// lists (per-platform images, attestation manifests, nested indexes),
	// in order; none for an image manifest.
	Children []string
	// Subject is the digest of the manifest's OCI subject (a signature,
	// SBOM or attestation names what it is about), or "".
	Subject string
	// Placeholder marks the placeholder manifest untag steps push
	// (PlaceholderArtifactType and PlaceholderAnnotation): the tags on it
	// are being removed.
	Placeholder bool
	// Size is the manifest's own length in bytes; 0 when the resolver
	// does not say, which makes the plan's Storage unknown.
	Size int64
	// Blobs are the config and layers an image manifest lists, with the
	// sizes it gives them; none for an index.
	Blobs []Blob
}

// ManifestResolver reads a container registry for the planner, Apply and
// Verify. *RegistryResolver (NewRegistryResolver) is the implementation
// over the OCI distribution API; tests can substitute their own. repository is
// "owner/package", lower-case. Implementations must be safe for concurrent
// use.
type ManifestResolver interface {
	// Tags returns every tag of repository and the digest it points at;
	// an empty map for a repository the registry does not know.
	Tags(ctx context.Context, repository string) (map[string]string, error)
	// Manifest reads repository@digest. A manifest the registry does not
	// have is an error matching ErrManifestUnknown.
	Manifest(ctx context.Context, repository, digest string) (Manifest, error)
	// Referrers returns the digests of the manifests whose subject is
	// digest, from the OCI referrers API. It returns nil and no error when
	// the registry has no referrers API: the planner then finds referrers
	// through the "sha256-<hex>" tag schema (from Tags) and the subject of
	// every manifest it reads.
	Referrers(ctx context.Context, repository, digest string) ([]string, error)
}

// RegistryConfig says how to reach a container registry.
type RegistryConfig struct {
	// Host is the registry host, "ghcr.io" when empty (GitHub Enterprise
	// Server: "containers.HOST"). A loopback host ("127.0.0.1:5000",
	// "localhost:5000", "[::1]:5000") is spoken to over plain HTTP.
	Host string
	// Username and Token authenticate (for ghcr.io any username works with
	// a token that has read:packages; use the same token as the API
	// client). Empty Token means anonymous, which reads public images.
	Username, Token string
	// Transport, if set, carries the registry requests.
	Transport http.RoundTripper
	// Insecure allows plain HTTP to a host that is not loopback. Without
	// it, plain HTTP is refused for every other host, including private
	// addresses that go-containerregistry would otherwise try over HTTP.
	Insecure bool

	// MaxRetries bounds how often one request is sent again after a rate
	// limit (429, or a 503 with Retry-After: wait what it says; without
	// it, back off from 1 s doubling up to 30 s, with full jitter); a
	// transient failure (another 5xx, a dropped connection or a timeout:
	// back off) is sent again at most 4 times within it. 0 means 8;
	// negative means never. A host that does not resolve or refuses
	// connections is not waited for. While a limit is in force every
	// request of the resolver waits, and it sends fewer at once (8 to
	// start, up to 32 while the registry keeps up, halved at each 429).
	MaxRetries int
	// MaxWait is the longest single wait accepted: a registry asking for
	// longer fails the request at once. 0 means 15 minutes. No wait
	// outlives the context of the call that waits.
	MaxWait time.Duration
	// OnWait, if set, is called before each wait, from the goroutine that
	// makes the request: to show the waits, count them, or cancel the
	// run's context once they add up to too much.
	OnWait func(RegistryWait)
	// Clock times the waits; the wall clock when nil. Tests give one whose
	// Sleep takes no real time.
	Clock ghpackages.Clock
	// Cache, if set, keeps the manifests read, by digest, across runs
	// (see ManifestCache).
	Cache *ManifestCache
}

// RegistryResolver is the ManifestResolver over the OCI distribution API
// (ghcr.io, or any registry that speaks it). It authenticates (the /v2/
// ping and token handshake, through go-containerregistry's transport) once
// per repository and reuses that client for every request. Create one with
// NewRegistryResolver; the zero value answers every call with an error. It
// is safe for concurrent use.
type RegistryResolver struct {
	reg  name.Registry
	auth authn.Authenticator
	base http.RoundTripper

	clock   ghpackages.Clock
	gate    *gate
	retries int
	maxWait time.Duration
	onWait  func(RegistryWait)
	cache   *ManifestCache

	mu    sync.Mutex
	repos map[string]*repoClient
}

type repoClient struct {
	client *http.Client
	// referrers is 0 until probed, 1 when the registry answers the
	// referrers API, -1 when it does not; probe is held by the call that
	// probes.
	referrers int
	probe     sync.Mutex
	// push, once made, is the client authorized to push (TagMover).
	push *http.Client
}

// *RegistryResolver implements ManifestResolver.
var _ ManifestResolver = (*RegistryResolver)(nil)

// errNoRegistry is what a RegistryResolver not made by NewRegistryResolver
// answers.
var errNoRegistry = errors.New("retention: RegistryResolver not created by NewRegistryResolver")

// NewRegistryResolver returns a resolver for the registry cfg names. It
// pings the registry once (on first use), authenticates once per
// repository, and sends requests for one repository over one
// authenticated client. A host that is not valid is reported by the first
// call.
func NewRegistryResolver(cfg RegistryConfig) *RegistryResolver {
	host := cfg.Host
	if host == "" {
		host = "ghcr.io"
	}
	var opts []name.Option
	if cfg.Insecure {
		opts = append(opts, name.Insecure)
	}
	r := &RegistryResolver{auth: authn.Anonymous, repos: map[string]*repoClient{},
		clock: cfg.Clock, retries: cfg.MaxRetries, maxWait: cfg.MaxWait, onWait: cfg.OnWait, cache: cfg.Cache}
	if r.clock == nil {
		r.clock = ghpackages.SystemClock()
	}
	if r.retries == 0 {
		r.retries = defaultRegistryRetries
	}
	if r.maxWait <= 0 {
		r.maxWait = defaultRegistryMaxWait
	}
	r.gate = newGate(r.clock)
	reg, err := name.NewRegistry(host, opts...)
	if err != nil {
		// Reported on first use, with the host.
		r.base = failingTransport{fmt.Errorf("retention: registry host %q: %w", host, err)}
		return r
	}
	r.reg = reg
	if cfg.Token != "" {
		user := cfg.Username
		if user == "" {
			user = "ghpackages"
		}
		r.auth = &authn.Basic{Username: user, Password: cfg.Token}
	}
	r.base = cfg.Transport
	if r.base == nil {
		r.base = remote.DefaultTransport
	}
	if !cfg.Insecure {
		r.base = httpsOnly{r.base}
	}
	r.base = &pingOnce{base: r.base, answers: map[string]pingAnswer{}}
	return r
}

// pingOnce answers the registry's /v2/ ping from the first answer per
// host: go-containerregistry pings before authenticating for each
// repository, and one ping per registry is enough. (For a loopback or
// insecure host it pings HTTPS and HTTP at once; once one of them has
// answered, the other fails at once.)
type pingOnce struct {
	base    http.RoundTripper
	mu      sync.Mutex
	answers map[string]pingAnswer // by host
	// pinging serializes the pings of one scheme and host, so that
	// repositories read at once share the first answer.
	pinging map[string]*sync.Mutex
}

type pingAnswer struct {
	scheme string
	status int
	header http.Header
}

// RoundTrip implements http.RoundTripper.
func (p *pingOnce) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodGet || req.URL.Path != "/v2/" {
		return p.base.RoundTrip(req)
	}
	key := req.URL.Host
	p.mu.Lock()
	if p.pinging == nil {
		p.pinging = map[string]*sync.Mutex{}
	}
	one := p.pinging[req.URL.Scheme+"://"+key]
	if one == nil {
		one = &sync.Mutex{}
		p.pinging[req.URL.Scheme+"://"+key] = one
	}
	p.mu.Unlock()
	one.Lock()
	defer one.Unlock()
	p.mu.Lock()
	a, ok := p.answers[key]
	p.mu.Unlock()
	if ok {
		if req.Body != nil {
			req.Body.Close()
		}
		if a.scheme != req.URL.Scheme {
			return nil, fmt.Errorf("retention: registry %s answered over %s", key, a.scheme)
		}
		return &http.Response{Status: fmt.Sprintf("%d %s", a.status, http.StatusText(a.status)), StatusCode: a.status,
			Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: a.header.Clone(), Body: http.NoBody, Request: req}, nil
	}
	resp, err := p.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	// Only the answers that say how to authenticate are kept; errors are
	// asked again next time.
	if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusUnauthorized {
		p.mu.Lock()
		p.answers[key] = pingAnswer{scheme: req.URL.Scheme, status: resp.StatusCode, header: resp.Header.Clone()}
		p.mu.Unlock()
	}
	return resp, nil
}

type failingTransport struct{ err error }

func (f failingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		req.Body.Close()
	}
	return nil, f.err
}

// client returns the authenticated client for repository.
func (r *RegistryResolver) client(ctx context.Context, repository string) (*repoClient, error) {
	r.mu.Lock()
	rc, ok := r.repos[repository]
	r.mu.Unlock()
	if ok {
		return rc, nil
	}
	if f, ok := r.base.(failingTransport); ok {
		return nil, f.err
	}
	if r.base == nil {
		return nil, errNoRegistry
	}
	repo := r.reg.Repo(repository)
	var t http.RoundTripper
	err := r.retry(ctx, http.MethodGet, r.reg.Scheme()+"://"+r.reg.RegistryStr()+"/v2/", func() (int, http.Header, error) {
		var err error
		t, err = transport.NewWithContext(ctx, r.reg, r.auth, r.base, []string{repo.Scope(transport.PullScope)})
		var te *transport.Error
		if errors.As(err, &te) {
			var h http.Header
			if te.Request != nil && te.Request.Response != nil {
				h = te.Request.Response.Header
			}
			return te.StatusCode, h, err
		}
		return 0, nil, err
	})
	if err != nil {
		return nil, fmt.Errorf("retention: registry %s: %w", r.reg.Name(), err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if rc, ok := r.repos[repository]; ok {
		return rc, nil
	}
	rc = &repoClient{client: &http.Client{Transport: t}}
	r.repos[repository] = rc
	return rc, nil
}

func (r *RegistryResolver) url(repository, kind, ref string) string {
	return fmt.Sprintf("%s://%s/v2/%s/%s/%s", r.reg.Scheme(), r.reg.RegistryStr(), repository, kind, ref)
}

// manifestTypes are the manifest media types the resolver accepts.
var manifestTypes = strings.Join([]string{
	"application/vnd.oci.image.index.v1+json",
	"application/vnd.docker.distribution.manifest.list.v2+json",
	"application/vnd.oci.image.manifest.v1+json",
	"application/vnd.docker.distribution.manifest.v2+json",
	"application/vnd.docker.distribution.manifest.v1+prettyjws",
	"application/vnd.docker.distribution.manifest.v1+json",
}, ", ")

// RegistryError is a registry's error answer.
type RegistryError struct {
	// Method and URL are the request's.
	Method, URL string
	// StatusCode is the HTTP status.
	StatusCode int
	// Body is the start of the answer's body.
	Body string
}

// Error implements error.
func (e *RegistryError) Error() string {
	msg := fmt.Sprintf("retention: registry %s %s: %d %s", e.Method, e.URL, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Body != "" {
		msg += ": " + e.Body
	}
	return msg
}

// Is makes a 404 match ErrManifestUnknown.
func (e *RegistryError) Is(target error) bool {
	return target == ErrManifestUnknown && e.StatusCode == http.StatusNotFound
}

// do sends one registry request, waiting out rate limits and transient
// failures (see RegistryConfig.MaxRetries), and returns the answer with
// its body (read through a limit); a non-2xx answer is a *RegistryError.
func (r *RegistryResolver) do(ctx context.Context, rc *repoClient, method, u, accept string) (*http.Response, []byte, error) {
	var resp *http.Response
	var body []byte
	err := r.retry(ctx, method, u, func() (int, http.Header, error) {
		var err error
		resp, body, err = r.once(ctx, rc, method, u, accept)
		if resp != nil {
			return resp.StatusCode, resp.Header, err
		}
		return 0, nil, err
	})
	return resp, body, err
}

// retry runs attempt until it succeeds, fails for good, or the waits run
// out; attempt returns the answer's status and header (0 and nil for a
// transport error) and its error. Each attempt holds one of the gate's
// slots.
func (r *RegistryResolver) retry(ctx context.Context, method, u string, attempt func() (int, http.Header, error)) error {
	for n := 1; ; n++ {
		if err := r.gate.acquire(ctx); err != nil {
			return fmt.Errorf("retention: registry %s %s: %w", method, u, err)
		}
		status, header, err := attempt()
		wait, limit, again := registryRetry(status, header, err, n, r.clock.Now())
		r.gate.release(err == nil, limit)
		if err == nil || !again || ctx.Err() != nil {
			return err
		}
		if r.retries < 0 || n > r.retries || !limit && n > min(r.retries, registryTransientRetries) {
			return fmt.Errorf("%w (gave up after %d attempts)", err, n)
		}
		if wait > r.maxWait {
			return fmt.Errorf("%w (the registry asks to wait %s, longer than %s)", err, wait, r.maxWait)
		}
		if r.onWait != nil {
			r.onWait(RegistryWait{Method: method, URL: u, Attempt: n, StatusCode: status, Limit: limit, Wait: wait, Err: err})
		}
		if limit {
			r.gate.hold(r.clock.Now().Add(wait))
		}
		if serr := sleepWithin(ctx, r.clock, wait); serr != nil {
			return fmt.Errorf("%w (while waiting out: %w)", serr, err)
		}
	}
}

// once sends one registry request.
func (r *RegistryResolver) once(ctx context.Context, rc *repoClient, method, u, accept string) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("retention: registry request: %w", err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := rc.client.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("retention: registry %s %s: %w", method, u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return nil, nil, fmt.Errorf("retention: registry %s %s: reading the answer: %w", method, u, err)
	}
	if resp.StatusCode/100 != 2 {
		short := strings.TrimSpace(string(body))
		if len(short) > 200 {
			short = short[:200] + "…"
		}
		return resp, body, &RegistryError{Method: method, URL: u, StatusCode: resp.StatusCode, Body: short}
	}
	return resp, body, nil
}

// Tags implements ManifestResolver: it pages through the tag list, then
// asks the digest of each tag (a HEAD each, a few at a time).
func (r *RegistryResolver) Tags(ctx context.Context, repository string) (map[string]string, error) {
	names, err := r.tagNames(ctx, repository)
	if err != nil {
		return nil, err
	}
	digests := make([]string, len(names))
	err = forEach(ctx, len(names), func(i int) error {
		d, err := r.head(ctx, repository, names[i])
		digests[i] = d // "" when deleted meanwhile
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(names))
	for i, n := range names {
		if digests[i] != "" {
			out[n] = digests[i]
		}
	}
	return out, nil
}

// tagListPage is how many tags a tag-list request asks for: ghcr.io
// answers up to 10,000 at once, so a repository's tags are one request.
const tagListPage = 10000

// tagNames returns repository's tag names, sorted: every page of the tag
// list, and none for a repository the registry does not know.
func (r *RegistryResolver) tagNames(ctx context.Context, repository string) ([]string, error) {
	rc, err := r.client(ctx, repository)
	if err != nil {
		return nil, err
	}
	var names []string
	first := r.url(repository, "tags", "list")
	next := first + "?n=" + strconv.Itoa(tagListPage)
	for seen := map[string]bool{}; next != ""; {
		if seen[next] {
			return nil, fmt.Errorf("retention: registry tag list of %s links back to %s", repository, next)
		}
		seen[next] = true
		resp, body, err := r.do(ctx, rc, http.MethodGet, next, "")
		if err != nil {
			var re *RegistryError
			switch {
			case errors.As(err, &re) && re.StatusCode == http.StatusNotFound && len(names) == 0:
				return []string{}, nil
			case errors.As(err, &re) && re.StatusCode == http.StatusBadRequest && len(names) == 0 && !seen[first]:
				next = first // a registry that refuses so large a page: its own page size
				continue
			}
			return nil, err
		}
		var page struct {
			Tags []string `json:"tags"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			return nil, fmt.Errorf("retention: registry tag list of %s: %w", repository, err)
		}
		names = append(names, page.Tags...)
		next = nextLink(resp, next)
	}
	slices.Sort(names)
	return slices.Compact(names), nil
}

// head returns the digest repository:ref points at, "" when the registry
// has no such manifest. A HEAD that answers no digest (some registries
// and proxies drop Docker-Content-Digest) is followed by a GET, whose body
// is hashed (and kept in the cache, if there is one).
func (r *RegistryResolver) head(ctx context.Context, repository, ref string) (string, error) {
	rc, err := r.client(ctx, repository)
	if err != nil {
		return "", err
	}
	u := r.url(repository, "manifests", url.PathEscape(ref))
	resp, _, err := r.do(ctx, rc, http.MethodHead, u, manifestTypes)
	var re *RegistryError
	if errors.As(err, &re) && re.StatusCode == http.StatusNotFound {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if d := resp.Header.Get("Docker-Content-Digest"); validDigest(d) {
		return d, nil
	}
	resp, body, err := r.do(ctx, rc, http.MethodGet, u, manifestTypes)
	if errors.As(err, &re) && re.StatusCode == http.StatusNotFound {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	d := sha256Hex(body)
	if validDigest(ref) && d != ref {
		return "", fmt.Errorf("retention: registry manifest %s@%s does not match its digest", repository, ref)
	}
	r.remember(d, resp.Header.Get("Content-Type"), body)
	return d, nil
}

// sha256Hex is the "sha256:…" digest of b.
func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// nextLink returns the absolute URL of the Link rel="next" of resp, or "".
func nextLink(resp *http.Response, current string) string {
	for _, link := range resp.Header.Values("Link") {
		for part := range strings.SplitSeq(link, ",") {
			target, params, ok := strings.Cut(strings.TrimSpace(part), ";")
			if !ok || !strings.Contains(strings.ReplaceAll(params, " ", ""), `rel="next"`) {
				continue
			}
			target = strings.Trim(strings.TrimSpace(target), "<>")
			base, err := url.Parse(current)
			if err != nil {
				return ""
			}
			u, err := base.Parse(target)
			if err != nil {
				return ""
			}
			return u.String()
		}
	}
	return ""
}

func validDigest(d string) bool {
	hexPart, ok := strings.CutPrefix(d, "sha256:")
	return ok && len(hexPart) == 64 && isLowerHex(hexPart)
}

func isLowerHex(s string) bool {
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// Manifest implements ManifestResolver.
func (r *RegistryResolver) Manifest(ctx context.Context, repository, digest string) (Manifest, error) {
	if !validDigest(digest) {
		return Manifest{}, fmt.Errorf("retention: %q is not a sha256 digest", digest)
	}
	rc, err := r.client(ctx, repository)
	if err != nil {
		return Manifest{}, err
	}
	resp, body, err := r.do(ctx, rc, http.MethodGet, r.url(repository, "manifests", digest), manifestTypes)
	if err != nil {
		return Manifest{}, err
	}
	if sha256Hex(body) != digest {
		return Manifest{}, fmt.Errorf("retention: registry manifest %s@%s does not match its digest", repository, digest)
	}
	r.remember(digest, resp.Header.Get("Content-Type"), body)
	m, err := parseManifest(body)
	if err != nil {
		return Manifest{}, fmt.Errorf("retention: registry manifest %s@%s: %w", repository, digest, err)
	}
	if m.MediaType == "" {
		m.MediaType = resp.Header.Get("Content-Type")
	}
	return m, nil
}

// remember keeps a manifest read from the registry in the cache, if any.
func (r *RegistryResolver) remember(digest, mediaType string, body []byte) {
	r.cache.put(digest, mediaType, body)
}

// cached returns digest's manifest from the cache, without asking the
// registry whether it still has it.
func (r *RegistryResolver) cached(digest string) (Manifest, bool) {
	return r.cache.get(digest)
}

// exists asks the registry (a HEAD, which is no download) whether it has
// repository@digest.
func (r *RegistryResolver) exists(ctx context.Context, repository, digest string) (bool, error) {
	d, err := r.head(ctx, repository, digest)
	return d != "", err
}

func parseManifest(body []byte) (Manifest, error) {
	var raw struct {
		MediaType string `json:"mediaType"`
		Manifests []struct {
			Digest string `json:"digest"`
		} `json:"manifests"`
		Config  *Blob  `json:"config"`
		Layers  []Blob `json:"layers"`
		Subject *struct {
			Digest string `json:"digest"`
		} `json:"subject"`
		ArtifactType string            `json:"artifactType"`
		Annotations  map[string]string `json:"annotations"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return Manifest{}, err
	}
	m := Manifest{MediaType: raw.MediaType, Placeholder: isPlaceholder(raw.ArtifactType, raw.Annotations),
		Size: int64(len(body)), Blobs: blobsOf(raw.Config, raw.Layers)}
	for _, c := range raw.Manifests {
		m.Children = append(m.Children, c.Digest)
	}
	if raw.Subject != nil {
		m.Subject = raw.Subject.Digest
	}
	return m, nil
}

// Referrers implements ManifestResolver. The first call for a repository
// probes the referrers API; when the registry does not answer it, later
// calls return nil at once.
func (r *RegistryResolver) Referrers(ctx context.Context, repository, digest string) ([]string, error) {
	if !validDigest(digest) {
		return nil, fmt.Errorf("retention: %q is not a sha256 digest", digest)
	}
	rc, err := r.client(ctx, repository)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	state := rc.referrers
	r.mu.Unlock()
	if state == 0 {
		// One probe at a time: the others wait for its answer.
		rc.probe.Lock()
		defer rc.probe.Unlock()
		r.mu.Lock()
		state = rc.referrers
		r.mu.Unlock()
	}
	if state < 0 {
		return nil, nil
	}
	resp, body, err := r.do(ctx, rc, http.MethodGet, r.url(repository, "referrers", digest), "application/vnd.oci.image.index.v1+json")
	var re *RegistryError
	unsupported := errors.As(err, &re) && (re.StatusCode == http.StatusNotFound || re.StatusCode == http.StatusBadRequest ||
		re.StatusCode == http.StatusNotAcceptable || re.StatusCode == http.StatusMethodNotAllowed)
	if err == nil && !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/vnd.oci.image.index.v1+json") {
		unsupported = true
	}
	if unsupported && state == 0 {
		r.mu.Lock()
		rc.referrers = -1
		r.mu.Unlock()
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if unsupported {
		return nil, fmt.Errorf("retention: registry referrers of %s@%s: unexpected answer %s", repository, digest, resp.Header.Get("Content-Type"))
	}
	r.mu.Lock()
	rc.referrers = 1
	r.mu.Unlock()
	m, err := parseManifest(body)
	if err != nil {
		return nil, fmt.Errorf("retention: registry referrers of %s@%s: %w", repository, digest, err)
	}
	return m.Children, nil
}

// lookupConcurrency bounds the lookups in flight at once; a
// *RegistryResolver sends fewer while the registry pushes back (see
// RegistryConfig.MaxRetries).
const lookupConcurrency = registryConcurrencyMax

// forEach calls f(0) … f(n-1), at most lookupConcurrency at a time, and
// returns the first error (the rest are still waited for).
func forEach(ctx context.Context, n int, f func(int) error) error {
	return forEachN(ctx, n, lookupConcurrency, f)
}

// forEachN is forEach with at most limit calls at a time.
func forEachN(ctx context.Context, n, limit int, f func(int) error) error {
	sem := make(chan struct{}, limit)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		if err := ctx.Err(); err != nil {
			errs[i] = err
			break
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			errs[i] = f(i)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// errPlainHTTP is returned for a plain-HTTP request to a non-loopback host.
var errPlainHTTP = errors.New("retention: refusing plain HTTP to a registry that is not on a loopback address (set RegistryConfig.Insecure to allow it)")

// httpsOnly refuses plain-HTTP requests except to loopback hosts, so a
// token is never sent in the clear (go-containerregistry falls back to
// HTTP for private addresses).
type httpsOnly struct{ base http.RoundTripper }

// RoundTrip implements http.RoundTripper.
func (t httpsOnly) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme == "http" && !isLoopback(req.URL.Hostname()) {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, errPlainHTTP
	}
	return t.base.RoundTrip(req)
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
