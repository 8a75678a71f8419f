package ghpackagestest

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	ghpackages "github.com/ghpackages/ghpackages-go"
)

// restoreWindow is how long GitHub keeps deleted packages and versions.
const restoreWindow = 30 * 24 * time.Hour

// downloadLimit is the download count above which a public version cannot
// be deleted.
const downloadLimit = 5000

type owner struct {
	login string
	id    int64
	org   bool
}

type pkg struct {
	id         int64
	owner      *owner
	typ        ghpackages.PackageType
	name       string
	visibility ghpackages.Visibility
	repo       string // repository name under the owner; "" for none
	repoID     int64
	created    time.Time
	updated    time.Time
	deletedAt  *time.Time
	conflict   bool
	versions   []*version
}

type version struct {
	id          int64
	name        string
	tags        []string
	created     time.Time
	updated     time.Time
	deletedAt   *time.Time
	downloads   int
	license     string
	description string
	// deletedWithPackage marks the last npm version whose deletion took
	// the package with it (WithNPMLastVersionDeletesPackage).
	deletedWithPackage bool
	// With WithListingLag: listedAt is when a version a push created
	// shows in the REST API (zero: at once), and shown the tags the REST
	// API gave it from each time on, oldest first (nil: tags at once).
	listedAt time.Time
	shown    []tagState
}

// tagState is a version's tags from a time on, as the REST API shows them.
type tagState struct {
	from time.Time
	tags []string
}

// listed reports whether the REST API shows v at now.
func (v *version) listed(now time.Time) bool { return !now.Before(v.listedAt) }

// restTags are v's tags as the REST API shows them at now, lag behind
// the registry.
func (v *version) restTags(now time.Time, lag time.Duration) []string {
	if v.shown == nil {
		return v.tags
	}
	for _, st := range slices.Backward(v.shown) {
		if !now.Before(st.from.Add(lag)) {
			return st.tags
		}
	}
	return v.shown[0].tags
}

// setTags changes v's tags at now, as a push does: with a listing lag the
// REST API keeps showing the old ones for the lag.
func (v *version) setTags(tags []string, now time.Time, lag time.Duration) {
	if lag > 0 {
		if v.shown == nil {
			v.shown = []tagState{{tags: slices.Clone(v.tags)}}
		}
		v.shown = append(v.shown, tagState{from: now, tags: slices.Clone(tags)})
	}
	v.tags = tags
}

// PackageSpec describes a package to add with AddPackage.
type PackageSpec struct {
	// Owner is the owning org's or user's login; it is created (as an
	// organization, unless AddUser made it a user) when unknown.
	Owner string
	// Type is the package type; it must be valid.
	Type ghpackages.PackageType
	// Name may contain "/" (container images such as "team/app").
	Name string
	// Visibility defaults to private.
	Visibility ghpackages.Visibility
	// Repository, if set, links the package to the owner's repository of
	// that name.
	Repository string
	// CreatedAt defaults to the server's now.
	CreatedAt time.Time
	// DockerConflict lists the package in the owner's docker/conflicts.
	DockerConflict bool
	// DeletedAt, if not nil, adds the package as deleted at that time
	// (restorable for 30 days from it), as PackageRecord.DeletedAt and
	// ghpackages.PackageVersion.DeletedAt say a deletion.
	DeletedAt *time.Time
}

// VersionSpec describes a package version to add with AddVersion.
type VersionSpec struct {
	// Name is the version name; for container images, the digest.
	Name string
	// Tags are the container or docker tags; none means untagged.
	Tags []string
	// CreatedAt defaults to the server's now; UpdatedAt to CreatedAt.
	CreatedAt, UpdatedAt time.Time
	// Downloads counts downloads (the API does not expose it, but a public
	// version above 5,000 cannot be deleted).
	Downloads int
	// License and Description are the version's npm-style metadata,
	// answered as "license" and "description" when set.
	License, Description string
	// DeletedAt, if not nil, adds the version as deleted at that time
	// (listed with state=deleted and restorable for 30 days from it), as
	// VersionRecord.DeletedAt says a deletion.
	DeletedAt *time.Time
	// Image, for a container or docker package, generates a real image
	// (see ImageSpec): Name, if set, must then be its digest.
	Image *ImageSpec
}

// PackageRecord is a package as the server holds it, deleted or not.
type PackageRecord struct {
	// ID is the package's ID, as the API answers it.
	ID int64
	// Owner is the owner's login.
	Owner string
	// Type is the package type.
	Type ghpackages.PackageType
	// Name is the package name, as given (not escaped).
	Name string
	// Visibility is the package's visibility, internal included.
	Visibility ghpackages.Visibility
	// Repository is the linked repository's name, "" for none.
	Repository string
	// CreatedAt and UpdatedAt are the package's times on the server's
	// clock; UpdatedAt follows its newest version's.
	CreatedAt, UpdatedAt time.Time
	// DeletedAt is nil for an active package.
	DeletedAt *time.Time
	// Versions counts the active versions.
	Versions int
}

// VersionRecord is a version as the server holds it, deleted or not.
type VersionRecord struct {
	// ID is the version's ID, as the API answers it.
	ID int64
	// Name is the version name; for a container image, its digest.
	Name string
	// Tags are the version's container or docker tags.
	Tags []string
	// CreatedAt and UpdatedAt are the version's times on the server's
	// clock.
	CreatedAt, UpdatedAt time.Time
	// DeletedAt is nil for an active version.
	DeletedAt *time.Time
	// Downloads is the download count it was added with.
	Downloads int
}

// AddOrg registers an organization. Adding a package for an unknown owner
// registers it as an organization too.
func (s *Server) AddOrg(login string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ensureOwner(login, true)
}

// AddUser registers a user.
func (s *Server) AddUser(login string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ensureOwner(login, false)
}

func (s *Server) ensureOwner(login string, org bool) *owner {
	if o, ok := s.owners[lower(login)]; ok {
		return o
	}
	s.nextID++
	o := &owner{login: login, id: s.nextID, org: org}
	s.owners[lower(login)] = o
	return o
}

// AddPackage adds a package and returns its ID. It panics (fails the test
// of New) on an invalid spec, or when an active package of that owner,
// type and name exists.
func (s *Server) AddPackage(spec PackageSpec) int64 {
	if spec.Owner == "" || spec.Name == "" || !spec.Type.Valid() {
		s.misuse("AddPackage: invalid spec %+v", spec)
	}
	if spec.Visibility == "" {
		spec.Visibility = ghpackages.VisibilityPrivate
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.ensureOwner(spec.Owner, true)
	if spec.DeletedAt == nil && s.findPackage(o, spec.Type, spec.Name) != nil {
		s.misuse("AddPackage: %s %s/%s exists", spec.Type, spec.Owner, spec.Name)
	}
	created := spec.CreatedAt
	if created.IsZero() {
		created = s.now()
	}
	s.nextID++
	p := &pkg{id: s.nextID, owner: o, typ: spec.Type, name: spec.Name, visibility: spec.Visibility,
		repo: spec.Repository, created: created, updated: created, conflict: spec.DockerConflict}
	if p.repo != "" {
		s.nextID++
		p.repoID = s.nextID
	}
	if spec.DeletedAt != nil {
		p.deletedAt = new(spec.DeletedAt.UTC())
	}
	s.packages = append(s.packages, p)
	return p.id
}

// AddVersion adds a version to the package owner/typ/name (the active one,
// else the one added last) and returns its ID. With spec.Image, the
// version is a generated image (and an index's platform images are added
// before it as untagged versions). It panics (fails the test of New) when
// there is no such package, or on an invalid image spec.
func (s *Server) AddVersion(ownerLogin string, typ ghpackages.PackageType, name string, spec VersionSpec) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.owners[lower(ownerLogin)]
	var p *pkg
	if o != nil {
		p = s.findPackage(o, typ, name)
	}
	if p == nil {
		p = s.newestPackage(ownerLogin, typ, name)
	}
	if p == nil {
		s.misuse("AddVersion: no package %s %s/%s", typ, ownerLogin, name)
	}
	if spec.Image != nil {
		id, err := s.addImageVersion(p, spec)
		if err != nil {
			s.misuse("AddVersion: %s %s/%s: %v", typ, ownerLogin, name, err)
		}
		return id
	}
	return s.addVersion(p, spec)
}

// addImageVersion generates, pushes and adds the image of spec.
func (s *Server) addImageVersion(p *pkg, spec VersionSpec) (int64, error) {
	if p.typ != ghpackages.Container && p.typ != ghpackages.Docker {
		return 0, fmt.Errorf("an image needs a container or docker package")
	}
	seed := spec.Image.Seed
	if seed == "" {
		seed = fmt.Sprintf("%s/%s#%d", p.owner.login, p.name, len(p.versions))
	}
	repo := repository(p.owner.login, p.name)
	var obj *ociObject
	if len(spec.Image.Platforms) == 0 {
		platform := spec.Image.Platform
		if platform == "" {
			platform = "linux/amd64"
		}
		img, err := platformImage(seed, platform)
		if err != nil {
			return 0, err
		}
		obj = img
	} else {
		imgs := make([]*ociObject, len(spec.Image.Platforms))
		for i, pl := range spec.Image.Platforms {
			img, err := platformImage(seed, pl)
			if err != nil {
				return 0, fmt.Errorf("platform %q: %w", pl, err)
			}
			imgs[i] = img
			s.addVersion(p, VersionSpec{Name: img.digest(), CreatedAt: spec.CreatedAt, UpdatedAt: spec.UpdatedAt,
				DeletedAt: spec.DeletedAt, Downloads: spec.Downloads})
		}
		idx, err := imageIndex(imgs, spec.Image.Platforms)
		if err != nil {
			return 0, err
		}
		obj = idx
	}
	if err := s.push(repo, obj, spec.Tags); err != nil {
		return 0, err
	}
	if spec.Name != "" && spec.Name != obj.digest() {
		return 0, fmt.Errorf("name %s is not the image's digest %s", spec.Name, obj.digest())
	}
	spec.Name = obj.digest()
	return s.addVersion(p, spec), nil
}

// addVersion adds a version to p; s.mu is held.
func (s *Server) addVersion(p *pkg, spec VersionSpec) int64 {
	created := spec.CreatedAt
	if created.IsZero() {
		created = s.now()
	}
	updated := spec.UpdatedAt
	if updated.IsZero() {
		updated = created
	}
	s.nextID++
	v := &version{id: s.nextID, name: spec.Name, tags: slices.Clone(spec.Tags), created: created, updated: updated,
		downloads: spec.Downloads, license: spec.License, description: spec.Description}
	if spec.DeletedAt != nil {
		v.deletedAt = new(spec.DeletedAt.UTC())
	}
	p.versions = append(p.versions, v)
	if updated.After(p.updated) {
		p.updated = updated
	}
	return v.id
}

// Package returns the package owner/typ/name: the active one, else the one
// added or deleted last. ok is false when there is none.
func (s *Server) Package(ownerLogin string, typ ghpackages.PackageType, name string) (st PackageRecord, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.lookupPackage(ownerLogin, typ, name); p != nil {
		return p.state(), true
	}
	return PackageRecord{}, false
}

// Packages returns every package of the owner, deleted ones included, in
// the order they were added.
func (s *Server) Packages(ownerLogin string) []PackageRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []PackageRecord
	for _, p := range s.packages {
		if lower(p.owner.login) == lower(ownerLogin) {
			out = append(out, p.state())
		}
	}
	return out
}

// Versions returns every version of the package owner/typ/name (chosen as
// Package chooses it), deleted ones included, in the order they were added.
func (s *Server) Versions(ownerLogin string, typ ghpackages.PackageType, name string) []VersionRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.lookupPackage(ownerLogin, typ, name)
	if p == nil {
		return nil
	}
	out := make([]VersionRecord, 0, len(p.versions))
	for _, v := range p.versions {
		out = append(out, VersionRecord{ID: v.id, Name: v.name, Tags: slices.Clone(v.tags), CreatedAt: v.created,
			UpdatedAt: v.updated, DeletedAt: clonePtr(v.deletedAt), Downloads: v.downloads})
	}
	return out
}

func (p *pkg) state() PackageRecord {
	return PackageRecord{ID: p.id, Owner: p.owner.login, Type: p.typ, Name: p.name, Visibility: p.visibility,
		Repository: p.repo, CreatedAt: p.created, UpdatedAt: p.updated, DeletedAt: clonePtr(p.deletedAt),
		Versions: len(p.activeVersions())}
}

func clonePtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	c := *t
	return &c
}

// lookupPackage returns the active package owner/typ/name, else the newest
// one, else nil.
func (s *Server) lookupPackage(ownerLogin string, typ ghpackages.PackageType, name string) *pkg {
	if o := s.owners[lower(ownerLogin)]; o != nil {
		if p := s.findPackage(o, typ, name); p != nil {
			return p
		}
	}
	return s.newestPackage(ownerLogin, typ, name)
}

// newestPackage returns the package owner/typ/name added last, or nil.
func (s *Server) newestPackage(ownerLogin string, typ ghpackages.PackageType, name string) *pkg {
	for i := len(s.packages) - 1; i >= 0; i-- {
		p := s.packages[i]
		if lower(p.owner.login) == lower(ownerLogin) && p.typ == typ && p.name == name {
			return p
		}
	}
	return nil
}

// findPackage returns the active package owner/typ/name, or nil.
func (s *Server) findPackage(o *owner, typ ghpackages.PackageType, name string) *pkg {
	for _, p := range s.packages {
		if p.owner == o && p.typ == typ && p.name == name && p.deletedAt == nil {
			return p
		}
	}
	return nil
}

// findDeletedPackage returns the most recently deleted package
// owner/typ/name still within the restore window, or nil.
func (s *Server) findDeletedPackage(o *owner, typ ghpackages.PackageType, name string) *pkg {
	var found *pkg
	for _, p := range s.packages {
		if p.owner == o && p.typ == typ && p.name == name && p.deletedAt != nil {
			if found == nil || p.deletedAt.After(*found.deletedAt) {
				found = p
			}
		}
	}
	return found
}

func (p *pkg) activeVersions() []*version {
	var out []*version
	for _, v := range p.versions {
		if v.deletedAt == nil {
			out = append(out, v)
		}
	}
	return out
}

// sortNewestFirst orders versions as GitHub lists them.
func sortNewestFirst(vs []*version) {
	slices.SortFunc(vs, func(a, b *version) int {
		if c := b.created.Compare(a.created); c != 0 {
			return c
		}
		return cmp.Compare(b.id, a.id)
	})
}

// ownerPath is the owner's API path prefix in resource URLs.
func ownerPath(o *owner) string {
	if o.org {
		return "orgs/" + o.login
	}
	return "users/" + o.login
}

func timeString(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// userJSON renders a simple-user with every field the schema requires.
func userJSON(b baseURLs, o *owner) map[string]any {
	api := b.api + "/users/" + o.login
	typ := "User"
	if o.org {
		typ = "Organization"
	}
	return map[string]any{
		"login":               o.login,
		"id":                  o.id,
		"node_id":             fmt.Sprintf("MDQ6VXNlcjEy%d", o.id),
		"avatar_url":          fmt.Sprintf("https://avatars.githubusercontent.com/u/%d?v=4", o.id),
		"gravatar_id":         "",
		"url":                 api,
		"html_url":            b.web + "/" + o.login,
		"followers_url":       api + "/followers",
		"following_url":       api + "/following{/other_user}",
		"gists_url":           api + "/gists{/gist_id}",
		"starred_url":         api + "/starred{/owner}{/repo}",
		"subscriptions_url":   api + "/subscriptions",
		"organizations_url":   api + "/orgs",
		"repos_url":           api + "/repos",
		"events_url":          api + "/events{/privacy}",
		"received_events_url": api + "/received_events",
		"type":                typ,
		"site_admin":          false,
	}
}

// authenticatedUser answers GET /user as GitHub does: the token's own
// account as a private-user object, 401 without a token, and 403 for an
// Actions workflow token, which is no user's.
func (s *Server) authenticatedUser(req *request) (int, any, *apiError) {
	switch {
	case req.token == nil:
		return 0, nil, errorf(http.StatusUnauthorized, "Requires authentication")
	case req.token.actions():
		return 0, nil, errIntegration()
	}
	o := s.owners[lower(req.token.Login)]
	if o == nil {
		return 0, nil, errNotFound()
	}
	u := userJSON(req.base, o)
	created := timeString(time.Date(2011, 1, 25, 18, 44, 36, 0, time.UTC))
	for k, v := range map[string]any{
		"name": nil, "company": nil, "blog": "", "location": nil, "email": nil, "hireable": nil, "bio": nil,
		"twitter_username": nil, "public_repos": 0, "public_gists": 0, "followers": 0, "following": 0,
		"created_at": created, "updated_at": created, "private_gists": 0, "total_private_repos": 0,
		"owned_private_repos": 0, "disk_usage": 0, "collaborators": 0, "two_factor_authentication": true,
		"user_view_type": "private",
	} {
		u[k] = v
	}
	return http.StatusOK, u, nil
}

// repoJSON renders a minimal-repository with every field the schema requires.
func repoJSON(b baseURLs, p *pkg) map[string]any {
	full := p.owner.login + "/" + p.repo
	api := b.api + "/repos/" + full
	m := map[string]any{
		"id":          p.repoID,
		"node_id":     fmt.Sprintf("MDEwOlJlcG9zaXRvcnk%d", p.repoID),
		"name":        p.repo,
		"full_name":   full,
		"owner":       userJSON(b, p.owner),
		"private":     p.visibility != ghpackages.VisibilityPublic,
		"html_url":    b.web + "/" + full,
		"description": nil,
		"fork":        false,
		"url":         api,
		"visibility":  "public",
		"created_at":  timeString(p.created),
		"updated_at":  timeString(p.updated),
		"pushed_at":   timeString(p.updated),
	}
	if p.visibility != ghpackages.VisibilityPublic {
		m["visibility"] = "private"
	}
	for _, k := range []string{"archive_url/{archive_format}{/ref}", "assignees_url/assignees{/user}", "blobs_url/git/blobs{/sha}",
		"branches_url/branches{/branch}", "collaborators_url/collaborators{/collaborator}", "comments_url/comments{/number}",
		"commits_url/commits{/sha}", "compare_url/compare/{base}...{head}", "contents_url/contents/{+path}",
		"contributors_url/contributors", "deployments_url/deployments", "downloads_url/downloads", "events_url/events",
		"forks_url/forks", "git_commits_url/git/commits{/sha}", "git_refs_url/git/refs{/sha}", "git_tags_url/git/tags{/sha}",
		"hooks_url/hooks", "issue_comment_url/issues/comments{/number}", "issue_events_url/issues/events{/number}",
		"issues_url/issues{/number}", "keys_url/keys{/key_id}", "labels_url/labels{/name}", "languages_url/languages",
		"merges_url/merges", "milestones_url/milestones{/number}", "notifications_url/notifications{?since,all,participating}",
		"pulls_url/pulls{/number}", "releases_url/releases{/id}", "stargazers_url/stargazers", "statuses_url/statuses/{sha}",
		"subscribers_url/subscribers", "subscription_url/subscription", "tags_url/tags", "teams_url/teams", "trees_url/git/trees{/sha}"} {
		name, suffix, _ := strings.Cut(k, "/")
		m[name] = api + "/" + suffix
	}
	return m
}

// visibilityJSON maps internal to private: the schema knows only two.
func visibilityJSON(v ghpackages.Visibility) string {
	if v == ghpackages.VisibilityPublic {
		return string(ghpackages.VisibilityPublic)
	}
	return string(ghpackages.VisibilityPrivate)
}

// htmlURLs are a package's and a version's web pages, in the shapes of
// GitHub's examples: a package linked to a repository (other than a
// container) lives at OWNER/REPO/packages/ID with ?version=NAME for a
// version; others at {orgs|users}/OWNER/packages/TYPE/package/NAME, with
// versions at {orgs|users}/OWNER/packages/TYPE/NAME/ID.
func htmlURLs(b baseURLs, p *pkg, v *version) (pkgURL, versionURL string) {
	if p.repo != "" && p.typ != ghpackages.Container {
		pkgURL = fmt.Sprintf("%s/%s/%s/packages/%d", b.web, p.owner.login, p.repo, p.id)
		if v != nil {
			versionURL = pkgURL + "?version=" + url.QueryEscape(v.name)
		}
		return pkgURL, versionURL
	}
	prefix := b.web + "/" + ownerPath(p.owner) + "/packages/" + string(p.typ) + "/"
	pkgURL = prefix + "package/" + pathEscape(p.name)
	if v != nil {
		versionURL = fmt.Sprintf("%s%s/%d", prefix, pathEscape(p.name), v.id)
	}
	return pkgURL, versionURL
}

func packageJSON(b baseURLs, p *pkg) map[string]any {
	escaped := pathEscape(p.name)
	html, _ := htmlURLs(b, p, nil)
	m := map[string]any{
		"id":            p.id,
		"name":          p.name,
		"package_type":  string(p.typ),
		"owner":         userJSON(b, p.owner),
		"version_count": len(p.activeVersions()),
		"visibility":    visibilityJSON(p.visibility),
		"url":           b.api + "/" + ownerPath(p.owner) + "/packages/" + string(p.typ) + "/" + escaped,
		"html_url":      html,
		"created_at":    timeString(p.created),
		"updated_at":    timeString(p.updated),
	}
	if p.repo != "" {
		m["repository"] = repoJSON(b, p)
	}
	return m
}

// versionJSON is v as the REST API shows it at now, with the listing
// lag of WithListingLag.
func versionJSON(b baseURLs, p *pkg, v *version, now time.Time, lag time.Duration) map[string]any {
	base := b.api + "/" + ownerPath(p.owner) + "/packages/" + string(p.typ) + "/" + pathEscape(p.name)
	pkgHTML, html := htmlURLs(b, p, v)
	meta := map[string]any{"package_type": string(p.typ)}
	tags := v.restTags(now, lag)
	if tags == nil {
		tags = []string{}
	}
	switch p.typ {
	case ghpackages.Container:
		meta["container"] = map[string]any{"tags": tags}
	case ghpackages.Docker:
		meta["docker"] = map[string]any{"tag": tags, "tags": tags}
	}
	m := map[string]any{
		"id":               v.id,
		"name":             v.name,
		"url":              fmt.Sprintf("%s/versions/%d", base, v.id),
		"package_html_url": pkgHTML,
		"html_url":         html,
		"created_at":       timeString(v.created),
		"updated_at":       timeString(v.updated),
		"metadata":         meta,
	}
	if v.license != "" {
		m["license"] = v.license
	}
	if v.description != "" {
		m["description"] = v.description
	}
	if v.deletedAt != nil {
		m["deleted_at"] = timeString(*v.deletedAt)
	}
	return m
}
