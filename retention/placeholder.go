package retention

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// Removing one tag. ghcr.io refuses tag deletion through the registry
// (405), and deleting a package version through the REST API removes all
// its tags. So a tag is removed by pushing a small placeholder manifest
// under it, which moves the tag off the real image onto the placeholder's
// own package version, and then deleting that version. Every tag removed
// from a package in one run shares one placeholder: one push per tag, one
// delete.
//
// The placeholder is an OCI 1.1 artifact whose config and one layer are
// the empty descriptor ("{}"), with PlaceholderArtifactType and the
// PlaceholderAnnotation, so a placeholder left behind by a run stopped
// between the push and the delete is recognisable: NewPlan plans its
// deletion, Verify reports the tags on it.

// Placeholder markers: a manifest with this artifactType and annotation is
// an untag placeholder.
const (
	// PlaceholderArtifactType is the placeholder manifest's artifactType.
	PlaceholderArtifactType = "application/vnd.ghpackages.untag-placeholder.v1"
	// PlaceholderAnnotation is the annotation key that marks a
	// placeholder manifest.
	PlaceholderAnnotation = "com.github.ghpackages.untag"
)

const (
	emptyMediaType = "application/vnd.oci.empty.v1+json"
	ociManifest    = "application/vnd.oci.image.manifest.v1+json"
)

// emptyBlob is the OCI empty descriptor's content.
var emptyBlob = []byte("{}")

// placeholderBody is the placeholder manifest, byte for byte: the same in
// every repository and run, so that tags moved to it by a run that
// stopped and by the next one share one version.
var placeholderBody = func() []byte {
	empty := map[string]any{"mediaType": emptyMediaType, "digest": digestOf(emptyBlob), "size": len(emptyBlob)}
	b, err := json.Marshal(map[string]any{ // maps marshal with sorted keys
		"schemaVersion": 2,
		"mediaType":     ociManifest,
		"artifactType":  PlaceholderArtifactType,
		"config":        empty,
		"layers":        []any{empty},
		"annotations": map[string]string{
			PlaceholderAnnotation: "placeholder",
			"org.opencontainers.image.description": "Pushed by ghpkg untag to remove the tags it carries; its package version is deleted right after. " +
				"If it is still here, an untag was interrupted: run 'ghpkg prune' or 'ghpkg untag' again to finish it.",
		},
	})
	if err != nil {
		panic(err)
	}
	return b
}()

// PlaceholderDigest returns the digest of the placeholder manifest that
// untag steps push.
func PlaceholderDigest() string { return digestOf(placeholderBody) }

func digestOf(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// isPlaceholder reports whether a manifest body is an untag placeholder.
func isPlaceholder(artifactType string, annotations map[string]string) bool {
	_, ok := annotations[PlaceholderAnnotation]
	return artifactType == PlaceholderArtifactType && ok
}

// TagMover moves tags in a container registry: Apply needs it to remove
// tags (PushPlaceholder), Restore to put them back (Retag). The resolver
// NewRegistryResolver returns implements it; pass it with WithResolver.
// A push needs a token that may write the package (write:packages for a
// classic token).
type TagMover interface {
	// PushPlaceholder pushes the placeholder manifest (PlaceholderDigest)
	// to repository under tag, with the blob it needs, moving tag there.
	PushPlaceholder(ctx context.Context, repository, tag string) error
	// Retag points tag at the manifest digest of repository, which must be
	// there: it pushes that manifest's own bytes under tag.
	Retag(ctx context.Context, repository, tag, digest string) error
}

// ErrNoTagMover is returned by Apply for a plan that removes tags, and by
// Restore for a report that did, when the resolver given with
// WithResolver cannot push (it does not implement TagMover).
var ErrNoTagMover = errors.New("retention: the plan removes tags; pass WithResolver a resolver that can push (a TagMover, such as NewRegistryResolver's)")

// tagName is a valid OCI tag.
var tagName = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$`)

// ValidTag reports whether s is a valid tag: up to 128 letters, digits,
// "_", "." and "-", not starting with "." or "-".
func ValidTag(s string) bool { return tagName.MatchString(s) }

// pushClient returns the client for repository authorized to push.
func (r *RegistryResolver) pushClient(ctx context.Context, repository string) (*http.Client, error) {
	rc, err := r.client(ctx, repository)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	c := rc.push
	r.mu.Unlock()
	if c != nil {
		return c, nil
	}
	repo := r.reg.Repo(repository)
	t, err := transport.NewWithContext(ctx, r.reg, r.auth, r.base, []string{repo.Scope(transport.PushScope)})
	if err != nil {
		return nil, fmt.Errorf("retention: registry %s: authenticating to push: %w", r.reg.Name(), err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if rc.push == nil {
		rc.push = &http.Client{Transport: t}
	}
	return rc.push, nil
}

// PushPlaceholder implements TagMover.
func (r *RegistryResolver) PushPlaceholder(ctx context.Context, repository, tag string) error {
	if !ValidTag(tag) {
		return fmt.Errorf("retention: %q is not a valid tag", tag)
	}
	c, err := r.pushClient(ctx, repository)
	if err != nil {
		return err
	}
	if err := r.uploadBlob(ctx, c, repository, emptyBlob); err != nil {
		return err
	}
	return r.putManifest(ctx, c, repository, tag, ociManifest, placeholderBody)
}

// Retag implements TagMover.
func (r *RegistryResolver) Retag(ctx context.Context, repository, tag, digest string) error {
	if !ValidTag(tag) {
		return fmt.Errorf("retention: %q is not a valid tag", tag)
	}
	if !validDigest(digest) {
		return fmt.Errorf("retention: %q is not a sha256 digest", digest)
	}
	rc, err := r.client(ctx, repository)
	if err != nil {
		return err
	}
	resp, body, err := r.do(ctx, rc, http.MethodGet, r.url(repository, "manifests", digest), manifestTypes)
	if err != nil {
		return err
	}
	if digestOf(body) != digest {
		return fmt.Errorf("retention: registry manifest %s@%s does not match its digest", repository, digest)
	}
	mediaType := resp.Header.Get("Content-Type")
	if m, err := parseManifest(body); err == nil && m.MediaType != "" {
		mediaType = m.MediaType
	}
	c, err := r.pushClient(ctx, repository)
	if err != nil {
		return err
	}
	return r.putManifest(ctx, c, repository, tag, mediaType, body)
}

// send sends one request and returns the answer's status and headers, or
// a *RegistryError for one outside want.
func (r *RegistryResolver) send(c *http.Client, req *http.Request, want ...int) (*http.Response, error) {
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("retention: registry %s %s: %w", req.Method, redact(req.URL), err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	for _, w := range want {
		if resp.StatusCode == w {
			return resp, nil
		}
	}
	short := strings.TrimSpace(string(body))
	if len(short) > 200 {
		short = short[:200] + "…"
	}
	return resp, &RegistryError{Method: req.Method, URL: redact(req.URL), StatusCode: resp.StatusCode, Body: short}
}

// redact drops the query (an upload's state) from a URL for errors.
func redact(u *url.URL) string {
	c := *u
	c.RawQuery, c.User = "", nil
	return c.String()
}

// uploadBlob uploads b to repository unless it is there: a HEAD, then the
// monolithic POST-then-PUT upload every OCI registry supports.
func (r *RegistryResolver) uploadBlob(ctx context.Context, c *http.Client, repository string, b []byte) error {
	d := digestOf(b)
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, r.url(repository, "blobs", d), nil)
	if err != nil {
		return err
	}
	if resp, err := r.send(c, req, http.StatusOK); err == nil {
		return nil
	} else if resp == nil || resp.StatusCode != http.StatusNotFound {
		return err
	}
	req, err = http.NewRequestWithContext(ctx, http.MethodPost, r.url(repository, "blobs", "uploads/"), nil)
	if err != nil {
		return err
	}
	resp, err := r.send(c, req, http.StatusAccepted)
	if err != nil {
		return err
	}
	loc, err := req.URL.Parse(resp.Header.Get("Location"))
	if err != nil || resp.Header.Get("Location") == "" {
		return fmt.Errorf("retention: registry %s: blob upload answered no Location", r.reg.Name())
	}
	q := loc.Query()
	q.Set("digest", d)
	loc.RawQuery = q.Encode()
	req, err = http.NewRequestWithContext(ctx, http.MethodPut, loc.String(), bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	_, err = r.send(c, req, http.StatusCreated)
	return err
}

// putManifest pushes body under ref.
func (r *RegistryResolver) putManifest(ctx context.Context, c *http.Client, repository, ref, mediaType string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, r.url(repository, "manifests", url.PathEscape(ref)), bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", mediaType)
	resp, err := r.send(c, req, http.StatusCreated, http.StatusOK)
	if err != nil {
		return err
	}
	if got := resp.Header.Get("Docker-Content-Digest"); got != "" && got != digestOf(body) {
		return fmt.Errorf("retention: registry %s stored %s:%s as %s, not %s", r.reg.Name(), repository, ref, got, digestOf(body))
	}
	return nil
}
