// Package ghpackages is a typed client for the GitHub Packages REST API: get,
// list, delete and restore packages and package versions owned by an
// organization, the authenticated user, or another user.
//
// See https://docs.github.com/rest/packages/packages
//
// # Where to start
//
// Make a Client with a token, list what is there, and match errors with
// errors.Is (Example_whereToStart is this code):
//
//	ctx := context.Background()
//	client, err := ghpackages.NewClient(ghpackages.WithToken(os.Getenv("GITHUB_TOKEN")))
//	if err != nil {
//		log.Fatal(err)
//	}
//	opts := &ghpackages.PackageVersionListOptions{PerPage: 100}
//	versions, err := ghpackages.Collect(client.Orgs.AllVersions(ctx, "octo-org", ghpackages.Container, "team/app", opts))
//	if err != nil {
//		log.Fatal(err)
//	}
//	for _, v := range versions {
//		if len(v.Tags()) > 0 {
//			continue // keep tagged images
//		}
//		_, err := client.Orgs.DeleteVersion(ctx, "octo-org", ghpackages.Container, "team/app", v.ID)
//		switch {
//		case errors.Is(err, ghpackages.ErrLastVersion):
//			fmt.Println("kept", v.Name, "(GitHub keeps the last version)")
//		case err != nil:
//			log.Fatal(err)
//		default:
//			fmt.Println("deleted", v.Name)
//		}
//	}
//
// Client.Packages(owner) does the same for an owner chosen at run time, and
// the package ghpackagestest serves all of it from a fake for tests.
//
// The README has a complete program, and the two commands that run the
// examples and the tests from a fresh clone:
// https://github.com/ghpackages/ghpackages-go#readme. The SDK guide covers
// errors, pagination, rate limits, GitHub Enterprise Server and custom HTTP
// clients:
// https://github.com/ghpackages/ghpackages-go/blob/main/docs/sdk.md.
//
// # Services
//
// A Client, made by NewClient, has three services with one method set:
// Client.Orgs (/orgs/{org}/...), Client.Users (/users/{username}/...) and
// Client.User (/user/..., the token's own account). Orgs and Users take the
// owner after ctx; User takes none. Client.Packages(owner) returns the same
// methods for an Owner chosen at run time (OrgOwner, UserOwner,
// AuthenticatedOwner), for tools that take the owner as data. The contracts
// below hold for every method of all four; each method's own comment says
// only what its endpoint adds, and links GitHub's page for it.
//
// # Arguments and validation
//
// Every method takes a non-nil context first. Required path parts are
// positional and typed; optional query parameters come last as an options
// pointer, which may be nil. Arguments are checked before any request is
// sent, and bad ones fail with an error matching ErrInvalidArgument: an
// empty owner or name, the zero Owner, "." or "..", an unknown PackageType,
// Visibility or VersionState, a version ID ≤ 0, PerPage outside 0…100 or
// a negative Page. An empty username never means "me": use Client.User.
//
// # Escaping
//
// Each path part is escaped as exactly one segment, once: the container
// "team/app" is sent as team%2Fapp, "@octo/pkg" as @octo%2Fpkg. Callers pass
// names as GitHub shows them, never pre-escaped.
//
// # Results and errors
//
// Methods return the decoded value (nil on error), a *Response, and an
// error. The Response is non-nil whenever GitHub answered, also with an
// error; it carries the rate-limit state, the pagination links, the
// token's scopes and the request ID.
//
// Every non-2xx answer is an *Error, found with errors.As, and matched by
// kind with errors.Is against the sentinels: ErrUnauthorized, ErrForbidden,
// ErrNotFound, ErrServer by status, and GitHub's named refusals
// ErrLastVersion, ErrTooManyDownloads and ErrListLimit. A DELETE or restore
// resent after a lost answer and then answered 404 matches
// ErrDeleteUnconfirmed or ErrRestoreUnconfirmed unless reads settled what
// happened; a failing token source matches ErrTokenSource (nothing was
// sent). Rate limits are a *RateLimitError matching ErrRateLimited. When a
// 401, 403 or 404 reports the token's classic scopes, Error.MissingScopes
// names those the operation needs and lacks (see RequiredScopes). A
// mutation answered with a redirect is refused, never followed: a
// *RedirectError matching ErrRedirect. A 2xx answer is final: a body that
// does not decode is a *DecodeError (unwrapping to the decoder's or the
// value's own error) and one larger than the cap (DefaultMaxResponseBytes,
// WithMaxResponseBytes) a *ResponseTooLargeError matching
// ErrResponseTooLarge; neither is sent again. Transport failures are
// wrapped with %w, so errors.Is(err, context.Canceled) works.
// Errors and logs never carry the token or URL credentials. The texts of
// errors and of Error.Hint are for people and may change; match with
// errors.Is.
//
// # Pages and iterators
//
// List and ListVersions return one page; Response.NextPage, LastPage,
// NextURL… drive paging by hand. All and AllVersions return an
// iter.Seq2[*T, error] over every item, with this contract:
//
//   - Lazy: nothing is sent until the loop starts; pages are fetched one at
//     a time as the loop reaches them, and only one page is held in memory.
//     opts.Page, if set, is the first page fetched.
//   - Exact: each next page is the response's Link rel="next" URL exactly
//     as GitHub sent it (a relative one resolved against the URL of the
//     page that sent it). A link to another scheme, host or port (a
//     default port is the same as none) is refused (the token is never
//     sent there), as is a link back to a page already fetched (a loop);
//     after 3 empty pages in a row that each link another, the walk fails.
//   - Break: leaving the loop stops fetching at once.
//   - Errors: a failed page, or a canceled ctx, is yielded once as an error
//     with a nil item, and iteration then stops.
//   - Deleting while iterating shifts later pages and skips items: gather
//     first (Collect), then delete.
//   - The list limit: GitHub serves the list-packages endpoints (List, All)
//     only while page × per_page ≤ 10,000. All yields the packages up to
//     that point (10,000 with PerPage 100; 9,990 with the default 30), then
//     an error matching ErrListLimit, and stops: the packages past it
//     cannot be listed, so narrow the list (PackageListOptions.Visibility)
//     or treat the error as "more than 10,000". GitHub documents no such
//     limit for versions; AllVersions follows the next links to the end.
//
// # Rate limits, retries and pacing
//
// The Client retries transient failures of idempotent operations and waits
// out rate limits (RetryPolicy, WithRetry), paces itself under GitHub's
// secondary limits (Pacing, WithPacing), and pauses all its requests while
// a secondary limit, or a spent core budget, is in force. In both
// RetryPolicy and Pacing a zero field means its default; a negative count
// or Pacing limit turns that limit off, while a negative RetryPolicy
// duration or Pacing cost is refused. "Retry-After: 0" is a retry at once. Whether an
// attempt may go again is decided once, where it is sent: an answer (any
// status) is final unless it is a rate limit or a 500, 502, 503 or 504; an
// attempt cut off before its answer may go again if its body rewinds and
// its operation is idempotent. No wait outlives the request's context. Client.Rate(resource) and Client.Rates() report the latest
// X-RateLimit-* state per resource ("core", "search", …); pacing reads only
// "core".
//
// # Raw requests
//
// NewRequest, AddQuery and Do call any endpoint with the Client's
// authentication, headers, pacing, retries, error mapping and rate
// accounting. NewRequest(ctx, method, urlStr, body) has go-github's shape:
// body is JSON, query parameters go in urlStr (AddQuery). A body on GET or
// HEAD, or a query passed as a body, is refused with ErrInvalidArgument.
//
// The typed methods tell the request path what they know of their
// operation; a raw request carries only itself, so Do classifies it by
// method alone: a transient failure is retried for GET, HEAD and DELETE
// (never for POST, PUT or PATCH, whatever the URL), a DELETE replay
// answered 404 is an error matching ErrDeleteUnconfirmed (with
// Response.Replayed set: only DeleteVersion can settle it by reading), rate
// limits are waited out for any method, status sentinels and GitHub's named
// refusals match as for typed calls, and errors carry no MissingScopes and
// never match ErrListLimit.
//
// # Authentication and HTTP clients
//
// WithToken sends a fixed token; WithTokenSource asks an oauth2.TokenSource
// for one per request; WithTokenFunc asks a function, with the request's
// context, so a refresh ends with the request. The token is added to the
// copy of each request the Client sends, when it is bound for the API host;
// a redirect keeps it only while it stays on that host. Any other scheme works through WithHTTPClient: pass an
// *http.Client whose Transport authenticates (for example a GitHub App
// installation transport) and give no token option. The client is copied,
// never modified. NewClient reads no environment variables. A Client is safe
// for concurrent use by multiple goroutines.
//
// # API stability
//
// This package follows semantic versioning. Until v1.0.0 its surface may
// still change, but each change is deliberate: the exported API is listed
// in testdata/api and a test fails on any difference, so every change is a
// reviewed diff. From v1.0.0, stable means: no exported name is removed or
// changes type or signature, and documented behaviour (validation,
// escaping, error matching, the iterator contract, raw-request
// classification) holds. Additions (new methods, options, struct fields,
// sentinels, constants) may come in minor releases; do not rely on
// unkeyed struct literals of exported types, or on implementing the
// services' method sets yourself.
//
// Not covered by that promise, and free to change in any release:
//
//   - the texts of errors, Error.Hint, RetryEvent.String and log lines;
//   - the values of RetryReason (compare with the constants);
//   - the default retry and pacing numbers (DefaultRetryPolicy,
//     DefaultPacing, BudgetPacing follow GitHub's published limits);
//   - WithETagCache's sizing, which is experimental. (Pacing's fields are
//     promised: a zero field means its default, a negative one turns that
//     limit off, as in RetryPolicy.)
//
// Package ghpackagestest is in this module and under the same promise, its
// answers included: the routes it serves, their statuses, headers and
// error bodies, the seed file format, the request log's keys and its
// option names (docs/api-stability.md lists what each package promises).
// Retention, ghcrtest and the ghpkg command live in modules of their own,
// which make their own promises.
package ghpackages
