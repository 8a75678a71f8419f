package retention

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// ManifestResolver reads container manifests from the registry, to find
// which untagged versions a kept image still needs. NewRegistryResolver
// returns the implementation over the OCI distribution API; tests can
// substitute their own.
type ManifestResolver interface {
	// Children returns the digests of the manifests that the manifest
	// repository@digest references: the per-platform manifests and
	// attestation manifests of an image index or manifest list (and, if
	// the resolver asks the referrers API, the manifests that name it as
	// their subject). A plain image manifest has none. repository is
	// "owner/package", lower-case. An error makes the planner keep every
	// untagged version of the package.
	Children(ctx context.Context, repository, digest string) ([]string, error)
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
	// Referrers also asks the OCI referrers API (GET /v2/…/referrers/…,
	// falling back to the "sha256-<hex>" tag schema) for the manifests
	// that name each kept manifest as their subject, and keeps those too.
	// It costs one or two more requests per kept version; ghcr.io keeps
	// signatures and attestations as tags, which are handled without it.
	Referrers bool
}

// registryResolver reads manifests through the OCI distribution API with
// go-containerregistry, which handles the registry's token handshake and
// the OCI index and Docker manifest-list media types.
type registryResolver struct {
	host      string
	remote    []remote.Option
	nameOpts  []name.Option
	referrers bool
}

// NewRegistryResolver returns a ManifestResolver for the registry cfg names.
func NewRegistryResolver(cfg RegistryConfig) ManifestResolver {
	r := &registryResolver{host: cfg.Host, referrers: cfg.Referrers}
	if r.host == "" {
		r.host = "ghcr.io"
	}
	if cfg.Token != "" {
		user := cfg.Username
		if user == "" {
			user = "ghpackages"
		}
		r.remote = append(r.remote, remote.WithAuth(&authn.Basic{Username: user, Password: cfg.Token}))
	}
	base := cfg.Transport
	if base == nil {
		base = remote.DefaultTransport
	}
	if !cfg.Insecure {
		base = httpsOnly{base}
	}
	r.remote = append(r.remote, remote.WithTransport(base))
	if cfg.Insecure {
		r.nameOpts = append(r.nameOpts, name.Insecure)
	}
	return r
}

// Children returns the manifests an index or manifest list references.
func (r *registryResolver) Children(ctx context.Context, repository, digest string) ([]string, error) {
	ref, err := name.NewDigest(r.host+"/"+repository+"@"+digest, r.nameOpts...)
	if err != nil {
		return nil, fmt.Errorf("retention: manifest reference: %w", err)
	}
	opts := append([]remote.Option{remote.WithContext(ctx)}, r.remote...)
	desc, err := remote.Get(ref, opts...)
	if err != nil {
		return nil, fmt.Errorf("retention: reading manifest %s: %w", ref, err)
	}
	var out []string
	if desc.MediaType.IsIndex() {
		idx, err := desc.ImageIndex()
		if err != nil {
			return nil, fmt.Errorf("retention: reading index %s: %w", ref, err)
		}
		m, err := idx.IndexManifest()
		if err != nil {
			return nil, fmt.Errorf("retention: reading index %s: %w", ref, err)
		}
		for _, c := range m.Manifests {
			out = append(out, c.Digest.String())
		}
	}
	if r.referrers {
		idx, err := remote.Referrers(ref, opts...)
		if err != nil {
			return nil, fmt.Errorf("retention: reading referrers of %s: %w", ref, err)
		}
		m, err := idx.IndexManifest()
		if err != nil {
			return nil, fmt.Errorf("retention: reading referrers of %s: %w", ref, err)
		}
		for _, c := range m.Manifests {
			out = append(out, c.Digest.String())
		}
	}
	return out, nil
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
