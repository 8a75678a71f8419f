package ghpackages

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The answers a second review found the SDK got wrong (issue 24), each
// reproduced against an httptest server.

// errRefused is what refusingValue's UnmarshalJSON returns.
var errRefused = errors.New("refusing this body")

// refusingValue is a caller's type that refuses every body.
type refusingValue struct{}

func (*refusingValue) UnmarshalJSON([]byte) error { return errRefused }

// A 2xx body the caller's value refuses is the caller's error: the request
// is sent once, and the error is a *DecodeError that unwraps to the
// refusal. (It was taken for a transport failure and the GET sent 4 times.)
// A non-pointer v fails the same way, also without a resend.
func TestDecodeFailureOfA2xxIsNotResent(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		v    any
		is   error
	}{
		{"UnmarshalJSON refuses", &refusingValue{}, errRefused},
		{"non-pointer value", refusingValue{}, nil},
	} {
		h := &scripted{steps: []func(http.ResponseWriter, *http.Request){okJSON(`{"id":1}`)}}
		clock := newTestClock()
		c := retryClient(t, h, clock, WithRetry(DefaultRetryPolicy()))
		req, err := c.NewRequest(t.Context(), http.MethodGet, "anything", nil)
		require.NoError(t, err)
		resp, err := c.Do(req, tc.v)
		require.Error(t, err, tc.name)
		var de *DecodeError
		require.ErrorAs(t, err, &de, tc.name)
		assert.Equal(t, http.StatusOK, de.StatusCode, tc.name)
		assert.Equal(t, fmt.Sprintf("%T", tc.v), de.Type.String(), tc.name)
		assert.Contains(t, de.URL, "/anything", tc.name)
		if tc.is != nil {
			assert.ErrorIs(t, err, tc.is, tc.name)
		}
		assert.Equal(t, 1, h.count(), "%s: sent once", tc.name)
		assert.Empty(t, clock.sleeps(), "%s: no wait", tc.name)
		require.NotNil(t, resp, tc.name)
		assert.Equal(t, 1, resp.Attempts, tc.name)
	}
}

// A raw DELETE answered 200 with a body the caller's type refuses was
// deleted: it is not sent again, so a 404 cannot turn it into
// ErrDeleteUnconfirmed, and the decode error stays in the chain.
func TestDeleteAnsweredWithARefusedBodyIsNotResent(t *testing.T) {
	t.Parallel()
	h := &scripted{steps: []func(http.ResponseWriter, *http.Request){okJSON(`{"deleted":true}`), status(404, "Not Found")}}
	c := retryClient(t, h, newTestClock(), WithRetry(DefaultRetryPolicy()))
	req, err := c.NewRequest(t.Context(), http.MethodDelete, "things/1", nil)
	require.NoError(t, err)
	resp, err := c.Do(req, &refusingValue{})
	require.Error(t, err)
	assert.ErrorIs(t, err, errRefused)
	assert.NotErrorIs(t, err, ErrDeleteUnconfirmed)
	assert.NotErrorIs(t, err, ErrNotFound)
	assert.Equal(t, []string{"DELETE /things/1"}, h.sent())
	require.NotNil(t, resp)
	assert.False(t, resp.Replayed)
}

// A mutation answered with a redirect is refused, never followed (net/http
// follows 301, 302 and 303 with a GET): the server sees the DELETE alone,
// and the error is a *RedirectError naming the status and the Location,
// matching ErrRedirect. A GET still follows a redirect on the API host.
func TestRedirectedMutationIsRefused(t *testing.T) {
	t.Parallel()
	for _, code := range []int{301, 302, 303, 307, 308} {
		var mu sync.Mutex
		var seen []string
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			seen = append(seen, r.Method+" "+r.URL.EscapedPath())
			mu.Unlock()
			switch r.URL.Path {
			case "/moved":
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, testVersion)
			default:
				http.Redirect(w, r, "/moved", code)
			}
		}))
		t.Cleanup(srv.Close)
		c, err := NewClient(WithBaseURL(srv.URL), WithHTTPClient(srv.Client()), WithToken(secretToken),
			WithPacing(NoPacing()), WithRetry(NoRetry()))
		require.NoError(t, err)

		resp, err := c.Orgs.DeleteVersion(t.Context(), "octo-org", Container, "app", 7)
		require.Error(t, err, "status %d", code)
		assert.ErrorIs(t, err, ErrRedirect, "status %d", code)
		var re *RedirectError
		require.ErrorAs(t, err, &re, "status %d", code)
		assert.Equal(t, http.MethodDelete, re.Method)
		assert.Equal(t, code, re.StatusCode)
		assert.Equal(t, "/moved", re.Location)
		require.NotNil(t, resp, "status %d: the redirect was an answer", code)
		assert.Equal(t, code, resp.StatusCode)

		_, _, err = c.Orgs.GetVersion(t.Context(), "octo-org", Container, "app", 7)
		require.NoError(t, err, "status %d: a GET follows", code)
		mu.Lock()
		assert.Equal(t, []string{
			"DELETE /orgs/octo-org/packages/container/app/versions/7",
			"GET /orgs/octo-org/packages/container/app/versions/7",
			"GET /moved",
		}, seen, "status %d", code)
		mu.Unlock()
	}
}

// A caller's own CheckRedirect still decides for GETs; a mutation's
// redirect is refused before it is asked.
func TestRedirectKeepsTheCallersCheckForGETs(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/moved" {
			fmt.Fprint(w, `{}`)
			return
		}
		http.Redirect(w, r, "/moved", http.StatusFound)
	}))
	t.Cleanup(srv.Close)
	errMine := errors.New("my check says no")
	var asked []string
	hc := srv.Client()
	hc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		asked = append(asked, via[0].Method)
		return errMine
	}
	c, err := NewClient(WithBaseURL(srv.URL), WithHTTPClient(hc), WithPacing(NoPacing()), WithRetry(NoRetry()))
	require.NoError(t, err)
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		req, err := c.NewRequest(t.Context(), method, "x", nil)
		require.NoError(t, err)
		_, err = c.Do(req, nil)
		if method == http.MethodGet {
			assert.ErrorIs(t, err, errMine)
		} else {
			assert.ErrorIs(t, err, ErrRedirect)
		}
	}
	assert.Equal(t, []string{http.MethodGet}, asked)
}

// A base URL that names the default port (":80" for http, ":443" for
// https) is the same host as one that does not: a next link without the
// port is followed, and carries the token.
func TestDefaultPortInTheBaseURL(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Host+" "+r.URL.RequestURI()+" "+r.Header.Get("Authorization"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Query().Get("page") == "" {
			w.Header().Set("Link", `<http://localhost/api/v3/orgs/o/packages?package_type=container&page=2>; rel="next"`)
			fmt.Fprint(w, `[{"id":1}]`)
			return
		}
		fmt.Fprint(w, `[{"id":2}]`)
	}))
	t.Cleanup(srv.Close)
	// Every connection goes to the test server, whatever the URL says.
	tr := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, srv.Listener.Addr().String())
	}}
	t.Cleanup(tr.CloseIdleConnections)
	c, err := NewClient(WithBaseURL("http://localhost:80/api/v3/"), WithHTTPClient(&http.Client{Transport: tr}),
		WithToken(secretToken), WithPacing(NoPacing()), WithRetry(NoRetry()))
	require.NoError(t, err)
	pkgs, err := Collect(c.Orgs.All(t.Context(), "o", Container, nil))
	require.NoError(t, err)
	require.Len(t, pkgs, 2)
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, seen, 2)
	assert.True(t, strings.HasSuffix(seen[1], "Bearer "+secretToken), "page 2 carries the token: %q", seen[1])
}

// sameHost normalises default ports and case, and nothing else.
func TestSameHost(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"https://ghe.example.com:443/api/v3/", "https://ghe.example.com/api/v3/x", true},
		{"https://GHE.example.com/", "https://ghe.example.com:443/", true},
		{"http://localhost:80/", "http://localhost/", true},
		{"https://ghe.example.com:8443/", "https://ghe.example.com/", false},
		{"http://ghe.example.com:443/", "http://ghe.example.com/", false},
		{"https://ghe.example.com/", "http://ghe.example.com/", false},
		{"https://[::1]:443/", "https://[::1]/", true},
		{"https://ghe.example.com/", "https://evil.ghe.example.com/", false},
	} {
		a, b := mustParse(t, tc.a), mustParse(t, tc.b)
		assert.Equal(t, tc.want, sameHost(a, b), "%s vs %s", tc.a, tc.b)
		assert.Equal(t, tc.want, sameHost(b, a), "%s vs %s", tc.b, tc.a)
	}
}

func mustParse(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	require.NoError(t, err)
	return u
}

// Retry-After: 0 asks for a retry now, not for the 60 s a limit without
// the header waits.
func TestRetryAfterZeroRetriesAtOnce(t *testing.T) {
	t.Parallel()
	h := &scripted{steps: []func(http.ResponseWriter, *http.Request){
		status(403, "You have exceeded a secondary rate limit.", "Retry-After", "0"), okJSON(testVersion)}}
	clock := newTestClock()
	c := retryClient(t, h, clock, WithRetry(DefaultRetryPolicy()))
	_, _, err := c.Orgs.GetVersion(t.Context(), "o", Container, "app", 1)
	require.NoError(t, err)
	assert.Equal(t, 2, h.count())
	assert.Equal(t, []time.Duration{0}, clock.sleeps())
}

// A server that answers empty pages, each linking a fresh next page, is
// followed for maxEmptyPages pages, then the iterator fails.
func TestEmptyPagesThatLinkOnEnd(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	n := 0
	env := setup(t)
	env.mux.HandleFunc("GET /orgs/o/packages", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		page := n
		mu.Unlock()
		if page >= 50 { // the SDK should have stopped long before
			fmt.Fprint(w, `[]`)
			return
		}
		w.Header().Set("Link", fmt.Sprintf(`<%s/orgs/o/packages?package_type=container&page=%d>; rel="next"`, env.url, page+1))
		fmt.Fprint(w, `[]`)
	})
	var errs []error
	items := 0
	for p, err := range env.client.Orgs.All(t.Context(), "o", Container, nil) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		_ = p
		items++
	}
	assert.Zero(t, items)
	require.Len(t, errs, 1)
	assert.ErrorContains(t, errs[0], "empty pages")
	mu.Lock()
	assert.Equal(t, maxEmptyPages, n)
	mu.Unlock()
}

// A relative next link is resolved against the URL of the page that sent
// it (RFC 3986), not against the base URL.
func TestRelativeNextLinkResolvesAgainstTheRequest(t *testing.T) {
	t.Parallel()
	env := setup(t)
	var mu sync.Mutex
	var seen []string
	env.mux.HandleFunc("GET /orgs/o/packages", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.URL.RequestURI())
		mu.Unlock()
		switch r.URL.Query().Get("page") {
		case "":
			w.Header().Set("Link", `<?package_type=container&page=2>; rel="next"`)
			fmt.Fprint(w, `[{"id":1}]`)
		case "2":
			w.Header().Set("Link", `</orgs/o/packages?package_type=container&page=3>; rel="next"`)
			fmt.Fprint(w, `[{"id":2}]`)
		default:
			fmt.Fprint(w, `[{"id":3}]`)
		}
	})
	pkgs, err := Collect(env.client.Orgs.All(t.Context(), "o", Container, nil))
	require.NoError(t, err)
	assert.Len(t, pkgs, 3)
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{
		"/orgs/o/packages?package_type=container",
		"/orgs/o/packages?package_type=container&page=2",
		"/orgs/o/packages?package_type=container&page=3",
	}, seen)
}

// A 2xx body larger than the cap is an error matching ErrResponseTooLarge,
// whether its length was announced or not; the default cap is 32 MiB.
func TestResponseBodyCap(t *testing.T) {
	t.Parallel()
	assert.EqualValues(t, 32<<20, DefaultMaxResponseBytes)
	big := "[" + strings.Repeat(`{"id":1},`, 500) + `{"id":1}]`
	for _, chunked := range []bool{false, true} {
		env := setup(t, WithMaxResponseBytes(1024))
		env.mux.HandleFunc("GET /orgs/o/packages", func(w http.ResponseWriter, r *http.Request) {
			if !chunked {
				w.Header().Set("Content-Length", fmt.Sprint(len(big)))
			}
			fmt.Fprint(w, big)
			if chunked {
				w.(http.Flusher).Flush()
			}
		})
		pkgs, resp, err := env.client.Orgs.List(t.Context(), "o", Container, nil)
		require.Error(t, err, "chunked %v", chunked)
		assert.ErrorIs(t, err, ErrResponseTooLarge, "chunked %v", chunked)
		var tl *ResponseTooLargeError
		require.ErrorAs(t, err, &tl)
		assert.EqualValues(t, 1024, tl.Limit)
		assert.Nil(t, pkgs)
		require.NotNil(t, resp)
		assert.Equal(t, 1, resp.Attempts, "not resent")
	}
	_, err := NewClient(WithMaxResponseBytes(0))
	assert.ErrorIs(t, err, ErrInvalidArgument)
}

// What the docs say of a nil *Client is true: its methods refuse (see
// TestZeroClientReturnsErrors), but its service fields cannot be read, so
// the docs must not promise that c.Orgs.Get refuses on a nil c.
func TestNilClientRuleIsWhatTheDocsSay(t *testing.T) {
	t.Parallel()
	var c *Client
	assert.Panics(t, func() { _ = c.Orgs }, "the language: a field of a nil pointer")
	_, _, err := c.Packages(OrgOwner("o")).Get(t.Context(), Container, "app")
	assert.ErrorIs(t, err, ErrInvalidArgument)

	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "client.go", nil, parser.ParseComments)
	require.NoError(t, err)
	p, err := doc.NewFromFiles(fset, []*ast.File{f}, "github.com/ghpackages/ghpackages-go")
	require.NoError(t, err)
	var text string
	for _, typ := range p.Types {
		if typ.Name == "Client" {
			text = strings.Join(strings.Fields(typ.Doc), " ")
		}
	}
	require.NotEmpty(t, text)
	assert.NotContains(t, text, "a nil *Client) and its services refuse")
	assert.Contains(t, text, "panics", "the Client's doc says what a nil *Client's fields do")
}

// The token rides the attempt's one copy of the request; a redirect on the
// API host keeps it (net/http copies the headers), and what the caller gets
// back carries it nowhere, not even in the redirect's own request.
func TestRedirectOnTheAPIHostKeepsTheTokenAndHidesIt(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var auths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		auths = append(auths, r.URL.Path+" "+r.Header.Get("Authorization"))
		mu.Unlock()
		if r.URL.Path == "/moved" {
			fmt.Fprint(w, `{}`)
			return
		}
		http.Redirect(w, r, "/moved", http.StatusFound)
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(WithBaseURL(srv.URL), WithHTTPClient(srv.Client()), WithToken(secretToken), WithPacing(NoPacing()), WithRetry(NoRetry()))
	require.NoError(t, err)
	req, err := c.NewRequest(t.Context(), http.MethodGet, "x", nil)
	require.NoError(t, err)
	resp, err := c.Do(req, &map[string]any{})
	require.NoError(t, err)
	mu.Lock()
	assert.Equal(t, []string{"/x Bearer " + secretToken, "/moved Bearer " + secretToken}, auths)
	mu.Unlock()
	assert.Empty(t, req.Header.Get("Authorization"), "the caller's request is untouched")
	for r := resp.Request; r != nil; {
		assert.Empty(t, r.Header.Get("Authorization"), "%s carries no token", r.URL)
		if r.Response == nil {
			break
		}
		r = r.Response.Request
	}
}
