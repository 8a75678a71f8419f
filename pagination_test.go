package ghpackages

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLinkHeaderParsing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                    string
		headers                 []string
		next, prev, first, last string
		nextPage, lastPage      int
	}{
		{"github style", []string{`<https://api.github.com/orgs/o/packages?package_type=npm&page=2>; rel="next", <https://api.github.com/orgs/o/packages?package_type=npm&page=5>; rel="last"`},
			"https://api.github.com/orgs/o/packages?package_type=npm&page=2", "", "", "https://api.github.com/orgs/o/packages?package_type=npm&page=5", 2, 5},
		{"all four, bare rels", []string{`<https://x/?page=3>; rel=next, <https://x/?page=1>; rel=prev, <https://x/?page=1>; rel=first, <https://x/?page=9>; rel=last`},
			"https://x/?page=3", "https://x/?page=1", "https://x/?page=1", "https://x/?page=9", 3, 9},
		{"several header lines", []string{`<https://x/?page=2>; rel="next"`, `<https://x/?page=4>; rel="last"`},
			"https://x/?page=2", "", "", "https://x/?page=4", 2, 4},
		{"two rels in one param, extra params", []string{`<https://x/?page=7>; title="a, b"; rel="next last"`},
			"https://x/?page=7", "", "", "https://x/?page=7", 7, 7},
		{"upper-case rel, spaces", []string{`  < https://x/?page=2 > ;  REL = "Next" `}, "https://x/?page=2", "", "", "", 2, 0},
		{"first link for a rel wins", []string{`<https://x/?page=2>; rel="next", <https://x/?page=3>; rel="next"`}, "https://x/?page=2", "", "", "", 2, 0},
		{"no page parameter", []string{`<https://x/?cursor=abc>; rel="next"`}, "https://x/?cursor=abc", "", "", "", 0, 0},
		{"garbage", []string{`nonsense; rel=next`, `<>; rel="next"`, `<https://x/?page=2>`}, "", "", "", "", 0, 0},
		{"absent", nil, "", "", "", "", 0, 0},
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
		assert.Equal(t, tc.nextPage, r.NextPage, tc.name)
		assert.Equal(t, tc.lastPage, r.LastPage, tc.name)
	}
}

// pagedServer serves `pages` pages of 3 versions each. Its next links use
// another path, as GitHub's do (/organizations/{id}/...), and an opaque
// cursor, which the client must send back as given.
func pagedServer(t *testing.T, pages int, fail map[int]int) (*Client, *atomic.Int32, *[]string) {
	t.Helper()
	var hits atomic.Int32
	var seen []string
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		seen = append(seen, r.URL.RequestURI())
		page := 1
		if p := r.URL.Query().Get("page"); p != "" {
			page, _ = strconv.Atoi(p)
		}
		if status, ok := fail[page]; ok {
			w.WriteHeader(status)
			w.Write([]byte(`{"message":"boom"}`))
			return
		}
		if page < pages {
			w.Header().Set("Link", fmt.Sprintf(`<%s/organizations/9919/packages/container/team%%2Fapp/versions?page=%d&after=c%%3D%d>; rel="next", <%s/organizations/9919/x?page=%d>; rel="last"`, srv.URL, page+1, page, srv.URL, pages))
		}
		fmt.Fprintf(w, `[{"id":%d},{"id":%d},{"id":%d}]`, page*10+1, page*10+2, page*10+3)
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(WithBaseURL(srv.URL), WithToken(secretToken), WithPacing(NoPacing), WithRetry(NoRetry))
	require.NoError(t, err)
	return c, &hits, &seen
}

func TestIteratorWalksEveryPageInOrder(t *testing.T) {
	t.Parallel()
	c, hits, seen := pagedServer(t, 5, nil)
	var ids []int64
	for v, err := range c.Orgs.AllVersions(t.Context(), "octo-org", Container, "team/app", nil) {
		require.NoError(t, err)
		ids = append(ids, v.ID)
	}
	var want []int64
	for p := 1; p <= 5; p++ {
		want = append(want, int64(p*10+1), int64(p*10+2), int64(p*10+3))
	}
	assert.Equal(t, want, ids)
	assert.Equal(t, int32(5), hits.Load())
	assert.Equal(t, "/orgs/octo-org/packages/container/team%2Fapp/versions", (*seen)[0])
	assert.Equal(t, "/organizations/9919/packages/container/team%2Fapp/versions?page=2&after=c%3D1", (*seen)[1], "the next link is followed exactly as sent")

	all, err := Collect(c.Orgs.AllVersions(t.Context(), "octo-org", Container, "team/app", nil))
	require.NoError(t, err)
	assert.Len(t, all, 15)
}

func TestIteratorStopsOnBreak(t *testing.T) {
	t.Parallel()
	c, hits, _ := pagedServer(t, 5, nil)
	n := 0
	for range c.Orgs.AllVersions(t.Context(), "octo-org", Container, "team/app", nil) {
		n++
		if n == 4 { // the first item of page 2
			break
		}
	}
	assert.Equal(t, int32(2), hits.Load(), "no page fetched after the break")
	for range c.Orgs.All(t.Context(), "octo-org", Container, nil) {
		break
	}
	assert.Equal(t, int32(3), hits.Load())
}

func TestIteratorCanceled(t *testing.T) {
	t.Parallel()
	c, hits, _ := pagedServer(t, 5, nil)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var errs []error
	n := 0
	for v, err := range c.Orgs.AllVersions(ctx, "octo-org", Container, "team/app", nil) {
		if err != nil {
			assert.Nil(t, v)
			errs = append(errs, err)
			continue
		}
		n++
		if n == 3 {
			cancel()
		}
	}
	require.Len(t, errs, 1, "the error is yielded once, then iteration stops")
	assert.ErrorIs(t, errs[0], context.Canceled)
	assert.Equal(t, 3, n)
	assert.Equal(t, int32(1), hits.Load())
}

func TestIteratorFailedPageMidStream(t *testing.T) {
	t.Parallel()
	c, hits, _ := pagedServer(t, 5, map[int]int{3: 404})
	var ids []int64
	var errs []error
	for v, err := range c.Orgs.AllVersions(t.Context(), "octo-org", Container, "team/app", nil) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ids = append(ids, v.ID)
	}
	assert.Equal(t, []int64{11, 12, 13, 21, 22, 23}, ids)
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], ErrNotFound)
	assert.Equal(t, int32(3), hits.Load())

	got, err := Collect(c.Orgs.AllVersions(t.Context(), "octo-org", Container, "team/app", nil))
	assert.ErrorIs(t, err, ErrNotFound)
	assert.Len(t, got, 6, "Collect returns what it gathered with the error")
}

func TestIteratorRefusesALoopingNextLink(t *testing.T) {
	t.Parallel()
	var srv *httptest.Server
	var hits atomic.Int32
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Link", "<"+srv.URL+r.URL.RequestURI()+`>; rel="next"`)
		w.Write([]byte(`[{"id":1}]`))
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(WithBaseURL(srv.URL), WithPacing(NoPacing))
	require.NoError(t, err)
	got, err := Collect(c.Orgs.All(t.Context(), "o", NPM, nil))
	require.ErrorContains(t, err, "pagination loop")
	assert.Len(t, got, 1)
	assert.Equal(t, int32(1), hits.Load())
}

func TestPageMethodsExposeLinks(t *testing.T) {
	t.Parallel()
	c, _, _ := pagedServer(t, 4, nil)
	vs, resp, err := c.Orgs.ListVersions(t.Context(), "octo-org", Container, "team/app", nil)
	require.NoError(t, err)
	assert.Len(t, vs, 3)
	assert.Equal(t, 2, resp.NextPage)
	assert.Equal(t, 4, resp.LastPage)
	vs, resp, err = c.Orgs.ListVersions(t.Context(), "octo-org", Container, "team/app", &ListVersionsOptions{Page: resp.LastPage})
	require.NoError(t, err)
	assert.Equal(t, int64(41), vs[0].ID)
	assert.Zero(t, resp.NextPage)
	assert.Empty(t, resp.NextURL)
}
