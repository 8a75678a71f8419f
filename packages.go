package ghpackages

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
)

// OwnerKind says whose namespace an Owner is. Its zero value, "", is the
// zero Owner's: no namespace at all, refused rather than taken for an
// organization.
type OwnerKind string

// The kinds of Owner, as Owner.Kind returns them and ParseOwner reads them.
const (
	OwnerKindOrg           OwnerKind = "org"           // OrgOwner: /orgs/{org}/...
	OwnerKindUser          OwnerKind = "user"          // UserOwner: /users/{username}/...
	OwnerKindAuthenticated OwnerKind = "authenticated" // AuthenticatedOwner: /user/...
)

// Valid reports whether k is one of the kinds of Owner (not "").
func (k OwnerKind) Valid() bool {
	switch k {
	case OwnerKindOrg, OwnerKindUser, OwnerKindAuthenticated:
		return true
	}
	return false
}

// maxPerPage is the largest page size the API serves.
const maxPerPage = 100

// service is the one implementation of the Packages operations; OrgsService,
// UserService and UsersService are thin typed fronts for it.
type service struct {
	client *Client
	kind   OwnerKind
}

// ownerPath returns the escaped owner prefix, e.g. "orgs/octo-org".
func (s *service) ownerPath(owner string) (string, error) {
	if err := s.client.ready(); err != nil {
		return "", err
	}
	switch s.kind {
	case OwnerKindAuthenticated:
		return "user", nil
	case OwnerKindOrg:
		if err := checkSegment("organization name", owner); err != nil {
			return "", err
		}
		return "orgs/" + url.PathEscape(owner), nil
	case OwnerKindUser:
		if err := checkSegment("username", owner); err != nil {
			return "", err
		}
		return "users/" + url.PathEscape(owner), nil
	default:
		return "", fmt.Errorf("%w: no owner (the zero Owner); use OrgOwner, UserOwner or AuthenticatedOwner", ErrInvalidArgument)
	}
}

// checkSegment refuses a path segment that is empty or that a URL resolver
// would treat as a directory step ("." or ".."), since escaping leaves those
// as they are.
func checkSegment(what, s string) error {
	switch s {
	case "":
		return fmt.Errorf("%w: empty %s", ErrInvalidArgument, what)
	case ".", "..":
		return fmt.Errorf("%w: invalid %s %q", ErrInvalidArgument, what, s)
	}
	return nil
}

// packagePath validates and escapes the path of one package. The name is
// escaped as a single segment, so "team/app" becomes "team%2Fapp".
func (s *service) packagePath(owner string, typ PackageType, name string) (string, error) {
	prefix, err := s.ownerPath(owner)
	if err != nil {
		return "", err
	}
	if err := checkType(typ); err != nil {
		return "", err
	}
	if err := checkSegment("package name", name); err != nil {
		return "", err
	}
	return prefix + "/packages/" + string(typ) + "/" + url.PathEscape(name), nil
}

// versionPath validates and escapes the paths of one package version and of
// its package.
func (s *service) versionPath(owner string, typ PackageType, name string, id int64) (pkg, version string, err error) {
	pkg, err = s.packagePath(owner, typ, name)
	if err != nil {
		return "", "", err
	}
	if id <= 0 {
		return "", "", fmt.Errorf("%w: package version ID must be positive, got %d", ErrInvalidArgument, id)
	}
	return pkg, pkg + "/versions/" + strconv.FormatInt(id, 10), nil
}

func checkType(typ PackageType) error {
	if !typ.Valid() {
		return fmt.Errorf("%w: unknown package type %q (want one of npm, maven, rubygems, docker, nuget, container)", ErrInvalidArgument, string(typ))
	}
	return nil
}

func checkPaging(page, perPage int) error {
	if page < 0 {
		return fmt.Errorf("%w: page must not be negative, got %d", ErrInvalidArgument, page)
	}
	if perPage < 0 || perPage > maxPerPage {
		return fmt.Errorf("%w: per_page must be between 1 and %d (0 for the default), got %d", ErrInvalidArgument, maxPerPage, perPage)
	}
	return nil
}

func (o *PackageListOptions) validate() error {
	if o == nil {
		return nil
	}
	if o.Visibility != "" && !o.Visibility.Valid() {
		return fmt.Errorf("%w: unknown visibility %q", ErrInvalidArgument, string(o.Visibility))
	}
	return checkPaging(o.Page, o.PerPage)
}

func (o *PackageVersionListOptions) validate() error {
	if o == nil {
		return nil
	}
	if o.State != "" && !o.State.Valid() {
		return fmt.Errorf("%w: unknown version state %q", ErrInvalidArgument, string(o.State))
	}
	return checkPaging(o.Page, o.PerPage)
}

// fetch GETs path and decodes the answer into a new T.
func fetch[T any](ctx context.Context, s *service, ep endpoint, path string) (*T, *Response, error) {
	v := new(T)
	resp, err := s.client.call(ctx, ep, http.MethodGet, path, nil, v)
	if err != nil {
		return nil, resp, err
	}
	return v, resp, nil
}

func (s *service) get(ctx context.Context, owner string, typ PackageType, name string) (*Package, *Response, error) {
	path, err := s.packagePath(owner, typ, name)
	if err != nil {
		return nil, nil, err
	}
	return fetch[Package](ctx, s, readOp(typ), path)
}

func (s *service) delete(ctx context.Context, owner string, typ PackageType, name string) (*Response, error) {
	path, err := s.packagePath(owner, typ, name)
	if err != nil {
		return nil, err
	}
	ep := deleteOp(typ, path, "")
	resp, err := s.client.call(ctx, ep, http.MethodDelete, path, nil, nil)
	return s.client.settle(ctx, ep, resp, err)
}

func (s *service) restore(ctx context.Context, owner string, typ PackageType, name string, opts *RestoreOptions) (*Response, error) {
	path, err := s.packagePath(owner, typ, name)
	if err != nil {
		return nil, err
	}
	var q any
	if opts != nil {
		q = opts
	}
	ep := restoreOp(typ, path, "")
	resp, err := s.client.call(ctx, ep, http.MethodPost, path+"/restore", q, nil)
	return s.client.settle(ctx, ep, resp, err)
}

func (s *service) versionsRequest(ctx context.Context, owner string, typ PackageType, name string, opts *PackageVersionListOptions) (*http.Request, error) {
	path, err := s.packagePath(owner, typ, name)
	if err != nil {
		return nil, err
	}
	if err := opts.validate(); err != nil {
		return nil, err
	}
	var q any
	if opts != nil {
		q = opts
	}
	return s.client.newRequest(ctx, http.MethodGet, path+"/versions", q, nil)
}

func (s *service) listVersions(ctx context.Context, owner string, typ PackageType, name string, opts *PackageVersionListOptions) ([]*PackageVersion, *Response, error) {
	req, err := s.versionsRequest(ctx, owner, typ, name, opts)
	if err != nil {
		return nil, nil, err
	}
	versions := make([]PackageVersion, 0, perPageOf(req.URL.RawQuery))
	resp, err := s.client.do(req, readOp(typ), &versions)
	if err != nil {
		return nil, resp, err
	}
	return pointers(versions), resp, nil
}

func (s *service) allVersions(ctx context.Context, owner string, typ PackageType, name string, opts *PackageVersionListOptions) iter.Seq2[*PackageVersion, error] {
	return paginate[PackageVersion](ctx, s.client, readOp(typ), func() (*http.Request, error) {
		return s.versionsRequest(ctx, owner, typ, name, opts)
	})
}

func (s *service) getVersion(ctx context.Context, owner string, typ PackageType, name string, id int64) (*PackageVersion, *Response, error) {
	_, path, err := s.versionPath(owner, typ, name, id)
	if err != nil {
		return nil, nil, err
	}
	return fetch[PackageVersion](ctx, s, readOp(typ), path)
}

func (s *service) deleteVersion(ctx context.Context, owner string, typ PackageType, name string, id int64) (*Response, error) {
	pkg, path, err := s.versionPath(owner, typ, name, id)
	if err != nil {
		return nil, err
	}
	ep := deleteOp(typ, pkg, path)
	resp, err := s.client.call(ctx, ep, http.MethodDelete, path, nil, nil)
	return s.client.settle(ctx, ep, resp, err)
}

func (s *service) restoreVersion(ctx context.Context, owner string, typ PackageType, name string, id int64) (*Response, error) {
	pkg, path, err := s.versionPath(owner, typ, name, id)
	if err != nil {
		return nil, err
	}
	ep := restoreOp(typ, pkg, path)
	resp, err := s.client.call(ctx, ep, http.MethodPost, path+"/restore", nil, nil)
	return s.client.settle(ctx, ep, resp, err)
}

// listQuery is the query of the list-packages endpoints.
type listQuery struct {
	PackageType PackageType `url:"package_type"`
	PackageListOptions
}

func (s *service) listRequest(ctx context.Context, owner string, typ PackageType, opts *PackageListOptions) (*http.Request, error) {
	prefix, err := s.ownerPath(owner)
	if err != nil {
		return nil, err
	}
	if err := checkType(typ); err != nil {
		return nil, err
	}
	if err := opts.validate(); err != nil {
		return nil, err
	}
	q := listQuery{PackageType: typ}
	if opts != nil {
		q.PackageListOptions = *opts
	}
	return s.client.newRequest(ctx, http.MethodGet, prefix+"/packages", q, nil)
}

func (s *service) list(ctx context.Context, owner string, typ PackageType, opts *PackageListOptions) ([]*Package, *Response, error) {
	req, err := s.listRequest(ctx, owner, typ, opts)
	if err != nil {
		return nil, nil, err
	}
	pkgs := make([]Package, 0, perPageOf(req.URL.RawQuery))
	resp, err := s.client.do(req, listOp(typ), &pkgs)
	if err != nil {
		return nil, resp, err
	}
	return pointers(pkgs), resp, nil
}

func (s *service) all(ctx context.Context, owner string, typ PackageType, opts *PackageListOptions) iter.Seq2[*Package, error] {
	return paginate[Package](ctx, s.client, listOp(typ), func() (*http.Request, error) {
		return s.listRequest(ctx, owner, typ, opts)
	})
}

func (s *service) listDockerConflicts(ctx context.Context, owner string) ([]*Package, *Response, error) {
	prefix, err := s.ownerPath(owner)
	if err != nil {
		return nil, nil, err
	}
	pkgs, resp, err := fetch[[]Package](ctx, s, readOp(Docker), prefix+"/docker/conflicts")
	if err != nil {
		return nil, resp, err
	}
	return pointers(*pkgs), resp, nil
}

// Owner names a package owner's namespace: an organization, a user, or the
// authenticated user. Tools that work on any owner (a cleanup job, a CLI)
// take an Owner and call Client.Packages with it, instead of switching over
// the three services.
//
// The zero Owner means "no owner": its Kind is "", and every method of
// Client.Packages(Owner{}) fails with ErrInvalidArgument before any request.
type Owner struct {
	kind OwnerKind
	name string
}

// OrgOwner is the namespace of organization org (/orgs/{org}/...).
func OrgOwner(org string) Owner { return Owner{kind: OwnerKindOrg, name: org} }

// UserOwner is the namespace of user username (/users/{username}/...).
func UserOwner(username string) Owner { return Owner{kind: OwnerKindUser, name: username} }

// AuthenticatedOwner is the namespace of the token's own account (/user/...).
func AuthenticatedOwner() Owner { return Owner{kind: OwnerKindAuthenticated} }

// Kind is OwnerKindOrg, OwnerKindUser or OwnerKindAuthenticated; "" for the
// zero Owner.
func (o Owner) Kind() OwnerKind { return o.kind }

// ParseOwner is the inverse of Kind and Name: it returns the Owner of kind
// OwnerKindOrg or OwnerKindUser with a name, or OwnerKindAuthenticated
// (whose name must be empty). A plain string converts: ParseOwner("org",
// "octo-org").
func ParseOwner(kind OwnerKind, name string) (Owner, error) {
	switch {
	case kind == OwnerKindOrg && name != "":
		return OrgOwner(name), nil
	case kind == OwnerKindUser && name != "":
		return UserOwner(name), nil
	case kind == OwnerKindAuthenticated && name == "":
		return AuthenticatedOwner(), nil
	}
	return Owner{}, fmt.Errorf("%w: owner kind %q with name %q", ErrInvalidArgument, string(kind), name)
}

// Name is the owner's login; empty for AuthenticatedOwner.
func (o Owner) Name() string { return o.name }

// String renders the owner as "org NAME", "user NAME", "the authenticated
// user", or "no owner" for the zero Owner.
func (o Owner) String() string {
	switch o.kind {
	case OwnerKindOrg:
		return "org " + o.name
	case OwnerKindUser:
		return "user " + o.name
	case OwnerKindAuthenticated:
		return "the authenticated user"
	}
	return "no owner"
}

// Packages returns the operations on owner's packages: the same methods as
// OrgsService, UserService and UsersService, without the owner argument.
func (c *Client) Packages(owner Owner) *OwnerPackages {
	return &OwnerPackages{s: service{client: c, kind: owner.kind}, owner: owner.name}
}

// OwnerPackages calls the Packages endpoints of one owner, chosen by
// Client.Packages. Each method calls the same endpoint as the method of the
// same name on OrgsService, UsersService or UserService.
type OwnerPackages struct {
	s     service
	owner string
}

// front returns the service p stands for and the owner's name; a nil p
// stands for a service without a client, whose every call fails.
func (p *OwnerPackages) front() (*service, string) {
	if p == nil {
		return &service{}, ""
	}
	return &p.s, p.owner
}

// Get returns one of the owner's packages. It calls the same endpoint as
// OrgsService.Get, UserService.Get or UsersService.Get; which one depends on
// the owner's kind. See those for the details.
//
// GitHub API docs: https://docs.github.com/rest/packages/packages
func (p *OwnerPackages) Get(ctx context.Context, typ PackageType, name string) (*Package, *Response, error) {
	s, owner := p.front()
	return s.get(ctx, owner, typ, name)
}

// Delete deletes one of the owner's packages, with all its versions. It
// calls the same endpoint as OrgsService.Delete, UserService.Delete or
// UsersService.Delete; which one depends on the owner's kind. See those for
// the details.
//
// GitHub API docs: https://docs.github.com/rest/packages/packages
func (p *OwnerPackages) Delete(ctx context.Context, typ PackageType, name string) (*Response, error) {
	s, owner := p.front()
	return s.delete(ctx, owner, typ, name)
}

// Restore restores one of the owner's deleted packages. opts may be nil. It
// calls the same endpoint as OrgsService.Restore, UserService.Restore or
// UsersService.Restore; which one depends on the owner's kind. See those for
// the details.
//
// GitHub API docs: https://docs.github.com/rest/packages/packages
func (p *OwnerPackages) Restore(ctx context.Context, typ PackageType, name string, opts *RestoreOptions) (*Response, error) {
	s, owner := p.front()
	return s.restore(ctx, owner, typ, name, opts)
}

// ListVersions returns one page of the versions of one of the owner's
// packages, newest first. opts may be nil. It calls the same endpoint as
// OrgsService.ListVersions, UserService.ListVersions or
// UsersService.ListVersions; which one depends on the owner's kind. See
// those for the details.
//
// GitHub API docs: https://docs.github.com/rest/packages/packages
func (p *OwnerPackages) ListVersions(ctx context.Context, typ PackageType, name string, opts *PackageVersionListOptions) ([]*PackageVersion, *Response, error) {
	s, owner := p.front()
	return s.listVersions(ctx, owner, typ, name, opts)
}

// AllVersions iterates over every version of one of the owner's packages,
// newest first (see "Pages and iterators" in the package doc). opts may be
// nil. It calls the same endpoint as OrgsService.AllVersions,
// UserService.AllVersions or UsersService.AllVersions; which one depends on
// the owner's kind. See those for the details.
//
// GitHub API docs: https://docs.github.com/rest/packages/packages
func (p *OwnerPackages) AllVersions(ctx context.Context, typ PackageType, name string, opts *PackageVersionListOptions) iter.Seq2[*PackageVersion, error] {
	s, owner := p.front()
	return s.allVersions(ctx, owner, typ, name, opts)
}

// GetVersion returns one version of one of the owner's packages. It calls
// the same endpoint as OrgsService.GetVersion, UserService.GetVersion or
// UsersService.GetVersion; which one depends on the owner's kind. See those
// for the details.
//
// GitHub API docs: https://docs.github.com/rest/packages/packages
func (p *OwnerPackages) GetVersion(ctx context.Context, typ PackageType, name string, id int64) (*PackageVersion, *Response, error) {
	s, owner := p.front()
	return s.getVersion(ctx, owner, typ, name, id)
}

// DeleteVersion deletes one version of one of the owner's packages. It calls
// the same endpoint as OrgsService.DeleteVersion, UserService.DeleteVersion
// or UsersService.DeleteVersion; which one depends on the owner's kind. See
// those for the details.
//
// GitHub API docs: https://docs.github.com/rest/packages/packages
func (p *OwnerPackages) DeleteVersion(ctx context.Context, typ PackageType, name string, id int64) (*Response, error) {
	s, owner := p.front()
	return s.deleteVersion(ctx, owner, typ, name, id)
}

// RestoreVersion restores one deleted version of one of the owner's
// packages. It calls the same endpoint as OrgsService.RestoreVersion,
// UserService.RestoreVersion or UsersService.RestoreVersion; which one
// depends on the owner's kind. See those for the details.
//
// GitHub API docs: https://docs.github.com/rest/packages/packages
func (p *OwnerPackages) RestoreVersion(ctx context.Context, typ PackageType, name string, id int64) (*Response, error) {
	s, owner := p.front()
	return s.restoreVersion(ctx, owner, typ, name, id)
}

// List returns one page of the owner's packages of type typ. opts may be
// nil. It calls the same endpoint as OrgsService.List, UserService.List or
// UsersService.List; which one depends on the owner's kind. See those for
// the details.
//
// GitHub API docs: https://docs.github.com/rest/packages/packages
func (p *OwnerPackages) List(ctx context.Context, typ PackageType, opts *PackageListOptions) ([]*Package, *Response, error) {
	s, owner := p.front()
	return s.list(ctx, owner, typ, opts)
}

// All iterates over every one of the owner's packages of type typ (see
// "Pages and iterators" in the package doc). opts may be nil. It calls the
// same endpoint as OrgsService.All, UserService.All or UsersService.All;
// which one depends on the owner's kind. See those for the details.
//
// GitHub API docs: https://docs.github.com/rest/packages/packages
func (p *OwnerPackages) All(ctx context.Context, typ PackageType, opts *PackageListOptions) iter.Seq2[*Package, error] {
	s, owner := p.front()
	return s.all(ctx, owner, typ, opts)
}

// ListDockerConflicts lists the owner's packages that conflicted during the
// migration from the Docker registry to the Container registry. It calls the
// same endpoint as OrgsService.ListDockerConflicts,
// UserService.ListDockerConflicts or UsersService.ListDockerConflicts; which
// one depends on the owner's kind. See those for the details.
//
// GitHub API docs: https://docs.github.com/rest/packages/packages
func (p *OwnerPackages) ListDockerConflicts(ctx context.Context) ([]*Package, *Response, error) {
	s, owner := p.front()
	return s.listDockerConflicts(ctx, owner)
}

// ResolveOwner looks login up and returns OrgOwner(login) for an
// organization or UserOwner(login) for a user, so a tool can take one
// --owner flag. (The login's own case is kept; the API ignores case.)
//
// GitHub API docs: https://docs.github.com/rest/users/users#get-a-user
//
//meta:operation GET /users/{username}
func (c *Client) ResolveOwner(ctx context.Context, login string) (Owner, *Response, error) {
	if err := checkSegment("login", login); err != nil {
		return Owner{}, nil, err
	}
	var u User
	resp, err := c.call(ctx, plainGET(), http.MethodGet, "users/"+url.PathEscape(login), nil, &u)
	if err != nil {
		return Owner{}, resp, err
	}
	if u.Type == "Organization" {
		return OrgOwner(login), resp, nil
	}
	return UserOwner(login), resp, nil
}

// settle returns what the call of ep, which returned resp and err, means:
// when its resend was answered 404 after a lost answer (resp.Replayed, err
// matching ErrDeleteUnconfirmed or ErrRestoreUnconfirmed), reads settle it
// by the table in replay.go; any other outcome is returned as it is.
func (c *Client) settle(ctx context.Context, ep endpoint, resp *Response, err error) (*Response, error) {
	if resp == nil || !resp.Replayed {
		return resp, err
	}
	var apiErr *Error
	if !errors.As(err, &apiErr) {
		return resp, err
	}
	return resp, c.settled(ctx, ep, apiErr, err)
}

// settled is settle's reading, by the table in replay.go.
func (c *Client) settled(ctx context.Context, ep endpoint, apiErr *Error, err error) error {
	restore := ep.op == OperationRestore
	if ep.version != "" {
		switch c.reads(ctx, ep, ep.version) {
		case readsOK:
			if restore {
				return nil
			}
			apiErr.kind, apiErr.Hint = nil, hintStillExists
			return err
		case readsFailed:
			return err
		}
		if c.reads(ctx, ep, ep.pkg) != readsOK {
			return err
		}
		if restore {
			apiErr.kind, apiErr.Hint = nil, hintNotActive
			return err
		}
		return nil
	}
	if restore && ep.pkg != "" && c.reads(ctx, ep, ep.pkg) == readsOK {
		return nil
	}
	return err
}

// readOutcome is what a settling read found.
type readOutcome int

const (
	readsOK       readOutcome = iota // 2xx: it exists, and the token sees it
	readsNotFound                    // 404: gone, or not visible
	readsFailed                      // anything else: nothing learnt
)

// reads GETs path (escaped, relative to the base URL), a package or version
// of ep's type, without decoding the answer.
func (c *Client) reads(ctx context.Context, ep endpoint, path string) readOutcome {
	_, err := c.call(ctx, readOp(ep.typ), http.MethodGet, path, nil, nil)
	switch {
	case err == nil:
		return readsOK
	case errors.Is(err, ErrNotFound):
		return readsNotFound
	}
	return readsFailed
}
