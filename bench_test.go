package ghpackages

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// The benchmarks come in pairs: BenchmarkXRaw is a minimal hand-written
// client (net/http and encoding/json, written as most code calling a JSON API
// is: decode from the body, then close it), BenchmarkXOurs is this package,
// both against the same httptest server answering the same canned bytes.
// Compare them with
//
//	go test -run '^$' -bench 'Raw|Ours' -benchmem -count 6 . | tee bench.txt
//	go run golang.org/x/perf/cmd/benchstat@latest bench.txt

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

// benchPackage is one package as GitHub sends it.
var benchPackage = []byte(`{"id":197,"name":"team/app","package_type":"container","owner":{"login":"octo-org","id":9919,"type":"Organization"},` +
	`"version_count":100,"visibility":"private","url":"https://api.github.com/orgs/octo-org/packages/container/team%2Fapp",` +
	`"created_at":"2020-05-19T22:19:11Z","updated_at":"2020-05-19T22:19:11Z","html_url":"https://github.com/orgs/octo-org/packages/container/package/team%2Fapp"}`)

// benchRateHeaders are the headers GitHub sends with every answer.
func benchRateHeaders(h http.Header) {
	h["Content-Type"] = []string{"application/json; charset=utf-8"}
	h["X-Github-Request-Id"] = []string{"CAFE:BEEF:1234567:89ABCDE:6560F00D"}
	h["X-Ratelimit-Limit"] = []string{"5000"}
	h["X-Ratelimit-Remaining"] = []string{"4999"}
	h["X-Ratelimit-Used"] = []string{"1"}
	h["X-Ratelimit-Reset"] = []string{"1795000000"}
	h["X-Ratelimit-Resource"] = []string{"core"}
	h["X-Oauth-Scopes"] = []string{"read:packages, delete:packages"}
	h["X-Accepted-Oauth-Scopes"] = []string{"read:packages"}
}

// walkPages is the number of 100-version pages the walk benchmarks read.
const walkPages = 100

// benchServer starts a server answering GET package with benchPackage, and
// versions?page=N with page N of walkPages canned pages of 100 versions,
// each with GitHub's Link header. Bodies and headers are built before any
// benchmark clock starts. It returns the server and a client transport of
// the benchmark's own.
func benchServer(b *testing.B) (*httptest.Server, *http.Transport) {
	b.Helper()
	bodies := make([][]byte, walkPages+1)
	links := make([]string, walkPages+1)
	for p := 1; p <= walkPages; p++ {
		bodies[p] = benchVersions(100, p)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		benchRateHeaders(w.Header())
		if !strings.HasSuffix(r.URL.Path, "/versions") {
			w.Write(benchPackage)
			return
		}
		p, _ := strconv.Atoi(r.URL.Query().Get("page"))
		if p < 1 || p > walkPages {
			p = 1
		}
		if links[p] != "" {
			w.Header()["Link"] = []string{links[p]}
		}
		w.Write(bodies[p])
	}))
	b.Cleanup(srv.Close)
	for p := 1; p < walkPages; p++ {
		links[p] = fmt.Sprintf(`<%[1]s/orgs/octo-org/packages/container/team%%2Fapp/versions?per_page=100&page=%[2]d>; rel="next", `+
			`<%[1]s/orgs/octo-org/packages/container/team%%2Fapp/versions?per_page=100&page=%[3]d>; rel="last"`, srv.URL, p+1, walkPages)
	}
	tr := &http.Transport{}
	b.Cleanup(tr.CloseIdleConnections)
	return srv, tr
}

// benchClient is this package's client on the benchmark server.
func benchClient(b *testing.B) *Client {
	b.Helper()
	srv, tr := benchServer(b)
	c, err := NewClient(WithBaseURL(srv.URL), WithToken("ghp_bench"), WithPacing(NoPacing()), WithRetry(NoRetry()),
		WithHTTPClient(&http.Client{Transport: tr}))
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// rawClient is the floor: what a minimal hand-written client does.
type rawClient struct {
	hc   *http.Client
	base string
}

func benchRaw(b *testing.B) *rawClient {
	b.Helper()
	srv, tr := benchServer(b)
	return &rawClient{hc: &http.Client{Transport: tr}, base: srv.URL + "/"}
}

// get GETs url, decodes the JSON answer into v and returns the next link.
func (r *rawClient) get(ctx context.Context, url string, v any) (next string, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("Authorization", "Bearer ghp_bench")
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	resp, err := r.hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("status %d", resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return "", err
	}
	for l := range strings.SplitSeq(resp.Header.Get("Link"), ",") {
		if target, params, ok := strings.Cut(l, ";"); ok && strings.Contains(params, `rel="next"`) {
			return strings.Trim(strings.TrimSpace(target), "<>"), nil
		}
	}
	return "", nil
}

func BenchmarkGetRaw(b *testing.B) {
	r := benchRaw(b)
	url := r.base + "orgs/octo-org/packages/container/team%2Fapp"
	b.ReportAllocs()
	for b.Loop() {
		var p Package
		if _, err := r.get(b.Context(), url, &p); err != nil || p.ID != 197 {
			b.Fatal(err, p.ID)
		}
	}
}

func BenchmarkGetOurs(b *testing.B) {
	c := benchClient(b)
	b.ReportAllocs()
	for b.Loop() {
		p, _, err := c.Orgs.Get(b.Context(), "octo-org", Container, "team/app")
		if err != nil || p.ID != 197 {
			b.Fatal(err)
		}
	}
}

func BenchmarkPageRaw(b *testing.B) {
	r := benchRaw(b)
	url := r.base + "orgs/octo-org/packages/container/team%2Fapp/versions?per_page=100&page=1"
	b.ReportAllocs()
	for b.Loop() {
		var vs []PackageVersion
		if _, err := r.get(b.Context(), url, &vs); err != nil || len(vs) != 100 {
			b.Fatal(err, len(vs))
		}
	}
}

func BenchmarkPageOurs(b *testing.B) {
	c := benchClient(b)
	b.ReportAllocs()
	for b.Loop() {
		vs, _, err := c.Orgs.ListVersions(b.Context(), "octo-org", Container, "team/app", &PackageVersionListOptions{PerPage: 100, Page: 1})
		if err != nil || len(vs) != 100 {
			b.Fatal(err, len(vs))
		}
	}
}

// BenchmarkWalkRaw reads walkPages pages of 100 versions (10,000 versions)
// by following the next links, holding one page at a time.
func BenchmarkWalkRaw(b *testing.B) {
	r := benchRaw(b)
	first := r.base + "orgs/octo-org/packages/container/team%2Fapp/versions?per_page=100"
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for url := first; url != ""; {
			var vs []PackageVersion
			next, err := r.get(b.Context(), url, &vs)
			if err != nil {
				b.Fatal(err)
			}
			n += len(vs)
			url = next
		}
		if n != walkPages*100 {
			b.Fatalf("walked %d versions", n)
		}
	}
}

// BenchmarkWalkOurs walks the same 10,000 versions with the iterator.
func BenchmarkWalkOurs(b *testing.B) {
	c := benchClient(b)
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for _, err := range c.Orgs.AllVersions(b.Context(), "octo-org", Container, "team/app", &PackageVersionListOptions{PerPage: 100}) {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != walkPages*100 {
			b.Fatalf("walked %d versions", n)
		}
	}
}
