package ghpackages

import (
	"context"
	"iter"
)

// UserService calls the Packages endpoints of packages owned by the
// authenticated user (/user/...), the owner of the client's token. Get it
// from Client.User. To address another user's packages, or your own by
// login, use UsersService.
//
// GitHub API docs: https://docs.github.com/rest/packages/packages
type UserService struct {
	s service
}

// svc is the service s stands for; a nil s (the field of a Client not made
// by NewClient) stands for one without a client, whose every call fails.
func (s *UserService) svc() *service {
	if s == nil {
		return &service{kind: OwnerKindAuthenticated}
	}
	return &s.s
}

// Get returns a package owned by the authenticated user.
//
// GitHub API docs: https://docs.github.com/rest/packages/packages#get-a-package-for-the-authenticated-user
//
//meta:operation GET /user/packages/{package_type}/{package_name}
func (s *UserService) Get(ctx context.Context, typ PackageType, name string) (*Package, *Response, error) {
	return s.svc().get(ctx, "", typ, name)
}

// Delete deletes a package owned by the authenticated user, with all its
// versions. It can be restored within 30 days. GitHub refuses to delete a
// public package with a version downloaded more than 5,000 times
// (ErrTooManyDownloads).
//
// GitHub API docs: https://docs.github.com/rest/packages/packages#delete-a-package-for-the-authenticated-user
//
//meta:operation DELETE /user/packages/{package_type}/{package_name}
func (s *UserService) Delete(ctx context.Context, typ PackageType, name string) (*Response, error) {
	return s.svc().delete(ctx, "", typ, name)
}

// Restore restores a package owned by the authenticated user that was deleted
// within the last 30 days, provided its namespace and version are still
// available. opts may be nil.
//
// GitHub API docs: https://docs.github.com/rest/packages/packages#restore-a-package-for-the-authenticated-user
//
//meta:operation POST /user/packages/{package_type}/{package_name}/restore
func (s *UserService) Restore(ctx context.Context, typ PackageType, name string, opts *RestoreOptions) (*Response, error) {
	return s.svc().restore(ctx, "", typ, name, opts)
}

// ListVersions returns one page of the versions of a package owned by the
// authenticated user, newest first. opts may be nil; see Response.NextPage for
// the next page, or use AllVersions.
//
// GitHub API docs: https://docs.github.com/rest/packages/packages#list-package-versions-for-a-package-owned-by-the-authenticated-user
//
//meta:operation GET /user/packages/{package_type}/{package_name}/versions
func (s *UserService) ListVersions(ctx context.Context, typ PackageType, name string, opts *PackageVersionListOptions) ([]*PackageVersion, *Response, error) {
	return s.svc().listVersions(ctx, "", typ, name, opts)
}

// AllVersions iterates over every version of a package owned by the
// authenticated user, newest first, fetching the pages of ListVersions as
// the loop needs them (see "Pages and iterators" in the package doc: lazy,
// Link-exact, stops on break, yields a failed page's error once). opts may
// be nil.
//
// GitHub API docs: https://docs.github.com/rest/packages/packages#list-package-versions-for-a-package-owned-by-the-authenticated-user
//
//meta:operation GET /user/packages/{package_type}/{package_name}/versions
func (s *UserService) AllVersions(ctx context.Context, typ PackageType, name string, opts *PackageVersionListOptions) iter.Seq2[*PackageVersion, error] {
	return s.svc().allVersions(ctx, "", typ, name, opts)
}

// GetVersion returns one version of a package owned by the authenticated user.
//
// GitHub API docs: https://docs.github.com/rest/packages/packages#get-a-package-version-for-the-authenticated-user
//
//meta:operation GET /user/packages/{package_type}/{package_name}/versions/{package_version_id}
func (s *UserService) GetVersion(ctx context.Context, typ PackageType, name string, id int64) (*PackageVersion, *Response, error) {
	return s.svc().getVersion(ctx, "", typ, name, id)
}

// DeleteVersion deletes one version of a package owned by the authenticated
// user. It can be restored within 30 days. GitHub refuses to delete the last
// version (for containers, the last tagged version) of a package
// (ErrLastVersion) and a public version downloaded more than 5,000 times
// (ErrTooManyDownloads). Deleting a container version removes all of its tags.
//
// GitHub API docs: https://docs.github.com/rest/packages/packages#delete-a-package-version-for-the-authenticated-user
//
//meta:operation DELETE /user/packages/{package_type}/{package_name}/versions/{package_version_id}
func (s *UserService) DeleteVersion(ctx context.Context, typ PackageType, name string, id int64) (*Response, error) {
	return s.svc().deleteVersion(ctx, "", typ, name, id)
}

// RestoreVersion restores a version of a package owned by the authenticated
// user that was deleted within the last 30 days, provided its namespace and
// version are still available.
//
// GitHub API docs: https://docs.github.com/rest/packages/packages#restore-a-package-version-for-the-authenticated-user
//
//meta:operation POST /user/packages/{package_type}/{package_name}/versions/{package_version_id}/restore
func (s *UserService) RestoreVersion(ctx context.Context, typ PackageType, name string, id int64) (*Response, error) {
	return s.svc().restoreVersion(ctx, "", typ, name, id)
}

// List returns one page of the packages of type typ owned by the authenticated
// user. opts may be nil. GitHub answers 400 (ErrListLimit) when page ×
// per_page exceeds 10,000.
//
// GitHub API docs: https://docs.github.com/rest/packages/packages#list-packages-for-the-authenticated-users-namespace
//
//meta:operation GET /user/packages
func (s *UserService) List(ctx context.Context, typ PackageType, opts *PackageListOptions) ([]*Package, *Response, error) {
	return s.svc().list(ctx, "", typ, opts)
}

// All iterates over every package of type typ owned by the authenticated
// user, fetching the pages of List as the loop needs them (see "Pages and
// iterators" in the package doc). opts may be nil.
//
// GitHub API docs: https://docs.github.com/rest/packages/packages#list-packages-for-the-authenticated-users-namespace
//
//meta:operation GET /user/packages
func (s *UserService) All(ctx context.Context, typ PackageType, opts *PackageListOptions) iter.Seq2[*Package, error] {
	return s.svc().all(ctx, "", typ, opts)
}

// ListDockerConflicts lists the packages owned by the authenticated user that
// conflicted during the migration from the Docker registry
// (docker.pkg.github.com) to the Container registry.
//
// GitHub API docs: https://docs.github.com/rest/packages/packages#get-list-of-conflicting-packages-during-docker-migration-for-authenticated-user
//
//meta:operation GET /user/docker/conflicts
func (s *UserService) ListDockerConflicts(ctx context.Context) ([]*Package, *Response, error) {
	return s.svc().listDockerConflicts(ctx, "")
}
