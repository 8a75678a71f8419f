package ghpackages

import (
	"context"
	"iter"
)

// OrgsService calls the Packages endpoints of packages owned by an
// organization (/orgs/{org}/...). Get it from Client.Orgs.
//
// GitHub API docs: https://docs.github.com/rest/packages/packages
type OrgsService struct {
	s service
}

// svc is the service s stands for; a nil s (the field of a Client not made
// by NewClient) stands for one without a client, whose every call fails.
func (s *OrgsService) svc() *service {
	if s == nil {
		return &service{kind: OwnerKindOrg}
	}
	return &s.s
}

// Get returns a package owned by an organization.
//
// GitHub API docs: https://docs.github.com/rest/packages/packages#get-a-package-for-an-organization
//
//meta:operation GET /orgs/{org}/packages/{package_type}/{package_name}
func (s *OrgsService) Get(ctx context.Context, org string, typ PackageType, name string) (*Package, *Response, error) {
	return s.svc().get(ctx, org, typ, name)
}

// Delete deletes a package owned by an organization, with all its versions. It
// can be restored within 30 days. GitHub refuses to delete a public package
// with a version downloaded more than 5,000 times (ErrTooManyDownloads).
//
// GitHub API docs: https://docs.github.com/rest/packages/packages#delete-a-package-for-an-organization
//
//meta:operation DELETE /orgs/{org}/packages/{package_type}/{package_name}
func (s *OrgsService) Delete(ctx context.Context, org string, typ PackageType, name string) (*Response, error) {
	return s.svc().delete(ctx, org, typ, name)
}

// Restore restores a package owned by an organization that was deleted within
// the last 30 days, provided its namespace and version are still available.
// opts may be nil.
//
// GitHub API docs: https://docs.github.com/rest/packages/packages#restore-a-package-for-an-organization
//
//meta:operation POST /orgs/{org}/packages/{package_type}/{package_name}/restore
func (s *OrgsService) Restore(ctx context.Context, org string, typ PackageType, name string, opts *RestoreOptions) (*Response, error) {
	return s.svc().restore(ctx, org, typ, name, opts)
}

// ListVersions returns one page of the versions of a package owned by an
// organization, newest first. opts may be nil; see Response.NextPage for the
// next page, or use AllVersions.
//
// GitHub API docs: https://docs.github.com/rest/packages/packages#list-package-versions-for-a-package-owned-by-an-organization
//
//meta:operation GET /orgs/{org}/packages/{package_type}/{package_name}/versions
func (s *OrgsService) ListVersions(ctx context.Context, org string, typ PackageType, name string, opts *PackageVersionListOptions) ([]*PackageVersion, *Response, error) {
	return s.svc().listVersions(ctx, org, typ, name, opts)
}

// AllVersions iterates over every version of a package owned by an
// organization, newest first, fetching the pages of ListVersions as the loop
// needs them (see "Pages and iterators" in the package doc: lazy,
// Link-exact, stops on break, yields a failed page's error once). opts may
// be nil.
//
// GitHub API docs: https://docs.github.com/rest/packages/packages#list-package-versions-for-a-package-owned-by-an-organization
//
//meta:operation GET /orgs/{org}/packages/{package_type}/{package_name}/versions
func (s *OrgsService) AllVersions(ctx context.Context, org string, typ PackageType, name string, opts *PackageVersionListOptions) iter.Seq2[*PackageVersion, error] {
	return s.svc().allVersions(ctx, org, typ, name, opts)
}

// GetVersion returns one version of a package owned by an organization.
//
// GitHub API docs: https://docs.github.com/rest/packages/packages#get-a-package-version-for-an-organization
//
//meta:operation GET /orgs/{org}/packages/{package_type}/{package_name}/versions/{package_version_id}
func (s *OrgsService) GetVersion(ctx context.Context, org string, typ PackageType, name string, id int64) (*PackageVersion, *Response, error) {
	return s.svc().getVersion(ctx, org, typ, name, id)
}

// DeleteVersion deletes one version of a package owned by an organization. It
// can be restored within 30 days. GitHub refuses to delete the last version
// (for containers, the last tagged version) of a package (ErrLastVersion) and
// a public version downloaded more than 5,000 times (ErrTooManyDownloads).
// Deleting a container version removes all of its tags.
//
// GitHub API docs: https://docs.github.com/rest/packages/packages#delete-package-version-for-an-organization
//
//meta:operation DELETE /orgs/{org}/packages/{package_type}/{package_name}/versions/{package_version_id}
func (s *OrgsService) DeleteVersion(ctx context.Context, org string, typ PackageType, name string, id int64) (*Response, error) {
	return s.svc().deleteVersion(ctx, org, typ, name, id)
}

// RestoreVersion restores a version of a package owned by an organization that
// was deleted within the last 30 days, provided its namespace and version are
// still available.
//
// GitHub API docs: https://docs.github.com/rest/packages/packages#restore-package-version-for-an-organization
//
//meta:operation POST /orgs/{org}/packages/{package_type}/{package_name}/versions/{package_version_id}/restore
func (s *OrgsService) RestoreVersion(ctx context.Context, org string, typ PackageType, name string, id int64) (*Response, error) {
	return s.svc().restoreVersion(ctx, org, typ, name, id)
}

// List returns one page of the packages of type typ owned by an organization.
// opts may be nil. GitHub answers 400 (ErrListLimit) when page × per_page
// exceeds 10,000.
//
// GitHub API docs: https://docs.github.com/rest/packages/packages#list-packages-for-an-organization
//
//meta:operation GET /orgs/{org}/packages
func (s *OrgsService) List(ctx context.Context, org string, typ PackageType, opts *PackageListOptions) ([]*Package, *Response, error) {
	return s.svc().list(ctx, org, typ, opts)
}

// All iterates over every package of type typ owned by an organization,
// fetching the pages of List as the loop needs them (see "Pages and
// iterators" in the package doc). opts may be nil.
//
// GitHub API docs: https://docs.github.com/rest/packages/packages#list-packages-for-an-organization
//
//meta:operation GET /orgs/{org}/packages
func (s *OrgsService) All(ctx context.Context, org string, typ PackageType, opts *PackageListOptions) iter.Seq2[*Package, error] {
	return s.svc().all(ctx, org, typ, opts)
}

// ListDockerConflicts lists the packages owned by an organization that
// conflicted during the migration from the Docker registry
// (docker.pkg.github.com) to the Container registry.
//
// GitHub API docs: https://docs.github.com/rest/packages/packages#get-list-of-conflicting-packages-during-docker-migration-for-organization
//
//meta:operation GET /orgs/{org}/docker/conflicts
func (s *OrgsService) ListDockerConflicts(ctx context.Context, org string) ([]*Package, *Response, error) {
	return s.svc().listDockerConflicts(ctx, org)
}
