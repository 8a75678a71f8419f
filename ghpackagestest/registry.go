package ghpackagestest

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"

	ghpackages "github.com/ghpackages/ghpackages-go"
)

// WithRegistry puts a container registry on the Server's own host and
// port, as ghcr.io beside api.github.com: storage is an OCI distribution
// registry (for example go-containerregistry's pkg/registry, which package
// ghcrtest wires in) that keeps the blobs and manifests, and the Server
// fronts it with ghcr.io's behaviour. It answers at /v2/ and on any host
// name starting with "containers." (GitHub Enterprise Server's registry
// host). Container versions added with an ImageSpec, and the demo's
// container versions (WithDemo), are real images pushed to it under
// "owner/package", lower-case, so a version's name is the digest of a
// manifest the registry serves.
//
// The front follows the REST state as ghcr.io does: a deleted version's
// manifest and tags answer 404 MANIFEST_UNKNOWN (and come back when the
// version is restored), a tag resolves to the active version carrying it,
// and manifest DELETE is refused with 405 (deletion goes through the REST
// API). It authenticates as ghcr.io does: requests without a credential
// get 401 with a Bearer challenge naming GET /token on the same host,
// which trades Basic credentials (any user, an API token as password), or
// none, for a registry token; an API token is also accepted directly as
// Basic password or Bearer token. Public packages' images are readable
// anonymously; private ones need what the REST API needs to read them
// (403 DENIED otherwise). Pushing a manifest (a classic token needs
// write:packages) records it as ghcr.io does: a new repository creates a
// private container package of the path's first segment, each manifest
// digest becomes a version, and a pushed tag moves to it from any other
// version; the tag list leaves out tags only deleted versions carry.
//
// A Server has one registry: the last WithRegistry or WithRawRegistry
// given, so a test helper's default can be overridden by its caller's. A
// nil storage is invalid.
func WithRegistry(storage http.Handler) Option {
	return func(s *Server) {
		if storage == nil {
			s.invalid("WithRegistry: nil storage")
			return
		}
		s.storage, s.raw = storage, nil
	}
}

// WithRawRegistry serves the registry paths (/v2/, and every path on a
// "containers." host) with h as it is, where WithRegistry would put
// ghcr.io's front before a storage: no authentication, no REST state, no
// generated images, pushes not recorded as versions. It is for tests that
// bring a registry with behaviour of their own (faults, request counts,
// another API version) but want it on the API's host, where ghpkg and
// retention look for it by default. It replaces an earlier WithRegistry
// (the last registry option given wins). A nil h is invalid.
func WithRawRegistry(h http.Handler) Option {
	return func(s *Server) {
		if h == nil {
			s.invalid("WithRawRegistry: nil handler")
			return
		}
		s.raw, s.storage = h, nil
	}
}

// ImageSpec makes AddVersion generate a container image, push it to the
// registry of WithRegistry (when the server has one), and name the
// version after its digest.
type ImageSpec struct {
	// Platforms, if set, makes the version a multi-arch OCI image index
	// with one image per platform ("linux/amd64", "linux/arm/v7"). Each
	// platform image is added first as an untagged version of the same
	// package, created at the version's CreatedAt, as a build pushes it.
	// Empty makes a plain single-platform image.
	Platforms []string
	// Platform is the plain image's platform, "linux/amd64" when empty.
	Platform string
	// Seed makes the content, and so the digest, distinct: images with the
	// same seed and platforms are identical. It defaults to the package
	// and the version's position in it.
	Seed string
}

// repository is the registry repository of a package: "owner/name",
// lower-case.
func repository(owner, pkgName string) string { return lower(owner + "/" + pkgName) }

// startRegistry puts the ghcr.io front before the storage of WithRegistry,
// or serves WithRawRegistry's handler as it is.
func (s *Server) startRegistry() {
	switch {
	case s.storage != nil:
		s.registry = http.HandlerFunc(s.serveRegistry)
	case s.raw != nil:
		s.registry = s.raw
	}
}

// isRegistryRequest reports whether r is for the registry: a /v2/ path,
// or any path on a "containers." host.
func (s *Server) isRegistryRequest(r *http.Request) bool {
	if s.registry == nil {
		return false
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if strings.HasPrefix(lower(host), "containers.") {
		return true
	}
	if s.storage != nil && r.URL.Path == "/token" {
		return true
	}
	return r.URL.Path == "/v2" || strings.HasPrefix(r.URL.Path, "/v2/")
}

// serveRegistry fronts the built-in registry with ghcr.io's behaviour: the
// REST state decides which manifests and tags exist.
func (s *Server) serveRegistry(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/token" {
		s.serveRegistryToken(w, r)
		return
	}
	if !s.registryAuthorized(w, r) {
		return
	}
	if repo, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/v2/"), "/tags/list"); ok && r.Method == http.MethodGet {
		s.serveTags(w, r, repo)
		return
	}
	repo, ref, ok := manifestPath(r.URL.Path)
	if !ok {
		s.storage.ServeHTTP(w, r)
		return
	}
	if r.Method == http.MethodPut {
		s.servePush(w, r, repo, ref)
		return
	}
	if r.Method == http.MethodDelete {
		registryError(w, http.StatusMethodNotAllowed, "UNSUPPORTED", "manifest deletion is not supported: delete the package version through the REST API")
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		s.storage.ServeHTTP(w, r)
		return
	}
	s.mu.Lock()
	target, hidden := s.resolveManifest(repo, ref)
	s.mu.Unlock()
	if hidden {
		registryError(w, http.StatusNotFound, "MANIFEST_UNKNOWN", "manifest unknown")
		return
	}
	if target != ref {
		r = r.Clone(r.Context())
		r.URL.Path, r.URL.RawPath = "/v2/"+repo+"/manifests/"+target, ""
	}
	s.storage.ServeHTTP(w, r)
}

// manifestPath splits "/v2/REPO/manifests/REF".
func manifestPath(p string) (repo, ref string, ok bool) {
	rest, ok := strings.CutPrefix(p, "/v2/")
	if !ok {
		return "", "", false
	}
	i := strings.LastIndex(rest, "/manifests/")
	if i <= 0 {
		return "", "", false
	}
	return rest[:i], rest[i+len("/manifests/"):], true
}

// resolveManifest maps a manifest reference of a package the server knows
// to the digest the registry should serve, or says the manifest is gone
// (its version deleted, or its tag on no active version). References to
// repositories or digests the REST state does not know pass through.
func (s *Server) resolveManifest(repo, ref string) (target string, hidden bool) {
	var known []*pkg
	for _, p := range s.packages {
		if (p.typ == ghpackages.Container || p.typ == ghpackages.Docker) && repository(p.owner.login, p.name) == repo {
			known = append(known, p)
		}
	}
	if len(known) == 0 {
		return ref, false
	}
	seen := false
	for _, p := range known {
		for _, v := range p.versions {
			match := v.name == ref
			if !strings.HasPrefix(ref, "sha256:") {
				match = false
				for _, t := range v.tags {
					match = match || t == ref
				}
			}
			if !match {
				continue
			}
			if v.deletedAt == nil && p.deletedAt == nil {
				return v.name, false
			}
			seen = true
		}
	}
	return ref, seen
}

func registryError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]string{{"code": code, "message": msg}}})
}

// Registry authentication, as ghcr.io does it: every request needs a
// credential, answered otherwise with 401 and a Bearer challenge naming
// the token endpoint (GET /token on the same host), which exchanges Basic
// credentials (any user name, an API token as password) or none (an
// anonymous token) for a registry token. An API token is also accepted
// directly, as Basic password or Bearer token, for plain HTTP clients.
// Reading a private package's repository needs what reading it through the
// REST API needs (read:packages for a classic token; an Actions token's
// repository must reach it); public ones are readable anonymously.

// serveRegistryToken issues a registry token.
func (s *Server) serveRegistryToken(w http.ResponseWriter, r *http.Request) {
	api := ""
	if _, pass, ok := r.BasicAuth(); ok {
		s.mu.Lock()
		_, known := s.tokens[pass]
		s.mu.Unlock()
		if !known {
			registryError(w, http.StatusUnauthorized, "UNAUTHORIZED", "authentication required")
			return
		}
		api = pass
	}
	s.mu.Lock()
	s.regSerial++
	tok := fmt.Sprintf("fakereg_%08x", s.regSerial)
	if s.regTokens == nil {
		s.regTokens = map[string]string{}
	}
	s.regTokens[tok] = api
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"token": tok, "access_token": tok, "expires_in": 300})
}

// registryCredential resolves r's credential to an API token ("" for an
// anonymous registry token). present is false without a credential, known
// false for one the server did not issue or accept; s.mu is held.
func (s *Server) registryCredential(r *http.Request) (api string, present, known bool) {
	if _, pass, ok := r.BasicAuth(); ok {
		_, known = s.tokens[pass]
		return pass, true, known
	}
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "bearer") {
		return "", false, false
	}
	tok = strings.TrimSpace(tok)
	if api, ok := s.regTokens[tok]; ok {
		return api, true, true
	}
	_, known = s.tokens[tok]
	return tok, true, known
}

// registryAuthorized answers 401 or 403 and reports false when r may not
// proceed.
func (s *Server) registryAuthorized(w http.ResponseWriter, r *http.Request) bool {
	repo := registryRepo(r.URL.Path)
	s.mu.Lock()
	api, present, known := s.registryCredential(r)
	mayRead := known && s.registryMayRead(api, repo)
	s.mu.Unlock()
	write := r.Method != http.MethodGet && r.Method != http.MethodHead
	switch {
	case !present || !known || (api == "" && (write || !mayRead)):
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		challenge := fmt.Sprintf(`Bearer realm="%s://%s/token",service="%s"`, scheme, r.Host, r.Host)
		if repo != "" {
			action := "pull"
			if write {
				action = "pull,push"
			}
			challenge += fmt.Sprintf(`,scope="repository:%s:%s"`, repo, action)
		}
		w.Header().Set("WWW-Authenticate", challenge)
		registryError(w, http.StatusUnauthorized, "UNAUTHORIZED", "authentication required")
		return false
	case !mayRead || (write && !s.registryMayWrite(api)):
		registryError(w, http.StatusForbidden, "DENIED", "permission_denied: The token provided does not match expected scopes.")
		return false
	}
	return true
}

// registryMayWrite reports whether the API token api may push: a classic
// token needs write:packages; fine-grained and workflow tokens may.
func (s *Server) registryMayWrite(api string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[api]
	if !ok {
		return false
	}
	if t.FineGrained || t.actions() {
		return true
	}
	return len(ghpackages.MissingScopes(t.Scopes, []ghpackages.Scope{ghpackages.ScopeWritePackages})) == 0
}

// servePush stores a pushed manifest and records it as GitHub does: the
// package is created if new (private, owned by the path's first segment),
// the digest becomes a version, and a tag moves to it from any other
// version.
func (s *Server) servePush(w http.ResponseWriter, r *http.Request, repo, ref string) {
	rec := httptest.NewRecorder()
	s.storage.ServeHTTP(rec, r)
	digest := rec.Header().Get("Docker-Content-Digest")
	if rec.Code == http.StatusCreated && digest != "" {
		s.mu.Lock()
		s.recordPush(repo, ref, digest)
		s.mu.Unlock()
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes())
}

// recordPush adds a pushed manifest to the REST state; s.mu is held.
func (s *Server) recordPush(repo, ref, digest string) {
	var p *pkg
	for _, c := range s.packages {
		if c.typ == ghpackages.Container && c.deletedAt == nil && repository(c.owner.login, c.name) == repo {
			p = c
		}
	}
	if p == nil {
		ownerLogin, name, ok := strings.Cut(repo, "/")
		if !ok {
			return
		}
		now := s.now()
		s.nextID++
		p = &pkg{id: s.nextID, owner: s.ensureOwner(ownerLogin, true), typ: ghpackages.Container, name: name,
			visibility: ghpackages.VisibilityPrivate, created: now, updated: now}
		s.packages = append(s.packages, p)
	}
	var v *version
	for _, a := range p.versions {
		if a.deletedAt == nil && a.name == digest {
			v = a
		}
	}
	now := s.now()
	if v == nil {
		s.addVersion(p, VersionSpec{Name: digest})
		v = p.versions[len(p.versions)-1]
		if s.listingLag > 0 {
			v.listedAt = now.Add(s.listingLag)
		}
	}
	if ref == digest || strings.HasPrefix(ref, "sha256:") {
		return
	}
	for _, a := range p.versions {
		if a != v && a.deletedAt == nil && slices.Contains(a.tags, ref) {
			a.setTags(slices.DeleteFunc(slices.Clone(a.tags), func(t string) bool { return t == ref }), now, s.listingLag)
		}
	}
	if !slices.Contains(v.tags, ref) {
		v.setTags(append(slices.Clone(v.tags), ref), now, s.listingLag)
		v.updated = now
	}
}

// serveTags lists a repository's tags, without those only deleted
// versions carried, in lexical order, paginated as the OCI distribution
// API says and ghcr.io does: "n" caps a page, "last" starts after that
// tag, and a Link header (rel="next") names the next page when there is
// one.
func (s *Server) serveTags(w http.ResponseWriter, r *http.Request, repo string) {
	q := r.URL.Query()
	n := -1
	if v := q.Get("n"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 0 {
			registryError(w, http.StatusBadRequest, "PAGINATION_NUMBER_INVALID", "invalid number of results requested")
			return
		}
	}
	last := q.Get("last")
	full := r.Clone(r.Context())
	full.URL.RawQuery = ""
	rec := httptest.NewRecorder()
	s.storage.ServeHTTP(rec, full)
	var list struct {
		Name string   `json:"name"`
		Tags []string `json:"tags"`
	}
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &list) != nil {
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
		return
	}
	s.mu.Lock()
	hidden := s.hiddenTags(repo)
	s.mu.Unlock()
	list.Tags = slices.DeleteFunc(list.Tags, func(tag string) bool { return hidden[tag] })
	slices.Sort(list.Tags)
	if last != "" {
		i, _ := slices.BinarySearch(list.Tags, last)
		for i < len(list.Tags) && list.Tags[i] <= last {
			i++
		}
		list.Tags = list.Tags[i:]
	}
	if n >= 0 && n < len(list.Tags) {
		list.Tags = list.Tags[:n]
		next := url.Values{"n": {strconv.Itoa(n)}, "last": {list.Tags[len(list.Tags)-1]}}
		w.Header().Set("Link", fmt.Sprintf(`</v2/%s/tags/list?%s>; rel="next"`, repo, next.Encode()))
	}
	if list.Tags == nil {
		list.Tags = []string{}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(list)
}

// hiddenTags returns the tags of repo that only deleted versions (or
// versions of deleted packages) carry: what resolveManifest hides, for
// every tag at once; s.mu is held.
func (s *Server) hiddenTags(repo string) map[string]bool {
	active, seen := map[string]bool{}, map[string]bool{}
	for _, p := range s.packages {
		if (p.typ != ghpackages.Container && p.typ != ghpackages.Docker) || repository(p.owner.login, p.name) != repo {
			continue
		}
		for _, v := range p.versions {
			for _, t := range v.tags {
				seen[t] = true
				if v.deletedAt == nil && p.deletedAt == nil {
					active[t] = true
				}
			}
		}
	}
	hidden := map[string]bool{}
	for t := range seen {
		if !active[t] {
			hidden[t] = true
		}
	}
	return hidden
}

// registryMayRead reports whether the API token api ("" anonymous) may
// read repo: repositories of no known package, public packages, or what
// the token may read through the REST API; s.mu is held.
func (s *Server) registryMayRead(api, repo string) bool {
	var matched []*pkg
	for _, p := range s.packages {
		if (p.typ == ghpackages.Container || p.typ == ghpackages.Docker) && repository(p.owner.login, p.name) == repo {
			if p.visibility == ghpackages.VisibilityPublic {
				return true
			}
			matched = append(matched, p)
		}
	}
	if len(matched) == 0 {
		return true
	}
	t, ok := s.tokens[api]
	if api == "" || !ok {
		return false
	}
	switch {
	case t.FineGrained:
		return true
	case t.actions():
		for _, p := range matched {
			if reaches(&t, p) {
				return true
			}
		}
		return false
	}
	return len(ghpackages.MissingScopes(t.Scopes, []ghpackages.Scope{ghpackages.ScopeReadPackages})) == 0
}

// registryRepo is the repository of a registry path
// ("/v2/REPO/manifests/…", "/blobs/…", "/tags/list", "/referrers/…"), ""
// for /v2/ itself.
func registryRepo(p string) string {
	rest, ok := strings.CutPrefix(p, "/v2/")
	if !ok {
		return ""
	}
	for _, kind := range []string{"/manifests/", "/blobs/", "/tags/", "/referrers/"} {
		if i := strings.LastIndex(rest, kind); i > 0 {
			return rest[:i]
		}
	}
	return ""
}
