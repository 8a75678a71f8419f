package ghpackages

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// benchVersions renders n container versions as GitHub sends them.
func benchVersions(n, page int) []byte {
	var b strings.Builder
	b.WriteByte('[')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		id := 1260000000 + page*1000 + i
		fmt.Fprintf(&b, `{"id":%d,"name":"sha256:%064d","url":"https://api.github.com/orgs/octo-org/packages/container/team%%2Fapp/versions/%d",`+
			`"package_html_url":"https://github.com/orgs/octo-org/packages/container/package/team%%2Fapp","created_at":"2026-11-01T12:00:00Z",`+
			`"updated_at":"2026-11-01T12:00:00Z","html_url":"https://github.com/orgs/octo-org/packages/container/team%%2Fapp/%d",`+
			`"metadata":{"package_type":"container","container":{"tags":["v1.%d.0","latest"]}}}`, id, id, id, id, i)
	}
	b.WriteByte(']')
	return []byte(b.String())
}

func benchClient(b *testing.B, h http.Handler) *Client {
	b.Helper()
	srv := httptest.NewServer(h)
	b.Cleanup(srv.Close)
	c, err := NewClient(WithBaseURL(srv.URL), WithHTTPClient(srv.Client()), WithToken("ghp_bench"), WithPacing(NoPacing()), WithRetry(NoRetry()))
	if err != nil {
		b.Fatal(err)
	}
	return c
}

func BenchmarkGet(b *testing.B) {
	body := []byte(`{"id":197,"name":"team/app","package_type":"container","owner":{"login":"octo-org","id":9919,"type":"Organization"},` +
		`"version_count":100,"visibility":"private","url":"https://api.github.com/orgs/octo-org/packages/container/team%2Fapp",` +
		`"created_at":"2020-05-19T22:19:11Z","updated_at":"2020-05-19T22:19:11Z","html_url":"https://github.com/orgs/octo-org/packages/container/package/team%2Fapp"}`)
	c := benchClient(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(body) }))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := c.Orgs.Get(b.Context(), "octo-org", Container, "team/app"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkListVersionsPage100(b *testing.B) {
	body := benchVersions(100, 1)
	c := benchClient(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(body) }))
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		vs, _, err := c.Orgs.ListVersions(b.Context(), "octo-org", Container, "team/app", &ListVersionsOptions{PerPage: 100})
		if err != nil || len(vs) != 100 {
			b.Fatal(err, len(vs))
		}
	}
}

// BenchmarkAllVersionsWalk100Pages walks 100 pages of 100 versions (10,000
// versions) with the iterator, which holds one page at a time.
func BenchmarkAllVersionsWalk100Pages(b *testing.B) {
	const pages = 100
	// The server answers with canned bytes: bodies and Link headers are
	// built before the clock starts.
	bodies := make([][]byte, pages+1)
	links := make([]string, pages+1)
	for p := 1; p <= pages; p++ {
		bodies[p] = benchVersions(100, p)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := strconv.Atoi(r.URL.Query().Get("page"))
		if p == 0 {
			p = 1
		}
		if links[p] != "" {
			w.Header()["Link"] = []string{links[p]}
		}
		w.Write(bodies[p])
	}))
	b.Cleanup(srv.Close)
	for p := 1; p < pages; p++ {
		links[p] = fmt.Sprintf(`<%[1]s/orgs/octo-org/packages/container/team%%2Fapp/versions?per_page=100&page=%[2]d>; rel="next", <%[1]s/orgs/octo-org/packages/container/team%%2Fapp/versions?per_page=100&page=%[3]d>; rel="last"`, srv.URL, p+1, pages)
	}
	c, err := NewClient(WithBaseURL(srv.URL), WithHTTPClient(srv.Client()), WithToken("ghp_bench"), WithPacing(NoPacing()), WithRetry(NoRetry()))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for _, err := range c.Orgs.AllVersions(b.Context(), "octo-org", Container, "team/app", &ListVersionsOptions{PerPage: 100}) {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != pages*100 {
			b.Fatalf("walked %d versions", n)
		}
	}
}
