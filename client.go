package ghpackages

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/go-querystring/query"
	"golang.org/x/oauth2"
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
	// maxErrorBody bounds how much of an error response is read.
	maxErrorBody = 64 << 10
)

// Client talks to the GitHub Packages REST API. Create one with NewClient; a
// Client is safe for concurrent use by multiple goroutines. A Client not
// made by NewClient (the zero Client, a nil *Client) and its services
// refuse every call with an error matching ErrInvalidArgument.
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

	rateMu sync.Mutex
	rates  map[string]Rate // by X-RateLimit-Resource

	// Orgs calls the /orgs/{org}/... endpoints.
	Orgs *OrgsService
	// User calls the /user/... endpoints of the authenticated user.
	User *UserService
	// Users calls the /users/{username}/... endpoints of any user.
	Users *UsersService
}

// Option configures a Client in NewClient. Options validate their arguments
// and make NewClient return an error instead of panicking.
type Option func(*settings) error

type settings struct {
	tokenSource oauth2.TokenSource
	httpClient  *http.Client
	baseURL     string
	userAgent   string
	apiVersion  string
	retry       RetryPolicy
	pacing      Pacing
	clock       Clock
	cache       *etagCache
	logger      *slog.Logger
}

// WithLogger makes the Client log each retry and rate-limit wait (reason,
// request, status and wait; never credentials) to logger at Warn level.
func WithLogger(logger *slog.Logger) Option {
	return func(s *settings) error {
		if logger == nil {
			return fmt.Errorf("%w: WithLogger: nil logger", ErrInvalidArgument)
		}
		s.logger = logger
		return nil
	}
}

// WithToken authenticates every request with the given token, sent as
// "Authorization: Bearer <token>". Surrounding whitespace, such as the
// newline ending a token file, is dropped. The token is never logged or
// included in errors.
func WithToken(token string) Option {
	return func(s *settings) error {
		token = strings.TrimSpace(token)
		if token == "" {
			return fmt.Errorf("%w: WithToken: empty token", ErrInvalidArgument)
		}
		if hasControl(token) {
			return fmt.Errorf("%w: WithToken: token contains a control character", ErrInvalidArgument)
		}
		s.tokenSource = oauth2.StaticTokenSource(&oauth2.Token{AccessToken: token})
		return nil
	}
}

// hasControl reports whether s holds a byte no HTTP header value may carry
// (an ASCII control character other than tab), which would make every
// request fail in the transport.
func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 0x20 && c != '\t') || c == 0x7f {
			return true
		}
	}
	return false
}

// WithTokenSource authenticates every request with a token from ts, asked
// anew for each request (so it may refresh, e.g. GitHub App installation
// tokens). Each token is trimmed of surrounding white space and checked as
// WithToken checks its argument. When ts fails, or gives an empty token or
// one with a control character, the request is not sent and not retried:
// the error matches ErrTokenSource and wraps the source's own error.
func WithTokenSource(ts oauth2.TokenSource) Option {
	return func(s *settings) error {
		if ts == nil {
			return fmt.Errorf("%w: WithTokenSource: nil token source", ErrInvalidArgument)
		}
		s.tokenSource = ts
		return nil
	}
}

// WithHTTPClient makes the Client send requests through hc, for proxies,
// custom CAs, or a transport that authenticates by itself: any
// *http.Client works, for example one whose Transport is a GitHub App
// installation transport (then give no WithToken or WithTokenSource). hc
// is not modified; its Transport is wrapped in a copy.
func WithHTTPClient(hc *http.Client) Option {
	return func(s *settings) error {
		if hc == nil {
			return fmt.Errorf("%w: WithHTTPClient: nil client", ErrInvalidArgument)
		}
		s.httpClient = hc
		return nil
	}
}

// WithBaseURL sets the REST API root, e.g. "https://HOST/api/v3/" for GitHub
// Enterprise Server. A missing trailing slash is added.
func WithBaseURL(rawURL string) Option {
	return func(s *settings) error {
		if _, err := parseBaseURL(rawURL); err != nil {
			return err
		}
		s.baseURL = rawURL
		return nil
	}
}

// WithUserAgent sets the User-Agent header sent with every request.
func WithUserAgent(ua string) Option {
	return func(s *settings) error {
		if strings.TrimSpace(ua) == "" {
			return fmt.Errorf("%w: WithUserAgent: empty user agent", ErrInvalidArgument)
		}
		if hasControl(ua) {
			return fmt.Errorf("%w: WithUserAgent: %q contains a control character", ErrInvalidArgument, ua)
		}
		s.userAgent = ua
		return nil
	}
}

// WithAPIVersion sets the X-GitHub-Api-Version header (default
// DefaultAPIVersion).
func WithAPIVersion(version string) Option {
	return func(s *settings) error {
		if strings.TrimSpace(version) == "" {
			return fmt.Errorf("%w: WithAPIVersion: empty version", ErrInvalidArgument)
		}
		if hasControl(version) {
			return fmt.Errorf("%w: WithAPIVersion: %q contains a control character", ErrInvalidArgument, version)
		}
		s.apiVersion = version
		return nil
	}
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
	if s.tokenSource != nil && base.Scheme == "http" && !isLoopback(base.Hostname()) {
		return nil, fmt.Errorf("%w: refusing to send a token over plain http to %s; use https or a loopback address", ErrInvalidArgument, base.Host)
	}

	hc := &http.Client{}
	if s.httpClient != nil {
		copied := *s.httpClient
		hc = &copied
	}
	next := hc.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	if s.tokenSource != nil {
		next = &authTransport{next: next, source: s.tokenSource, scheme: base.Scheme, host: base.Host}
	}
	hc.Transport = next
	// A redirect to another host must not carry our credentials: the standard
	// library already drops Authorization there; we additionally refuse
	// redirects that downgrade to plain http off loopback.
	userCheck := hc.CheckRedirect
	hc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if req.URL.Scheme == "http" && !isLoopback(req.URL.Hostname()) && len(via) > 0 && via[0].URL.Scheme == "https" {
			return fmt.Errorf("ghpackages: refusing redirect from https to %s://%s", req.URL.Scheme, req.URL.Host)
		}
		if userCheck != nil {
			return userCheck(req, via)
		}
		if len(via) >= 10 {
			return errors.New("ghpackages: stopped after 10 redirects")
		}
		return nil
	}

	c := &Client{
		httpClient: hc,
		baseURL:    base,
		userAgent:  s.userAgent,
		apiVersion: s.apiVersion,
		retry:      s.retry.withDefaults(),
		clock:      s.clock,
		limiter:    newLimiter(s.pacing, s.clock),
		cache:      s.cache,
		logger:     s.logger,
	}
	c.Orgs = &OrgsService{s: service{client: c, kind: ownerOrg}}
	c.User = &UserService{s: service{client: c, kind: ownerAuthenticated}}
	c.Users = &UsersService{s: service{client: c, kind: ownerUser}}
	return c, nil
}

func parseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: base URL: %v", ErrInvalidArgument, err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("%w: base URL %q must be an absolute http(s) URL", ErrInvalidArgument, raw)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%w: base URL must not contain credentials", ErrInvalidArgument)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%w: base URL %q must not have a query or fragment", ErrInvalidArgument, raw)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
		if u.RawPath != "" {
			u.RawPath += "/"
		}
	}
	return u, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
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

// Rate returns the rate-limit state of resource ("core", "search",
// "graphql", … as GitHub names them in X-RateLimit-Resource) reported by the
// most recent response about it; the zero Rate before any. A response
// without X-RateLimit-Resource counts as "core". The Client's own waiting
// for a spent budget (see WithPacing) reads only "core", so a raw call to
// another resource never disturbs it.
func (c *Client) Rate(resource string) Rate {
	if c == nil {
		return Rate{}
	}
	c.rateMu.Lock()
	defer c.rateMu.Unlock()
	return c.rates[resource]
}

// Rates returns a copy of the latest rate-limit state of every resource a
// response has reported on, keyed by resource name.
func (c *Client) Rates() map[string]Rate {
	if c == nil {
		return nil
	}
	c.rateMu.Lock()
	defer c.rateMu.Unlock()
	return maps.Clone(c.rates)
}

// coreResource is the REST API's primary budget, the one pacing reads.
const coreResource = "core"

// recordRate keeps the rate a response reported, under its resource.
func (c *Client) recordRate(resp *Response) {
	if resp == nil || !hasRate(resp.Header) {
		return
	}
	r := resp.Rate
	if r.Resource == "" {
		r.Resource = coreResource
	}
	c.rateMu.Lock()
	defer c.rateMu.Unlock()
	if c.rates == nil {
		c.rates = map[string]Rate{}
	}
	c.rates[r.Resource] = r
}

// pausesClient reports whether a rate-limit error should hold back every
// request of the Client: a secondary limit (which spans the API), or a
// spent core budget; not a spent budget of another resource (search,
// graphql, …), which only that request waits for.
func pausesClient(err error) bool {
	var rl *RateLimitError
	if !errors.As(err, &rl) {
		return true
	}
	return rl.Secondary || rl.Rate.Resource == "" || rl.Rate.Resource == coreResource
}

// authTransport adds the token to requests bound for the API's own scheme and
// host, and to no other.
type authTransport struct {
	next   http.RoundTripper
	source oauth2.TokenSource
	scheme string
	host   string
}

// RoundTrip sends req, with the token when it is bound for the API host.
func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != t.scheme || !strings.EqualFold(req.URL.Host, t.host) {
		return t.next.RoundTrip(req)
	}
	token, err := sourceToken(t.source)
	if err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	resp, err := t.next.RoundTrip(withAuthorization(req, "Bearer "+token))
	if resp != nil {
		// The response refers to the request it was given, not to the
		// copy that carries the token.
		resp.Request = req
	}
	return resp, err
}

// withAuthorization returns a copy of req (see copyRequest) with an
// Authorization header.
func withAuthorization(req *http.Request, value string) *http.Request {
	r := copyRequest(req, 1)
	r.Header["Authorization"] = []string{value}
	return r
}

// copyRequest returns a copy of req that may be given headers without
// changing req, as a RoundTripper must not change the request it is given,
// and a retry or a conditional GET must not change the caller's. req.Clone
// would copy far more than that needs: the copy shares everything with req
// but its header map (whose value slices are shared too; header values are
// replaced, never changed in place). extra is room for headers to come.
func copyRequest(req *http.Request, extra int) *http.Request {
	r := new(http.Request)
	*r = *req
	h := make(http.Header, len(req.Header)+extra)
	for k, vs := range req.Header {
		h[k] = vs
	}
	r.Header = h
	return r
}

// sourceToken asks src for a token and checks it as WithToken checks its
// argument. Its errors are *tokenSourceError, which the retry policy never
// retries: the request was not sent, and a source that failed once (a
// revoked App key, a bad refresh token) fails the same way again.
func sourceToken(src oauth2.TokenSource) (string, error) {
	tok, err := src.Token()
	if err != nil {
		// The token source's error is its own; it must not quote a token.
		return "", &tokenSourceError{err: err}
	}
	if tok == nil {
		return "", &tokenSourceError{err: errors.New("token source returned no token")}
	}
	token := strings.TrimSpace(tok.AccessToken)
	switch {
	case token == "":
		return "", &tokenSourceError{err: errors.New("token source returned an empty token")}
	case hasControl(token):
		return "", &tokenSourceError{err: errors.New("token source returned a token with a control character")}
	}
	return token, nil
}

// tokenSourceError is a failure to get a token from the token source.
type tokenSourceError struct{ err error }

// Error says the request was not sent and why.
func (e *tokenSourceError) Error() string {
	return "getting a token from the token source (request not sent): " + e.err.Error()
}

// Unwrap returns the source's error.
func (e *tokenSourceError) Unwrap() error { return e.err }

// Is matches ErrTokenSource.
func (e *tokenSourceError) Is(target error) bool { return target == ErrTokenSource }

// NewRequest builds a request for any API endpoint, to send with Do. It has
// the shape of go-github's NewRequest:
//
//   - urlStr is relative to the base URL (e.g. "orgs/octo-org/packages") and
//     already escaped, or an absolute URL on the base URL's scheme and host
//     (a pagination link). Query parameters go in urlStr: build it with
//     AddQuery.
//   - body, if not nil, is encoded as the JSON request body, with
//     Content-Type: application/json; json.RawMessage sends bytes as they
//     are. The body can be rewound, so the request can be sent again after a
//     rate-limit wait (or, for a DELETE, after a transient failure).
//
// Misuse is refused with ErrInvalidArgument rather than sent: a body on a
// GET or HEAD request, and a body that is a query in disguise (url.Values,
// or a struct with `url:"…"` field tags such as ListOptions) on any method.
//
// The request carries the API's Accept, X-GitHub-Api-Version and
// User-Agent headers; authentication is added when it is sent. Being a
// plain *http.Request, it can be given more headers before Do.
func (c *Client) NewRequest(ctx context.Context, method, urlStr string, body any) (*http.Request, error) {
	if err := c.ready(); err != nil {
		return nil, err
	}
	if ctx == nil {
		return nil, fmt.Errorf("%w: nil context", ErrInvalidArgument)
	}
	var payload io.Reader
	if !isNil(body) {
		if method == http.MethodGet || method == http.MethodHead {
			return nil, fmt.Errorf("%w: NewRequest: a %s request has no body; put query parameters in the URL with AddQuery", ErrInvalidArgument, method)
		}
		if t, ok := queryType(body); ok {
			return nil, fmt.Errorf("%w: NewRequest: body of type %s is a query (url tags or url.Values), not a JSON body; put it in the URL with AddQuery", ErrInvalidArgument, t)
		}
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("%w: NewRequest: encoding body: %v", ErrInvalidArgument, err)
		}
		payload = bytes.NewReader(b)
	}
	req, err := c.newRequest(ctx, method, urlStr, nil, payload)
	if err != nil {
		return nil, err
	}
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// newRequest builds a request to path (escaped, relative to the base URL, or
// an absolute URL on the API host) with query's parameters added to those
// already in path. body is nil, or a *bytes.Reader (which makes the request
// rewindable).
func (c *Client) newRequest(ctx context.Context, method, path string, query any, body io.Reader) (*http.Request, error) {
	if err := c.ready(); err != nil {
		return nil, err
	}
	if ctx == nil {
		return nil, fmt.Errorf("%w: nil context", ErrInvalidArgument)
	}
	u, err := c.resolve(path)
	if err != nil {
		return nil, err
	}
	if query != nil {
		if err := addQuery(u, query); err != nil {
			return nil, err
		}
	}
	// The URL is parsed already: build the request on a placeholder and
	// give it u, rather than have net/http parse u.String() again.
	req, err := http.NewRequestWithContext(ctx, method, "/", body)
	if err != nil {
		return nil, fmt.Errorf("ghpackages: building request: %w", err)
	}
	u.Host = strings.TrimSuffix(u.Host, ":") // as net/http drops an empty port
	req.URL, req.Host = u, u.Host
	req.Header.Set("Accept", mediaTypeJSON)
	req.Header.Set(headerAPIVersion, c.apiVersion)
	req.Header.Set("User-Agent", c.userAgent)
	return req, nil
}

// AddQuery returns urlStr with query's parameters added to any it already
// has, for NewRequest. query is a url.Values, a map[string]string, or a
// struct (or pointer to one) encoded by github.com/google/go-querystring,
// such as ListOptions; a nil query leaves urlStr as it is. The path keeps
// its escaping exactly.
func AddQuery(urlStr string, query any) (string, error) {
	u, err := url.Parse(urlStr)
	if err != nil {
		return "", fmt.Errorf("%w: URL %q: %v", ErrInvalidArgument, urlStr, err)
	}
	if isNil(query) {
		return urlStr, nil
	}
	if err := addQuery(u, query); err != nil {
		return "", err
	}
	return u.String(), nil
}

// addQuery adds query's parameters to u's.
func addQuery(u *url.URL, query any) error {
	extra, err := encodeQuery(query)
	if err != nil {
		return err
	}
	if len(extra) > 0 {
		q := u.Query()
		for k, vs := range extra {
			for _, v := range vs {
				q.Add(k, v)
			}
		}
		u.RawQuery = q.Encode()
	}
	return nil
}

// isNil reports whether v is nil or a nil pointer, map or slice.
func isNil(v any) bool {
	if v == nil {
		return true
	}
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Interface:
		return rv.IsNil()
	}
	return false
}

// queryType reports whether v is a query rather than a body: url.Values, or
// a struct with a field (perhaps in an embedded struct) tagged `url:"…"`.
func queryType(v any) (reflect.Type, bool) {
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == reflect.TypeFor[url.Values]() {
		return t, true
	}
	return t, hasURLTags(t, 0)
}

func hasURLTags(t reflect.Type, depth int) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || depth > 8 {
		return false
	}
	for i := range t.NumField() {
		f := t.Field(i)
		if _, ok := f.Tag.Lookup("url"); ok {
			return true
		}
		if f.Anonymous && hasURLTags(f.Type, depth+1) {
			return true
		}
	}
	return false
}

// resolve turns an escaped relative path or a same-origin absolute URL into a
// URL, keeping its escaping exactly as given.
func (c *Client) resolve(path string) (*url.URL, error) {
	ref, err := url.Parse(path)
	if err != nil {
		return nil, fmt.Errorf("%w: path %q: %v", ErrInvalidArgument, path, err)
	}
	if ref.IsAbs() || ref.Host != "" {
		if ref.Scheme != c.baseURL.Scheme || !strings.EqualFold(ref.Host, c.baseURL.Host) {
			return nil, fmt.Errorf("%w: refusing URL on %s://%s: not the API host %s", ErrInvalidArgument, ref.Scheme, ref.Host, c.baseURL.Host)
		}
		return ref, nil
	}
	if strings.HasPrefix(path, "/") {
		return nil, fmt.Errorf("%w: path %q must be relative to the base URL", ErrInvalidArgument, path)
	}
	u := *c.baseURL
	u.Path = c.baseURL.Path + ref.Path
	u.RawPath = c.baseURL.EscapedPath() + ref.EscapedPath()
	if u.RawPath == u.Path {
		u.RawPath = ""
	}
	u.RawQuery = ref.RawQuery
	return &u, nil
}

func encodeQuery(v any) (url.Values, error) {
	switch q := v.(type) {
	case url.Values:
		return q, nil
	case map[string]string:
		out := url.Values{}
		for k, s := range q {
			out.Set(k, s)
		}
		return out, nil
	}
	out, err := query.Values(v)
	if err != nil {
		return nil, fmt.Errorf("%w: encoding query: %v", ErrInvalidArgument, err)
	}
	return out, nil
}

// Response wraps the HTTP response of an API call with what GitHub's headers
// say about it. Its Body has already been read and closed.
type Response struct {
	*http.Response

	// Rate is the rate-limit state after this request (X-RateLimit-*).
	Rate Rate
	// RequestID is GitHub's X-GitHub-Request-Id, worth quoting to support.
	RequestID string

	// Pagination links from the Link header, exactly as sent; empty when absent.
	NextURL, PrevURL, FirstURL, LastURL string
	// The page numbers of those links; 0 when absent.
	NextPage, PrevPage, FirstPage, LastPage int

	// TokenScopes are the classic scopes the token has (X-OAuth-Scopes).
	// Nil when the header is absent, e.g. for fine-grained tokens.
	TokenScopes []Scope
	// AcceptedScopes are the scopes the endpoint accepts
	// (X-Accepted-OAuth-Scopes); nil when the header is absent.
	AcceptedScopes []Scope

	// Attempts is how many times the request was sent (more than 1 after
	// retries).
	Attempts int
	// Replayed is set when a DELETE or a restore was sent again after its
	// first attempt's answer was lost (a dropped connection, a 5xx) and the
	// retry was answered 404, so the server may have carried out the first
	// one. See ErrDeleteUnconfirmed and ErrRestoreUnconfirmed for what the
	// methods return then.
	Replayed bool
	// FromCache is set when GitHub answered 304 Not Modified and the body
	// came from the ETag cache.
	FromCache bool
}

// Rate is GitHub's rate-limit state as reported by the X-RateLimit-* headers.
// It decodes from, and encodes to, the objects of GitHub's GET /rate_limit
// body: {"limit":5000,"remaining":4999,"used":1,"reset":1372700873}, with
// reset in seconds since the Unix epoch (0 for the zero Reset) and an
// optional "resource".
type Rate struct {
	Limit     int
	Remaining int
	Used      int
	Reset     time.Time
	Resource  string
}

// rateJSON is Rate as GitHub's GET /rate_limit body spells it.
type rateJSON struct {
	Limit     int    `json:"limit"`
	Remaining int    `json:"remaining"`
	Used      int    `json:"used"`
	Reset     int64  `json:"reset"`
	Resource  string `json:"resource,omitempty"`
}

// MarshalJSON writes r as GitHub's GET /rate_limit body does, reset in
// epoch seconds.
func (r Rate) MarshalJSON() ([]byte, error) {
	j := rateJSON{Limit: r.Limit, Remaining: r.Remaining, Used: r.Used, Resource: r.Resource}
	if !r.Reset.IsZero() {
		j.Reset = r.Reset.Unix()
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads one rate object of GitHub's GET /rate_limit body.
func (r *Rate) UnmarshalJSON(b []byte) error {
	var j rateJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*r = Rate{Limit: j.Limit, Remaining: j.Remaining, Used: j.Used, Resource: j.Resource}
	if j.Reset != 0 {
		r.Reset = time.Unix(j.Reset, 0)
	}
	return nil
}

func newResponse(r *http.Response) *Response {
	resp := &Response{Response: r, RequestID: r.Header.Get(headerRequestID)}
	resp.Rate = parseRate(r.Header)
	resp.populatePageLinks()
	resp.TokenScopes = headerScopes(r.Header, headerOAuthScopes)
	resp.AcceptedScopes = headerScopes(r.Header, headerAcceptedScopes)
	return resp
}

func parseRate(h http.Header) Rate {
	var r Rate
	r.Limit, _ = strconv.Atoi(h.Get(headerRateLimit))
	r.Remaining, _ = strconv.Atoi(h.Get(headerRateRemaining))
	r.Used, _ = strconv.Atoi(h.Get(headerRateUsed))
	if s, err := strconv.ParseInt(h.Get(headerRateReset), 10, 64); err == nil {
		r.Reset = time.Unix(s, 0)
	}
	r.Resource = h.Get(headerRateResource)
	return r
}

// hasRate reports whether the headers carry rate-limit information.
func hasRate(h http.Header) bool { return h.Get(headerRateLimit) != "" }

// Do sends req, made with NewRequest, and, for a 2xx response with a body,
// decodes the JSON body into v (when v is not nil; an io.Writer v receives
// the raw body instead). An empty body (or one of white space only) is no
// body: v is left as it is. Any other status becomes an *Error (or a
// *RateLimitError) matched by this package's sentinel errors. Transport
// errors are returned wrapped, so errors.Is(err, context.Canceled) works.
// The returned Response is non-nil whenever a response was received.
//
// Do applies the Client's pacing (WithPacing), its RetryPolicy (WithRetry)
// and its ETag cache (WithETagCache). It knows nothing of the operation
// beyond the request, so it classifies by method alone (see "Raw requests"
// in the package doc): a transient failure is retried for GET, HEAD and
// DELETE only; errors carry no MissingScopes and never match ErrListLimit.
// A request is sent again only when its body, if any, can be rewound
// (GetBody, which NewRequest sets): one that cannot is sent once, and a
// failure that would have been retried or waited out is returned, saying
// the request was not resent.
func (c *Client) Do(req *http.Request, v any) (*Response, error) {
	if err := c.ready(); err != nil {
		return nil, err
	}
	if req == nil {
		return nil, fmt.Errorf("%w: nil request", ErrInvalidArgument)
	}
	return c.do(req, rawEndpoint(req.Method), v)
}

// do is the one path every request takes: pacing, sending, error mapping
// and retries, with what is known of the operation in ep.
func (c *Client) do(req *http.Request, ep endpoint, v any) (*Response, error) {
	if err := c.ready(); err != nil {
		return nil, err
	}
	if req == nil {
		return nil, fmt.Errorf("%w: nil request", ErrInvalidArgument)
	}
	ctx := req.Context()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if req.URL.Scheme != c.baseURL.Scheme || !strings.EqualFold(req.URL.Host, c.baseURL.Host) {
		return nil, fmt.Errorf("%w: refusing request to %s://%s: not the API host", ErrInvalidArgument, req.URL.Scheme, req.URL.Host)
	}
	var transient, limits int
	ambiguous := false // an earlier attempt may have been carried out
	for attempt := 1; ; attempt++ {
		release, err := c.limiter.acquire(ctx, req.Method, c.Rate(coreResource), c.retry.MaxWait)
		if err != nil {
			return nil, fmt.Errorf("ghpackages: %s %s: waiting to send: %w", req.Method, redactURL(req.URL), err)
		}
		resp, err := c.send(req, ep, v, attempt)
		release()
		c.recordRate(resp)
		if resp != nil {
			resp.Attempts = attempt
		}
		if err == nil {
			return resp, nil
		}
		if ambiguous && errors.Is(err, ErrNotFound) {
			if kind, hint := unconfirmed(req, ep); kind != nil {
				// An earlier attempt may have done it, or the token may
				// not see it: a 404 says both. Report that, not a plain
				// 404 and not a success.
				resp.Replayed = true
				var apiErr *Error
				if errors.As(err, &apiErr) {
					apiErr.kind, apiErr.Hint = kind, hint
				}
				return resp, err
			}
		}
		o := c.retry.classify(req, ep.idempotent, err, transient, limits, c.clock.Now(), fullJitter)
		if o.reason == "" {
			return resp, err
		}
		if !rewindable(req) {
			// Sending it again would send an empty or partial body.
			return resp, fmt.Errorf("%w (not resent: the request body cannot be rewound; build the request with NewRequest, or set GetBody)", err)
		}
		if o.rateLimit {
			limits++
			if pausesClient(err) {
				c.limiter.pause(c.clock.Now().Add(o.wait))
			}
		} else {
			transient++
		}
		ambiguous = ambiguous || o.ambiguous
		ev := RetryEvent{Method: req.Method, URL: redactURL(req.URL), Attempt: attempt, Reason: o.reason, Wait: o.wait, Err: err}
		if resp != nil {
			ev.StatusCode = resp.StatusCode
		}
		c.report(ctx, ev)
		if serr := sleepFor(ctx, c.clock, o.wait); serr != nil {
			if ctx.Err() == nil {
				// The deadline would pass before the wait ends: give up now.
				return resp, err
			}
			return resp, fmt.Errorf("%w (gave up waiting to retry: %w)", err, ctx.Err())
		}
	}
}

// unconfirmed returns the sentinel and hint of a resend of req answered
// 404 after an earlier attempt's answer was lost: a DELETE (deleted, or not
// visible) or a restore (restored, or not visible); nil for other requests.
func unconfirmed(req *http.Request, ep endpoint) (error, string) {
	switch {
	case req.Method == http.MethodDelete:
		return ErrDeleteUnconfirmed, "the first attempt's response was lost and the retry found nothing: it was deleted, perhaps by the first attempt, or the token cannot see it"
	case ep.op == OperationRestore:
		return ErrRestoreUnconfirmed, "the first attempt's response was lost and the retry found nothing to restore: it was restored, perhaps by the first attempt, or the token cannot see it"
	}
	return nil, ""
}

// report tells the OnRetry hook and the logger about a retry.
func (c *Client) report(ctx context.Context, ev RetryEvent) {
	if c.retry.OnRetry != nil {
		c.retry.OnRetry(ev)
	}
	if c.logger != nil {
		c.logger.LogAttrs(ctx, slog.LevelWarn, "ghpackages: retrying request",
			slog.String("reason", string(ev.Reason)),
			slog.String("method", ev.Method),
			slog.String("url", ev.URL),
			slog.Int("attempt", ev.Attempt),
			slog.Int("status", ev.StatusCode),
			slog.Duration("wait", ev.Wait))
	}
}

// send makes one attempt: it sends the request, records the rate, maps an
// error status, and decodes the body into v.
func (c *Client) send(req *http.Request, ep endpoint, v any, attempt int) (*Response, error) {
	r := req
	var cacheKey string
	var cached []byte
	if c.cache != nil && req.Method == http.MethodGet && v != nil {
		cacheKey = req.URL.String()
	}
	if attempt > 1 || cacheKey != "" {
		r = copyRequest(req, 1)
		if attempt > 1 && req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, fmt.Errorf("ghpackages: %s %s: rewinding body: %w", req.Method, redactURL(req.URL), err)
			}
			r.Body = body
		}
	}
	if cacheKey != "" {
		if etag, body, ok := c.cache.get(cacheKey); ok {
			r.Header.Set("If-None-Match", etag)
			cached = body
		}
	}
	httpResp, err := c.httpClient.Do(r)
	if err != nil {
		// If the context ended, report that rather than the transport's words.
		if ctxErr := req.Context().Err(); ctxErr != nil {
			return nil, fmt.Errorf("ghpackages: %s %s: %w", req.Method, redactURL(req.URL), ctxErr)
		}
		var tse *tokenSourceError
		if errors.As(err, &tse) {
			return nil, fmt.Errorf("ghpackages: %s %s: %w", req.Method, redactURL(req.URL), tse)
		}
		return nil, fmt.Errorf("ghpackages: %s %s: %w", req.Method, redactURL(req.URL), &transportError{unwrapURLError(err)})
	}
	giveBackRequest(httpResp, req)
	atEOF := false // set once the body has been read to its end
	defer func() {
		if atEOF {
			httpResp.Body.Close()
		} else {
			drainClose(httpResp.Body)
		}
	}()
	resp := newResponse(httpResp)

	if httpResp.StatusCode == http.StatusNotModified && cached != nil {
		resp.FromCache = true
		if w, ok := v.(io.Writer); ok {
			// An io.Writer gets the raw body, from the cache as from the wire.
			if _, err := w.Write(cached); err != nil {
				return resp, fmt.Errorf("ghpackages: %s %s: writing cached body: %w", req.Method, redactURL(req.URL), err)
			}
			return resp, nil
		}
		b := getBodyBuffer()
		defer b.release()
		b.buf.Write(cached)
		return resp, c.decode(req, resp, b, v)
	}
	if httpResp.StatusCode < 200 || httpResp.StatusCode > 299 {
		body, _ := io.ReadAll(io.LimitReader(httpResp.Body, maxErrorBody))
		return resp, newAPIError(req, resp, body, ep, c.clock.Now())
	}
	if v == nil || httpResp.StatusCode == http.StatusNoContent {
		return resp, nil
	}
	if w, ok := v.(io.Writer); ok {
		if _, err := io.Copy(w, httpResp.Body); err != nil {
			return resp, fmt.Errorf("ghpackages: %s %s: reading body: %w", req.Method, redactURL(req.URL), err)
		}
		return resp, nil
	}
	// The body is read whole into a pooled buffer and parsed there once.
	b := getBodyBuffer()
	defer b.release()
	if err := b.readFrom(httpResp.Body, httpResp.ContentLength); err != nil {
		return resp, fmt.Errorf("ghpackages: %s %s: reading body: %w", req.Method, redactURL(req.URL), &transportError{err})
	}
	atEOF = true
	var keep []byte
	if cacheKey != "" {
		keep = bytes.Clone(b.buf.Bytes()) // decoding consumes the buffer
	}
	if err := c.decode(req, resp, b, v); err != nil {
		return resp, err
	}
	if cacheKey != "" {
		c.cache.put(cacheKey, httpResp.Header.Get(headerETag), keep)
	}
	return resp, nil
}

// decode parses the JSON body in b into v. A body that ends early or fails
// to read is a transport error (worth a retry); malformed JSON is not.
func (c *Client) decode(req *http.Request, resp *Response, b *bodyBuffer, v any) error {
	err := b.decode(v)
	if err == nil {
		return nil
	}
	return fmt.Errorf("ghpackages: %s %s: decoding %d response: %w", req.Method, redactURL(req.URL), resp.StatusCode, decodeErrorKind(err))
}

// giveBackRequest makes resp refer to req, the caller's request, rather
// than to the copy that was sent (with the ETag cache's or a transport's
// headers). After redirects, the first request of the chain is the one
// replaced; the others are net/http's own, which carry no credentials.
func giveBackRequest(resp *http.Response, req *http.Request) {
	for i := 0; resp != nil && i < 100; i++ {
		if resp.Request == nil || resp.Request.Response == nil {
			resp.Request = req
			return
		}
		resp = resp.Request.Response
	}
}

// unwrapURLError strips *url.Error, whose text repeats the URL, keeping its
// cause (which still satisfies errors.Is for timeouts and resets).
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// redactURL renders u without user info, so errors never carry credentials.
// Query values named like secrets are replaced.
func redactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	c.User = nil
	if c.RawQuery != "" {
		q := c.Query()
		changed := false
		for k := range q {
			if k == "token" || k == "access_token" {
				q.Set(k, "REDACTED")
				changed = true
			}
		}
		if changed {
			c.RawQuery = q.Encode()
		}
	}
	return c.String()
}

// call is the build/send/decode cycle every typed method shares: path is
// escaped and relative to the base URL, q is its query (or nil), and ep
// says what the operation is.
func (c *Client) call(ctx context.Context, ep endpoint, method, path string, q any, v any) (*Response, error) {
	req, err := c.newRequest(ctx, method, path, q, nil)
	if err != nil {
		return nil, err
	}
	return c.do(req, ep, v)
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
