package retention

import (
	"context"
	"fmt"
	"net/http"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// RegistryConfig says how to reach a container registry.
type RegistryConfig struct {
	// Host is the registry host, "ghcr.io" when empty (GHES:
	// "containers.HOST"). A loopback host ("127.0.0.1:5000") is spoken to
	// over plain HTTP.
	Host string
	// Username and Token authenticate (for ghcr.io any username works with
	// a token that has read:packages). Empty Token means anonymous, which
	// reads public images.
	Username, Token string
	// Transport, if set, carries the registry requests.
	Transport http.RoundTripper
	// Insecure allows plain HTTP to a host that is not loopback.
	Insecure bool
}

// registryResolver reads manifests through the OCI distribution API with
// go-containerregistry, which handles the registry's token handshake and
// the OCI index and Docker manifest-list media types.
type registryResolver struct {
	host     string
	remote   []remote.Option
	nameOpts []name.Option
}

// NewRegistryResolver returns a ManifestResolver for the registry cfg names.
func NewRegistryResolver(cfg RegistryConfig) ManifestResolver {
	r := &registryResolver{host: cfg.Host}
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
	if cfg.Transport != nil {
		r.remote = append(r.remote, remote.WithTransport(cfg.Transport))
	}
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
	desc, err := remote.Get(ref, append([]remote.Option{remote.WithContext(ctx)}, r.remote...)...)
	if err != nil {
		return nil, fmt.Errorf("retention: reading manifest %s: %w", ref, err)
	}
	if !desc.MediaType.IsIndex() {
		return nil, nil
	}
	idx, err := desc.ImageIndex()
	if err != nil {
		return nil, fmt.Errorf("retention: reading index %s: %w", ref, err)
	}
	m, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("retention: reading index %s: %w", ref, err)
	}
	out := make([]string, 0, len(m.Manifests))
	for _, c := range m.Manifests {
		out = append(out, c.Digest.String())
	}
	return out, nil
}
