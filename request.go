package ghpackages

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"

	"github.com/google/go-querystring/query"
)

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
// or a struct with `url:"…"` field tags such as PackageListOptions) on any
// method.
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
// such as PackageListOptions; a nil query leaves urlStr as it is. The path
// keeps its escaping exactly.
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

// sameHost reports whether a and b name the same origin: the same scheme
// and host name (case aside) and the same port, a missing port read as the
// scheme's default (443 for https, 80 for http). It is the one host check
// of the package: which URLs a request may go to (Client.do, so every
// attempt, and the token with it; resolve, so pagination links), and
// which redirects keep the token (NewClient's CheckRedirect).
func sameHost(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Hostname(), b.Hostname()) && port(a) == port(b)
}

// port is u's port, or its scheme's default when it names none.
func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return "443"
	case "http":
		return "80"
	}
	return ""
}

// resolve turns an escaped relative path or a same-origin absolute URL into a
// URL, keeping its escaping exactly as given.
func (c *Client) resolve(path string) (*url.URL, error) {
	ref, err := url.Parse(path)
	if err != nil {
		return nil, fmt.Errorf("%w: path %q: %v", ErrInvalidArgument, path, err)
	}
	if ref.IsAbs() || ref.Host != "" {
		if !sameHost(ref, c.baseURL) {
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
