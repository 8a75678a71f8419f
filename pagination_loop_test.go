package ghpackages

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cyclingServer serves a package's versions as pages named by the "p" query
// parameter; links maps each page to the page its next link names. The
// first page, order[0], is the one the client asks for without "p", and a
// link to it names that very URL. Page P holds the one version whose ID is
// P's position in order.
func cyclingServer(t *testing.T, order []string, links map[string]string) (*Client, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	var base string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) > 20 {
			t.Errorf("request %d: the iterator is still walking", hits.Load())
			w.WriteHeader(http.StatusTeapot)
			return
		}
		p := r.URL.Query().Get("p")
		if p == "" {
			p = order[0]
		}
		id := strings.Index(strings.Join(order, ""), p) + 1
		switch next := links[p]; next {
		case "":
		case order[0]:
			w.Header().Set("Link", fmt.Sprintf(`<%s/orgs/o/packages/npm/a/versions>; rel="next"`, base))
		default:
			w.Header().Set("Link", fmt.Sprintf(`<%s/orgs/o/packages/npm/a/versions?p=%s>; rel="next"`, base, next))
		}
		fmt.Fprintf(w, `[{"id":%d}]`, id)
	}))
	t.Cleanup(srv.Close)
	base = srv.URL
	c, err := NewClient(WithBaseURL(srv.URL), WithHTTPClient(srv.Client()), WithToken("t"), WithPacing(NoPacing()), WithRetry(NoRetry()))
	require.NoError(t, err)
	return c, &hits
}

// A next link back to an earlier page, not only to the page just fetched,
// ends the walk with one error instead of looping forever. (Before the fix,
// A → B → A was walked until the server gave up.)
func TestIteratorStopsAtALinkBackToAnyEarlierPage(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		order []string
		links map[string]string
		ids   []int64
		hits  int32
	}{
		"A→B→A":     {[]string{"A", "B"}, map[string]string{"A": "B", "B": "A"}, []int64{1, 2}, 2},
		"A→B→C→B":   {[]string{"A", "B", "C"}, map[string]string{"A": "B", "B": "C", "C": "B"}, []int64{1, 2, 3}, 3},
		"A→B→C→A":   {[]string{"A", "B", "C"}, map[string]string{"A": "B", "B": "C", "C": "A"}, []int64{1, 2, 3}, 3},
		"A→B→B":     {[]string{"A", "B"}, map[string]string{"A": "B", "B": "B"}, []int64{1, 2}, 2},
		"no loop":   {[]string{"A", "B", "C"}, map[string]string{"A": "B", "B": "C"}, []int64{1, 2, 3}, 3},
		"one page":  {[]string{"A"}, map[string]string{}, []int64{1}, 1},
		"A→A first": {[]string{"A"}, map[string]string{"A": "A"}, []int64{1}, 1},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, hits := cyclingServer(t, tc.order, tc.links)
			var ids []int64
			var errs []error
			for v, err := range c.Orgs.AllVersions(t.Context(), "o", NPM, "a", nil) {
				if err != nil {
					errs = append(errs, err)
					continue
				}
				ids = append(ids, v.ID)
			}
			assert.Equal(t, tc.ids, ids, "every page once, in order")
			assert.Equal(t, tc.hits, hits.Load(), "pages fetched")
			if name == "no loop" || name == "one page" {
				assert.Empty(t, errs)
				return
			}
			require.Len(t, errs, 1, "the loop is reported once")
			assert.ErrorContains(t, errs[0], "ghpackages: pagination loop: next link repeats ")
			assert.ErrorContains(t, errs[0], "/orgs/o/packages/npm/a/versions")
			assert.NotErrorIs(t, errs[0], ErrInvalidArgument)
		})
	}
}

// The page the walk started on is an earlier page too, even though its
// URL was built by the client rather than taken from a link.
func TestIteratorLinkBackToTheFirstRequest(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	var base string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) > 5 {
			w.WriteHeader(http.StatusTeapot)
			return
		}
		next := base + "/orgs/o/packages?package_type=npm&page=2&per_page=1"
		if r.URL.Query().Get("page") == "2" {
			next = base + "/orgs/o/packages?package_type=npm&page=1&per_page=1" // as the client sent page 1
		}
		w.Header().Set("Link", "<"+next+`>; rel="next"`)
		fmt.Fprintf(w, `[{"id":%d}]`, hits.Load())
	}))
	t.Cleanup(srv.Close)
	base = srv.URL
	c, err := NewClient(WithBaseURL(srv.URL), WithHTTPClient(srv.Client()), WithToken("t"), WithPacing(NoPacing()), WithRetry(NoRetry()))
	require.NoError(t, err)
	pkgs, err := Collect(c.Orgs.All(t.Context(), "o", NPM, &PackageListOptions{Page: 1, PerPage: 1}))
	require.ErrorContains(t, err, "pagination loop")
	require.Len(t, pkgs, 2)
	assert.Equal(t, []int64{1, 2}, []int64{pkgs[0].ID, pkgs[1].ID})
	assert.Equal(t, int32(2), hits.Load())
}

// A quoted parameter may contain "<", ";" and ",": none of them starts a
// new link or a new parameter. (Before the fix, title="<b>" made "b" the
// next link.)
func TestParseLinksQuotedParameters(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		header string
		want   map[string]string
	}{
		{`<https://x/?page=2>; title="<b>"; rel="next", <https://x/?page=9>; rel="last"`,
			map[string]string{"next": "https://x/?page=2", "last": "https://x/?page=9"}},
		{`<https://x/?page=2>; rel="next"; title="a, <b>; rel=last"`,
			map[string]string{"next": "https://x/?page=2"}},
		{`<https://x/?page=2>; title="say \"<hi>\""; rel="next", <https://x/?page=1>; rel="prev"`,
			map[string]string{"next": "https://x/?page=2", "prev": "https://x/?page=1"}},
		{`<https://x/?page=2>; title*=UTF-8'de'n%3Cb; rel="next"`,
			map[string]string{"next": "https://x/?page=2"}},
	} {
		assert.Equal(t, tc.want, parseLinks([]string{tc.header}), tc.header)
	}
}
