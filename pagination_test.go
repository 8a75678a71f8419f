package ghpackages

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLinkHeaderParsing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                                    string
		headers                                 []string
		next, prev, first, last                 string
		nextPage, prevPage, firstPage, lastPage int
	}{
		{"github style", []string{`<https://api.github.com/orgs/o/packages?package_type=npm&page=2>; rel="next", <https://api.github.com/orgs/o/packages?package_type=npm&page=5>; rel="last"`},
			"https://api.github.com/orgs/o/packages?package_type=npm&page=2", "", "", "https://api.github.com/orgs/o/packages?package_type=npm&page=5", 2, 0, 0, 5},
		{"middle page, all four quoted", []string{`<https://x/v?page=3>; rel="next", <https://x/v?page=1>; rel="prev", <https://x/v?page=1>; rel="first", <https://x/v?page=9>; rel="last"`},
			"https://x/v?page=3", "https://x/v?page=1", "https://x/v?page=1", "https://x/v?page=9", 3, 1, 1, 9},
		{"all four, bare rels, no spaces", []string{`<https://x/?page=3>;rel=next,<https://x/?page=1>;rel=prev,<https://x/?page=1>;rel=first,<https://x/?page=9>;rel=last`},
			"https://x/?page=3", "https://x/?page=1", "https://x/?page=1", "https://x/?page=9", 3, 1, 1, 9},
		{"last page: prev and first only", []string{`<https://x/?page=8>; rel="prev", <https://x/?page=1>; rel="first"`},
			"", "https://x/?page=8", "https://x/?page=1", "", 0, 8, 1, 0},
		{"several header lines", []string{`<https://x/?page=2>; rel="next"`, `<https://x/?page=4>; rel="last"`},
			"https://x/?page=2", "", "", "https://x/?page=4", 2, 0, 0, 4},
		{"two rels in one param, extra params", []string{`<https://x/?page=7>; title="a, b"; rel="next last"`},
			"https://x/?page=7", "", "", "https://x/?page=7", 7, 0, 0, 7},
		{"upper-case rel, spaces", []string{`  < https://x/?page=2 > ;  REL = "Next" `}, "https://x/?page=2", "", "", "", 2, 0, 0, 0},
		{"first link for a rel wins", []string{`<https://x/?page=2>; rel="next", <https://x/?page=3>; rel="next"`}, "https://x/?page=2", "", "", "", 2, 0, 0, 0},
		{"unknown rels ignored", []string{`<https://x/?page=2>; rel="alternate", <https://x/?page=3>; rel="next"`}, "https://x/?page=3", "", "", "", 3, 0, 0, 0},
		{"no page parameter", []string{`<https://x/?cursor=abc>; rel="next"`}, "https://x/?cursor=abc", "", "", "", 0, 0, 0, 0},
		{"non-numeric and negative page", []string{`<https://x/?page=two>; rel="next", <https://x/?page=-1>; rel="last"`}, "https://x/?page=two", "", "", "https://x/?page=-1", 0, 0, 0, 0},
		{"opaque params kept verbatim", []string{`<https://x/organizations/1/v?page=2&after=c%3D1&per_page=100>; rel="next"`}, "https://x/organizations/1/v?page=2&after=c%3D1&per_page=100", "", "", "", 2, 0, 0, 0},
		{"garbage", []string{`nonsense; rel=next`, `<>; rel="next"`, `<https://x/?page=2>`, `<https://x/?page=3; rel="next"`}, "", "", "", "", 0, 0, 0, 0},
		{"garbage then a good link", []string{`nonsense, <https://x/?page=2>; rel="next"`}, "https://x/?page=2", "", "", "", 2, 0, 0, 0},
		{"empty header", []string{""}, "", "", "", "", 0, 0, 0, 0},
		{"absent", nil, "", "", "", "", 0, 0, 0, 0},
	}
	for _, tc := range tests {
		h := http.Header{}
		for _, v := range tc.headers {
			h.Add("Link", v)
		}
		r := newResponse(&http.Response{Header: h})
		assert.Equal(t, tc.next, r.NextURL, tc.name)
		assert.Equal(t, tc.prev, r.PrevURL, tc.name)
		assert.Equal(t, tc.first, r.FirstURL, tc.name)
		assert.Equal(t, tc.last, r.LastURL, tc.name)
		assert.Equal(t, []int{tc.nextPage, tc.prevPage, tc.firstPage, tc.lastPage}, []int{r.NextPage, r.PrevPage, r.FirstPage, r.LastPage}, tc.name)
	}
}

// pager is a test server that serves `pages` pages of 3 items each. Its next
// links use another path, as GitHub's do (/organizations/{id}/...), and an
// opaque cursor, which the client must send back exactly as given.
type pager struct {
	c    *Client
	hits atomic.Int32
	mu   sync.Mutex
	seen []string // request targets, in order
	auth []string // Authorization headers, in order
}

func (p *pager) authorizations() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.auth...)
}

func (p *pager) requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.seen...)
}

func pagedServer(t *testing.T, pages int, fail map[int]int) *pager {
	t.Helper()
	p := &pager{}
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.hits.Add(1)
		p.mu.Lock()
		p.seen = append(p.seen, r.RequestURI)
		p.auth = append(p.auth, r.Header.Get("Authorization"))
		p.mu.Unlock()
		page := 1
		if s := r.URL.Query().Get("page"); s != "" {
			page, _ = strconv.Atoi(s)
		}
		if status, ok := fail[page]; ok {
			w.WriteHeader(status)
			w.Write([]byte(`{"message":"boom"}`))
			return
		}
		if page < pages {
			w.Header().Set("Link", fmt.Sprintf(`<%s/organizations/9919/p%%2Fq?page=%d&after=c%%3D%d>; rel="next", <%s/organizations/9919/p%%2Fq?page=%d>; rel="last"`, srv.URL, page+1, page, srv.URL, pages))
		}
		fmt.Fprintf(w, `[{"id":%d},{"id":%d},{"id":%d}]`, page*10+1, page*10+2, page*10+3)
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(WithBaseURL(srv.URL), WithHTTPClient(srv.Client()), WithToken(secretToken), WithPacing(NoPacing()), WithRetry(NoRetry()))
	require.NoError(t, err)
	p.c = c
	return p
}

func pageIDs(from, to int) []int64 {
	var ids []int64
	for p := from; p <= to; p++ {
		ids = append(ids, int64(p*10+1), int64(p*10+2), int64(p*10+3))
	}
	return ids
}

// TestEveryIteratorWalksEveryPage runs the six iterators (All and
// AllVersions on the three services) over five pages.
func TestEveryIteratorWalksEveryPage(t *testing.T) {
	t.Parallel()
	type walk func(ctx context.Context, s svc) ([]int64, error)
	versions := func(ctx context.Context, s svc) ([]int64, error) {
		var ids []int64
		for v, err := range s.allVersions(ctx, Container, "team/app", &PackageVersionListOptions{PerPage: 3, State: StateActive}) {
			if err != nil {
				return ids, err
			}
			ids = append(ids, v.ID)
		}
		return ids, nil
	}
	packages := func(ctx context.Context, s svc) ([]int64, error) {
		var ids []int64
		for p, err := range s.all(ctx, Container, &PackageListOptions{PerPage: 3}) {
			if err != nil {
				return ids, err
			}
			ids = append(ids, p.ID)
		}
		return ids, nil
	}
	for _, w := range []struct {
		name  string
		walk  walk
		first string // the first request, after the service prefix
	}{
		{"AllVersions", versions, "/packages/container/team%2Fapp/versions?per_page=3&state=active"},
		{"All", packages, "/packages?package_type=container&per_page=3"},
	} {
		for i := range 3 {
			p := pagedServer(t, 5, nil)
			s := services(p.c, "octo-org", "octocat")[i]
			label := s.name + "." + w.name
			ids, err := w.walk(t.Context(), s)
			require.NoError(t, err, label)
			assert.Equal(t, pageIDs(1, 5), ids, "%s: every item once, in order", label)
			assert.Equal(t, []string{
				s.prefix + w.first,
				"/organizations/9919/p%2Fq?page=2&after=c%3D1",
				"/organizations/9919/p%2Fq?page=3&after=c%3D2",
				"/organizations/9919/p%2Fq?page=4&after=c%3D3",
				"/organizations/9919/p%2Fq?page=5&after=c%3D4",
			}, p.requests(), "%s: next links followed exactly as sent", label)
			assert.Equal(t, []string{"Bearer " + secretToken, "Bearer " + secretToken, "Bearer " + secretToken, "Bearer " + secretToken, "Bearer " + secretToken}, p.authorizations(),
				"%s: same-host pages carry the token", label)
		}
	}
}

func TestIteratorIsLazy(t *testing.T) {
	t.Parallel()
	p := pagedServer(t, 5, nil)
	seq := p.c.Orgs.AllVersions(t.Context(), "octo-org", Container, "team/app", nil)
	assert.Equal(t, int32(0), p.hits.Load(), "nothing is fetched before the loop starts")
	n := 0
	for range seq {
		n++
		assert.Equal(t, int32((n+2)/3), p.hits.Load(), "page %d fetched only when item %d is needed", (n+2)/3, n)
	}
	assert.Equal(t, 15, n)
	// The sequence can be ranged over again: it starts over.
	vs, err := Collect(seq)
	require.NoError(t, err)
	require.Len(t, vs, 15)
	assert.Equal(t, int64(53), vs[14].ID)
	assert.Equal(t, int32(10), p.hits.Load())
}

func TestIteratorStopsOnBreak(t *testing.T) {
	t.Parallel()
	for _, stopAt := range []int{1, 3, 4, 15} {
		p := pagedServer(t, 5, nil)
		n := 0
		for range p.c.Orgs.AllVersions(t.Context(), "octo-org", Container, "team/app", nil) {
			n++
			if n == stopAt {
				break
			}
		}
		assert.Equal(t, stopAt, n)
		assert.Equal(t, int32((stopAt+2)/3), p.hits.Load(), "break at item %d: no page fetched after it", stopAt)
	}
	p := pagedServer(t, 5, nil)
	for range p.c.Users.All(t.Context(), "octocat", Container, nil) {
		break
	}
	assert.Equal(t, int32(1), p.hits.Load())
}

func TestIteratorCanceled(t *testing.T) {
	t.Parallel()
	p := pagedServer(t, 5, nil)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var errs []error
	n := 0
	for v, err := range p.c.Orgs.AllVersions(ctx, "octo-org", Container, "team/app", nil) {
		if err != nil {
			assert.Nil(t, v)
			errs = append(errs, err)
			continue
		}
		n++
		if n == 3 { // the last item of page 1
			cancel()
		}
	}
	require.Len(t, errs, 1, "the error is yielded once, then iteration stops")
	assert.ErrorIs(t, errs[0], context.Canceled)
	assert.Equal(t, ctx.Err(), errs[0], "exactly ctx.Err()")
	assert.Equal(t, 3, n)
	assert.Equal(t, int32(1), p.hits.Load(), "no page fetched after the cancel")

	// Canceled before the first page: one error, no request.
	p = pagedServer(t, 5, nil)
	var got []error
	for _, err := range p.c.User.All(ctx, NPM, nil) {
		got = append(got, err)
	}
	require.Len(t, got, 1)
	assert.ErrorIs(t, got[0], context.Canceled)
	assert.Equal(t, int32(0), p.hits.Load())
}

func TestIteratorFailedPageMidStream(t *testing.T) {
	t.Parallel()
	for _, status := range []int{404, 500, 403} {
		p := pagedServer(t, 5, map[int]int{3: status})
		var ids []int64
		var errs []error
		for v, err := range p.c.Orgs.AllVersions(t.Context(), "octo-org", Container, "team/app", nil) {
			if err != nil {
				assert.Nil(t, v)
				errs = append(errs, err)
				continue
			}
			ids = append(ids, v.ID)
		}
		assert.Equal(t, pageIDs(1, 2), ids, "status %d", status)
		require.Len(t, errs, 1, "status %d: one error, then the iterator stops", status)
		var apiErr *Error
		require.ErrorAs(t, errs[0], &apiErr)
		assert.Equal(t, status, apiErr.StatusCode)
		assert.Equal(t, "boom", apiErr.Message)
		assert.Equal(t, int32(3), p.hits.Load(), "no page after the failed one")
	}

	p := pagedServer(t, 5, map[int]int{2: 404})
	got, err := Collect(p.c.Orgs.AllVersions(t.Context(), "octo-org", Container, "team/app", nil))
	assert.ErrorIs(t, err, ErrNotFound)
	require.Len(t, got, 3, "Collect returns what it gathered with the error")
	assert.Equal(t, int64(11), got[0].ID)
}

func TestIteratorErrorBodyIsNotDecodedAsAPage(t *testing.T) {
	t.Parallel()
	// snok/container-retention-policy#93: a secondary-limit object fed to
	// an array decoder. The status comes first.
	c := answer(t, 403, `{"message":"`+msgSecondary+`"}`, "Retry-After", "60")
	got, err := Collect(c.Orgs.AllVersions(t.Context(), "o", Container, "a", nil))
	assert.Empty(t, got)
	assert.ErrorIs(t, err, ErrRateLimited)
	assert.NotContains(t, err.Error(), "decoding")
}

func TestIteratorRefusesNextLinkOffTheAPIHost(t *testing.T) {
	t.Parallel()
	other := &authRecorder{next: http.HandlerFunc(okJSON(`[{"id":99}]`))}
	otherSrv := httptest.NewServer(other)
	t.Cleanup(otherSrv.Close)
	for _, next := range []func(api string) string{
		func(string) string { return otherSrv.URL + "/orgs/o/packages?page=2" },                          // another port: another host
		func(api string) string { return "https://" + api[len("http://"):] + "/orgs/o/packages?page=2" }, // another scheme
		func(string) string { return "http://example.invalid/orgs/o/packages?page=2" },
		func(string) string { return "//example.invalid/orgs/o/packages?page=2" },
	} {
		env := setup(t)
		target := next(env.url)
		env.mux.HandleFunc("GET /orgs/o/packages", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Link", "<"+target+`>; rel="next"`)
			w.Write([]byte(`[{"id":1,"name":"a"}]`))
		})
		var ids []int64
		var errs []error
		for pkg, err := range env.client.Orgs.All(t.Context(), "o", Container, nil) {
			if err != nil {
				errs = append(errs, err)
				continue
			}
			ids = append(ids, pkg.ID)
		}
		assert.Equal(t, []int64{1}, ids, target)
		require.Len(t, errs, 1, target)
		assert.ErrorIs(t, errs[0], ErrInvalidArgument, target)
		assert.ErrorContains(t, errs[0], "not the API host", target)
		assert.NotContains(t, errs[0].Error(), secretToken)
		assert.Equal(t, int32(1), env.hits.Load(), target)
	}
	assert.Empty(t, other.seen(), "the other host got no request at all, so never the token")
}

func TestIteratorRefusesALoopingNextLink(t *testing.T) {
	t.Parallel()
	env := setup(t)
	env.mux.HandleFunc("GET /orgs/o/packages", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "<"+env.url+r.RequestURI+`>; rel="next"`)
		w.Write([]byte(`[{"id":1}]`))
	})
	got, err := Collect(env.client.Orgs.All(t.Context(), "o", NPM, nil))
	require.ErrorContains(t, err, "pagination loop")
	assert.Len(t, got, 1)
	assert.Equal(t, int32(1), env.hits.Load())
}

func TestIteratorEmptyAndSinglePage(t *testing.T) {
	t.Parallel()
	env := setup(t)
	env.mux.HandleFunc("GET /user/packages/npm/none/versions", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`[]`)) })
	env.mux.HandleFunc("GET /user/packages/npm/one/versions", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`[{"id":5}]`)) })
	got, err := Collect(env.client.User.AllVersions(t.Context(), NPM, "none", nil))
	require.NoError(t, err)
	assert.Empty(t, got)
	got, err = Collect(env.client.User.AllVersions(t.Context(), NPM, "one", nil))
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, int64(5), got[0].ID)
	assert.Equal(t, int32(2), env.hits.Load(), "no Link header: one request each")
}

func TestCollect(t *testing.T) {
	t.Parallel()
	boom := fmt.Errorf("boom")
	seq := func(items []int, failAt int) func(func(int, error) bool) {
		return func(yield func(int, error) bool) {
			for i, v := range items {
				if i == failAt {
					yield(0, boom)
					return
				}
				if !yield(v, nil) {
					return
				}
			}
		}
	}
	got, err := Collect(seq([]int{1, 2, 3}, -1))
	require.NoError(t, err)
	assert.Equal(t, []int{1, 2, 3}, got)
	got, err = Collect(seq([]int{1, 2, 3}, 2))
	assert.Same(t, boom, err)
	assert.Equal(t, []int{1, 2}, got)
	got, err = Collect(seq(nil, -1))
	require.NoError(t, err)
	assert.Empty(t, got)
}

func TestPageMethodsExposeLinks(t *testing.T) {
	t.Parallel()
	p := pagedServer(t, 4, nil)
	vs, resp, err := p.c.Orgs.ListVersions(t.Context(), "octo-org", Container, "team/app", nil)
	require.NoError(t, err)
	assert.Len(t, vs, 3)
	assert.Equal(t, 2, resp.NextPage)
	assert.Equal(t, 4, resp.LastPage)
	vs, resp, err = p.c.Orgs.ListVersions(t.Context(), "octo-org", Container, "team/app", &PackageVersionListOptions{Page: resp.LastPage})
	require.NoError(t, err)
	assert.Equal(t, int64(41), vs[0].ID)
	assert.Zero(t, resp.NextPage)
	assert.Empty(t, resp.NextURL)
	assert.Equal(t, []string{"/orgs/octo-org/packages/container/team%2Fapp/versions", "/orgs/octo-org/packages/container/team%2Fapp/versions?page=4"}, p.requests())
}

// TestPageOf: the page number of a link, as net/url reads its query; 0
// when there is none, or it is no page number.
func TestPageOf(t *testing.T) {
	t.Parallel()
	for link, want := range map[string]int{
		"": 0,
		"https://api.github.com/orgs/o/packages/container/team%2Fapp/versions?per_page=100&page=7": 7,
		"https://api.github.com/orgs/o/packages?page=2&per_page=30":                                2,
		"https://api.github.com/orgs/o/packages?per_page=30":                                       0,
		"https://x/?page=1&page=2":  1,
		"https://x/?pagee=3&page=4": 4,
		"https://x/?page=-3":        0,
		"https://x/?page=%33":       3,
		"https://x/?pa%67e=5":       5,
		"https://x/#?page=5":        0,
		"https://x/?page=0x10":      0,
		"https://x/%zz?page=2":      0,
		"?page=9":                   9,
		"http://127.0.0.1:8080/orgs/o/packages?package_type=container&page=12": 12,
	} {
		assert.Equal(t, want, pageOf(link), link)
	}
}

// TestAllStopsAtTheListLimit: GitHub serves the list-packages endpoints
// only while page × per_page ≤ 10,000, answering 400 past it (the OpenAPI
// description's package_es_list_error). All yields every package up to
// that point (10,000 with pages of 100, 9,990 with the default 30), then
// one error matching ErrListLimit, and stops.
func TestAllStopsAtTheListLimit(t *testing.T) {
	t.Parallel()
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		q := r.URL.Query()
		page, _ := strconv.Atoi(q.Get("page"))
		page = max(page, 1)
		perPage, err := strconv.Atoi(q.Get("per_page"))
		if err != nil {
			perPage = 30
		}
		if page*perPage > 10000 {
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"message":"The value of ` + "`per_page`" + ` multiplied by ` + "`page`" + ` cannot be greater than 10000.","documentation_url":"https://docs.github.com/rest/packages/packages"}`))
			return
		}
		// An owner with more packages than that: every page is full and
		// links to the next.
		w.Header().Set("Link", fmt.Sprintf(`<http://%s%s?package_type=npm&per_page=%d&page=%d>; rel="next"`, r.Host, r.URL.Path, perPage, page+1))
		var b strings.Builder
		b.WriteByte('[')
		for i := range perPage {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"id":%d,"name":"pkg-%d","package_type":"npm"}`, (page-1)*perPage+i+1, (page-1)*perPage+i+1)
		}
		b.WriteByte(']')
		w.Write([]byte(b.String()))
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(WithBaseURL(srv.URL), WithHTTPClient(srv.Client()), WithToken(secretToken), WithPacing(NoPacing()), WithRetry(NoRetry()))
	require.NoError(t, err)
	for _, tc := range []struct {
		opts      *PackageListOptions
		wantItems int
		wantSent  int32
	}{
		{&PackageListOptions{PerPage: 100}, 10000, 101},
		{nil, 9990, 334},
	} {
		requests.Store(0)
		n, errs := 0, 0
		var last error
		var lastID int64
		for p, err := range c.Orgs.All(t.Context(), "octo-org", NPM, tc.opts) {
			if err != nil {
				errs++
				last = err
				continue
			}
			n++
			lastID = p.ID
		}
		assert.Equal(t, tc.wantItems, n, "packages yielded before the limit")
		assert.EqualValues(t, tc.wantItems, lastID, "in order, none skipped")
		assert.Equal(t, 1, errs, "one error, then the iterator stops")
		assert.ErrorIs(t, last, ErrListLimit)
		var apiErr *Error
		require.ErrorAs(t, last, &apiErr)
		assert.Equal(t, http.StatusBadRequest, apiErr.StatusCode)
		assert.Equal(t, tc.wantSent, requests.Load(), "no request after the refused page")
	}
}
