package ghpackages

import (
	"encoding/json"
	"time"
)

// PackageType is the registry a package belongs to, as used in the
// {package_type} path segment and the package_type query parameter.
//
// See https://docs.github.com/rest/packages/packages
type PackageType string

// The package types GitHub Packages supports. Container is an image pushed to
// ghcr.io; Docker is one pushed to the older docker.pkg.github.com registry.
const (
	NPM       PackageType = "npm"
	Maven     PackageType = "maven"
	RubyGems  PackageType = "rubygems"
	Docker    PackageType = "docker"
	NuGet     PackageType = "nuget"
	Container PackageType = "container"
)

// PackageTypes lists every known PackageType, in the order the API documents them.
func PackageTypes() []PackageType {
	return []PackageType{NPM, Maven, RubyGems, Docker, NuGet, Container}
}

// Valid reports whether t is one of the package types the API accepts.
func (t PackageType) Valid() bool {
	switch t {
	case NPM, Maven, RubyGems, Docker, NuGet, Container:
		return true
	}
	return false
}

// Visibility is a package's visibility, and the visibility filter of the
// list-packages endpoints.
type Visibility string

// Package visibilities. VisibilityInternal is only meaningful for registries
// with granular permissions; elsewhere GitHub treats it as private.
const (
	VisibilityPublic   Visibility = "public"
	VisibilityPrivate  Visibility = "private"
	VisibilityInternal Visibility = "internal"
)

// Valid reports whether v is a visibility the API accepts.
func (v Visibility) Valid() bool {
	switch v {
	case VisibilityPublic, VisibilityPrivate, VisibilityInternal:
		return true
	}
	return false
}

// VersionState selects active or deleted (restorable) package versions when
// listing versions.
type VersionState string

// Package version states.
const (
	StateActive  VersionState = "active"
	StateDeleted VersionState = "deleted"
)

// Valid reports whether s is a state the API accepts.
func (s VersionState) Valid() bool {
	return s == StateActive || s == StateDeleted
}

// Package is a GitHub package: a named artifact of one PackageType owned by an
// organization or a user.
type Package struct {
	ID           int64       `json:"id"`
	Name         string      `json:"name"`
	PackageType  PackageType `json:"package_type"`
	Owner        *User       `json:"owner"`
	VersionCount int64       `json:"version_count"`
	Visibility   Visibility  `json:"visibility"`
	URL          string      `json:"url"`
	HTMLURL      string      `json:"html_url"`
	CreatedAt    time.Time   `json:"created_at"`
	UpdatedAt    time.Time   `json:"updated_at"`
	// Repository is the repository the package is linked to; nil when the
	// package is not linked to one (the API sends null or omits it).
	Repository *Repository `json:"repository,omitempty"`
}

// PackageVersion is one version of a package. For container images, Name is
// the manifest digest ("sha256:…") and the tags are in Metadata (see Tags).
type PackageVersion struct {
	ID             int64     `json:"id"`
	Name           string    `json:"name"`
	URL            string    `json:"url"`
	PackageHTMLURL string    `json:"package_html_url"`
	HTMLURL        string    `json:"html_url,omitempty"`
	License        string    `json:"license,omitempty"`
	Description    string    `json:"description,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
	// DeletedAt is set on versions listed with StateDeleted.
	DeletedAt *time.Time       `json:"deleted_at,omitempty"`
	Metadata  *VersionMetadata `json:"metadata,omitempty"`
}

// Tags returns the version's tags: the container tags for container images,
// the docker tags for docker images, and nil for other package types or an
// untagged image. The returned slice must not be modified.
func (v *PackageVersion) Tags() []string {
	if v == nil || v.Metadata == nil {
		return nil
	}
	if c := v.Metadata.Container; c != nil && len(c.Tags) > 0 {
		return c.Tags
	}
	if d := v.Metadata.Docker; d != nil && len(d.Tags) > 0 {
		return d.Tags
	}
	return nil
}

// VersionMetadata is the type-specific metadata of a package version.
type VersionMetadata struct {
	PackageType PackageType        `json:"package_type"`
	Container   *ContainerMetadata `json:"container,omitempty"`
	Docker      *DockerMetadata    `json:"docker,omitempty"`
}

// ContainerMetadata holds the tags of a container (ghcr.io) image version.
// An empty Tags means the version is untagged.
type ContainerMetadata struct {
	Tags []string `json:"tags"`
}

// DockerMetadata holds the tags of a docker.pkg.github.com image version.
//
// The official description declares the property as "tag" (an array) while
// listing "tags" as required; both spellings are accepted when decoding, and
// both are written when encoding.
type DockerMetadata struct {
	Tags []string
}

type dockerMetadataJSON struct {
	Tag  []string `json:"tag"`
	Tags []string `json:"tags"`
}

// UnmarshalJSON accepts the tags under "tag" or "tags".
func (d *DockerMetadata) UnmarshalJSON(b []byte) error {
	var raw dockerMetadataJSON
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	d.Tags = raw.Tags
	if len(d.Tags) == 0 {
		d.Tags = raw.Tag
	}
	return nil
}

// MarshalJSON writes the tags under both "tag" and "tags".
func (d DockerMetadata) MarshalJSON() ([]byte, error) {
	tags := d.Tags
	if tags == nil {
		tags = []string{}
	}
	return json.Marshal(dockerMetadataJSON{Tag: tags, Tags: tags})
}

// User is the owner of a package or repository: a user or an organization
// (see Type).
type User struct {
	Login      string  `json:"login"`
	ID         int64   `json:"id"`
	NodeID     string  `json:"node_id"`
	Type       string  `json:"type"`
	SiteAdmin  bool    `json:"site_admin"`
	Name       *string `json:"name,omitempty"`
	Email      *string `json:"email,omitempty"`
	AvatarURL  string  `json:"avatar_url"`
	GravatarID *string `json:"gravatar_id"`
	URL        string  `json:"url"`
	HTMLURL    string  `json:"html_url"`
}

// Repository is the repository a package is linked to.
type Repository struct {
	ID            int64      `json:"id"`
	NodeID        string     `json:"node_id"`
	Name          string     `json:"name"`
	FullName      string     `json:"full_name"`
	Private       bool       `json:"private"`
	Owner         *User      `json:"owner"`
	HTMLURL       string     `json:"html_url"`
	Description   *string    `json:"description"`
	Fork          bool       `json:"fork"`
	URL           string     `json:"url"`
	Visibility    string     `json:"visibility,omitempty"`
	DefaultBranch string     `json:"default_branch,omitempty"`
	Archived      bool       `json:"archived"`
	CreatedAt     *time.Time `json:"created_at,omitempty"`
	UpdatedAt     *time.Time `json:"updated_at,omitempty"`
	PushedAt      *time.Time `json:"pushed_at,omitempty"`
}

// PackageListOptions are the optional query parameters of the list-packages
// endpoints. Zero values are omitted.
type PackageListOptions struct {
	// Visibility filters the result set; empty means any.
	Visibility Visibility `url:"visibility,omitempty"`
	// Page is the 1-based page to fetch; 0 means the first.
	Page int `url:"page,omitempty"`
	// PerPage is the page size, 1 to 100; 0 means the server's default (30).
	PerPage int `url:"per_page,omitempty"`
}

// PackageVersionListOptions are the optional query parameters of the
// list-package-versions endpoints. Zero values are omitted.
type PackageVersionListOptions struct {
	// State selects active (default) or deleted versions.
	State VersionState `url:"state,omitempty"`
	// Page is the 1-based page to fetch; 0 means the first.
	Page int `url:"page,omitempty"`
	// PerPage is the page size, 1 to 100; 0 means the server's default (30).
	PerPage int `url:"per_page,omitempty"`
}

// RestoreOptions are the optional query parameters of the restore-package
// endpoints.
type RestoreOptions struct {
	// Token is the "package token" query parameter the API documents for
	// restoring a package whose namespace is claimed. It is not the API token.
	Token string `url:"token,omitempty"`
}
