package ghpackagestest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
)

// The images the Server makes for ImageSpec versions and the demo are
// small, deterministic OCI artifacts written here with the standard
// library, so that this package needs no container-registry dependency:
// an image is a config and three layers (see layers.go) under an OCI
// image manifest; a multi-arch image is an OCI image index of such
// manifests. They are
// pushed through the OCI distribution API to the registry storage of
// WithRegistry.

// OCI media types of the generated images.
const (
	mediaTypeIndex    = "application/vnd.oci.image.index.v1+json"
	mediaTypeManifest = "application/vnd.oci.image.manifest.v1+json"
	mediaTypeConfig   = "application/vnd.oci.image.config.v1+json"
	mediaTypeLayer    = "application/vnd.oci.image.layer.v1.tar"
)

// ociPlatform is an OCI platform ("linux/arm/v7").
type ociPlatform struct {
	Architecture string `json:"architecture"`
	OS           string `json:"os"`
	Variant      string `json:"variant,omitempty"`
}

// parsePlatform reads "os/arch[/variant]".
func parsePlatform(s string) (ociPlatform, error) {
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 || slices.ContainsFunc(parts, func(p string) bool { return p == "" || strings.ContainsAny(p, " \t:@") }) {
		return ociPlatform{}, fmt.Errorf("%q is not a platform like linux/amd64", s)
	}
	p := ociPlatform{OS: parts[0], Architecture: parts[1]}
	if len(parts) == 3 {
		p.Variant = parts[2]
	}
	return p, nil
}

// ociDescriptor points at a blob or manifest.
type ociDescriptor struct {
	MediaType string       `json:"mediaType"`
	Digest    string       `json:"digest"`
	Size      int64        `json:"size"`
	Platform  *ociPlatform `json:"platform,omitempty"`
}

// ociObject is a manifest or index ready to push: its own bytes, and the
// blobs and child manifests it needs to be whole.
type ociObject struct {
	mediaType string
	body      []byte
	blobs     [][]byte
	children  []*ociObject
}

// digest is the object's content digest, "sha256:…".
func (o *ociObject) digest() string { return sha256Digest(o.body) }

func (o *ociObject) descriptor() ociDescriptor {
	return ociDescriptor{MediaType: o.mediaType, Digest: o.digest(), Size: int64(len(o.body))}
}

func sha256Digest(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// platformImage builds a small deterministic image for platform: a
// config and three layers (see imageLayers), the last of them made from
// the seed and the platform, so images of different seeds or platforms
// differ while images of one platform share their base layers.
func platformImage(seed, platform string) (*ociObject, error) {
	p, err := parsePlatform(platform)
	if err != nil {
		return nil, err
	}
	layers := imageLayers(seed, platform)
	diffIDs := make([]string, len(layers))
	descs := make([]ociDescriptor, len(layers))
	for i, l := range layers {
		diffIDs[i] = sha256Digest(l)
		descs[i] = ociDescriptor{MediaType: mediaTypeLayer, Digest: diffIDs[i], Size: int64(len(l))}
	}
	cfg := map[string]any{"architecture": p.Architecture, "os": p.OS,
		"config": map[string]any{"Labels": map[string]string{"org.opencontainers.image.description": seed}},
		"rootfs": map[string]any{"type": "layers", "diff_ids": diffIDs}}
	if p.Variant != "" {
		cfg["variant"] = p.Variant
	}
	config, err := json.Marshal(cfg) // maps marshal with sorted keys: deterministic
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(struct {
		SchemaVersion int             `json:"schemaVersion"`
		MediaType     string          `json:"mediaType"`
		Config        ociDescriptor   `json:"config"`
		Layers        []ociDescriptor `json:"layers"`
	}{2, mediaTypeManifest,
		ociDescriptor{MediaType: mediaTypeConfig, Digest: sha256Digest(config), Size: int64(len(config))}, descs})
	if err != nil {
		return nil, err
	}
	return &ociObject{mediaType: mediaTypeManifest, body: body, blobs: append([][]byte{config}, layers...)}, nil
}

// imageIndex builds an OCI image index of imgs, the images of platforms.
func imageIndex(imgs []*ociObject, platforms []string) (*ociObject, error) {
	manifests := make([]ociDescriptor, len(imgs))
	for i, img := range imgs {
		p, err := parsePlatform(platforms[i])
		if err != nil {
			return nil, err
		}
		manifests[i] = img.descriptor()
		manifests[i].Platform = &p
	}
	body, err := json.Marshal(struct {
		SchemaVersion int             `json:"schemaVersion"`
		MediaType     string          `json:"mediaType"`
		Manifests     []ociDescriptor `json:"manifests"`
	}{2, mediaTypeIndex, manifests})
	if err != nil {
		return nil, err
	}
	return &ociObject{mediaType: mediaTypeIndex, body: body, children: imgs}, nil
}

// push writes obj, with its blobs and children, to the registry storage
// under repo, by digest and by each tag. It does nothing without a
// registry. Pushes go straight to the storage handler: they are the
// server's own seed data, not requests to the fake.
func (s *Server) push(repo string, obj *ociObject, tags []string) error {
	if s.storage == nil {
		return nil
	}
	for _, c := range obj.children {
		if err := s.push(repo, c, nil); err != nil {
			return err
		}
	}
	for _, b := range obj.blobs {
		if err := s.pushBlob(repo, b); err != nil {
			return err
		}
	}
	for _, ref := range append([]string{obj.digest()}, tags...) {
		req := httptest.NewRequest(http.MethodPut, "/v2/"+repo+"/manifests/"+ref, bytes.NewReader(obj.body))
		req.Header.Set("Content-Type", obj.mediaType)
		if err := s.storageCall(req, http.StatusCreated); err != nil {
			return fmt.Errorf("pushing manifest %s:%s: %w", repo, ref, err)
		}
	}
	return nil
}

// pushBlob uploads b to repo in one POST and one PUT, the monolithic
// upload every OCI distribution registry supports.
func (s *Server) pushBlob(repo string, b []byte) error {
	rec := httptest.NewRecorder()
	s.storage.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/v2/"+repo+"/blobs/uploads/", http.NoBody))
	if rec.Code != http.StatusAccepted {
		return fmt.Errorf("starting a blob upload to %s: %d %s", repo, rec.Code, strings.TrimSpace(rec.Body.String()))
	}
	loc, err := url.Parse(rec.Header().Get("Location"))
	if err != nil {
		return fmt.Errorf("blob upload location: %w", err)
	}
	q := loc.Query()
	q.Set("digest", sha256Digest(b))
	loc.RawQuery = q.Encode()
	req := httptest.NewRequest(http.MethodPut, loc.RequestURI(), bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/octet-stream")
	if err := s.storageCall(req, http.StatusCreated); err != nil {
		return fmt.Errorf("uploading a blob to %s: %w", repo, err)
	}
	return nil
}

// storageCall serves req with the registry storage and wants status.
func (s *Server) storageCall(req *http.Request, status int) error {
	rec := httptest.NewRecorder()
	s.storage.ServeHTTP(rec, req)
	if rec.Code != status {
		body, _ := io.ReadAll(io.LimitReader(rec.Body, 512))
		return fmt.Errorf("%s %s: %d %s", req.Method, req.URL.Path, rec.Code, strings.TrimSpace(string(body)))
	}
	return nil
}
