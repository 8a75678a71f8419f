package ghpackages

import (
	"context"
	"iter"
)

// UsersService calls the Packages endpoints of packages owned by a given
// user (/users/{username}/...). Get it from Client.Users. An empty username
// is an error, never a stand-in for the authenticated user (use
// UserService for that).
//
// GitHub API docs: https://docs.github.com/rest/packages/packages
type UsersService struct {
	s service
}

// svc is the service s stands for; a nil s (the field of a Client not made
// by NewClient) stands for one without a client, whose every call fails.
func (s *UsersService) svc() *service {
	if s == nil {
		return &service{kind: OwnerKindUser}
	}
	return &s.s
}

// Get returns a package owned by a user.
//
// GitHub API docs: https://docs.github.com/rest/packages/packages#get-a-package-for-a-user
//
//meta:operation GET /users/{username}/packages/{package_type}/{package_name}
func (s *UsersService) Get(ctx context.Context, username string, typ PackageType, name string) (*Package, *Response, error) {
	return s.svc().get(ctx, username, typ, name)
}

// Delete deletes a package owned by a user, with all its versions. It can be
// restored within 30 days. GitHub refuses to delete a public package with a
// version downloaded more than 5,000 times (ErrTooManyDownloads).
//
// GitHub API docs: https://docs.github.com/rest/packages/packages#delete-a-package-for-a-user
//
//meta:operation DELETE /users/{username}/packages/{package_type}/{package_name}
func (s *UsersService) Delete(ctx context.Context, username string, typ PackageType, name string) (*Response, error) {
	return s.svc().delete(ctx, username, typ, name)
}

// Restore restores a package owned by a user that was deleted within the last
// 30 days, provided its namespace and version are still available. opts may be
// nil.
//
// GitHub API docs: https://docs.github.com/rest/packages/packages#restore-a-package-for-a-user
//
//meta:operation POST /users/{username}/packages/{package_type}/{package_name}/restore
func (s *UsersService) Restore(ctx context.Context, username string, typ PackageType, name string, opts *RestoreOptions) (*Response, error) {
	return s.svc().restore(ctx, username, typ, name, opts)
}

// ListVersions returns one page of the versions of a package owned by a user,
// newest first. opts may be nil; see Response.NextPage for the next page, or
// use AllVersions.
//
// GitHub API docs: https://docs.github.com/rest/packages/packages#list-package-versions-for-a-package-owned-by-a-user
//
//meta:operation GET /users/{username}/packages/{package_type}/{package_name}/versions
func (s *UsersService) ListVersions(ctx context.Context, username string, typ PackageType, name string, opts *PackageVersionListOptions) ([]*PackageVersion, *Response, error) {
	return s.svc().listVersions(ctx, username, typ, name, opts)
}

// AllVersions iterates over every version of a package owned by a user,
// newest first, fetching the pages of ListVersions as the loop needs them
// (see "Pages and iterators" in the package doc: lazy, Link-exact, stops on
// break, yields a failed page's error once). opts may be nil.
//
// GitHub API docs: https://docs.github.com/rest/packages/packages#list-package-versions-for-a-package-owned-by-a-user
//
//meta:operation GET /users/{username}/packages/{package_type}/{package_name}/versions
func (s *UsersService) AllVersions(ctx context.Context, username string, typ PackageType, name string, opts *PackageVersionListOptions) iter.Seq2[*PackageVersion, error] {
	return s.svc().allVersions(ctx, username, typ, name, opts)
}

// GetVersion returns one version of a package owned by a user.
//
// GitHub API docs: https://docs.github.com/rest/packages/packages#get-a-package-version-for-a-user
//
//meta:operation GET /users/{username}/packages/{package_type}/{package_name}/versions/{package_version_id}
func (s *UsersService) GetVersion(ctx context.Context, username string, typ PackageType, name string, id int64) (*PackageVersion, *Response, error) {
	return s.svc().getVersion(ctx, username, typ, name, id)
}

// DeleteVersion deletes one version of a package owned by a user. It can be
// restored within 30 days. GitHub refuses to delete the last version (for
// containers, the last tagged version) of a package (ErrLastVersion) and a
// public version downloaded more than 5,000 times (ErrTooManyDownloads).
// Deleting a container version removes all of its tags.
//
// GitHub API docs: https://docs.github.com/rest/packages/packages#delete-package-version-for-a-user
//
//meta:operation DELETE /users/{username}/packages/{package_type}/{package_name}/versions/{package_version_id}
func (s *UsersService) DeleteVersion(ctx context.Context, username string, typ PackageType, name string, id int64) (*Response, error) {
	return s.svc().deleteVersion(ctx, username, typ, name, id)
}

// RestoreVersion restores a version of a package owned by a user that was
// deleted within the last 30 days, provided its namespace and version are
// still available.
//
// GitHub API docs: https://docs.github.com/rest/packages/packages#restore-package-version-for-a-user
//
//meta:operation POST /users/{username}/packages/{package_type}/{package_name}/versions/{package_version_id}/restore
func (s *UsersService) RestoreVersion(ctx context.Context, username string, typ PackageType, name string, id int64) (*Response, error) {
	return s.svc().restoreVersion(ctx, username, typ, name, id)
}

// List returns one page of the packages of type typ owned by a user. opts may
// be nil. GitHub answers 400 (ErrListLimit) when page × per_page exceeds
// 10,000.
//
// GitHub API docs: https://docs.github.com/rest/packages/packages#list-packages-for-a-user
//
//meta:operation GET /users/{username}/packages
func (s *UsersService) List(ctx context.Context, username string, typ PackageType, opts *PackageListOptions) ([]*Package, *Response, error) {
	return s.svc().list(ctx, username, typ, opts)
}

// All iterates over every package of type typ owned by a user, fetching the
// pages of List as the loop needs them (see "Pages and iterators" in the
// package doc). opts may be nil.
//
// GitHub API docs: https://docs.github.com/rest/packages/packages#list-packages-for-a-user
//
//meta:operation GET /users/{username}/packages
func (s *UsersService) All(ctx context.Context, username string, typ PackageType, opts *PackageListOptions) iter.Seq2[*Package, error] {
	return s.svc().all(ctx, username, typ, opts)
}

// ListDockerConflicts lists the packages owned by a user that conflicted
// during the migration from the Docker registry (docker.pkg.github.com) to the
// Container registry.
//
// GitHub API docs: https://docs.github.com/rest/packages/packages#get-list-of-conflicting-packages-during-docker-migration-for-user
//
//meta:operation GET /users/{username}/docker/conflicts
func (s *UsersService) ListDockerConflicts(ctx context.Context, username string) ([]*Package, *Response, error) {
	return s.svc().listDockerConflicts(ctx, username)
}
