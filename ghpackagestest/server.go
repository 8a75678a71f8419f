// Package ghpackagestest provides an in-memory GitHub Packages REST API
// server for tests, as net/http/httptest does for HTTP: programs built on
// ghpackages can be tested against it with no token and no network.
//
// The Server serves all 27 Packages operations, GET /rate_limit,
// GET /users/{username} (to tell organizations from users) and GET /user
// (the token's own account, which some tools read to choose between
// /user/packages and /users/{username}/packages) with GitHub's paths, status codes, headers and JSON shapes, and follows
// GitHub's rules: each endpoint's documented classic-token scopes (with
// X-OAuth-Scopes headers), fine-grained and Actions workflow tokens, soft
// deletes restorable for 30 days on the server's Clock, the last-version
// and 5,000-download refusals, page/per_page pagination with Link headers,
// primary and secondary rate limits, and injectable faults. url and
// html_url fields point at the server itself.
//
// WithRegistry adds a container registry on the same host whose images
// match the container versions (package ghcrtest provides its storage); WithDemo and WithSeed (a JSON SeedFile)
// fill it with data; WithAPIPrefix gives it GitHub Enterprise Server's
// "/api/v3" shape; WithRequestLog records every request as a JSON line.
// Command cmd/ghpackages-fake serves all of it over HTTP, with a flag for
// each option, for tests in any language.
//
//	srv := ghpackagestest.NewServer(ghpackagestest.WithDemo())
//	defer srv.Close()
//	client := srv.Client()
//
// The guide to the fake, with a whole test, what it does as GitHub does and
// the seed file format:
// https://github.com/ghpackages/ghpackages-go/blob/main/docs/fake.md.
package ghpackagestest

import (
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	ghpackages "github.com/ghpackages/ghpackages-go"
)

// DefaultToken is the token Server.Client authenticates with. It has every
// classic scope the Packages API uses, and belongs to DefaultLogin.
const DefaultToken = "ghp_fake_default_token"

// DefaultLogin is the user the default token belongs to (the "authenticated
// user" of /user/... endpoints).
const DefaultLogin = "octocat"

// TokenSpec describes a token the Server accepts.
type TokenSpec struct {
	// Login is the user the token belongs to; DefaultLogin when empty.
	Login string
	// Scopes are the token's classic scopes, reported in X-OAuth-Scopes.
	Scopes []ghpackages.Scope
	// FineGrained marks a fine-grained token: no scope headers, reads
	// allowed, deletes and restores refused (fine-grained tokens have no
	// delete:packages).
	FineGrained bool
	// Repository, as "owner/repo", makes the token a GitHub Actions
	// workflow token (GITHUB_TOKEN) of that repository: no scope headers;
	// it reads public packages and the packages linked to that repository
	// (others answer 404 "Package not found."), cannot list an owner's
	// packages or docker conflicts (403 "Resource not accessible by
	// integration"), and deletes or restores only with Admin.
	Repository string
	// Admin gives an Actions token admin permission on the packages its
	// repository reaches, which deleting and restoring need; without it
	// they answer 404, as GitHub does.
	Admin bool
	// Name labels the token in the request log (WithRequestLog); the token
	// string itself is never logged.
	Name string
}

// actions reports whether t is an Actions workflow token.
func (t *TokenSpec) actions() bool { return t != nil && t.Repository != "" }

// AllScopes returns the classic scopes that allow every Packages operation
// (a new slice each call, so no caller can change another's).
func AllScopes() []ghpackages.Scope {
	return []ghpackages.Scope{ghpackages.ScopeReadPackages, ghpackages.ScopeWritePackages, ghpackages.ScopeDeletePackages, ghpackages.ScopeRepo}
}

// Option configures a Server; the With… functions make them. Each option
// checks its arguments: New fails its test, and NewServer panics, naming
// every invalid option, before the server starts listening.
//
// Options are functions of *Server rather than ghpackages' validating
// func(*settings) error because the constructors differ: NewClient returns
// an error, while New and NewServer have httptest's shape (no error: a
// test fake reports misuse through the test, or by panicking), so an
// option reports what it refuses to the Server it configures.
type Option func(*Server)

// WithClock makes the Server read the time from c, the same Clock that
// ghpackages.WithClock gives a client: creation and deletion times, the
// 30-day restore window, and rate-limit windows. Clients made by
// Server.Client get c too, so their rate-limit waits are measured on the
// server's time; a *FakeClock then makes those waits take no real time.
// The default is the wall clock.
func WithClock(c ghpackages.Clock) Option {
	return func(s *Server) {
		if c == nil {
			s.invalid("WithClock: nil Clock")
			return
		}
		s.clock = c
	}
}

// WithTokenSpec makes the Server accept token (the string sent after
// "Bearer"). An empty token, or Admin without Repository, is invalid.
func WithTokenSpec(token string, spec TokenSpec) Option {
	return func(s *Server) {
		if problem := tokenProblem(token, spec); problem != "" {
			s.invalid("WithTokenSpec: %s", problem)
			return
		}
		s.addToken(token, spec)
	}
}

// WithNPMLastVersionDeletesPackage makes deleting the only remaining
// version of an npm package succeed and delete the package with it (later
// reads answer 404; restoring the package restores the version), as users
// have reported of npm packages. Without it, npm packages refuse like every
// other type: 400 "You cannot delete the last version of a package. You
// must delete the package instead."
func WithNPMLastVersionDeletesPackage() Option {
	return func(s *Server) { s.npmLastVersionDeletes = true }
}

// WithFirstID makes the server number its owners, packages, repositories
// and versions from id upwards (IDs are deterministic: each new object takes
// the next number, DefaultLogin's account first). The default,
// 1_260_000_001, is about where GitHub's version IDs were in 2026; start
// above math.MaxInt32 to catch code that keeps IDs in 32 bits.
// id must be at least 1.
func WithFirstID(id int64) Option {
	return func(s *Server) {
		if id < 1 {
			s.invalid("WithFirstID: %d is not a positive ID", id)
			return
		}
		s.nextID = id - 1
	}
}

// WithAPIPrefix serves the REST API under prefix, as GitHub Enterprise
// Server does under "/api/v3" (leading and trailing slashes are optional):
// BaseURL ends with it, and paths outside it answer 404 (the registry stays
// at /v2/ and on "containers." hosts). An empty prefix, or one with a
// query, fragment or escape, is invalid.
func WithAPIPrefix(prefix string) Option {
	return func(s *Server) {
		p := strings.Trim(prefix, "/")
		if p == "" || strings.ContainsAny(p, "?#%") {
			s.invalid("WithAPIPrefix: %q is not a path prefix like /api/v3", prefix)
			return
		}
		s.prefix = "/" + p
	}
}

// Server is an in-memory GitHub Packages API. Its methods are safe for
// concurrent use.
type Server struct {
	tb testing.TB // New's test, failed on misuse; nil for NewServer
	// invalids are the options' refusals of their arguments, reported
	// together once every option ran.
	invalids []string
	srv      *httptest.Server
	clock    ghpackages.Clock
	registry http.Handler
	seedDemo bool
	seeds    []*SeedFile
	prefix   string // "" or "/api/v3"
	reqLog   io.Writer

	storage   http.Handler      // the registry's storage (WithRegistry), nil without one
	raw       http.Handler      // a registry served as it is (WithRawRegistry), nil without one
	regTokens map[string]string // registry token → API token ("" anonymous)
	// regLatency delays every registry answer (WithRegistryLatency);
	// regLimit caps manifest requests a minute (WithRegistryLimit), whose
	// times regStamps keeps.
	regLatency time.Duration
	regLimit   int
	regStamps  []time.Time
	// listingLag delays a push's appearance in the REST API
	// (WithListingLag).
	listingLag time.Duration

	tls       bool
	tlsHosts  []string
	cert      tls.Certificate
	certPEM   []byte
	regSerial int

	npmLastVersionDeletes bool

	mu       sync.Mutex
	nextID   int64
	requests int64
	owners   map[string]*owner // by lower-case login
	packages []*pkg
	tokens   map[string]TokenSpec
	// tokenLogins are the tokens' users, in the order the tokens were added.
	tokenLogins []string
	limits      limits
	faults      []*Fault
	stats       Stats
}

// NewServer starts a Server. Close it when done. It panics on misuse (an
// invalid option, spec or seed); in a test, New fails the test instead.
func NewServer(opts ...Option) *Server { return newServer(nil, opts) }

// New starts a Server for the test or benchmark tb and closes it when tb
// and its subtests are done (tb.Cleanup). Misuse, at start or later (an
// invalid option, spec or fault pattern, an unknown package, a seed that
// does not apply), fails tb with tb.Fatalf, which must then be called
// from the test's goroutine, instead of panicking.
//
//	srv := ghpackagestest.New(t, ghpackagestest.WithDemo())
//	client := srv.Client()
func New(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s := newServer(tb, opts)
	tb.Cleanup(s.Close)
	return s
}

func newServer(tb testing.TB, opts []Option) *Server {
	s := &Server{
		tb:     tb,
		clock:  ghpackages.SystemClock(),
		nextID: 1_260_000_000,
		owners: map[string]*owner{},
		tokens: map[string]TokenSpec{},
	}
	s.limits.primaryLimit = 5000
	s.addToken(DefaultToken, TokenSpec{Login: DefaultLogin, Scopes: AllScopes(), Name: "default"})
	for _, opt := range opts {
		if opt == nil {
			s.invalid("nil Option")
			continue
		}
		opt(s)
	}
	if len(s.invalids) > 0 {
		// Nothing is listening yet: there is nothing to close.
		s.misuse("%s", strings.Join(s.invalids, "; "))
	}
	// Token owners exist from the start, numbered once the options (which
	// may set the first ID) are in.
	for _, login := range s.tokenLogins {
		s.ensureOwner(login, false)
	}
	s.startRegistry()
	if s.tls {
		var err error
		if s.cert, s.certPEM, err = newCertificate(s.tlsHosts); err != nil {
			s.misuse("WithTLS: %v", err)
		}
		s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serveHTTP))
		s.srv.TLS = s.TLSConfig()
		s.srv.StartTLS()
	} else {
		s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	}
	if s.seedDemo {
		seedDemo(s)
	}
	for _, f := range s.seeds {
		if err := f.apply(s); err != nil {
			s.Close()
			s.misuse("seed: %v", err)
		}
	}
	return s
}

// invalid records an option's refusal of its arguments, for newServer to
// report with the others.
func (s *Server) invalid(format string, args ...any) {
	s.invalids = append(s.invalids, fmt.Sprintf(format, args...))
}

// misuse reports a caller's mistake: it fails the test of New, or panics.
func (s *Server) misuse(format string, args ...any) {
	msg := "ghpackagestest: " + fmt.Sprintf(format, args...)
	if s.tb != nil {
		s.tb.Helper()
		s.tb.Fatal(msg)
	}
	panic(msg)
}

// BaseURL is the REST API's base URL, with a trailing slash:
// "http://127.0.0.1:PORT/" ("https://" with WithTLS), with WithAPIPrefix's
// prefix before the slash ("http://127.0.0.1:PORT/api/v3/"). It is what
// ghpackages.WithBaseURL and ghpkg's --base-url take; a raw request's URL
// is BaseURL()+"orgs/…".
func (s *Server) BaseURL() string { return s.srv.URL + s.prefix + "/" }

// Host is the server's host and port, "127.0.0.1:PORT": where its registry
// answers (at /v2/, as ghcr.io does), so what a registry client takes as
// its host (retention.RegistryConfig.Host, ghpkg's --registry) and image
// references start with ("127.0.0.1:PORT/octo-org/app:v1"). The scheme is
// BaseURL's.
func (s *Server) Host() string {
	return strings.TrimPrefix(strings.TrimPrefix(s.srv.URL, "http://"), "https://")
}

// Now is the server's time: its Clock's, in whole seconds, UTC.
func (s *Server) Now() time.Time { return s.now() }

// Close shuts the server down and waits for its requests to finish.
func (s *Server) Close() {
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// HTTPClient returns an *http.Client whose transport belongs to this server
// and is closed with it. Use it for raw requests, or pass it to
// ghpackages.WithHTTPClient when building a Client by hand (an anonymous one,
// say): a test that shares http.DefaultTransport can lose requests whenever
// another test's httptest server closes.
func (s *Server) HTTPClient() *http.Client { return s.srv.Client() }

// Client returns a ghpackages.Client pointed at the server and
// authenticated with DefaultToken. Client-side pacing is off (the fake's
// limits are off unless configured), and when the Server runs on a
// *FakeClock the client waits on it too. opts are applied last, so they
// override these.
func (s *Server) Client(opts ...ghpackages.Option) *ghpackages.Client {
	base := []ghpackages.Option{
		ghpackages.WithBaseURL(s.BaseURL()),
		// The server's own transport, closed with it: never the shared
		// http.DefaultTransport, which every httptest.Server.Close resets.
		ghpackages.WithHTTPClient(s.HTTPClient()),
		ghpackages.WithToken(DefaultToken),
		ghpackages.WithPacing(ghpackages.NoPacing()),
	}
	if s.clock != ghpackages.SystemClock() {
		base = append(base, ghpackages.WithClock(s.clock))
	}
	if s.tls {
		// httptest's client trusts the server's certificate.
		base = append(base, ghpackages.WithHTTPClient(s.srv.Client()))
	}
	c, err := ghpackages.NewClient(append(base, opts...)...)
	if err != nil {
		s.misuse("Client: %v", err)
	}
	return c
}

// AddToken makes the running Server accept token, as WithTokenSpec does.
// It panics (fails the test of New) where WithTokenSpec refuses.
func (s *Server) AddToken(token string, t TokenSpec) {
	if problem := tokenProblem(token, t); problem != "" {
		s.misuse("AddToken: %s", problem)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addToken(token, t)
	s.ensureOwner(s.tokens[token].Login, false)
}

// tokenProblem says what makes a token or its spec unusable, "" if
// nothing does.
func tokenProblem(token string, t TokenSpec) string {
	switch {
	case strings.TrimSpace(token) == "":
		return "empty token"
	case strings.ContainsAny(token, " \t\r\n"):
		return "a token has no spaces or line breaks"
	case t.Admin && t.Repository == "":
		return "Admin is for an Actions token: set Repository too"
	case t.FineGrained && t.Repository != "":
		return "a token is fine-grained or an Actions token (Repository), not both"
	case t.Repository != "" && strings.Count(t.Repository, "/") != 1:
		return fmt.Sprintf("Repository %q is not OWNER/REPO", t.Repository)
	}
	return ""
}

func (s *Server) addToken(token string, t TokenSpec) {
	if t.Login == "" {
		t.Login = DefaultLogin
	}
	s.tokens[token] = t
	s.tokenLogins = append(s.tokenLogins, t.Login)
}

func (s *Server) now() time.Time { return s.clock.Now().UTC().Truncate(time.Second) }

// Stats counts what the server has answered.
type Stats struct {
	// Requests is the number of API requests received (not /v2/).
	Requests int
	// PrimaryLimited and SecondaryLimited count rate-limit refusals.
	PrimaryLimited, SecondaryLimited int
	// Deletes and Restores count successful mutations.
	Deletes, Restores int
	// NotModified counts 304 answers to conditional GETs.
	NotModified int
	// MaxInFlight is the most requests seen in flight at once.
	MaxInFlight int
	// InFlight is the number of admitted requests being answered now.
	InFlight int
	// RegistryRequests counts the requests to the registry (/v2/, its
	// token endpoint, and "containers." hosts), and RegistryManifests those
	// of them that read a manifest (GET or HEAD of /v2/…/manifests/…).
	RegistryRequests, RegistryManifests int
	// RegistryLimited counts the registry's 429 answers (WithRegistryLimit).
	RegistryLimited int
}

// Stats returns the counters so far.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.InFlight = s.limits.inflight
	return st
}

// docURL is the documentation_url of the fake's errors.
const docURL = "https://docs.github.com/rest/packages/packages"

// apiError is an error answer: status, GitHub's message, extra headers.
type apiError struct {
	status  int
	message string
	doc     string
	header  map[string]string
}

func errorf(status int, format string, args ...any) *apiError {
	return &apiError{status: status, message: fmt.Sprintf(format, args...), doc: docURL}
}

var (
	errPackageNotFound = func() *apiError { return errorf(http.StatusNotFound, "Package not found.") }
	errVersionNotFound = func() *apiError { return errorf(http.StatusNotFound, "Package version not found.") }
	errNotFound        = func() *apiError { return errorf(http.StatusNotFound, "Not Found") }
)

// Messages GitHub sends, per the project's FACTS.
const (
	msgLastVersion       = "You cannot delete the last version of a package. You must delete the package instead."
	msgLastTaggedVersion = "You cannot delete the last tagged version of a package. You must delete the package instead."
	msgTooManyDownloads  = "Publicly visible package versions with more than 5000 downloads cannot be deleted. Contact GitHub support for further assistance."
	msgSecondary         = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID."
	msgListLimit         = "The value of per_page multiplied by page cannot be greater than 10000."
)

func lower(s string) string { return strings.ToLower(s) }

// Handler returns the server's HTTP handler, to serve the fake on a
// listener of your own (as cmd/ghpackages-fake does).
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }
