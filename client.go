package ghpackages

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
)

// Version is this library's version, sent in the default User-Agent.
const Version = "0.1.0"

const (
	// DefaultBaseURL is the REST API root of github.com.
	DefaultBaseURL = "https://api.github.com/"
	// DefaultAPIVersion is the REST API version sent in X-GitHub-Api-Version.
	DefaultAPIVersion = "2022-11-28"
	// DefaultUserAgent is the User-Agent sent unless WithUserAgent is used.
	DefaultUserAgent = "ghpackages-go/" + Version

	mediaTypeJSON = "application/vnd.github+json"
)

// Client talks to the GitHub Packages REST API. Create one with NewClient; a
// Client is safe for concurrent use by multiple goroutines.
//
// A Client not made by NewClient refuses every call, never sending
// anything: the methods of the zero Client, of a nil *Client, and of their
// services (the zero Client's Orgs, User and Users are nil, and a method
// on a nil service refuses too) return an error matching
// ErrInvalidArgument. Reading a field of a nil *Client, such as c.Orgs,
// panics, as for any nil pointer; c.Packages(owner) does not.
type Client struct {
	httpClient *http.Client
	baseURL    *url.URL
	userAgent  string
	apiVersion string
	retry      RetryPolicy
	clock      Clock
	limiter    *limiter
	cache      *etagCache
	logger     *slog.Logger
	token      tokenFunc // nil: no Authorization header
	maxBody    int64     // the cap on a 2xx body that is decoded

	rateMu sync.Mutex
	rates  map[string]Rate // by X-RateLimit-Resource

	// Orgs calls the /orgs/{org}/... endpoints.
	Orgs *OrgsService
	// User calls the /user/... endpoints of the authenticated user.
	User *UserService
	// Users calls the /users/{username}/... endpoints of any user.
	Users *UsersService
}

// NewClient returns a Client configured by opts. It reads no environment
// variables. It refuses to send a token over plain http:// to any host but a
// loopback one.
func NewClient(opts ...Option) (*Client, error) {
	s := settings{
		baseURL:    DefaultBaseURL,
		userAgent:  DefaultUserAgent,
		apiVersion: DefaultAPIVersion,
		retry:      DefaultRetryPolicy(),
		pacing:     DefaultPacing(),
		clock:      realClock{},
		maxBody:    DefaultMaxResponseBytes,
	}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&s); err != nil {
			return nil, err
		}
	}
	base, err := parseBaseURL(s.baseURL)
	if err != nil {
		return nil, err
	}
	if s.token != nil && base.Scheme == "http" && !isLoopback(base.Hostname()) {
		return nil, fmt.Errorf("%w: refusing to send a token over plain http to %s; use https or a loopback address", ErrInvalidArgument, base.Host)
	}

	hc := &http.Client{}
	if s.httpClient != nil {
		copied := *s.httpClient
		hc = &copied
	}
	hc.CheckRedirect = checkRedirect(hc.CheckRedirect, base)

	retry := s.retry.withDefaults()
	c := &Client{
		httpClient: hc,
		baseURL:    base,
		userAgent:  s.userAgent,
		apiVersion: s.apiVersion,
		retry:      retry,
		clock:      s.clock,
		limiter:    newLimiter(s.pacing, s.clock, retry.MaxWait),
		cache:      s.cache,
		logger:     s.logger,
		token:      s.token,
		maxBody:    s.maxBody,
	}
	c.Orgs = &OrgsService{s: service{client: c, kind: OwnerKindOrg}}
	c.User = &UserService{s: service{client: c, kind: OwnerKindAuthenticated}}
	c.Users = &UsersService{s: service{client: c, kind: OwnerKindUser}}
	return c, nil
}

// checkRedirect is the CheckRedirect of the Client's copy of its
// *http.Client: what a redirect may do, before user, the caller's own
// CheckRedirect (nil: net/http's rule of at most 10), is asked.
//
//   - A mutation (DELETE, POST, PUT, PATCH, …) is never sent on: net/http
//     would send a 301, 302 or 303 on as a GET and report that GET's
//     answer as the mutation's. It ends in a *RedirectError.
//   - A redirect from https to plain http off loopback is refused.
//   - A redirect off the API host (base's scheme, host and port, default
//     ports normalised) carries no token. (net/http drops Authorization
//     on a change of domain, but keeps it for a subdomain.)
func checkRedirect(user func(*http.Request, []*http.Request) error, base *url.URL) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		first := via[0]
		if isMutation(first.Method) {
			re := &RedirectError{Method: first.Method, URL: redactURL(first.URL)}
			if req.Response != nil {
				re.StatusCode = req.Response.StatusCode
				re.Location = redactLocation(req.Response.Header.Get("Location"))
			}
			return re
		}
		if req.URL.Scheme == "http" && !isLoopback(req.URL.Hostname()) && first.URL.Scheme == "https" {
			return fmt.Errorf("ghpackages: refusing redirect from https to %s://%s", req.URL.Scheme, req.URL.Host)
		}
		if !sameHost(req.URL, base) {
			req.Header.Del("Authorization")
		}
		if user != nil {
			return user(req, via)
		}
		if len(via) >= 10 {
			return errors.New("ghpackages: stopped after 10 redirects")
		}
		return nil
	}
}

// redactLocation is a Location header as a *RedirectError names it: as
// sent, less the credentials redactURL takes out of a URL; a value that
// does not parse as a URL is named "(unreadable)".
func redactLocation(loc string) string {
	u, err := url.Parse(loc)
	if err != nil {
		return "(unreadable)"
	}
	return redactURL(u)
}

// errNotMade is the error of every call on a Client not made by NewClient.
var errNotMade = fmt.Errorf("%w: the Client was not made by NewClient", ErrInvalidArgument)

// ready returns an error unless c was made by NewClient: the zero Client
// and a nil *Client refuse every call instead of panicking.
func (c *Client) ready() error {
	if c == nil || c.httpClient == nil {
		return errNotMade
	}
	return nil
}

// BaseURL returns a copy of the REST API root the Client sends requests to;
// nil for a Client not made by NewClient.
func (c *Client) BaseURL() *url.URL {
	if c.ready() != nil {
		return nil
	}
	u := *c.baseURL
	return &u
}

// TokenScopes reports the classic OAuth scopes of the client's token, read
// from the X-OAuth-Scopes header of GET /rate_limit (a call that costs no
// rate-limit quota). The scopes are nil when the token is not a classic
// personal access token or OAuth token (fine-grained and App tokens carry no
// such header).
//
// GitHub API docs: https://docs.github.com/rest/rate-limit/rate-limit#get-rate-limit-status-for-the-authenticated-user
//
//meta:operation GET /rate_limit
func (c *Client) TokenScopes(ctx context.Context) ([]Scope, *Response, error) {
	resp, err := c.call(ctx, plainGET(), http.MethodGet, "rate_limit", nil, nil)
	if err != nil {
		return nil, resp, err
	}
	return resp.TokenScopes, resp, nil
}
